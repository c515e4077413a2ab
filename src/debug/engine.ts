/**
 * Moving through the trace: forwards (executing the program when the recorded history runs out) and backwards
 * (over the recorded history), honouring every kind of breakpoint. The trace position is the only truth.
 */
import { Machine } from '../machine/machine';
import type { RecordedCall } from '../machine/operation';
import type { CallTexts, LogCall } from '../program/source';
import { fdNamesBefore, FdNames, straceLine } from '../trace/strace';
import { Trace } from '../trace/trace';
import { Breakpoints, Hit } from './breakpoints';
import { kernelPath, KernelStep } from './kernelPath';

export type StopReason = 'entry' | 'step' | 'breakpoint' | 'function breakpoint' | 'exception' | 'data breakpoint' | 'pause' | 'goto' | 'end';

export interface Stop {
  pos: number;
  reason: StopReason;
  hitIds: number[];
  /** For exception and data breakpoints: what happened. */
  text?: string;
  /** For an event about a run of pages: the page the breakpoint stopped for. */
  page?: number;
  /** A step of one process of a log (next, stepBack with its thread): the stop is that process's. */
  thread?: number;
}

export interface EngineOutput {
  /** A line for the debug console (strace-like syscall lines, logpoint messages). */
  print(line: string, category?: 'stdout' | 'console'): void;
}

/** How many syscall lines one run may print before it only counts them. */
const PRINT_LIMIT = 2000;

export class Engine {
  pos = -1;
  /** Set by a pause; long moves stop when they see it. Cleared when a move is claimed (Moves.reserve), not when it starts. */
  pauseRequested = false;
  /** Descriptor names right before operation printedOps; null: to be rebuilt (see printUpTo). */
  private names: FdNames | null = new FdNames();
  private printedOps = 0;
  private printBudget = PRINT_LIMIT;
  private cache: { pos: number; length: number; machine: Machine } | null = null;
  /** A replayed log's calls as the log printed them (undefined: a scenario; null: not opened yet). */
  private texts: CallTexts | undefined | null = null;

  constructor(public trace: Trace, public bps: Breakpoints, private out: EngineOutput) {}

  // ───────────── where a position is ─────────────

  /** The operation whose events include pos, -1 before the first; the last operation for the end phase. */
  opAt(pos: number): number {
    return pos < 0 ? -1 : this.trace.ops.opAt(pos);
  }

  /** A boundary is between operations: before the first, after an operation's last event, or at the end. */
  isBoundary(pos: number): boolean {
    if (pos < 0) return true;
    const k = this.opAt(pos);
    return k < 0 || pos >= this.trace.ops.endPosOf(k);
  }

  /** Index of the operation that runs next from a boundary, or the one in progress mid-operation. */
  currentOrNextOp(pos: number): number {
    if (pos < 0) return 0;
    const k = this.opAt(pos);
    return this.isBoundary(pos) ? k + 1 : k;
  }

  /**
   * Executes the program until operation j is recorded. False when the program ends before it. Operations run
   * ahead of the position (a breakpoint before an operation is decided with its record); their strace lines are
   * printed when the position passes their end (see settle).
   */
  ensureOp(j: number): boolean {
    const t = this.trace;
    while (t.ops.length <= j) {
      const i = t.step();
      if (i < 0) return false;
    }
    return true;
  }

  /** The call as the replayed log has it (its own descriptor numbers), or null (a scenario, or no line for it). */
  logCall(rec: RecordedCall | undefined): LogCall | null {
    if (!rec) return null;
    if (this.texts === null) this.texts = this.trace.spec.callTexts?.();
    return this.texts?.callOf(rec) ?? null;
  }

  /** Prints the strace lines of operations completed up to `pos` that were never printed (each one once). */
  private printUpTo(pos: number): void {
    const ops = this.trace.ops;
    while (this.printedOps < ops.length && this.printBudget > 0 && ops.endPosOf(this.printedOps) <= pos) {
      const i = this.printedOps++;
      // Operations passed over unprinted (a long run past its print budget): their descriptor names, from the
      // snapshots fdNamesBefore keeps, rather than a walk over every operation as the run passes them.
      if (this.names === null) this.names = fdNamesBefore(ops, i);
      const r = ops.get(i);
      if (this.texts === null) this.texts = this.trace.spec.callTexts?.();
      this.out.print(straceLine(r, this.names, this.texts), 'stdout');
      this.names.after(r);
      this.printBudget--;
      if (this.printBudget === 0) this.out.print('… more operations ran; their lines are not printed (try `events 50` in the console)', 'console');
    }
    // Over budget: the operations completed up to pos are passed over without reading their records.
    const from = this.printedOps;
    let done = from;
    while (done < ops.length && ops.endPosOf(done) <= pos) done++;
    if (done > from) {
      this.printedOps = done;
      this.names = null;
    }
  }

  /** After the trace's future was rewritten: descriptor names are rebuilt from the kept, printed history. */
  resync(): void {
    this.printedOps = Math.min(this.printedOps, this.trace.ops.length);
    this.names = null;
    this.cache = null;
    this.bps.resetCounts();
  }

  // ───────────── state at a position ─────────────

  /** The machine at the current position; cached until the position or the trace changes. */
  state(pos = this.pos): Machine {
    const t = this.trace;
    if (this.cache && this.cache.pos === pos && this.cache.length === t.events.length) return this.cache.machine;
    let m: Machine;
    // At the head, between operations, the live machine is exactly the state: no replay needed.
    if (pos === t.head && this.isBoundary(pos)) m = t.machine;
    else {
      // The machine of the last position is read no more (the session reads the state at the current position only):
      // the rebuild reuses its folios.
      if (this.cache && this.cache.machine !== t.machine) t.release(this.cache.machine);
      this.cache = null;
      m = t.stateAt(pos);
    }
    this.cache = { pos, length: t.events.length, machine: m };
    return m;
  }

  invalidate(): void {
    this.cache = null;
  }

  // ───────────── forwards ─────────────

  private stopFor(hits: Hit[], pos: number): Stop | null {
    const stops = hits.filter((h) => {
      if (h.message !== undefined) {
        this.out.print(h.message, 'console');
        return false;
      }
      return true;
    });
    if (!stops.length) return null;
    const k = stops[0].bp.kind;
    const reason: StopReason = k === 'line' ? 'breakpoint' : k === 'function' ? 'function breakpoint' : k === 'filter' ? 'exception' : 'data breakpoint';
    const page = stops.find((h) => h.page !== undefined)?.page;
    return { pos, reason, hitIds: stops.map((h) => h.bp.id), ...(page !== undefined ? { page } : {}) };
  }

  /**
   * Runs forwards. `includeCurrent` lets a breakpoint at the current boundary stop (the first run of a session
   * that did not stop on entry).
   */
  async forward(mode: 'continue' | 'next' | 'stepOut', includeCurrent = false, thread?: number): Promise<Stop> {
    this.printBudget = PRINT_LIMIT;
    const t = this.trace;
    const from = this.pos;
    let j = this.currentOrNextOp(from);
    // Operations the debugger inserted right here (a sysctl edited at this boundary) belong to this place: they
    // run as part of the step, and the breakpoint of the line after them counts as the current one.
    const boundary = this.isBoundary(from);
    let firstReal = j;
    if (boundary) while (this.ensureOp(firstReal) && t.isInjected(firstReal)) firstReal++;
    const target = boundary ? firstReal : j;
    const checkOps = this.bps.hasOpBreakpoints();
    const checkEvents = this.bps.hasEventBreakpoints();
    const slice = new Slice();
    for (;; j++) {
      if (!this.ensureOp(j)) {
        const lastEnd = t.ops.length ? t.ops.endPosOf(t.ops.length - 1) : -1;
        if (checkEvents) {
          for (let e = Math.max(from + 1, lastEnd + 1); e <= t.head; e++) {
            const s = this.stopFor(this.bps.matchEvent(t, e), e);
            if (s) return this.settle(s);
          }
        }
        return this.settle({ pos: t.head, reason: 'end', hitIds: [] });
      }
      const start = t.ops.startPosOf(j);
      const end = t.ops.endPosOf(j);
      // The strace lines of the operations before this one come first (then a logpoint's message, if any). Past the
      // print budget nothing more is printed: settle passes over the operations at the stop, in one walk, instead
      // of a call an operation (issue 10).
      if (this.printBudget > 0) this.printUpTo(start - 1);
      const here = boundary && j <= firstReal;
      if (checkOps && (here ? includeCurrent : start - 1 > from)) {
        const s = this.stopFor(this.bps.matchOp(t, j), start - 1);
        if (s) return this.settle(s);
      }
      if (checkEvents) {
        for (let e = Math.max(start, from + 1); e <= end; e++) {
          const s = this.stopFor(this.bps.matchEvent(t, e), e);
          if (s) return this.settle(s);
        }
      }
      // `next` of one process of a log steps over that process's next call; other processes' calls before it run too.
      if (mode !== 'continue' && (thread === undefined ? j === target : j >= target && t.ops.threadOf(j) === thread)) {
        return this.settle({ pos: end, reason: 'step', hitIds: [], ...(thread !== undefined ? { thread } : {}) });
      }
      if (slice.due(j) && (await this.breathe())) return this.settle({ pos: end, reason: 'pause', hitIds: [] });
    }
  }

  /** One kernel step forwards: into the next operation's kernel path, or the next line of the current one. */
  stepIn(): Stop {
    const t = this.trace;
    this.printBudget = PRINT_LIMIT;
    let j = this.currentOrNextOp(this.pos);
    // A sysctl the debugger inserted here runs as part of the step: the step goes into the program's next operation.
    if (this.isBoundary(this.pos)) while (this.ensureOp(j) && t.isInjected(j)) j++;
    if (!this.ensureOp(j)) return this.settle({ pos: t.head, reason: 'end', hitIds: [] });
    const steps = kernelPath(t, j).steps;
    const next = steps.find((s) => s.last > this.pos);
    return this.settle({ pos: next ? next.last : t.ops.endPosOf(j), reason: 'step', hitIds: [] });
  }

  // ───────────── backwards ─────────────

  /**
   * reverseContinue: the nearest earlier stop of any breakpoint; the start of the trace if none. Event breakpoints
   * are checked event by event, so over a long history it yields like a run forwards, and a pause stops it there.
   */
  async backward(): Promise<Stop> {
    const t = this.trace;
    const from = this.pos;
    if (from < 0) return this.settle({ pos: -1, reason: 'entry', hitIds: [] });
    const checkOps = this.bps.hasOpBreakpoints();
    const checkEvents = this.bps.hasEventBreakpoints();
    const slice = new Slice();
    if (checkEvents && t.ops.length) {
      const lastEnd = t.ops.endPosOf(t.ops.length - 1);
      for (let e = from - 1; e > lastEnd; e--) {
        const s = this.quietStop(this.bps.matchEvent(t, e), e);
        if (s) return this.settle(s);
        if (slice.due(e) && (await this.breathe())) return this.settle({ pos: e, reason: 'pause', hitIds: [] });
      }
    }
    for (let j = Math.min(this.opAt(from), t.ops.length - 1); j >= 0; j--) {
      const start = t.ops.startPosOf(j);
      if (checkEvents) {
        for (let e = Math.min(t.ops.endPosOf(j), from - 1); e >= start; e--) {
          const s = this.quietStop(this.bps.matchEvent(t, e), e);
          if (s) return this.settle(s);
        }
      }
      if (checkOps && start - 1 < from) {
        const s = this.quietStop(this.bps.matchOp(t, j), start - 1);
        if (s) return this.settle(s);
      }
      if (slice.due(j) && (await this.breathe())) return this.settle({ pos: start - 1, reason: 'pause', hitIds: [] });
    }
    return this.settle({ pos: -1, reason: 'entry', hitIds: [] });
  }

  /** Lets the adapter read requests (pause, disconnect) during a long move; true when a pause was asked for. */
  private async breathe(): Promise<boolean> {
    await new Promise((r) => setImmediate(r));
    return this.pauseRequested;
  }

  /** Like stopFor, but logpoints say nothing when travelling backwards. */
  private quietStop(hits: Hit[], pos: number): Stop | null {
    return this.stopFor(hits.filter((h) => h.message === undefined), pos);
  }

  /**
   * stepBack: mirrors `next` at the level of the current frame. Between operations it goes back over the
   * previous operation; inside a kernel path (or with instruction granularity) it goes back one kernel step.
   * Breakpoints met on the way stop it, as they would stop `next`.
   */
  stepBack(instruction: boolean, thread?: number): Stop {
    const t = this.trace;
    const from = this.pos;
    if (from < 0) return this.settle({ pos: -1, reason: 'entry', hitIds: [] });
    let target: number;
    // The process stepped back, when it is a step over whole calls (not one inside a kernel path).
    let stepped: number | undefined;
    const k = Math.min(this.opAt(from), t.ops.length - 1);
    const lastEnd = t.ops.length ? t.ops.endPosOf(t.ops.length - 1) : -1;
    if (from > lastEnd) {
      target = lastEnd;
    } else if (instruction || !this.isBoundary(from)) {
      const steps = kernelPath(t, k).steps;
      let prev: KernelStep | undefined;
      for (const s of steps) if (s.last < from) prev = s;
      target = prev ? prev.last : t.ops.startPosOf(k) - 1;
    } else {
      // Back over the last operation of the program that completed, and over any the debugger inserted after it
      // (a sysctl edited here is undone by stepping back over the operation before it).
      let k0 = k;
      // With one process of a log: back over that process's last call (others' calls after it are undone too).
      while (k0 >= 0 && (t.isInjected(k0) || (thread !== undefined && t.ops.threadOf(k0) !== thread))) k0--;
      target = k0 < 0 ? -1 : t.ops.startPosOf(k0) - 1;
      stepped = thread;
    }
    if (this.bps.hasEventBreakpoints()) {
      for (let e = from - 1; e > target; e--) {
        const s = this.quietStop(this.bps.matchEvent(t, e), e);
        if (s) return this.settle(s);
      }
    }
    return this.settle({ pos: target, reason: target < 0 ? 'entry' : 'step', hitIds: [], ...(stepped !== undefined && target >= 0 ? { thread: stepped } : {}) });
  }

  /** Runs operation j (one the debugger just inserted at the position) and stands at its end. */
  runInserted(j: number): void {
    if (this.ensureOp(j)) this.settle({ pos: this.trace.ops.endPosOf(j), reason: 'step', hitIds: [] });
  }

  /**
   * Jumps to any position; beyond the recorded history the program runs until it gets there, yielding as a run
   * forwards does: a pause stops it where it got to.
   */
  async seek(pos: number): Promise<Stop> {
    const t = this.trace;
    pos = Number.isFinite(pos) ? Math.max(-1, Math.floor(pos)) : this.pos;
    this.printBudget = PRINT_LIMIT;
    const slice = new Slice();
    for (let n = 0; pos > t.head && !t.finished; n++) {
      const i = t.step();
      if (i < 0) break;
      if (slice.due(n) && (await this.breathe())) return this.settle({ pos: t.head, reason: 'pause', hitIds: [] });
    }
    return this.settle({ pos: Math.min(pos, t.head), reason: 'goto', hitIds: [] });
  }

  private settle(s: Stop): Stop {
    this.pos = s.pos;
    this.printUpTo(s.pos);
    return s;
  }
}

/** A long move's time slice: due every 40 ms (the clock read once in 16 steps). */
class Slice {
  private start = Date.now();

  due(step: number): boolean {
    if ((step & 15) !== 0 || Date.now() - this.start <= 40) return false;
    this.start = Date.now();
    return true;
  }
}
