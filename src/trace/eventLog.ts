/**
 * The recorded event stream, kept in chunked typed arrays: 22 bytes an event and no object per event, so that a
 * run of millions of syscalls stays within a few hundred MiB.
 */
import { Ev, EventSink } from '../machine/events';

const SHIFT = 16;
const CHUNK = 1 << SHIFT;
const MASK = CHUNK - 1;

interface Chunk {
  kind: Uint8Array;
  thread: Uint8Array;
  time: Float64Array;
  a: Int32Array;
  b: Int32Array;
  c: Int32Array;
}

function newChunk(): Chunk {
  return {
    kind: new Uint8Array(CHUNK), thread: new Uint8Array(CHUNK), time: new Float64Array(CHUNK),
    a: new Int32Array(CHUNK), b: new Int32Array(CHUNK), c: new Int32Array(CHUNK),
  };
}

export class EventLog implements EventSink {
  private chunks: Chunk[] = [];
  length = 0;

  /** `keep` false: a log that only counts the events (a run whose output needs no event, `iosim run`). */
  constructor(readonly keep = true) {}

  emit(kind: Ev, thread: number, time: number, a: number, b: number, c: number): void {
    if (!this.keep) {
      this.length++;
      return;
    }
    const i = this.length & MASK;
    if (i === 0) {
      const ci = this.length >>> SHIFT;
      if (ci >= this.chunks.length) this.chunks.push(newChunk());
    }
    const ch = this.chunks[this.length >>> SHIFT];
    ch.kind[i] = kind;
    ch.thread[i] = thread;
    ch.time[i] = time;
    ch.a[i] = a;
    ch.b[i] = b;
    ch.c[i] = c;
    this.length++;
  }

  kind(i: number): Ev {
    return this.chunks[i >>> SHIFT].kind[i & MASK];
  }
  thread(i: number): number {
    return this.chunks[i >>> SHIFT].thread[i & MASK];
  }
  time(i: number): number {
    return this.chunks[i >>> SHIFT].time[i & MASK];
  }
  a(i: number): number {
    return this.chunks[i >>> SHIFT].a[i & MASK];
  }
  b(i: number): number {
    return this.chunks[i >>> SHIFT].b[i & MASK];
  }
  c(i: number): number {
    return this.chunks[i >>> SHIFT].c[i & MASK];
  }

  /** Forgets events from `n` on (the future is re-run after a change such as a sysctl edit). */
  truncate(n: number): void {
    if (n >= this.length) return;
    this.length = n;
    this.chunks.length = Math.ceil(n / CHUNK) || 0;
  }

  /** Bytes held by the typed arrays. */
  memoryBytes(): number {
    return this.chunks.length * CHUNK * 22;
  }
}

/** Counts events without keeping them, and stops the machine right after a given position (replay to a state). */
export class ReplaySink implements EventSink {
  constructor(public position: number, private stopAfter: number) {}
  emit(): void {
    if (this.position++ === this.stopAfter) throw new StopReplay();
  }
}

export class StopReplay extends Error {
  constructor() {
    super('replay reached its position');
  }
}
