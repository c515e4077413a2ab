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
import { readPagesNow } from './readahead';
import { readahead } from './readahead-order';
import { markAccessed } from './swap';
import { ensureFree, makeRoom, roomFor } from './vmscan';
import { writebackDoneAt, writebackRange } from './writeback';

/**
 * Page-cache lookups of a read or a write for the pages [idx, idx+nr), counted and reported as one event from time
 * `t`. A page that the same call has just brought in counts as a miss: the lookup did not find it.
 */
function accountLookup(k: Kernel, f: FileObj, idx: number, nr: number, hit: boolean, t: number): void {
  if (hit) {
    k.counters[C.PageCacheHits] += nr;
    k.evAt(t, Ev.PageHit, f.id, idx, nr);
  } else {
    k.counters[C.PageCacheMisses] += nr;
    k.evAt(t, Ev.PageMiss, f.id, idx, nr);
  }
}

/**
 * filemap_get_pages for [pos, pos+count): looks pages up (hits and misses), runs sync and async readahead,
 * waits for the pages when `wait`, and marks them accessed. Returns when the last page will be ready.
 *
 * Each lookup costs a DRAM access. The pages of one folio that need nothing but that (no readahead marker, no wait,
 * no timer due meanwhile) are looked up and marked in one step, exactly as one at a time.
 */
export function filemapGetPages(k: Kernel, f: FileObj, ra: RaState, pos: number, count: number, wait: boolean, access = true): number {
  const first = Math.floor(pos / PAGE_SIZE);
  const last = Math.floor((pos + count - 1) / PAGE_SIZE);
  const prevIndex = ra.prevPos < 0 ? -1 : Math.floor((ra.prevPos - 1) / PAGE_SIZE);
  // filemap_read marks a page accessed once per read, not again for the page the previous read ended in.
  const skipFirst = ra.prevPos >= 0 && first === prevIndex;
  let readyAt = k.now;
  const dram = k.config.latency.dramNs;
  const c = k.cache;
  for (let idx = first; idx <= last;) {
    const q = c.find(f.id, idx);
    let m = 1;
    // Whether the m lookups below run no timer: the cache is then as q was found in it.
    let quiet = false;
    if (q && !(q.flags & PG_READAHEAD) && !(skipFirst && idx === first)) {
      const steps = k.quietSteps(dram);
      m = Math.min(q.end, last + 1) - idx;
      m = Math.min(m, Math.max(1, steps));
      if (wait) m = Math.min(m, Math.max(1, q.readyCount(k.now + dram) - (idx - q.index)));
      quiet = m <= steps;
    }
    k.advance(m * dram);
    const t1 = k.now - (m - 1) * dram;
    let p = quiet ? q : c.find(f.id, idx);
    if (!p) {
      accountLookup(k, f, idx, 1, false, t1);
      readahead(k, f, ra, idx, last - idx + 1, false);
      if (!c.find(f.id, idx)) readPagesNow(k, f, idx, 1);
      p = c.find(f.id, idx)!;
    } else {
      accountLookup(k, f, idx, m, p.bornOp !== k.opSeq, t1);
    }
    // The reader holds the pages: what it waits for stays known even if the async readahead below reclaims them.
    const ready = p.readyAtOf(idx + m - 1);
    if (p.flags & PG_READAHEAD) {
      // filemap_readahead: the marked folio (one page in the classic profile) loses its mark and starts async
      // readahead from its first page (folio->index) for the pages left to read.
      let fs = idx;
      let fe = idx + 1;
      if (k.config.kernel === '6.18') [fs, fe] = markedFolio(k, f.id, idx);
      clearReadahead(k, f.id, fs, fe);
      const held = c.find(f.id, idx);
      readahead(k, f, ra, fs, last - fs + 1, true, fe - fs);
      // The pages being read are looked up again below (markAccessed): from here, not from where readahead ended.
      if (held) c.mapping(f.id)?.remember(held);
    }
    if (wait && ready > k.now) k.waitUntil(ready, WaitReason.PageIo);
    if (ready > readyAt) readyAt = ready;
    if (access && !(skipFirst && idx === first)) markAccessed(k, f.id, idx, m, t1, p);
    idx += m;
  }
  ra.prevPos = pos + count;
  return readyAt;
}

/**
 * The large folio marked PG_readahead that holds page `idx` (6.18 profile: page_cache_ra_order marks every page of
 * it here): the run of marked pages around `idx`, [start, end).
 */
function markedFolio(k: Kernel, fileId: number, idx: number): [number, number] {
  const m = k.cache.mapping(fileId)!;
  let lo = m.find(idx)!;
  for (let b = m.before(lo); b && b.flags & PG_READAHEAD && b.end === lo.index; b = m.before(lo)) lo = b;
  let hi = m.find(idx)!;
  for (let a = m.after(hi); a && a.flags & PG_READAHEAD && a.index === hi.end; a = m.after(hi)) hi = a;
  return [lo.index, hi.end];
}

/** folio_clear_readahead for the pages [from, to). */
function clearReadahead(k: Kernel, fileId: number, from: number, to: number): void {
  const c = k.cache;
  for (let i = from; i < to;) {
    const g = c.find(fileId, i)!;
    const e = Math.min(to, g.end);
    c.updateRange(g, i, to, 0, PG_READAHEAD);
    i = e;
  }
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
 * How many pages of a buffered write from page `idx` (one the write covers whole, `p` its folio if cached) may be
 * written in one step exactly as one at a time: no timer due meanwhile, one folio or one gap, no wait for a read, no
 * throttling check before the last, no flusher wakeup armed inside the step.
 */
function writeBatch(k: Kernel, f: FileObj, idx: number, fullEnd: number): number {
  const dram = k.config.latency.dramNs;
  const p = k.cache.find(f.id, idx);
  let m = Math.min(fullEnd - idx, Math.max(1, k.quietSteps(dram)));
  if (p) {
    m = Math.min(m, p.end - idx, Math.max(1, p.readyCount(k.now + dram) - (idx - p.index)));
  } else {
    const next = k.cache.mapping(f.id)?.ceil(idx);
    if (next) m = Math.min(m, next.index - idx);
  }
  const th = k.throttle;
  if (!p || !(p.flags & PG_DIRTY)) {
    m = Math.min(m, Math.max(1, th.pause - th.nrDirtied));
    const cs = k.config.sysctl['vm.dirty_writeback_centisecs'];
    if (!k.wb.armed && cs > 0 && dram > 0) m = Math.min(m, Math.max(1, Math.ceil((cs * 1e7) / dram)));
  } else if (th.nrDirtied >= th.pause) {
    m = 1;
  }
  return m;
}

/**
 * generic_perform_write: a buffered write into the page cache, page by page (write_begin, copy, write_end), dirtying
 * the pages; the writer may be throttled after each one. Whole pages that writeBatch allows go in one step.
 */
export function genericPerformWrite(k: Kernel, f: FileObj, pos: number, count: number, src: Content, srcOff: number, srcLoc: Loc): number {
  if (count === 0) return 0;
  const first = Math.floor(pos / PAGE_SIZE);
  const last = Math.floor((pos + count - 1) / PAGE_SIZE);
  // Pages the write covers whole: [fullFirst, fullEnd).
  const fullFirst = Math.ceil(pos / PAGE_SIZE);
  const fullEnd = Math.floor((pos + count) / PAGE_SIZE);
  const dram = k.config.latency.dramNs;
  zeroHole(k, f, pos);
  const c = k.cache;
  for (let idx = first; idx <= last;) {
    let m = idx >= fullFirst && idx < fullEnd ? writeBatch(k, f, idx, fullEnd) : 1;
    k.advance(dram);
    const t1 = k.now;
    const pageStart = idx * PAGE_SIZE;
    const from = Math.max(pos, pageStart);
    // The folio holding page idx, kept while no time passes (nothing else changes the cache meanwhile).
    let p = c.find(f.id, idx);
    if (!p) {
      const to = Math.min(pos + count, pageStart + PAGE_SIZE);
      const partial = from > pageStart || (to < pageStart + PAGE_SIZE && to < f.size);
      if (partial && pageStart < f.size) {
        // write_begin of a partial page that is not cached reads it first.
        accountLookup(k, f, idx, 1, false, t1);
        readPagesNow(k, f, idx, 1);
        k.ev(Ev.PageReadForWrite, f.id, idx, PAGE_SIZE);
        p = c.find(f.id, idx)!;
      } else {
        m = Math.min(m, roomFor(k, m));
        accountLookup(k, f, idx, Math.max(1, m), false, t1);
        if (m === 0) {
          ensureFree(k, 1);
          m = 1;
        } else {
          makeRoom(k, m);
        }
        p = c.insert(f.id, idx, m, k.now, dram, k.opSeq);
        k.ev(Ev.PageInsert, f.id, idx, m);
      }
    } else {
      accountLookup(k, f, idx, m, true, t1);
    }
    const ready = p.readyAtOf(idx);
    if (ready > k.now) {
      k.waitUntil(ready, WaitReason.PageIo);
      // Timers ran meanwhile (a completion, the flusher): the folio may have been split or joined since.
      p = c.find(f.id, idx)!;
    }
    // write_end: these pages' bytes are in the cache and i_size covers them before the writer may be paused,
    // so writeback during a pause writes what was written.
    const to = Math.min(pos + count, (idx + m) * PAGE_SIZE);
    f.content.copyFrom(src, srcOff + (from - pos), from, to - from);
    if (to > f.size) {
      f.size = to;
      f.sizeDirty = true;
    }
    const newlyDirty = !(p.flags & PG_DIRTY);
    if (newlyDirty) {
      p = c.setDirty(c.takeFrom(p, idx, idx + m), k.now, dram);
      noteDirtied(k, f, idx, m);
    }
    if (m > 1) k.advance((m - 1) * dram);
    // No mark_page_accessed here: since Linux 4.7 ("mm: filemap: only do access activations on reads") write_begin
    // looks pages up without FGP_ACCESSED, so a page written again and again stays inactive. Measured on 6.18: a
    // 1 MiB file rewritten four times leaves 0 bytes of active_file in its memory cgroup.
    // balance_dirty_pages_ratelimited runs for every page written, as generic_perform_write calls it.
    balanceDirtyPages(k, newlyDirty ? m : 0);
    idx += m;
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
