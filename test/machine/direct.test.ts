/** model-spec §6: O_DIRECT alignment and bypass, asynchronous I/O (libaio-style and io_uring-style). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { C } from '../../src/machine/counters';
import { Ev, Loc, WaitReason } from '../../src/machine/events';
import { PG_DIRTY } from '../../src/machine/pagecache';
import { UserBuffer } from '../../src/machine/state';
import { cachedPages, dump, events, fileId, KiB, opEvents, opIndex, range, run } from './helpers';

type T = ReturnType<typeof run>;

function bufferOf(t: T, addr: number): UserBuffer {
  const r = t.machine.findRegion(addr);
  assert.ok(r && r.kind === 'buffer');
  return r;
}

/** Bytes [off, off+len) of a user buffer. */
function bufBytes(t: T, addr: number, off: number, len: number): Buffer {
  return Buffer.from(bufferOf(t, addr).content.read(off, len, t.machine.nameOf));
}

/** What the file holds at [off, off+len) as a read would return it. */
function fileBytes(t: T, path: string, off: number, len: number): Buffer {
  return Buffer.from(t.machine.files.get(path)!.content.read(off, len, t.machine.nameOf));
}

const dev = (src: Loc, dst: Loc) => src | (dst << 4);

test('O_DIRECT misaligned buffer, length or offset: EINVAL, -1, and nothing changes but the syscall and its two switches', () => {
  const cases: [number, string, boolean][] = [
    // block size, call, misaligned?
    [512, 'pread(d, buf + 256, 4KiB, 0)', true],
    [512, 'pread(d, buf, 100, 0)', true],
    [512, 'pread(d, buf, 4KiB, 100)', true],
    [512, 'pread(d, buf + 512, 512, 512)', false],
    [4096, 'pread(d, buf + 512, 4KiB, 0)', true],
    [4096, 'pread(d, buf, 512, 0)', true],
    [4096, 'pread(d, buf, 4KiB, 512)', true],
    [4096, 'pread(d, buf + 4KiB, 4KiB, 4KiB)', false],
  ];
  for (const [bs, call, bad] of cases) {
    // The buffer first receives 8 KiB of /g through a buffered read (so that "unchanged" means something), and /f
    // has a page in the cache.
    const t = run(
      `machine {\n  block_size = ${bs}\n}\nfile "/f" size 64KiB\nfile "/g" size 64KiB\nbuf = alloc(16KiB)\n` +
        'g = open("/g")\nread(g, buf, 8KiB)\nf = open("/f")\npread(f, buf, 1, 32KiB)\nd = open("/f", O_RDONLY | O_DIRECT)\n' + call + '\n',
    );
    const i = t.ops.length - 1;
    const r = t.ops.get(i);
    const label = `block ${bs}: ${call}`;
    if (!bad) {
      assert.equal(r.errno, null, label);
      assert.ok(r.result > 0, label);
      continue;
    }
    assert.deepEqual([r.result, r.errno], [-1, 'EINVAL'], label);
    assert.deepEqual(opEvents(t, i).map((e) => [e.name, e.a, e.b]), [
      ['syscall-enter', 17, i], ['mode-switch', 1, 0], ['mode-switch', 0, 0], ['syscall-exit', 22, 0],
    ], label);
    assert.equal(r.endNs - r.startNs, 100, label);
    // the same machine without that call: every counter equal except syscalls +1 and switches +2
    const before = t.stateAt(r.startPos - 1);
    const d = Array.from(t.machine.counters, (v, k) => v - before.counters[k]);
    const expected = new Array(C.Count).fill(0);
    expected[C.Syscalls] = 1;
    expected[C.ContextSwitches] = 2;
    assert.deepEqual(d, expected, label);
    assert.equal(t.machine.cache.size, before.cache.size, label);
    assert.deepEqual(bufferOf(t, t.machine.regions[0].addr).content.extents, (before.findRegion(t.machine.regions[0].addr) as UserBuffer).content.extents, label);
    assert.deepEqual(t.machine.fds.get(5), before.fds.get(5), label);
  }
});

test('O_DIRECT write misaligned: EINVAL, the file and the cache unchanged', () => {
  const t = run('machine {\n  block_size = 4096\n}\nfile "/f" size 64KiB\nbuf = alloc(16KiB)\nd = open("/f", O_RDWR | O_DIRECT)\npwrite(d, buf, 4KiB, 512)\nwrite(d, buf + 512, 4KiB)\n');
  for (const k of [0, 1]) {
    const r = t.ops.get(t.ops.length - 2 + k);
    assert.deepEqual([r.result, r.errno, r.contextSwitches, r.dmaCopies, r.cpuCopies], [-1, 'EINVAL', 2, 0, 0]);
  }
  const f = t.machine.files.get('/f')!;
  assert.deepEqual([f.content.extents, f.disk.extents, f.size], [[], [], 64 * KiB]);
  assert.equal(t.machine.cache.size, 0);
});

test('aligned O_DIRECT read bypasses the page cache: one DMA disk → user buffer, no page inserted', () => {
  const t = run('file "/f" size 64KiB\nbuf = alloc(16KiB)\nd = open("/f", O_DIRECT)\npread(d, buf, 8KiB, 4KiB)\n');
  const i = opIndex(t, 'pread');
  assert.deepEqual(opEvents(t, i, [Ev.PageInsert, Ev.PageMiss, Ev.PageHit, Ev.ReadaheadSync, Ev.CpuCopy]), []);
  assert.deepEqual(opEvents(t, i, [Ev.DmaStart]).map((e) => [e.a, e.b & 0xff]), [[8 * KiB, dev(Loc.Disk, Loc.User)]]);
  assert.deepEqual(opEvents(t, i, [Ev.Block]).map((e) => e.b), [WaitReason.PageIo]);
  assert.equal(opEvents(t, i, [Ev.DmaInterrupt]).length, 1);
  assert.equal(t.machine.cache.size, 0);
  const r = t.ops.get(i);
  assert.deepEqual([r.result, r.dmaCopies, r.cpuCopies, r.dmaBytes], [8 * KiB, 1, 0, 8 * KiB]);
  // the bytes in the buffer are the file's
  assert.ok(bufBytes(t, t.machine.regions[0].addr, 0, 8 * KiB).equals(fileBytes(t, '/f', 4 * KiB, 8 * KiB)));
  // 20 µs + 8 KiB at 3 GB/s (2731 ns) + 1 µs, plus two switches
  assert.equal(r.endNs - r.startNs, 100 + 20_000 + 2731 + 1000);
});

test('a direct read of a range with dirty cached pages writes them back first, then reads the new bytes from disk', () => {
  const t = run(
    'file "/f" size 64KiB\nfile "/src" size 64KiB\nsrc = alloc(4KiB)\nbuf = alloc(16KiB)\n' +
      's = open("/src")\nread(s, src, 4KiB)\n' + // src holds /src's first 4 KiB
      'w = open("/f", O_RDWR)\npwrite(w, src, 4KiB, 4KiB)\n' + // page 1 of /f dirty with those bytes
      'd = open("/f", O_DIRECT)\npread(d, buf, 16KiB, 0)\n',
  );
  const id = fileId(t.machine, '/f');
  const i = opIndex(t, 'pread');
  const evs = opEvents(t, i, [Ev.WritebackStart, Ev.WritebackEnd, Ev.DmaStart]);
  assert.deepEqual(evs.map((e) => [e.name, e.a, e.b & 0xff]), [
    ['writeback-start', id, 1], ['dma-start', 4 * KiB, dev(Loc.PageCache, Loc.Disk)], ['writeback-end', id, 1],
    ['dma-start', 16 * KiB, dev(Loc.Disk, Loc.User)],
  ], dump(evs));
  const page1 = t.machine.cache.get(id, 1)!;
  assert.equal(page1.flags & PG_DIRTY, 0);
  const buf = t.machine.regions[1].addr;
  assert.ok(bufBytes(t, buf, 4 * KiB, 4 * KiB).equals(fileBytes(t, '/src', 0, 4 * KiB)), 'bytes written through the cache come back');
  assert.ok(bufBytes(t, buf, 0, 4 * KiB).equals(fileBytes(t, '/f', 0, 4 * KiB)));
  assert.ok(bufBytes(t, buf, 8 * KiB, 8 * KiB).equals(fileBytes(t, '/f', 8 * KiB, 8 * KiB)));
  assert.deepEqual(cachedPages(t.machine, '/f'), [1], 'the direct read inserted nothing');
});

test('an O_DIRECT write invalidates cached pages of its range and reaches the disk before it returns', () => {
  const t = run(
    'file "/f" size 64KiB\nfile "/src" size 64KiB\nsrc = alloc(8KiB)\nbuf = alloc(64KiB)\ns = open("/src")\nread(s, src, 8KiB)\n' +
      'r = open("/f")\nread(r, buf, 64KiB)\nd = open("/f", O_RDWR | O_DIRECT)\npwrite(d, src, 8KiB, 16KiB)\n',
  );
  const id = fileId(t.machine, '/f');
  const i = opIndex(t, 'pwrite');
  assert.deepEqual(opEvents(t, i, [Ev.PageEvict]).map((e) => [e.a, e.b, e.c]), [[id, 4, 2], [id, 5, 2]]);
  assert.deepEqual(opEvents(t, i, [Ev.DmaStart]).map((e) => [e.a, e.b & 0xff]), [[8 * KiB, dev(Loc.User, Loc.Disk)]]);
  const f = t.machine.files.get('/f')!;
  const src = Buffer.from(t.machine.files.get('/src')!.content.read(0, 8 * KiB, t.machine.nameOf));
  assert.ok(Buffer.from(f.disk.read(16 * KiB, 8 * KiB, t.machine.nameOf)).equals(src));
  assert.deepEqual(cachedPages(t.machine, '/f'), [...range(0, 3), ...range(6, 15)]);
});

test('aio_read with O_DIRECT returns at once; the DMA completes later and aio_wait returns the bytes', () => {
  const t = run('file "/f" size 1MiB\nbuf = alloc(64KiB)\nd = open("/f", O_DIRECT)\nid = aio_read(d, buf, 64KiB, 0)\naio_wait(id)\n');
  const sub = t.ops.get(opIndex(t, 'aio_read'));
  assert.equal(sub.result, 1);
  assert.equal(sub.endNs - sub.startNs, 100, 'submission: two switches, no waiting');
  assert.deepEqual(opEvents(t, sub.index, [Ev.Block, Ev.AioComplete, Ev.DmaInterrupt]), []);
  assert.deepEqual(opEvents(t, sub.index, [Ev.DmaStart]).map((e) => [e.a, e.b & 0xff]), [[64 * KiB, dev(Loc.Disk, Loc.User)]]);
  const wait = opIndex(t, 'aio_wait');
  const w = t.ops.get(wait);
  assert.equal(w.result, 64 * KiB);
  const done = opEvents(t, wait, [Ev.DmaInterrupt, Ev.AioComplete]);
  assert.deepEqual(done.map((e) => [e.name, e.a]), [['dma-interrupt', 64 * KiB], ['aio-complete', 1]]);
  // completion: submitted at 100 ns + 50 ns; 20 µs + 64 KiB at 3 GB/s (21846 ns) + 1 µs
  assert.equal(done[0].time, 150 + 20_000 + 21846 + 1000);
  assert.equal(t.machine.cache.size, 0);
  assert.ok(bufBytes(t, t.machine.regions[0].addr, 0, 64 * KiB).equals(fileBytes(t, '/f', 0, 64 * KiB)));
});

test('aio_read on a buffered file blocks like read (libaio is only asynchronous with O_DIRECT)', () => {
  const t = run('file "/f" size 1MiB\nbuf = alloc(64KiB)\nfd = open("/f")\nid = aio_read(fd, buf, 64KiB, 0)\naio_wait(id)\n');
  const i = opIndex(t, 'aio_read');
  assert.deepEqual(opEvents(t, i, [Ev.Block]).map((e) => e.b), [WaitReason.PageIo]);
  const evs = opEvents(t, i, [Ev.DmaInterrupt, Ev.CpuCopy, Ev.AioComplete]);
  assert.deepEqual(evs.map((e) => e.name), ['dma-interrupt', 'cpu-copy', 'aio-complete']);
  assert.ok(t.ops.get(i).endNs - t.ops.get(i).startNs > 20_000);
  assert.deepEqual(opEvents(t, opIndex(t, 'aio_wait'), [Ev.Block]), []);
  assert.equal(t.ops.get(opIndex(t, 'aio_wait')).result, 64 * KiB);
});

test('uring_read on a buffered file is asynchronous: the miss goes to a worker that copies on completion', () => {
  const t = run('file "/f" size 1MiB\nbuf = alloc(64KiB)\nfd = open("/f")\nu = uring_read(fd, buf, 64KiB, 0)\nuring_wait(u)\n');
  const i = opIndex(t, 'uring_read');
  assert.deepEqual(opEvents(t, i, [Ev.Block, Ev.AioComplete, Ev.CpuCopy]), []);
  // readahead as for a read: 16 pages asked → window 32 pages
  assert.deepEqual(opEvents(t, i, [Ev.ReadaheadSync]).map((e) => [e.b, e.c]), [[0, 32]]);
  const wait = opIndex(t, 'uring_wait');
  const evs = opEvents(t, wait, [Ev.DmaInterrupt, Ev.CpuCopy, Ev.AioComplete]);
  assert.deepEqual(evs.map((e) => [e.name, e.a]), [['dma-interrupt', 128 * KiB], ['cpu-copy', 64 * KiB], ['aio-complete', 1]]);
  assert.equal(evs[1].b & 0xff, dev(Loc.PageCache, Loc.User));
  assert.equal(evs[2].b, 64 * KiB);
  assert.equal(t.ops.get(wait).result, 64 * KiB);
  assert.ok(bufBytes(t, t.machine.regions[0].addr, 0, 64 * KiB).equals(fileBytes(t, '/f', 0, 64 * KiB)));
  // cached data completes inline
  const t2 = run('file "/f" size 1MiB\nbuf = alloc(64KiB)\nfd = open("/f")\nread(fd, buf, 64KiB)\nu = uring_read(fd, buf, 4KiB, 0)\nuring_wait(u)\n');
  assert.deepEqual(opEvents(t2, opIndex(t2, 'uring_read'), [Ev.AioComplete]).map((e) => e.b), [4 * KiB]);
});

test('the article\'s advice: a large file read with O_DIRECT leaves a small file\'s cached pages alone; buffered, it evicts them', () => {
  const prog = (flags: string) =>
    'machine {\n  page_cache_limit = 1MiB\n}\nfile "/hot" size 64KiB\nfile "/big" size 8MiB\nbuf = alloc(1MiB)\nh = open("/hot")\n' +
    `b = open("/big", ${flags})\npread(h, buf, 64KiB, 0)\nrepeat 8 { read(b, buf, 1MiB) }\npread(h, buf, 64KiB, 0)\n`;
  const direct = run(prog('O_RDONLY | O_DIRECT'));
  const buffered = run(prog('O_RDONLY'));
  const hotHits = (t: T) => events(t, [Ev.PageHit]).filter((e) => e.a === fileId(t.machine, '/hot')).length;
  // direct: /big never enters the cache; the second read of /hot hits all 16 pages
  assert.equal(hotHits(direct), 16);
  assert.deepEqual(cachedPages(direct.machine, '/big'), []);
  assert.equal(direct.machine.counters[C.Evictions], 0);
  // buffered: /hot (read once: inactive) is the oldest on the list and goes first; 2048 /big pages pass through a
  // 256-page cache: 16 + 2048 − 256 evictions, then 16 more when /hot is read again (all misses).
  assert.equal(hotHits(buffered), 0);
  assert.equal(buffered.machine.counters[C.Evictions], 16 + 2048 - 256 + 16);
  // and the second read of /hot is much slower (disk) than with O_DIRECT (cache)
  const last = (t: T) => t.ops.get(t.ops.length - 1);
  assert.ok(last(buffered).endNs - last(buffered).startNs > 20_000);
  assert.ok(last(direct).endNs - last(direct).startNs < 20_000);
});

test('O_DIRECT write from a mapping, misaligned: EINVAL before anything is faulted in', () => {
  const t = run(
    'machine {\n  block_size = 4096\n}\nfile "/f" size 64KiB\nfile "/m" size 64KiB\nm = open("/m")\na = mmap(m, 64KiB)\n' +
      'd = open("/f", O_RDWR | O_DIRECT)\npwrite(d, a + 512, 4KiB, 0)\n',
  );
  const r = t.ops.get(opIndex(t, 'pwrite'));
  assert.deepEqual([r.result, r.errno, r.pageFaults, r.contextSwitches, r.dmaCopies], [-1, 'EINVAL', 0, 2, 0]);
  assert.equal(t.machine.cache.size, 0);
  assert.deepEqual(opEvents(t, r.index).map((e) => e.name), ['syscall-enter', 'mode-switch', 'mode-switch', 'syscall-exit']);
});

test('aio_read with O_DIRECT, misaligned: EINVAL at submission, and no request id is used up', () => {
  const t = run('file "/f" size 64KiB\nbuf = alloc(16KiB)\nd = open("/f", O_DIRECT)\nbad = aio_read(d, buf, 4KiB, 100)\nid = aio_read(d, buf, 4KiB, 0)\naio_wait(id)\n');
  const bad = t.ops.get(opIndex(t, 'aio_read'));
  assert.deepEqual([bad.result, bad.errno, bad.dmaCopies], [-1, 'EINVAL', 0]);
  assert.equal(t.ops.get(opIndex(t, 'aio_read', 1)).result, 1);
  assert.equal(t.ops.get(opIndex(t, 'aio_wait')).result, 4 * KiB);
});

test('max_sectors_kb splits a large request: a 1 MiB O_DIRECT read is one DMA at the default, four at 256', () => {
  const scenario = (set: string) =>
    `machine {\n${set}}\nfile "/f" size 4MiB\nbuf = alloc(1MiB)\nd = open("/f", O_RDONLY | O_DIRECT)\npread(d, buf, 1MiB, 0)\n`;
  const dmas = (t: T) => opEvents(t, t.ops.length - 1, [Ev.DmaStart]).map((e) => e.a);
  assert.deepEqual(dmas(run(scenario(''))), [1024 * KiB], 'default max_sectors_kb = 1024: one request');
  assert.deepEqual(dmas(run(scenario('  max_sectors_kb = 256\n'))), [256 * KiB, 256 * KiB, 256 * KiB, 256 * KiB]);
});

test('max_sectors_kb bounds writeback requests too: 2 MiB of contiguous dirty pages, fsync writes 128 KiB requests', () => {
  const t = run('machine {\n  max_sectors_kb = 128\n}\nfile "/f" size 0\nbuf = alloc(2MiB)\nfd = open("/f", O_WRONLY)\nwrite(fd, buf, 2MiB)\nfsync(fd)\n');
  const starts = opEvents(t, t.ops.length - 1, [Ev.WritebackStart]);
  assert.equal(starts.length, 16, '2 MiB / 128 KiB');
  assert.ok(starts.every((e) => e.c === 32), 'each request 32 pages');
});
