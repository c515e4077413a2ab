/**
 * The first pass over a log: an Evidence observer the replay reports to while it follows the log without a machine.
 * It learns which paths are regular files and how large they were before the log changed them, which are
 * directories or devices, how big the pipes must be, the processes and their names, the lines that hold calls, and
 * the lines it could not read.
 */
import { MAX_FILE_SIZE } from '../../machine/limits';
import type { FileSpec } from '../../machine/machine';
import { type Diagnostic, LineRanges } from '../diagnostics';
import type { Evidence, Resumed } from './evidence';
import { pathArg } from './files';
import type { LineKind, ParsedLine } from './parse';
import { DK } from './tables';

/** Diagnostics kept for bad lines; past this many, one more says how many were left out. */
const MAX_DIAGNOSTICS = 200;

/** Path prefixes that never name a regular file the model should simulate. */
const SPECIAL = ['/dev/', '/proc/', '/sys/'];

interface PathInfo {
  /** From stats: S_IFREG, S_IFDIR, S_IFCHR, ...; 'dir' from use as a directory; '' unknown. */
  type: string;
  opened: boolean;
  /** The first open created it empty (O_CREAT with O_EXCL or O_TRUNC): it did not exist, or its content did not matter. */
  created: boolean;
  /** The log showed it absent before any open: it did not exist when the log began. */
  missing: boolean;
  /** Written (or truncated) since: later sizes describe the new content, not the file as it was. */
  modified: boolean;
  /** The size it had before the log changed it: at least this (from reads), exactly this when `exact`. */
  size: number;
  exact: boolean;
  /** The line of its first open in the log; 0: none. */
  openLine: number;
}

/** What a strace log holds, besides the operations: counts for the CLI's summary and the debugger. */
export interface StraceInfo {
  lines: number;
  /** Calls in the log (a split call counts once). */
  syscalls: number;
  failed: number;
  /** Calls by name, in order of first appearance. */
  byName: Map<string, number>;
  signals: number;
  badLines: number;
  /** Processes (and threads), by the thread index the operations carry. */
  threads: Map<number, { pid: number; name: string }>;
  /** Sum of the -T durations, in ns (NaN without -T). */
  recordedSyscallNs: number;
  /** From the first timestamp to the last, in ns (NaN without timestamps). */
  recordedSpanNs: number;
  /** Descriptors used but never opened in the log whose path is a regular file (their I/O is not simulated). */
  inherited: string[];
  /** The file ranges the log maps (mmap of a file), in pages [first, last], with the mmap's line (check.ts). */
  mapped: { path: string; first: number; last: number; line: number }[];
  /** The pipe capacity the replay gives the machine (large enough for the log's largest pipe write). */
  pipeBytes: number;
}

/**
 * A description whose data calls the model does not simulate: open before the log (`made` 0), or made at line `made`
 * by a call `what` names; its fd and process when first used, its data calls (the first at line `first`) and bytes.
 */
export interface Unsimulated {
  fd: number;
  path: string;
  pid: number;
  first: number;
  calls: number;
  bytes: number;
  made: number;
  what: string;
}

/** The first pass's observer; once the log has been read, load.ts asks it for files(), kindOf() and the rest. */
export class Scan implements Evidence {
  paths = new Map<string, PathInfo>();
  /** Directories: every ancestor of a path seen, and paths used as one. */
  dirs = new Set<string>();
  diagnostics: Diagnostic[] = [];
  /**
   * Lines where calls start, one bit a line (a million-line log: 128 KiB); a split call marks the line of its
   * first half, which may come before lines already marked.
   */
  callLines = new Int32Array(1024);
  nCallLines = 0;
  /**
   * The most bytes a pipe holds at once in the replay's order. The replay completes a call at once, where Linux lets
   * a blocked writer put part of its bytes in, sleep until the reader drains them, then finish: a write whose end
   * the log prints before its reader's end holds all its bytes in the pipe at once.
   */
  maxPipeFill = 0;
  /** Pipes already warned about for reads of bytes no followed call wrote. */
  private shortPipes = new Set<string>();
  /** Warnings left out past MAX_DIAGNOSTICS, and their lines. */
  readonly left = new LineRanges();
  /** strace's own lines that are no calls, by kind (LineKind.Stack, HexDump, Summary): how many, first and last line. */
  annotations = new Map<LineKind, { count: number; first: number; last: number }>();
  orphans = 0;
  /** Knowledge.abandoned and Knowledge.resumed, as the first pass finds them. */
  readonly abandonedAt = new Set<number>();
  readonly resumedAt = new Map<number, Resumed>();
  info: StraceInfo = {
    lines: 0, syscalls: 0, failed: 0, byName: new Map(), signals: 0, badLines: 0, threads: new Map(),
    recordedSyscallNs: NaN, recordedSpanNs: NaN, inherited: [], mapped: [], pipeBytes: 0,
  };
  /** The earliest and latest call start (ns), and the sum of the -T durations (NaN: none yet); see timed(). */
  private firstTs = NaN;
  private lastTs = NaN;
  private durSum = NaN;
  /** plainFile's counts of reads and of writes, and the name each counts (read or pread64, write or pwrite64). */
  private plainNames = ['', ''];
  private plainCounts = [0, 0];
  /** The path plainFile read last and its entry; the path it wrote last. */
  private readPath = '';
  private readInfo: PathInfo | null = null;
  private writtenPath = '';
  private inheritedSeen = new Set<string>();
  /** Knowledge.late: files used through a descriptor the log never gave, after the log opened them elsewhere. */
  readonly late = new Set<string>();
  /** Descriptions open before the log begins that the model does not simulate, by id: what went through them. */
  unopened = new Map<number, Unsimulated>();
  /** Calls printed raw (-e raw=): how many, the first's line, their names (the first few). */
  readonly rawCalls = { count: 0, first: 0, names: [] as string[] };
  private sharedSeen = new Set<string>();
  /** io_uring rings, by description id: where they were set up (0: before the log), their io_uring_enter calls. */
  rings = new Map<number, { fd: number; pid: number; setup: number; first: number; calls: number; submitted: number }>();

  /**
   * The two paths asked for last and their entries: a loop of reads asks for the same one line after line, a copy
   * for two in turn.
   */
  private lastPath = '';
  private lastInfo: PathInfo | null = null;
  private prevPath = '';
  private prevInfo: PathInfo | null = null;
  /**
   * Calls counted by name since they were last added to info.byName, for the few names seen most recently (a log
   * is mostly the same few calls): a count costs a comparison, not two map lookups. flush() adds them up.
   */
  private recentNames: string[] = [];
  private recentCounts: number[] = [];
  /** The slot the next name not among them takes. */
  private nextRecent = 0;
  /** The slots of the last two names counted. */
  private hitA = 0;
  private hitB = 0;

  private path(p: string): PathInfo {
    if (p === this.lastPath && this.lastInfo !== null) return this.lastInfo;
    let info: PathInfo | null | undefined = p === this.prevPath ? this.prevInfo : null;
    if (!info) info = this.paths.get(p);
    if (!info) {
      info = { type: '', opened: false, created: false, missing: false, modified: false, size: 0, exact: false, openLine: 0 };
      this.paths.set(p, info);
      for (let k = p.lastIndexOf('/'); k >= 0; k = k === 0 ? -1 : p.lastIndexOf('/', k - 1)) {
        const dir = k === 0 ? '/' : p.slice(0, k);
        if (dir === p || this.dirs.has(dir)) break;
        this.dirs.add(dir);
      }
    }
    this.prevPath = this.lastPath;
    this.prevInfo = this.lastInfo;
    this.lastPath = p;
    this.lastInfo = info;
    return info;
  }

  /** A warning on 1-based line `line`, up to MAX_DIAGNOSTICS of them. */
  warn(line: number, message: string, col = 1): void {
    if (this.diagnostics.length >= MAX_DIAGNOSTICS) {
      this.left.add(line);
      return;
    }
    this.diagnostics.push({ severity: 'warning', line, col, endLine: line, endCol: col, message });
  }

  opened(path: string, _flags: number, creates: boolean, line: number): void {
    const info = this.path(path);
    if (info.openLine === 0) info.openLine = line;
    if (!info.opened && creates) {
      info.created = true;
      info.modified = true;
    }
    info.opened = true;
  }
  read(path: string, pos: number, n: number, count: number): void {
    this.sized(this.path(path), pos, n, count);
  }
  /** What a read of `n` bytes at `pos` (`count` asked) tells of the size of the file `info` is of. */
  private sized(info: PathInfo, pos: number, n: number, count: number): void {
    // Past the largest file the model holds, a position says nothing it can use (the call is not simulated).
    if (info.modified || !(n >= 0) || !(pos >= 0) || !(pos + n <= MAX_FILE_SIZE)) return;
    if (n > 0 && pos + n > info.size) info.size = pos + n;
    // A short read of a regular file ends at its end.
    if (n < count && !info.exact && pos + n >= info.size) {
      info.size = pos + n;
      info.exact = true;
    }
  }
  wrote(path: string, _pos: number, n: number): void {
    if (n > 0) this.path(path).modified = true;
  }
  size(path: string, size: number): void {
    const info = this.path(path);
    if (info.modified || !(size >= 0) || !(size <= MAX_FILE_SIZE)) return;
    if (!info.exact || size > info.size) info.size = size;
    info.exact = true;
  }
  type(path: string, type: string): void {
    const info = this.path(path);
    if (info.type === '' || type !== 'dir') info.type = type;
    if (type === 'dir' || type === 'S_IFDIR') this.dirs.add(path);
  }
  truncated(path: string): void {
    this.path(path).modified = true;
  }
  /** A rename that brought `path` a file the replay follows (`moved`) makes it no file from before the log. */
  replaced(path: string, moved: boolean): void {
    const info = this.path(path);
    info.modified = true;
    info.missing ||= moved && !info.opened;
  }
  pipeFill(bytes: number): void {
    if (bytes > this.maxPipeFill) this.maxPipeFill = bytes;
  }
  pipeShort(pipe: string, line: number, wanted: number, held: number): void {
    if (this.shortPipes.has(pipe)) return;
    this.shortPipes.add(pipe);
    this.warn(line, `${pipe || 'a pipe'}: this read got ${wanted} bytes, but the calls the replay simulates put only ${held} in the pipe (the rest came through calls it does not simulate, or from a process the log does not show): the model reads ${held}`);
  }
  inherited(id: number, kind: DK, path: string, fd: number, pid: number, line: number): void {
    if (kind !== DK.File) {
      // Pipes and sockets carry data the model would simulate had the log opened them, and an fd with no -y
      // decoration may be anything; a terminal or /dev/null is a device the model never simulates, opened in the log
      // or not.
      if (path === '' || /^(?:pipe|socket|TCP|TCPv6|UDP|UDPv6|UNIX|NETLINK):/.test(path)) this.unopened.set(id, { fd, path, pid, first: 0, calls: 0, bytes: 0, made: 0, what: '' });
      return;
    }
    if (this.inheritedSeen.has(path)) return;
    this.inheritedSeen.add(path);
    const openLine = this.paths.get(path)?.openLine ?? 0;
    if (openLine > 0) this.late.add(path);
    else this.info.inherited.push(path);
    // Open before the log, the file existed (its size is what the log shows it to be).
    const info = this.path(path);
    info.opened = true;
    if (openLine > 0) {
      this.warn(line, `fd ${fd}${pid >= 0 ? ` of pid ${pid}` : ''} names ${path}, which the log opened at line ${openLine} but not as this fd of this process (or the clone that shares it is not in the log): simulated as that file, opened read-write at offset 0`);
    } else {
      this.warn(line, `fd ${fd} (${path}) was open before the log begins (a shell redirection, or an open a -e trace= filter left out of the log): simulated as that file, opened read-write at offset 0`);
    }
  }
  rebound(fd: number, pid: number, old: string, oldLine: number, path: string, line: number, file: boolean): void {
    const what = file ? `${path} opened read-write at offset 0` : `${path} taken as open (not simulated)`;
    this.warn(line, `fd ${fd}${pid >= 0 ? ` of pid ${pid}` : ''} names ${path} here, but ${old} before (first at line ${oldLine}), and the log shows no close/open between them (a -e trace= filter leaves them out, or strace attached late): taken as closed and ${what}`);
  }
  mapped(path: string, offset: number, len: number, line: number): void {
    if (this.info.mapped.length < 100000) this.info.mapped.push({ path, first: Math.floor(offset / 4096), last: Math.floor((offset + len - 1) / 4096), line });
  }
  raw(line: number, name: string): void {
    const r = this.rawCalls;
    if (r.count === 0) r.first = line;
    r.count++;
    if (r.names.length < 8 && !r.names.includes(name)) r.names.push(name);
  }
  madeOther(id: number, what: string, path: string, fd: number, pid: number, line: number): void {
    this.unopened.set(id, { fd, path, pid, first: 0, calls: 0, bytes: 0, made: line, what });
  }
  unopenedIo(id: number, fd: number, line: number, bytes: number): void {
    const u = this.unopened.get(id);
    if (!u) return;
    if (u.calls === 0) {
      u.first = line;
      if (fd >= 0) u.fd = fd;
    }
    u.calls++;
    if (bytes > 0) u.bytes += bytes;
  }
  uring(id: number, fd: number, pid: number, line: number, setup: boolean, submitted: number): void {
    let ring = this.rings.get(id);
    if (!ring) this.rings.set(id, (ring = { fd, pid, setup: 0, first: 0, calls: 0, submitted: 0 }));
    if (setup) {
      ring.setup = line;
      return;
    }
    if (ring.calls === 0) ring.first = line;
    ring.calls++;
    if (submitted > 0) ring.submitted += submitted;
  }
  shared(pid: number, fd: number, path: string, holder: number, holderLine: number, line: number): void {
    const key = `${pid} ${holder}`;
    if (this.sharedSeen.has(key)) return;
    this.sharedSeen.add(key);
    const opened = holderLine > 0 ? `opened at line ${holderLine}` : 'had open before the log begins';
    this.warn(line, `pid ${pid} uses fd ${fd} (${path}), which pid ${holder} ${opened}, and the log shows no clone between them (a -e trace= filter leaves clone out): taken as a thread of pid ${holder}, sharing its descriptors`);
  }
  abandoned(name: string, line: number, at: number): void {
    this.abandonedAt.add(at);
    this.warn(line, `${name}: unfinished call never resumed (no \`<... ${name} resumed>\` line follows): shown with no result`);
  }
  resumed(at: number, end: number, durNs: number, r: number): void {
    this.resumedAt.set(at, { end, durNs, r });
  }
  thread(thread: number, pid: number, name: string): void {
    this.info.threads.set(thread, { pid, name });
  }
  missing(c: ParsedLine): void {
    const path = pathArg(c);
    if (!path) return;
    const info = this.path(path);
    if (!info.opened) info.missing = true;
  }
  orphan(name: string, line: number): void {
    this.orphans++;
    this.warn(line, `'<... ${name} resumed>' without its '${name}(... <unfinished ...>' line: the call's first arguments are missing`);
  }
  annotation(kind: LineKind, line: number): void {
    const a = this.annotations.get(kind);
    if (a) {
      a.count++;
      a.last = line;
    } else {
      this.annotations.set(kind, { count: 1, first: line, last: line });
    }
  }
  badLine(line: number, message: string): void {
    this.info.badLines++;
    this.warn(line, `skipped: ${message}`);
  }
  unsimulated(line: number, message: string, col = 1): void {
    this.warn(line, `${message}: shown, not simulated`, col);
  }
  lineWarning(line: number, col: number, message: string): void {
    this.warn(line, message, col);
  }
  syscall(name: string, line: number, failed: boolean, durNs: number, ts: number): void {
    const info = this.info;
    info.syscalls++;
    if (failed) info.failed++;
    this.count(name);
    this.timed(line, durNs, ts);
  }
  plainFile(name: string, line: number, durNs: number, ts: number, path: string, reading: boolean, pos: number, n: number, count: number): void {
    this.info.syscalls++;
    // Counted apart by name (read, write, pread64, pwrite64): flush() adds them to info.byName, which keeps the
    // order of first appearance because a name's entry is made the first time it is seen.
    const k = reading ? 0 : 1;
    if (this.plainNames[k] !== name) this.plainSlot(k, name);
    this.plainCounts[k]++;
    this.timed(line, durNs, ts);
    if (path === '') return;
    // A loop reads one file and writes another: each side keeps the entry it used last (entries stay, and a file
    // once written stays modified).
    if (reading) {
      if (path !== this.readPath) {
        this.readInfo = this.path(path);
        this.readPath = path;
      }
      this.sized(this.readInfo!, pos, n, count);
    } else if (n > 0 && path !== this.writtenPath) {
      this.wrote(path, pos, n);
      this.writtenPath = path;
    }
  }
  /** plainFile's counter `k` now counts `name`: the counts of the name it had go to info.byName. */
  private plainSlot(k: number, name: string): void {
    const byName = this.info.byName;
    const old = this.plainNames[k];
    if (old !== '') byName.set(old, byName.get(old)! + this.plainCounts[k]);
    this.plainCounts[k] = 0;
    this.plainNames[k] = name;
    if (!byName.has(name)) byName.set(name, 0);
  }
  /**
   * A call's duration, start and line (syscall's part that every call shares): the sums and bounds are kept here and
   * written to info by flush() (info.recordedSyscallNs and recordedSpanNs are read once the log has been read).
   */
  private timed(line: number, durNs: number, ts: number): void {
    if (durNs >= 0) this.durSum = this.durSum === this.durSum ? this.durSum + durNs : durNs;
    if (ts === ts) {
      // A log's times mostly go forward: one comparison.
      if (ts > this.lastTs) this.lastTs = ts;
      else if (!(ts <= this.lastTs)) this.lastTs = ts;
      if (!(ts >= this.firstTs)) this.firstTs = ts;
    }
    const w = line >>> 5;
    if (w >= this.callLines.length) {
      const bigger = new Int32Array(Math.max(this.callLines.length * 2, w + 1));
      bigger.set(this.callLines);
      this.callLines = bigger;
    }
    const bit = 1 << (line & 31);
    if ((this.callLines[w] & bit) === 0) {
      this.callLines[w] |= bit;
      this.nCallLines++;
    }
  }
  signal(): void { this.info.signals++; }

  private count(name: string): void {
    const names = this.recentNames;
    // The slots of the last two names counted first: a loop of reads, or of reads and writes in turn.
    const a = this.hitA;
    if (names[a] === name) {
      this.recentCounts[a]++;
      return;
    }
    const b = this.hitB;
    if (names[b] === name) {
      this.recentCounts[b]++;
      this.hitA = b;
      this.hitB = a;
      return;
    }
    for (let k = 0; k < names.length; k++) {
      if (names[k] === name) {
        this.recentCounts[k]++;
        this.hitB = a;
        this.hitA = k;
        return;
      }
    }
    // Seen for the first time, or not lately: counted in the map at once (which keeps the order of first appearance).
    const byName = this.info.byName;
    byName.set(name, (byName.get(name) ?? 0) + 1);
    if (names.length < 8) {
      names.push(name);
      this.recentCounts.push(0);
    } else {
      const k = this.nextRecent;
      this.nextRecent = (k + 1) & 7;
      byName.set(names[k], byName.get(names[k])! + this.recentCounts[k]);
      names[k] = name;
      this.recentCounts[k] = 0;
    }
  }

  /** Adds the recent counts to info.byName (once the log has been read). */
  flush(): void {
    const info = this.info;
    const byName = info.byName;
    for (let k = 0; k < 2; k++) {
      const name = this.plainNames[k];
      if (name !== '') byName.set(name, byName.get(name)! + this.plainCounts[k]);
      this.plainCounts[k] = 0;
    }
    if (this.durSum === this.durSum) info.recordedSyscallNs = this.durSum;
    if (this.firstTs === this.firstTs) info.recordedSpanNs = this.lastTs - this.firstTs;
    for (let k = 0; k < this.recentNames.length; k++) {
      const name = this.recentNames[k];
      byName.set(name, byName.get(name)! + this.recentCounts[k]);
      this.recentCounts[k] = 0;
    }
  }

  /** The lines where calls start, in order (preallocated and filled in place: small integers stay unboxed). */
  executableLines(): number[] {
    const out: number[] = new Array<number>(this.nCallLines);
    const bits = this.callLines;
    let k = 0;
    for (let w = 0; w < bits.length; w++) {
      let v = bits[w];
      while (v !== 0) {
        const low = v & -v;
        out[k++] = w * 32 + 31 - Math.clz32(low);
        v ^= low;
      }
    }
    return out;
  }

  /** What a path is, once the whole log has been read. */
  kindOf(path: string): DK {
    if (SPECIAL.some((s) => path.startsWith(s))) return DK.Other;
    if (this.dirs.has(path)) return DK.Dir;
    const info = this.paths.get(path);
    if (!info) return DK.File;
    if (info.type === 'dir' || info.type === 'S_IFDIR') return DK.Dir;
    if (info.type !== '' && info.type !== 'S_IFREG') return DK.Other;
    return DK.File;
  }

  /** The files that existed before the log began, with the sizes the log shows them to have had. */
  files(): FileSpec[] {
    const out: FileSpec[] = [];
    for (const [path, info] of this.paths) {
      if (!info.opened || info.created || info.missing || this.kindOf(path) !== DK.File) continue;
      out.push({ path, size: info.size });
    }
    return out;
  }
}

/** Provisional answers while the first pass runs: only what the path itself says. */
export function provisionalKind(path: string): DK {
  return SPECIAL.some((s) => path.startsWith(s)) ? DK.Other : DK.File;
}
