/**
 * Lines that repeat the line four before them. A copy loop's log is the same two calls over and over (a cat to a pipe
 * four: the reader reads twice), each line the line two and four before it but for its timestamp, its duration and
 * the data it shows (whose escapes make it longer or shorter):
 *
 *   4242  10:00:00.000589 read(3</data/src.bin>, "\177ELF\2\1\1"..., 131072) = 131072 <0.000020>
 *   4242  10:00:00.000612 write(4</data/dst.bin>, "\177ELF\2\1\1"..., 131072) = 131072 <0.000017>
 *   4242  10:00:00.000633 read(3</data/src.bin>, "Db:?u\0xD,\334"..., 131072) = 131072 <0.000021>
 *
 * The first pass reads every line in full (fast.ts) and marks, one bit a line, each complete call that the fast reader
 * read to the same values as the line four before, timestamp and duration aside, with both read at their fixed places
 * (`HH:MM:SS.uuuuuu` after the same prefix, ` <S.uuuuuu>` at the end), and every other place it reads at the same
 * distance from the line's start (up to the -y decoration) or from its end (from the ')' on: fast.ts never reads the
 * data string between them). The replay, which reads the same bytes again,
 * then reads only those two fields of a marked line and takes the rest from its reading of the line four before: what
 * parseFast would give, for a fifth of its work. The replay reads a line in full whenever it has not just read the
 * line four before (after a seek, or when that one went to the general parser).
 */
import { FastCall, FastKind, FastOp } from './fast';

/** How far back a line's like is looked for: a loop of one, two or four calls repeats the line four before. */
const BACK = 4;

export class Repeats {
  /** One bit a line: line n repeats line n - BACK (the first pass writes them, the replays read them). */
  bits: Int32Array;
  /** The calls last read in full or again, by their line's number modulo BACK, and those lines (-1: none). */
  private readonly calls: FastCall[] = [];
  private readonly lines = new Int32Array(BACK).fill(-1);
  /** The first pass's reading of the current line. */
  private readonly spare = new FastCall();

  /**
   * One bit a line: the first pass found line n's -y decoration to name the description its fd had (Replayer.lineFast
   * compared the bytes); the replay, whose tables change as the first pass's did, need not compare them again.
   */
  named: Int32Array;

  /** `bits`, `named`: the first pass's marks, for a replay; absent, the first pass, which makes them. */
  constructor(bits?: Int32Array, named?: Int32Array) {
    this.bits = bits ?? new Int32Array(1024);
    this.named = named ?? new Int32Array(bits ? 0 : 1024);
    for (let k = 0; k < BACK; k++) this.calls.push(new FastCall());
  }

  /** The first pass: the object parseFast reads the current line into, before mark(). */
  scratch(): FastCall {
    return this.spare;
  }

  /**
   * The first pass, after parseFast read line `lineNo` into scratch() (`ok`: it took the line): marks it if it repeats
   * line lineNo - BACK. Returns the call read (null when parseFast did not take the line).
   */
  mark(lineNo: number, ok: boolean): FastCall | null {
    if (!ok) return null;
    const f = this.spare;
    if (f.kind !== FastKind.Call) return f;
    const k = lineNo & (BACK - 1);
    const t = this.calls[k];
    if (this.lines[k] === lineNo - BACK && repeats(f, t)) {
      const w = lineNo >>> 5;
      if (w >= this.bits.length) {
        const bigger = new Int32Array(Math.max(this.bits.length * 2, w + 1));
        bigger.set(this.bits);
        this.bits = bigger;
      }
      this.bits[w] |= 1 << (lineNo & 31);
    } else {
      // A new pattern (rare in a loop): kept.
      keep(f, t);
    }
    this.lines[k] = lineNo;
    return f;
  }

  /**
   * The replay: line `lineNo`, bytes b[s, e), read into the object returned when it repeats the line BACK before and
   * that line was read last (in full into into(), or again); null otherwise (then read it in full into into()).
   */
  again(b: Uint8Array, s: number, e: number, lineNo: number): FastCall | null {
    const k = lineNo & (BACK - 1);
    if (this.lines[k] !== lineNo - BACK) return null;
    const w = lineNo >>> 5;
    if (w >= this.bits.length || (this.bits[w] & (1 << (lineNo & 31))) === 0) return null;
    const f = this.calls[k];
    // The clock and the duration, read as parseFast reads them at these places (the first pass found digits there).
    const c = s + f.clockAt;
    f.tsSec = f.hour * 3600 + (((b[c + 1] - 48) * 10 + (b[c + 2] - 48)) * 60 + ((b[c + 4] - 48) * 10 + (b[c + 5] - 48)));
    f.tsNs = (((((b[c + 7] - 48) * 10 + (b[c + 8] - 48)) * 100 + ((b[c + 9] - 48) * 10 + (b[c + 10] - 48))) * 100) + ((b[c + 11] - 48) * 10 + (b[c + 12] - 48))) * 1000;
    const j = e - 1;
    f.durNs = (((((b[j - 6] - 48) * 10 + (b[j - 5] - 48)) * 100 + ((b[j - 4] - 48) * 10 + (b[j - 3] - 48))) * 100) + ((b[j - 2] - 48) * 10 + (b[j - 1] - 48))) * 1000 + (b[j - 8] - 48) * 1e9;
    // The ranges, where this line has them.
    // Those before the data string from the line's start, those after it from its end (the data's length varies).
    const move = s - f.start;
    const back = e - f.end;
    f.start = s;
    f.end = e;
    f.callStart += move;
    if (f.callEnd >= 0) f.callEnd += back;
    f.retStart += back;
    f.retEnd += back;
    if (f.decoStart >= 0) f.decoStart += move;
    this.lines[k] = lineNo;
    return f;
  }

  /** The first pass: line `lineNo`'s decoration names its description. */
  setNamed(lineNo: number): void {
    const w = lineNo >>> 5;
    if (w >= this.named.length) {
      const bigger = new Int32Array(Math.max(this.named.length * 2, w + 1));
      bigger.set(this.named);
      this.named = bigger;
    }
    this.named[w] |= 1 << (lineNo & 31);
  }

  /** The replay: whether the first pass found line `lineNo`'s decoration to name its description (setNamed). */
  isNamed(lineNo: number): boolean {
    const w = lineNo >>> 5;
    return w < this.named.length && (this.named[w] & (1 << (lineNo & 31))) !== 0;
  }

  /** The replay: the object parseFast reads line `lineNo` into, when again() gave none. */
  into(lineNo: number): FastCall {
    const k = lineNo & (BACK - 1);
    // Whatever it reads, it is no longer the reading of the line BACK before.
    this.lines[k] = -1;
    return this.calls[k];
  }

  /** The replay: parseFast read line `lineNo` into into(lineNo) (`ok`: it took the line). */
  read(lineNo: number, ok: boolean): void {
    const k = lineNo & (BACK - 1);
    if (ok && this.calls[k].kind === FastKind.Call) this.lines[k] = lineNo;
  }
}

/** Copies into `t` what repeats() compares of `f`. */
function keep(f: FastCall, t: FastCall): void {
  t.kind = f.kind;
  t.op = f.op;
  t.pid = f.pid;
  t.col = f.col;
  t.fd = f.fd;
  t.decoStart = f.decoStart;
  t.r = f.r;
  t.last = f.last;
  t.prev = f.prev;
  t.start = f.start;
  t.end = f.end;
  t.callEnd = f.callEnd;
  t.retStart = f.retStart;
  t.clockAt = f.clockAt;
  t.hour = f.hour;
  t.durFixed = f.durFixed;
}

/**
 * Whether `f`, a line's complete call, has the values of `t`, the one BACK lines before, timestamp and duration aside,
 * both of which it has at the same fixed places: whether again() reads f's line to f.
 */
function repeats(f: FastCall, t: FastCall): boolean {
  // callStart is the name's column less one; retEnd, with the duration at its fixed places, the line's end less 11;
  // the places before the data string count from the start, those after it from the end.
  const s = f.start;
  const u = t.start;
  const e = f.end;
  const v = t.end;
  return f.clockAt >= 0 && f.durFixed && f.clockAt === t.clockAt && t.durFixed && f.hour === t.hour &&
    f.op === t.op && f.pid === t.pid && f.fd === t.fd && f.r === t.r && f.col === t.col && e - f.retStart === v - t.retStart &&
    (f.callEnd < 0 ? t.callEnd < 0 : t.callEnd >= 0 && e - f.callEnd === v - t.callEnd) &&
    // The -y decoration at the same place (what it says is compared with the table at every line: lineFast).
    (f.decoStart < 0 ? t.decoStart < 0 : t.decoStart >= 0 && f.decoStart - s === t.decoStart - u) &&
    // The numbers the arguments end in: a write has none (NaN), a read and a pwrite64 one, a pread64 two.
    (f.op === FastOp.Write || f.last === t.last) && (f.op !== FastOp.Pread || f.prev === t.prev);
}
