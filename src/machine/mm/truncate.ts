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
  const m = k.cache.mapping(f.id);
  if (!m) return;
  const first = Math.floor(pos / PAGE_SIZE);
  const end = Math.floor((pos + len - 1) / PAGE_SIZE) + 1;
  for (let g = m.ceil(first); g && g.index < end; g = m.ceil(first)) {
    evict(k, k.cache.take(f.id, Math.max(first, g.index), end)!, EvictReason.Invalidate);
  }
}

/**
 * echo 1 > drop_caches (invalidate_mapping_pages on every inode): drops the clean, unmapped, unlocked pages, from the
 * LRU tails. Returns how many went.
 */
export function dropCaches(k: Kernel): number {
  let n = 0;
  for (const list of [k.cache.inactive, k.cache.active]) {
    for (let f = list.tail; f; ) {
      const prev = f.prev;
      if (!(f.flags & (PG_DIRTY | PG_WRITEBACK)) && f.mapcount === 0) {
        // Pages whose read is still in flight stay; with a read time per page, those are the upper ones.
        const ready = f.readyCount(k.now);
        if (ready > 0) {
          n += ready;
          evict(k, ready < f.nr ? k.cache.take(f.fileId, f.index, f.index + ready)! : f, EvictReason.DropCaches);
        }
      }
      f = prev;
    }
  }
  return n;
}
