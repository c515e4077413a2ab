/**
 * Reads one line of strace output: `[pid N] ` or `N ` prefixes (-f, -ff -o), timestamps (-t, -tt, -ttt, -r),
 * instruction pointers (-i), the call with its arguments, its result, errno and duration (-T), and the lines that are
 * not calls: `<unfinished ...>` / `<... name resumed>` halves, `--- SIGxxx {...} ---`, `+++ exited with N +++`,
 * `+++ killed by SIGxxx +++` and strace's own `strace: Process N attached` notes. No regular expressions on the
 * hot path: a log of a million lines is read with prefix checks and index searches. The arguments are read later,
 * by whoever needs them (args.ts).
 */
import { decorationEnd, intOf, isDigit, isNameChar } from './args';
import { SYSCALL_NAMES } from './syscalls';

export const enum LineKind {
  Call = 0,
  Unfinished = 1,
  Resumed = 2,
  Signal = 3,
  Exited = 4,
  Killed = 5,
  /** `strace: Process N attached` and other notes of strace itself. */
  Note = 6,
  Blank = 7,
  Bad = 8,
  /** A frame of a call's stack (strace -k): ` > /lib/libc.so.6(read+0x12) [0x10e1d2]`. */
  Stack = 9,
  /** A line of the hex dump of a call's data (strace -e read=FD, -e write=FD): ` | 00000  f4 e9 ...  .... |`. */
  HexDump = 10,
  /** A line of a strace -c (or -C) summary table: its header, a rule, a row, the total. */
  Summary = 11,
}

/**
 * One line, read. The same object serves the replay as the record of a complete call (line, timestamp, failure),
 * so a line costs one allocation. Arguments and result are cut from the line's text only when asked for: the
 * replay's commonest calls (read, write) take their numbers from the text directly.
 */
export class ParsedLine {
  /** From the `[pid N]` or `N ` prefix; -1 without one. */
  pid: number;
  /** Timestamp: whole seconds (of the day for -t/-tt, of the epoch for -ttt) and nanoseconds; NaN without one. */
  tsSec: number;
  tsNs: number;
  /** The timestamp is a time of day (-t, -tt), not seconds since the epoch (-ttt) or a delta (-r). */
  tsTod: boolean;
  /** Syscall name (Call, Unfinished, Resumed), signal name (Signal, Killed). */
  name = '';
  /** 1-based column where the name starts. */
  col = 0;
  /** The text the arguments are in, from argsStart to argsEnd (the line, or the joined halves of a call). */
  text = '';
  argsStart = 0;
  argsEnd = 0;
  private argsCut: string | null = null;
  /** The result as printed when it is not a plain decimal number (`3</etc/passwd>`, `?`, `0x7f3c...`), else ''. */
  retText = '';
  /** Where the result starts and ends in `text` (after ' = ', before the -T duration): what the log printed. */
  retStart = 0;
  retEnd = 0;
  /** The result as a number (NaN for `?` or none). */
  r = NaN;
  /** The errno name of a failed call (`ENOENT`), or ''. */
  errno = '';
  /** -T: time spent in the call, in ns; NaN without -T. */
  durNs = NaN;
  /** A -T duration that is none strace prints (`<-0.5>`), as the line has it, and its 1-based column; '' if none. */
  durBad = '';
  durCol = 0;
  /** Exited: the status; Note: the pid it names (attached/detached), or -1. */
  code = -1;
  /** Bad: what is wrong. Note: its text. */
  message = '';
  // Set by the replay for a complete call:
  /** 1-based line where the call starts, and its recorded start (ns since the log's first timestamp). */
  line = 0;
  ts = NaN;
  /** The call returned an error, or no result at all (`= ?`): handlers show it only. */
  failed = false;
  /** A blocked pipe write the replay handed to the machine before its end was read. */
  early = false;
  /**
   * Byte offsets in the log of the line where the call starts and of the line that resumed it (-1: not split; -2:
   * split, its end not read yet): the call's own text is read back from there to print it as the log has it.
   */
  at = -1;
  end = -1;
  /** What the call's descriptor or path names (-y: a file, `pipe:[N]`, `socket:[N]`), or '' (replay.ts sets it). */
  path = '';

  constructor(public kind: LineKind, pid: number, tsSec: number, tsNs: number, tsTod: boolean) {
    this.pid = pid;
    this.tsSec = tsSec;
    this.tsNs = tsNs;
    this.tsTod = tsTod;
  }

  /** Call: the arguments; Unfinished: the text after '('; Resumed: the text after `resumed>`, up to the ')'. */
  get args(): string {
    if (this.argsCut === null) this.argsCut = this.text.slice(this.argsStart, this.argsEnd);
    return this.argsCut;
  }

  set args(v: string) {
    this.argsCut = v;
    this.text = v;
    this.argsStart = 0;
    this.argsEnd = v.length;
  }

  /** The result as printed; '' when there is none. */
  get ret(): string {
    return this.retText !== '' ? this.retText : Number.isNaN(this.r) ? '' : String(this.r);
  }
}

const UNFINISHED = ' <unfinished ...>';

/**
 * Known syscall names by a hash of their letters, as internalized strings: a parsed name found here costs no
 * allocation, and comparing it with the literals of a switch is a pointer comparison.
 */
const INTERNED: (string | undefined)[] = new Array(4096).fill(undefined);
for (const name of SYSCALL_NAMES) {
  const key = Object.keys({ [name]: 0 })[0];
  let h = 0;
  for (let k = 0; k < key.length; k++) h = (Math.imul(h, 31) + key.charCodeAt(k)) | 0;
  // A collision leaves the second name uninterned: it is then cut from the line, which is merely slower.
  if (INTERNED[h & 4095] === undefined) INTERNED[h & 4095] = key;
}

function nameAt(line: string, i: number, j: number, h: number): string {
  const cand = INTERNED[h & 4095];
  if (cand !== undefined && cand.length === j - i) {
    let k = 0;
    while (k < cand.length && cand.charCodeAt(k) === line.charCodeAt(i + k)) k++;
    if (k === cand.length) return cand;
  }
  return line.slice(i, j);
}
const DETACHED = ' <detached ...>';

function blank(kind: LineKind, pid: number, tsSec: number, tsNs: number, tsTod = false): ParsedLine {
  return new ParsedLine(kind, pid, tsSec, tsNs, tsTod);
}

function bad(message: string, pid = -1): ParsedLine {
  const p = blank(LineKind.Bad, pid, NaN, NaN);
  p.message = message;
  return p;
}

/** The value the last readInt or readFraction read (NaN when there was no digit): no array per call. */
let num = 0;

/** Reads decimal digits at i into `num`; returns the index after them. */
function readInt(s: string, i: number): number {
  let v = 0;
  const start = i;
  const n = s.length;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) break;
    v = v * 10 + (c - 48);
    i++;
  }
  num = i === start ? NaN : v;
  return i;
}

const POW10 = [1e9, 1e8, 1e7, 1e6, 1e5, 1e4, 1e3, 100, 10, 1];

/** Reads fractional seconds `.uuuuuu` (any number of digits, after the dot) into `num` as nanoseconds. */
function readFraction(s: string, i: number): number {
  let v = 0;
  let digits = 0;
  const n = s.length;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) break;
    if (digits < 9) {
      v = v * 10 + (c - 48);
      digits++;
    }
    i++;
  }
  num = v * POW10[digits];
  return i;
}

export function parseLine(line: string): ParsedLine {
  const n = line.length;
  let i = 0;
  while (i < n && line.charCodeAt(i) === 32) i++;
  if (i >= n) return blank(LineKind.Blank, -1, NaN, NaN);
  let pid = -1;
  // [pid  1234]
  if (line.startsWith('[pid ', i)) {
    let j = i + 5;
    while (j < n && line.charCodeAt(j) === 32) j++;
    const k = readInt(line, j);
    const v = num;
    if (Number.isNaN(v) || line.charCodeAt(k) !== 93) return bad('a [pid N] prefix without a number');
    pid = v;
    i = k + 1;
    while (i < n && line.charCodeAt(i) === 32) i++;
  }
  let tsSec = NaN;
  let tsNs = NaN;
  let tod = false;
  if (i < n && isDigit(line.charCodeAt(i))) {
    let k = readInt(line, i);
    let v = num;
    let c = line.charCodeAt(k);
    if (c === 32 && pid < 0) {
      // `1234 ` pid prefix of -ff or -f -o
      pid = v;
      i = k;
      while (i < n && line.charCodeAt(i) === 32) i++;
      if (i < n && isDigit(line.charCodeAt(i))) {
        k = readInt(line, i);
        v = num;
        c = line.charCodeAt(k);
      } else {
        c = -1;
      }
    }
    if (c === 58) {
      // HH:MM:SS[.frac]
      const k2 = readInt(line, k + 1);
      const mm = num;
      if (line.charCodeAt(k2) !== 58) return bad('a timestamp that is not HH:MM:SS', pid);
      const k3 = readInt(line, k2 + 1);
      const ss = num;
      if (Number.isNaN(mm) || Number.isNaN(ss)) return bad('a timestamp that is not HH:MM:SS', pid);
      tsSec = v * 3600 + mm * 60 + ss;
      tsNs = 0;
      tod = true;
      i = k3;
      if (line.charCodeAt(i) === 46) {
        i = readFraction(line, i + 1);
        tsNs = num;
      }
    } else if (c === 46) {
      // seconds.frac (-ttt, -r)
      tsSec = v;
      i = readFraction(line, k + 1);
      tsNs = num;
    }
    while (i < n && line.charCodeAt(i) === 32) i++;
  }
  // -i: [00007f3c1a2b3c4d]
  if (line.charCodeAt(i) === 91 && !line.startsWith('[pid', i)) {
    const close = line.indexOf(']', i);
    if (close > 0) {
      i = close + 1;
      while (i < n && line.charCodeAt(i) === 32) i++;
    }
  }
  if (i >= n) return bad('a prefix with nothing after it', pid);
  const c0 = line.charCodeAt(i);
  if (c0 === 43 && line.startsWith('+++ ', i)) return exitLine(line, i, pid, tsSec, tsNs, tod);
  if (c0 === 45 && line.startsWith('--- ', i)) {
    const p = blank(LineKind.Signal, pid, tsSec, tsNs, tod);
    let j = i + 4;
    const start = j;
    while (j < n && isNameChar(line.charCodeAt(j))) j++;
    p.name = line.slice(start, j) || line.slice(start, line.indexOf(' ', start) >>> 0);
    p.col = start + 1;
    p.message = line.slice(i);
    return p;
  }
  if (c0 === 60 && line.startsWith('<... ', i)) {
    const nameStart = i + 5;
    const r = line.indexOf(' resumed>', nameStart);
    if (r < 0) return bad("a '<...' line without 'resumed>'", pid);
    const p = blank(LineKind.Resumed, pid, tsSec, tsNs, tod);
    let h = 0;
    for (let k = nameStart; k < r; k++) h = (Math.imul(h, 31) + line.charCodeAt(k)) | 0;
    p.name = nameAt(line, nameStart, r, h);
    p.col = nameStart + 1;
    return finishCall(line, r + 9, p);
  }
  if (c0 === 115 && line.startsWith('strace: ', i)) {
    const p = blank(LineKind.Note, pid, tsSec, tsNs, tod);
    p.message = line.slice(i + 8);
    const m = p.message.startsWith('Process ') ? (readInt(p.message, 8), num) : NaN;
    p.code = Number.isNaN(m) ? -1 : m;
    return p;
  }
  let j = i;
  let h = 0;
  while (j < n) {
    const c = line.charCodeAt(j);
    if (!isNameChar(c)) break;
    h = (Math.imul(h, 31) + c) | 0;
    j++;
  }
  if (j === i || line.charCodeAt(j) !== 40) return annotation(line, pid) ?? bad(`not a call, a signal or an exit: ${clip(line.slice(i))}`, pid);
  const p = blank(LineKind.Call, pid, tsSec, tsNs, tod);
  p.name = nameAt(line, i, j, h);
  p.col = i + 1;
  // Both end in '.>', which a duration (`<0.000012>`) or a decoration never does.
  const dotGt = line.charCodeAt(n - 1) === 62 && line.charCodeAt(n - 2) === 46;
  if (dotGt && line.endsWith(UNFINISHED)) {
    p.kind = LineKind.Unfinished;
    p.text = line;
    p.argsStart = j + 1;
    p.argsEnd = n - UNFINISHED.length;
    return p;
  }
  if (dotGt && line.endsWith(DETACHED)) {
    // The tracer let go in the middle of the call: there is no result.
    p.text = line;
    p.argsStart = j + 1;
    p.argsEnd = n - DETACHED.length;
    p.retText = '?';
    return p;
  }
  return finishCall(line, j + 1, p);
}

const STACK = /^\s*> (?:\S.*\[0x[0-9a-f]+\]|unexpected_backtracing_error)/;
const HEXDUMP = /^\s*\| [0-9a-f]{5}  /;
const SUMMARY = /^\s*(?:% time\s+seconds\s+usecs\/call|-{6} -{11} |\d+\.\d+\s+\d+\.\d+\s+(?:\d+\s+)?\d+\s+(?:\d+\s+)?[A-Za-z_]\w*\s*$)/;

/** strace's own lines that go with the calls (stack frames, hex dumps) or replace them (a -c table), or null. */
function annotation(line: string, pid: number): ParsedLine | null {
  const kind = STACK.test(line) ? LineKind.Stack : HEXDUMP.test(line) ? LineKind.HexDump : SUMMARY.test(line) ? LineKind.Summary : null;
  return kind === null ? null : blank(kind, pid, NaN, NaN);
}

function exitLine(line: string, i: number, pid: number, tsSec: number, tsNs: number, tod: boolean): ParsedLine {
  const body = line.slice(i + 4);
  if (body.startsWith('exited with ')) {
    const p = blank(LineKind.Exited, pid, tsSec, tsNs, tod);
    readInt(body, 12);
    p.code = num;
    return p;
  }
  if (body.startsWith('killed by ')) {
    const p = blank(LineKind.Killed, pid, tsSec, tsNs, tod);
    let k = 10;
    while (k < body.length && isNameChar(body.charCodeAt(k))) k++;
    p.name = body.slice(10, k);
    p.message = body.replace(/ \+\+\+$/, '');
    return p;
  }
  if (body.startsWith('superseded by execve')) {
    // A thread that called execve became the thread-group leader: the old pid is gone.
    return blank(LineKind.Exited, pid, tsSec, tsNs, tod);
  }
  return bad(`an unknown '+++' line: ${clip(line.slice(i))}`, pid);
}

/**
 * The tail of a call or of a resumed call, from `from` (just after '(' or 'resumed>'): arguments up to the ')'
 * that precedes ' = ', the result, the errno and the duration.
 */
function finishCall(line: string, from: number, p: ParsedLine): ParsedLine {
  let end = line.length;
  // -T: ` <0.000123>` at the very end (searched by hand: lastIndexOf is slow on V8)
  if (line.charCodeAt(end - 1) === 62) {
    let lt = end - 2;
    while (lt > from) {
      const c = line.charCodeAt(lt);
      if ((c < 48 || c > 57) && c !== 46) break;
      lt--;
    }
    if (line.charCodeAt(lt) !== 60 || line.charCodeAt(lt - 1) !== 32) lt = line.lastIndexOf(' <', end - 1);
    else lt--;
    if (lt >= from) {
      const k = readInt(line, lt + 2);
      const secs = num;
      if (!Number.isNaN(secs) && line.charCodeAt(k) === 46) {
        const k2 = readFraction(line, k + 1);
        const ns = num;
        if (k2 === end - 1) {
          p.durNs = secs * 1e9 + ns;
          end = lt;
        }
      } else if (line.startsWith('<unavailable>', lt + 1)) {
        end = lt;
      }
      // A number in a duration's place that is none (`<-0.5>`, `<1.2.3>`, `<5>`): taken off the result, and warned about.
      if (end === line.length && /^[-+]?[\d.]+(?:e[-+]?\d+)?$/i.test(line.slice(lt + 2, end - 1))) {
        p.durBad = line.slice(lt + 1, end);
        p.durCol = lt + 2;
        end = lt;
      }
    }
  }
  let eq = end - 3;
  while (eq >= from && !(line.charCodeAt(eq + 1) === 61 && line.charCodeAt(eq) === 32 && line.charCodeAt(eq + 2) === 32)) eq--;
  if (eq < from) return bad(`a call without ' = result': ${clip(line.slice(p.col - 1))}`, p.pid);
  let close = eq;
  while (close > from && line.charCodeAt(close - 1) === 32) close--;
  if (line.charCodeAt(close - 1) === 41) close--;
  p.text = line;
  p.argsStart = from;
  p.argsEnd = close;
  p.retStart = eq + 3;
  p.retEnd = end;
  // The result: a number with an optional decoration, '?', then maybe ERRNO (text) or (text)
  let r = eq + 3;
  const retStart = r;
  if (line.charCodeAt(r) === 60) {
    // never a result by itself
    return bad('a result that starts with <', p.pid);
  }
  // A plain decimal (the common case) is read without cutting the text.
  let neg = false;
  if (line.charCodeAt(r) === 45) {
    neg = true;
    r++;
  }
  const digits = r;
  let v = 0;
  while (r < end) {
    const c = line.charCodeAt(r);
    if (c < 48 || c > 57) break;
    v = v * 10 + (c - 48);
    r++;
  }
  if (r > digits && (r === end || line.charCodeAt(r) === 32)) {
    p.r = neg ? -v : v;
  } else {
    r = retStart;
    while (r < end && line.charCodeAt(r) !== 32) {
      // the decoration of a returned fd, whole (it may hold spaces)
      if (line.charCodeAt(r) === 60) r = decorationEnd(line, r + 1, end);
      r++;
    }
    p.retText = line.slice(retStart, Math.min(r, end));
    p.r = intOf(p.retText);
  }
  while (r < end && line.charCodeAt(r) === 32) r++;
  if (r < end && line.charCodeAt(r) === 69 /* E */) {
    let k = r;
    while (k < end && isNameChar(line.charCodeAt(k))) k++;
    p.errno = line.slice(r, k);
  }
  return p;
}

function clip(s: string): string {
  return s.length > 60 ? s.slice(0, 57) + '...' : s;
}
