/**
 * The page cache seen from a file (mm/filemap.c): looking pages up for a read (with readahead and hit/miss
 * accounting), copying them out (filemap_read), writing into them (generic_perform_write), and writing a range back
 * before the disk is accessed directly (filemap_write_and_wait_range).
 */
import { C } from '../counters';
import { Ev, Loc, WaitReason } from '../events';
import { Kernel } from '../kernel';
import { PG_DIRTY, PG_READAHEAD, PG_WRITEBACK } from '../pagecache';
import { Content, ZERO } from '../content';
import { FileObj, RaState, UserBuffer } from '../state';
import { PAGE_SIZE } from '../units';
import { balanceDirtyPages, noteDirtied } from './page-writeback';
import { readahead, readPagesNow } from './readahead';
import { markAccessed } from './swap';
import { ensureFree } from './vmscan';
import { writebackDoneAt, writebackRange } from './writeback';

/**
 * One page-cache lookup of a read or a write, counted and reported. A page that the same call has just brought in
 * counts as a miss: the lookup did not find it.
 */
function accountLookup(k: Kernel, f: FileObj, idx: number, hit: boolean): void {
  if (hit) {
    k.counters[C.PageCacheHits]++;
    k.ev(Ev.PageHit, f.id, idx);
  } else {
    k.counters[C.PageCacheMisses]++;
    k.ev(Ev.PageMiss, f.id, idx);
  }
}

/**
 * filemap_get_pages for [pos, pos+count): looks pages up (hits and misses), runs sync and async readahead,
 * waits for the pages when `wait`, and marks them accessed. Returns when the last page will be ready.
 */
export function filemapGetPages(k: Kernel, f: FileObj, ra: RaState, pos: number, count: number, wait: boolean, access = true): number {
  const first = Math.floor(pos / PAGE_SIZE);
  const last = Math.floor((pos + count - 1) / PAGE_SIZE);
  const prevIndex = ra.prevPos < 0 ? -1 : Math.floor((ra.prevPos - 1) / PAGE_SIZE);
  let readyAt = k.now;
  const lat = k.config.latency;
  const c = k.cache;
  for (let idx = first; idx <= last; idx++) {
    k.advance(lat.dramNs);
    let p = c.find(f.id, idx);
    if (!p) {
      accountLookup(k, f, idx, false);
      readahead(k, f, ra, idx, last - idx + 1, false);
      if (!c.find(f.id, idx)) readPagesNow(k, f, idx, 1);
      p = c.find(f.id, idx)!;
    } else {
      accountLookup(k, f, idx, p.bornOp !== k.opSeq);
    }
    // The reader holds the page: what it waits for stays known even if the async readahead below reclaims it.
    const ready = p.readyAtOf(idx);
    if (p.flags & PG_READAHEAD) {
      c.update(c.take(f.id, idx, idx + 1)!, 0, PG_READAHEAD);
      readahead(k, f, ra, idx, last - idx + 1, true);
    }
    if (wait && ready > k.now) k.waitUntil(ready, WaitReason.PageIo);
    if (ready > readyAt) readyAt = ready;
    // filemap_read marks a page accessed once per read, not again for the page the previous read ended in.
    if (access && !(idx === prevIndex && idx === first && ra.prevPos >= 0) && c.find(f.id, idx)) markAccessed(k, f.id, idx, 1);
  }
  ra.prevPos = pos + count;
  return readyAt;
}

/** filemap_read: a buffered read of [pos, pos+count) into a user buffer, up to the end of the file. */
export function filemapRead(k: Kernel, f: FileObj, ra: RaState, pos: number, count: number, dst: UserBuffer, dstOff: number): number {
  if (pos >= f.size || count === 0) return 0;
  const n = Math.min(count, f.size - pos);
  filemapGetPages(k, f, ra, pos, n, true);
  dst.content.copyFrom(f.content, pos, dstOff, n);
  k.cpuCopy(Loc.PageCache, Loc.User, n, dst.id, dstOff);
  return n;
}

/**
 * generic_perform_write: a buffered write into the page cache, page by page (write_begin, copy, write_end), dirtying
 * the pages; the writer may be throttled after each one.
 */
export function genericPerformWrite(k: Kernel, f: FileObj, pos: number, count: number, src: Content, srcOff: number, srcLoc: Loc): number {
  if (count === 0) return 0;
  const first = Math.floor(pos / PAGE_SIZE);
  const last = Math.floor((pos + count - 1) / PAGE_SIZE);
  zeroHole(k, f, pos);
  const c = k.cache;
  for (let idx = first; idx <= last; idx++) {
    k.advance(k.config.latency.dramNs);
    const pageStart = idx * PAGE_SIZE;
    const from = Math.max(pos, pageStart);
    const to = Math.min(pos + count, pageStart + PAGE_SIZE);
    const cached = !!c.find(f.id, idx);
    accountLookup(k, f, idx, cached);
    if (!cached) {
      const partial = from > pageStart || (to < pageStart + PAGE_SIZE && to < f.size);
      if (partial && pageStart < f.size) {
        // write_begin of a partial page that is not cached reads it first.
        readPagesNow(k, f, idx, 1);
        k.ev(Ev.PageReadForWrite, f.id, idx, PAGE_SIZE);
      } else {
        ensureFree(k, 1);
        c.insert(f.id, idx, 1, k.now, 0, k.opSeq);
        k.ev(Ev.PageInsert, f.id, idx);
      }
    }
    const ready = c.find(f.id, idx)!.readyAtOf(idx);
    if (ready > k.now) k.waitUntil(ready, WaitReason.PageIo);
    // write_end: this page's bytes are in the cache and i_size covers them before the writer may be paused,
    // so writeback during a pause writes what was written.
    f.content.copyFrom(src, srcOff + (from - pos), from, to - from);
    if (to > f.size) {
      f.size = to;
      f.sizeDirty = true;
    }
    const newlyDirty = !(c.find(f.id, idx)!.flags & PG_DIRTY);
    if (newlyDirty) {
      c.setDirty(c.take(f.id, idx, idx + 1)!, k.now, 0);
      noteDirtied(k, f, idx, 1);
    }
    markAccessed(k, f.id, idx, 1);
    // balance_dirty_pages_ratelimited runs for every page written, as generic_perform_write calls it.
    balanceDirtyPages(k, newlyDirty ? 1 : 0);
  }
  k.cpuCopy(srcLoc, Loc.PageCache, count, f.id, pos);
  f.inodeDirty = true;
  return count;
}

/** A write that starts past the end of the file leaves a hole: the bytes from the old end up to `pos` read as zeros. */
export function zeroHole(k: Kernel, f: FileObj, pos: number): void {
  if (pos <= f.size) return;
  f.content.set(f.size, pos - f.size, ZERO, 0);
  f.disk.set(f.size, pos - f.size, ZERO, 0);
}

/**
 * __filemap_fdatawrite_range: starts writeback of the dirty pages of [pos, pos+len) (the whole file by default).
 * Returns when the range will be clean: those writes and the ones already under way for its pages are done.
 */
export function fdatawriteRange(k: Kernel, f: FileObj, pos = 0, len = Infinity): number {
  let until = k.now;
  const m = k.cache.mapping(f.id);
  if (!m) return until;
  const first = Math.floor(pos / PAGE_SIZE);
  const end = Math.floor((pos + len - 1) / PAGE_SIZE) + 1;
  // Pages already under writeback (and not dirtied again) are waited for where their requests complete.
  for (let i = first; ;) {
    const w = m.findTagged(i, end, PG_WRITEBACK);
    if (!w) break;
    const e = Math.min(end, w.end);
    if (!(w.flags & PG_DIRTY)) until = Math.max(until, writebackDoneAt(k, f.id, Math.max(i, w.index), e));
    i = e;
  }
  if (m.findTagged(first, end, PG_DIRTY)) until = Math.max(until, writebackRange(k, f, first, end, Infinity));
  return until;
}

/** filemap_write_and_wait_range: writes back the dirty pages of [pos, pos+len) and waits (before direct I/O). */
export function writeAndWaitRange(k: Kernel, f: FileObj, pos: number, len: number): void {
  k.waitUntil(fdatawriteRange(k, f, pos, len), WaitReason.Writeback);
}
