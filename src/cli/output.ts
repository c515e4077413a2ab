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
 * needs none, and callLine copies a log's bytes straight to the output (no string is made of them).
 */
export class Output {
  private buf = Buffer.allocUnsafe(CHUNK);
  private view = new DataView(this.buf.buffer, this.buf.byteOffset, CHUNK);
  private pos = 0;
  /** The last buffer callLine copied from, and a view of it (a log's cursor keeps its buffer for many lines). */
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
   * The line `head` + bytes[s1, e1) + ' = ' + bytes[s2, e2) + `tail`, when everything in it is printable ASCII (so
   * nothing a terminal acts on, and the same characters as the bytes' UTF-8 text): true. Otherwise nothing is
   * written and the answer is false (the caller prints the line another way).
   */
  callLine(head: string, bytes: Buffer, s1: number, e1: number, s2: number, e2: number, tail: string): boolean {
    const n = head.length + (e1 - s1) + 3 + (e2 - s2) + tail.length + 1;
    if (n > CHUNK) return false;
    if (this.pos + n > this.buf.length) this.flush();
    const start = this.pos;
    if (this.ascii(head) && this.copy(bytes, s1, e1)) {
      const out = this.buf;
      out[this.pos++] = 32;
      out[this.pos++] = 61;
      out[this.pos++] = 32;
      if (this.copy(bytes, s2, e2) && this.ascii(tail)) {
        out[this.pos++] = 10;
        return true;
      }
    }
    this.pos = start;
    return false;
  }

  /**
   * Appends `s` if it is printable ASCII (the room is there); false otherwise. Encoded natively, then checked: `s`
   * is often a string just concatenated, which a loop of charCodeAt would first have to flatten.
   */
  private ascii(s: string): boolean {
    const p = this.pos;
    const n = this.buf.write(s, p, 'utf8');
    // Fewer bytes than characters: it did not fit; more, or a byte outside 0x20-0x7e: not printable ASCII.
    if (n !== s.length || !this.printable(p, p + n)) return false;
    this.pos = p + n;
    return true;
  }

  /** Whether buf[s, e) is all printable ASCII. */
  private printable(s: number, e: number): boolean {
    const out = this.buf;
    for (let k = s; k < e; k++) if (out[k] < 32 || out[k] > 126) return false;
    return true;
  }

  /**
   * Appends bytes[s, e) if they are printable ASCII (the room is there); false at the first other byte. Four bytes at
   * a time: a word w holds one outside 0x20-0x7e when a byte has its top bit set (0x80 and above), or its low seven
   * bits plus 1 carry into the top bit (0x7f), or plus 0x60 do not (below 0x20); no byte carries into the next.
   */
  private copy(bytes: Buffer, s: number, e: number): boolean {
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
