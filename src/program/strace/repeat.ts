/**
 * Lines that repeat the line four before them. A copy loop's log is the same two calls over and over (a cat to a pipe
 * four: the reader reads twice), each line the line two and four before it but for its timestamp, its duration and
 * the data it shows (whose escapes make it longer or shorter):
 *
 *   4242  10:00:00.000589 read(3</data/src.bin>, "\177ELF\2\1\1"..., 131072) = 131072 <0.000020>
 *   4242  10:00:00.000612 write(4</data/dst.bin>, "\177ELF\2\1\1"..., 131072) = 131072 <0.000017>
 *   4242  10:00:00.000633 read(3</data/src.bin>, "Db:?u\0xD,\334"..., 131072) = 131072 <0.000021>
 *
 * The first pass reads each line with fast.ts and marks, one bit a line, each complete call that the fast reader
 * read to the same values as the line four before, timestamp and duration aside, with both read at their fixed places
 * (`HH:MM:SS.uuuuuu` after the same prefix, ` <S.uuuuuu>` at the end), and every other place it reads at the same
 * distance from the line's start (up to the -y decoration) or from its end (from the ')' on: fast.ts never reads the
 * data string between them). The first pass itself reads a line whose bytes at those places are the line four
 * before's, but for the digits of its clock and its duration, from those digits alone (compared a word at a time):
 * parseFast, reading the same bytes, would come to the same values. The replay, which reads the same bytes again,
 * then reads only those two fields of a marked line and takes the rest from its reading of the line four before: what
 * parseFast would give, for a fifth of its work. The replay reads a line in full whenever it has not just read the
 * line four before (after a seek, or when that one went to the general parser).
 */
import { clockMicros, durationNsAt, FastCall, FastKind, FastOp, MAX_ARGS, parseFast } from './fast';

/** How far back a line's like is looked for: a loop of one, two or four calls repeats the line four before. */
const BACK = 4;
/** The most words (4 bytes) the first pass compares at a line's front and at its back (same()). */
const WORDS = 16;

export class Repeats {
  /** One bit a line: line n repeats line n - BACK (the first pass writes them, the replays read them). */
  bits: Int32Array;
  /** The calls last read in full or again, by their line's number modulo BACK, and those lines (-1: none). */
  private readonly calls: FastCall[] = [];
  private readonly lines = new Int32Array(BACK).fill(-1);
  /** The first pass's reading of the current line. */
  private spare = new FastCall();
  /**
   * The first pass: what it read of the line in each slot, as words of its bytes to compare a later line's with (the
   * digits of the clock and the duration masked off): the line's first fLen bytes (fN words, at fOff) and its last
   * bLen (bN words, at bOff from where they start); fLen 0: none.
   */
  private readonly fLen = new Int32Array(BACK);
  private readonly bLen = new Int32Array(BACK);
  private readonly fN = new Int32Array(BACK);
  private readonly bN = new Int32Array(BACK);
  private readonly fOff = new Int32Array(BACK * WORDS);
  private readonly fMask = new Int32Array(BACK * WORDS);
  private readonly fVal = new Int32Array(BACK * WORDS);
  private readonly bOff = new Int32Array(BACK * WORDS);
  private readonly bMask = new Int32Array(BACK * WORDS);
  private readonly bVal = new Int32Array(BACK * WORDS);
  /** A view of the bytes same() reads words from (the cursor keeps its buffer for many lines). */
  private viewBytes: Uint8Array | null = null;
  private view: DataView = new DataView(new ArrayBuffer(0));

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

  /**
   * The first pass's reading of line `lineNo`, bytes b[s, e) (`b` as the cursor holds it): parseFast's, marked when it
   * repeats the line BACK before; null when parseFast does not take the line. A line whose bytes are those of the line
   * BACK before, but for the digits of its clock and its duration, is read from those digits alone (same()).
   */
  scan(b: Buffer, s: number, e: number, lineNo: number): FastCall | null {
    const g = this.same(b, s, e, lineNo);
    if (g !== null) return g;
    return this.mark(lineNo, parseFast(b, s, e, this.spare), b);
  }

  /**
   * The first pass, after parseFast read line `lineNo`, bytes `b`, into the spare call (`ok`: it took the line): marks
   * it if it repeats line lineNo - BACK, and keeps it for the line BACK after. Returns the call read (null when
   * parseFast did not take the line).
   */
  private mark(lineNo: number, ok: boolean, b: Uint8Array): FastCall | null {
    if (!ok) return null;
    const f = this.spare;
    if (f.kind !== FastKind.Call) return f;
    const k = lineNo & (BACK - 1);
    const t = this.calls[k];
    if (this.lines[k] === lineNo - BACK && repeats(f, t)) this.setBit(lineNo);
    // The line's reading is what the line BACK after is compared with: the slot and the spare trade objects.
    this.calls[k] = f;
    this.spare = t;
    this.lines[k] = lineNo;
    this.learn(k, f, b);
    return f;
  }

  private setBit(lineNo: number): void {
    const w = lineNo >>> 5;
    if (w >= this.bits.length) {
      const bigger = new Int32Array(Math.max(this.bits.length * 2, w + 1));
      bigger.set(this.bits);
      this.bits = bigger;
    }
    this.bits[w] |= 1 << (lineNo & 31);
  }

  /**
   * Keeps, for slot k, the bytes parseFast read of `f`'s line (the front up to f.frontEnd, the back from f.tailStart)
   * as masked words, when its clock and its duration are at their fixed places and the two parts do not meet.
   */
  private learn(k: number, f: FastCall, b: Uint8Array): void {
    const s = f.start;
    const e = f.end;
    const front = f.frontEnd - s;
    const back = e - f.tailStart;
    this.fLen[k] = 0;
    if (!f.durFixed || f.clockAt < 0 || front < 4 || back < 4 || front > 4 * WORDS || back > 4 * WORDS || f.tailStart < f.frontEnd) return;
    const at = k * WORDS;
    const clock = f.clockAt;
    this.fN[k] = words(b, s, front, (o) => o > clock && o <= clock + 12 && o !== clock + 3 && o !== clock + 6, this.fOff, this.fMask, this.fVal, at);
    // The duration's digits, ` <S.uuuuuu>`: 9 and 7 to 2 bytes before the end.
    this.bN[k] = words(b, f.tailStart, back, (o) => back - o >= 2 && back - o <= 9 && back - o !== 8, this.bOff, this.bMask, this.bVal, at);
    this.fLen[k] = front;
    this.bLen[k] = back;
  }

  /**
   * The first pass: line `lineNo`, bytes b[s, e), read from the line BACK before when it has its bytes where parseFast
   * reads them (its front, and its back counted from its end) but for the digits of the clock and the duration: the
   * values parseFast reads, found in the same places, are the same, the clock and the duration read from their
   * digits as parseFast reads them. The line is marked (it repeats that line), and its call returned; null otherwise.
   */
  private same(b: Uint8Array, s: number, e: number, lineNo: number): FastCall | null {
    const k = lineNo & (BACK - 1);
    const front = this.fLen[k];
    if (front === 0 || this.lines[k] !== lineNo - BACK) return null;
    const back = this.bLen[k];
    if (e - s < front + back) return null;
    if (b !== this.viewBytes) {
      this.viewBytes = b;
      this.view = new DataView(b.buffer, b.byteOffset, b.byteLength);
    }
    const v = this.view;
    const at = k * WORDS;
    const fn = at + this.fN[k];
    for (let i = at; i < fn; i++) if ((v.getInt32(s + this.fOff[i], true) & this.fMask[i]) !== this.fVal[i]) return null;
    const bs = e - back;
    const bn = at + this.bN[k];
    for (let i = at; i < bn; i++) if ((v.getInt32(bs + this.bOff[i], true) & this.bMask[i]) !== this.bVal[i]) return null;
    const f = this.calls[k];
    const us = clockMicros(b, s + f.clockAt);
    const dur = durationNsAt(b, e - 1);
    if (us < 0 || dur !== dur) return null;
    const move = s - f.start;
    const shift = e - f.end;
    // Arguments longer or shorter than MAX_ARGS make the call's text another (fast.ts's callEnd): read in full then.
    const close = f.closeAt + shift;
    const callEnd = f.callOk && close - (f.argsAt + move) <= MAX_ARGS ? close + 1 : -1;
    if (callEnd >= 0 !== f.callEnd >= 0) return null;
    // As parseFast reads them at these places.
    f.tsSec = f.hour * 3600 + Math.floor(us / 1e6);
    f.tsNs = (us % 1e6) * 1000;
    f.durNs = dur;
    f.start = s;
    f.end = e;
    f.callStart += move;
    f.callEnd = callEnd;
    f.retStart += shift;
    f.retEnd += shift;
    if (f.decoStart >= 0) f.decoStart += move;
    f.argsAt += move;
    f.closeAt = close;
    f.frontEnd += move;
    f.tailStart += shift;
    this.setBit(lineNo);
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

/**
 * The `len` bytes b[from, from + len) as words (4 bytes, little-endian; the last one ends at the end and may overlap
 * the one before) into off, mask and val from `at`, the bytes at offsets where `digit` holds masked off; how many.
 */
function words(b: Uint8Array, from: number, len: number, digit: (o: number) => boolean, off: Int32Array, mask: Int32Array, val: Int32Array, at: number): number {
  const n = (len + 3) >>> 2;
  for (let i = 0; i < n; i++) {
    const o = i < n - 1 ? i * 4 : len - 4;
    let m = 0;
    let w = 0;
    for (let j = 0; j < 4; j++) {
      if (digit(o + j)) continue;
      m |= 0xff << (8 * j);
      w |= b[from + o + j] << (8 * j);
    }
    off[at + i] = o;
    mask[at + i] = m;
    val[at + i] = w & m;
  }
  return n;
}
