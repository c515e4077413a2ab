/**
 * Writeback (fs/fs-writeback.c): the flusher thread that writes dirty inodes when they expire, when dirty memory is
 * above the background threshold and when reclaim asks, and the write requests themselves (write_cache_pages →
 * submit_bio) with their completion (folio_end_writeback).
 */
import { C } from '../counters';
import { diskRequest, maxBio } from '../dev/block';
import { startDma } from '../dev/dma';
import { Ev, FLUSHER_THREAD, Loc, WakeReason } from '../events';
import { Kernel } from '../kernel';
import { Folio, PG_DIRTY, PG_WRITEBACK } from '../pagecache';
import { FileObj, TimerKind, packPageRun, unpackPageRun } from '../state';
import { PAGE_SIZE, roundUp } from '../units';
import { armFlusher, backgroundThresh } from './page-writeback';

/** MAX_WRITEBACK_PAGES: what the flusher writes of one inode before moving on. */
const WB_CHUNK_PAGES = 1024;

/**
 * Runs `work` on the flusher thread, a new activity for copy counting, after announcing the wakeup with the dirty
 * pages and the background threshold (`bg`, which the work is given); then the interrupted thread continues.
 */
function asFlusher(k: Kernel, reason: WakeReason, fileId: number): void {
  const savedThread = k.thread;
  const savedMode = k.mode;
  const savedCounted = k.newActivity();
  k.thread = FLUSHER_THREAD;
  const bg = backgroundThresh(k);
  k.ev(Ev.FlusherWake, reason, k.cache.dirty, bg);
  // The work, chosen here rather than passed as a closure (one made per wakeup otherwise).
  if (reason === WakeReason.Reclaim) writebackFile(k, k.filesById[fileId], WB_CHUNK_PAGES);
  else wbDoWriteback(k, reason, bg);
  k.thread = savedThread;
  k.mode = savedMode;
  k.endActivity(savedCounted);
}

/** The flusher thread wakes (wb_workfn), periodically or to continue background writeback. */
export function flusherRun(k: Kernel, reason: WakeReason): void {
  asFlusher(k, reason, -1);
}

/** wb_do_writeback: expired inodes (on a periodic wakeup), then background writeback while above the threshold. */
function wbDoWriteback(k: Kernel, reason: WakeReason, bg: number): void {
  k.wb.lastRun = k.now;
  let until = k.now;
  if (reason === WakeReason.Periodic) {
    // kupdate-style: inodes dirtied more than dirty_expire_centisecs ago are written whole.
    const expire = k.config.sysctl['vm.dirty_expire_centisecs'] * 1e7;
    for (const f of dirtyFilesOldestFirst(k)) {
      if (f.dirtiedWhen + expire <= k.now) until = Math.max(until, writebackFile(k, f, Infinity));
    }
  }
  if (k.cache.dirty > bg) {
    k.wb.background = true;
    // writeback_chunk_size: background work writes at least MIN_WRITEBACK_PAGES (4 MiB) of an inode before it
    // checks the threshold again, so it usually ends well below it rather than exactly at it.
    let budget = WB_CHUNK_PAGES;
    for (const f of dirtyFilesOldestFirst(k)) {
      if (k.cache.dirty <= bg || budget <= 0) break;
      const before = k.cache.dirty;
      until = Math.max(until, writebackFile(k, f, budget));
      budget -= before - k.cache.dirty;
    }
    if (k.cache.dirty > bg) k.timers.push(Math.max(until, k.now + 1), TimerKind.BackgroundContinue);
    else k.wb.background = false;
  } else {
    k.wb.background = false;
  }
  if (k.cache.dirty > 0) armFlusher(k);
}

/** Reclaim met dirty pages of a file at the inactive tail: it wakes the flusher for them (WB_REASON_VMSCAN). */
export function reclaimWriteback(k: Kernel, fileId: number): void {
  asFlusher(k, WakeReason.Reclaim, fileId);
}

/** The dirty inodes in the order the flusher takes them (b_dirty, oldest dirtied_when first). */
function dirtyFilesOldestFirst(k: Kernel): FileObj[] {
  return k.filesById.filter((f) => f.nrDirty > 0).sort((a, b) => a.dirtiedWhen - b.dirtiedWhen || a.id - b.id);
}

/**
 * writeback_single_inode → do_writepages with nr_to_write = `maxPages`: starts writeback of a file's dirty pages in
 * index order; returns when they will be clean.
 */
function writebackFile(k: Kernel, f: FileObj, maxPages: number): number {
  return writebackRange(k, f, 0, Infinity, maxPages);
}

/**
 * write_cache_pages: starts writeback of the first `maxPages` dirty pages of [from, to) in index order
 * (filemap_get_folios_tag with PAGECACHE_TAG_DIRTY), one request (bio) per contiguous run of up to max_sectors_kb; returns
 * when they will all be clean.
 */
export function writebackRange(k: Kernel, f: FileObj, from: number, to: number, maxPages: number): number {
  let until = k.now;
  const m = k.cache.mapping(f.id);
  if (!m) return until;
  const bioPages = Math.max(1, Math.floor(maxBio(k) / PAGE_SIZE));
  let left = maxPages;
  let first = -1;
  // The folio that holds page `first` (found by the tag search; nothing changes the index until the request goes).
  let firstFolio: Folio | null = null;
  let count = 0;
  for (let i = from; left > 0;) {
    const d = m.findTagged(i, to, PG_DIRTY);
    const s = d ? Math.max(i, d.index) : Infinity;
    if (count > 0 && s !== first + count) {
      until = Math.max(until, submitWrite(k, f, first, count, firstFolio!));
      count = 0;
    }
    if (!d) break;
    if (count === 0) {
      first = s;
      firstFolio = d;
    }
    const e = Math.min(to, d.end, s + left, first + bioPages);
    count += e - s;
    left -= e - s;
    i = e;
    if (count === bioPages) {
      until = Math.max(until, submitWrite(k, f, first, count, firstFolio!));
      count = 0;
    }
  }
  if (count > 0) until = Math.max(until, submitWrite(k, f, first, count, firstFolio!));
  if (f.nrDirty === 0) f.dirtiedWhen = -1;
  return until;
}

/**
 * One write request for the dirty pages [first, first+count) (`at`: the folio holding page `first`): they go from dirty
 * to under writeback.
 */
function submitWrite(k: Kernel, f: FileObj, first: number, count: number, at: Folio): number {
  const c = k.cache;
  for (let i = first; i < first + count;) {
    const g = c.updateRange(i === first ? at : c.find(f.id, i)!, i, first + count, PG_WRITEBACK, PG_DIRTY);
    i = Math.min(first + count, g.end);
  }
  f.nrDirty -= count;
  const off = first * PAGE_SIZE;
  const bytes = Math.min(count * PAGE_SIZE, roundUp(Math.max(0, f.size - off), k.config.blockSize)) || k.config.blockSize;
  k.ev(Ev.WritebackStart, f.id, first, count);
  const done = diskRequest(k, f.lba + off, bytes);
  f.disk.copyFrom(f.content, off, off, Math.min(count * PAGE_SIZE, Math.max(0, f.size - off)));
  const id = startDma(k, Loc.PageCache, Loc.Disk, bytes, done, 'writeback ' + f.path, f.id, off, first, first + count - 1);
  k.timers.push(done, TimerKind.WritebackDone, id, f.id, packPageRun(first, count));
  return done;
}

/** folio_end_writeback for the pages of a completed write request (`packed`: its pages, packPageRun). */
export function endWriteback(k: Kernel, fileId: number, packed: number): void {
  const { first, count } = unpackPageRun(packed);
  const c = k.cache;
  const m = c.mapping(fileId);
  // Up to the request's end: once every page of it is cleared no folio starting before its end carries the tag, and a
  // search from there finds nothing (issue 10).
  for (let i = first; m && i < first + count;) {
    const w = m.findTagged(i, first + count, PG_WRITEBACK);
    if (!w) break;
    const g = c.updateRange(w, Math.max(i, w.index), first + count, 0, PG_WRITEBACK);
    i = Math.min(first + count, g.end);
  }
  k.counters[C.WritebackPages] += count;
  k.ev(Ev.WritebackEnd, fileId, first, count);
}

/** When the write requests that have pages of [first, end) of a file under writeback complete (folio_wait_writeback). */
export function writebackDoneAt(k: Kernel, fileId: number, first: number, end: number): number {
  let t = k.now;
  for (const tm of k.timers.items) {
    if (tm.kind === TimerKind.WritebackDone && tm.b === fileId) {
      const r = unpackPageRun(tm.c);
      if (r.first < end && r.first + r.count > first) t = Math.max(t, tm.t);
    }
  }
  return t;
}
