/**
 * Page reclaim (mm/vmscan.c): when the page cache is full, pages leave from the tail of the inactive LRU list; the
 * active list is aged into the inactive one to keep the two balanced. Dirty pages are not written here but handed to
 * the flusher; pages under I/O make reclaim wait for the disk.
 */
import { C } from '../counters';
import { Ev, EvictReason, WaitReason } from '../events';
import { Kernel } from '../kernel';
import { PG_DIRTY, PG_REFERENCED, PG_WRITEBACK, PG_YOUNG, Page } from '../pagecache';
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

/** When the next read or writeback completes (unlocking pages), or -1. */
function nextPageIoDone(k: Kernel): number {
  let t = -1;
  for (const tm of k.timers.items) {
    if ((tm.kind === TimerKind.DiskReadDone || tm.kind === TimerKind.WritebackDone) && (t < 0 || tm.t < t)) t = tm.t;
  }
  return t;
}

/**
 * shrink_active_list then shrink_inactive_list → shrink_folio_list, until one page is freed: busy pages rotate,
 * dirty ones are handed to the flusher, mapped and young ones get another round (page_referenced). Returns whether a
 * page went. `fromActive`: when nothing inactive can go, demote the active tail as a last resort.
 */
function reclaimOne(k: Kernel, fromActive: boolean): boolean {
  const c = k.cache;
  // inactive_is_low: keep the inactive list at least as long as the active one (ratio 1 below 1 GiB).
  while (c.active.count > c.inactive.count && c.active.tail) {
    const p = c.active.tail;
    c.deactivate(p);
    k.ev(Ev.PageDeactivate, p.fileId, p.index);
  }
  let scanned = 0;
  const limit = c.inactive.count;
  let wroteDirty = false;
  while (scanned++ < limit) {
    const p = c.inactive.tail;
    if (!p) break;
    if (p.readyAt > k.now || p.flags & PG_WRITEBACK) {
      c.rotate(p);
      continue;
    }
    if (p.flags & PG_DIRTY) {
      // Reclaim does not write file pages itself: it asks the flusher and moves on.
      c.rotate(p);
      if (!wroteDirty) {
        wroteDirty = true;
        reclaimWriteback(k, p);
      }
      continue;
    }
    if (p.mapcount > 0 && p.flags & PG_YOUNG) {
      p.flags &= ~PG_YOUNG;
      if (p.flags & PG_REFERENCED) {
        c.activate(p);
        k.ev(Ev.PageActivate, p.fileId, p.index);
      } else {
        p.flags |= PG_REFERENCED;
        c.rotate(p);
      }
      continue;
    }
    evict(k, p, EvictReason.Reclaim);
    return true;
  }
  // Everything inactive is busy and no I/O will change that: demote an active page so there is a candidate.
  if (fromActive && c.active.tail) {
    const p = c.active.tail;
    c.deactivate(p);
    k.ev(Ev.PageDeactivate, p.fileId, p.index);
    return !!(p.readyAt <= k.now && !(p.flags & (PG_DIRTY | PG_WRITEBACK)) && (evict(k, p, EvictReason.Reclaim), true));
  }
  return false;
}

/** A page leaves the cache (__remove_mapping, filemap_remove_folio), unmapped first from every mapping (try_to_unmap). */
export function evict(k: Kernel, p: Page, reason: EvictReason): void {
  if (p.mapcount > 0) {
    for (const r of k.regions) if (r.kind === 'mmap' && r.fileId === p.fileId) r.ptes.delete(p.index);
    p.mapcount = 0;
  }
  k.cache.remove(p);
  k.counters[C.Evictions]++;
  k.ev(Ev.PageEvict, p.fileId, p.index, reason);
}
