/**
 * The event log gives back every field as it was emitted: times held as offsets from a chunk's base while they fit,
 * and as 8-byte numbers once one does not (a fraction, a jump of hours, a time before the chunk's first); threads
 * other than 1 anywhere in a chunk.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Ev } from '../../src/machine/events';
import { EVENT_CHUNK, EventLog } from '../../src/trace/eventLog';

/** Emits `n` events from `from` with fields made from the index by `f`; returns what was emitted. */
function fill(log: EventLog, n: number, f: (i: number) => { thread: number; time: number }): { thread: number; time: number }[] {
  const out = [];
  for (let i = 0; i < n; i++) {
    const e = f(i);
    log.emit(Ev.CpuCopy, e.thread, e.time, i, 5 - i, i * 3);
    out.push(e);
  }
  return out;
}

test('the event log gives back the time and thread of every event, in narrow and wide chunks alike', () => {
  const log = new EventLog();
  const n = 4 * EVENT_CHUNK + 123;
  const HOUR = 3600e9;
  const want = fill(log, n, (i) => {
    const chunk = Math.floor(i / EVENT_CHUNK);
    const k = i % EVENT_CHUNK;
    // Chunk 0: whole ns, close together, thread 1. Chunk 1: one event an hour later, then one a little before the
    // chunk's first. Chunk 2: a fraction of a ns late in the chunk, threads 1 and 2. Chunks 3 and 4: times near 2^52,
    // thread 3 from the 101st event of each.
    if (chunk === 0) return { thread: 1, time: 1000 + 7 * k };
    if (chunk === 1) return { thread: 1, time: k === 500 ? 5e9 + HOUR : k === 501 ? 5e9 - 3 : 5e9 + k };
    if (chunk === 2) return { thread: k % 3 === 0 ? 2 : 1, time: k === 40000 ? 9e9 + 0.5 : 9e9 + k };
    return { thread: k > 100 ? 3 : 1, time: 2 ** 52 + 2 * k };
  });
  assert.equal(log.length, n);
  for (let i = 0; i < n; i++) {
    assert.equal(log.time(i), want[i].time, `time of event ${i}`);
    assert.equal(log.thread(i), want[i].thread, `thread of event ${i}`);
    assert.equal(log.a(i), i);
    assert.equal(log.b(i), 5 - i);
    assert.equal(log.c(i), i * 3);
    assert.equal(log.kind(i), Ev.CpuCopy);
  }
  // 17 bytes an event; a thread column in chunks 2, 3 and 4, wide times in chunks 1 and 2.
  assert.equal(log.memoryBytes(), 5 * EVENT_CHUNK * 17 + 3 * EVENT_CHUNK + 2 * 8 * EVENT_CHUNK);
  // Forgotten events leave the earlier ones as they were; new ones may differ.
  log.truncate(EVENT_CHUNK + 10);
  fill(log, 3, () => ({ thread: 4, time: 1.25 }));
  for (let i = 0; i < EVENT_CHUNK + 10; i++) assert.equal(log.time(i), want[i].time, `time of event ${i} after truncate`);
  assert.equal(log.time(EVENT_CHUNK + 11), 1.25);
  assert.equal(log.thread(EVENT_CHUNK + 11), 4);
  assert.equal(log.thread(EVENT_CHUNK + 9), 1);
});
