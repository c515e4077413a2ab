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
import { PG_DIRTY, PG_WRITEBACK, Page } from '../pagecache';
import { FileObj, TimerKind, packPageRun, unpackPageRun } from '../state';
import { PAGE_SIZE, roundUp } from '../units';
import { armFlusher, dirtyLimits } from './page-writeback';

/** MAX_WRITEBACK_PAGES: what the flusher writes of one inode before moving on. */
const WB_CHUNK_PAGES = 1024;

/**
 * Runs `work` on the flusher thread, a new activity for copy counting, after announcing the wakeup with the dirty
 * pages and the background threshold (`bg`, which the work is given); then the interrupted thread continues.
 */
function asFlusher(k: Kernel, reason: WakeReason, work: (bg: number) => void): void {
  const savedThread = k.thread;
  const savedMode = k.mode;
  const savedCounted = k.newActivity();
  k.thread = FLUSHER_THREAD;
  const [bg] = dirtyLimits(k);
  k.ev(Ev.FlusherWake, reason, k.cache.dirty, bg);
  work(bg);
  k.thread = savedThread;
  k.mode = savedMode;
  k.counted = savedCounted;
}

/** The flusher thread wakes (wb_workfn), periodically or to continue background writeback. */
export function flusherRun(k: Kernel, reason: WakeReason): void {
  asFlusher(k, reason, (bg) => wbDoWriteback(k, reason, bg));
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

/** Reclaim met dirty pages at the inactive tail: it wakes the flusher for them (WB_REASON_VMSCAN). */
export function reclaimWriteback(k: Kernel, p: Page): void {
  asFlusher(k, WakeReason.Reclaim, () => writebackFile(k, k.filesById[p.fileId], WB_CHUNK_PAGES));
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
  const pages = k.cache.pagesOf(f.id);
  if (!pages) return k.now;
  const dirty: number[] = [];
  for (const [idx, p] of pages) if (p.flags & PG_DIRTY) dirty.push(idx);
  dirty.sort((a, b) => a - b);
  return writebackIndexes(k, f, dirty.slice(0, maxPages === Infinity ? dirty.length : maxPages));
}

/** write_cache_pages: writes the given sorted dirty pages, one request (bio) per contiguous run; returns when all are clean. */
export function writebackIndexes(k: Kernel, f: FileObj, idxs: number[]): number {
  let until = k.now;
  let i = 0;
  const max = maxBio(k);
  while (i < idxs.length) {
    let j = i + 1;
    while (j < idxs.length && idxs[j] === idxs[j - 1] + 1 && (j - i) * PAGE_SIZE < max) j++;
    const first = idxs[i];
    const count = j - i;
    for (let x = i; x < j; x++) {
      const p = k.cache.get(f.id, idxs[x])!;
      k.cache.clearDirty(p);
      k.cache.setWriteback(p);
      f.nrDirty--;
    }
    const off = first * PAGE_SIZE;
    const bytes = Math.min(count * PAGE_SIZE, roundUp(Math.max(0, f.size - off), k.config.blockSize)) || k.config.blockSize;
    k.ev(Ev.WritebackStart, f.id, first, count);
    const done = diskRequest(k, f.lba + off, bytes);
    f.disk.copyFrom(f.content, off, off, Math.min(count * PAGE_SIZE, Math.max(0, f.size - off)));
    const id = startDma(k, Loc.PageCache, Loc.Disk, bytes, done, `writeback ${f.path} pages ${first}–${first + count - 1}`, f.id, off);
    k.timers.push(done, TimerKind.WritebackDone, id, f.id, packPageRun(first, count));
    until = Math.max(until, done);
    i = j;
  }
  if (f.nrDirty === 0) f.dirtiedWhen = -1;
  return until;
}

/** folio_end_writeback for each page of a completed write request (`packed`: its pages, packPageRun). */
export function endWriteback(k: Kernel, fileId: number, packed: number): void {
  const { first, count } = unpackPageRun(packed);
  for (let idx = first; idx < first + count; idx++) {
    const p = k.cache.get(fileId, idx);
    if (p && p.flags & PG_WRITEBACK) k.cache.clearWriteback(p);
  }
  k.counters[C.WritebackPages] += count;
  k.ev(Ev.WritebackEnd, fileId, first, count);
}

/** When the write request that has `p` under writeback completes (what folio_wait_writeback waits for). */
export function writebackDoneAt(k: Kernel, p: Page): number {
  let t = k.now;
  for (const tm of k.timers.items) {
    if (tm.kind === TimerKind.WritebackDone && tm.b === p.fileId) {
      const { first, count } = unpackPageRun(tm.c);
      if (p.index >= first && p.index < first + count) t = Math.max(t, tm.t);
    }
  }
  return t;
}
