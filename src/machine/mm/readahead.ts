/**
 * Readahead (mm/readahead.c). The on-demand state machine (ondemand_readahead, get_init_ra_size, get_next_ra_size),
 * one state per open file description, decides the window and is pure; below it, the I/O that reads a window into
 * the page cache (page_cache_ra_unbounded, read_pages).
 */
import { C } from '../counters';
import { diskRead, maxBio } from '../dev/block';
import { startDma } from '../dev/dma';
import { Ev, Loc } from '../events';
import { Kernel } from '../kernel';
import { PG_READAHEAD, Page } from '../pagecache';
import { FileObj, RaState, TimerKind } from '../state';
import { PAGE_SIZE, roundUp } from '../units';
import { ensureFree } from './vmscan';

export interface RaWindow {
  start: number;
  size: number;
  asyncSize: number;
}

function roundupPow2(n: number): number {
  let r = 1;
  while (r < n) r *= 2;
  return r;
}

/** get_init_ra_size: the first window, 2–4× the request while small, up to the maximum. */
export function initRaSize(req: number, max: number): number {
  const r = roundupPow2(req);
  if (r <= max / 32) return r * 4;
  if (r <= max / 4) return r * 2;
  return max;
}

/** get_next_ra_size: each following window 4× (small) or 2× the last, up to the maximum. */
export function nextRaSize(cur: number, max: number): number {
  if (cur < max / 16) return 4 * cur;
  if (cur <= max / 2) return 2 * cur;
  return max;
}

/**
 * Decides what to read for a request of `req` pages at page `index`. `hitMarker` is true when called because
 * a page with PG_readahead was reached (async readahead). `nextMiss` finds the first uncached page at or after an
 * index (page_cache_next_miss) for the context readahead of an interleaved stream. Returns null for "read only
 * what was asked, no state change" (a small random read) and for "nothing to do".
 */
export function ondemandReadahead(
  ra: RaState,
  maxPages: number,
  index: number,
  req: number,
  hitMarker: boolean,
  nextMiss: (from: number, limit: number) => number,
): { window: RaWindow; random: boolean } | null {
  if (maxPages === 0) return { window: { start: index, size: req, asyncSize: 0 }, random: true };
  let initial = false;
  if (index === 0) {
    initial = true;
  } else if (index === ra.start + ra.size - ra.asyncSize || index === ra.start + ra.size) {
    // Sequential: the expected next window (the marker page or right after the window).
    ra.start += ra.size;
    ra.size = nextRaSize(ra.size, maxPages);
    ra.asyncSize = ra.size;
  } else if (hitMarker) {
    // Hit a marker that is not ours (interleaved streams): look for where the cached run ends.
    const start = nextMiss(index + 1, maxPages);
    if (start < 0 || start - index > maxPages) return null;
    ra.start = start;
    ra.size = start - index + req;
    ra.size = nextRaSize(ra.size, maxPages);
    ra.asyncSize = ra.size;
  } else if (req > maxPages) {
    initial = true;
  } else {
    const prevIndex = ra.prevPos < 0 ? -1 : Math.floor(ra.prevPos / 4096);
    if (prevIndex >= 0 && index - prevIndex <= 1 && index >= prevIndex) {
      initial = true;
    } else {
      // A standalone small random read: read what was asked, leave the state alone.
      return { window: { start: index, size: req, asyncSize: 0 }, random: true };
    }
  }
  if (initial) {
    ra.start = index;
    ra.size = initRaSize(req, maxPages);
    ra.asyncSize = ra.size > req ? ra.size - req : ra.size;
  }
  // Merge the next async window into a fresh one when the whole window is async (readit:).
  if (!hitMarker && index === ra.start && ra.size === ra.asyncSize) {
    const add = nextRaSize(ra.size, maxPages);
    if (ra.size + add <= maxPages) {
      ra.asyncSize = add;
      ra.size += add;
    } else {
      ra.size = maxPages;
      ra.asyncSize = maxPages >> 1;
    }
  }
  return { window: { start: ra.start, size: ra.size, asyncSize: ra.asyncSize }, random: false };
}

/** mmap read-around (do_sync_mmap_readahead): centre a full window on the fault. */
export function readAround(ra: RaState, maxPages: number, index: number): RaWindow {
  const start = Math.max(0, index - Math.floor(maxPages / 2));
  ra.start = start;
  ra.size = maxPages;
  ra.asyncSize = Math.floor(maxPages / 4);
  return { start, size: maxPages, asyncSize: ra.asyncSize };
}

/** ra_pages: the largest window, from read_ahead_kb. */
export function maxRaPages(k: Kernel): number {
  return Math.floor(k.config.readAheadKb / 4);
}

/**
 * page_cache_sync_ra (a miss) and page_cache_async_ra (`hitMarker`: a page with PG_readahead was reached): asks the
 * state machine for a window and reads it.
 */
export function readahead(k: Kernel, f: FileObj, ra: RaState, idx: number, req: number, hitMarker: boolean): void {
  const max = maxRaPages(k);
  const plan = ondemandReadahead(ra, max, idx, req, hitMarker, (from, limit) => {
    for (let i = from; i < from + limit; i++) if (!k.cache.get(f.id, i)) return i;
    return -1;
  });
  if (!plan) return;
  const w = plan.window;
  const kind = plan.random ? Ev.ReadaheadSync : hitMarker ? Ev.ReadaheadAsync : Ev.ReadaheadSync;
  readPages(k, f, w.start, w.size, w.asyncSize, kind);
}

/** do_page_cache_ra + page_cache_ra_unbounded: inserts the missing pages of a window and submits their reads. */
export function readPages(k: Kernel, f: FileObj, start: number, nr: number, asyncSize: number, kind: Ev): void {
  if (f.size === 0) return;
  const endIndex = Math.floor((f.size - 1) / PAGE_SIZE);
  if (start > endIndex) return;
  if (nr > endIndex - start + 1) nr = endIndex - start + 1;
  const mark = asyncSize > 0 ? nr - asyncSize : -1;
  let announced = false;
  let run: Page[] = [];
  for (let i = 0; i < nr; i++) {
    const idx = start + i;
    if (!announced && !k.cache.get(f.id, idx)) {
      // A window whose pages are all cached reads nothing: no readahead event, nothing counted.
      announced = true;
      k.ev(kind, f.id, start, nr);
    }
    if (k.cache.get(f.id, idx)) {
      submitRead(k, f, run);
      run = [];
      continue;
    }
    ensureFree(k, 1);
    const p = k.cache.insert(f.id, idx, Infinity, k.opSeq);
    k.counters[C.ReadaheadPages]++;
    k.ev(Ev.PageInsert, f.id, idx);
    if (i === mark) {
      p.flags |= PG_READAHEAD;
      k.ev(Ev.ReadaheadMark, f.id, idx);
    }
    run.push(p);
    if (run.length * PAGE_SIZE >= maxBio(k)) {
      submitRead(k, f, run);
      run = [];
    }
  }
  submitRead(k, f, run);
}

/** Reads pages with no readahead (read_ahead_kb = 0, or a read-modify-write). Returns the first page. */
export function readPagesNow(k: Kernel, f: FileObj, idx: number, nr: number): Page {
  readPages(k, f, idx, nr, 0, Ev.ReadaheadSync);
  let p = k.cache.get(f.id, idx);
  if (!p) {
    // Beyond EOF (a write extending the file): a fresh zero page, nothing to read.
    ensureFree(k, 1);
    p = k.cache.insert(f.id, idx, k.now, k.opSeq);
    k.ev(Ev.PageInsert, f.id, idx);
  }
  return p;
}

/** read_pages: one bio for a run of contiguous new pages: disk → controller buffer → (DMA) → page cache. */
function submitRead(k: Kernel, f: FileObj, run: Page[]): void {
  if (run.length === 0) return;
  const off = run[0].index * PAGE_SIZE;
  const bytes = Math.min(run.length * PAGE_SIZE, roundUp(f.size - off, k.config.blockSize));
  const done = diskRead(k, f, off, bytes);
  const id = startDma(k, Loc.Disk, Loc.PageCache, bytes, done, `read ${f.path} pages ${run[0].index}–${run[run.length - 1].index}`, f.id, off);
  for (const p of run) p.readyAt = done;
  k.timers.push(done, TimerKind.DiskReadDone, id, 0);
}
