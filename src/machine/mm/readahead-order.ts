/**
 * Readahead of the `6.18` kernel profile (mm/readahead.c of Linux 6.18): page_cache_sync_ra, page_cache_async_ra and
 * page_cache_ra_order, which reads a window in large folios whose order grows by 2 with each async step; and
 * `readahead`, the entry point of the read and fault paths that picks the profile's rules (the classic ones are
 * readahead.ts's ondemandRa).
 *
 * How 6.18 differs from the classic state machine (docs/kernel-profiles.md has the table):
 * - ractl_max_pages: a request larger than the window may read up to bdi->io_pages (max_sectors_kb);
 * - a fresh window whose request fills it gets async_size = size / 2 (no merge of the next window, `readit:` is gone);
 * - a read that does not follow the previous one: context readahead (page_cache_prev_miss), else the request alone;
 * - the async step: expected index rounded down to the marked folio's size; ra->order += 2; the window's end rounded
 *   down to 2^min(order, ffs(max_pages) − 1) pages;
 * - page_cache_ra_order: folios of ra->order (at most MAX_PAGECACHE_ORDER, at most ilog2(size), aligned to their
 *   index, shrunk to fit the window), the PG_readahead mark on the folio that holds the mark index; a folio that would
 *   overlap a cached page stops it, and the rest of the window is read in order-0 pages (do_page_cache_ra).
 */
import { Ev } from '../events';
import { Kernel } from '../kernel';
import { PG_READAHEAD } from '../pagecache';
import { FileObj, RaState } from '../state';
import { PAGE_SIZE } from '../units';
import { contextReadahead, forceRa, initRaSize, ioPages, nextRaSize, ondemandRa, raPagesOf, readPages, submitRead } from './readahead';
import { ensureFree } from './vmscan';
import { maxBio } from '../dev/block';
import { C } from '../counters';

/** MAX_PAGECACHE_ORDER on x86-64 with 4 KiB pages: HPAGE_PMD_ORDER (2 MiB folios). ext4 supports it since 6.16. */
export const MAX_PAGECACHE_ORDER = 9;

/**
 * Readahead for a read or fault of `req` pages at page `idx`: page_cache_sync_ra on a miss, page_cache_async_ra when
 * a folio with PG_readahead was reached (`hitMarker`; `idx` is then the folio's first page, `folioNr` its size). The
 * profile decides which rules run.
 */
export function readahead(k: Kernel, f: FileObj, ra: RaState, idx: number, req: number, hitMarker: boolean, folioNr = 1): void {
  if (k.config.kernel !== '6.18') return ondemandRa(k, f, ra, idx, req, hitMarker);
  if (hitMarker) pageCacheAsyncRa(k, f, ra, idx, req, folioNr);
  else pageCacheSyncRa(k, f, ra, idx, req);
}

/** ractl_max_pages: the window's limit; a request larger than ra_pages may read up to io_pages. */
export function ractlMaxPages(k: Kernel, ra: RaState, req: number): number {
  const max = raPagesOf(k, ra);
  const io = ioPages(k);
  return req > max && io > max ? Math.min(req, io) : max;
}

function ilog2(n: number): number {
  return 31 - Math.clz32(n);
}

/** __ffs: the index of the lowest set bit (n > 0). */
function ffs0(n: number): number {
  return 31 - Math.clz32(n & -n);
}

/**
 * page_cache_sync_ra (Linux 6.18): a read of `req` pages missed at `index`. FMODE_RANDOM or no readahead reads the
 * request alone (force_page_cache_ra); the start of the file, an oversized read or one that follows the previous
 * read start a fresh window; otherwise context readahead, or the request alone for a random read.
 */
export function pageCacheSyncRa(k: Kernel, f: FileObj, ra: RaState, index: number, req: number): void {
  const raPages = raPagesOf(k, ra);
  if (raPages === 0 || ra.random) {
    forceRa(k, f, ra, index, raPages === 0 ? 1 : req);
    return;
  }
  const maxPages = ractlMaxPages(k, ra, req);
  const prevIndex = ra.prevPos < 0 ? -1 : Math.floor(ra.prevPos / PAGE_SIZE);
  if (index === 0 || req > maxPages || (prevIndex >= 0 && index >= prevIndex && index - prevIndex <= 1)) {
    ra.start = index;
    ra.size = initRaSize(req, maxPages);
    ra.asyncSize = ra.size > req ? ra.size - req : ra.size >> 1;
  } else {
    const m = k.cache.mapping(f.id);
    if (!contextReadahead(ra, maxPages, index, req, (from, scan) => (m ? m.prevMiss(from, scan) : from))) {
      readPages(k, f, index, req, 0, Ev.ReadaheadSync);
      return;
    }
  }
  ra.order = 0;
  pageCacheRaOrder(k, f, ra, Ev.ReadaheadSync);
}

/**
 * page_cache_async_ra (Linux 6.18): the read reached the folio [index, index + folioNr) marked PG_readahead (the
 * caller has cleared it). The expected marker (rounded down to the folio) pushes the window forward and ramps it
 * up; another one (interleaved streams) sizes a window from the cached run after it (page_cache_next_miss).
 */
export function pageCacheAsyncRa(k: Kernel, f: FileObj, ra: RaState, index: number, req: number, folioNr: number): void {
  if (raPagesOf(k, ra) === 0) return;
  const maxPages = ractlMaxPages(k, ra, req);
  const expected = Math.floor((ra.start + ra.size - ra.asyncSize) / folioNr) * folioNr;
  if (index === expected) {
    ra.start += ra.size;
    // In the case of MADV_HUGEPAGE the window may already exceed what get_next_ra_size gives.
    ra.size = Math.max(ra.size, nextRaSize(ra.size, maxPages));
  } else {
    const m = k.cache.mapping(f.id);
    const start = m ? m.nextMiss(index + 1, index + 1 + maxPages) : index + 1;
    if (start - index > maxPages) return;
    ra.start = start;
    ra.size = start - index + req;
    ra.size = nextRaSize(ra.size, maxPages);
  }
  ra.order += 2;
  const align = 2 ** Math.min(ra.order, ffs0(maxPages));
  const end = ra.start + ra.size;
  const alignedEnd = Math.floor(end / align) * align;
  if (alignedEnd > ra.start) ra.size -= end - alignedEnd;
  ra.asyncSize = ra.size;
  pageCacheRaOrder(k, f, ra, Ev.ReadaheadAsync);
}

/**
 * page_cache_ra_order + ra_alloc_folio (Linux 6.18): reads the window [ra.start, ra.start + ra.size) in folios of
 * ra.order (bounded as the kernel bounds it), the folio holding ra.start + size − async_size marked PG_readahead
 * (all its pages carry the flag here). A folio that would overlap a cached page ends the large-folio part
 * (filemap_add_folio fails with -EEXIST); do_page_cache_ra reads the rest in 4 KiB pages around the cached ones.
 */
export function pageCacheRaOrder(k: Kernel, f: FileObj, ra: RaState, kind: Ev): void {
  if (f.size === 0) return;
  const start = ra.start;
  let index = start;
  const mark = index + ra.size - ra.asyncSize;
  let limit = Math.floor((f.size - 1) / PAGE_SIZE);
  if (ra.size <= 0 || index > limit) return;
  limit = Math.min(limit, index + ra.size - 1);
  const newOrder = Math.min(MAX_PAGECACHE_ORDER, ra.order, ilog2(ra.size));
  ra.order = newOrder;
  const c = k.cache;
  const m = c.mapping(f.id);
  const bioPages = Math.max(1, Math.floor(maxBio(k) / PAGE_SIZE));
  let failed = false;
  let announced = false;
  let runStart = index;
  let runLen = 0;
  while (index <= limit) {
    let order = newOrder;
    if (index & ((1 << order) - 1)) order = ffs0(index);
    while (order > 0 && index + (1 << order) - 1 > limit) order--;
    const nr = 1 << order;
    const next = m?.ceil(index);
    if (next && next.index < index + nr) {
      failed = true;
      break;
    }
    if (!announced) {
      announced = true;
      k.ev(kind, f.id, start, ra.size);
    }
    ensureFree(k, nr);
    const marked = Math.floor(mark / nr) * nr === index;
    c.insert(f.id, index, nr, Infinity, 0, k.opSeq, marked ? PG_READAHEAD : 0);
    k.ev(Ev.PageInsert, f.id, index, nr);
    if (marked) k.ev(Ev.ReadaheadMark, f.id, index);
    k.counters[C.ReadaheadPages] += nr;
    // read_pages: the folios go to the disk in bios of at most max_sectors_kb.
    if (runLen + nr > bioPages) {
      submitRead(k, f, runStart, runLen);
      runStart = index;
      runLen = 0;
    }
    runLen += nr;
    index += nr;
  }
  submitRead(k, f, runStart, runLen);
  if (!failed) return;
  // fallback: the rest of the window in order-0 pages, skipping the cached ones (the mark as asked, if it fits).
  if (ra.size > index - start) readPages(k, f, index, ra.size - (index - start), ra.asyncSize, kind);
}
