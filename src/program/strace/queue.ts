/**
 * The operations of the current log line, waiting to be handed to the machine one at a time. An operation may need
 * what an earlier one returned (the process's buffer address, a descriptor being opened): that is resolved when it
 * is handed out, after the machine has answered the previous one, and the answer is written back into the tables.
 */
import type { Operation, RecordedCall } from '../../machine/operation';
import { syscallNumber } from './syscalls';
import type { Proc, Tables } from './tables';

/** What the machine's answer to a queued operation means for the replay. */
export const enum Fx {
  None = 0,
  /** Result is the machine fd of desc p1. */
  Fd = 1,
  /** Result is the read end's machine fd of pipe descs p1 (read) and p2 (write). */
  Pipe = 2,
  /** Result is the address of process p1's new buffer. */
  Alloc = 3,
  /** A machine close of fd args[0]. */
  Close = 4,
  /** Result is the machine address of a mapping of process p1 at log address p2. */
  Mmap = 5,
  /** Result is the machine fd of the p1-th file open before the log begins (Knowledge.inherited). */
  Inherit = 7,
}

/** No buffer to resolve (pids are -1, for the process not yet named, and up). */
export const NO_BUF = -2;

/** A queued operation in a snapshot: the operation, what its result means, and whose buffer its args[1] is. */
export interface QueuedOp {
  op: Operation;
  fx: Fx;
  p1: number;
  p2: number;
  /** The process whose buffer address goes in args[1] when it is handed out; NO_BUF: none. */
  bufPid: number;
}

/** The queue as plain data, for snapshots. */
export interface QueueState {
  queue: QueuedOp[];
  /** The operation handed out and not yet answered: [fx, p1, p2, args[0], args[1]]. */
  awaiting: number[];
  mfdUsed: number[];
  inheritedMfd: number[];
}

/** Operations whose first argument is a machine descriptor. */
const FD_FIRST = new Set(['read', 'write', 'pread', 'pwrite', 'lseek', 'close', 'mmap', 'sendfile', 'splice', 'fsync', 'fdatasync', 'aio_read', 'aio_submit', 'fcntl', 'fadvise', 'release']);

export function mkOp(name: string, args: number[], line: number, col: number, thread: number, text: string | undefined, flagNames: string[] | undefined, recorded: RecordedCall | undefined): Operation {
  // One literal, fields always in the same order: one hidden class for every operation.
  return { name, args, line, col, thread, text, flagNames, recorded };
}

function copyOp(op: Operation): Operation {
  return mkOp(op.name, op.args.slice(), op.line, op.col, op.thread ?? 1, op.text, op.flagNames?.slice(), op.recorded ? { ...op.recorded } : undefined);
}

export class OpQueue {
  /**
   * Operations waiting to be handed out, and beside each (parallel arrays, no object per entry) what its result
   * means (Fx), for whom (p1, p2), and whose buffer its args[1] is (NO_BUF: none).
   */
  private ops: Operation[] = [];
  private qFx: number[] = [];
  private qP1: number[] = [];
  private qP2: number[] = [];
  private qBuf: number[] = [];
  /** Index of the next operation to hand out, and of the first free slot. */
  private qh = 0;
  private qn = 0;
  /** The operation handed out last, until the machine answers: its Fx (None: nothing awaited), p1, p2, args. */
  private aFx: number = Fx.None;
  private aP1 = 0;
  private aP2 = 0;
  private aArg0 = 0;
  private aArg1 = 0;
  /** Machine descriptors in use, to predict the pipe's write end (the machine returns only the read end). */
  mfdUsed = new Set<number>();
  /** The machine fds of the files open before the log begins (Knowledge.inherited), -1 for one it refused. */
  inheritedMfd: number[] = [];

  constructor(private readonly t: Tables) {}

  push(op: Operation, fx: number, p1: number, p2: number, bufPid: number): void {
    const i = this.qn++;
    this.ops[i] = op;
    this.qFx[i] = fx;
    this.qP1[i] = p1;
    this.qP2[i] = p2;
    this.qBuf[i] = bufPid;
  }

  /** Whether operations of the current line remain to be handed out. */
  get queued(): boolean {
    return this.qh < this.qn;
  }

  /** The next queued operation, its buffer resolved; null when the queue is empty. */
  take(): Operation | null {
    if (this.qh >= this.qn) return null;
    const i = this.qh++;
    const op = this.ops[i];
    const bufPid = this.qBuf[i];
    this.aFx = this.qFx[i];
    this.aP1 = this.qP1[i];
    this.aP2 = this.qP2[i];
    // The arrays are reused: emptied by resetting the indexes (setting .length is slow).
    if (this.qh === this.qn) this.qh = this.qn = 0;
    const args = op.args;
    if (bufPid !== NO_BUF) args[1] = this.bufOf(bufPid);
    this.aArg0 = args[0];
    this.aArg1 = args[1];
    // A buffer the machine refused, or a descriptor it never opened: the call is shown but not simulated.
    if ((bufPid !== NO_BUF && args[1] === 0) || (!(args[0] >= 0) && FD_FIRST.has(op.name))) {
      this.aFx = Fx.None;
      const name = op.text ?? op.name;
      return mkOp('syscall', [syscallNumber(name)], op.line, op.col, op.thread ?? 1, name, undefined, op.recorded);
    }
    return op;
  }

  /**
   * The buffer address of process `pid` (0: none yet, or no such process). The two processes found last are kept
   * while the tables' `gen` has not moved (nothing added, removed or renumbered a process): a read loop asks for the
   * same one, a writer and its reader on a pipe for two in turn.
   */
  private bufOf(pid: number): number {
    const t = this.t;
    if (t.gen !== this.lastGen) {
      this.lastGen = t.gen;
      this.pidA = this.pidB = NO_BUF;
    }
    if (pid === this.pidA) return this.procA?.buf ?? 0;
    if (pid === this.pidB) return this.procB?.buf ?? 0;
    this.pidB = this.pidA;
    this.procB = this.procA;
    this.pidA = pid;
    this.procA = t.procs.get(pid) ?? null;
    return this.procA?.buf ?? 0;
  }

  private lastGen = -1;
  private pidA = NO_BUF;
  private procA: Proc | null = null;
  private pidB = NO_BUF;
  private procB: Proc | null = null;

  /** The machine's result for the operation last taken. */
  done(result: number): void {
    const fx = this.aFx;
    this.aFx = Fx.None;
    const t = this.t;
    switch (fx) {
      case Fx.Fd: {
        const d = t.descs.get(this.aP1);
        if (d) d.mfd = result >= 0 ? result : -1;
        if (result >= 0) this.mfdUsed.add(result);
        break;
      }
      case Fx.Pipe: {
        const r = t.descs.get(this.aP1);
        const w = t.descs.get(this.aP2);
        if (result < 0) {
          if (r) r.mfd = -1;
          if (w) w.mfd = -1;
          break;
        }
        this.mfdUsed.add(result);
        let wfd = 3;
        while (this.mfdUsed.has(wfd)) wfd++;
        this.mfdUsed.add(wfd);
        if (r) r.mfd = result;
        if (w) w.mfd = wfd;
        break;
      }
      case Fx.Alloc: {
        const p = t.procs.get(this.aP1);
        if (p && result > 0) p.buf = result;
        break;
      }
      case Fx.Close:
        if (result === 0) this.mfdUsed.delete(this.aArg0);
        break;
      case Fx.Mmap: {
        const p = t.procs.get(this.aP1);
        if (p) p.maps.push([this.aP2, result > 0 ? result : 0, this.aArg1]);
        break;
      }
      case Fx.Inherit:
        this.inheritedMfd[this.aP1] = result >= 0 ? result : -1;
        if (result >= 0) this.mfdUsed.add(result);
        break;
    }
  }

  save(): QueueState {
    // Each operation copied: the live ones are handed out and may be kept by others.
    const queue: QueuedOp[] = [];
    for (let i = this.qh; i < this.qn; i++) queue.push({ op: copyOp(this.ops[i]), fx: this.qFx[i], p1: this.qP1[i], p2: this.qP2[i], bufPid: this.qBuf[i] });
    return { queue, awaiting: [this.aFx, this.aP1, this.aP2, this.aArg0, this.aArg1], mfdUsed: [...this.mfdUsed], inheritedMfd: this.inheritedMfd.slice() };
  }

  load(s: QueueState): void {
    this.qh = this.qn = 0;
    for (const q of s.queue) this.push(copyOp(q.op), q.fx, q.p1, q.p2, q.bufPid);
    [this.aFx, this.aP1, this.aP2, this.aArg0, this.aArg1] = s.awaiting;
    this.mfdUsed = new Set(s.mfdUsed);
    this.inheritedMfd = s.inheritedMfd.slice();
  }
}
