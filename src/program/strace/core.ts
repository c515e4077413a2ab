/**
 * What every call handler works with: the log's tables, the unfinished halves of calls, the pipes' predicted fill,
 * the operation queue, and the Evidence observer the handlers report to.
 *
 * One replay serves both passes over a log. In the first pass (`live` false) there is no machine: handlers follow
 * the log's state and report evidence, and nothing is queued; in the replay proper (`live` true) they queue the
 * machine's operations and report to IGNORE. The difference lives here, in how an operation is emitted, and in the
 * few handlers whose work only the machine needs (aio, early pipe writes).
 */
import { MAX_FILE_SIZE, MAX_RW_COUNT } from '../../machine/limits';
import { findOp, type RecordedCall } from '../../machine/operation';
import { fdOf, firstArg, leadingFd } from './args';
import { IGNORE, type Evidence, type Knowledge } from './evidence';
import { LineKind, ParsedLine } from './parse';
import { Fx, mkOp, NO_BUF, OpQueue } from './queue';
import { syscallNumber } from './syscalls';
import { DK, Tables, type Desc, type Proc } from './tables';

/** A complete call: both halves joined (the parsed line, with what the replay adds). */
export type Call = ParsedLine;

/** The first half of a call split by another process's line. */
export interface Pending {
  pid: number;
  name: string;
  args: string;
  line: number;
  col: number;
  /** Recorded start, ns since the log's first timestamp (NaN without timestamps). */
  ts: number;
  /** A blocked pipe write that a reader needed: already handed to the machine. */
  early: boolean;
}

/** What a queued operation is, before the replay knows its machine descriptor or buffer. */
export interface StepSpec {
  name: string;
  args: number[];
  line: number;
  col: number;
  thread: number;
  text?: string;
  flagNames?: string[];
  rec?: RecordedCall;
  fx?: Fx;
  p1?: number;
  p2?: number;
  bufPid?: number;
}

/** The smallest buffer a process gets, so that a loop of small reads does not allocate at every step. */
const MIN_BUFFER = 64 * 1024;

export class Core {
  readonly t = new Tables();
  readonly q = new OpQueue(this.t);
  pending = new Map<number, Pending>();
  /** Bytes the machine holds in each pipe, as the replay predicts them. */
  pipes = new Map<number, number>();
  nextPipe = 1;
  readonly ev: Evidence;
  /** Whether operations are queued for a machine (the replay) or not (the first pass). */
  readonly live: boolean;

  /** `ev`: the first pass's observer; null for the replay proper. */
  constructor(readonly know: Knowledge, ev: Evidence | null) {
    this.ev = ev ?? IGNORE;
    this.live = ev === null;
  }

  // ───────────────────────────── emitting operations ─────────────────────────────

  step(s: StepSpec): void {
    this.q.push(mkOp(s.name, s.args, s.line, s.col, s.thread, s.text, s.flagNames, s.rec), s.fx ?? Fx.None, s.p1 ?? 0, s.p2 ?? 0, s.bufPid ?? NO_BUF);
  }

  /** The recorded facts of a call. */
  recorded(c: Call): RecordedCall {
    // One shape for every record (absent facts are undefined, not missing).
    return {
      durationNs: Number.isNaN(c.durNs) ? undefined : c.durNs,
      timestampNs: Number.isNaN(c.ts) ? undefined : c.ts,
      // A result past 2^53 would be shown rounded (…993 as …992): it is not shown at all (replay.ts warns).
      result: Number.isSafeInteger(c.r) ? c.r : undefined,
      errno: c.errno === '' ? undefined : c.errno,
      syscall: c.name,
      path: c.path === '' ? undefined : c.path,
    };
  }

  /** For the further operations of one call (the second read of an io_submit): the call's name, not its figures twice. */
  named(c: Call): RecordedCall {
    return { syscall: c.name, path: c.path === '' ? undefined : c.path };
  }

  /**
   * The call as a pass-through `syscall` operation: counted and shown, not simulated. `sleptNs`: how long the log shows
   * it sleeping (sleep.ts), time the machine lets pass.
   */
  pass(proc: Proc, c: Call, sleptNs = 0): void {
    if (!this.live || c.early) return;
    const args = sleptNs > 0 ? [syscallNumber(c.name), sleptNs] : [syscallNumber(c.name)];
    this.step({ name: 'syscall', args, text: c.name, line: c.line, col: c.col, thread: proc.thread, rec: this.recorded(c) });
  }

  /** A modeled operation, carrying the call's recorded facts. */
  op(proc: Proc, c: Call, name: string, args: number[], extra: Partial<StepSpec> = {}): void {
    if (c.early) return;
    // Both passes ask (the first one to warn at the line, the replay to show the call instead).
    const why = refusal(c, name, args);
    if (why !== null) return this.unsimulated(proc, c, why);
    if (!this.live) return;
    this.step({ name, args, line: c.line, col: c.col, thread: proc.thread, rec: this.recorded(c), ...extra });
  }

  /** A call whose numbers the model cannot take: a warning at its line, and the call shown, not simulated. */
  unsimulated(proc: Proc, c: Call, why: string): void {
    this.ev.unsimulated(c.line, `${c.name}: ${why}`);
    this.pass(proc, c);
  }

  /** Makes sure `proc` has a user buffer of `size` bytes (an alloc operation when it needs a new one). */
  ensureBuf(proc: Proc, size: number, c: { line: number; col: number }): void {
    if (!this.live || proc.bufSize >= size) return;
    const want = Math.max(MIN_BUFFER, Math.ceil(size / 4096) * 4096);
    proc.bufSize = want;
    proc.buf = 0;
    this.step({ name: 'alloc', args: [want], line: c.line, col: c.col, thread: proc.thread, fx: Fx.Alloc, p1: proc.pid });
    // Threads and children sharing the old buffer keep it; this process uses the new one once allocated.
  }

  /** A read or write of `count` bytes through the process's buffer (machine fd `mfd`, at `offset` if given). */
  bufOp(proc: Proc, c: Call, name: string, mfd: number, count: number, offset?: number): void {
    if (c.early) return;
    const args = offset === undefined ? [mfd, 0, count] : [mfd, 0, count, offset];
    const why = refusal(c, name, args);
    if (why !== null) return this.unsimulated(proc, c, why);
    if (!this.live) return;
    this.ensureBuf(proc, count, c);
    this.q.push(mkOp(name, args, c.line, c.col, proc.thread, undefined, undefined, this.recorded(c)), Fx.None, 0, 0, proc.pid);
  }

  /** A call that never returned: shown with no result. */
  abandon(pend: Pending): void {
    this.pending.delete(pend.pid);
    if (pend.early) return;
    const proc = this.t.procs.get(pend.pid);
    this.ev.syscall(pend.name, pend.line, true, NaN, pend.ts);
    if (!this.live || !proc) return;
    this.pass(proc, callOf(pend, NaN, true));
  }

  // ───────────────────────────── descriptions ─────────────────────────────

  newDesc(kind: DK, path: string, flags: number, pipe = -1): Desc {
    const modeled = kind === DK.File || kind === DK.PipeR || kind === DK.PipeW || kind === DK.Socket;
    // In the first pass there is no machine to answer: a modeled description gets a placeholder descriptor.
    return this.t.add(kind, path, flags, pipe, modeled ? (this.live ? -2 : 0) : -1);
  }

  /** descOf for the first argument of a call, read in place (no cutting of the argument text). */
  descAt(proc: Proc, c: Call): Desc | null {
    const fd = leadingFd(c.text, c.argsStart, c.argsEnd);
    if (!(fd >= 0)) return null;
    const d = this.t.known(proc, fd) ?? this.descOf(proc, firstArg(c.args), c.line);
    // The call names what its description names, as the fast path (which never reads the line's -y text) has it.
    if (d) c.path = d.path;
    return d;
  }

  /** The description behind a descriptor argument; one the log never opened is created from its decoration. */
  descOf(proc: Proc, arg: string | undefined, line: number): Desc | null {
    if (arg === undefined) return null;
    const fd = leadingFd(arg, 0, arg.length);
    if (!(fd >= 0)) return null;
    const v = this.t.fds(proc).get(fd);
    if (v !== undefined) {
      const d = this.t.descs.get(v >> 1);
      if (d) {
        // -y names what the fd really is: an unknown description learns its name.
        if (d.path === '' && d.kind === DK.Other) d.path = fdOf(firstArg(arg)).deco;
        return d;
      }
    }
    const deco = fdOf(firstArg(arg)).deco;
    const kind = deco.startsWith('/') ? this.know.kindOf(deco) : DK.Other;
    // Opened before the log begins: the model never opened it, so its I/O is shown but not simulated.
    const d = this.newDesc(kind, deco, 0);
    d.mfd = -1;
    if (kind === DK.File) this.ev.inherited(deco, fd, line);
    this.t.install(proc, fd, d, false);
    return d;
  }

  // ───────────────────────────── pipes ─────────────────────────────

  /** `n` bytes written to pipe `pipe`: as many as fit. */
  fillPipe(pipe: number, n: number): void {
    const used = this.pipes.get(pipe) ?? 0;
    this.pipes.set(pipe, used + Math.min(n, this.know.pipeCapacity - used));
  }

  /** `n` bytes read from pipe `pipe`: as many as it holds. */
  drainPipe(pipe: number, n: number): void {
    const used = this.pipes.get(pipe) ?? 0;
    this.pipes.set(pipe, used - Math.min(n, used));
  }
}

/** The calls that move data: Linux moves at most MAX_RW_COUNT bytes in one of them (limits.ts). */
const MOVES = new Set(['read', 'pread', 'write', 'pwrite', 'sendfile', 'splice']);

/**
 * Why the machine cannot run operation `name` with `args` for call `c`, or null: a number that is not one, or is
 * past 2^53; an offset past the largest file (ext4's 16 TiB; lseek's may be negative, others not); a call that
 * moved more than Linux moves in one (a log that says so is damaged).
 */
function refusal(c: Call, name: string, args: number[]): string | null {
  const spec = findOp(name);
  for (let i = 0; i < args.length; i++) {
    const v = args[i];
    const arg = spec?.args[i];
    const what = arg ? `the ${arg.name}` : `argument ${i + 1}`;
    if (Number.isNaN(v)) return `${what} is not a number`;
    if (!(Math.abs(v) <= Number.MAX_SAFE_INTEGER)) return `${what} is past 2^53, the largest number the model counts exactly`;
    if (arg?.kind === 'offset' && (v > MAX_FILE_SIZE || (v < 0 && name !== 'lseek') || v < -MAX_FILE_SIZE)) {
      return `${what} ${v} is past the largest file the model holds (ext4 with 4 KiB blocks: ${MAX_FILE_SIZE} bytes)`;
    }
  }
  if (MOVES.has(name) && c.r > MAX_RW_COUNT) return `it returned ${c.r}, more than one call moves in Linux (MAX_RW_COUNT, ${MAX_RW_COUNT} bytes)`;
  return null;
}

/** A complete call made from the first half of one whose end never came (or has not come yet); `r` the result. */
export function callOf(pend: Pending, r: number, failed: boolean): Call {
  const c = new ParsedLine(LineKind.Call, pend.pid, NaN, NaN, false);
  c.name = pend.name;
  c.args = pend.args;
  c.col = pend.col;
  c.line = pend.line;
  c.ts = pend.ts;
  c.r = r;
  c.failed = failed;
  if (Number.isNaN(r)) c.retText = '?';
  return c;
}
