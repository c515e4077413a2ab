/**
 * Turns the calls of a strace log into the machine's operations, one log line after the other.
 *
 * The log speaks of processes, each with its own descriptor table, and of descriptors the model never sees opened
 * (fd 1 inherited from the shell, an eventfd, a netlink socket). The machine has one descriptor table and knows
 * only files, pipes and TCP sockets. So the replay keeps, per process, the log's table — log fd → open file
 * description, shared by dup and fork as in Linux — and each description knows the machine descriptor that models
 * it, if any. I/O on a modeled description becomes a machine operation; everything else becomes a `syscall`
 * operation that costs a syscall's entry and exit and is shown, never dropped.
 *
 * Reads and writes need a user buffer in the machine: each process gets one (an `alloc` before its first read),
 * grown when a larger one is needed. Operations whose arguments depend on an earlier result (the buffer's address,
 * a machine descriptor) are resolved when they are handed out, after the machine has answered the previous one.
 *
 * All state is plain data (numbers, strings, small arrays) so that snapshot() is a cheap copy: the position in
 * the text, the tables, the pending halves of unfinished calls and the few operations queued for the current line.
 */
import { OPEN_FLAGS, type Operation, type RecordedCall } from '../../machine/operation';
import type { OperationSource } from '../source';
import type { LineCursor, LineSource } from './lines';
import {
  fdOf, fieldOf, firstArg, flagList, intOf, iovTotal, lastComma, leadingFd, listOf, numberAt, offsetOf, splitArgs, structsOf, unquote,
} from './args';
import { LineKind, ParsedLine, parseLine } from './parse';
import { syscallNumber } from './syscalls';
import { FastCall, FastKind, FastOp, fastPath, parseFast } from './fast';

/** What an open file description is, for the model. */
export const enum DK {
  File = 0,
  Dir = 1,
  PipeR = 2,
  PipeW = 3,
  Socket = 4,
  Other = 5,
}

/** Flags the model does not know but that change what a path is (open(2)). */
const O_DIRECTORY = 0o200000;
const O_PATH = 0o10000000;
const O_TMPFILE = 0o20000000;
const MODEL_FLAGS = Object.values(OPEN_FLAGS).reduce((a, b) => a | b, 0);
const EXTRA_FLAGS: Record<string, number> = { O_DIRECTORY, O_PATH, O_TMPFILE: O_TMPFILE | O_DIRECTORY, O_NOFOLLOW: 0o400000, O_NOCTTY: 0o400, O_ASYNC: 0o20000, O_NDELAY: 0o4000, O_RSYNC: 0o4010000, O_FSYNC: 0o4010000 };

export function openFlags(names: readonly string[]): number {
  let v = 0;
  for (const n of names) {
    const bit = OPEN_FLAGS[n] ?? EXTRA_FLAGS[n];
    if (bit !== undefined) v |= bit;
    else if (n.startsWith('0')) v |= intOf(n) || 0;
  }
  return v;
}

/** The smallest buffer a process gets, so that a loop of small reads does not allocate at every step. */
const MIN_BUFFER = 64 * 1024;
/** Reads larger than this use the returned count for the buffer (a count of SIZE_MAX is no buffer size). */
const MAX_BUFFER = 256 * 1024 * 1024;

/** An open file description: what fds refer to, shared across dup() and fork(). */
export interface Desc {
  id: number;
  kind: DK;
  /** Path (files, directories), or the -y decoration (`pipe:[7]`, `socket:[12]`), or ''. */
  path: string;
  flags: number;
  /** The file position as the log implies it (reads and writes advance it, lseek sets it). */
  pos: number;
  /** Machine descriptor: >= 0 modeled, -1 not modeled, -2 being opened (awaiting the machine's answer). */
  mfd: number;
  refs: number;
  /** Pipes: the pipe's id (both ends share it); -1 otherwise. */
  pipe: number;
}

export interface Proc {
  pid: number;
  thread: number;
  /** Its descriptor table (threads created with CLONE_FILES share one). */
  table: number;
  /** Its user buffer in the machine (0 until allocated) and the size asked for. */
  buf: number;
  bufSize: number;
  /** File mappings: log address → [machine address, length]. */
  maps: [number, number, number][];
  /** Machine ids of submitted io_submit reads not yet reaped, oldest first. */
  aio: number[];
  name: string;
  /** Its table itself (a cache of tables.get(table), not part of snapshots). */
  fdt?: Map<number, number>;
}

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

const enum Fx {
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
  /** Result is the id of an async read of process p1. */
  Aio = 6,
}

/** A queued operation in a snapshot: the operation, what its result means, and whose buffer its args[1] is. */
export interface QueuedOp {
  op: Operation;
  fx: Fx;
  p1: number;
  p2: number;
  /** The process whose buffer address goes in args[1] when it is handed out; NO_BUF: none. */
  bufPid: number;
}

/** What a queued operation is, before the replay knows its machine descriptor or buffer. */
interface StepSpec {
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

/** What the replay needs to know of the whole log, found by the first pass (see load.ts). */
export interface Knowledge {
  /** What a path is: File (modeled), Dir or Other (devices, /proc, ...). */
  kindOf(path: string): DK;
  /** Capacity of the machine's pipes (the configuration's), for following how full they are. */
  pipeCapacity: number;
  /**
   * The first timestamp of the log (recorded times are relative to it): a time of day (-t, -tt), seconds since the
   * epoch (-ttt) or deltas (-r) that add up. Null until a timestamp is seen (the first pass sets it).
   */
  base: { sec: number; ns: number; tod: boolean; delta: boolean } | null;
}

/** What the first pass learns while the replay runs (files, sizes, threads); see load.ts. */
export interface Evidence {
  /** A successful open of `path`; `creates` when the flags make a new, empty file (O_CREAT with O_EXCL or O_TRUNC). */
  opened(path: string, flags: number, creates: boolean): void;
  /** `n` bytes of `path` read at `pos` (asked: `count`; fewer means the end of the file). */
  read(path: string, pos: number, n: number, count: number): void;
  wrote(path: string, pos: number, n: number): void;
  /** The size of `path` as a stat or an lseek to the end showed it. */
  size(path: string, size: number): void;
  /** The type of `path` from a stat (`S_IFREG`, `S_IFDIR`, ...), or 'dir' from its use as a directory. */
  type(path: string, type: string): void;
  truncated(path: string, length: number): void;
  /** A write of `count` bytes to a pipe created in the log. */
  pipeWrite(count: number): void;
  /** I/O on a descriptor the log never showed opened. */
  inherited(path: string, fd: number, line: number): void;
  /** A process (thread) and its name, each time the name changes. */
  thread(thread: number, pid: number, name: string): void;
  /** A path the log showed absent (ENOENT) before it was ever opened: a later O_CREAT creates it. */
  missing(path: string): void;
  /** A call whose first half was never seen (the log starts in the middle of it). */
  orphan(name: string, line: number): void;
  /** A line that is not strace output. */
  badLine(line: number, message: string): void;
  /** Every syscall of the log, with the line where it starts and whether it failed. */
  syscall(name: string, line: number, failed: boolean, durNs: number, ts: number): void;
  signal(): void;
}

/** A complete call: both halves joined (the parsed line, with what the replay adds). */
type Call = ParsedLine;

export interface ReplayState {
  offset: number;
  lineNo: number;
  carry: string;
  carryLine: number;
  descs: Desc[];
  tables: [number, [number, number][]][];
  procs: Proc[];
  pending: Pending[];
  queue: QueuedOp[];
  /** The operation handed out and not yet answered: [fx, p1, p2, args[0], args[1]]. */
  awaiting: number[];
  mfdUsed: number[];
  pipes: [number, number][];
  ids: number[];
  time: number[];
  ended: boolean;
}

const CLONE_FILES = 0x400;
/** No buffer to resolve (pids are -1, for the process not yet named, and up). */
const NO_BUF = -2;
/** Operations whose first argument is a machine descriptor. */
const FD_FIRST = new Set(['read', 'write', 'pread', 'pwrite', 'lseek', 'close', 'mmap', 'sendfile', 'splice', 'fsync', 'fdatasync', 'aio_read']);
const AIO_READ = 'IOCB_CMD_PREAD';
/** Slots of the fast path's lookup cache (a power of two). */
const LOOKUPS = 16;

/**
 * The replay proper. In scan mode (evidence given) it only follows the log's state and reports evidence; in replay
 * mode it queues steps for the machine.
 */
export class Replayer {
  descs = new Map<number, Desc>();
  tables = new Map<number, Map<number, number>>();
  procs = new Map<number, Proc>();
  pending = new Map<number, Pending>();
  /**
   * Operations of the current line waiting to be handed out, and beside each (parallel arrays, no object per entry)
   * what its result means (Fx), for whom (p1, p2), and whose buffer its args[1] is (NO_BUF: none).
   */
  queue: Operation[] = [];
  private qFx: number[] = [];
  private qP1: number[] = [];
  private qP2: number[] = [];
  private qBuf: number[] = [];
  /** Index of the next step to hand out, and of the first free slot. */
  qh = 0;
  qn = 0;
  /** The operation handed out last, until the machine answers: its Fx (None: nothing awaited), p1, p2, args. */
  private aFx: number = Fx.None;
  private aP1 = 0;
  private aP2 = 0;
  private aArg0 = 0;
  private aArg1 = 0;
  mfdUsed = new Set<number>();
  /** Bytes the machine holds in each pipe, as the replay predicts them. */
  pipes = new Map<number, number>();
  private nextDesc = 1;
  private nextTable = 1;
  private nextPipe = 1;
  private nextThread = 1;
  /** Days added to -t/-tt timestamps that wrapped past midnight; last timestamp seen; sum of -r deltas. */
  private day = 0;
  private lastSec = -1;
  private accSec = 0;
  private accNs = 0;
  /** A call cut by a note strace printed in its middle (`...SIGCHLDstrace: Process 12 attached`). */
  carry = '';
  carryLine = 0;
  ended = false;

  constructor(private readonly know: Knowledge, private readonly ev: Evidence | null) {}

  private get scan(): boolean {
    return this.ev !== null;
  }

  // ───────────────────────────── lines ─────────────────────────────

  /** Handles one line of the log (1-based number). */
  line(text: string, lineNo: number): void {
    let p: ParsedLine;
    let line = lineNo;
    if (this.carry !== '') {
      line = this.carryLine;
      p = parseLine(this.carry + text);
      this.carry = '';
    } else {
      p = parseLine(text);
    }
    const ts = Number.isNaN(p.tsSec) ? NaN : this.lineTs(p.tsSec, p.tsNs, p.tsTod);
    switch (p.kind) {
      case LineKind.Call:
        this.complete(p, this.procOf(p.pid, p), null, line, p.col, ts, false);
        return;
      case LineKind.Unfinished: {
        const proc = this.procOf(p.pid, p);
        const old = this.pending.get(proc.pid);
        if (old) this.abandon(old);
        this.pending.set(proc.pid, { pid: proc.pid, name: p.name, args: p.args, line, col: p.col, ts, early: false });
        return;
      }
      case LineKind.Resumed: {
        const proc = this.procOf(p.pid, p);
        const pend = this.pending.get(proc.pid);
        if (pend && pend.name === p.name) {
          this.pending.delete(proc.pid);
          this.complete(p, proc, pend.args + p.args, pend.line, pend.col, pend.ts, pend.early);
        } else {
          this.ev?.orphan(p.name, line);
          this.complete(p, proc, null, line, p.col, ts, false);
        }
        return;
      }
      case LineKind.Signal:
        this.procOf(p.pid, p);
        this.ev?.signal();
        return;
      case LineKind.Exited:
      case LineKind.Killed: {
        const proc = this.findProc(p.pid);
        if (proc) this.exit(proc);
        return;
      }
      case LineKind.Note:
      case LineKind.Blank:
        return;
      case LineKind.Bad: {
        // strace's own note printed in the middle of a call's line: keep the call's start for the next line.
        const k = text.indexOf('strace: Process ');
        if (k > 0 && this.carry === '') {
          this.carry = text.slice(0, k);
          this.carryLine = lineNo;
          return;
        }
        this.ev?.badLine(lineNo, p.message);
        return;
      }
    }
  }

  /**
   * Recent lookups of the fast path, (pid, fd) → process and description, direct-mapped: valid while `gen` has not
   * moved (it moves with any change to the processes, the descriptor tables or the descriptions).
   */
  private gen = 1;
  private readonly lkGen = new Float64Array(LOOKUPS);
  private readonly lkPid = new Int32Array(LOOKUPS);
  private readonly lkFd = new Int32Array(LOOKUPS);
  private readonly lkProc: (Proc | null)[] = new Array<Proc | null>(LOOKUPS).fill(null);
  private readonly lkDesc: (Desc | null)[] = new Array<Desc | null>(LOOKUPS).fill(null);
  /** The call object of the fast path: one for every line it takes (nothing keeps it past the line). */
  private readonly fc = new ParsedLine(LineKind.Call, -1, NaN, NaN, false);

  /**
   * A line the fast reader (fast.ts) read: a successful read, write, pread64 or pwrite64, or a half of one split by
   * another process's line. Taken here when it needs nothing the general path would learn from the line's text (the
   * process is known, its descriptor is known by number, a second half finds its first): the same steps as line()
   * then, without the text. False (and nothing changed) otherwise: the caller hands the line to line().
   */
  lineFast(f: FastCall, lineNo: number): boolean {
    if (this.carry !== '') return false;
    if (f.kind !== FastKind.Call) return this.halfFast(f, lineNo);
    let proc: Proc | undefined;
    let d: Desc | undefined;
    const slot = (f.fd * 7 + f.pid) & (LOOKUPS - 1);
    if (this.lkGen[slot] === this.gen && this.lkPid[slot] === f.pid && this.lkFd[slot] === f.fd) {
      proc = this.lkProc[slot]!;
      d = this.lkDesc[slot]!;
    } else {
      proc = f.pid < 0 ? this.soloProc() : this.procs.get(f.pid);
      if (proc === undefined) return false;
      const v = this.fds(proc).get(f.fd);
      if (v === undefined) return false;
      d = this.descs.get(v >> 1);
      // An fd the log never opened, or one still unnamed, gets its description from the text (descOf).
      if (d === undefined || (d.path === '' && d.kind === DK.Other)) return false;
      this.lkGen[slot] = this.gen;
      this.lkPid[slot] = f.pid;
      this.lkFd[slot] = f.fd;
      this.lkProc[slot] = proc;
      this.lkDesc[slot] = d;
    }
    const ts = Number.isNaN(f.tsSec) ? NaN : this.lineTs(f.tsSec, f.tsNs, f.tsTod);
    const c = this.fc;
    c.pid = f.pid;
    c.name = f.name;
    c.col = f.col;
    c.line = lineNo;
    c.ts = ts;
    c.r = f.r;
    c.durNs = f.durNs;
    c.early = false;
    this.ev?.syscall(c.name, lineNo, false, c.durNs, ts);
    switch (f.op) {
      case FastOp.Read:
        this.readFrom(proc, c, d, f.last, NaN);
        break;
      case FastOp.Pread:
        this.readFrom(proc, c, d, f.prev, f.last);
        break;
      case FastOp.Write:
        this.writeTo(proc, c, d, NaN);
        break;
      case FastOp.Pwrite:
        this.writeTo(proc, c, d, f.last);
        break;
    }
    return true;
  }

  /** lineFast for the halves of a split call: as line() for Unfinished and Resumed, for the shapes fast.ts reads. */
  private halfFast(f: FastCall, lineNo: number): boolean {
    const proc = f.pid < 0 ? this.soloProc() : this.procs.get(f.pid);
    if (proc === undefined) return false;
    if (f.kind === FastKind.Unfinished) {
      const ts = Number.isNaN(f.tsSec) ? NaN : this.lineTs(f.tsSec, f.tsNs, f.tsTod);
      const old = this.pending.get(proc.pid);
      if (old) this.abandon(old);
      const args = f.bytes!.toString('utf8', f.argsStart, f.argsEnd);
      this.pending.set(proc.pid, { pid: proc.pid, name: f.name, args, line: lineNo, col: f.col, ts, early: false });
      return true;
    }
    // Resumed with nothing but its result: the call's arguments are the first half's (what read() and write() read).
    const pend = this.pending.get(proc.pid);
    if (pend === undefined || pend.name !== f.name) return false;
    const t = pend.args;
    const n = t.length;
    const fd = leadingFd(t, 0, n);
    if (!(fd >= 0)) return false;
    const v = this.fds(proc).get(fd);
    if (v === undefined) return false;
    const d = this.descs.get(v >> 1);
    if (d === undefined || (d.path === '' && d.kind === DK.Other)) return false;
    let last = NaN;
    let prev = NaN;
    if (f.op !== FastOp.Write) {
      const k = lastComma(t, n - 1, 0);
      last = numberAt(t, k + 1, n);
      if (f.op === FastOp.Pread) prev = numberAt(t, lastComma(t, k - 1, 0) + 1, n);
    }
    // The line's own timestamp moves the clock (midnight, -r sums) though the call keeps its first half's.
    if (!Number.isNaN(f.tsSec)) this.lineTs(f.tsSec, f.tsNs, f.tsTod);
    this.pending.delete(proc.pid);
    const c = this.fc;
    c.pid = f.pid;
    c.name = f.name;
    c.col = pend.col;
    c.line = pend.line;
    c.ts = pend.ts;
    c.r = f.r;
    c.durNs = f.durNs;
    c.early = pend.early;
    this.ev?.syscall(c.name, pend.line, false, c.durNs, pend.ts);
    switch (f.op) {
      case FastOp.Read:
        this.readFrom(proc, c, d, last, NaN);
        break;
      case FastOp.Pread:
        this.readFrom(proc, c, d, prev, last);
        break;
      case FastOp.Write:
        this.writeTo(proc, c, d, NaN);
        break;
      case FastOp.Pwrite:
        this.writeTo(proc, c, d, last);
        break;
    }
    c.early = false;
    return true;
  }

  /** The end of the log: calls still unfinished never returned (the process was killed or strace detached). */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    for (const pend of [...this.pending.values()]) this.abandon(pend);
    this.pending.clear();
  }

  /** A call that never returned: shown with no result. */
  private abandon(pend: Pending): void {
    this.pending.delete(pend.pid);
    if (pend.early) return;
    const proc = this.procs.get(pend.pid);
    this.ev?.syscall(pend.name, pend.line, true, NaN, pend.ts);
    if (this.scan || !proc) return;
    this.pass(proc, callOf(pend, NaN, true));
  }

  // ───────────────────────────── processes ─────────────────────────────

  private findProc(pid: number): Proc | undefined {
    if (pid >= 0) return this.procs.get(pid);
    return this.soloProc();
  }

  /** The process a line without a pid prefix belongs to. */
  private soloProc(): Proc | undefined {
    if (this.procs.size === 1) return this.procs.values().next().value;
    return this.procs.get(-1) ?? this.procs.values().next().value;
  }

  private procOf(pid: number, p: ParsedLine): Proc {
    if (pid < 0) {
      const solo = this.soloProc();
      if (solo) return solo;
      return this.newProc(-1, null, false);
    }
    const known = this.procs.get(pid);
    if (known) return known;
    const unnamed = this.procs.get(-1);
    // The process that printed without a prefix until a second one appeared: it now has a pid.
    if (unnamed && p.kind === LineKind.Resumed && this.pending.get(-1)?.name === p.name) return this.adopt(unnamed, pid);
    // A child that runs before its parent's clone() returned.
    for (const pend of [...this.pending.values()].reverse()) {
      if (isFork(pend.name)) {
        const parent = this.procs.get(pend.pid);
        if (parent) return this.newProc(pid, parent, (forkFlags(pend.name, pend.args) & CLONE_FILES) !== 0);
      }
    }
    if (unnamed) return this.adopt(unnamed, pid);
    return this.newProc(pid, null, false);
  }

  private adopt(proc: Proc, pid: number): Proc {
    this.gen++;
    this.procs.delete(-1);
    proc.pid = pid;
    this.procs.set(pid, proc);
    const pend = this.pending.get(-1);
    if (pend) {
      this.pending.delete(-1);
      pend.pid = pid;
      this.pending.set(pid, pend);
    }
    this.ev?.thread(proc.thread, pid, proc.name);
    return proc;
  }

  private newProc(pid: number, parent: Proc | null, shareFiles: boolean): Proc {
    this.gen++;
    let table: number;
    if (parent && shareFiles) {
      table = parent.table;
    } else {
      table = this.nextTable++;
      const fds = new Map<number, number>();
      if (parent) {
        for (const [fd, v] of this.tables.get(parent.table) ?? []) {
          const d = this.descs.get(v >> 1);
          if (d) d.refs++;
          fds.set(fd, v);
        }
      }
      this.tables.set(table, fds);
    }
    // Threads beyond 255 share the last index (the trace keeps threads in a byte).
    const thread = Math.min(this.nextThread++, 255);
    const proc: Proc = {
      pid, thread, table, buf: parent?.buf ?? 0, bufSize: parent?.bufSize ?? 0,
      maps: parent ? parent.maps.map((m) => [m[0], m[1], m[2]] as [number, number, number]) : [],
      aio: [], name: parent?.name ?? '',
    };
    this.procs.set(pid, proc);
    this.ev?.thread(thread, pid, proc.name);
    return proc;
  }

  private exit(proc: Proc): void {
    this.gen++;
    const pend = this.pending.get(proc.pid);
    if (pend) this.abandon(pend);
    this.procs.delete(proc.pid);
    let shared = false;
    for (const o of this.procs.values()) if (o.table === proc.table) shared = true;
    if (!shared) {
      const fds = this.tables.get(proc.table);
      if (fds) for (const v of fds.values()) this.release(v >> 1);
      this.tables.delete(proc.table);
    }
  }

  // ───────────────────────────── descriptors ─────────────────────────────

  private fds(proc: Proc): Map<number, number> {
    let t = proc.fdt;
    if (t !== undefined) return t;
    t = this.tables.get(proc.table);
    if (!t) {
      t = new Map();
      this.tables.set(proc.table, t);
    }
    proc.fdt = t;
    return t;
  }

  private newDesc(kind: DK, path: string, flags: number, pipe = -1): Desc {
    const modeled = kind === DK.File || kind === DK.PipeR || kind === DK.PipeW || kind === DK.Socket;
    // In scan mode there is no machine to answer: a modeled description gets a placeholder descriptor.
    const d: Desc = { id: this.nextDesc++, kind, path, flags, pos: 0, mfd: modeled ? (this.scan ? 0 : -2) : -1, refs: 0, pipe };
    this.descs.set(d.id, d);
    return d;
  }

  /** Installs `d` as fd `fd` of `proc`; a description the fd held before loses a reference (no machine close). */
  private install(proc: Proc, fd: number, d: Desc, cloexec: boolean): void {
    this.gen++;
    if (!(fd >= 0)) {
      // Never in a table: drop it at once if nothing refers to it.
      if (d.refs === 0) this.descs.delete(d.id);
      return;
    }
    const t = this.fds(proc);
    const old = t.get(fd);
    if (old !== undefined && old >> 1 === d.id) {
      t.set(fd, d.id * 2 + (cloexec ? 1 : 0));
      return;
    }
    if (old !== undefined) this.release(old >> 1);
    d.refs++;
    t.set(fd, d.id * 2 + (cloexec ? 1 : 0));
  }

  /** Drops a reference; returns the description when that was the last one. */
  private release(id: number): Desc | null {
    this.gen++;
    const d = this.descs.get(id);
    if (!d) return null;
    d.refs--;
    if (d.refs > 0) return null;
    this.descs.delete(id);
    return d;
  }

  /** descOf for the first argument of a call, read in place (no cutting of the argument text). */
  private descAt(proc: Proc, c: Call): Desc | null {
    const fd = leadingFd(c.text, c.argsStart, c.argsEnd);
    if (!(fd >= 0)) return null;
    const v = this.fds(proc).get(fd);
    const d = v === undefined ? undefined : this.descs.get(v >> 1);
    if (d !== undefined && (d.path !== '' || d.kind !== DK.Other)) return d;
    return this.descOf(proc, firstArg(c.args), c.line);
  }

  /** The description behind a descriptor argument; one the log never opened is created from its decoration. */
  private descOf(proc: Proc, arg: string | undefined, line: number): Desc | null {
    if (arg === undefined) return null;
    const fd = leadingFd(arg, 0, arg.length);
    if (!(fd >= 0)) return null;
    const v = this.fds(proc).get(fd);
    if (v !== undefined) {
      const d = this.descs.get(v >> 1);
      if (d) {
        // -y names what the fd really is: an unknown description learns its name.
        if (d.path === '' && d.kind === DK.Other) d.path = fdOf(firstArg(arg)).deco;
        return d;
      }
    }
    const deco = fdOf(firstArg(arg)).deco;
    const kind = deco.startsWith('/') ? this.pathKind(deco, 0) : DK.Other;
    // Opened before the log begins: the model never opened it, so its I/O is shown but not simulated.
    const d = this.newDesc(kind === DK.File ? DK.File : kind, deco, 0);
    d.mfd = -1;
    if (kind === DK.File) this.ev?.inherited(deco, fd, line);
    this.install(proc, fd, d, false);
    return d;
  }

  private pathKind(path: string, flags: number): DK {
    if (flags & (O_DIRECTORY | O_PATH)) return DK.Dir;
    return this.know.kindOf(path);
  }

  // ───────────────────────────── calls ─────────────────────────────

  private complete(c: ParsedLine, proc: Proc, joined: string | null, line: number, col: number, ts: number, early: boolean): void {
    if (joined !== null) c.args = joined;
    const r = c.r;
    const failed = c.errno !== '' || Number.isNaN(r) || (r < 0 && r > -4096);
    c.line = line;
    c.col = col;
    c.ts = ts;
    c.early = early;
    c.failed = failed;
    this.ev?.syscall(c.name, line, failed, c.durNs, ts);
    if (this.ev && c.errno === 'ENOENT') {
      const path = this.pathArg(c);
      if (path) this.ev.missing(path);
    }
    this.call(proc, c);
  }

  /** The recorded facts of a call. */
  private recorded(c: Call): RecordedCall {
    // One shape for every record (absent facts are undefined, not missing).
    return {
      durationNs: Number.isNaN(c.durNs) ? undefined : c.durNs,
      timestampNs: Number.isNaN(c.ts) ? undefined : c.ts,
      result: Number.isNaN(c.r) ? undefined : c.r,
      errno: c.errno === '' ? undefined : c.errno,
    };
  }

  /** A line's timestamp in ns since the log's first: -t/-tt wrap at midnight, -r deltas add up. */
  private lineTs(tsSec: number, tsNs: number, tsTod: boolean): number {
    let base = this.know.base;
    if (!base) {
      // The first timestamp of the log. Deltas (-r) start near zero; epoch seconds (-ttt) are large.
      base = { sec: tsSec, ns: tsNs, tod: tsTod, delta: !tsTod && tsSec < 1e6 };
      this.know.base = base;
    }
    if (base.delta) {
      this.accSec += tsSec;
      this.accNs += tsNs;
      return this.accSec * 1e9 + this.accNs;
    }
    let s = tsSec;
    if (base.tod) {
      s += this.day * 86400;
      if (this.lastSec >= 0 && s < this.lastSec - 43200) {
        this.day++;
        s += 86400;
      }
      this.lastSec = s;
    }
    return (s - base.sec) * 1e9 + (tsNs - base.ns);
  }

  private step(s: StepSpec): void {
    this.push(mkOp(s.name, s.args, s.line, s.col, s.thread, s.text, s.flagNames, s.rec), s.fx ?? Fx.None, s.p1 ?? 0, s.p2 ?? 0, s.bufPid ?? NO_BUF);
  }

  private push(op: Operation, fx: number, p1: number, p2: number, bufPid: number): void {
    const i = this.qn++;
    this.queue[i] = op;
    this.qFx[i] = fx;
    this.qP1[i] = p1;
    this.qP2[i] = p2;
    this.qBuf[i] = bufPid;
  }

  /** The call as a pass-through `syscall` operation: counted and shown, not simulated. */
  private pass(proc: Proc, c: Call): void {
    if (this.scan || c.early) return;
    this.step({ name: 'syscall', args: [syscallNumber(c.name)], text: c.name, line: c.line, col: c.col, thread: proc.thread, rec: this.recorded(c) });
  }

  /** A modeled operation, carrying the call's recorded facts. */
  private op(proc: Proc, c: Call, name: string, args: number[], extra: Partial<StepSpec> = {}): void {
    if (this.scan || c.early) return;
    this.step({ name, args, line: c.line, col: c.col, thread: proc.thread, rec: this.recorded(c), ...extra });
  }

  /** Makes sure `proc` has a user buffer of `size` bytes (an alloc operation when it needs a new one). */
  private ensureBuf(proc: Proc, size: number, c: { line: number; col: number }): void {
    if (this.scan || proc.bufSize >= size) return;
    const want = Math.max(MIN_BUFFER, Math.ceil(size / 4096) * 4096);
    proc.bufSize = want;
    proc.buf = 0;
    this.step({ name: 'alloc', args: [want], line: c.line, col: c.col, thread: proc.thread, fx: Fx.Alloc, p1: proc.pid });
    // Threads and children sharing the old buffer keep it; this process uses the new one once allocated.
  }

  /** A read or write through the process's buffer: args with the buffer in position 1. */
  private bufOp(proc: Proc, c: Call, name: string, mfd: number, count: number, offset?: number): void {
    if (this.scan || c.early) return;
    this.ensureBuf(proc, count, c);
    const args = offset === undefined ? [mfd, 0, count] : [mfd, 0, count, offset];
    this.push(mkOp(name, args, c.line, c.col, proc.thread, undefined, undefined, this.recorded(c)), Fx.None, 0, 0, proc.pid);
  }

  private call(proc: Proc, c: Call): void {
    const name = c.name;
    // The commonest calls first: a switch compares the name with one case after the other.
    switch (name) {
      case 'read': case 'pread64': case 'readv': case 'preadv': case 'preadv2':
        return this.read(proc, c);
      case 'write': case 'pwrite64': case 'writev': case 'pwritev': case 'pwritev2':
      case 'send': case 'sendto': case 'sendmsg':
        return this.write(proc, c);
      case 'open': case 'openat': case 'creat': case 'openat2': case 'open_by_handle_at':
        return this.open(proc, c);
      case 'close':
        return this.close(proc, c);
      case 'close_range':
        return this.closeRange(proc, c);
      case 'lseek': case '_llseek':
        return this.lseek(proc, c);
      case 'mmap': case 'mmap2':
        return this.mmap(proc, c);
      case 'munmap':
        return this.munmap(proc, c);
      case 'sendfile': case 'sendfile64':
        return this.sendfile(proc, c);
      case 'copy_file_range':
        return this.copyFileRange(proc, c);
      case 'splice':
        return this.splice(proc, c);
      case 'fsync': case 'fdatasync': case 'sync_file_range': case 'sync_file_range2':
        return this.fsync(proc, c);
      case 'io_submit':
        return this.ioSubmit(proc, c);
      case 'io_getevents': case 'io_pgetevents':
        return this.ioGetevents(proc, c);
      case 'io_uring_setup': case 'eventfd': case 'eventfd2': case 'epoll_create': case 'epoll_create1':
      case 'signalfd': case 'signalfd4': case 'timerfd_create': case 'inotify_init': case 'inotify_init1':
      case 'memfd_create': case 'userfaultfd': case 'pidfd_open': case 'fanotify_init': case 'perf_event_open':
        return this.otherFd(proc, c);
      case 'socket':
        return this.socket(proc, c);
      case 'accept': case 'accept4':
        return this.accept(proc, c);
      case 'socketpair':
        return this.socketpair(proc, c);
      case 'pipe': case 'pipe2':
        return this.pipe(proc, c);
      case 'dup': case 'dup2': case 'dup3':
        return this.dup(proc, c);
      case 'fcntl': case 'fcntl64':
        return this.fcntl(proc, c);
      case 'clone': case 'clone3': case 'fork': case 'vfork':
        return this.fork(proc, c);
      case 'execve': case 'execveat':
        return this.execve(proc, c);
      case 'fstat': case 'newfstatat': case 'fstatat64': case 'stat': case 'lstat': case 'statx': case 'stat64': case 'lstat64': case 'fstat64':
        return this.stat(proc, c);
      case 'getdents': case 'getdents64': {
        const d = this.descOf(proc, splitArgs(c.args)[0], c.line);
        if (d && d.path) this.ev?.type(d.path, 'dir');
        return this.pass(proc, c);
      }
      case 'ftruncate': case 'truncate': {
        const a = splitArgs(c.args);
        const path = name === 'truncate' ? unquote(a[0]) : this.descOf(proc, a[0], c.line)?.path ?? '';
        if (!c.failed && path) this.ev?.truncated(path, intOf(a[1]));
        return this.pass(proc, c);
      }
    }
    this.pass(proc, c);
  }

  /** The path a path-taking call names (open, stat, access families), made absolute with its dirfd's -y name. */
  private pathArg(c: Call): string {
    const at = c.name.endsWith('at') || c.name === 'statx' || c.name === 'openat2' || c.name === 'faccessat2';
    const single = c.name === 'open' || c.name === 'creat' || c.name === 'stat' || c.name === 'lstat' || c.name === 'access';
    if (!at && !single) return '';
    const a = splitArgs(c.args);
    const rel = unquote(at ? a[1] : a[0]);
    if (!rel || rel.startsWith('/') || !at) return rel;
    const dir = fdOf(a[0]).deco;
    return dir.startsWith('/') ? dir.replace(/\/$/, '') + '/' + rel : rel;
  }

  // ───────────────────────────── open and close ─────────────────────────────

  private open(proc: Proc, c: Call): void {
    if (c.failed) return this.pass(proc, c);
    const a = splitArgs(c.args);
    let pathArg: string;
    let flagArg: string | undefined;
    let dir = '';
    if (c.name === 'open' || c.name === 'creat') {
      pathArg = a[0];
      flagArg = c.name === 'creat' ? 'O_CREAT|O_WRONLY|O_TRUNC' : a[1];
    } else if (c.name === 'open_by_handle_at') {
      pathArg = '';
      flagArg = a[2];
    } else {
      dir = fdOf(a[0]).deco;
      pathArg = a[1];
      flagArg = c.name === 'openat2' ? (/flags=([^,}]*)/.exec(a[2] ?? '')?.[1] ?? '') : a[2];
    }
    const names = flagList(flagArg);
    const flags = openFlags(names);
    const ret = fdOf(c.ret);
    let path = ret.deco;
    if (!path) {
      path = unquote(pathArg);
      if (path && !path.startsWith('/') && dir.startsWith('/')) path = dir.replace(/\/$/, '') + '/' + path;
    }
    if (dir.startsWith('/')) this.ev?.type(dir, 'dir');
    let kind = path.startsWith('/') || (path !== '' && !path.includes(':[')) ? this.pathKind(path, flags) : DK.Other;
    if ((flags & O_TMPFILE) === O_TMPFILE) kind = DK.Other;
    if (kind === DK.File) this.ev?.opened(path, flags, (flags & OPEN_FLAGS.O_CREAT) !== 0 && (flags & (OPEN_FLAGS.O_EXCL | OPEN_FLAGS.O_TRUNC)) !== 0);
    else if (kind === DK.Dir && path) this.ev?.type(path, 'dir');
    const d = this.newDesc(kind, path, flags);
    this.install(proc, ret.fd, d, names.includes('O_CLOEXEC'));
    if (kind !== DK.File) return this.pass(proc, c);
    // The log shows the call succeeded: O_EXCL cannot fail in the replay (a file the machine already has).
    const mflags = flags & MODEL_FLAGS & ~OPEN_FLAGS.O_EXCL;
    this.op(proc, c, 'open', [mflags], { text: path, flagNames: names.filter((n) => n in OPEN_FLAGS), fx: Fx.Fd, p1: d.id });
  }

  private close(proc: Proc, c: Call): void {
    const { fd } = fdOf(splitArgs(c.args)[0]);
    const t = this.fds(proc);
    const v = t.get(fd);
    if (c.failed || v === undefined) return this.pass(proc, c);
    t.delete(fd);
    const d = this.release(v >> 1);
    // Another fd (a dup, a child's copy) still refers to the description: the machine's stays open.
    if (!d || d.mfd < 0) return this.pass(proc, c);
    this.op(proc, c, 'close', [d.mfd], { fx: Fx.Close });
  }

  private closeRange(proc: Proc, c: Call): void {
    const a = splitArgs(c.args);
    const first = intOf(a[0]);
    const last = Math.min(intOf(a[1]), 1 << 20);
    if (!c.failed && !(a[2] ?? '').includes('CLOSE_RANGE_CLOEXEC')) {
      const t = this.fds(proc);
      for (const [fd, v] of [...t]) {
        if (fd >= first && fd <= last) {
          t.delete(fd);
          this.release(v >> 1);
        }
      }
    }
    this.pass(proc, c);
  }

  private otherFd(proc: Proc, c: Call): void {
    if (!c.failed) {
      const ret = fdOf(c.ret);
      this.install(proc, ret.fd, this.newDesc(DK.Other, ret.deco || `anon_inode:[${c.name}]`, 0), false);
    }
    this.pass(proc, c);
  }

  // ───────────────────────────── read and write ─────────────────────────────

  private read(proc: Proc, c: Call): void {
    const plain = c.name === 'read' || c.name === 'pread64';
    // read and pread64 end in plain numbers: no need to split (and walk) the data string in the middle.
    const a = plain ? null : splitArgs(c.args);
    const d = a ? this.descOf(proc, a[0], c.line) : this.descAt(proc, c);
    if (!d || c.failed) return this.pass(proc, c);
    const positional = c.name !== 'read' && c.name !== 'readv';
    let count: number;
    let offset = NaN;
    if (a) {
      count = iovTotal(a[1]);
      if (positional) offset = intOf(a[3]);
    } else {
      const t = c.text;
      const last = lastComma(t, c.argsEnd - 1, c.argsStart);
      if (positional) {
        const prev = lastComma(t, last - 1, c.argsStart);
        count = numberAt(t, prev + 1, c.argsEnd);
        offset = numberAt(t, last + 1, c.argsEnd);
      } else {
        count = numberAt(t, last + 1, c.argsEnd);
      }
    }
    if (c.name === 'preadv2' && offset === -1) offset = NaN;
    this.readFrom(proc, c, d, count, offset);
  }

  /** A successful read of `d` (asked: `count`; at `offset`, NaN: at the file position) that returned c.r bytes. */
  private readFrom(proc: Proc, c: Call, d: Desc, count: number, offset: number): void {
    if (!(count >= 0)) count = c.r;
    const n = c.r;
    if (d.kind === DK.File) {
      const pos = Number.isNaN(offset) ? d.pos : offset;
      if (d.path) this.ev?.read(d.path, pos, n, count);
      if (Number.isNaN(offset)) d.pos += n;
      if (d.mfd < 0) return this.pass(proc, c);
      const asked = count > MAX_BUFFER ? n : count;
      return Number.isNaN(offset) ? this.bufOp(proc, c, 'read', d.mfd, asked) : this.bufOp(proc, c, 'pread', d.mfd, asked, offset);
    }
    if (d.kind === DK.PipeR && d.mfd >= 0) {
      // A pipe read takes exactly what the log says it got; a writer still blocked in the log wrote it first.
      this.feedPipe(d.pipe, n);
      const used = this.pipes.get(d.pipe) ?? 0;
      this.pipes.set(d.pipe, used - Math.min(n, used));
      return this.bufOp(proc, c, 'read', d.mfd, n);
    }
    // Sockets: the receive path is not modeled.
    this.pass(proc, c);
  }

  private write(proc: Proc, c: Call): void {
    const plain = c.name === 'write' || c.name === 'pwrite64';
    const a = plain ? null : splitArgs(c.args);
    const d = a ? this.descOf(proc, a[0], c.line) : this.descAt(proc, c);
    if (!d || c.failed) return this.pass(proc, c);
    const n = c.r;
    const positional = c.name === 'pwrite64' || c.name === 'pwritev' || c.name === 'pwritev2';
    let offset = NaN;
    if (positional) offset = a ? intOf(a[3]) : numberAt(c.text, lastComma(c.text, c.argsEnd - 1, c.argsStart) + 1, c.argsEnd);
    if (c.name === 'pwritev2' && offset === -1) offset = NaN;
    this.writeTo(proc, c, d, offset);
  }

  /** A successful write to `d` (at `offset`, NaN: at the file position) that returned c.r bytes. */
  private writeTo(proc: Proc, c: Call, d: Desc, offset: number): void {
    const n = c.r;
    if (d.kind === DK.File) {
      const pos = Number.isNaN(offset) ? d.pos : offset;
      if (d.path) this.ev?.wrote(d.path, pos, n);
      if (Number.isNaN(offset)) d.pos += n;
      if (d.mfd < 0) return this.pass(proc, c);
      return Number.isNaN(offset) ? this.bufOp(proc, c, 'write', d.mfd, n) : this.bufOp(proc, c, 'pwrite', d.mfd, n, offset);
    }
    if (d.kind === DK.PipeW && d.mfd >= 0) {
      this.ev?.pipeWrite(n);
      // A write handed out early (see feedPipe) already filled the pipe.
      const used = this.pipes.get(d.pipe) ?? 0;
      if (!c.early) this.pipes.set(d.pipe, used + Math.min(n, this.know.pipeCapacity - used));
      return this.bufOp(proc, c, 'write', d.mfd, n);
    }
    if (d.kind === DK.Socket && d.mfd >= 0) return this.bufOp(proc, c, 'write', d.mfd, n);
    this.pass(proc, c);
  }

  /**
   * Before a pipe read of `n` bytes: if the machine's pipe holds fewer, a write blocked in the log (unfinished,
   * waiting for this reader) is handed to the machine now, with its requested count.
   */
  private feedPipe(pipe: number, n: number): void {
    if (this.scan || this.pending.size === 0 || (this.pipes.get(pipe) ?? 0) >= n) return;
    for (const pend of this.pending.values()) {
      if ((this.pipes.get(pipe) ?? 0) >= n) return;
      if (pend.early || (pend.name !== 'write' && pend.name !== 'writev')) continue;
      const proc = this.procs.get(pend.pid);
      if (!proc) continue;
      const a = splitArgs(pend.args);
      const v = this.fds(proc).get(fdOf(a[0]).fd);
      const d = v === undefined ? undefined : this.descs.get(v >> 1);
      if (!d || d.kind !== DK.PipeW || d.pipe !== pipe || d.mfd < 0) continue;
      const count = pend.name === 'write' ? intOf(a[2]) : iovTotal(a[1]);
      if (!(count > 0)) continue;
      pend.early = true;
      const used = this.pipes.get(pipe) ?? 0;
      this.pipes.set(pipe, used + Math.min(count, this.know.pipeCapacity - used));
      this.bufOp(proc, callOf(pend, count, false), 'write', d.mfd, count);
    }
  }

  private lseek(proc: Proc, c: Call): void {
    const a = splitArgs(c.args);
    const d = this.descOf(proc, a[0], c.line);
    if (!d || c.failed || d.kind !== DK.File) return this.pass(proc, c);
    const off = intOf(a[1]);
    const whence = ['SEEK_SET', 'SEEK_CUR', 'SEEK_END'].indexOf(a[2]);
    d.pos = c.r;
    if (whence === 2 && d.path) this.ev?.size(d.path, c.r - off);
    if (whence < 0 || d.mfd < 0) return this.pass(proc, c);
    this.op(proc, c, 'lseek', [d.mfd, off, whence]);
  }

  // ───────────────────────────── mappings ─────────────────────────────

  private mmap(proc: Proc, c: Call): void {
    if (c.failed) return this.pass(proc, c);
    const a = splitArgs(c.args);
    const fd = fdOf(a[4]).fd;
    if (!(fd >= 0)) return this.pass(proc, c);
    const d = this.descOf(proc, a[4], c.line);
    const len = intOf(a[1]);
    const off = intOf(a[5]);
    if (!d || d.kind !== DK.File || d.mfd < 0 || !(len > 0) || !(off >= 0) || off % 4096 !== 0) return this.pass(proc, c);
    this.op(proc, c, 'mmap', [d.mfd, len, off], { fx: Fx.Mmap, p1: proc.pid, p2: c.r });
  }

  private munmap(proc: Proc, c: Call): void {
    const a = splitArgs(c.args);
    const addr = intOf(a[0]);
    const i = proc.maps.findIndex((m) => m[0] === addr);
    if (c.failed || i < 0) return this.pass(proc, c);
    const [, maddr, mlen] = proc.maps[i];
    proc.maps.splice(i, 1);
    if (maddr <= 0) return this.pass(proc, c);
    this.op(proc, c, 'munmap', [maddr, mlen]);
  }

  // ───────────────────────────── in-kernel copies ─────────────────────────────

  private sendfile(proc: Proc, c: Call): void {
    const a = splitArgs(c.args);
    const out = this.descOf(proc, a[0], c.line);
    const inp = this.descOf(proc, a[1], c.line);
    if (!out || !inp || c.failed) return this.pass(proc, c);
    const off = offsetOf(a[2]);
    const count = intOf(a[3]);
    const pos = Number.isNaN(off.before) ? inp.pos : off.before;
    if (inp.kind === DK.File && inp.path) this.ev?.read(inp.path, pos, c.r, count);
    if (Number.isNaN(off.before)) inp.pos += c.r;
    if (out.kind === DK.File) {
      if (out.path) this.ev?.wrote(out.path, out.pos, c.r);
      out.pos += c.r;
    }
    if (inp.kind !== DK.File || inp.mfd < 0 || out.mfd < 0 || (out.kind !== DK.Socket && out.kind !== DK.File)) return this.pass(proc, c);
    this.op(proc, c, 'sendfile', [out.mfd, inp.mfd, pos, c.r]);
  }

  /** copy_file_range without shared extents is do_splice_direct, as sendfile to a file: modeled as that. */
  private copyFileRange(proc: Proc, c: Call): void {
    const a = splitArgs(c.args);
    const inp = this.descOf(proc, a[0], c.line);
    const out = this.descOf(proc, a[2], c.line);
    if (!out || !inp || c.failed) return this.pass(proc, c);
    const offIn = offsetOf(a[1]);
    const offOut = offsetOf(a[3]);
    const count = intOf(a[4]);
    const pos = Number.isNaN(offIn.before) ? inp.pos : offIn.before;
    const at = Number.isNaN(offOut.before) ? out.pos : offOut.before;
    if (inp.kind === DK.File && inp.path) this.ev?.read(inp.path, pos, c.r, count);
    if (out.kind === DK.File && out.path) this.ev?.wrote(out.path, at, c.r);
    if (Number.isNaN(offIn.before)) inp.pos += c.r;
    if (Number.isNaN(offOut.before)) out.pos += c.r;
    if (inp.kind !== DK.File || out.kind !== DK.File || inp.mfd < 0 || out.mfd < 0 || !Number.isNaN(offOut.before)) return this.pass(proc, c);
    this.op(proc, c, 'sendfile', [out.mfd, inp.mfd, pos, c.r], { text: 'copy_file_range' });
  }

  private splice(proc: Proc, c: Call): void {
    const a = splitArgs(c.args);
    const inp = this.descOf(proc, a[0], c.line);
    const out = this.descOf(proc, a[2], c.line);
    if (!inp || !out || c.failed) return this.pass(proc, c);
    const n = c.r;
    const offIn = offsetOf(a[1]);
    if (inp.kind === DK.File) {
      const pos = Number.isNaN(offIn.before) ? inp.pos : offIn.before;
      if (inp.path) this.ev?.read(inp.path, pos, n, intOf(a[4]));
      if (Number.isNaN(offIn.before)) inp.pos += n;
    }
    if (out.kind === DK.File) {
      if (out.path) this.ev?.wrote(out.path, out.pos, n);
      out.pos += n;
    }
    const ok = inp.mfd >= 0 && out.mfd >= 0 && Number.isNaN(offIn.before) && (
      (inp.kind === DK.File && out.kind === DK.PipeW) ||
      (inp.kind === DK.PipeR && (out.kind === DK.Socket || out.kind === DK.File)));
    if (!ok) return this.pass(proc, c);
    const pipe = inp.kind === DK.PipeR ? inp.pipe : out.pipe;
    const used = this.pipes.get(pipe) ?? 0;
    if (inp.kind === DK.PipeR) this.pipes.set(pipe, used - Math.min(n, used));
    else this.pipes.set(pipe, used + Math.min(n, this.know.pipeCapacity - used));
    this.op(proc, c, 'splice', [inp.mfd, out.mfd, n]);
  }

  private fsync(proc: Proc, c: Call): void {
    const a = splitArgs(c.args);
    const d = this.descOf(proc, a[0], c.line);
    if (!d || c.failed || d.kind !== DK.File || d.mfd < 0) return this.pass(proc, c);
    if (c.name === 'fsync' || c.name === 'fdatasync') return this.op(proc, c, c.name, [d.mfd]);
    // sync_file_range: modeled as fdatasync when it starts writeback (the model writes the whole file and waits).
    const flags = c.name === 'sync_file_range2' ? a[1] : a[3];
    if (!(flags ?? '').includes('SYNC_FILE_RANGE_WRITE')) return this.pass(proc, c);
    this.op(proc, c, 'fdatasync', [d.mfd], { text: c.name });
  }

  // ───────────────────────────── async I/O ─────────────────────────────

  private ioSubmit(proc: Proc, c: Call): void {
    if (c.failed || this.scan) return this.pass(proc, c);
    const iocbs = structsOf(splitArgs(c.args)[2]).slice(0, Math.max(0, c.r));
    let first = true;
    for (const cb of iocbs) {
      if (!cb.includes(AIO_READ)) continue;
      const fdText = /aio_fildes=([^,}]*)/.exec(cb)?.[1];
      const d = this.descOf(proc, fdText, c.line);
      const nbytes = fieldOf(cb, 'aio_nbytes');
      const offset = fieldOf(cb, 'aio_offset');
      if (!d || d.kind !== DK.File || d.mfd < 0 || !(nbytes >= 0) || !(offset >= 0)) continue;
      this.ensureBuf(proc, nbytes, c);
      this.step({
        name: 'aio_read', args: [d.mfd, 0, nbytes, offset], bufPid: proc.pid, line: c.line, col: c.col,
        thread: proc.thread, rec: first ? this.recorded(c) : undefined, fx: Fx.Aio, p1: proc.pid,
      });
      first = false;
    }
    if (first) this.pass(proc, c);
  }

  private ioGetevents(proc: Proc, c: Call): void {
    if (c.failed || this.scan || !(c.r > 0) || proc.aio.length === 0) return this.pass(proc, c);
    const k = Math.min(c.r, proc.aio.length);
    for (let i = 0; i < k; i++) {
      const id = proc.aio.shift()!;
      this.step({ name: 'aio_wait', args: [id], line: c.line, col: c.col, thread: proc.thread, rec: i === 0 ? this.recorded(c) : undefined });
    }
  }

  // ───────────────────────────── sockets and pipes ─────────────────────────────

  private socket(proc: Proc, c: Call): void {
    if (c.failed) return this.pass(proc, c);
    const a = splitArgs(c.args);
    const ret = fdOf(c.ret);
    const tcp = (a[0] === 'AF_INET' || a[0] === 'AF_INET6') && (a[1] ?? '').startsWith('SOCK_STREAM');
    const d = this.newDesc(tcp ? DK.Socket : DK.Other, ret.deco || `socket:[${a[0]}]`, 0);
    this.install(proc, ret.fd, d, (a[1] ?? '').includes('SOCK_CLOEXEC'));
    if (!tcp) return this.pass(proc, c);
    this.op(proc, c, 'socket', [], { fx: Fx.Fd, p1: d.id });
  }

  private accept(proc: Proc, c: Call): void {
    if (c.failed) return this.pass(proc, c);
    const a = splitArgs(c.args);
    const listener = this.descOf(proc, a[0], c.line);
    const ret = fdOf(c.ret);
    const tcp = listener?.kind === DK.Socket || /^TCP/.test(ret.deco) || (a[1] ?? '').includes('AF_INET');
    const d = this.newDesc(tcp ? DK.Socket : DK.Other, ret.deco || 'socket:[accepted]', 0);
    this.install(proc, ret.fd, d, (a[3] ?? '').includes('SOCK_CLOEXEC'));
    if (!tcp) return this.pass(proc, c);
    this.op(proc, c, 'socket', [], { fx: Fx.Fd, p1: d.id, text: c.name });
  }

  private socketpair(proc: Proc, c: Call): void {
    if (!c.failed) {
      for (const e of listOf(splitArgs(c.args)[3])) {
        const f = fdOf(e);
        if (f.fd >= 0) this.install(proc, f.fd, this.newDesc(DK.Other, f.deco || 'socket:[pair]', 0), false);
      }
    }
    this.pass(proc, c);
  }

  private pipe(proc: Proc, c: Call): void {
    const a = splitArgs(c.args);
    const ends = listOf(a[0]).map(fdOf);
    if (c.failed || ends.length !== 2 || !(ends[0].fd >= 0) || !(ends[1].fd >= 0)) return this.pass(proc, c);
    const pipe = this.nextPipe++;
    this.pipes.set(pipe, 0);
    const cloexec = (a[1] ?? '').includes('O_CLOEXEC');
    const r = this.newDesc(DK.PipeR, ends[0].deco || `pipe:[${pipe}]`, 0, pipe);
    const w = this.newDesc(DK.PipeW, ends[1].deco || `pipe:[${pipe}]`, 0, pipe);
    this.install(proc, ends[0].fd, r, cloexec);
    this.install(proc, ends[1].fd, w, cloexec);
    this.op(proc, c, 'pipe', [], { fx: Fx.Pipe, p1: r.id, p2: w.id });
  }

  // ───────────────────────────── descriptor tables and processes ─────────────────────────────

  private dup(proc: Proc, c: Call): void {
    if (!c.failed) {
      const a = splitArgs(c.args);
      const d = this.descOf(proc, a[0], c.line);
      const ret = fdOf(c.ret);
      if (d && ret.fd >= 0 && ret.fd !== fdOf(a[0]).fd) this.install(proc, ret.fd, d, (a[2] ?? '').includes('O_CLOEXEC'));
    }
    this.pass(proc, c);
  }

  private fcntl(proc: Proc, c: Call): void {
    if (!c.failed) {
      const a = splitArgs(c.args);
      const d = this.descOf(proc, a[0], c.line);
      const cmd = a[1] ?? '';
      if (d && (cmd === 'F_DUPFD' || cmd === 'F_DUPFD_CLOEXEC')) {
        const ret = fdOf(c.ret);
        if (ret.fd >= 0) this.install(proc, ret.fd, d, cmd === 'F_DUPFD_CLOEXEC');
      } else if (d && cmd === 'F_SETFL') {
        // The model's descriptor keeps the flags it was opened with: O_DIRECT set later is followed, not simulated.
        const keep = d.flags & (3 | OPEN_FLAGS.O_CREAT | OPEN_FLAGS.O_TRUNC | OPEN_FLAGS.O_EXCL);
        d.flags = keep | openFlags(flagList(a[2]));
      } else if (d && cmd === 'F_SETFD') {
        const t = this.fds(proc);
        const fd = fdOf(a[0]).fd;
        const v = t.get(fd);
        if (v !== undefined) t.set(fd, (v & ~1) | ((a[2] ?? '').includes('FD_CLOEXEC') ? 1 : 0));
        this.gen++;
      }
    }
    this.pass(proc, c);
  }

  private fork(proc: Proc, c: Call): void {
    if (!c.failed && c.r > 0 && !this.procs.has(c.r)) {
      this.newProc(c.r, proc, (forkFlags(c.name, c.args) & CLONE_FILES) !== 0);
    }
    this.pass(proc, c);
  }

  private execve(proc: Proc, c: Call): void {
    if (!c.failed) {
      const a = splitArgs(c.args);
      const path = unquote(c.name === 'execveat' ? a[1] : a[0]);
      proc.name = path.slice(path.lastIndexOf('/') + 1) || path;
      this.ev?.thread(proc.thread, proc.pid, proc.name);
      // close-on-exec descriptors go; mappings go (the machine's stay until unmapped: nothing unmaps them here).
      const t = this.fds(proc);
      for (const [fd, v] of [...t]) {
        if (v & 1) {
          t.delete(fd);
          this.release(v >> 1);
        }
      }
      proc.maps = [];
    }
    this.pass(proc, c);
  }

  private stat(proc: Proc, c: Call): void {
    if (!c.failed) {
      const a = splitArgs(c.args);
      let path = '';
      let st: string | undefined;
      if (c.name === 'fstat' || c.name === 'fstat64') {
        path = this.descOf(proc, a[0], c.line)?.path ?? '';
        st = a[1];
      } else if (c.name === 'stat' || c.name === 'lstat' || c.name === 'stat64' || c.name === 'lstat64') {
        path = unquote(a[0]);
        st = a[1];
      } else {
        // newfstatat / statx: (dirfd, path, buf, flags) / (dirfd, path, flags, mask, buf)
        const dirfd = fdOf(a[0]);
        const rel = unquote(a[1]);
        st = c.name === 'statx' ? a[4] : a[2];
        if (rel === '') path = dirfd.fd >= 0 ? this.descOf(proc, a[0], c.line)?.path ?? '' : dirfd.deco;
        else if (rel.startsWith('/')) path = rel;
        else if (dirfd.deco.startsWith('/')) path = dirfd.deco.replace(/\/$/, '') + '/' + rel;
        else path = rel;
      }
      if (path && st && st.charCodeAt(0) === 123) {
        const size = c.name === 'statx' ? fieldOf(st, 'stx_size') : fieldOf(st, 'st_size');
        const m = /S_IF[A-Z]+/.exec(st);
        if (m) this.ev?.type(path, m[0]);
        if (m?.[0] === 'S_IFREG' && size >= 0) this.ev?.size(path, size);
      }
    }
    this.pass(proc, c);
  }

  // ───────────────────────────── handing out operations ─────────────────────────────

  /** Whether operations of the current line remain to be handed out. */
  get queued(): boolean {
    return this.qh < this.qn;
  }

  /** The next queued operation, its buffer resolved; null when the queue is empty. */
  take(): Operation | null {
    if (this.qh >= this.qn) return null;
    const i = this.qh++;
    const op = this.queue[i];
    const bufPid = this.qBuf[i];
    this.aFx = this.qFx[i];
    this.aP1 = this.qP1[i];
    this.aP2 = this.qP2[i];
    // The arrays are reused: emptied by resetting the indexes (setting .length is slow).
    if (this.qh === this.qn) this.qh = this.qn = 0;
    const args = op.args;
    if (bufPid !== NO_BUF) args[1] = this.procs.get(bufPid)?.buf ?? 0;
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

  /** The machine's result for the operation last taken. */
  done(result: number): void {
    const fx = this.aFx;
    this.aFx = Fx.None;
    switch (fx) {
      case Fx.Fd: {
        const d = this.descs.get(this.aP1);
        if (d) d.mfd = result >= 0 ? result : -1;
        if (result >= 0) this.mfdUsed.add(result);
        break;
      }
      case Fx.Pipe: {
        const r = this.descs.get(this.aP1);
        const w = this.descs.get(this.aP2);
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
        const p = this.procs.get(this.aP1);
        if (p && result > 0) p.buf = result;
        break;
      }
      case Fx.Close:
        if (result === 0) this.mfdUsed.delete(this.aArg0);
        break;
      case Fx.Mmap: {
        const p = this.procs.get(this.aP1);
        if (p) p.maps.push([this.aP2, result > 0 ? result : 0, this.aArg1]);
        break;
      }
      case Fx.Aio: {
        const p = this.procs.get(this.aP1);
        if (p && result > 0) p.aio.push(result);
        break;
      }
    }
  }

  // ───────────────────────────── snapshots ─────────────────────────────

  save(offset: number, lineNo: number): ReplayState {
    return {
      offset, lineNo, carry: this.carry, carryLine: this.carryLine,
      descs: [...this.descs.values()].map((d) => ({ ...d })),
      tables: [...this.tables].map(([id, t]) => [id, [...t]]),
      procs: [...this.procs.values()].map((p) => ({ ...p, fdt: undefined, maps: p.maps.map((m) => [m[0], m[1], m[2]] as [number, number, number]), aio: p.aio.slice() })),
      pending: [...this.pending.values()].map((p) => ({ ...p })),
      queue: this.savedQueue(),
      awaiting: [this.aFx, this.aP1, this.aP2, this.aArg0, this.aArg1],
      mfdUsed: [...this.mfdUsed],
      pipes: [...this.pipes],
      ids: [this.nextDesc, this.nextTable, this.nextPipe, this.nextThread],
      time: [this.day, this.lastSec, this.accSec, this.accNs],
      ended: this.ended,
    };
  }

  /** The queue as plain data, each operation copied (the live ones are handed out and may be kept by others). */
  private savedQueue(): QueuedOp[] {
    const out: QueuedOp[] = [];
    for (let i = this.qh; i < this.qn; i++) out.push({ op: copyOp(this.queue[i]), fx: this.qFx[i], p1: this.qP1[i], p2: this.qP2[i], bufPid: this.qBuf[i] });
    return out;
  }

  load(s: ReplayState): void {
    this.gen++;
    this.carry = s.carry;
    this.carryLine = s.carryLine;
    this.descs = new Map(s.descs.map((d) => [d.id, { ...d }]));
    this.tables = new Map(s.tables.map(([id, t]) => [id, new Map(t)]));
    this.procs = new Map(s.procs.map((p) => [p.pid, { ...p, maps: p.maps.map((m) => [m[0], m[1], m[2]] as [number, number, number]), aio: p.aio.slice() }]));
    this.pending = new Map(s.pending.map((p) => [p.pid, { ...p }]));
    this.qh = this.qn = 0;
    for (const q of s.queue) this.push(copyOp(q.op), q.fx, q.p1, q.p2, q.bufPid);
    [this.aFx, this.aP1, this.aP2, this.aArg0, this.aArg1] = s.awaiting;
    this.mfdUsed = new Set(s.mfdUsed);
    this.pipes = new Map(s.pipes);
    [this.nextDesc, this.nextTable, this.nextPipe, this.nextThread] = s.ids;
    [this.day, this.lastSec, this.accSec, this.accNs] = s.time;
    this.ended = s.ended;
  }
}

function mkOp(name: string, args: number[], line: number, col: number, thread: number, text: string | undefined, flagNames: string[] | undefined, recorded: RecordedCall | undefined): Operation {
  // One literal, fields always in the same order: one hidden class for every operation.
  return { name, args, line, col, thread, text, flagNames, recorded };
}

function copyOp(op: Operation): Operation {
  return mkOp(op.name, op.args.slice(), op.line, op.col, op.thread ?? 1, op.text, op.flagNames?.slice(), op.recorded ? { ...op.recorded } : undefined);
}


/** A complete call made from the first half of one whose end never came (or has not come yet). */
function callOf(pend: Pending, r: number, failed: boolean): Call {
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




function isFork(name: string): boolean {
  return name === 'clone' || name === 'clone3' || name === 'fork' || name === 'vfork';
}

/** The CLONE_* flags of a clone/clone3 call (fork and vfork share nothing that matters here). */
function forkFlags(name: string, args: string): number {
  if (name !== 'clone' && name !== 'clone3') return 0;
  return args.includes('CLONE_FILES') ? CLONE_FILES : 0;
}

/**
 * The operations of a strace log, one line after the other, as an OperationSource: the debugger and the CLI run
 * it like a scenario. Its state is the position in the text plus the replay's small tables.
 */
export class StraceSource implements OperationSource {
  private cursor: LineCursor;
  private lineNo = 0;
  private r: Replayer;
  private fast = new FastCall();

  constructor(lines: LineSource, know: Knowledge) {
    this.cursor = lines.open();
    this.r = new Replayer(know, null);
  }

  next(): Operation | null {
    const r = this.r;
    // An operation handed out and never answered (a source used without complete()) counts as failed.
    r.done(-1);
    const cur = this.cursor;
    while (!r.queued) {
      if (r.ended) return null;
      if (!cur.advance()) {
        r.end();
        continue;
      }
      const lineNo = ++this.lineNo;
      // The commonest lines straight from their bytes; any other (or one that needs its text) the general way.
      if (!(fastPath.enabled && parseFast(cur.bytes, cur.start, cur.end, this.fast) && r.lineFast(this.fast, lineNo))) r.line(cur.text(), lineNo);
    }
    return r.take();
  }

  complete(result: number): void {
    this.r.done(result);
  }

  snapshot(): ReplayState {
    return this.r.save(this.cursor.offset, this.lineNo);
  }

  restore(state: unknown): void {
    const s = state as ReplayState;
    this.r.load(s);
    this.cursor.seek(s.offset);
    this.lineNo = s.lineNo;
  }

  peek(): { line: number; col: number } | null {
    const saved = this.snapshot();
    const op = this.next();
    this.restore(saved);
    return op ? { line: op.line, col: op.col } : null;
  }

  /** The processes of the log so far, as `pid N` → thread index (for hover and evaluate). */
  variables(): ReadonlyMap<string, number> {
    const m = new Map<string, number>();
    for (const p of this.r.procs.values()) if (p.pid >= 0) m.set(`pid ${p.pid}${p.name ? ` (${p.name})` : ''}`, p.thread);
    return m;
  }
}
