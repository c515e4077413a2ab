/**
 * Recording and time travel. A Trace runs a program on the machine one operation at a time, records every event
 * and operation, and takes checkpoints (deep copies of the machine and of the program cursor). Any past state is
 * rebuilt exactly: the nearest checkpoint before it, then a replay that stops right after the wanted event.
 */
import { C } from '../machine/counters';
import { LimitError } from '../machine/limits';
import { Machine, type OpResult } from '../machine/machine';
import { FrozenPageCache } from '../machine/pagecache';
import { Operation } from '../machine/operation';
import { EventLog, ReplaySink, StopReplay } from './eventLog';
import { OpLog } from './opLog';
import { OperationSource, ProgramSpec } from '../program/source';

export { OperationSource, ProgramSpec };

interface Checkpoint {
  /** Index of the next operation to execute. */
  op: number;
  /** Number of events recorded before it. */
  pos: number;
  /** The machine with its page cache frozen compactly (about 40 bytes a page). */
  frozen: { machine: Machine; pages: FrozenPageCache };
  cursor: unknown;
}

export interface TraceOptions {
  /** Take a checkpoint whenever this many events were recorded since the last one; 0: only the initial one. */
  checkpointEvery?: number;
}

/** What a checkpoint keeps of each cached page (PageCache.freeze: about 40 bytes a page). */
const CHECKPOINT_BYTES_PER_PAGE = 40;
/**
 * The most checkpoints may cost per event recorded. With a full page cache a checkpoint is megabytes: taken every
 * `checkpointEvery` events regardless, a small setting exhausted memory in seconds (100: 7 GB in 10 s); so they are
 * spaced at least this far apart. The adapter's default (50,000 events) meets it even at 1 GiB of cache.
 */
const CHECKPOINT_BYTES_PER_EVENT = 200;

export class Trace {
  readonly events = new EventLog();
  readonly ops = new OpLog();
  machine: Machine;
  finished = false;
  /**
   * Why the program stopped before its end: it asked for a value or a time past the model's limits
   * (machine/limits.ts). The operation that did is not recorded. Null when it ran (or runs) normally.
   */
  error: LimitError | null = null;
  private source: OperationSource;
  private checkpoints: Checkpoint[] = [];
  private checkpointEvery: number;
  /** Operations inserted by the debugger (a sysctl edited at a position), by operation index. */
  private injected = new Map<number, Operation>();
  private before = new Float64Array(C.Count);

  constructor(readonly spec: ProgramSpec, options: TraceOptions = {}) {
    this.checkpointEvery = options.checkpointEvery ?? 0;
    this.machine = new Machine(spec.config, spec.files, this.events);
    this.source = spec.createSource();
    this.checkpoint();
  }

  private checkpoint(): void {
    this.checkpoints.push({
      op: this.ops.length,
      pos: this.events.length,
      frozen: this.machine.freeze(),
      cursor: this.source.snapshot(),
    });
  }

  private checkpointDue(): boolean {
    if (this.checkpointEvery <= 0) return false;
    const since = this.events.length - this.checkpoints[this.checkpoints.length - 1].pos;
    return since >= this.checkpointEvery && since * CHECKPOINT_BYTES_PER_EVENT >= this.machine.cache.size * CHECKPOINT_BYTES_PER_PAGE;
  }

  private nextOp(src: OperationSource, index: number): Operation | null {
    return this.injected.get(index) ?? src.next();
  }

  private complete(src: OperationSource, index: number, result: number): void {
    if (!this.injected.has(index)) src.complete(result);
  }

  /** Executes the next operation. Returns its index, or -1 once the program has ended (or stopped: see `error`). */
  step(): number {
    if (this.finished) return -1;
    if (this.checkpointDue()) this.checkpoint();
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
      this.before.set(m.counters);
      startNs = m.now;
      r = m.execute(op, index);
    } catch (e) {
      if (!(e instanceof LimitError)) throw e;
      // The operation that asked for too much is not recorded; the program ends at the state before it (the live
      // machine is rebuilt: it stopped in the middle of that operation).
      this.events.truncate(startPos);
      this.machine = this.replayTo(this.head).machine;
      this.machine.sink = this.events;
      // Named by the operation that asked (the program's end: the last one that ran).
      const at = op ?? (this.ops.length ? this.ops.get(this.ops.length - 1) : null);
      this.error = e.line > 0 || !at ? e : new LimitError(e.message, at.line, at.col);
      this.finished = true;
      return -1;
    }
    const before = this.before;
    this.complete(this.source, index, r.result);
    const c = m.counters;
    this.ops.add({
      name: op.name, line: op.line, col: op.col, thread: op.thread ?? 1, result: r.result, errno: r.errno,
      startPos, endPos: this.events.length - 1, startNs, endNs: m.now,
      contextSwitches: c[C.ContextSwitches] - before[C.ContextSwitches],
      cpuCopies: c[C.CpuCopies] - before[C.CpuCopies],
      dmaCopies: c[C.DmaCopies] - before[C.DmaCopies],
      cpuBytes: c[C.CpuBytes] - before[C.CpuBytes],
      dmaBytes: c[C.DmaBytes] - before[C.DmaBytes],
      pageFaults: c[C.PageFaults] - before[C.PageFaults],
      args: op.args, text: op.text, recorded: op.recorded,
    });
    return index;
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
    const k = pos < 0 ? -1 : this.ops.opAt(pos);
    const atHead = pos === this.head;
    const atBoundary = atHead || (k >= 0 && pos === this.ops.endPosOf(k));
    // Operations to run completely (indexes below `until`), then, unless at a boundary, run into the next one.
    const until = atHead ? this.ops.length : atBoundary ? k + 1 : Math.max(0, k);
    let cp = this.checkpoints[0];
    for (const c of this.checkpoints) if (c.op <= until && c.pos <= pos + 1) cp = c;
    const sink = new ReplaySink(cp.pos, atBoundary ? Number.POSITIVE_INFINITY : pos);
    const m = Machine.fromFrozen(cp.frozen, sink);
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
    let cp = this.checkpoints[0];
    for (const c of this.checkpoints) if (c.op <= opIndex) cp = c;
    // At the end of a finished program the events of its end phase (devices finishing) are forgotten too.
    const pos = opIndex < this.ops.length ? this.ops.startPosOf(opIndex) : this.ops.length ? this.ops.endPosOf(this.ops.length - 1) + 1 : 0;
    for (const k of [...this.injected.keys()]) if (k >= opIndex) this.injected.delete(k);
    this.events.truncate(pos);
    this.ops.truncate(opIndex);
    this.checkpoints = this.checkpoints.filter((c) => c.op <= opIndex && c.pos <= pos);
    const m = Machine.fromFrozen(cp.frozen, this.events);
    const src = this.spec.createSource();
    src.restore(cp.cursor);
    // Replaying into the (truncated) log would duplicate events: replay silently, then attach the log.
    m.sink = { emit() {} };
    for (let i = cp.op; i < opIndex; i++) {
      const op = this.nextOp(src, i)!;
      const r = m.execute(op, i);
      this.complete(src, i, r.result);
    }
    m.sink = this.events;
    this.machine = m;
    this.source = src;
    this.finished = false;
    this.error = null;
    if (inject) {
      // Later operations shift by one: move injections recorded past this point (none remain after truncation).
      this.injected.set(opIndex, inject);
    }
  }

  checkpointCount(): number {
    return this.checkpoints.length;
  }
}
