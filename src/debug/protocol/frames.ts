/**
 * Reads DAP frames (`Content-Length: N\r\n\r\n` + N bytes of JSON) from a byte stream that any client, or any bug
 * in one, may write. The base class's reader gives up on the first bad frame and the adapter exits; this one says
 * what it skipped and goes on with the next frame:
 * - a body that is not JSON is skipped;
 * - a Content-Length longer than the body would swallow the requests after it: a new header inside the awaited
 *   body ends the short frame early (JSON text cannot hold `Content-Length: N` followed by a raw CR LF CR LF: inside
 *   a string they would be escaped, outside one they are not JSON);
 * - a Content-Length shorter than the body leaves the rest to be skipped as junk before the next header;
 * - a header block without a Content-Length, or announcing more than MAX_BODY bytes, is skipped.
 */

/** Larger bodies are refused: no request of this adapter comes near it, and buffering it would cost the memory. */
export const MAX_BODY = 64 << 20;
/** Bytes without a header end kept waiting for one, at most. */
const MAX_HEADER = 64 << 10;

const HEADER_END = Buffer.from('\r\n\r\n');
const HEADER_NAME = Buffer.from('Content-Length:');

export class FrameReader {
  private buf: Buffer = Buffer.alloc(0);
  /** Length of the body being read; -1 while reading a header. */
  private need = -1;

  constructor(private readonly onBody: (text: string) => void, private readonly warn: (warning: string) => void) {}

  push(data: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, data]) : data;
    this.drain();
  }

  private drain(): void {
    for (;;) {
      if (this.need < 0) {
        const end = this.buf.indexOf(HEADER_END);
        if (end < 0) {
          if (this.buf.length > MAX_HEADER) {
            this.warn(`skipped ${this.buf.length} bytes that hold no frame header: ${preview(this.buf)}`);
            this.buf = Buffer.alloc(0);
          }
          return;
        }
        const header = this.buf.toString('latin1', 0, end);
        this.buf = this.buf.subarray(end + HEADER_END.length);
        // Junk before a header (the tail of a frame whose Content-Length was too short) is skipped with it.
        const all = [...header.matchAll(/Content-Length:[ \t]*(\d+)[ \t]*(?:\r\n|$)/gi)];
        const m = all[all.length - 1];
        if (!m) {
          this.warn(`skipped a frame header without a Content-Length: ${preview(Buffer.from(header, 'latin1'))}`);
          continue;
        }
        if (m.index! > 0) this.warn(`skipped ${m.index} bytes before a frame header: ${preview(Buffer.from(header.slice(0, m.index), 'latin1'))}`);
        const n = Number(m[1]);
        if (n > MAX_BODY) {
          this.warn(`skipped a frame of ${m[1]} bytes (at most ${MAX_BODY} are read)`);
          continue;
        }
        this.need = n;
      }
      const next = this.nextHeader(Math.min(this.need, this.buf.length));
      if (next >= 0) {
        this.warn(`a frame's Content-Length (${this.need}) is longer than its body (${next} bytes): read the body up to the next header`);
        this.body(next);
        continue;
      }
      if (this.buf.length < this.need) return;
      this.body(this.need);
    }
  }

  private body(n: number): void {
    const text = this.buf.toString('utf8', 0, n);
    this.buf = this.buf.subarray(n);
    this.need = -1;
    if (text.trim().length) this.onBody(text);
    else this.warn('skipped an empty frame');
  }

  /** Where a frame header starts inside the first `limit` bytes of the awaited body, or -1. */
  private nextHeader(limit: number): number {
    let from = 0;
    for (;;) {
      const at = this.buf.indexOf(HEADER_NAME, from);
      if (at < 0 || at >= limit) return -1;
      if (/^Content-Length:[ \t]*\d+[ \t]*\r\n\r\n/i.test(this.buf.toString('latin1', at, at + 40))) return at;
      from = at + 1;
    }
  }
}

/** A short, printable excerpt for a warning. */
export function preview(bytes: Buffer | string): string {
  const text = typeof bytes === 'string' ? bytes : bytes.toString('utf8', 0, Math.min(bytes.length, 160));
  const shown = JSON.stringify(text.length > 120 ? `${text.slice(0, 120)}…` : text);
  return shown;
}
