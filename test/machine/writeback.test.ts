/** model-spec §5: dirty pages, the flusher's timing, thresholds, throttling, fsync/fdatasync. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { C } from '../../src/machine/counters';
import { Ev, Loc, WaitReason, WakeReason } from '../../src/machine/events';
import { PG_DIRTY, PG_WRITEBACK } from '../../src/machine/pagecache';
import { dump, events, fileId, KiB, MiB, opEvents, opIndex, run, traceOf } from './helpers';

type T = ReturnType<typeof run>;

const S = 1e9;

function pageFlags(t: T, path: string): number[] {
  const pages = t.machine.cache.pagesOf(fileId(t.machine, path));
  assert.ok(pages);
  return [...pages.entries()].sort((a, b) => a[0] - b[0]).map(([, p]) => p.flags & (PG_DIRTY | PG_WRITEBACK));
}

// open ends at 100 ns; write enters at 100, switches (50 ns), looks page 0 up (100 ns): page 0 is dirtied at 250 ns.
const T0 = 250;
const WRITE = 'file "/f" size 64KiB\nbuf = alloc(16KiB)\nfd = open("/f", O_RDWR)\nwrite(fd, buf, 16KiB)\n';

test('expiry: written at t≈0, still dirty at 29 s, written at the flusher wake-up at 30 s (3000 cs), woken every 5 s', () => {
  const t29 = run(WRITE + 'sleep 29s\n');
  assert.ok(t29.machine.now > 29 * S && t29.machine.now < 29 * S + 10_000);
  assert.deepEqual(pageFlags(t29, '/f'), [PG_DIRTY, PG_DIRTY, PG_DIRTY, PG_DIRTY]);
  assert.equal(t29.machine.cache.dirty, 4);
  assert.deepEqual(events(t29, [Ev.WritebackStart]), []);

  const t = run(WRITE + 'sleep 29s\nsleep 2s\n');
  const id = fileId(t.machine, '/f');
  assert.equal(events(t, [Ev.PageDirty])[0].time, T0);
  // wake-ups every dirty_writeback_centisecs = 5 s from when the first page became dirty, all periodic
  const wakes = events(t, [Ev.FlusherWake]);
  assert.deepEqual(wakes.map((e) => [e.time, e.a, e.thread]), [5, 10, 15, 20, 25, 30].map((s) => [s * S + T0, WakeReason.Periodic, 0]));
  // the first wake-up at or after dirtied_when + 30 s writes the inode's 4 dirty pages in one request
  const wb = events(t, [Ev.WritebackStart]);
  assert.deepEqual(wb.map((e) => [e.time, e.a, e.b, e.c]), [[30 * S + T0, id, 0, 4]]);
  // completion: NVMe latency 20 µs + 16 KiB at 3 GB/s (5462 ns) + DMA setup/interrupt 1 µs
  const end = events(t, [Ev.WritebackEnd]);
  assert.deepEqual(end.map((e) => [e.time, e.a, e.b, e.c]), [[30 * S + T0 + 20_000 + 5462 + 1000, id, 0, 4]]);
  assert.deepEqual(pageFlags(t, '/f'), [0, 0, 0, 0]);
  assert.equal(t.machine.cache.dirty, 0);
  assert.equal(t.machine.cache.writeback, 0);
  assert.equal(t.machine.counters[C.WritebackPages], 4);
  // the flusher's DMA goes from the page cache to the disk
  assert.deepEqual(events(t, [Ev.DmaStart]).map((e) => [e.a, e.b & 0xff]), [[16 * KiB, Loc.PageCache | (Loc.Disk << 4)]]);
  // nothing is dirty any more: the flusher is not re-armed
  assert.equal(t.machine.timers.items.filter((x) => x.kind === 3 /* TimerKind.FlusherWake */).length, 0);
});

test('an inode dirtied later is written at the first wake-up at or after its own 30 s', () => {
  // /f dirtied at 350 ns keeps the flusher on a 5 s grid (…, 35, 40, 45 s + 350 ns). /g dirtied at ≈12 s expires
  // at ≈42 s: written at the 45 s wake-up, not at 40 s.
  const t = run(
    'file "/f" size 64KiB\nfile "/g" size 64KiB\nbuf = alloc(16KiB)\nfd = open("/f", O_RDWR)\ng = open("/g", O_RDWR)\n' +
      'write(fd, buf, 16KiB)\nsleep 12s\nwrite(g, buf, 4KiB)\nsleep 40s\n',
  );
  const f = fileId(t.machine, '/f');
  const g = fileId(t.machine, '/g');
  assert.equal(events(t, [Ev.PageDirty])[0].time, 350);
  const wb = events(t, [Ev.WritebackStart]);
  assert.deepEqual(wb.map((e) => [e.time, e.a, e.b, e.c]), [[30 * S + 350, f, 0, 4], [45 * S + 350, g, 0, 1]], dump(events(t, [Ev.FlusherWake, Ev.WritebackStart, Ev.PageDirty])));
  assert.deepEqual(events(t, [Ev.FlusherWake]).map((e) => e.time), [5, 10, 15, 20, 25, 30, 35, 40, 45].map((s) => s * S + 350));
});

test('dirty_writeback_centisecs = 0 disables periodic writeback', () => {
  const t = run('machine {\n  vm.dirty_writeback_centisecs = 0\n}\n' + WRITE + 'sleep 120s\n');
  assert.deepEqual(events(t, [Ev.FlusherWake, Ev.WritebackStart]), []);
  assert.deepEqual(pageFlags(t, '/f'), [PG_DIRTY, PG_DIRTY, PG_DIRTY, PG_DIRTY]);
  // a sysctl can turn it back on: 5 s later the (by then expired) inode is written
  const t2 = run('machine {\n  vm.dirty_writeback_centisecs = 0\n}\n' + WRITE + 'sleep 120s\nsysctl vm.dirty_writeback_centisecs = 500\nsleep 6s\n');
  const wb = events(t2, [Ev.WritebackStart]);
  assert.equal(wb.length, 1);
  // (Linux wakes the flusher at once when the interval changes; within one period either way.)
  const sysctlAt = t2.ops.get(opIndex(t2, 'sysctl')).startNs;
  assert.ok(wb[0].time >= sysctlAt && wb[0].time <= sysctlAt + 5 * S);
});

test('dirty limits: ratios of dirtyable memory, *_bytes variants, background ≥ dirty → background = dirty / 2', () => {
  const limits = (machine: string) => traceOf(`machine {\n${machine}\n}\nbuf = alloc(1MiB)\n`).machine;
  // 64 MiB RAM, no buffers yet: 16384 dirtyable pages → background 10% = 1638, dirty 20% = 3276
  assert.deepEqual(limits('  ram = 64MiB').dirtyLimits(), [1638, 3276]);
  // the program's buffers are not dirtyable: 63 MiB → 16128 pages → 1612 / 3225
  const withBuf = run('machine {\n  ram = 64MiB\n}\nbuf = alloc(1MiB)\n').machine;
  assert.equal(withBuf.cache.capacity, 16128);
  assert.deepEqual(withBuf.dirtyLimits(), [1612, 3225]);
  // byte forms, rounded up to pages; setting one zeroes its ratio
  const b = limits('  vm.dirty_background_bytes = 4MiB\n  vm.dirty_bytes = 8MiB');
  assert.deepEqual(b.dirtyLimits(), [1024, 2048]);
  assert.equal(b.config.sysctl['vm.dirty_background_ratio'], 0);
  assert.equal(b.config.sysctl['vm.dirty_ratio'], 0);
  assert.deepEqual(limits('  vm.dirty_bytes = 10000').dirtyLimits()[1], 3);
  // background above the limit: halved limit
  assert.deepEqual(limits('  ram = 64MiB\n  vm.dirty_background_ratio = 30\n  vm.dirty_ratio = 20').dirtyLimits(), [1638, 3276]);
  assert.deepEqual(limits('  vm.dirty_background_bytes = 16MiB\n  vm.dirty_bytes = 8MiB').dirtyLimits(), [1024, 2048]);
  assert.deepEqual(limits('  ram = 64MiB\n  vm.dirty_background_ratio = 20\n  vm.dirty_ratio = 20').dirtyLimits(), [1638, 3276]);
  // a page_cache_limit bounds dirtyable memory too
  assert.deepEqual(limits('  page_cache_limit = 16MiB').dirtyLimits(), [409, 819]);
});

test('background threshold: crossing it wakes the flusher at once (reason Background), which writes until not above it', () => {
  // 64 MiB RAM − 1 MiB buffer = 16128 pages: background 1612, limit 3225, freerun (1612 + 3225) / 2 = 2418.
  // 1 MiB writes dirty 256 pages each. balance_dirty_pages_ratelimited runs per page; below the freerun point it
  // looks every dirty_poll_interval pages (1 << (ilog2(3225 − dirty) >> 1) = 32 here), so the first look above 1612
  // is at 1632 dirty pages, during the 7th write.
  const t = run('machine {\n  ram = 64MiB\n}\nfile "/f" size 0\nbuf = alloc(1MiB)\nfd = open("/f", O_RDWR)\nrepeat 7 { write(fd, buf, 1MiB) }\n');
  const wakes = events(t, [Ev.FlusherWake]);
  assert.equal(wakes.length, 1, dump(wakes));
  const w7 = t.ops.get(opIndex(t, 'write', 6));
  assert.ok(wakes[0].pos > w7.startPos && wakes[0].pos < w7.endPos, 'woken during the 7th write');
  assert.deepEqual([wakes[0].a, wakes[0].b, wakes[0].c, wakes[0].thread], [WakeReason.Background, 1632, 1612, 0]);
  const wbPages = events(t, [Ev.WritebackStart]).reduce((s, e) => s + e.c, 0);
  // Background work writes a chunk of at least 1024 pages (4 MiB) before it looks at the threshold again.
  assert.ok(wbPages >= 1024, `wrote ${wbPages} pages`);
  assert.ok(t.machine.cache.dirty <= 1612);
  // below the freerun point: no pause
  assert.deepEqual(events(t, [Ev.ThrottlePause]), []);
  // six writes stay under the threshold: no flusher at all
  const t6 = run('machine {\n  ram = 64MiB\n}\nfile "/f" size 0\nbuf = alloc(1MiB)\nfd = open("/f", O_RDWR)\nrepeat 6 { write(fd, buf, 1MiB) }\n');
  assert.deepEqual(events(t6, [Ev.FlusherWake]), []);
  assert.equal(t6.machine.cache.dirty, 1536);
});

// HDD (150 MB/s) so that writing outpaces the disk. background 32 MiB = 8192 pages, limit 64 MiB = 16384 pages,
// freerun (8192 + 16384) / 2 = 12288, setpoint (12288 + 16384) / 2 = 14336.
const THROTTLE = (mib: number) =>
  'machine {\n  disk = hdd\n  vm.dirty_background_bytes = 32MiB\n  vm.dirty_bytes = 64MiB\n}\n' +
  `file "/f" size 0\nbuf = alloc(1MiB)\nfd = open("/f", O_RDWR)\nrepeat ${mib} { write(fd, buf, 1MiB) }\n`;

test('throttling: none below the freerun point (background + limit) / 2', () => {
  // 44 MiB = 11264 pages dirtied in all: dirty + writeback can never pass 12288.
  const t = run(THROTTLE(44));
  assert.deepEqual(events(t, [Ev.ThrottlePause]), []);
  assert.equal(t.machine.counters[C.ThrottleNs], 0);
  assert.ok(events(t, [Ev.FlusherWake]).some((e) => e.a === WakeReason.Background));
});

test('throttling: above the freerun point the writer pauses 10–200 ms at a time, and every write completes', () => {
  const t = run(THROTTLE(256));
  const pauses = events(t, [Ev.ThrottlePause]);
  assert.ok(pauses.length > 10, `${pauses.length} pauses`);
  for (const p of pauses) {
    assert.ok(p.a >= 10_000 && p.a <= 200_000, `pause of ${p.a} µs`);
    assert.ok(p.b > 12288, `paused at ${p.b} dirty+writeback pages, not above freerun`);
    assert.equal(p.c, 16384);
    assert.equal(p.thread, 1);
  }
  // each pause is a Block of the same length, reason Throttle, right after it
  const blocks = events(t, [Ev.Block]);
  for (const p of pauses) {
    const b = blocks.find((x) => x.pos === p.pos + 1);
    assert.ok(b, 'a Block follows each pause');
    assert.equal(b.b, WaitReason.Throttle);
    assert.equal(Math.round(b.a / 1000), p.a);
  }
  assert.equal(t.machine.counters[C.ThrottleNs], blocks.filter((b) => b.b === WaitReason.Throttle).reduce((s, b) => s + b.a, 0));
  for (let k = 0; k < 256; k++) assert.equal(t.ops.get(opIndex(t, 'write', k)).result, MiB);
  // The writer is held to about the disk's speed: with at most 64 MiB dirty, at least 192 MiB (201 MB) must reach
  // the disk at 150 MB/s before the last write returns (> 1.34 s); slowed, not stopped.
  const secs = t.machine.now / S;
  assert.ok(secs > 1.2 && secs < 3, `${secs} s`);
});

test('no hard stop at the limit: a writer far above dirty_bytes still completes, with pauses of at most 200 ms', () => {
  // 8 MiB limit, one 32 MiB write: dirty jumps to 8192 pages, 4× the limit.
  const t = run('machine {\n  disk = hdd\n  vm.dirty_background_bytes = 4MiB\n  vm.dirty_bytes = 8MiB\n}\nfile "/f" size 0\nbuf = alloc(32MiB)\nfd = open("/f", O_RDWR)\nwrite(fd, buf, 32MiB)\nwrite(fd, buf, 4KiB)\n');
  assert.equal(t.ops.get(opIndex(t, 'write')).result, 32 * MiB);
  assert.equal(t.ops.get(opIndex(t, 'write', 1)).result, 4096);
  const pauses = events(t, [Ev.ThrottlePause]);
  assert.ok(pauses.length >= 1);
  assert.ok(pauses.some((p) => p.b > 2048));
  for (const p of pauses) assert.ok(p.a >= 10_000 && p.a <= 200_000);
});

const SYNC = 'file "/f" size 64KiB\nbuf = alloc(64KiB)\nfd = open("/f", O_RDWR)\n';

test('fsync writes the file\'s dirty pages and its inode synchronously; the pages are clean when it returns', () => {
  const t = run(SYNC + 'pwrite(fd, buf, 8KiB, 16KiB)\nfsync(fd)\n');
  const id = fileId(t.machine, '/f');
  const i = opIndex(t, 'fsync');
  assert.deepEqual(opEvents(t, i, [Ev.WritebackStart, Ev.WritebackEnd]).map((e) => [e.name, e.a, e.b, e.c]), [
    ['writeback-start', id, 4, 2], ['writeback-end', id, 4, 2],
  ]);
  // data (8 KiB) and the inode (one 512-byte block), both page cache → disk
  assert.deepEqual(opEvents(t, i, [Ev.DmaStart]).map((e) => [e.a, e.b & 0xff]), [[8 * KiB, Loc.PageCache | (Loc.Disk << 4)], [512, Loc.PageCache | (Loc.Disk << 4)]]);
  assert.equal(opEvents(t, i, [Ev.DmaInterrupt]).length, 2);
  assert.ok(opEvents(t, i, [Ev.Block]).every((e) => e.b === WaitReason.Writeback));
  assert.deepEqual(pageFlags(t, '/f'), [0, 0]);
  assert.equal(t.machine.files.get('/f')!.nrDirty, 0);
  // returns once both are done: after 20 µs + 8 KiB (2731 ns) + 512 B (171 ns), queued, + the 1 µs interrupt
  const r = t.ops.get(i);
  assert.equal(r.endNs - r.startNs, 50 + 20_000 + 2731 + 171 + 1000 + 50);
  // a second fsync has nothing to write
  const t2 = run(SYNC + 'pwrite(fd, buf, 8KiB, 16KiB)\nfsync(fd)\nfsync(fd)\n');
  assert.deepEqual(opEvents(t2, opIndex(t2, 'fsync', 1), [Ev.DmaStart, Ev.Block]), []);
});

test('fdatasync skips the inode unless the size changed', () => {
  const t = run(SYNC + 'pwrite(fd, buf, 8KiB, 16KiB)\nfdatasync(fd)\n');
  assert.deepEqual(opEvents(t, opIndex(t, 'fdatasync'), [Ev.DmaStart]).map((e) => e.a), [8 * KiB]);
  assert.deepEqual(pageFlags(t, '/f'), [0, 0]);
  // the mtime is still to be written: a later fsync writes only the inode
  const t2 = run(SYNC + 'pwrite(fd, buf, 8KiB, 16KiB)\nfdatasync(fd)\nfsync(fd)\n');
  assert.deepEqual(opEvents(t2, opIndex(t2, 'fsync'), [Ev.DmaStart]).map((e) => e.a), [512]);
  // extending the file changes i_size: fdatasync must write the inode too
  const t3 = run(SYNC + 'pwrite(fd, buf, 8KiB, 64KiB)\nfdatasync(fd)\n');
  assert.deepEqual(opEvents(t3, opIndex(t3, 'fdatasync'), [Ev.DmaStart]).map((e) => e.a), [8 * KiB, 512]);
  assert.equal(t3.machine.files.get('/f')!.size, 72 * KiB);
});

test('fsync waits for pages the flusher already has under writeback', () => {
  // write at ≈0, sleep until just after the 30 s wake-up started the writeback, then fsync: no new request, but it
  // blocks until the flusher's write completes.
  const t = run(WRITE + 'sleep 30000000300ns\nfsync(fd)\n');
  const wb = events(t, [Ev.WritebackStart]);
  assert.equal(wb.length, 1);
  assert.equal(wb[0].thread, 0);
  const i = opIndex(t, 'fsync');
  const blocks = opEvents(t, i, [Ev.Block]);
  assert.ok(blocks.length >= 1 && blocks.every((b) => b.b === WaitReason.Writeback));
  const end = events(t, [Ev.WritebackEnd])[0];
  assert.ok(end.pos > t.ops.get(i).startPos && end.pos < t.ops.get(i).endPos);
  assert.deepEqual(pageFlags(t, '/f'), [0, 0, 0, 0]);
});

test('close does not flush; O_SYNC writes are on disk when write returns', () => {
  const t = run(WRITE + 'close(fd)\n');
  assert.equal(t.machine.cache.dirty, 4);
  const t2 = run('file "/f" size 64KiB\nbuf = alloc(16KiB)\nfd = open("/f", O_RDWR | O_SYNC)\nwrite(fd, buf, 16KiB)\n');
  const w = opIndex(t2, 'write');
  assert.deepEqual(opEvents(t2, w, [Ev.WritebackStart]).map((e) => [e.b, e.c]), [[0, 4]]);
  assert.equal(opEvents(t2, w, [Ev.WritebackEnd]).length, 1);
  assert.equal(t2.machine.cache.dirty, 0);
});
