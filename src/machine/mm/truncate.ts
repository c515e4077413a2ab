/** Taking pages out of the page cache on purpose (mm/truncate.c, fs/drop_caches.c), as opposed to reclaim. */
import { EvictReason } from '../events';
import { Kernel } from '../kernel';
import { PG_DIRTY, PG_WRITEBACK } from '../pagecache';
import { FileObj } from '../state';
import { PAGE_SIZE } from '../units';
import { evict } from './vmscan';

/**
 * truncate_inode_pages_range / invalidate_inode_pages2_range: drops every cached page of `f` that holds a byte of
 * [pos, pos+len), dirty or not (the whole file by default, as truncation does).
 */
export function invalidateInodePages(k: Kernel, f: FileObj, pos = 0, len = Infinity): void {
  const pages = k.cache.pagesOf(f.id);
  if (!pages) return;
  const firstIdx = Math.floor(pos / PAGE_SIZE);
  const lastIdx = Math.floor((pos + len - 1) / PAGE_SIZE);
  for (const p of [...pages.values()]) if (p.index >= firstIdx && p.index <= lastIdx) evict(k, p, EvictReason.Invalidate);
}

/**
 * invalidate_mapping_pages (mapping_try_invalidate) for page indexes [first, last] of `f`: drops the pages that are
 * clean, not under writeback, not mapped and not locked (being read); the others stay. Returns how many went.
 */
export function invalidateMappingPages(k: Kernel, f: FileObj, first: number, last: number): number {
  const pages = k.cache.pagesOf(f.id);
  if (!pages) return 0;
  let n = 0;
  for (const p of [...pages.values()]) {
    if (p.index < first || p.index > last) continue;
    if (p.flags & (PG_DIRTY | PG_WRITEBACK) || p.mapcount > 0 || p.readyAt > k.now) continue;
    evict(k, p, EvictReason.Invalidate);
    n++;
  }
  return n;
}

/**
 * echo 1 > drop_caches (invalidate_mapping_pages on every inode): drops the clean, unmapped, unlocked pages, from the
 * LRU tails. Returns how many went.
 */
export function dropCaches(k: Kernel): number {
  let n = 0;
  for (const list of [k.cache.inactive, k.cache.active]) {
    for (let p = list.tail; p; ) {
      const prev = p.prev;
      if (!(p.flags & (PG_DIRTY | PG_WRITEBACK)) && p.mapcount === 0 && p.readyAt <= k.now) {
        evict(k, p, EvictReason.DropCaches);
        n++;
      }
      p = prev;
    }
  }
  return n;
}
