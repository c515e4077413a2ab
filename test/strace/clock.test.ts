/**
 * The model's clock follows the log: a call starts no earlier than its recorded start, and a sleeping call lets the
 * time it slept pass, so the flusher writes dirty pages when they expire, as it did on the machine the log ran on.
 * Ground truth: two real recordings (write-sleep40, write-sleep10; their .cmd files hold what cachestat(2) showed).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { C } from '../../src/machine/counters';
import { Ev } from '../../src/machine/events';
import { loadStrace } from '../../src/program/strace/load';
import { Trace } from '../../src/trace/trace';
import { opsOf, runFixture, runText } from './helpers';

const S = 1e9;

/** Times (ns) of the flusher's write requests. */
function writebackStarts(trace: Trace): number[] {
  const out: number[] = [];
  for (let i = 0; i < trace.events.length; i++) if (trace.events.kind(i) === Ev.WritebackStart) out.push(trace.events.time(i));
  return out;
}

test('write 16 MiB, sleep 40 s (recorded): the pages expire and are written at 30 s, none is dirty at the end, as on Linux', () => {
  const { trace } = runFixture('write-sleep40.strace');
  const m = trace.machine;
  const out = [...m.filesById].find((f) => f.path === '/tmp/iosim/out.bin')!;
  assert.equal(m.cache.pagesOf(out.id)?.size, 4096);
  assert.equal(m.cache.dirty, 0, 'Linux: 0 dirty pages at exit (cachestat)');
  assert.equal(m.cache.writeback, 0);
  assert.equal(m.counters[C.WritebackPages], 4096);
  // The first page was dirtied 0.0283 s into the log; the flusher, woken every 5 s from then, finds them 30 s old at
  // its sixth wakeup (Linux wrote them about 31.6 s in: its wakeups keep their own phase).
  const starts = writebackStarts(trace);
  assert.equal(starts.length, 16, 'one request per MiB (max_sectors_kb 1024)');
  assert.ok(starts.every((t) => t >= 30 * S && t < 30.03 * S), `written at ${starts[0] / S} s`);
  const sleep = opsOf(trace).find((o) => o.text === 'clock_nanosleep')!;
  // TIMER_ABSTIME: the arguments say nothing of how long; the recorded duration does.
  assert.equal(sleep.recorded?.durationNs, 40_000_133_000);
  assert.ok(Math.abs(sleep.endNs - sleep.startNs - 40_000_133_000) < 1000, 'it lasts as long as the log says');
  assert.ok(Math.abs(m.now - 40.034 * S) < 0.001 * S, `the model ends with the log (${m.now / S} s)`);
});

test('write 16 MiB, sleep 10 s (recorded): the pages are younger than dirty_expire_centisecs, all 4096 still dirty, as on Linux', () => {
  const { trace } = runFixture('write-sleep10.strace');
  assert.equal(trace.machine.cache.dirty, 4096, 'Linux: 4096 dirty at exit (cachestat)');
  assert.equal(trace.machine.counters[C.WritebackPages], 0);
  assert.deepEqual(writebackStarts(trace), []);
  assert.ok(trace.machine.now > 10 * S);
});

const WRITE_THEN = (t: string, call: string) => `100 10:00:00.000000 openat(AT_FDCWD, "/tmp/f", O_WRONLY|O_CREAT|O_TRUNC, 0644) = 3</tmp/f> <0.000010>
100 10:00:00.000100 write(3</tmp/f>, "x"..., 1048576) = 1048576 <0.000300>
100 10:00:00.000500 close(3</tmp/f>) = 0 <0.000005>
100 ${t} ${call}
`;

test('idle time between calls passes too: a call 35 s after the write finds the pages written (no sleep call needed)', () => {
  const { trace } = runText(WRITE_THEN('10:00:35.000000', 'getpid() = 100 <0.000002>'));
  assert.equal(trace.machine.cache.dirty, 0);
  assert.equal(trace.machine.counters[C.WritebackPages], 256);
  const last = trace.ops.get(trace.ops.length - 1);
  assert.equal(last.startNs, 35 * S, 'the call starts at its recorded start');
  assert.equal(last.endNs - last.startNs, 100, 'and costs its two switches: the idle time before it is not its own');
  assert.equal(last.dmaCopies, 0, "the flusher's writeback meanwhile is not the call's cost");
  // Without timestamps nothing tells the model that time passed.
  const plain = runText(WRITE_THEN('', 'getpid() = 100 <0.000002>').replace(/^100 (10:00:00\.\d+ )?/gm, '100 ')).trace;
  assert.equal(plain.ops.get(plain.ops.length - 1).recorded?.timestampNs, undefined);
  assert.equal(plain.machine.cache.dirty, 256);
});

test('-r (relative) and -ttt (epoch) stamps are followed like -tt', () => {
  const rel = `200      0.000000 openat(AT_FDCWD, "/tmp/f", O_WRONLY|O_CREAT, 0644) = 3</tmp/f> <0.000010>
200      0.000100 write(3</tmp/f>, "x"..., 4096) = 4096 <0.000010>
200     20.000000 getpid() = 200 <0.000002>
200     15.000000 getpid() = 200 <0.000002>
`;
  const r = runText(rel).trace;
  assert.equal(r.ops.get(r.ops.length - 1).startNs, 35.0001 * S);
  assert.equal(r.machine.cache.dirty, 0);
  const epoch = `300 1700000000.000000 openat(AT_FDCWD, "/tmp/f", O_WRONLY|O_CREAT, 0644) = 3</tmp/f> <0.000010>
300 1700000000.000100 write(3</tmp/f>, "x"..., 4096) = 4096 <0.000010>
300 1700000012.500000 getpid() = 300 <0.000002>
`;
  const e = runText(epoch).trace;
  assert.equal(e.ops.get(e.ops.length - 1).startNs, 12.5 * S);
  assert.equal(e.machine.cache.dirty, 1, '12.5 s: not yet expired');
});

test('a model slower than the log runs late: a call starts when the model gets to it, never before its recorded start', () => {
  // A cold 8 MiB read from an HDD takes the model far longer than the 100 µs the log shows before the next call.
  const log = `10:00:00.000000 openat(AT_FDCWD, "/data/big", O_RDONLY) = 3</data/big> <0.000010>
10:00:00.000100 read(3</data/big>, "x"..., 8388608) = 8388608 <0.000050>
10:00:00.000200 close(3</data/big>) = 0 <0.000002>
10:00:01.000000 getpid() = 1 <0.000002>
`;
  const loaded = loadStrace(log, 'late.strace', { disk: 'hdd' });
  const trace = new Trace(loaded.spec!);
  trace.runToEnd();
  const ops = opsOf(trace).filter((o) => o.name !== 'alloc');
  const read = ops.find((o) => o.name === 'read')!;
  const close = ops.find((o) => o.name === 'close')!;
  assert.ok(read.endNs > 0.05 * S, 'the HDD read takes tens of ms');
  assert.equal(close.startNs, read.endNs, 'late: right after the read, not at its recorded 200 µs');
  assert.equal(ops[ops.length - 1].startNs, 1 * S, 'an idle gap absorbs the lateness: the next call is on time again');
  for (const o of ops) assert.ok(o.startNs >= o.recorded!.timestampNs!, `line ${o.line} starts before its recorded start`);
});

test('sleeping calls without -T: the time their arguments ask, for a completed sleep or a wait that timed out', () => {
  const log = `nanosleep({tv_sec=2, tv_nsec=500000000}, NULL) = 0
clock_nanosleep(CLOCK_MONOTONIC, 0, {tv_sec=1, tv_nsec=0}, NULL) = 0
clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, {tv_sec=9000, tv_nsec=0}, NULL) = 0
poll([{fd=0, events=POLLIN}], 1, 3000) = 0 (Timeout)
poll([{fd=0, events=POLLIN}], 1, 3000) = 1 ([{fd=0, revents=POLLIN}])
select(1, [0], NULL, NULL, {tv_sec=4, tv_usec=250000}) = 0 (Timeout)
pselect6(1, [0], NULL, NULL, {tv_sec=0, tv_nsec=5000000}, NULL) = 0 (Timeout)
ppoll([{fd=0, events=POLLIN}], 1, {tv_sec=1, tv_nsec=0}, NULL, 8) = 0 (Timeout)
epoll_wait(5, [], 16, 700) = 0
epoll_pwait(5, [], 16, -1, NULL, 8) = 0
nanosleep({tv_sec=60, tv_nsec=0}, 0x7ffd) = -1 EINTR (Interrupted system call)
`;
  const { trace } = runText(log);
  const slept = opsOf(trace).map((o) => o.endNs - o.startNs - 100);
  // abstime: unknown; poll that returned an event: it did not sleep its timeout; an infinite timeout: unknown; EINTR: unknown.
  assert.deepEqual(slept, [2.5 * S, 1 * S, 0, 3 * S, 0, 4.25 * S, 0.005 * S, 1 * S, 0.7 * S, 0, 0]);
});

test('processes share one clock: a sleep resumed after other processes ran ends at its recorded end, not its duration later', () => {
  const log = `[pid 10] 10:00:00.000000 nanosleep({tv_sec=5, tv_nsec=0},  <unfinished ...>
[pid 11] 10:00:01.000000 getpid() = 11 <0.000002>
[pid 11] 10:00:03.000000 getppid() = 10 <0.000002>
[pid 10] 10:00:05.000100 <... nanosleep resumed>NULL) = 0 <5.000100>
[pid 11] 10:00:05.000200 getpid() = 11 <0.000002>
`;
  const { trace } = runText(log);
  const ops = opsOf(trace);
  assert.deepEqual(ops.map((o) => [o.text, o.startNs]), [['getpid', 1 * S], ['getppid', 3 * S], ['nanosleep', 3 * S + 100], ['getpid', 5.0002 * S]]);
  assert.equal(ops[2].endNs, 5.0001 * S + 50, 'the sleep ends where the log ended it (+ the exit switch)');
});
