/**
 * Line cursors over a strace log: one over a string already in memory, one that streams a file of any size with
 * positional reads (no handle on the text itself, so a 1 GB log costs a chunk buffer, not a gigabyte string).
 * A position is an offset in the cursor's own units (characters for a string, bytes for a file): the replay keeps
 * it in its snapshots and comes back to it with seek().
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

export interface LineCursor {
  /** The next line without its line ending, or null at the end. */
  next(): string | null;
  /** Where the next line starts. */
  readonly offset: number;
  seek(offset: number): void;
}

/** Something that can open independent cursors over the same text (each replay source needs its own). */
export interface LineSource {
  open(): LineCursor;
  /** Size of the text in the cursor's units. */
  readonly size: number;
}

export class TextLines implements LineCursor {
  offset = 0;
  constructor(private readonly text: string) {}

  next(): string | null {
    const t = this.text;
    const start = this.offset;
    if (start >= t.length) return null;
    let end = t.indexOf('\n', start);
    if (end < 0) end = t.length;
    this.offset = end + 1;
    if (end > start && t.charCodeAt(end - 1) === 13) end--;
    return t.slice(start, end);
  }

  seek(offset: number): void {
    this.offset = offset;
  }
}

export function textSource(text: string): LineSource {
  return { open: () => new TextLines(text), size: text.length };
}

const CHUNK = 1 << 20;
/** A line longer than this is cut (strace with -s 1000000 on a huge buffer); the rest is skipped. */
const MAX_LINE = 64 << 20;

export class FileLines implements LineCursor {
  private buf: Buffer;
  /** File offset of buf[0], and how many bytes of buf are valid. */
  private bufStart = 0;
  private bufLen = 0;
  offset = 0;

  constructor(private readonly fd: number, private readonly fileSize: number, chunk = CHUNK) {
    this.buf = Buffer.allocUnsafe(chunk);
  }

  next(): string | null {
    if (this.offset >= this.fileSize) return null;
    for (;;) {
      const rel = this.offset - this.bufStart;
      if (rel >= 0 && rel < this.bufLen) {
        const nl = this.buf.indexOf(10, rel);
        if (nl >= 0 && nl < this.bufLen) {
          let end = nl;
          if (end > rel && this.buf[end - 1] === 13) end--;
          const s = this.buf.toString('utf8', rel, end);
          this.offset = this.bufStart + nl + 1;
          return s;
        }
        if (this.bufStart + this.bufLen >= this.fileSize) {
          // The last line has no newline.
          const s = this.buf.toString('utf8', rel, this.bufLen);
          this.offset = this.fileSize;
          return s;
        }
        if (rel === 0 && this.bufLen === this.buf.length) {
          // A line longer than the buffer: grow it, up to a limit.
          if (this.buf.length >= MAX_LINE) return this.skipLongLine();
          const bigger = Buffer.allocUnsafe(this.buf.length * 2);
          this.buf.copy(bigger, 0, 0, this.bufLen);
          this.buf = bigger;
          this.bufLen += readSync(this.fd, this.buf, this.bufLen, this.buf.length - this.bufLen, this.bufStart + this.bufLen);
          continue;
        }
      }
      this.fill(this.offset);
    }
  }

  private fill(at: number): void {
    this.bufStart = at;
    this.bufLen = 0;
    while (this.bufLen < this.buf.length) {
      const n = readSync(this.fd, this.buf, this.bufLen, this.buf.length - this.bufLen, at + this.bufLen);
      if (n <= 0) break;
      this.bufLen += n;
    }
  }

  /** Returns the start of an over-long line and moves past its end. */
  private skipLongLine(): string {
    const head = this.buf.toString('utf8', 0, 4096);
    let at = this.bufStart + this.bufLen;
    for (;;) {
      this.fill(at);
      if (this.bufLen === 0) {
        this.offset = this.fileSize;
        return head;
      }
      const nl = this.buf.indexOf(10, 0);
      if (nl >= 0 && nl < this.bufLen) {
        this.offset = this.bufStart + nl + 1;
        return head;
      }
      at += this.bufLen;
    }
  }

  seek(offset: number): void {
    this.offset = offset;
  }
}

/**
 * A log on disk. Every cursor reads through one shared descriptor with positional reads, so cursors stay
 * independent. The descriptor stays open for the life of the program (a debug session); close() releases it.
 */
export class FileSource implements LineSource {
  readonly size: number;
  private fd: number;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'r');
    this.size = fstatSync(this.fd).size;
  }

  open(chunk?: number): LineCursor {
    return new FileLines(this.fd, this.size, chunk);
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}
