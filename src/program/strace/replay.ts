/**
 * Turns the calls of a strace log into the machine's operations, one log line after the other.
 *
 * The log speaks of processes, each with its own descriptor table, and of descriptors the model never sees opened
 * (fd 1 inherited from the shell, an eventfd, a netlink socket). The machine has one descriptor table and knows
 * only files, pipes and TCP sockets. So the replay keeps, per process, the log's table — log fd → open file
 * description, shared by dup and fork as in Linux (tables.ts) — and each description knows the machine descriptor
 * that models it, if any. I/O on a modeled description becomes a machine operation; everything else becomes a
 * `syscall` operation that costs a syscall's entry and exit and is shown, never dropped.
 *
 * Reads and writes need a user buffer in the machine: each process gets one (an `alloc` before its first read),
 * grown when a larger one is needed. Operations whose arguments depend on an earlier result (the buffer's address,
 * a machine descriptor) are resolved when they are handed out (queue.ts).
 *
 * This file reads the lines: each one (feed) through the fast reader (fast.ts) or the general parser (parse.ts),
 * the halves of split calls joined, then handed to the call's handler (dispatch.ts). Both passes over a log run
 * this same loop; see core.ts for how they differ.
 *
 * All state is plain data (numbers, strings, small arrays) so that save() is a cheap copy: the position in the text,
 * the tables, the pending halves of unfinished calls and the few operations queued for the current line.
 */
import { leadingFd } from './args';
import { Clock } from './clock';
import { Core, sameDeco, type Pending } from './core';
import type { Evidence, Knowledge } from './evidence';
import { replayCall } from './dispatch';
import { FastCall, FastKind, FastOp, fastPath, parseFast } from './fast';
import { MAX_LINE, type LineCursor } from './lines';
import type { LastCall } from './logText';
import { namedPath } from './named';
import { LineKind, ParsedLine, parseLine } from './parse';
import { afterExit, exited, procOf } from './process';
import type { QueueState } from './queue';
import { PipeLevels } from './pipes';
import { Repeats } from './repeat';
import { plainArgs, plainIo, scanPipe, scanTakes } from './rw';
import { DK, type Desc, type Proc, type TablesState } from './tables';

export interface ReplayState extends TablesState, QueueState {
  /** Where the next line starts in the text, and its number less one. */
  offset: number;
  lineNo: number;
  carry: string;
  carryLine: number;
  carryAt: number;
  pending: Pending[];
  pipes: [number, number][];
  /** [next description id, next table id, next pipe id, next thread index]. */
  ids: number[];
  /** Clock.save(). */
  time: number[];
  /** Core.exitedAt. */
  exited: [number, number][];
  ended: boolean;
}

/** Slots of the fast path's lookup cache (a power of two). */
const LOOKUPS = 16;

/**
 * The replay proper (`ev` null: operations are queued for a machine), or the first pass (`ev` given: it only follows
 * the log's state and reports evidence). Feed it lines, then end().
 */
export class Replayer extends Core {
  private readonly clock: Clock;
  /** A call cut by a note strace printed in its middle (`...SIGCHLDstrace: Process 12 attached`). */
  carry = '';
  carryLine = 0;
  ended = false;
  /** The first pass: the latest timestamp (ns) of each pid and its line (stamped()). */
  private readonly lastStamp = new Map<number, [number, number]>();
  private stampPid = -2;
  private stampTs = 0;
  private stampLine = 0;
  /** Lines read so far (the number of the last one). */
  lineNo = 0;
  /** Byte offset of the line being read (where its call's text can be found again). */
  lineAt = 0;
  /** Byte offset of the line a call cut by a strace note started on. */
  carryAt = 0;
  /** The fast reader's calls, and which lines repeat the line four before (the first pass finds them). */
  readonly repeats: Repeats;
  /** The call object of the fast path: one for every line it takes (nothing keeps it past the line). */
  private readonly fc = new ParsedLine(LineKind.Call, -1, NaN, NaN, false);
  /**
   * Recent lookups of the fast path, (pid, fd) → process and description, direct-mapped: valid while the tables'
   * `gen` has not moved.
   */
  private readonly lkGen = new Float64Array(LOOKUPS);
  private readonly lkPid = new Int32Array(LOOKUPS);
  private readonly lkFd = new Int32Array(LOOKUPS);
  private readonly lkProc: (Proc | null)[] = new Array<Proc | null>(LOOKUPS).fill(null);
  private readonly lkDesc: (Desc | null)[] = new Array<Desc | null>(LOOKUPS).fill(null);

  /** `last`: where the replay proper leaves the complete call line it read last, for the printer (logText.ts). */
  constructor(know: Knowledge, ev: Evidence | null, private readonly last: LastCall | null = null) {
    super(know, ev);
    this.clock = new Clock(know);
    this.repeats = new Repeats(ev === null ? know.repeats ?? new Int32Array(0) : undefined, ev === null ? know.named ?? new Int32Array(0) : undefined);
  }

  /** Reads the next line of `cur` and replays it; false at the end of the text (then call end()). */
  feed(cur: LineCursor): boolean {
    const at = cur.offset;
    if (!cur.advance()) return false;
    const lineNo = ++this.lineNo;
    this.lineAt = at;
    if (cur.long >= 0) {
      this.ev.badLine(lineNo, `a line of ${cur.long} bytes, longer than the ${MAX_LINE} a line may have`);
      return true;
    }
    // The commonest lines straight from their bytes; any other (or one that needs its text) the general way.
    if (fastPath.enabled) {
      const f = this.live ? this.again(cur, lineNo) : this.repeats.scan(cur.bytes, cur.start, cur.end, lineNo);
      if (f !== null) {
        if (f.kind === FastKind.Call && f.callEnd >= 0 && this.last !== null) this.last.set(at, cur, f);
        if (this.lineFast(f, lineNo, cur.bytes)) return true;
      }
    }
    this.line(cur.text(), lineNo);
    return true;
  }

  /**
   * The replay's fast reading of the current line: from the line four before when the first pass found it repeats it
   * (repeat.ts), in full otherwise; null when the fast reader does not take it.
   */
  private again(cur: LineCursor, lineNo: number): FastCall | null {
    const rep = this.repeats;
    const f = rep.again(cur.bytes, cur.start, cur.end, lineNo);
    if (f !== null) return f;
    const g = rep.into(lineNo);
    const ok = parseFast(cur.bytes, cur.start, cur.end, g);
    rep.read(lineNo, ok);
    return ok ? g : null;
  }

  /** Handles one line of the log (1-based number). */
  line(text: string, lineNo: number): void {
    let p: ParsedLine;
    let line = lineNo;
    let at = this.lineAt;
    if (this.carry !== '') {
      line = this.carryLine;
      at = this.carryAt;
      p = parseLine(this.carry + text);
      this.carry = '';
    } else {
      p = parseLine(text);
    }
    const ts = Number.isNaN(p.tsSec) ? NaN : this.clock.at(p.tsSec, p.tsNs, p.tsTod);
    if (!this.live && !Number.isNaN(ts)) this.stamped(p.pid, ts, line);
    // At the line that has it (a resumed call's end, not its first half).
    if (p.durBad !== '') this.ev.lineWarning(line, p.durCol, `${p.name}: the duration ${p.durBad} is none strace prints (-T gives the seconds the call took: a decimal, never negative): taken as not recorded`);
    switch (p.kind) {
      case LineKind.Call:
        this.complete(p, procOf(this, p), null, line, p.col, ts, false, at, -1);
        return;
      case LineKind.Unfinished:
        this.begin(procOf(this, p), p.name, p.args, line, p.col, ts, at);
        return;
      case LineKind.Resumed: {
        const proc = procOf(this, p);
        const pend = this.pending.get(proc.pid);
        if (pend && pend.name === p.name) {
          this.pending.delete(proc.pid);
          if (pend.early) this.ev.resumed(pend.at, at, p.durNs, p.r);
          this.complete(p, proc, pend.args + p.args, pend.line, pend.col, pend.ts, pend.early, pend.at, at);
        } else {
          this.ev.orphan(p.name, line);
          this.complete(p, proc, null, line, p.col, ts, false, at, -1);
        }
        return;
      }
      case LineKind.Signal:
        procOf(this, p);
        this.ev.signal();
        return;
      case LineKind.Exited:
      case LineKind.Killed: {
        const proc = this.t.find(p.pid);
        if (proc) exited(this, proc, line);
        return;
      }
      case LineKind.Note:
      case LineKind.Blank:
        return;
      case LineKind.Stack:
      case LineKind.HexDump:
      case LineKind.Summary:
        this.ev.annotation(p.kind, lineNo);
        return;
      case LineKind.Bad: {
        // strace's own note printed in the middle of a call's line: keep the call's start for the next line.
        const k = text.indexOf('strace: Process ');
        if (k > 0 && this.carry === '') {
          this.carry = text.slice(0, k);
          this.carryLine = lineNo;
          this.carryAt = this.lineAt;
          return;
        }
        this.ev.badLine(lineNo, p.message);
        return;
      }
    }
  }

  /**
   * A line the fast reader (fast.ts) read: a successful read, write, pread64 or pwrite64, or a half of one split by
   * another process's line. Taken here when it needs nothing the general path would learn from the line's text (the
   * process is known, its descriptor is known by number, a second half finds its first): the same steps as line()
   * then, without the text. False (and nothing changed) otherwise: the caller hands the line to line().
   */
  lineFast(f: FastCall, lineNo: number, b: Uint8Array): boolean {
    if (this.carry !== '' || (this.exitedAt.size > 0 && this.exitedAt.has(f.pid))) return false;
    if (f.kind === FastKind.Call) {
      let proc: Proc | undefined;
      let d: Desc | undefined;
      const slot = (f.fd * 7 + f.pid) & (LOOKUPS - 1);
      if (this.lkGen[slot] === this.t.gen && this.lkPid[slot] === f.pid && this.lkFd[slot] === f.fd) {
        proc = this.lkProc[slot]!;
        d = this.lkDesc[slot]!;
      } else {
        proc = f.pid < 0 ? this.t.solo() : this.t.procs.get(f.pid);
        if (proc === undefined) return false;
        d = this.t.known(proc, f.fd);
        if (d === undefined) return false;
        this.lkGen[slot] = this.t.gen;
        this.lkPid[slot] = f.pid;
        this.lkFd[slot] = f.fd;
        this.lkProc[slot] = proc;
        this.lkDesc[slot] = d;
      }
      // The line's -y name is the description's, or the general path sees what changed (Core.descOf: a rebind).
      const ds = f.decoStart;
      // (The replay's tables change as the first pass's: a line the first pass found named so is not compared again.)
      if (ds >= 0 && !(this.live && this.repeats.isNamed(lineNo))) {
        // Compared in place, byte for byte, then its closing '>' and what follows it (this runs at every line of a loop).
        const nb = d.nameBytes ?? nameBytes(d);
        const n = nb.length;
        let k = 0;
        while (k < n && b[ds + k] === nb[k]) k++;
        if (k !== n || !closes(b, ds + n)) {
          if (d.alias === '' || !namedAs(b, ds, d.alias)) return false;
        }
        if (!this.live) this.repeats.setNamed(lineNo);
      }
      const op = f.op;
      if (scanTakes(this, d, op, f.r)) {
        // The first pass, reading or writing a regular file or a pipe: its evidence straight from the line (no call record).
        const ts = Number.isNaN(f.tsSec) ? NaN : this.clock.tick(f.tsSec, f.tsNs, f.tsTod).now;
        if (ts === ts) this.stamped(f.pid, ts, lineNo);
        if (d.kind === DK.File) {
          // At the file position (scanTakes): what readFrom and writeTo report, in one call.
          const reading = op === FastOp.Read;
          this.ev.plainFile(f.name, lineNo, f.durNs, ts, d.path, reading, d.pos, f.r, reading ? f.last : 0);
          d.pos += f.r;
        } else {
          this.ev.syscall(f.name, lineNo, false, f.durNs, ts);
          scanPipe(this, d, f.r, lineNo);
        }
        return true;
      }
      if (this.live && (op === FastOp.Read || op === FastOp.Write) && d.kind === DK.File) {
        // The replay's commonest call: its operation made at once when it is what it mostly is (Core.fileIo).
        const ts = Number.isNaN(f.tsSec) ? NaN : this.clock.tick(f.tsSec, f.tsNs, f.tsTod).now;
        if (this.fileIo(proc, d, op === FastOp.Read, f.r, op === FastOp.Read ? f.last : 0, lineNo, f.col, this.lineAt, ts, f.durNs)) return true;
        const c = this.fastCall(f, lineNo, f.col, false, this.lineAt, -1, d.path);
        c.ts = ts;
        plainIo(this, proc, c, d, op, op === FastOp.Write ? 0 : f.last, 0);
        return true;
      }
      const c = this.fastCall(f, lineNo, f.col, false, this.lineAt, -1, d.path);
      if (!Number.isNaN(f.tsSec)) c.ts = this.clock.tick(f.tsSec, f.tsNs, f.tsTod).now;
      if (!this.live && c.ts === c.ts) this.stamped(f.pid, c.ts, lineNo);
      this.counted(c);
      // Only the numbers the call uses are handed on (a NaN handed to a function costs an allocation).
      plainIo(this, proc, c, d, op, op === FastOp.Write ? 0 : f.last, op === FastOp.Pread ? f.prev : 0);
      return true;
    }
    const proc = f.pid < 0 ? this.t.solo() : this.t.procs.get(f.pid);
    if (proc === undefined) return false;
    if (f.kind === FastKind.Unfinished) {
      const ts = Number.isNaN(f.tsSec) ? NaN : this.clock.at(f.tsSec, f.tsNs, f.tsTod);
      if (!this.live && ts === ts) this.stamped(f.pid, ts, lineNo);
      this.begin(proc, f.name, f.bytes!.toString('utf8', f.argsStart, f.argsEnd), lineNo, f.col, ts, this.lineAt);
      return true;
    }
    // Resumed with nothing but its result: the call's arguments are the first half's (what read() and write() read).
    const pend = this.pending.get(proc.pid);
    if (pend === undefined || pend.name !== f.name) return false;
    const t = pend.args;
    const fd = leadingFd(t, 0, t.length);
    if (!(fd >= 0)) return false;
    const d = this.t.known(proc, fd);
    if (d === undefined || !sameDeco(t, 0, t.length, d)) return false;
    // The line's own timestamp moves the clock (midnight, -r sums) though the call keeps its first half's.
    if (!Number.isNaN(f.tsSec)) {
      const now = this.clock.tick(f.tsSec, f.tsNs, f.tsTod).now;
      if (!this.live) this.stamped(f.pid, now, lineNo);
    }
    this.pending.delete(proc.pid);
    if (pend.early) this.ev.resumed(pend.at, this.lineAt, f.durNs, f.r);
    const c = this.fastCall(f, pend.line, pend.col, pend.early, pend.at, this.lineAt, d.path);
    c.ts = pend.ts;
    this.counted(c);
    plainArgs(this, proc, c, d, f.op, t, 0, t.length);
    this.fc.early = false;
    return true;
  }

  /**
   * The fast path's call object, filled for `f` (its first half's line, column, start and early-ness given); its
   * recorded start is NaN until the caller sets it (a time passed to a function costs an allocation, set in place none).
   */
  private fastCall(f: FastCall, line: number, col: number, early: boolean, at: number, end: number, path: string): ParsedLine {
    const c = this.fc;
    c.at = at;
    c.end = end;
    c.path = path;
    c.pid = f.pid;
    c.name = f.name;
    c.col = col;
    c.line = line;
    c.ts = NaN;
    c.r = f.r;
    c.durNs = f.durNs;
    c.early = early;
    return c;
  }

  /**
   * The first pass: the timestamp `ts` (ns) of pid `pid`'s line `line`, warned about when it is before that process's
   * previous line. strace prints a line's time as it prints the line, so a process's own times never go back (nor,
   * in logs recorded here with -f and six threads, did any line's); lines of different processes are not compared.
   */
  private stamped(pid: number, ts: number, line: number): void {
    // The same process as the line before (most lines of a log): no lookup.
    if (pid === this.stampPid && ts >= this.stampTs) {
      this.stampTs = ts;
      this.stampLine = line;
      return;
    }
    if (this.stampPid !== -2) this.lastStamp.set(this.stampPid, [this.stampTs, this.stampLine]);
    this.stampPid = -2;
    const prev = this.lastStamp.get(pid);
    if (prev !== undefined && ts < prev[0]) {
      const back = ((prev[0] - ts) / 1e9).toFixed(6);
      this.ev.lineWarning(line, 1, `the timestamp is ${back} s before the one of ${pid >= 0 ? `pid ${pid}` : 'the process'}'s line ${prev[1]}: a process's own times never go back in a strace log (the system clock was set back, or the log was edited); the model's clock does not go back: this line's call starts when the one before it ends`);
      return;
    }
    this.stampPid = pid;
    this.stampTs = ts;
    this.stampLine = line;
  }

  /** The first pass counts the fast path's call (the replay proper has nothing to count). */
  private counted(c: ParsedLine): void {
    if (!this.live) this.ev.syscall(c.name, c.line, false, c.durNs, c.ts);
  }

  /** The first half of a call: a call the process left unfinished before (strace lost its end) never returned. */
  private begin(proc: Proc, name: string, args: string, line: number, col: number, ts: number, at: number): void {
    const old = this.pending.get(proc.pid);
    if (old) this.abandon(old);
    const pend = { pid: proc.pid, name, args, line, col, ts, early: false, at };
    this.pending.set(proc.pid, pend);
    // A call the first pass found never resumed is shown now, in its place in the log's order; a write waits (a
    // reader may hand it to the machine early, as in the first pass).
    if (this.live && this.know.abandoned.size > 0 && name !== 'write' && name !== 'writev' && this.know.abandoned.has(at)) this.abandon(pend);
  }

  /** The end of the log: calls still unfinished never returned (the process was killed or strace detached). */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    for (const pend of [...this.pending.values()]) this.abandon(pend);
    this.pending.clear();
  }

  private complete(c: ParsedLine, proc: Proc, joined: string | null, line: number, col: number, ts: number, early: boolean, at: number, end: number): void {
    if (joined !== null) c.args = joined;
    c.at = at;
    c.end = end;
    const r = c.r;
    // `= ?`: no result, the process left (exit_group) or was killed inside the call; no failure, but nothing the
    // handlers may use as a result either (c.failed makes them show the call only).
    const failed = c.errno !== '' || (r < 0 && r > -4096);
    const noResult = Number.isNaN(r);
    c.line = line;
    c.col = col;
    c.ts = ts;
    c.early = early;
    c.failed = failed || noResult;
    // Only the replay proper hands out operations that carry it; the first pass has no use for it.
    if (this.live) c.path = namedPath(c);
    this.ev.syscall(c.name, line, failed, c.durNs, ts);
    if (c.errno === 'ENOENT') this.ev.missing(c);
    const gone = this.exitedAt.size > 0 ? afterExit(this, proc) : null;
    if (gone !== null) return this.unsimulated(proc, c, gone);
    // A result no Linux call returns (past 2^53: a double cannot even hold it exactly) makes nothing the model can run.
    if (!c.failed && !Number.isSafeInteger(r)) return this.unsimulated(proc, c, `the result ${resultText(c)} is past 2^53, the largest number the model counts exactly`);
    replayCall(this, proc, c);
  }

  // ───────────────────────────── snapshots ─────────────────────────────

  /** The whole state as plain data; `offset` is where the cursor's next line starts. */
  save(offset: number): ReplayState {
    return {
      offset, lineNo: this.lineNo, carry: this.carry, carryLine: this.carryLine, carryAt: this.carryAt,
      ...this.t.save(),
      pending: [...this.pending.values()].map((p) => ({ ...p })),
      ...this.q.save(),
      pipes: this.pipes.entries(),
      ids: [this.t.nextDesc, this.t.nextTable, this.nextPipe, this.t.nextThread],
      time: this.clock.save(),
      exited: [...this.exitedAt],
      ended: this.ended,
    };
  }

  load(s: ReplayState): void {
    this.lineNo = s.lineNo;
    this.carry = s.carry;
    this.carryLine = s.carryLine;
    this.carryAt = s.carryAt;
    this.t.load(s, s.ids);
    this.pending = new Map(s.pending.map((p) => [p.pid, { ...p }]));
    this.q.load(s);
    this.pipes = new PipeLevels(s.pipes);
    this.nextPipe = s.ids[2];
    this.clock.load(s.time);
    this.exitedAt = new Map(s.exited);
    this.ended = s.ended;
  }
}

/** The result of `c` as the log printed it (digits a double would round), for messages. */
function resultText(c: ParsedLine): string {
  return /=\s+(\S+)/.exec(c.text.slice(c.argsEnd))?.[1] ?? c.ret;
}

/**
 * Whether a line's -y decoration, its bytes from `from` on as the line has them, is `name` (one byte a character: a
 * name with other characters, or escapes in the line, is never taken as equal, and its line goes the general way).
 */
function namedAs(b: Uint8Array, from: number, name: string): boolean {
  for (let k = 0; k < name.length; k++) if (b[from + k] !== name.charCodeAt(k)) return false;
  return closes(b, from + name.length);
}

/**
 * Whether b[at] is the '>' that ends a decoration: a ',' (the next argument), ')' or strace 6's `(deleted)` follows
 * it (a path prints its own '>' as \76; a socket's `TCP:[a->b]` has its '>' before a digit or '[').
 */
function closes(b: Uint8Array, at: number): boolean {
  if (b[at] !== 62) return false;
  const c = b[at + 1];
  return c === 44 || c === 41 || c === 40;
}

/** The bytes of `d`'s name (UTF-8, as a log holds it), made once (Core.descOf forgets them when the name changes). */
function nameBytes(d: Desc): Uint8Array {
  return (d.nameBytes = Buffer.from(d.path));
}
