/**
 * Recording and time travel. A Trace runs a program on the machine one operation at a time, records every event
 * and operation, and takes checkpoints (deep copies of the machine and of the program cursor). Any past state is
 * rebuilt exactly: the nearest checkpoint before it, then a replay that stops right after the wanted event.
 */
import { C } from '../machine/counters';
import { LimitError } from '../machine/limits';
import type { Folio } from '../machine/folio';
import { Machine, type OpResult } from '../machine/machine';
import { Operation } from '../machine/operation';
import { Checkpoints } from './checkpoints';
import { EventLog, StopReplay } from './eventLog';
import { OpLog, OpRecord } from './opLog';
import { OperationSource, ProgramSpec } from '../program/source';

export { OperationSource, ProgramSpec };

export interface TraceOptions {
  /**
   * Take a checkpoint whenever this many events were recorded since the last one (at least as many as the page cache
   * has folios); 0: only the initial one.
   */
  checkpointEvery?: number;
  /** Bytes the checkpoints may hold (DEFAULT_BUDGET); past it they are thinned and spaced twice as far. */
  checkpointBudget?: number;
  /**
   * false: record nothing to travel back to (events are counted, only the last operation is kept, no checkpoint
   * but the first): a run that writes its output as it goes. Its past cannot be rebuilt, and ops.get() hands back one
   * record that the next step overwrites.
   */
  record?: boolean;
}

/** Folios the pool of released ones may hold whatever the live cache's size (Trace.release). */
const SPARE_MIN = 1 << 16;

export class Trace {
  readonly events: EventLog;
  readonly ops: OpLog;
  machine: Machine;
  finished = false;
  /**
   * Why the program stopped before its end: it asked for a value or a time past the model's limits
   * (machine/limits.ts). The operation that did is not recorded. Null when it ran (or runs) normally.
   */
  error: LimitError | null = null;
  private source: OperationSource;
  private checkpoints: Checkpoints;
  /** The last state rebuilt by replayTo, reused while the trace is unchanged (a stop asks for it several times). */
  private replayed: { pos: number; length: number; generation: number; machine: Machine; source: OperationSource } | null = null;
  /**
   * Folios of rebuilt machines their user gave back (release), for the next rebuild's page cache to reuse instead of
   * making as many anew.
   */
  private spare: Folio[] = [];
  /** Operations inserted by the debugger (a sysctl edited at a position), by operation index. */
  private injected = new Map<number, Operation>();
  private before = new Float64Array(C.Count);

  constructor(readonly spec: ProgramSpec, options: TraceOptions = {}) {
    const record = options.record ?? true;
    this.events = new EventLog(record);
    this.ops = new OpLog(record);
    this.checkpoints = new Checkpoints(record ? options.checkpointEvery ?? 0 : 0, options.checkpointBudget);
    this.machine = new Machine(spec.config, spec.files, this.events);
    this.source = spec.createSource();
    this.checkpoint();
    if (record) {
      // The live run goes on from its first checkpoint, restored as every replay restores one: its machine's objects
      // (files' contents, the page cache, the program's cursor) then come from the same code as a replay's, with the
      // same hidden classes, and the code optimized during the run serves replays without deoptimizing (issue 10).
      const cp = this.checkpoints.before(0, 0);
      this.machine = Machine.fromFrozen(cp.frozen, this.events);
      this.source = spec.createSource();
      this.source.restore(cp.cursor);
    }
  }

  private checkpoint(): void {
    this.checkpoints.add({
      op: this.ops.length,
      pos: this.events.length,
      frozen: this.machine.freeze(),
      cursor: this.source.snapshot(),
      machineBytes: this.machine.copyBytes(),
      contentBytes: this.machine.retiredContentBytes(),
    }, this.machine);
  }

  private nextOp(src: OperationSource, index: number): Operation | null {
    // Most traces have no injected operation: no hash lookup per step then.
    const injected = this.injected;
    return (injected.size === 0 ? undefined : injected.get(index)) ?? src.next();
  }

  private complete(src: OperationSource, index: number, result: number): void {
    if (this.injected.size === 0 || !this.injected.has(index)) src.complete(result);
  }

  /** Executes the next operation. Returns its index, or -1 once the program has ended (or stopped: see `error`). */
  step(): number {
    if (this.finished) return -1;
    if (this.checkpoints.due(this.events.length)) this.checkpoint();
    const index = this.ops.length;
    const m = this.machine;
    const startPos = this.events.length;
    let op: Operation | null = null;
    let r: OpResult;
    let startNs = m.now;
    try {
      op = this.nextOp(this.source, index);
      if (!op) {
        m.finish();
        this.finished = true;
        return -1;
      }
      // The machine sets `before` and its start once the operation proper starts (a log's call waits for its start).
      r = m.execute(op, index, this.before);
      startNs = m.opStartNs;
    } catch (e) {
      if (!(e instanceof LimitError)) throw e;
      this.stopAt(e, op, startPos);
      return -1;
    }
    const before = this.before;
    this.complete(this.source, index, r.result);
    const c = m.counters;
    // One record a run, overwritten for each operation: a log that keeps every operation packs its fields into typed
    // arrays (nothing keeps the record), and one that keeps only the last hands the same record back each time. A
    // fresh object per operation was a million short-lived objects for the garbage collector (issue 10).
    let s = this.scratch;
    if (s === null) {
      s = {
        name: op.name, line: op.line, col: op.col, thread: op.thread ?? 1, result: r.result, errno: r.errno,
        startPos, endPos: this.events.length - 1, startNs, endNs: m.now,
        contextSwitches: 0, cpuCopies: 0, dmaCopies: 0, cpuBytes: 0, dmaBytes: 0, pageFaults: 0,
        args: op.args, text: op.text, recorded: op.recorded,
      };
      this.scratch = s;
    }
    s.name = op.name;
    s.line = op.line;
    s.col = op.col;
    s.thread = op.thread ?? 1;
    s.result = r.result;
    s.errno = r.errno;
    s.startPos = startPos;
    s.endPos = this.events.length - 1;
    s.startNs = startNs;
    s.endNs = m.now;
    s.contextSwitches = c[C.ContextSwitches] - before[C.ContextSwitches];
    s.cpuCopies = c[C.CpuCopies] - before[C.CpuCopies];
    s.dmaCopies = c[C.DmaCopies] - before[C.DmaCopies];
    s.cpuBytes = c[C.CpuBytes] - before[C.CpuBytes];
    s.dmaBytes = c[C.DmaBytes] - before[C.DmaBytes];
    s.pageFaults = c[C.PageFaults] - before[C.PageFaults];
    s.args = op.args;
    s.text = op.text;
    s.recorded = op.recorded;
    this.ops.add(s);
    return index;
  }

  /** The record handed to the operation log, reused (see step). */
  private scratch: Omit<OpRecord, 'index'> | null = null;

  /**
   * The program asked for too much (`e`): it ends here. The operation that asked is not recorded; a recording trace
   * rebuilds its machine as it was before that operation (the live one stopped in the middle of it).
   */
  private stopAt(e: LimitError, op: Operation | null, startPos: number): void {
    if (this.events.keep) {
      this.events.truncate(startPos);
      this.machine = this.replayTo(this.head).machine;
      this.machine.sink = this.events;
      this.replayed = null;
    }
    // Named by the operation that asked (the program's end: the last one that ran).
    const at = op ?? (this.ops.length ? this.ops.get(this.ops.length - 1) : null);
    this.error = e.line > 0 || !at ? e : new LimitError(e.message, at.line, at.col);
    this.finished = true;
  }

  runToEnd(): void {
    while (this.step() >= 0);
  }

  /** The last recorded position (-1 before any event). */
  get head(): number {
    return this.events.length - 1;
  }

  /**
   * The machine as it was right after event `pos` (pos = -1: before anything ran). A fresh object the caller may
   * keep; it is never the live machine.
   */
  stateAt(pos: number): Machine {
    return this.replayTo(pos).machine;
  }

  /**
   * As stateAt, with the program source positioned as it was (for its variables and next line). At a boundary
   * (an operation's last event, or the head) the operation is replayed to its very end, so the state is exactly
   * the one the live machine had between the two operations; inside an operation the replay stops right after
   * the event.
   */
  replayTo(pos: number): { machine: Machine; source: OperationSource } {
    if (pos >= this.head) pos = this.head;
    const r = this.replayed;
    if (r && r.pos === pos && r.length === this.events.length && r.generation === this.ops.generation) return r;
    const out = this.replay(pos);
    this.replayed = { pos, length: this.events.length, generation: this.ops.generation, ...out };
    return out;
  }

  private replay(pos: number): { machine: Machine; source: OperationSource } {
    if (!this.events.keep) throw new Error('a trace that records nothing cannot rebuild its past');
    const k = pos < 0 ? -1 : this.ops.opAt(pos);
    const atHead = pos === this.head;
    const atBoundary = atHead || (k >= 0 && pos === this.ops.endPosOf(k));
    // Operations to run completely (indexes below `until`), then, unless at a boundary, run into the next one.
    const until = atHead ? this.ops.length : atBoundary ? k + 1 : Math.max(0, k);
    const cp = this.checkpoints.before(until, pos + 1);
    const sink = EventLog.replay(cp.pos, atBoundary ? -1 : pos);
    const m = Machine.fromFrozen(cp.frozen, sink, this.spare);
    const src = this.spec.createSource();
    src.restore(cp.cursor);
    if (pos < cp.pos && !atBoundary) return { machine: m, source: src };
    try {
      const last = atBoundary ? until : this.ops.length;
      for (let i = cp.op; i < last; i++) {
        const op = this.nextOp(src, i)!;
        const r = m.execute(op, i);
        this.complete(src, i, r.result);
      }
      if (atHead && this.finished) m.finish();
    } catch (e) {
      if (!(e instanceof StopReplay)) throw e;
    }
    return { machine: m, source: src };
  }

  /**
   * Gives back `m`, a machine stateAt or replayTo returned, that its user (the debugger's engine, moving to another
   * position) will not read again: the next rebuild reuses its page cache's folios. A full 1 GiB cache is 262k folios;
   * made anew at every seek, they were most of its cost, in the garbage collector's copying (issue 10). `m` must not
   * be used afterwards (its page cache is left empty). The live machine and anything else are ignored.
   */
  release(m: Machine): void {
    if (m === this.machine) return;
    if (this.replayed !== null && this.replayed.machine === m) this.replayed = null;
    // Bounded by the largest cache rebuilt: the pool holds at most one cache's worth.
    m.cache.surrender(this.spare, Math.max(SPARE_MIN, this.machine.cache.active.folios + this.machine.cache.inactive.folios));
  }

  /** Whether operation i was inserted by the debugger (not part of the program's text). */
  isInjected(i: number): boolean {
    return this.injected.has(i);
  }

  /** The operation the debugger inserted at index i (executed or still to run), if any. */
  injectedAt(i: number): Operation | undefined {
    return this.injected.get(i);
  }

  /** Where the next not-yet-executed operation is in the source (null when the program has no more). */
  peekNext(): { line: number; col: number } | null {
    if (this.finished) return null;
    const inj = this.injected.get(this.ops.length);
    if (inj) return { line: inj.line, col: inj.col };
    return this.source.peek();
  }

  /**
   * Operation j: its record once it ran, else, for the next one to run, the operation read ahead from the source;
   * null past those.
   */
  operationAhead(j: number): OpRecord | Operation | null {
    if (j < this.ops.length) return this.ops.get(j);
    return j === this.ops.length ? this.peekNextOperation() : null;
  }

  /**
   * The next not-yet-executed operation itself (name, arguments), read ahead without moving the source; null at the
   * end, or when the source cannot produce it (an error the run will report when it gets there).
   */
  peekNextOperation(): Operation | null {
    if (this.finished) return null;
    const inj = this.injected.get(this.ops.length);
    if (inj) return inj;
    const saved = this.source.snapshot();
    try {
      return this.source.next();
    } catch {
      return null;
    } finally {
      this.source.restore(saved);
    }
  }

  /** The live program source's variables (at the head). */
  headVariables(): ReadonlyMap<string, number> {
    return this.source.variables();
  }

  /**
   * Forgets everything from operation `opIndex` on and makes the head the state right before it, so the program
   * can run again from there (after a sysctl change, for instance). `inject` runs first at that index.
   */
  rewindTo(opIndex: number, inject?: Operation): void {
    opIndex = Math.max(0, Math.min(opIndex, this.ops.length));
    if (opIndex === this.ops.length && !this.finished) {
      // Nothing to forget: the head is already right before that operation.
      if (inject) this.injected.set(opIndex, inject);
      return;
    }
    const cp = this.checkpoints.before(opIndex, Infinity);
    // At the end of a finished program the events of its end phase (devices finishing) are forgotten too.
    const pos = opIndex < this.ops.length ? this.ops.startPosOf(opIndex) : this.ops.length ? this.ops.endPosOf(this.ops.length - 1) + 1 : 0;
    for (const k of [...this.injected.keys()]) if (k >= opIndex) this.injected.delete(k);
    this.events.truncate(pos);
    this.ops.truncate(opIndex);
    this.replayed = null;
    const m = Machine.fromFrozen(cp.frozen, this.events);
    const src = this.spec.createSource();
    src.restore(cp.cursor);
    // Replaying into the (truncated) log would duplicate events: replay silently, then attach the log.
    m.sink = EventLog.replay(cp.pos, -1);
    for (let i = cp.op; i < opIndex; i++) {
      const op = this.nextOp(src, i)!;
      const r = m.execute(op, i);
      this.complete(src, i, r.result);
    }
    m.sink = this.events;
    this.machine = m;
    this.checkpoints.truncate(opIndex, pos, m);
    this.source = src;
    this.finished = false;
    this.error = null;
    if (inject) {
      // Later operations shift by one: move injections recorded past this point (none remain after truncation).
      this.injected.set(opIndex, inject);
    }
  }

  checkpointCount(): number {
    return this.checkpoints.count;
  }

  /** Bytes the checkpoints hold. */
  checkpointBytes(): number {
    return this.checkpoints.bytes;
  }
}
