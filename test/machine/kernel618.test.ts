/**
 * The `6.18` kernel profile (mm/readahead.c and mm/fadvise.c of Linux 6.18, docs/kernel-profiles.md). Every count is
 * worked out by hand below from the kernel's rules; the ones of the table were measured on Linux 6.18 (ext4,
 * max_sectors_kb 4096) with fincore right after the run, and the recordings in test/fixtures/recorded/ check them again.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Ev } from '../../src/machine/events';
import { PG_READAHEAD } from '../../src/machine/pagecache';
import { cachedPages, fileId, opEvents, opIndex, range, run } from './helpers';

const machine = (kernel: string, ra: number) => `machine {\n  kernel = ${kernel}\n  read_ahead_kb = ${ra}\n  max_sectors_kb = 4096\n  ram = 4GiB\n}\n`;
const prog = (kernel: string, ra: number, body: string) => `${machine(kernel, ra)}file "/f" size 64MiB\nbuf = alloc(1MiB)\nfd = open("/f")\n${body}`;
const reads = (n: number, size = '32KiB') => `read(fd, buf, ${size})\n`.repeat(n);
const marked = (t: ReturnType<typeof run>) => {
  const id = fileId(t.machine, '/f');
  return cachedPages(t.machine, '/f').filter((i) => t.machine.cache.get(id, i)!.flags & PG_READAHEAD);
};

test('6.18: 1 MiB in 32 KiB reads at read_ahead_kb 8192 caches 896 pages (classic: 928)', () => {
  // sync at 0: 32 pages, mark 8. async at 8: start 32, size 128, order 2 (window end 160, aligned to 4).
  // async at 32: start 160, size 256, order 4 (end 416, aligned to 16). async at 160: start 416, size 512, order 6:
  // align 64, end 928 → rounded down to 896: size 480. Pages 0–895. The last window's first folio is order 5, not 6:
  // 416 is aligned to 32 pages only (order = __ffs(416) = 5), so the mark sits on folio 416–447.
  const t = run(prog('6.18', 8192, reads(32)));
  assert.deepEqual(cachedPages(t.machine, '/f'), range(0, 895));
  assert.deepEqual(marked(t), range(416, 447));
  const c = run(prog('classic', 8192, reads(32)));
  assert.deepEqual(cachedPages(c.machine, '/f'), range(0, 927));
});

test('6.18: 1 MiB in 32 KiB reads at read_ahead_kb 128 caches 288 pages (classic: 304)', () => {
  // max 32. sync 0: 16 pages, mark 8. async 8: 16–47 order 2. async 16: 48–79 order 4. async 48: order 6, align 32,
  // end 112 → 96: size 16 (80–95, order 4). async 80: 96–127 order 5 (ra->order was cut to 4, +2 = 6, ≤ ilog2 32).
  // Then 32 a step: 128–159, 160–191, 192–223, 224–255 and, reached by the read of 224, 256–287.
  const t = run(prog('6.18', 128, reads(32)));
  assert.deepEqual(cachedPages(t.machine, '/f'), range(0, 287));
  assert.deepEqual(marked(t), range(256, 287));
  const c = run(prog('classic', 128, reads(32)));
  assert.deepEqual(cachedPages(c.machine, '/f'), range(0, 303));
});

test('6.18: the async windows read large folios: one readahead-mark event per folio-sized mark', () => {
  const t = run(prog('6.18', 8192, reads(2)));
  // sync 0–31 (order 0, mark 8), then async 32–159 in order-2 folios, the mark on folio 32–35.
  const evs = opEvents(t, opIndex(t, 'read', 1), [Ev.ReadaheadAsync, Ev.ReadaheadMark]).map((e) => [e.name, e.b, e.c]);
  assert.deepEqual(evs, [['readahead-async', 32, 128], ['readahead-mark', 32, 0]]);
  assert.deepEqual(marked(t), range(32, 35));
  assert.deepEqual(cachedPages(t.machine, '/f'), range(0, 159));
});

test('6.18: a folio that would overlap a cached page falls back to 4 KiB pages for the rest of the window', () => {
  // Page 20 cached first (a random 1-page read). Window 16–47 (order 2): folio 16–19 is added and marked (mark 16);
  // folio 20–23 meets page 20 → -EEXIST; do_page_cache_ra reads 21–47 in order-0 pages, async_size 32 > 28 left:
  // no second mark.
  const t = run(prog('6.18', 128, 'pread(fd, buf, 4KiB, 80KiB)\n' + reads(2)));
  assert.deepEqual(cachedPages(t.machine, '/f'), range(0, 47));
  assert.deepEqual(marked(t), range(16, 19));
});

test('ractl_max_pages: a request larger than the window reads up to max_sectors_kb at once (6.18 only)', () => {
  // read_ahead_kb 128 (32 pages), a 1 MiB read (256 pages) at 0: max_pages = min(256, io_pages 1024) = 256;
  // get_init_ra_size(256, 256) = 256, async = 256 >> 1 = 128: one window of 256 pages, the mark on page 128. The same
  // read reaches that mark: async with 128 pages left to read (max_pages = min(128, 1024) = 128), start 256, size
  // max(256, get_next_ra_size) = 256, order 2: 256–511, marked on its first folio.
  const t = run(prog('6.18', 128, 'read(fd, buf, 1MiB)\n'));
  const evs = opEvents(t, opIndex(t, 'read'), [Ev.ReadaheadSync, Ev.ReadaheadAsync, Ev.ReadaheadMark]).map((e) => [e.name, e.b, e.c]);
  assert.deepEqual(evs, [['readahead-sync', 0, 256], ['readahead-mark', 128, 0], ['readahead-async', 256, 256], ['readahead-mark', 256, 0]]);
  assert.deepEqual(cachedPages(t.machine, '/f'), range(0, 511));
  // classic: no io_pages bound: the window is read_ahead_kb's 32 pages … get_init_ra_size(256, 32) = 32.
  const c = run(prog('classic', 128, 'read(fd, buf, 1MiB)\n'));
  assert.deepEqual(opEvents(c, opIndex(c, 'read'), [Ev.ReadaheadSync]).map((e) => [e.b, e.c])[0], [0, 32]);
});

test('fadvise: RANDOM reads exactly the request; WILLNEED reads max(io_pages, ra_pages); SEQUENTIAL doubles the window', () => {
  for (const kernel of ['classic', '6.18']) {
    const r = run(prog(kernel, 8192, 'fadvise(fd, 0, 0, 1)\n' + reads(3)));
    assert.deepEqual(cachedPages(r.machine, '/f'), range(0, 23), `${kernel}: RANDOM`);
    // WILLNEED on the whole file: force_page_cache_ra caps at max(1024, 2048) and max(1024, 32) pages.
    assert.equal(cachedPages(run(prog(kernel, 8192, 'fadvise(fd, 0, 0, 3)\n')).machine, '/f').length, 2048);
    assert.equal(cachedPages(run(prog(kernel, 128, 'fadvise(fd, 0, 0, 3)\n')).machine, '/f').length, 1024);
  }
  // 6.18, SEQUENTIAL, ra 8192 → ra_pages 4096: 0–31; 32–159 (order 2); 160–671 (512, order 4, end aligned to 16);
  // 672 + 1024 = 1696 → order 6, rounded down to 64: 1664.
  assert.deepEqual(cachedPages(run(prog('6.18', 8192, 'fadvise(fd, 0, 0, 2)\n' + reads(32))).machine, '/f'), range(0, 1663));
  // ra 128 → 64: 0–15; 16–47; 48–111; 112–127 (cut to 16); 128–159; 160–191 (cut to 32); 192–255; 256–319.
  assert.deepEqual(cachedPages(run(prog('6.18', 128, 'fadvise(fd, 0, 0, 2)\n' + reads(32))).machine, '/f'), range(0, 319));
});

test('fadvise DONTNEED drops the clean pages wholly inside the range; a partial page at either end stays', () => {
  // 0–31 cached by a 32 KiB read; DONTNEED of bytes [2048, 2048 + 16 KiB): pages 1–3 whole, 0 and 4 partial.
  const t = run(prog('6.18', 8192, reads(1) + 'fadvise(fd, 2KiB, 16KiB, 4)\n'));
  assert.deepEqual(cachedPages(t.machine, '/f'), [0, ...range(4, 31)]);
  const all = run(prog('6.18', 8192, reads(1) + 'fadvise(fd, 0, 0, 4)\n'));
  assert.deepEqual(cachedPages(all.machine, '/f'), []);
});
