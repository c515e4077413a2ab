/**
 * What the two passes over a log tell each other. The first pass (scan.ts) replays the log without a machine and
 * watches: every call handler reports what it learns through an Evidence observer (files, sizes, threads, bad
 * lines); the replay proper reports to IGNORE. What the first pass found is then handed to the replay as Knowledge.
 */
import type { ParsedLine } from './parse';
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
}

/** What the first pass learns while the log is replayed (files, sizes, threads); see scan.ts. Positions and sizes in bytes. */
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
  /**
   * A complete call that failed with ENOENT: the path it names (if any) was absent, so a later O_CREAT creates it.
   * The call itself is handed over: only the first pass decodes which path that is.
   */
  missing(c: ParsedLine): void;
  /** A call whose first half was never seen (the log starts in the middle of it). */
  orphan(name: string, line: number): void;
  /** A line that is not strace output. */
  badLine(line: number, message: string): void;
  /** A call whose numbers the model cannot take (not numbers, past its limits): shown, not simulated. */
  unsimulated(line: number, message: string): void;
  /** Every syscall of the log, with the line where it starts, whether it failed, its -T duration and start (ns). */
  syscall(name: string, line: number, failed: boolean, durNs: number, ts: number): void;
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
  pipeWrite(): void {}
  inherited(): void {}
  thread(): void {}
  missing(): void {}
  orphan(): void {}
  badLine(): void {}
  unsimulated(): void {}
  syscall(): void {}
  signal(): void {}
}

export const IGNORE: Evidence = new Ignore();
