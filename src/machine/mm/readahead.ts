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
import { Mapping, PG_READAHEAD } from '../pagecache';
import { FileObj, RaState, TimerKind } from '../state';
import { PAGE_SIZE, roundUp } from '../units';
import { ensureFree, makeRoom, roomFor } from './vmscan';

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
 * index (page_cache_next_miss) for the context readahead of an interleaved stream; `prevMiss` the last uncached page
 * at or before an index (page_cache_prev_miss, -1 when all are cached down to 0) for the context readahead of a read
 * that does not follow the previous one (try_context_readahead). Returns what to read (RaPlan): nothing, the request
 * alone with no state change (a small random read), or the window `ra` now holds (start, size, async_size). A code
 * rather than a window record: this runs for every readahead, and a record made each time was garbage (issue 10).
 */
/** What ondemandReadahead decided to read. */
export const enum RaPlan {
  None = 0,
  /** [index, index + req), no readahead marker. */
  Request = 1,
  /** The window in the file's RaState: [start, start + size), the marker async_size pages before its end. */
  Window = 2,
}

export function ondemandReadahead(
  ra: RaState,
  maxPages: number,
  index: number,
  req: number,
  hitMarker: boolean,
  nextMiss: (from: number, limit: number) => number,
  prevMiss: (from: number, maxScan: number) => number = () => index - 1,
): RaPlan {
  if (maxPages === 0) return RaPlan.Request;
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
    if (start < 0 || start - index > maxPages) return RaPlan.None;
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
    } else if (!contextReadahead(ra, maxPages, index, req, prevMiss)) {
      // A standalone small random read: read what was asked, leave the state alone.
      return RaPlan.Request;
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
  return RaPlan.Window;
}

/**
 * try_context_readahead (mm/readahead.c, Linux 2.6.31–6.9; the same rule is page_cache_sync_ra's non-sequential
 * path since 6.10): a read that does not follow this file's previous one may still continue a stream — another
 * descriptor's, or this one's before a seek. count_history_pages counts the cached pages just before `index`
 * (page_cache_prev_miss); more than the request means a stream: start a window of history + request pages (twice the
 * history when the file is cached from its start), up to the maximum, with one async page. Returns false (a random
 * read) otherwise. Sets `ra` when true.
 */
export function contextReadahead(ra: RaState, maxPages: number, index: number, req: number, prevMiss: (from: number, maxScan: number) => number): boolean {
  const miss = prevMiss(index - 1, maxPages);
  let size = index - miss - 1;
  if (size <= req) return false;
  // miss === -1 is the kernel's ULONG_MAX: cached from the beginning, a strong sign of a long stream.
  if (miss === -1) size *= 2;
  ra.start = index;
  ra.size = Math.min(size + req, maxPages);
  ra.asyncSize = 1;
  return true;
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

/** file_ra_state.ra_pages of one open file: the device's (maxRaPages) unless fadvise changed it. */
export function raPagesOf(k: Kernel, ra: RaState): number {
  return ra.raPages >= 0 ? ra.raPages : maxRaPages(k);
}

/** bdi->io_pages: the largest request the device takes in one go, from max_sectors_kb (blk_apply_bdi_limits). */
export function ioPages(k: Kernel): number {
  return Math.floor(k.config.maxSectorsKb / 4);
}

/**
 * The file index ondemandRa's lookups search (set around its call of ondemandReadahead, which changes nothing in the
 * cache): module-level functions rather than two closures made per call (issue 10).
 */
let missIndex: Mapping | undefined;

function nextMissOf(from: number, limit: number): number {
  const miss = missIndex ? missIndex.nextMiss(from, from + limit) : from;
  return miss < from + limit ? miss : -1;
}

function prevMissOf(from: number, maxScan: number): number {
  return missIndex ? missIndex.prevMiss(from, maxScan) : from;
}

/**
 * The classic profile's page_cache_sync_ra (a miss) and page_cache_async_ra (`hitMarker`: a page with PG_readahead
 * was reached): asks ondemand_readahead for a window and reads it. (readahead-order.ts chooses by profile.)
 */
export function ondemandRa(k: Kernel, f: FileObj, ra: RaState, idx: number, req: number, hitMarker: boolean): void {
  const max = raPagesOf(k, ra);
  if (ra.random && !hitMarker) {
    // FMODE_RANDOM (page_cache_sync_readahead since 2.6.23): force_page_cache_readahead of the request alone.
    forceRa(k, f, ra, idx, req);
    return;
  }
  missIndex = k.cache.mapping(f.id);
  const plan = ondemandReadahead(ra, max, idx, req, hitMarker, nextMissOf, prevMissOf);
  missIndex = undefined;
  if (plan === RaPlan.Request) readPages(k, f, idx, req, 0, Ev.ReadaheadSync);
  else if (plan === RaPlan.Window) readPages(k, f, ra.start, ra.size, ra.asyncSize, hitMarker ? Ev.ReadaheadAsync : Ev.ReadaheadSync);
}

/**
 * do_page_cache_ra + page_cache_ra_unbounded: inserts the missing pages of a window and submits their reads, a run of
 * new pages (up to the next cached page, the readahead marker or a full bio) at a time.
 */
export function readPages(k: Kernel, f: FileObj, start: number, nr: number, asyncSize: number, kind: Ev): void {
  if (f.size === 0) return;
  const endIndex = Math.floor((f.size - 1) / PAGE_SIZE);
  if (start > endIndex) return;
  if (nr > endIndex - start + 1) nr = endIndex - start + 1;
  const mark = asyncSize > 0 ? nr - asyncSize : -1;
  const bioPages = Math.max(1, Math.floor(maxBio(k) / PAGE_SIZE));
  const c = k.cache;
  let announced = false;
  // The run of new pages not submitted yet: [runStart, runStart + runLen).
  let runStart = -1;
  let runLen = 0;
  for (let i = 0; i < nr;) {
    const idx = start + i;
    const cached = c.find(f.id, idx);
    if (cached) {
      submitRead(k, f, runStart, runLen);
      runLen = 0;
      i = Math.min(nr, cached.end - start);
      continue;
    }
    if (!announced) {
      // A window whose pages are all cached reads nothing: no readahead event, nothing counted.
      announced = true;
      k.ev(kind, f.id, start, nr);
    }
    const next = c.mapping(f.id)?.ceil(idx);
    const want = Math.min(nr - i, (next ? next.index : Infinity) - idx, bioPages - runLen);
    // Room for the whole run at once when reclaim is plain (as freeing a page before each insertion would free the
    // same pages); the readahead marker then only cuts the run's insertion in pieces.
    let n = roomFor(k, want);
    if (n === 0) {
      ensureFree(k, 1);
      n = 1;
    } else {
      makeRoom(k, n);
    }
    for (let j = i; j < i + n;) {
      const end = j < mark ? Math.min(i + n, mark) : j === mark ? j + 1 : i + n;
      c.insert(f.id, start + j, end - j, Infinity, 0, k.opSeq, j === mark ? PG_READAHEAD : 0);
      k.ev(Ev.PageInsert, f.id, start + j, end - j);
      if (j === mark) k.ev(Ev.ReadaheadMark, f.id, start + j);
      j = end;
    }
    k.counters[C.ReadaheadPages] += n;
    if (runLen === 0) runStart = idx;
    runLen += n;
    if (runLen >= bioPages) {
      submitRead(k, f, runStart, runLen);
      runLen = 0;
    }
    i += n;
  }
  submitRead(k, f, runStart, runLen);
}

/**
 * force_page_cache_ra: reads [idx, idx + nr) as asked, in 2 MiB chunks, at most max(io_pages, ra_pages) pages
 * (POSIX_FADV_WILLNEED, FMODE_RANDOM reads); no readahead marker, no state change.
 */
export function forceRa(k: Kernel, f: FileObj, ra: RaState, idx: number, nr: number): void {
  nr = Math.min(nr, Math.max(ioPages(k), raPagesOf(k, ra)));
  const chunk = (2 * 1024 * 1024) / PAGE_SIZE;
  while (nr > 0) {
    const n = Math.min(chunk, nr);
    readPages(k, f, idx, n, 0, Ev.ReadaheadSync);
    idx += n;
    nr -= n;
  }
}

/** Reads pages with no readahead (read_ahead_kb = 0, or a read-modify-write); a page past EOF is a fresh zero page. */
export function readPagesNow(k: Kernel, f: FileObj, idx: number, nr: number): void {
  readPages(k, f, idx, nr, 0, Ev.ReadaheadSync);
  if (!k.cache.find(f.id, idx)) {
    // Beyond EOF (a write extending the file): a fresh zero page, nothing to read.
    ensureFree(k, 1);
    k.cache.insert(f.id, idx, 1, k.now, 0, k.opSeq);
    k.ev(Ev.PageInsert, f.id, idx, 1);
  }
}

/** read_pages: one bio for a run of contiguous new pages: disk → controller buffer → (DMA) → page cache. */
export function submitRead(k: Kernel, f: FileObj, first: number, nr: number): void {
  if (nr === 0) return;
  const off = first * PAGE_SIZE;
  const bytes = Math.min(nr * PAGE_SIZE, roundUp(f.size - off, k.config.blockSize));
  const done = diskRead(k, f, off, bytes);
  const id = startDma(k, Loc.Disk, Loc.PageCache, bytes, done, 'read ' + f.path, f.id, off, first, first + nr - 1);
  const c = k.cache;
  for (let i = first; i < first + nr;) i = Math.min(first + nr, c.setReadyAt(c.take(f.id, i, first + nr)!, done).end);
  k.timers.push(done, TimerKind.DiskReadDone, id, 0);
}
