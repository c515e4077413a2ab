/**
 * Writing a run's output as it goes: text to stdout in large chunks (a write a line would cost more than the model),
 * and the JSON document's operations held until the totals that come before them are known, in memory while small and
 * in a temporary file beyond that, so that memory stays flat however long the run.
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Bytes a chunk holds. A 1 M-line run writes some 70 MB: in 64 KiB chunks that was 1,100 writes through the stream,
 * about 50 µs each with a fresh buffer for each (55 ms of a 3 s run, issue 10); 1 MiB chunks make it 70.
 */
const CHUNK = 1 << 18;

/**
 * What takes the chunks: true when it is done with the chunk given (written, or copied), which is then written over;
 * otherwise (it keeps the chunk to write later) the next chunk goes to a new buffer.
 */
export type Sink = (chunk: Uint8Array) => boolean;

/** process.stdout as a Sink: done with a chunk when the stream holds nothing back (it wrote it at once). */
export const stdoutSink: Sink = (b) => {
  process.stdout.write(b);
  return process.stdout.writableLength === 0;
};

/**
 * stdout (or `sink`), written in chunks of about 1 MiB of UTF-8 (`chunk` bytes), each whole characters. Text given to write and line
 * goes through `escape` first (the CLI's terminalText for a person, safeJson for JSON); lineAsIs takes a line that
 * needs none; begin ... end builds a line in place from printable ASCII pieces, a log's bytes among them (no string
 * is made of them), and undo takes it back when a piece is not.
 */
export class Output {
  private buf: Buffer;
  private view: DataView;
  private pos = 0;
  /** Where the line begun starts. */
  private mark = 0;
  /** The last buffer copied from, and a view of it (a log's cursor keeps its buffer for many lines). */
  private srcBytes: Buffer | null = null;
  private srcView: DataView | null = null;

  constructor(
    private readonly sink: Sink = stdoutSink,
    private readonly escape: (s: string) => string = (s) => s,
    private readonly chunk = CHUNK,
  ) {
    this.buf = Buffer.allocUnsafe(chunk);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, chunk);
  }

  write(s: string): void {
    this.put(this.escape(s));
  }

  line(s: string): void {
    this.put(this.escape(s));
    this.newline();
  }

  /** A line that needs no escaping: escaped already, or made only of text that holds nothing to escape. */
  lineAsIs(s: string): void {
    this.put(s);
    this.newline();
  }

  /**
   * Starts a line built piece by piece (decimal, ascii, copy, then end, or undo), of at most `max` bytes: room is
   * made for it (what is written so far may be flushed), so that undo can take it all back. False when no chunk
   * holds it (the caller prints the line another way).
   */
  begin(max: number): boolean {
    // Room for the newline, and for a piece's bytes past the line's (piece).
    const room = max + 1 + 8;
    if (room > this.chunk) return false;
    if (this.pos + room > this.buf.length) this.flush();
    this.mark = this.pos;
    return true;
  }

  /** Ends the line begun. */
  end(): void {
    this.buf[this.pos++] = 10;
    if (this.pos >= this.chunk) this.flush();
  }

  /** Takes back what was written of the line begun. */
  undo(): void {
    this.pos = this.mark;
  }

  /** Appends `n` in decimal, right-aligned in `width` columns as padStart does; false if n is not a whole number ≥ 0. */
  decimal(n: number, width: number): boolean {
    if (!(n >= 0 && Number.isSafeInteger(n))) return false;
    if (n > 0x7fffffff) {
      let digits = 1;
      for (let t = n; t >= 10; t = Math.floor(t / 10)) digits++;
      const out = this.buf;
      let p = this.pos;
      for (let k = digits; k < width; k++) out[p++] = 32;
      p += digits;
      this.pos = p;
      let t = n;
      do {
        out[--p] = 48 + (t % 10);
        t = Math.floor(t / 10);
      } while (t > 0);
      return true;
    }
    // Below 2^31 (a line number, a second count): in 32-bit integers.
    let digits = 1;
    for (let t = n; t >= 10; t = (t / 10) | 0) digits++;
    const out = this.buf;
    let p = this.pos;
    for (let k = digits; k < width; k++) out[p++] = 32;
    p += digits;
    this.pos = p;
    let t = n | 0;
    do {
      const q = (t / 10) | 0;
      out[--p] = 48 + t - q * 10;
      t = q;
    } while (t > 0);
    return true;
  }

  /**
   * Appends `ns` nanoseconds as seconds with nine decimals, as units.ts's formatSeconds writes them, when ns is a
   * whole number below 10^15 (the range formatSeconds writes this way); false otherwise (nothing written).
   */
  seconds(ns: number): boolean {
    if (!(ns >= 0 && ns < 1e15 && Number.isSafeInteger(ns))) return false;
    let p: number;
    let f: number;
    if (ns < 1e9) {
      // Below a second (most calls' times): '0.' and the nine decimals, with no division by 10^9 in doubles.
      p = this.pos;
      this.buf[p++] = 48;
      f = ns | 0;
    } else {
      const s = Math.floor(ns / 1e9);
      f = (ns - s * 1e9) | 0;
      this.decimal(s, 0);
      p = this.pos;
    }
    // The nine decimals, three digits at a time.
    const hi = (f / 1e6) | 0;
    f -= hi * 1e6;
    const mid = (f / 1000) | 0;
    const lo = f - mid * 1000;
    const out = this.buf;
    out[p++] = 46;
    p = put3(out, p, hi);
    p = put3(out, p, mid);
    this.pos = put3(out, p, lo);
    return true;
  }

  /**
   * Appends a line's fixed piece (asciiPiece) within a line begun. Its eight bytes are stored whatever its length: two
   * word stores, not a loop (five pieces a line were 15 % of a call line's cost, issue 10); the bytes past the piece
   * are written over by what follows, and begin keeps room for them.
   */
  piece(t: Piece): void {
    const v = this.view;
    const p = this.pos;
    v.setInt32(p, t.lo, true);
    v.setInt32(p + 4, t.hi, true);
    this.pos = p + t.length;
  }

  /**
   * Appends `s` if it is printable ASCII, false at the first other character (nothing a terminal acts on, and one
   * byte a character). Meant for short strings made whole: a loop of charCodeAt on a string just concatenated would
   * first have to flatten it.
   */
  ascii(s: string): boolean {
    const out = this.buf;
    let p = this.pos;
    for (let k = 0; k < s.length; k++) {
      const c = s.charCodeAt(k);
      if (c < 32 || c > 126) return false;
      out[p++] = c;
    }
    this.pos = p;
    return true;
  }

  /**
   * Appends bytes[s, e) if they are printable ASCII; false if any is not (what was written of them is then left
   * for undo to take back). Four bytes at a time: a word w
   * holds one outside 0x20-0x7e when a byte has its top bit set (0x80 and above), or its low seven bits plus 1 carry
   * into the top bit (0x7f), or plus 0x60 do not (below 0x20); no byte carries into the next.
   */
  copy(bytes: Buffer, s: number, e: number): boolean {
    if (e - s < 4) return this.copyBytes(bytes, s, e);
    if (bytes !== this.srcBytes) {
      this.srcBytes = bytes;
      this.srcView = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
    }
    const src = this.srcView!;
    const dst = this.view;
    const p0 = this.pos;
    // The words are written before they are all checked, the test of each or-ed into one: a copy is cut short only
    // when its line is taken back (undo), which writes over what was written.
    let bad = 0;
    let p = p0;
    const last = e - 4;
    let k = s;
    // Two words a turn while they fit (half the loop's own steps: 15 ns a line of the copy log), then one.
    for (; k + 4 < last; k += 8, p += 8) {
      // In the machine's own byte order (little-endian: no byte swap); the test looks at each byte alike.
      const w = src.getInt32(k, true);
      const x = src.getInt32(k + 4, true);
      const lw = w & 0x7f7f7f7f;
      const lx = x & 0x7f7f7f7f;
      bad |= w | (lw + 0x01010101) | ~(lw + 0x60606060) | x | (lx + 0x01010101) | ~(lx + 0x60606060);
      dst.setInt32(p, w, true);
      dst.setInt32(p + 4, x, true);
    }
    if (k < last) {
      const w = src.getInt32(k, true);
      const lw = w & 0x7f7f7f7f;
      bad |= w | (lw + 0x01010101) | ~(lw + 0x60606060);
      dst.setInt32(p, w, true);
    }
    // The last word ends at e, over bytes of the one before when the length is no multiple of 4: no byte loop.
    const w = src.getInt32(last, true);
    const low = w & 0x7f7f7f7f;
    bad |= w | (low + 0x01010101) | ~(low + 0x60606060);
    if ((bad & 0x80808080) !== 0) return false;
    const end = p0 + (e - s);
    dst.setInt32(end - 4, w, true);
    this.pos = end;
    return true;
  }

  /** copy, byte by byte (fewer than four bytes). */
  private copyBytes(bytes: Buffer, s: number, e: number): boolean {
    const out = this.buf;
    let p = this.pos;
    for (let k = s; k < e; k++) {
      const c = bytes[k];
      if (c < 32 || c > 126) return false;
      out[p++] = c;
    }
    this.pos = p;
    return true;
  }

  flush(): void {
    if (this.pos === 0) return;
    const n = this.pos;
    this.pos = 0;
    // The sink may keep the chunk (a pipe written later): the next one then goes to a new buffer.
    if (this.sink(this.buf.subarray(0, n))) return;
    this.buf = Buffer.allocUnsafe(this.chunk);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.chunk);
  }

  private newline(): void {
    if (this.pos >= this.buf.length) this.flush();
    this.buf[this.pos++] = 10;
    if (this.pos >= this.chunk) this.flush();
  }

  /** `s` in UTF-8, whole in one chunk (at most three bytes a UTF-16 unit); longer than a chunk: a chunk of its own. */
  private put(s: string): void {
    if (s.length * 3 > this.buf.length - this.pos) {
      this.flush();
      if (s.length * 3 > this.buf.length) {
        this.sink(Buffer.from(s, 'utf8'));
        return;
      }
    }
    this.pos += this.buf.write(s, this.pos);
  }
}

/** A line's fixed piece for Output.piece: up to 8 bytes of printable ASCII, as two little-endian words. */
export interface Piece {
  readonly lo: number;
  readonly hi: number;
  readonly length: number;
}

/** `s` as a Piece; throws unless it is printable ASCII of at most 8 characters. */
export function asciiPiece(s: string): Piece {
  const b = Buffer.alloc(8);
  if (s.length > 8 || b.write(s, 'latin1') !== s.length || [...s].some((c) => c < ' ' || c > '~')) {
    throw new Error(`not a piece of at most 8 printable ASCII characters: ${JSON.stringify(s)}`);
  }
  return { lo: b.readInt32LE(0), hi: b.readInt32LE(4), length: s.length };
}

/** '000' to '999' in ASCII, three bytes each. */
const DIGITS3 = new Uint8Array(3000);
for (let n = 0; n < 1000; n++) {
  DIGITS3[3 * n] = 48 + Math.floor(n / 100);
  DIGITS3[3 * n + 1] = 48 + (Math.floor(n / 10) % 10);
  DIGITS3[3 * n + 2] = 48 + (n % 10);
}

/** Writes n (0 to 999) as three digits at out[p]; the index after them. */
function put3(out: Buffer, p: number, n: number): number {
  const k = 3 * n;
  out[p] = DIGITS3[k];
  out[p + 1] = DIGITS3[k + 1];
  out[p + 2] = DIGITS3[k + 2];
  return p + 3;
}

/** Text kept for later: in memory up to `memoryLimit` characters, then in a temporary file. */
export class Spill {
  private parts: string[] = [];
  private size = 0;
  private dir: string | null = null;
  private fd = -1;

  constructor(private readonly memoryLimit = 16 << 20) {}

  write(s: string): void {
    this.parts.push(s);
    this.size += s.length;
    if (this.size >= this.memoryLimit || (this.fd >= 0 && this.size >= CHUNK)) this.toFile();
  }

  private toFile(): void {
    if (this.fd < 0) {
      this.dir = mkdtempSync(join(tmpdir(), 'iosim-run-'));
      this.fd = openSync(join(this.dir, 'operations.json'), 'w+');
    }
    writeSync(this.fd, this.parts.join(''));
    this.parts = [];
    this.size = 0;
  }

  /** Hands everything written, in order, to `out`, and forgets it (the temporary file goes). */
  drain(out: Output): void {
    if (this.fd >= 0) {
      this.toFile();
      const buf = Buffer.alloc(1 << 20);
      let pos = 0;
      for (;;) {
        const n = readSync(this.fd, buf, 0, buf.length, pos);
        if (n <= 0) break;
        pos += n;
        // Whole UTF-8 characters only: a chunk ends before a character's continuation bytes.
        let end = n;
        while (end > 0 && (buf[end - 1] & 0xc0) === 0x80) end--;
        if (end > 0 && buf[end - 1] >= 0xc0) end--;
        if (end === 0) end = n;
        pos -= n - end;
        out.write(buf.toString('utf8', 0, end));
      }
      closeSync(this.fd);
      rmSync(this.dir!, { recursive: true, force: true });
      this.fd = -1;
      this.dir = null;
    } else {
      for (const p of this.parts) out.write(p);
    }
    this.parts = [];
    this.size = 0;
  }
}
