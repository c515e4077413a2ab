/** model-spec §3: the page cache's two LRU lists, mark_page_accessed, and reclaim under a page_cache_limit. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { C } from '../../src/machine/counters';
import { Ev, EvictReason } from '../../src/machine/events';
import { PG_ACTIVE, PG_REFERENCED } from '../../src/machine/pagecache';
import { cachedPages, dump, events, fileId, opEvents, opIndex, range, run } from './helpers';

type T = ReturnType<typeof run>;

/** 'inactive', 'inactive+ref', 'active', 'active+ref' for a cached page. */
function lruState(t: T, path: string, idx: number): string {
  const p = t.machine.cache.get(fileId(t.machine, path), idx);
  assert.ok(p, `page ${idx} of ${path} is not cached`);
  return (p.flags & PG_ACTIVE ? 'active' : 'inactive') + (p.flags & PG_REFERENCED ? '+ref' : '');
}

const PRE = 'file "/f" size 64KiB\nbuf = alloc(64KiB)\nfd = open("/f")\n';

test('mark_page_accessed: new page inactive unreferenced; accessed → referenced; again → active; active → active+referenced', () => {
  // read 4 KiB at 0: readahead inserts pages 0–3 (window 4); only page 0 is read, so only it is marked accessed.
  let t = run(PRE + 'read(fd, buf, 4KiB)\n');
  assert.deepEqual([0, 1, 2, 3].map((i) => lruState(t, '/f', i)), ['inactive+ref', 'inactive', 'inactive', 'inactive']);

  // Page 2 was inserted unreferenced (1st touch: insertion). Reading it → referenced (2nd); again → active (3rd).
  t = run(PRE + 'read(fd, buf, 4KiB)\npread(fd, buf, 4KiB, 8KiB)\n');
  assert.equal(lruState(t, '/f', 2), 'inactive+ref');
  t = run(PRE + 'read(fd, buf, 4KiB)\npread(fd, buf, 4KiB, 8KiB)\npread(fd, buf, 4KiB, 0)\npread(fd, buf, 4KiB, 8KiB)\n');
  assert.equal(lruState(t, '/f', 2), 'active');
  assert.equal(lruState(t, '/f', 0), 'active');
  const id = fileId(t.machine, '/f');
  assert.deepEqual(opEvents(t, opIndex(t, 'pread', 1), [Ev.PageActivate]).map((e) => [e.a, e.b]), [[id, 0]]);
  assert.deepEqual(opEvents(t, opIndex(t, 'pread', 2), [Ev.PageActivate]).map((e) => [e.a, e.b]), [[id, 2]]);
  // An active, unreferenced page accessed again becomes active+referenced, and stays there.
  t = run(PRE + 'read(fd, buf, 4KiB)\npread(fd, buf, 4KiB, 8KiB)\npread(fd, buf, 4KiB, 0)\npread(fd, buf, 4KiB, 8KiB)\npread(fd, buf, 4KiB, 0)\n');
  assert.equal(lruState(t, '/f', 0), 'active+ref');
  t = run(PRE + 'read(fd, buf, 4KiB)\npread(fd, buf, 4KiB, 8KiB)\npread(fd, buf, 4KiB, 0)\npread(fd, buf, 4KiB, 8KiB)\npread(fd, buf, 4KiB, 0)\npread(fd, buf, 4KiB, 8KiB)\npread(fd, buf, 4KiB, 0)\n');
  assert.equal(lruState(t, '/f', 0), 'active+ref');
  assert.equal(t.machine.lru('active').length, 2);
});

test('filemap_read does not mark again the page the previous read ended in', () => {
  // Three small reads inside page 0: only the first marks it. It stays inactive+referenced.
  let t = run(PRE + 'read(fd, buf, 100)\nread(fd, buf, 100)\nread(fd, buf, 100)\n');
  assert.equal(lruState(t, '/f', 0), 'inactive+ref');
  assert.deepEqual(events(t, [Ev.PageActivate]), []);
  // Sequential 4 KiB reads: each page is marked once → referenced, none active.
  t = run(PRE + 'repeat 16 { read(fd, buf, 4KiB) }\n');
  assert.deepEqual(range(0, 15).map((i) => lruState(t, '/f', i)), Array(16).fill('inactive+ref'));
  // A read that starts in the page where the previous one ended skips only that page: 0–6000 then 6000–12000
  // marks page 0, page 1 (first read) and page 2 (second read; page 1 is where the first ended, not marked again).
  t = run(PRE + 'read(fd, buf, 6000)\nread(fd, buf, 6000)\n');
  assert.deepEqual([0, 1, 2].map((i) => lruState(t, '/f', i)), ['inactive+ref', 'inactive+ref', 'inactive+ref']);
  // Re-reading page 0 after reading elsewhere (a different page last): it is marked again → active.
  t = run(PRE + 'read(fd, buf, 100)\npread(fd, buf, 100, 8KiB)\npread(fd, buf, 100, 0)\n');
  assert.equal(lruState(t, '/f', 0), 'active');
  // Two descriptors each keep their own prev_pos: a read of page 0 through each activates it.
  t = run(PRE + 'read(fd, buf, 100)\ng = open("/f")\nread(g, buf, 100)\n');
  assert.equal(lruState(t, '/f', 0), 'active');
});

test('buffered writes do not mark pages accessed (Linux 4.7+): a page written again and again stays inactive and unreferenced', () => {
  // write_begin looks the page up without FGP_ACCESSED since "mm: filemap: only do access activations on reads".
  // Four rewrites of the same 8 KiB, then 10240-byte writes that straddle pages (as tar's records do).
  let t = run('file "/w" size 0\nbuf = alloc(16KiB)\nfd = open("/w", O_RDWR)\nrepeat 4 { pwrite(fd, buf, 8KiB, 0) }\n');
  assert.deepEqual([0, 1].map((i) => lruState(t, '/w', i)), ['inactive', 'inactive']);
  assert.deepEqual(events(t, [Ev.PageActivate]), []);
  t = run('file "/w" size 0\nbuf = alloc(16KiB)\nfd = open("/w", O_RDWR)\nrepeat 8 { write(fd, buf, 10240) }\n');
  assert.deepEqual(range(0, 19).map((i) => lruState(t, '/w', i)), Array(20).fill('inactive'));
  // Reading the written pages is an access as before: page 0 read once → referenced, twice → active.
  t = run('file "/w" size 0\nbuf = alloc(16KiB)\nfd = open("/w", O_RDWR)\npwrite(fd, buf, 8KiB, 0)\npread(fd, buf, 100, 0)\n');
  assert.equal(lruState(t, '/w', 0), 'inactive+ref');
  t = run('file "/w" size 0\nbuf = alloc(16KiB)\nfd = open("/w", O_RDWR)\npwrite(fd, buf, 8KiB, 0)\npread(fd, buf, 100, 0)\npread(fd, buf, 100, 4KiB)\npread(fd, buf, 100, 0)\n');
  assert.equal(lruState(t, '/w', 0), 'active');
});

test('reclaim under a page_cache_limit takes the oldest pages from the inactive tail, one event each', () => {
  // 1 MiB cap = 256 pages; a 4 MiB file (1024 pages) read once, sequentially, 64 KiB at a time.
  const t = run('machine {\n  page_cache_limit = 1MiB\n}\nfile "/big" size 4MiB\nbuf = alloc(64KiB)\nb = open("/big")\nrepeat 64 { read(b, buf, 64KiB) }\n');
  const big = fileId(t.machine, '/big');
  assert.equal(t.machine.cache.capacity, 256);
  const ev = events(t, [Ev.PageEvict]);
  assert.equal(ev.length, 1024 - 256);
  assert.deepEqual(ev.map((e) => e.b), range(0, 1024 - 256 - 1), 'oldest first');
  assert.ok(ev.every((e) => e.a === big && e.c === EvictReason.Reclaim));
  assert.equal(t.machine.counters[C.Evictions], 768);
  assert.deepEqual(cachedPages(t.machine, '/big'), range(768, 1023));
  // read once: everything stays on the inactive list
  assert.equal(t.machine.lru('active').length, 0);
  assert.deepEqual(events(t, [Ev.PageActivate, Ev.PageDeactivate]), []);
  // and nothing was read twice: 4 MiB from the disk
  assert.equal(t.machine.counters[C.DmaBytes], 4 * 1024 * 1024);
});

const HOT_BIG = (hotSize: string, hotReads: number) =>
  'machine {\n  page_cache_limit = 1MiB\n}\n' +
  `file "/hot" size ${hotSize}\nfile "/big" size 4MiB\nbuf = alloc(1MiB)\n` +
  `h = open("/hot")\nrepeat ${hotReads} { pread(h, buf, ${hotSize}, 0) }\n` +
  'b = open("/big")\nrepeat 64 { read(b, buf, 64KiB) }\n';

test('a hot small file (read twice: active) survives a large sequential read that evicts only the big file', () => {
  const t = run(HOT_BIG('64KiB', 2));
  const hot = fileId(t.machine, '/hot');
  const big = fileId(t.machine, '/big');
  // 1 MiB of buffer leaves RAM alone; the cap is 256 pages: 16 hot (active) + 240 for the stream.
  assert.equal(t.machine.cache.capacity, 256);
  assert.deepEqual(cachedPages(t.machine, '/hot'), range(0, 15));
  assert.deepEqual(range(0, 15).map((i) => lruState(t, '/hot', i)), Array(16).fill('active'));
  const ev = events(t, [Ev.PageEvict]);
  assert.ok(ev.every((e) => e.a === big), dump(ev.filter((e) => e.a !== big).slice(0, 5)));
  assert.deepEqual(ev.map((e) => e.b), range(0, 1024 - 240 - 1));
  assert.deepEqual(events(t, [Ev.PageDeactivate]), []);
  assert.deepEqual(cachedPages(t.machine, '/big'), range(784, 1023));
  assert.ok(events(t, [Ev.PageHit]).filter((e) => e.a === hot).length === 16, 'the second read of /hot hit all 16 pages');
});

test('a small file read only once stays inactive and is the first thing the stream pushes out', () => {
  const t = run(HOT_BIG('64KiB', 1));
  const hot = fileId(t.machine, '/hot');
  assert.deepEqual(cachedPages(t.machine, '/hot'), []);
  const ev = events(t, [Ev.PageEvict]);
  // the 16 pages of /hot are the oldest on the inactive list: evicted first, in order
  assert.deepEqual(ev.slice(0, 16).map((e) => [e.a, e.b]), range(0, 15).map((i) => [hot, i]));
  assert.equal(ev.length, 16 + 1024 - 256);
});

test('the protection is limited: a hot file above half the cache loses its oldest active pages once the active list is demoted', () => {
  // /hot: 768 KiB = 192 pages, read twice → 192 active. When the cache is full (192 active + 64 inactive),
  // inactive_is_low (active > inactive) demotes the active tail — hot pages 0–63, activated first — until
  // active = inactive = 128. From then on each eviction keeps active (128) ≤ inactive (128): no further demotion.
  // The demoted pages reach the inactive tail behind the stream's first 64 pages and are evicted.
  const t = run(HOT_BIG('768KiB', 2));
  const hot = fileId(t.machine, '/hot');
  const big = fileId(t.machine, '/big');
  const de = events(t, [Ev.PageDeactivate]);
  assert.deepEqual(de.map((e) => [e.a, e.b]), range(0, 63).map((i) => [hot, i]));
  const ev = events(t, [Ev.PageEvict]);
  // every hot page evicted was demoted first
  const hotEvicted = ev.filter((e) => e.a === hot);
  assert.deepEqual(hotEvicted.map((e) => e.b), range(0, 63));
  for (const e of hotEvicted) assert.ok(de.some((d) => d.b === e.b && d.pos < e.pos));
  // the first 64 evictions are the stream's oldest pages (they were ahead of the demoted pages on the list)
  assert.deepEqual(ev.slice(0, 64).map((e) => [e.a, e.b]), range(0, 63).map((i) => [big, i]));
  assert.deepEqual(cachedPages(t.machine, '/hot'), range(64, 191));
  assert.deepEqual(range(64, 191).map((i) => lruState(t, '/hot', i)), Array(128).fill('active'));
  assert.deepEqual(cachedPages(t.machine, '/big'), range(896, 1023));
  assert.equal(t.machine.lru('active').length, 128);
  assert.equal(t.machine.lru('inactive').length, 128);
  assert.equal(ev.length, 64 + 1024 - 128);
});

test('drop_caches drops clean unmapped pages; dirty pages stay (they must be written back first)', () => {
  const t = run('file "/f" size 64KiB\nfile "/g" size 64KiB\nbuf = alloc(64KiB)\nfd = open("/f")\ng = open("/g", O_RDWR)\nread(fd, buf, 64KiB)\nwrite(g, buf, 8KiB)\ndrop_caches\n');
  assert.deepEqual(cachedPages(t.machine, '/f'), []);
  assert.deepEqual(cachedPages(t.machine, '/g'), [0, 1]);
  const ev = events(t, [Ev.PageEvict]);
  assert.equal(ev.length, 16);
  assert.ok(ev.every((e) => e.c === EvictReason.DropCaches));
});

test('dirty pages at the inactive tail are not evicted: reclaim asks the flusher, then evicts them once clean', () => {
  // 64 KiB cap = 16 pages (the minimum). Dirty 8 pages of /w, then read 64 KiB of /r: reclaim meets the dirty
  // pages at the tail, wakes the flusher (reason Reclaim) and waits for the writeback before evicting them.
  const t = run('machine {\n  page_cache_limit = 64KiB\n}\nfile "/w" size 32KiB\nfile "/r" size 1MiB\nbuf = alloc(64KiB)\nw = open("/w", O_RDWR)\nr = open("/r")\nwrite(w, buf, 32KiB)\nread(r, buf, 64KiB)\n');
  const wid = fileId(t.machine, '/w');
  const wake = events(t, [Ev.FlusherWake]);
  assert.equal(wake.length, 1);
  assert.equal(wake[0].a, 2 /* WakeReason.Reclaim */);
  const wbStart = events(t, [Ev.WritebackStart]);
  assert.deepEqual(wbStart.map((e) => [e.a, e.b, e.c]), [[wid, 0, 8]]);
  const wbEnd = events(t, [Ev.WritebackEnd])[0];
  const firstDirtyEvict = events(t, [Ev.PageEvict]).find((e) => e.a === wid);
  assert.ok(firstDirtyEvict && firstDirtyEvict.pos > wbEnd.pos, 'a dirty page is evicted only after its writeback completed');
  assert.equal(t.machine.cache.dirty, 0);
});

test('when every inactive page is locked for read I/O, reclaim waits for the disk instead of evicting active pages', () => {
  // 256 KiB cap = 64 pages: 16 active hot pages leave 48 for a stream whose readahead windows are 32 pages, so at
  // times the whole inactive list is still being read. Reclaim must then wait (Block, reason Reclaim); the active
  // list is not too large (16 ≤ inactive), so no hot page may be demoted or evicted.
  const t = run(
    'machine {\n  page_cache_limit = 256KiB\n}\nfile "/hot" size 64KiB\nfile "/big" size 1MiB\nbuf = alloc(64KiB)\n' +
      'h = open("/hot")\nrepeat 2 { pread(h, buf, 64KiB, 0) }\nb = open("/big")\nrepeat 16 { read(b, buf, 64KiB) }\n',
  );
  const hot = fileId(t.machine, '/hot');
  assert.equal(t.machine.cache.capacity, 64);
  assert.deepEqual(cachedPages(t.machine, '/hot'), range(0, 15));
  assert.deepEqual(events(t, [Ev.PageEvict]).filter((e) => e.a === hot), []);
  assert.deepEqual(events(t, [Ev.PageDeactivate]), []);
  assert.ok(events(t, [Ev.Block]).some((e) => e.b === 6 /* WaitReason.Reclaim */));
  for (let k = 0; k < 16; k++) assert.equal(t.ops.get(opIndex(t, 'read', k)).result, 64 * 1024);
});
