/** model-spec §4: readahead (mm/readahead.c), with read_ahead_kb = 128 (32 pages). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { C } from '../../src/machine/counters';
import { Ev, Loc } from '../../src/machine/events';
import { PG_ACTIVE, PG_READAHEAD, PG_REFERENCED } from '../../src/machine/pagecache';
import { cachedPages, dump, events, fileId, KiB, opEvents, opIndex, range, run } from './helpers';

const flagsOf = (t: ReturnType<typeof run>, path: string, idx: number): number => {
  const p = t.machine.cache.get(fileId(t.machine, path), idx);
  assert.ok(p, `page ${idx} of ${path} is not cached`);
  return p.flags;
};

test('worked example: a 32 KiB read at 0 inserts pages 0–15 with PG_readahead on page 8', () => {
  const t = run('file "/f" size 1MiB\nbuf = alloc(64KiB)\nfd = open("/f")\nread(fd, buf, 32KiB)\n');
  const id = fileId(t.machine, '/f');
  const r = opIndex(t, 'read');
  const evs = opEvents(t, r, [Ev.PageMiss, Ev.ReadaheadSync, Ev.ReadaheadAsync, Ev.PageInsert, Ev.ReadaheadMark]);
  // request 8 pages → r = 8 ≤ max/4 = 8 → window 2r = 16 pages; async_size = 16 − 8 = 8; marker at 0 + 16 − 8 = 8.
  const expected: [string, number, number][] = [['page-miss', id, 0], ['readahead-sync', id, 0]];
  for (let i = 0; i < 16; i++) {
    expected.push(['page-insert', id, i]);
    if (i === 8) expected.push(['readahead-mark', id, 8]);
  }
  // Pages 1–7 were inserted by this very call: looked up afterwards, they count as misses too.
  for (let i = 1; i < 8; i++) expected.push(['page-miss', id, i]);
  assert.deepEqual(evs.map((e) => [e.name, e.a, e.b]), expected, dump(evs));
  assert.equal(evs[1].c, 16, 'window of 16 pages');
  // one disk request of 64 KiB into the page cache
  assert.deepEqual(opEvents(t, r, [Ev.DmaStart]).map((e) => [e.a, e.b & 0xff]), [[64 * KiB, Loc.Disk | (Loc.PageCache << 4)]]);
  assert.deepEqual(cachedPages(t.machine, '/f'), range(0, 15));
  for (let i = 0; i < 16; i++) {
    const f = flagsOf(t, '/f', i);
    assert.equal(!!(f & PG_READAHEAD), i === 8, `PG_readahead on page ${i}`);
    assert.equal(f & PG_ACTIVE, 0, `page ${i} inactive`);
    // the read marks what it read accessed (referenced), not the pages readahead brought in beyond it
    assert.equal(!!(f & PG_REFERENCED), i < 8, `PG_referenced on page ${i}`);
  }
});

test('worked example: reading page 8 starts an async readahead of pages 16–47 and does not wait for it', () => {
  const t = run('file "/f" size 1MiB\nbuf = alloc(64KiB)\nfd = open("/f")\nread(fd, buf, 32KiB)\nread(fd, buf, 4KiB)\n');
  const id = fileId(t.machine, '/f');
  const r = opIndex(t, 'read', 1);
  const evs = opEvents(t, r, [Ev.PageHit, Ev.PageMiss, Ev.ReadaheadSync, Ev.ReadaheadAsync, Ev.PageInsert, Ev.ReadaheadMark]);
  // next window: start 0 + 16 = 16; size: cur 16 ≤ max/2 = 16 → 2 × 16 = 32; async_size = size → marker on page 16.
  const expected: [string, number, number][] = [['page-hit', id, 8], ['readahead-async', id, 16]];
  for (let i = 16; i < 48; i++) {
    expected.push(['page-insert', id, i]);
    if (i === 16) expected.push(['readahead-mark', id, 16]);
  }
  assert.deepEqual(evs.map((e) => [e.name, e.a, e.b]), expected, dump(evs));
  assert.equal(evs[1].c, 32);
  assert.deepEqual(opEvents(t, r, [Ev.DmaStart]).map((e) => e.a), [128 * KiB]);
  // async: page 8 is cached, so the call copies it and returns; it never blocks on the new I/O
  assert.deepEqual(opEvents(t, r, [Ev.Block]), []);
  assert.equal(flagsOf(t, '/f', 8) & PG_READAHEAD, 0, 'the marker is cleared when hit');
  assert.ok(flagsOf(t, '/f', 16) & PG_READAHEAD);
  assert.deepEqual(cachedPages(t.machine, '/f'), range(0, 47));
  // The window is now start 16, size 32, async 32 in the descriptor's state.
  const fd = t.machine.fds.get(3);
  assert.ok(fd && fd.kind === 'file');
  assert.deepEqual([fd.ra.start, fd.ra.size, fd.ra.asyncSize], [16, 32, 32]);
});

test('first window sizes: 1–2 pages → 16 KiB, 3–4 → 32 KiB, 5–8 → 64 KiB, more → 128 KiB', () => {
  const cases: [number, number][] = [
    [1, 4], [2, 4], [3, 8], [4, 8], [5, 16], [6, 16], [8, 16], [9, 32], [12, 32], [16, 32], [31, 32],
  ];
  for (const [req, window] of cases) {
    const t = run(`file "/f" size 1MiB\nbuf = alloc(128KiB)\nfd = open("/f")\nread(fd, buf, ${req * 4}KiB)\n`);
    const r = opIndex(t, 'read');
    const sync = opEvents(t, r, [Ev.ReadaheadSync]);
    assert.deepEqual(sync.map((e) => [e.b, e.c]), [[0, window]], `request of ${req} pages`);
    // the marker sits at start + size − (size − request) = request
    assert.deepEqual(opEvents(t, r, [Ev.ReadaheadMark]).map((e) => e.b), [req], `marker for ${req} pages`);
    assert.deepEqual(opEvents(t, r, [Ev.DmaStart]).map((e) => e.a), [window * 4 * KiB], `bytes for ${req} pages`);
    assert.deepEqual(cachedPages(t.machine, '/f'), range(0, window - 1));
  }
});

test('a full-window first read (32 pages): size = async_size, so readit marks the middle of the window', () => {
  // get_init_ra_size(32, 32) = 32 and async_size = size (size is not > request). The window would hit its own marker
  // at once, so readit merges: size + next (32) > max → size = max = 32, async_size = max/2 = 16 → marker on page 16.
  const t = run('file "/f" size 1MiB\nbuf = alloc(128KiB)\nfd = open("/f")\nread(fd, buf, 128KiB)\n');
  const r = opIndex(t, 'read');
  assert.deepEqual(opEvents(t, r, [Ev.ReadaheadSync, Ev.ReadaheadAsync, Ev.ReadaheadMark]).map((e) => [e.name, e.b]), [
    ['readahead-sync', 0], ['readahead-mark', 16],
    // reading page 16 inside the same call hits the marker: the next window, 32–63, marker on its first page
    ['readahead-async', 32], ['readahead-mark', 32],
  ]);
});

test('the window never reads past the end of the file, and marks nothing it did not read', () => {
  // 40 KiB file = pages 0–9. A 4 KiB read at 0 wants 4 pages (marker on 1); then reading page 1 wants 4–11 → 4–9.
  const t = run('file "/f" size 40KiB\nbuf = alloc(64KiB)\nfd = open("/f")\nread(fd, buf, 4KiB)\nread(fd, buf, 4KiB)\n');
  const evs = [0, 1].map((k) => opEvents(t, opIndex(t, 'read', k), [Ev.ReadaheadSync, Ev.ReadaheadAsync, Ev.ReadaheadMark]).map((e) => [e.name, e.b, e.c]));
  assert.deepEqual(evs[0], [['readahead-sync', 0, 4], ['readahead-mark', 1, 0]]);
  // get_next_ra_size(4, 32): 4 < 32/16 = 2 is false; 4 ≤ 16 → 8 pages: 4–11, clipped to EOF: 4–9 (6 pages). The
  // marker (async_size 8, at 6 − 8 < 0) falls before the clipped window: no page is marked.
  assert.deepEqual(evs[1], [['readahead-async', 4, 6]]);
  assert.deepEqual(cachedPages(t.machine, '/f'), range(0, 9));
});

test('small random reads read only what was asked and leave the readahead state alone', () => {
  const t = run(
    'file "/f" size 1MiB\nbuf = alloc(64KiB)\nfd = open("/f")\n' +
      'pread(fd, buf, 4KiB, 512KiB)\n' + // page 128, not at 0, not after a previous read: random
      'pread(fd, buf, 8KiB, 800KiB)\n' + // pages 200–201: random again
      'pread(fd, buf, 4KiB, 808KiB)\n', // page 202: right after the previous read → a sequential start
  );
  const ra = (k: number) => opEvents(t, opIndex(t, 'pread', k), [Ev.ReadaheadSync, Ev.ReadaheadAsync, Ev.PageInsert, Ev.ReadaheadMark]).map((e) => [e.name, e.b, e.c]);
  assert.deepEqual(ra(0), [['readahead-sync', 128, 1], ['page-insert', 128, 0]]);
  assert.deepEqual(ra(1), [['readahead-sync', 200, 2], ['page-insert', 200, 0], ['page-insert', 201, 0]]);
  // prev_pos = 808 KiB → prev_index 202 = index: sequential, initial window 4 × 1 = 4 pages, marker on 203
  assert.deepEqual(ra(2), [
    ['readahead-sync', 202, 4], ['page-insert', 202, 0], ['page-insert', 203, 0], ['readahead-mark', 203, 0],
    ['page-insert', 204, 0], ['page-insert', 205, 0],
  ]);
  assert.deepEqual(cachedPages(t.machine, '/f'), [128, 200, 201, 202, 203, 204, 205]);
  assert.deepEqual(opEvents(t, opIndex(t, 'pread', 0), [Ev.DmaStart]).map((e) => [e.a, e.b & 0xff]), [[4 * KiB, Loc.Disk | (Loc.PageCache << 4)]]);

  // The state after the two random reads is untouched (start, size, async_size all 0).
  const t2 = run('file "/f" size 1MiB\nbuf = alloc(64KiB)\nfd = open("/f")\npread(fd, buf, 4KiB, 512KiB)\npread(fd, buf, 8KiB, 800KiB)\n');
  const fd = t2.machine.fds.get(3);
  assert.ok(fd && fd.kind === 'file');
  assert.deepEqual([fd.ra.start, fd.ra.size, fd.ra.asyncSize], [0, 0, 0]);
  assert.equal(t2.machine.counters[C.ReadaheadPages], 3);
});

test('mmap read-around: start = index − ra_pages/2, size = ra_pages, marker ra_pages/4 from the end', () => {
  const t = run('file "/f" size 1MiB\nfd = open("/f")\na = mmap(fd, 1MiB)\ntouch(a, 400KiB, 1)\n');
  const id = fileId(t.machine, '/f');
  const touch = opIndex(t, 'touch');
  // fault at page 100: start 100 − 16 = 84, 32 pages (84–115), async 8 → marker on 84 + 32 − 8 = 108
  const evs = opEvents(t, touch, [Ev.ReadAround, Ev.ReadaheadMark, Ev.FaultMajor]);
  assert.deepEqual(evs.map((e) => [e.name, e.a, e.b, e.c]), [
    ['read-around', id, 84, 32], ['readahead-mark', id, 108, 0], ['fault-major', id, 100, 100],
  ]);
  assert.deepEqual(opEvents(t, touch, [Ev.PageInsert]).map((e) => e.b), range(84, 115));
  assert.deepEqual(cachedPages(t.machine, '/f'), range(84, 115));
  assert.ok(flagsOf(t, '/f', 108) & PG_READAHEAD);
  // fault-around maps the cached neighbours in the faulting 16-page block (96–111), except the marked page
  assert.deepEqual(opEvents(t, touch, [Ev.PageMap]).map((e) => e.b), [100, ...range(96, 99), ...range(101, 107), ...range(109, 111)]);

  // Near the start of the file the window is clamped at 0.
  const t2 = run('file "/f" size 1MiB\nfd = open("/f")\na = mmap(fd, 1MiB)\ntouch(a, 20KiB, 1)\n');
  assert.deepEqual(opEvents(t2, opIndex(t2, 'touch'), [Ev.ReadAround, Ev.ReadaheadMark]).map((e) => [e.b, e.c]), [[0, 32], [24, 0]]);
});

test('read_ahead_kb = 0 reads exactly the requested pages', () => {
  const t = run('machine {\n  read_ahead_kb = 0\n}\nfile "/f" size 1MiB\nbuf = alloc(64KiB)\nfd = open("/f")\nread(fd, buf, 8KiB)\nread(fd, buf, 8KiB)\n');
  assert.deepEqual(cachedPages(t.machine, '/f'), range(0, 3));
  assert.deepEqual(opEvents(t, opIndex(t, 'read', 1), [Ev.ReadaheadMark]), []);
});

test('the window ramps up on a sequential stream: 4× below max/16, 2× up to max/2, then max', () => {
  const windows = (machine: string, reads: number) => {
    const t = run(`machine {\n${machine}\n}\nfile "/f" size 2MiB\nbuf = alloc(4KiB)\nfd = open("/f")\nrepeat ${reads} { read(fd, buf, 4KiB) }\n`);
    return events(t, [Ev.ReadaheadSync, Ev.ReadaheadAsync]).map((e) => [e.b, e.c]);
  };
  // max 32 pages: 4 → 8 → 16 → 32 → 32; each async window starts where the previous one ended
  assert.deepEqual(windows('  read_ahead_kb = 128', 92), [[0, 4], [4, 8], [12, 16], [28, 32], [60, 32], [92, 32]]);
  // max 128 pages: 4 → 16 (4 < 128/16 = 8: ×4) → 32 → 64 → 128 → 128
  assert.deepEqual(windows('  read_ahead_kb = 512', 117), [[0, 4], [4, 16], [20, 32], [52, 64], [116, 128], [244, 128]]);
});

test('context readahead: a read that does not follow its descriptor\'s last one continues the stream cached before it', () => {
  // Two descriptors: fd 3 reads 4 pages at 100 (random: pages 100–103 only), then fd 4 (its own, fresh state) reads page 104. prev_pos of fd 4 is unset, so the read is not sequential;
  // try_context_readahead / page_cache_sync_ra count the cached pages before 104: page_cache_prev_miss(103) = 99,
  // history = 104 − 99 − 1 = 4 > request 1 → window start 104, size min(4 + 1, 32) = 5, async_size 1: marker on 108.
  const t = run(
    'file "/f" size 1MiB\nbuf = alloc(64KiB)\nfd = open("/f")\nfd2 = open("/f")\n' +
      'pread(fd, buf, 16KiB, 400KiB)\n' + // pages 100–103: a random read of 4 pages, read as is
      'pread(fd2, buf, 4KiB, 416KiB)\n', // page 104
  );
  const ra = (k: number) => opEvents(t, opIndex(t, 'pread', k), [Ev.ReadaheadSync, Ev.ReadaheadMark]).map((e) => [e.name, e.b, e.c]);
  assert.deepEqual(ra(0), [['readahead-sync', 100, 4]]);
  assert.deepEqual(ra(1), [['readahead-sync', 104, 5], ['readahead-mark', 108, 0]]);
  assert.deepEqual(cachedPages(t.machine, '/f'), range(100, 108));
  const fd2 = t.machine.fds.get(4);
  assert.ok(fd2 && fd2.kind === 'file');
  assert.deepEqual([fd2.ra.start, fd2.ra.size, fd2.ra.asyncSize], [104, 5, 1]);
});

test('context readahead: history no longer than the request is a random read; a file cached from 0 doubles it', () => {
  // Page 101 cached alone; a 1-page read at 102: history 1 ≤ request 1 → read as is.
  const t = run('file "/f" size 1MiB\nbuf = alloc(64KiB)\nfd = open("/f")\nfd2 = open("/f")\npread(fd, buf, 4KiB, 404KiB)\npread(fd2, buf, 4KiB, 408KiB)\n');
  assert.deepEqual(cachedPages(t.machine, '/f'), [101, 102]);
  // fd reads pages 0–15 (the first window of a 32 KiB read at 0), fd2 reads page 16:
  // prev_miss(15) wraps past 0 → history = 16, doubled = 32, size = min(32 + 1, 32) = 32, async 1 → marker on 47.
  const t2 = run('file "/f" size 1MiB\nbuf = alloc(64KiB)\nfd = open("/f")\nfd2 = open("/f")\nread(fd, buf, 32KiB)\npread(fd2, buf, 4KiB, 64KiB)\n');
  const evs = opEvents(t2, opIndex(t2, 'pread', 0), [Ev.ReadaheadSync, Ev.ReadaheadMark]).map((e) => [e.name, e.b, e.c]);
  assert.deepEqual(evs, [['readahead-sync', 16, 32], ['readahead-mark', 47, 0]]);
  assert.deepEqual(cachedPages(t2.machine, '/f'), range(0, 47));
});
