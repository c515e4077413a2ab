/**
 * Writing a run's output as it goes: text to stdout in large chunks (a write a line would cost more than the model),
 * and the JSON document's operations held until the totals that come before them are known, in memory while small and
 * in a temporary file beyond that, so that memory stays flat however long the run.
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CHUNK = 1 << 16;

/**
 * stdout (or `sink`), written in chunks of about 64 KiB of UTF-8, each whole characters. Text given to write and line
 * goes through `escape` first (the CLI's terminalText for a person, safeJson for JSON); lineAsIs takes a line that
 * needs none; begin ... end builds a line in place from printable ASCII pieces, a log's bytes among them (no string
 * is made of them), and undo takes it back when a piece is not.
 */
export class Output {
  private buf = Buffer.allocUnsafe(CHUNK);
  private view = new DataView(this.buf.buffer, this.buf.byteOffset, CHUNK);
  private pos = 0;
  /** Where the line begun starts. */
  private mark = 0;
  /** The last buffer copied from, and a view of it (a log's cursor keeps its buffer for many lines). */
  private srcBytes: Buffer | null = null;
  private srcView: DataView | null = null;

  constructor(
    private readonly sink: (chunk: Uint8Array) => void = (b) => process.stdout.write(b),
    private readonly escape: (s: string) => string = (s) => s,
  ) {}

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
    if (max + 1 > CHUNK) return false;
    if (this.pos + max + 1 > this.buf.length) this.flush();
    this.mark = this.pos;
    return true;
  }

  /** Ends the line begun. */
  end(): void {
    this.buf[this.pos++] = 10;
    if (this.pos >= CHUNK) this.flush();
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
    const s = Math.floor(ns / 1e9);
    // The nine decimals, three digits at a time.
    let f = (ns - s * 1e9) | 0;
    const hi = (f / 1e6) | 0;
    f -= hi * 1e6;
    const mid = (f / 1000) | 0;
    const lo = f - mid * 1000;
    this.decimal(s, 0);
    const out = this.buf;
    let p = this.pos;
    out[p++] = 46;
    p = put3(out, p, hi);
    p = put3(out, p, mid);
    this.pos = put3(out, p, lo);
    return true;
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
   * Appends bytes[s, e) if they are printable ASCII, false at the first other byte. Four bytes at a time: a word w
   * holds one outside 0x20-0x7e when a byte has its top bit set (0x80 and above), or its low seven bits plus 1 carry
   * into the top bit (0x7f), or plus 0x60 do not (below 0x20); no byte carries into the next.
   */
  copy(bytes: Buffer, s: number, e: number): boolean {
    if (bytes !== this.srcBytes) {
      this.srcBytes = bytes;
      this.srcView = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
    }
    const src = this.srcView!;
    const dst = this.view;
    let p = this.pos;
    let k = s;
    for (; k + 4 <= e; k += 4, p += 4) {
      const w = src.getInt32(k);
      const low = w & 0x7f7f7f7f;
      if (((w | (low + 0x01010101) | ~(low + 0x60606060)) & 0x80808080) !== 0) return false;
      dst.setInt32(p, w);
    }
    const out = this.buf;
    for (; k < e; k++) {
      const c = bytes[k];
      if (c < 32 || c > 126) return false;
      out[p++] = c;
    }
    this.pos = p;
    return true;
  }

  flush(): void {
    if (this.pos === 0) return;
    // The sink may keep the chunk (a pipe written later): the next one goes to a new buffer.
    this.sink(this.buf.subarray(0, this.pos));
    this.buf = Buffer.allocUnsafe(CHUNK);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, CHUNK);
    this.pos = 0;
  }

  private newline(): void {
    if (this.pos >= this.buf.length) this.flush();
    this.buf[this.pos++] = 10;
    if (this.pos >= CHUNK) this.flush();
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
