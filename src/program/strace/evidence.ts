/**
 * What the two passes over a log tell each other. The first pass (scan.ts) replays the log without a machine and
 * watches: every call handler reports what it learns through an Evidence observer (files, sizes, threads, bad
 * lines); the replay proper reports to IGNORE. What the first pass found is then handed to the replay as Knowledge.
 */
import type { LineKind, ParsedLine } from './parse';
import type { DK } from './tables';

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
  /** Regular files the log reads or writes through descriptors it never opened (inherited), by first use. */
  inherited: string[];
  /** The files the machine has when the log begins (the first pass's files()); none in the first pass. */
  existing?: readonly string[];
  /**
   * Regular files a process uses through a descriptor the log never gave it, the log having opened the file earlier
   * (elsewhere): opened on the machine where that use is, not before the log (no shell opened them).
   */
  late?: ReadonlySet<string>;
  /** Byte offsets of the first halves of calls never resumed (Evidence.abandoned): shown at their own line. */
  abandoned: ReadonlySet<number>;
  /** Pipe writes handed to the machine before their end (rw.ts feedPipe), by their first half's offset: the end's. */
  resumed: ReadonlyMap<number, Resumed>;
  /** The lines that repeat the line four before them (repeat.ts), one bit a line; null until the first pass is done. */
  repeats: Int32Array | null;
  /** The lines whose -y decoration the first pass found naming the fd's description (Repeats.named); null before. */
  named: Int32Array | null;
}

/** The second half of a split call: its line's byte offset, its -T duration (ns, NaN without) and result. */
export interface Resumed {
  end: number;
  durNs: number;
  r: number;
}

/** What the first pass learns while the log is replayed (files, sizes, threads); see scan.ts. Positions and sizes in bytes. */
export interface Evidence {
  /** A successful open of `path`; `creates` when the flags make a new, empty file (O_CREAT with O_EXCL or O_TRUNC). */
  opened(path: string, flags: number, creates: boolean, line: number): void;
  /** `n` bytes of `path` read at `pos` (asked: `count`; fewer means the end of the file). */
  read(path: string, pos: number, n: number, count: number): void;
  wrote(path: string, pos: number, n: number): void;
  /** The size of `path` as a stat or an lseek to the end showed it. */
  size(path: string, size: number): void;
  /** The type of `path` from a stat (`S_IFREG`, `S_IFDIR`, ...), or 'dir' from its use as a directory. */
  type(path: string, type: string): void;
  truncated(path: string, length: number): void;
  /**
   * `path` names another file from now on (unlinked, or a rename's target): later sizes do not describe it as it was.
   * `moved`: a rename gave it a file the replay follows, so a later open of it is not of a file from before the log.
   */
  replaced(path: string, moved: boolean): void;
  /** A pipe created in the log holds `bytes` after a write to it, in the order the replay hands calls to the machine. */
  pipeFill(bytes: number): void;
  /** A read of `wanted` bytes from pipe `pipe` at `line` finds only `held` written to it by calls the replay follows. */
  pipeShort(pipe: string, line: number, wanted: number, held: number): void;
  /** fd `fd` of process `pid`, first used at `line`, was open before the log begins (description `id`). */
  inherited(id: number, kind: DK, path: string, fd: number, pid: number, line: number): void;
  /**
   * fd `fd` of process `pid` is named `path` by -y at `line`, where the log had it name `old` (first named at
   * `oldLine`, 0: none) and shows no close and open between them (Core.renamed): taken as closed and `path` opened
   * (`file`: a regular file, simulated).
   */
  rebound(fd: number, pid: number, old: string, oldLine: number, path: string, line: number, file: boolean): void;
  /**
   * Description `id`, fd `fd` of process `pid`, made at `line` by a call whose kind `what` names (`a socketpair(AF_UNIX,
   * SOCK_STREAM) end`): one the model does not simulate; its data calls are reported with unopenedIo.
   */
  /** A successful mmap at `line` of `len` bytes of regular file `path` from byte `offset`: pages the program may fault in unseen. */
  mapped(path: string, offset: number, len: number, line: number): void;
  /** A call at `line` whose arguments strace printed raw, in hex (-e raw=): shown only (dispatch.ts). */
  raw(line: number, name: string): void;
  madeOther(id: number, what: string, path: string, fd: number, pid: number, line: number): void;
  /** `bytes` read or written at `line` through description `id`, not simulated (open before the log, or madeOther). */
  unopenedIo(id: number, fd: number, line: number, bytes: number): void;
  /**
   * An io_uring ring (description `id`, fd `fd` of process `pid`): set up at `line` (`setup`), or entered there:
   * `submitted` entries consumed (the call's result when it submitted), `failed` when it failed.
   */
  uring(id: number, fd: number, pid: number, line: number, setup: boolean, submitted: number): void;
  /**
   * Process `pid`, which no line of the log made, uses fd `fd` (`path`) at `line` as process `holder` has it (opened
   * at `holderLine`, 0: before the log): taken as a thread sharing its descriptors.
   */
  shared(pid: number, fd: number, path: string, holder: number, holderLine: number, line: number): void;
  /** A process (thread) and its name, each time the name changes. */
  thread(thread: number, pid: number, name: string): void;
  /**
   * A complete call that failed with ENOENT: the path it names (if any) was absent, so a later O_CREAT creates it.
   * The call itself is handed over: only the first pass decodes which path that is.
   */
  missing(c: ParsedLine): void;
  /** A call left `<unfinished ...>` at `line` (its first half at byte `at`) whose end never came: shown with no result. */
  abandoned(name: string, line: number, at: number): void;
  /** A pipe write handed to the machine early (first half at byte `at`) is resumed by the line at byte `end`. */
  resumed(at: number, end: number, durNs: number, r: number): void;
  /** A call whose first half was never seen (the log starts in the middle of it). */
  orphan(name: string, line: number): void;
  /** A line that is not strace output. */
  badLine(line: number, message: string): void;
  /** A line of strace's own that is no call: a -k stack frame, a -e read=/write= hex dump, a -c table. */
  annotation(kind: LineKind, line: number): void;
  /** A call whose numbers the model cannot take (not numbers, past its limits): shown, not simulated. */
  unsimulated(line: number, message: string, col?: number): void;
  /** A warning at `line`, `col` about a line the replay still uses (a duration it drops, a timestamp that goes back). */
  lineWarning(line: number, col: number, message: string): void;
  /** Every syscall of the log, with the line where it starts, whether it failed (returned an error; `?`, no result, is no failure), its -T duration and start (ns). */
  syscall(name: string, line: number, failed: boolean, durNs: number, ts: number): void;
  /**
   * The commonest call of a log in one report: a successful read (`reading`, `count` asked) or write of `n` bytes at
   * `pos`, the file position, of regular file `path` ('' unnamed), at `line`; what syscall() and then read() or
   * wrote() report for it, in that order (the first pass makes one call a line, not two).
   */
  plainFile(name: string, line: number, durNs: number, ts: number, path: string, reading: boolean, pos: number, n: number, count: number): void;
  signal(): void;
}

/** The replay's observer: the first pass has already learnt everything. */
class Ignore implements Evidence {
  opened(): void {}
  read(): void {}
  wrote(): void {}
  size(): void {}
  type(): void {}
  truncated(): void {}
  replaced(): void {}
  pipeFill(): void {}
  pipeShort(): void {}
  inherited(): void {}
  rebound(): void {}
  unopenedIo(): void {}
  madeOther(): void {}
  raw(): void {}
  mapped(): void {}
  uring(): void {}
  shared(): void {}
  thread(): void {}
  missing(): void {}
  abandoned(): void {}
  resumed(): void {}
  orphan(): void {}
  badLine(): void {}
  annotation(): void {}
  unsimulated(): void {}
  lineWarning(): void {}
  syscall(): void {}
  plainFile(): void {}
  signal(): void {}
}

export const IGNORE: Evidence = new Ignore();
