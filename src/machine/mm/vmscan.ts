/**
 * Page reclaim (mm/vmscan.c): when the page cache is full, pages leave from the tail of the inactive LRU list; the
 * active list is aged into the inactive one to keep the two balanced. Dirty pages are not written here but handed to
 * the flusher; pages under I/O make reclaim wait for the disk. Reclaim works a folio at a time: a run of pages at the
 * tail that would each be rotated, demoted or freed in turn is handled in one step.
 */
import { C } from '../counters';
import { Ev, EvictReason, packEvict, WaitReason } from '../events';
import { Kernel } from '../kernel';
import { Folio, PG_ACTIVE, PG_DIRTY, PG_REFERENCED, PG_WRITEBACK, PG_YOUNG } from '../pagecache';
import { TimerKind } from '../state';
import { reclaimWriteback } from './writeback';

/** Makes room for n more pages (try_to_free_pages → shrink_node), reclaiming from the inactive tail. */
export function ensureFree(k: Kernel, n: number): void {
  let guard = 0;
  while (k.cache.size + n > k.cache.capacity) {
    if (reclaimOne(k, false)) continue;
    // Nothing on the inactive list can go now (locked for read I/O, dirty or under writeback): as reclaim_throttle
    // does, wait for the next disk completion rather than take hot pages off the active list.
    const next = nextPageIoDone(k);
    if (next >= 0 && ++guard <= 10000) {
      k.waitUntil(next, WaitReason.Reclaim);
      continue;
    }
    // No I/O in flight will free anything: as a last resort demote an active page.
    if (!reclaimOne(k, true)) return;
  }
}

/**
 * How many of `want` new pages can get room in one step, made as ensureFree(k, 1) before each of them would make it:
 * free slots, or (cache full) pages at the inactive tail that are clean, unlocked and not young in a mapping, freed in
 * turn. 0 when reclaim has to look closer: the caller then runs ensureFree(k, 1) for one page. No side effect.
 */
export function roomFor(k: Kernel, want: number): number {
  const c = k.cache;
  const free = c.capacity - c.size;
  if (free >= 1) return Math.min(want, free);
  if (free < 0) return 0;
  // The plain pages from the tail on, folio after folio. Balancing the lists first only adds to the inactive head,
  // so the pages seen now are the ones reclaim will meet.
  let n = 0;
  for (let t = c.inactive.tail; t && n < want; t = t.prev) {
    if (t.flags & (PG_DIRTY | PG_WRITEBACK) || (t.mapcount > 0 && t.flags & PG_YOUNG)) break;
    const ready = t.readyCount(k.now);
    n += ready;
    if (ready < t.nr) break;
  }
  return Math.min(want, n);
}

/** Makes the room roomFor(k, n) promised: nothing with free slots, else balances the lists and frees n tail pages. */
export function makeRoom(k: Kernel, n: number): void {
  const c = k.cache;
  if (c.capacity - c.size >= 1) return;
  balanceLists(k);
  while (n > 0) {
    const t = c.inactive.tail!;
    const take = Math.min(n, t.nr);
    evictFront(k, t, take, EvictReason.Reclaim);
    n -= take;
  }
}

/** When the next read or writeback completes (unlocking pages), or -1. */
function nextPageIoDone(k: Kernel): number {
  let t = -1;
  for (const tm of k.timers.items) {
    if ((tm.kind === TimerKind.DiskReadDone || tm.kind === TimerKind.WritebackDone) && (t < 0 || tm.t < t)) t = tm.t;
  }
  return t;
}

/** The first `n` pages of the tail folio `t` (the last n of its list), cut off as a folio of their own. */
function tailPages(k: Kernel, t: Folio, n: number): Folio {
  return k.cache.take(t.fileId, t.index, t.index + n)!;
}

/**
 * inactive_is_low → shrink_active_list: pages leave the active tail for the inactive head, unreferenced, until the
 * inactive list is at least as long as the active one (ratio 1 below 1 GiB); each run of them is one event.
 */
function balanceLists(k: Kernel): void {
  const c = k.cache;
  while (c.active.count > c.inactive.count && c.active.tail) {
    const t = c.active.tail;
    const { fileId, index } = t;
    const n = Math.min(t.nr, Math.ceil((c.active.count - c.inactive.count) / 2));
    c.deactivate(tailPages(k, t, n));
    k.ev(Ev.PageDeactivate, fileId, index, n);
  }
}

/**
 * shrink_active_list then shrink_inactive_list → shrink_folio_list, until one page is freed: busy pages rotate,
 * dirty ones are handed to the flusher, mapped and young ones get another round (page_referenced). Returns whether a
 * page went. `fromActive`: when nothing inactive can go, demote the active tail as a last resort.
 */
function reclaimOne(k: Kernel, fromActive: boolean): boolean {
  const c = k.cache;
  balanceLists(k);
  let scanned = 0;
  const limit = c.inactive.count;
  let wroteDirty = false;
  while (scanned < limit) {
    const t = c.inactive.tail;
    if (!t) break;
    // The pages of one folio share their state, and those locked for a read are its upper ones (read times grow
    // with the index): every page this loop would meet in turn is treated alike, up to the scan's limit.
    const n = Math.min(t.nr, limit - scanned);
    if (t.readyAt > k.now || t.flags & PG_WRITEBACK || (t.flags & PG_DIRTY && wroteDirty)) {
      c.rotate(tailPages(k, t, n));
      scanned += n;
      continue;
    }
    if (t.flags & PG_DIRTY) {
      // Reclaim does not write file pages itself: it asks the flusher (once) and moves on.
      const fileId = t.fileId;
      c.rotate(tailPages(k, t, 1));
      scanned++;
      wroteDirty = true;
      reclaimWriteback(k, fileId);
      continue;
    }
    if (t.mapcount > 0 && t.flags & PG_YOUNG) {
      const { fileId, index, flags } = t;
      const n = Math.min(limit - scanned, t.readyCount(k.now));
      if (flags & PG_REFERENCED) {
        c.relink(tailPages(k, t, n), (flags & ~(PG_YOUNG | PG_REFERENCED)) | PG_ACTIVE);
        k.ev(Ev.PageActivate, fileId, index, n);
      } else {
        c.relink(tailPages(k, t, n), (flags & ~PG_YOUNG) | PG_REFERENCED);
      }
      scanned += n;
      continue;
    }
    evictFront(k, t, 1, EvictReason.Reclaim);
    return true;
  }
  // Everything inactive is busy and no I/O will change that: demote an active page so there is a candidate.
  if (fromActive && c.active.tail) {
    const t = c.active.tail;
    const { fileId, index } = t;
    c.deactivate(tailPages(k, t, 1));
    k.ev(Ev.PageDeactivate, fileId, index, 1);
    const p = c.find(fileId, index)!;
    if (p.readyAtOf(index) > k.now || p.flags & (PG_DIRTY | PG_WRITEBACK)) return false;
    evict(k, c.take(fileId, index, index + 1)!, EvictReason.Reclaim);
    return true;
  }
  return false;
}

/** The first `n` pages of `f` (the last ones of its list when it is a list's tail) are reclaimed, as evict does. */
function evictFront(k: Kernel, f: Folio, n: number, reason: EvictReason): void {
  if (n >= f.nr) {
    evict(k, f, reason);
    return;
  }
  const { fileId, index } = f;
  if (f.mapcount > 0) {
    for (const r of k.regions) if (r.kind === 'mmap' && r.fileId === fileId) for (let i = index; i < index + n; i++) r.ptes.delete(i);
  }
  k.cache.removeFront(f, n);
  k.counters[C.Evictions] += n;
  k.ev(Ev.PageEvict, fileId, index, packEvict(n, reason));
}

/**
 * The pages of `f` leave the cache (__remove_mapping, filemap_remove_folio), unmapped first from every mapping
 * (try_to_unmap); one event for them all.
 */
export function evict(k: Kernel, f: Folio, reason: EvictReason): void {
  const { fileId, index, nr } = f;
  if (f.mapcount > 0) {
    for (const r of k.regions) if (r.kind === 'mmap' && r.fileId === fileId) for (let i = index; i < index + nr; i++) r.ptes.delete(i);
  }
  k.cache.remove(f);
  k.counters[C.Evictions] += nr;
  k.ev(Ev.PageEvict, fileId, index, packEvict(nr, reason));
}
