/**
 * The recorded event stream, kept in chunked typed arrays: 22 bytes an event and no object per event, so that a
 * run of millions of syscalls stays within a few hundred MiB.
 */
import { Ev, EventSink } from '../machine/events';

const SHIFT = 16;
/** Events a chunk holds; event i is at slot i % EVENT_CHUNK of chunk ⌊i / EVENT_CHUNK⌋ (see chunkOf). */
export const EVENT_CHUNK = 1 << SHIFT;
const CHUNK = EVENT_CHUNK;
const MASK = CHUNK - 1;

/** One chunk's columns: kind, thread, time (ns), a, b, c of EVENT_CHUNK events. */
export interface Chunk {
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

  /**
   * `keep` false: a log that only counts the events (a run whose output needs no event, `iosim run`). `stopAfter`:
   * the log throws StopReplay as it counts that event (see `replay`); -1: never. Both are set here and never after:
   * a store to a field the optimized code took for constant would throw away every function that inlined emit.
   */
  constructor(readonly keep = true, private readonly stopAfter = -1) {}

  /**
   * The sink of a replay: it keeps nothing, counts events from `start` (the position of the checkpoint it starts
   * from) and stops the machine right after event `stopAfter` (-1: never). The same class as the live log, so that
   * the machine's calls to `sink.emit` stay monomorphic and the code optimized during a live run serves replays
   * without deoptimizing (issue 10).
   */
  static replay(start: number, stopAfter: number): EventLog {
    const log = new EventLog(false, stopAfter);
    log.length = start;
    return log;
  }

  emit(kind: Ev, thread: number, time: number, a: number, b: number, c: number): void {
    // The same steps in a live log and a replay's up to the store (a live log never stops: stopAfter is -1), so that
    // code optimized during a live run, with this inlined, has seen every step a replay takes.
    const n = this.length++;
    if (n === this.stopAfter) throw new StopReplay();
    if (!this.keep) return;
    const i = n & MASK;
    if (i === 0) {
      const ci = n >>> SHIFT;
      if (ci >= this.chunks.length) this.chunks.push(newChunk());
    }
    const ch = this.chunks[n >>> SHIFT];
    ch.kind[i] = kind;
    ch.thread[i] = thread;
    ch.time[i] = time;
    ch.a[i] = a;
    ch.b[i] = b;
    ch.c[i] = c;
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

  /**
   * The chunk holding event `i`, for scans over many events (a loop over its columns from slot i % EVENT_CHUNK costs
   * no lookup an event). Read only; slots at or past `length` hold nothing recorded.
   */
  chunkOf(i: number): Readonly<Chunk> {
    return this.chunks[i >>> SHIFT];
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

export class StopReplay extends Error {
  constructor() {
    super('replay reached its position');
  }
}
