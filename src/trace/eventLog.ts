/**
 * The recorded event stream, kept in chunked typed arrays: 17 bytes an event and no object per event, so that a
 * run of millions of syscalls stays within a few hundred MiB. Every byte kept is a byte the kernel hands out page by
 * page (a page fault each 4 KiB): on the 1M-line log's 10.75 M events, each byte an event saved is 2,600 faults.
 */
import { Ev, EventSink } from '../machine/events';

const SHIFT = 16;
/** Events a chunk holds; event i is at slot i % EVENT_CHUNK of chunk ⌊i / EVENT_CHUNK⌋ (see chunkOf). */
export const EVENT_CHUNK = 1 << SHIFT;
const CHUNK = EVENT_CHUNK;
const MASK = CHUNK - 1;
/** How far before its first event a chunk's times start: events may carry a time before the one emitted last (evAt). */
const BEFORE = 2 ** 31;

/**
 * One chunk's columns: kind, time (ns), a, b, c of EVENT_CHUNK events, and their thread. Times are whole nanoseconds
 * close together, as 4-byte offsets from `base` (`delta`), until one is not (a fraction, or more than 2 s away from
 * the chunk's first): then the chunk holds them all in `wide`, 8 bytes each. `thread` is null while every event of
 * the chunk ran on thread 1 (most logs have one thread).
 */
export interface Chunk {
  kind: Uint8Array;
  thread: Uint8Array | null;
  base: number;
  delta: Uint32Array;
  wide: Float64Array | null;
  a: Int32Array;
  b: Int32Array;
  c: Int32Array;
}

function newChunk(firstTime: number): Chunk {
  return {
    kind: new Uint8Array(CHUNK), thread: null, base: firstTime - BEFORE, delta: new Uint32Array(CHUNK), wide: null,
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
      if (ci >= this.chunks.length) this.chunks.push(newChunk(time));
    }
    const ch = this.chunks[n >>> SHIFT];
    ch.kind[i] = kind;
    if (thread !== 1 || ch.thread !== null) threadColumn(ch)[i] = thread;
    // A whole number of ns in [0, 2^32) from the base is its own unsigned 32-bit value; the sum gives the time back
    // exactly (checked: a subtraction of large numbers may round).
    const d = time - ch.base;
    if (ch.wide === null && d >>> 0 === d && ch.base + d === time) ch.delta[i] = d;
    else wideColumn(ch, i)[i] = time;
    ch.a[i] = a;
    ch.b[i] = b;
    ch.c[i] = c;
  }

  kind(i: number): Ev {
    return this.chunks[i >>> SHIFT].kind[i & MASK];
  }
  thread(i: number): number {
    const t = this.chunks[i >>> SHIFT].thread;
    return t === null ? 1 : t[i & MASK];
  }
  time(i: number): number {
    const ch = this.chunks[i >>> SHIFT];
    return ch.wide === null ? ch.base + ch.delta[i & MASK] : ch.wide[i & MASK];
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
    let bytes = 0;
    for (const ch of this.chunks) bytes += CHUNK * 17 + (ch.thread ? CHUNK : 0) + (ch.wide ? 8 * CHUNK : 0);
    return bytes;
  }
}

/** The chunk's thread column, made (all thread 1 so far) when its first event on another thread comes. */
function threadColumn(ch: Chunk): Uint8Array {
  if (ch.thread === null) ch.thread = new Uint8Array(CHUNK).fill(1);
  return ch.thread;
}

/** The chunk's times as 8-byte numbers, made from the offsets held so far (slots before `upTo`) when first needed. */
function wideColumn(ch: Chunk, upTo: number): Float64Array {
  if (ch.wide === null) {
    const w = new Float64Array(CHUNK);
    for (let k = 0; k < upTo; k++) w[k] = ch.base + ch.delta[k];
    ch.wide = w;
  }
  return ch.wide;
}

export class StopReplay extends Error {
  constructor() {
    super('replay reached its position');
  }
}
