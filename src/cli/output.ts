/**
 * Writing a run's output as it goes: text to stdout in large chunks (a write a line would cost more than the model),
 * and the JSON document's operations held until the totals that come before them are known, in memory while small and
 * in a temporary file beyond that, so that memory stays flat however long the run.
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CHUNK = 1 << 16;

/** stdout (or `sink`), written in chunks of 64 KiB. */
export class Output {
  private text = '';

  constructor(private readonly sink: (s: string) => void = (s) => process.stdout.write(s)) {}

  write(s: string): void {
    this.text += s;
    if (this.text.length >= CHUNK) this.flush();
  }

  line(s: string): void {
    this.text += s;
    this.text += '\n';
    if (this.text.length >= CHUNK) this.flush();
  }

  flush(): void {
    if (!this.text) return;
    this.sink(this.text);
    this.text = '';
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
