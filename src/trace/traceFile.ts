/**
 * The exported trace as a JSON document written a chunk at a time: a run of millions of events would not fit in
 * one string (V8 caps strings at about 512 MiB), so the document never exists whole in memory.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { emitChromeTrace } from './export';
import { Trace } from './trace';

/** Chunks handed to the writer are about this many characters. */
const CHUNK_CHARS = 1 << 20;

/** The output cannot be written (missing folder, a directory, no space, …): the user's to fix, not a crash. */
export class TraceWriteError extends Error {
  override name = 'TraceWriteError';
}

function cannotWrite(path: string, e: unknown): TraceWriteError {
  return new TraceWriteError(`cannot write ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
}

/** Writes the document through `write` and returns the number of events. */
export function writeChromeTrace(t: Trace, write: (chunk: string) => void): number {
  let buf = '{"traceEvents":[';
  let n = 0;
  const otherData = emitChromeTrace(t, (e) => {
    buf += (n++ === 0 ? '\n' : ',\n') + JSON.stringify(e);
    if (buf.length >= CHUNK_CHARS) {
      write(buf);
      buf = '';
    }
  });
  write(`${buf}\n],\n"otherData":${JSON.stringify(otherData)}}\n`);
  return n;
}

/** A file opened for the trace before the (possibly long) run, so that a bad path fails at once. */
export class TraceFile {
  private fd: number;

  constructor(readonly path: string) {
    try {
      this.fd = openSync(path, 'w');
    } catch (e) {
      throw cannotWrite(path, e);
    }
  }

  write(t: Trace): number {
    try {
      return writeChromeTrace(t, (chunk) => {
        const bytes = Buffer.from(chunk, 'utf8');
        try {
          for (let off = 0; off < bytes.length;) off += writeSync(this.fd, bytes, off);
        } catch (e) {
          throw cannotWrite(this.path, e);
        }
      });
    } finally {
      closeSync(this.fd);
    }
  }
}

/** Writes the trace to `path`; throws TraceWriteError when the file cannot be written. */
export function writeChromeTraceFile(t: Trace, path: string): number {
  return new TraceFile(path).write(t);
}
