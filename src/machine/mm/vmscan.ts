/**
 * Page reclaim (mm/vmscan.c): when the page cache is full, pages leave from the tail of the inactive LRU list; the
 * active list is aged into the inactive one to keep the two balanced. Dirty pages are not written here but handed to
 * the flusher; pages under I/O make reclaim wait for the disk.
 */
import { C } from '../counters';
import { Ev, EvictReason, WaitReason } from '../events';
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

/** When the next read or writeback completes (unlocking pages), or -1. */
function nextPageIoDone(k: Kernel): number {
  let t = -1;
  for (const tm of k.timers.items) {
    if ((tm.kind === TimerKind.DiskReadDone || tm.kind === TimerKind.WritebackDone) && (t < 0 || tm.t < t)) t = tm.t;
  }
  return t;
}

/** The last page of a list (its tail folio's first), cut off as a folio of its own. */
function tailPage(k: Kernel, t: Folio): Folio {
  return k.cache.take(t.fileId, t.index, t.index + 1)!;
}

/** shrink_active_list: the tail page of the active list goes to the inactive head, unreferenced. */
function deactivateTail(k: Kernel, t: Folio): void {
  const { fileId, index } = t;
  k.cache.deactivate(tailPage(k, t));
  k.ev(Ev.PageDeactivate, fileId, index);
}

/**
 * shrink_active_list then shrink_inactive_list → shrink_folio_list, until one page is freed: busy pages rotate,
 * dirty ones are handed to the flusher, mapped and young ones get another round (page_referenced). Returns whether a
 * page went. `fromActive`: when nothing inactive can go, demote the active tail as a last resort.
 */
function reclaimOne(k: Kernel, fromActive: boolean): boolean {
  const c = k.cache;
  // inactive_is_low: keep the inactive list at least as long as the active one (ratio 1 below 1 GiB).
  while (c.active.count > c.inactive.count && c.active.tail) deactivateTail(k, c.active.tail);
  let scanned = 0;
  const limit = c.inactive.count;
  let wroteDirty = false;
  while (scanned++ < limit) {
    const t = c.inactive.tail;
    if (!t) break;
    if (t.readyAt > k.now || t.flags & PG_WRITEBACK) {
      c.rotate(tailPage(k, t));
      continue;
    }
    if (t.flags & PG_DIRTY) {
      // Reclaim does not write file pages itself: it asks the flusher and moves on.
      const fileId = t.fileId;
      c.rotate(tailPage(k, t));
      if (!wroteDirty) {
        wroteDirty = true;
        reclaimWriteback(k, fileId);
      }
      continue;
    }
    if (t.mapcount > 0 && t.flags & PG_YOUNG) {
      const { fileId, index, flags } = t;
      if (flags & PG_REFERENCED) {
        c.relink(tailPage(k, t), (flags & ~(PG_YOUNG | PG_REFERENCED)) | PG_ACTIVE);
        k.ev(Ev.PageActivate, fileId, index);
      } else {
        c.relink(tailPage(k, t), (flags & ~PG_YOUNG) | PG_REFERENCED);
      }
      continue;
    }
    evict(k, tailPage(k, t), EvictReason.Reclaim);
    return true;
  }
  // Everything inactive is busy and no I/O will change that: demote an active page so there is a candidate.
  if (fromActive && c.active.tail) {
    const { fileId, index } = c.active.tail;
    deactivateTail(k, c.active.tail);
    const p = c.find(fileId, index)!;
    if (p.readyAtOf(index) > k.now || p.flags & (PG_DIRTY | PG_WRITEBACK)) return false;
    evict(k, c.take(fileId, index, index + 1)!, EvictReason.Reclaim);
    return true;
  }
  return false;
}

/**
 * The pages of `f` leave the cache (__remove_mapping, filemap_remove_folio), unmapped first from every mapping
 * (try_to_unmap).
 */
export function evict(k: Kernel, f: Folio, reason: EvictReason): void {
  const { fileId, index, nr } = f;
  if (f.mapcount > 0) {
    for (const r of k.regions) if (r.kind === 'mmap' && r.fileId === fileId) for (let i = index; i < index + nr; i++) r.ptes.delete(i);
  }
  k.cache.remove(f);
  k.counters[C.Evictions] += nr;
  for (let i = index; i < index + nr; i++) k.ev(Ev.PageEvict, fileId, i, reason);
}

