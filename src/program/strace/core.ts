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
import { OPEN_FLAGS, findOp, type RecordedCall } from '../../machine/operation';
import { fdOf, firstArg, isDigit, leadingFd, splitArgs, unquote } from './args';
import { IGNORE, type Evidence, type Knowledge } from './evidence';
import { LineKind, ParsedLine } from './parse';
import { PipeLevels } from './pipes';
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
  /** Byte offset of its line in the log. */
  at: number;
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

/** RecordedCall.end of a call never resumed (-1: not split; -2: its end not read yet). */
export const NEVER_RESUMED = -3;

/** Knowledge.inherited's machine descriptor once a rebind closed it (Core.renamed): a later use opens it again. */
const REOPEN = -5;

/** Reads larger than this use the returned count for the buffer (a count of SIZE_MAX is no buffer size). */
export const MAX_BUFFER = 256 * 1024 * 1024;

/** The smallest buffer a process gets, so that a loop of small reads does not allocate at every step. */
const MIN_BUFFER = 64 * 1024;

export class Core {
  readonly t = new Tables();
  readonly q = new OpQueue(this.t);
  pending = new Map<number, Pending>();
  /** Bytes the machine holds in each pipe, as the replay predicts them. */
  pipes = new PipeLevels();
  nextPipe = 1;
  readonly ev: Evidence;
  /** Whether operations are queued for a machine (the replay) or not (the first pass). */
  readonly live: boolean;
  /** The pids whose `+++ exited`/`+++ killed` line the log has, and that line (process.ts); a fork returning one again takes it off. */
  exitedAt = new Map<number, number>();
  /** The line and process of the call being replayed (dispatch.ts sets them). */
  callLine = 0;
  callPid = -1;

  /** The names the machine's files have at this point of the replay (files.ts: open adds, unlink and rename change). */
  readonly onMachine: Set<string>;

  /** `ev`: the first pass's observer; null for the replay proper. */
  constructor(readonly know: Knowledge, ev: Evidence | null) {
    this.ev = ev ?? IGNORE;
    this.live = ev === null;
    this.onMachine = new Set([...(know.existing ?? []), ...know.inherited]);
  }

  // ───────────────────────────── emitting operations ─────────────────────────────

  step(s: StepSpec): void {
    this.q.push(mkOp(s.name, s.args, s.line, s.col, s.thread, s.text, s.flagNames, s.rec), s.fx ?? Fx.None, s.p1 ?? 0, s.p2 ?? 0, s.bufPid ?? NO_BUF);
  }

  /** The recorded facts of a call. */
  recorded(c: Call): RecordedCall {
    return record(c.durNs, c.ts, c.r, c.errno, c.name, c.at, c.end, c.path);
  }

  /**
   * A successful read (`reading`) or write of regular file `d`, open on the machine, at its position, of `n` bytes
   * (`count` asked, for a read) by `proc` at `line`, `col`, its line at byte `at`, started at `ts` and lasting `durNs`
   * (NaN: not recorded): the operation plainIo would queue through readFrom or writeTo and bufOp, made at once (the
   * replay's commonest call, from the fast reader, with no call record in between). False, and nothing done, when
   * the call is any other (not modeled, refused: those go the long way).
   */
  fileIo(proc: Proc, d: Desc, reading: boolean, n: number, count: number, line: number, col: number, at: number, ts: number, durNs: number): boolean {
    if (!this.live || d.kind !== DK.File || d.mfd < 0 || !(n >= 0 && n <= MAX_RW_COUNT)) return false;
    d.pos += n;
    const asked = !reading ? n : count > MAX_BUFFER ? n : count;
    if (proc.bufSize < asked) this.ensureBuf(proc, asked, { line, col });
    const name = reading ? 'read' : 'write';
    this.q.push(mkOp(name, [d.mfd, 0, asked], line, col, proc.thread, undefined, undefined, record(durNs, ts, n, '', name, at, -1, d.path)), Fx.None, 0, 0, proc.pid);
    return true;
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
    this.ev.unsimulated(c.line, `${c.name}: ${why}`, c.col);
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
    // What refusal() accepts, checked without an array (the first pass makes none): numbers within 2^53, an offset
    // within the largest file, a result within MAX_RW_COUNT (read, pread, write and pwrite all move data).
    const fine = Math.abs(mfd) <= Number.MAX_SAFE_INTEGER && Math.abs(count) <= Number.MAX_SAFE_INTEGER && !(c.r > MAX_RW_COUNT) &&
      (offset === undefined || (offset >= 0 && offset <= MAX_FILE_SIZE));
    if (!fine) {
      const why = refusal(c, name, offset === undefined ? [mfd, 0, count] : [mfd, 0, count, offset]);
      if (why !== null) return this.unsimulated(proc, c, why);
    }
    if (!this.live) return;
    const args = offset === undefined ? [mfd, 0, count] : [mfd, 0, count, offset];
    this.ensureBuf(proc, count, c);
    this.q.push(mkOp(name, args, c.line, c.col, proc.thread, undefined, undefined, this.recorded(c)), Fx.None, 0, 0, proc.pid);
  }

  /**
   * Closes on the machine the descriptions a table change left with no reference (Tables.dropped): filp_close when
   * dup2 replaces an fd, close_range, close-on-exec at execve, exit_files at an exit. A call whose result is a status
   * (close_range, execve: `status`) becomes its closes, the first carrying its record (printed as the log's line,
   * modeled as close); any other call (dup2 returns an fd) passes through and its closes follow under its name, as
   * do those of an exit (`c` null, at `line`). A call that closes nothing passes through.
   */
  closeDropped(proc: Proc, c: Call | null, status = false, line = 0): void {
    const gone = this.t.dropped;
    this.t.dropped = [];
    const mine = c !== null && status && !c.early;
    let first = true;
    if (c !== null && !mine) this.pass(proc, c);
    for (const d of gone) {
      if (!this.live || d.mfd < 0 || (c !== null && c.early)) continue;
      const rec = mine ? (first ? this.recorded(c) : this.named(c)) : c ? this.named(c) : undefined;
      const at = c ?? { line, col: 1 };
      // The call's own close counts as its syscall; any other is the kernel's, within the call or the exit.
      const own = mine && first;
      this.step({ name: own ? 'close' : 'release', args: [d.mfd], text: own ? undefined : c ? c.name : 'exit', line: at.line, col: at.col, thread: proc.thread, rec, fx: Fx.Close });
      first = false;
    }
    if (mine && first) this.pass(proc, c);
  }

  /** A call that never returned: shown with no result. */
  abandon(pend: Pending): void {
    this.pending.delete(pend.pid);
    // No result is no failure (the footer counts the calls that returned an error).
    this.ev.syscall(pend.name, pend.line, false, NaN, pend.ts);
    this.ev.abandoned(pend.name, pend.line, pend.at);
    if (pend.early) return;
    const proc = this.t.procs.get(pend.pid);
    if (!this.live || !proc) return;
    const c = callOf(pend, NaN, true);
    // Its end will never be read (logText.ts prints it `= ?`).
    c.end = NEVER_RESUMED;
    this.pass(proc, c);
  }

  // ───────────────────────────── descriptions ─────────────────────────────

  /** A description the current call makes (its line and process are remembered, for messages). */
  newDesc(kind: DK, path: string, flags: number, pipe = -1): Desc {
    const modeled = kind === DK.File || kind === DK.PipeR || kind === DK.PipeW || kind === DK.Socket;
    // In the first pass there is no machine to answer: a modeled description gets a placeholder descriptor.
    return this.t.add(kind, path, flags, pipe, modeled ? (this.live ? -2 : 0) : -1, this.callLine, this.callPid);
  }

  /** descOf for the first argument of a call, read in place (no cutting of the argument text when its -y name is the table's). */
  descAt(proc: Proc, c: Call): Desc | null {
    const fd = leadingFd(c.text, c.argsStart, c.argsEnd);
    if (!(fd >= 0)) return null;
    let d = this.t.known(proc, fd);
    if (d === undefined || !sameDeco(c.text, c.argsStart, c.argsEnd, d)) d = this.descOf(proc, firstArg(c.args), c.line) ?? undefined;
    // The call names what its description names, as the fast path (which reads the line's -y text only to compare it) has it.
    if (d) c.path = d.path;
    return d ?? null;
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
        if (d.path === '' && d.kind === DK.Other) {
          d.path = fdOf(firstArg(arg)).deco;
          d.nameBytes = null;
        }
        else if (!sameDeco(arg, 0, arg.length, d)) return this.renamed(proc, fd, v, d, fdOf(firstArg(arg)).deco, line);
        return d;
      }
    }
    const deco = fdOf(firstArg(arg)).deco;
    // A process no line of the log made (a thread whose clone a -e trace= filter hid, CLONE_FILES) uses the
    // descriptions of the process that holds the same fd with the same -y name.
    if (proc.orphan) {
      const held = this.t.heldElsewhere(proc, fd, deco);
      if (held) {
        // One table, as CLONE_FILES makes it: the thread's closes and the process's are of the same descriptors.
        this.t.joinTable(proc, held.holder);
        // Threads share their process's name (comm) too.
        if (proc.name === '' && held.holder.name !== '') {
          proc.name = held.holder.name;
          this.ev.thread(proc.thread, proc.pid, proc.name);
        }
        this.ev.shared(proc.pid, fd, deco, held.holder.pid, held.desc.line, line);
        return held.desc;
      }
    }
    return this.inherit(proc, fd, deco, line);
  }

  /**
   * fd `fd` of `proc` (table entry `v`, description `d`) is named `deco` by -y at `line`, not what the table has: the
   * same file under a new name (' (deleted)' once unlinked, renamed by a rename in the log: `d` keeps its position and
   * takes the name as its alias), or another file, the log having left out a close and an open (a -e trace= filter,
   * strace attached late). Then, as close and open would: `d` loses the fd (a `release` when that was its last
   * reference, filp_close), and a new description is made for `deco` (a regular file: opened on the machine read-write
   * at offset 0 here, with no syscall: the log shows none), with a warning at the line.
   */
  private renamed(proc: Proc, fd: number, v: number, d: Desc, deco: string, line: number): Desc {
    // The same name escaped (`\303\274`): the line's text differs, the name does not.
    if (deco === d.path || deco === d.alias || deco === '') return d;
    if (d.path === '' || (deco.charCodeAt(0) !== 47 && d.path.charCodeAt(0) !== 47) || deco === `${d.path} (deleted)` || deco === `${d.alias} (deleted)` || this.wasRenamed(d, deco)) {
      d.alias = deco;
      return d;
    }
    const kind = deco.startsWith('/') ? this.know.kindOf(deco) : DK.Other;
    const n = this.t.add(kind, deco, OPEN_FLAGS.O_RDWR, -1, kind === DK.File ? (this.live ? -2 : 0) : -1, line, proc.pid);
    this.ev.rebound(fd, proc.pid, d.alias !== '' ? d.alias : d.path, d.first, deco, line, kind === DK.File);
    if (kind === DK.File) this.ev.opened(deco, OPEN_FLAGS.O_RDWR, false, line);
    this.t.install(proc, fd, n, (v & 1) === 1);
    const gone = this.t.dropped;
    this.t.dropped = [];
    if (!this.live) return n;
    for (const o of gone) {
      if (o.mfd < 0) continue;
      this.step({ name: 'release', args: [o.mfd], text: 'rebind', line, col: 1, thread: proc.thread, rec: { syscall: 'close', path: o.path }, fx: Fx.Close });
      this.q.mfdUsed.delete(o.mfd);
      // A file open before the log that is closed here: a later fd that names it again opens it again (inherit).
      const k = this.q.inheritedMfd.indexOf(o.mfd);
      if (k >= 0) this.q.inheritedMfd[k] = REOPEN;
    }
    if (kind === DK.File) this.openHere(proc, n, line);
    return n;
  }

  /**
   * Opens on the machine, at `line`, the file of description `d` that the log shows open from there on without its
   * open (an `inherit`: no syscall). The call of the line uses it at once, before the machine answers: its descriptor
   * is the one the machine will choose (get_unused_fd_flags: the lowest free above the standard streams), and the
   * answer, when it comes, stands (Fx.Fd).
   */
  private openHere(proc: Proc, d: Desc, line: number): void {
    let m = 3;
    while (this.q.mfdUsed.has(m)) m++;
    this.q.mfdUsed.add(m);
    d.mfd = m;
    this.step({ name: 'inherit', args: [OPEN_FLAGS.O_RDWR], text: d.path, line, col: 1, thread: proc.thread, fx: Fx.Fd, p1: d.id, rec: { syscall: 'openat', path: d.path } });
  }

  /** The renames of the log, old and new name as the call names them (relative to its directory, or absolute). */
  readonly renames: [string, string][] = [];

  /**
   * A successful rename, renameat or renameat2: remembered (-y names an open file by its new name from then on).
   * Returns the old and new name, or null (failed, or a name it cannot tell).
   */
  rename(c: Call): [string, string] | null {
    if (c.failed) return null;
    const a = splitArgs(c.args);
    const at = c.name === 'rename' ? 0 : 1;
    const name = (k: number, dir: string): string => {
      const p = unquote(a[k]);
      return p !== '' && !p.startsWith('/') && dir.startsWith('/') ? dir.replace(/\/$/, '') + '/' + p : p;
    };
    const from = name(at, at === 1 ? fdOf(a[0]).deco : '');
    const to = name(at + 1, at === 1 ? fdOf(a[2]).deco : '');
    if (from === '' || to === '') return null;
    this.renames.push([from, to]);
    return [from, to];
  }

  /** Whether a rename in the log moved the file `d` names to `deco`. */
  private wasRenamed(d: Desc, deco: string): boolean {
    for (const [from, to] of this.renames) {
      if (names(to, deco) && (names(from, d.path) || (d.alias !== '' && names(from, d.alias)))) return true;
    }
    return false;
  }

  /**
   * fd `fd` of `proc`, open before the log begins (inherited from the shell: `gzip -c > out`). A regular file is
   * simulated as that file: the machine opened it read-write at offset 0 before the log's first line (see
   * openInherited). Anything else (a terminal, a pipe, /dev/null) is shown only.
   */
  private inherit(proc: Proc, fd: number, deco: string, line: number): Desc {
    const kind = deco.startsWith('/') ? this.know.kindOf(deco) : DK.Other;
    const d = this.t.add(kind, deco, OPEN_FLAGS.O_RDWR, -1, -1);
    this.t.install(proc, fd, d, false);
    d.first = line;
    this.ev.inherited(d.id, kind, deco, fd, proc.pid, line);
    if (kind === DK.File) {
      // The first pass has no machine: a placeholder that lets the handlers follow the file.
      const k = this.know.inherited.indexOf(deco);
      d.mfd = !this.live ? 0 : k >= 0 ? this.q.inheritedMfd[k] ?? -1 : -1;
      // Its machine file closed at a rebind (Core.renamed), or one the log opened elsewhere before (no shell opened it
      // before the log): opened here.
      if (d.mfd === REOPEN || (this.live && k < 0 && this.know.late?.has(deco))) {
        d.line = line;
        this.openHere(proc, d, line);
      }
    }
    return d;
  }

  /**
   * The regular files the log uses through descriptors it never opened, opened on the machine before its first
   * line (`inherit`: no syscall, as a shell opens them for a redirection), read-write at offset 0.
   */
  openInherited(): void {
    this.know.inherited.forEach((path, k) => {
      this.step({ name: 'inherit', args: [OPEN_FLAGS.O_RDWR], text: path, line: 1, col: 1, thread: 1, fx: Fx.Inherit, p1: k, rec: { path } });
    });
  }

  // ───────────────────────────── pipes ─────────────────────────────

  /** `n` bytes written to pipe `pipe`: as many as fit. */
  fillPipe(pipe: number, n: number): void {
    const used = this.pipes.get(pipe) ?? 0;
    const now = used + Math.min(n, this.know.pipeCapacity - used);
    this.pipes.set(pipe, now);
    this.ev.pipeFill(now);
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
 * past 2^53; an offset past the largest file (ext4's 16 TiB; lseek's may be negative, splice's -1 is none, others
 * not); a call that moved more than Linux moves in one (a log that says so is damaged).
 */
function refusal(c: Call, name: string, args: number[]): string | null {
  const spec = findOp(name);
  for (let i = 0; i < args.length; i++) {
    const v = args[i];
    const arg = spec?.args[i];
    // Named only when refused (a call that is fine makes no string).
    if (Number.isNaN(v)) return `${argName(arg, i)} is not a number`;
    if (!(Math.abs(v) <= Number.MAX_SAFE_INTEGER)) return `${argName(arg, i)} is past 2^53, the largest number the model counts exactly`;
    // splice's offsets are -1 where the log has NULL (the file position is used).
    const none = v === -1 && name === 'splice';
    // A negative position: Linux refuses it with EINVAL (rw_verify_area, ksys_pread64), so no successful call has one.
    if (arg?.kind === 'offset' && !none && v < 0 && name !== 'lseek') return `${argName(arg, i)} ${v} is negative, which Linux refuses (EINVAL, rw_verify_area) before it moves a byte: a successful call cannot have it`;
    if (arg?.kind === 'offset' && !none && (v > MAX_FILE_SIZE || v < -MAX_FILE_SIZE)) {
      return `${argName(arg, i)} ${v} is past the largest file the model holds (ext4 with 4 KiB blocks: ${MAX_FILE_SIZE} bytes)`;
    }
  }
  if (c.r > MAX_RW_COUNT && MOVES.has(name)) return `it returned ${c.r}, more than one call moves in Linux (MAX_RW_COUNT, ${MAX_RW_COUNT} bytes)`;
  return null;
}

/** How refusal's messages name argument `i` of an operation. */
function argName(arg: { name: string } | undefined, i: number): string {
  return arg ? `the ${arg.name}` : `argument ${i + 1}`;
}

/** The recorded facts of a call (RecordedCall): one shape for every record (absent facts are undefined, not missing). */
function record(durNs: number, ts: number, r: number, errno: string, name: string, at: number, end: number, path: string): RecordedCall {
  return {
    durationNs: Number.isNaN(durNs) ? undefined : durNs,
    timestampNs: Number.isNaN(ts) ? undefined : ts,
    // A result past 2^53 would be shown rounded (…993 as …992): it is not shown at all (replay.ts warns).
    result: Number.isSafeInteger(r) ? r : undefined,
    errno: errno === '' ? undefined : errno,
    syscall: name,
    at,
    end,
    path: path === '' ? undefined : path,
  };
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
  c.at = pend.at;
  // Its end is in a line not read yet, or never written (the call did not return).
  c.end = -2;
  if (Number.isNaN(r)) c.retText = '?';
  return c;
}

/**
 * Whether the -y decoration after the descriptor that s[from, end) starts with names description `d` (its name or its
 * alias); true without a decoration (nothing to compare).
 */
export function sameDeco(s: string, from: number, end: number, d: Desc): boolean {
  let i = from;
  while (i < end && s.charCodeAt(i) === 32) i++;
  while (i < end && isDigit(s.charCodeAt(i))) i++;
  if (i >= end || s.charCodeAt(i) !== 60) return true;
  return decoIs(s, i + 1, end, d.path) || (d.alias !== '' && decoIs(s, i + 1, end, d.alias));
}

/** Whether s[at, end) starts with decoration text `name` and its closing '>' (then the argument's end, or `(deleted)`). */
function decoIs(s: string, at: number, end: number, name: string): boolean {
  const k = at + name.length;
  if (k >= end || s.charCodeAt(k) !== 62 || !s.startsWith(name, at)) return false;
  const next = k + 1 < end ? s.charCodeAt(k + 1) : 44;
  // strace 6 prints a deleted file's mark after the decoration: `3</tmp/x>(deleted)`, the same file.
  return next === 44 || next === 41 || next === 32 || next === 40;
}

/** Whether a path as a call names it (`p`: absolute, or relative to a directory the log does not show) is `full`. */
function names(p: string, full: string): boolean {
  return p === full || (!p.startsWith('/') && full.endsWith(`/${p}`));
}
