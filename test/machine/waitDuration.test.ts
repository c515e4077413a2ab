/**
 * A wait longer than 2^31 − 1 ns (2.1 s) is kept exact in the event log: a Block event's nanoseconds are split over
 * two 31-bit fields (events.ts, split31). Before, a 40 s sleep showed as "waits 2.147 s". Values worked out by hand.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeEvent } from '../../src/debug/describe';
import { Ev, join31, split31, WaitReason } from '../../src/machine/events';
import { loadStrace } from '../../src/program/strace/load';
import { Trace } from '../../src/trace/trace';
import { events, GiB, run } from './helpers';

test('split31 and join31: exact from 0 to 2^53, the clock\'s limit, and for negatives', () => {
  // 40 s = 40,000,000,000 ns = 18 × 2^31 (38,654,705,664) + 1,345,294,336.
  assert.deepEqual(split31(40e9), { lo: 1_345_294_336, hi: 18 });
  for (const v of [0, 1, 2 ** 31 - 1, 2 ** 31, 2 ** 32 + 5, 40e9, 8 * GiB, 2 ** 53 - 1, 2 ** 53, -5, -(2 ** 31) - 1]) {
    const s = split31(v);
    assert.ok(Math.abs(s.lo) < 2 ** 31 && Math.abs(s.hi) <= 2 ** 22, `${v}: ${JSON.stringify(s)}`);
    assert.equal(join31(s.lo, s.hi), v);
  }
});

test('a scenario that sleeps 40 s: one Block event of exactly 40,000,000,000 ns, described as 40 s', () => {
  const t = run('sleep 40s\n');
  const blocks = events(t, [Ev.Block]);
  assert.equal(blocks.length, 1);
  const b = blocks[0];
  assert.equal(b.b, WaitReason.Sleep);
  assert.equal(b.a, 1_345_294_336);
  assert.equal(b.c, 18);
  assert.equal(join31(b.a, b.c), 40_000_000_000);
  assert.equal(describeEvent(t, b.pos), 'waits 40.000 s for sleep');
  // The sleep itself: the 40 s wait between the switch into the kernel and the one out, 50 ns each (mode_switch).
  assert.equal(t.ops.get(0).endNs - t.ops.get(0).startNs, 40_000_000_100);
});

test('a log\'s 40 s nanosleep: the wait runs from after the 50 ns switch into the kernel to the recorded end, 40.0001 s', () => {
  const loaded = loadStrace('100 10:00:00.000000 nanosleep({tv_sec=40, tv_nsec=0}, NULL) = 0 <40.000100>\n', 'sleep.strace');
  assert.ok(loaded.spec);
  const t = new Trace(loaded.spec);
  t.runToEnd();
  const [b] = events(t, [Ev.Block]);
  // The call starts at the log's first stamp (0); syscall entry is one mode switch (mode_switch, 50 ns), so the
  // thread blocks at 50 ns until the recorded end, 40.000100 s: 40,000,100,000 − 50 = 40,000,099,950 ns.
  assert.equal(b.time, 50);
  assert.equal(join31(b.a, b.c), 40_000_099_950);
  assert.equal(describeEvent(t, b.pos), 'waits 40.000 s for sleep');
});

test('a sysctl value past 2^31 (vm.dirty_bytes = 8 GiB) is shown exactly, not cut to its low 31 bits', () => {
  const t = run('machine {\n  ram = 64GiB\n}\nsysctl vm.dirty_bytes = 8GiB\n');
  const [e] = events(t, [Ev.Sysctl]);
  assert.equal(join31(e.b, e.c), 8 * GiB);
  assert.equal(describeEvent(t, e.pos), 'sysctl vm.dirty_bytes = 8589934592');
});
