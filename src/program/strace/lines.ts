/**
 * Line cursors over a strace log: one over a string already in memory, one that streams a file of any size with
 * positional reads (no handle on the text itself, so a 1 GB log costs a chunk buffer, not a gigabyte string).
 * A position is a byte offset in the text (in memory or on disk alike): the replay keeps it in its snapshots and
 * comes back to it with seek(). Cursors hand out a line as a string, or as a range of bytes the replay reads in place.
 */
import { closeSync, fstatSync, readSync } from 'node:fs';
import { openRegularFile } from '../openFile';

export interface LineCursor {
  /** The next line without its line ending, or null at the end. */
  next(): string | null;
  /**
   * Moves to the next line without decoding it: its bytes are then bytes[start, end) (no line ending), valid until
   * the cursor moves again. False at the end. The replay reads its commonest lines straight from these bytes.
   */
  advance(): boolean;
  readonly bytes: Buffer;
  readonly start: number;
  readonly end: number;
  /** The line advance() moved to, decoded (UTF-8). */
  text(): string;
  /**
   * -1, or the length in bytes of the line advance() moved past without reading it: one longer than MAX_LINE (its
   * bytes are then empty). The replay reports it as a bad line.
   */
  readonly long: number;
  /** Where the next line starts. */
  readonly offset: number;
  /**
   * How many times the cursor has put other bytes in its buffer (refilled or replaced it): a range of `bytes` taken
   * while it had one value holds the same bytes as long as it keeps it.
   */
  readonly fills: number;
  seek(offset: number): void;
}

/** Something that can open independent cursors over the same text (each replay source needs its own). */
export interface LineSource {
  open(): LineCursor;
  /** Size of the text in the cursor's units. */
  readonly size: number;
}

/** Lines of a string, as strings (a reference splitter: the sources below hand out bytes and strings alike). */
export class TextLines {
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

/** A log already in memory: its UTF-8 bytes, once (positions are byte offsets, as for a file). */
export function textSource(text: string): LineSource {
  const bytes = Buffer.from(text, 'utf8');
  return { open: () => new FileLines(-1, bytes.length, bytes), size: bytes.length };
}

const CHUNK = 1 << 20;
/**
 * The longest line read, in bytes (without its line ending). A longer one is skipped, not buffered: a log that is one
 * endless line (a device, a binary file) would otherwise be held whole in memory. Even strace -s 65536 writes lines
 * of at most 256 KiB (every byte escaped as \xNN); only -s beyond that makes longer ones.
 */
export const MAX_LINE = 1 << 20;
/** The buffer a line must fit in: MAX_LINE bytes and a CR LF. */
const MAX_BUFFER = MAX_LINE + 2;

/**
 * Lines of a file read a chunk at a time with positional reads (fd >= 0), or of bytes already in memory (fd -1: the
 * buffer is the whole text and is never refilled).
 */
export class FileLines implements LineCursor {
  private buf: Buffer;
  /** File offset of buf[0], and how many bytes of buf are valid. */
  private bufStart = 0;
  private bufLen = 0;
  offset = 0;
  /** The current line: bytes[start, end) (bytes is buf, or a copy of the head of an over-long line). */
  bytes: Buffer;
  start = 0;
  end = 0;
  long = -1;
  fills = 0;

  constructor(private readonly fd: number, private readonly fileSize: number, chunkOrBytes: number | Buffer = CHUNK) {
    if (typeof chunkOrBytes === 'number') {
      this.buf = Buffer.allocUnsafe(chunkOrBytes);
    } else {
      this.buf = chunkOrBytes;
      this.bufLen = fileSize;
    }
    this.bytes = this.buf;
  }

  next(): string | null {
    return this.advance() ? this.bytes.toString('utf8', this.start, this.end) : null;
  }

  text(): string {
    return this.bytes.toString('utf8', this.start, this.end);
  }

  advance(): boolean {
    if (this.offset >= this.fileSize) return false;
    this.long = -1;
    for (;;) {
      const rel = this.offset - this.bufStart;
      const buf = this.buf;
      if (rel >= 0 && rel < this.bufLen) {
        const nl = buf.indexOf(10, rel);
        if (nl >= 0 && nl < this.bufLen) {
          let end = nl;
          if (end > rel && buf[end - 1] === 13) end--;
          this.bytes = buf;
          this.start = rel;
          this.end = end;
          this.offset = this.bufStart + nl + 1;
          // A text in memory has its long lines whole: skipped all the same, as a file's would be.
          if (end - rel > MAX_LINE) this.skipped(end - rel);
          // A UTF-8 byte order mark (EF BB BF, as some Windows editors save) is not part of the first line.
          else if (this.bufStart + rel === 0 && end >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) this.start = 3;
          return true;
        }
        if (this.bufStart + this.bufLen >= this.fileSize) {
          // The last line has no newline.
          this.bytes = buf;
          this.start = rel;
          this.end = this.bufLen;
          this.offset = this.fileSize;
          if (this.bufLen - rel > MAX_LINE) this.skipped(this.bufLen - rel);
          else if (this.bufStart + rel === 0 && this.bufLen >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) this.start = 3;
          return true;
        }
        if (rel === 0 && this.bufLen === buf.length) {
          // A line longer than the buffer: grow it, up to a limit.
          if (buf.length >= MAX_BUFFER) {
            this.skipLongLine();
            return true;
          }
          const bigger = Buffer.allocUnsafe(Math.min(buf.length * 2, MAX_BUFFER));
          buf.copy(bigger, 0, 0, this.bufLen);
          this.buf = bigger;
          this.fills++;
          this.bufLen += readSync(this.fd, bigger, this.bufLen, bigger.length - this.bufLen, this.bufStart + this.bufLen);
          continue;
        }
      }
      this.fill(this.offset);
    }
  }

  private fill(at: number): void {
    this.fills++;
    this.bufStart = at;
    this.bufLen = 0;
    while (this.bufLen < this.buf.length) {
      const n = readSync(this.fd, this.buf, this.bufLen, this.buf.length - this.bufLen, at + this.bufLen);
      if (n <= 0) break;
      this.bufLen += n;
    }
  }

  /** The current line is an over-long one of `length` bytes: it is empty, and `long` says how long it was. */
  private skipped(length: number): void {
    this.start = this.end;
    this.long = length;
  }

  /** Moves past an over-long line (the buffer holds its start), a chunk at a time, without keeping any of it. */
  private skipLongLine(): void {
    const lineStart = this.bufStart;
    let at = this.bufStart + this.bufLen;
    let end = this.fileSize;
    for (;;) {
      this.fill(at);
      if (this.bufLen === 0) {
        this.offset = this.fileSize;
        break;
      }
      const nl = this.buf.indexOf(10, 0);
      if (nl >= 0 && nl < this.bufLen) {
        this.offset = this.bufStart + nl + 1;
        end = this.offset - 1;
        break;
      }
      at += this.bufLen;
    }
    this.bytes = this.buf;
    this.end = 0;
    this.skipped(end - lineStart);
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
    // A device or a FIFO is refused: it has no end to read to (../openFile.ts).
    this.fd = openRegularFile(path);
    this.size = fstatSync(this.fd).size;
  }

  open(chunk?: number): LineCursor {
    return new FileLines(this.fd, this.size, chunk ?? CHUNK);
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}
