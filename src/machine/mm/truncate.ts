/** Taking pages out of the page cache on purpose (mm/truncate.c, fs/drop_caches.c), as opposed to reclaim. */
import { EvictReason } from '../events';
import { Kernel } from '../kernel';
import { Content, ZERO } from '../content';
import { PG_DIRTY, PG_WRITEBACK } from '../pagecache';
import { FileObj } from '../state';
import { PAGE_SIZE } from '../units';
import { evict } from './vmscan';

/**
 * truncate_inode_pages_range / invalidate_inode_pages2_range: drops every cached page of `f` that holds a byte of
 * [pos, pos+len), dirty or not (the whole file by default, as truncation does). Dirty pages go without writeback:
 * the inode's dirty count drops by as many (folio_cancel_dirty), and it is clean once none is left.
 */
export function invalidateInodePages(k: Kernel, f: FileObj, pos = 0, len = Infinity): void {
  const m = k.cache.mapping(f.id);
  if (!m) return;
  const first = Math.floor(pos / PAGE_SIZE);
  const end = Math.floor((pos + len - 1) / PAGE_SIZE) + 1;
  for (let g = m.ceil(first); g && g.index < end; g = m.ceil(first)) {
    const part = k.cache.take(f.id, Math.max(first, g.index), end)!;
    if (part.flags & PG_DIRTY) f.nrDirty = Math.max(0, f.nrDirty - part.nr);
    evict(k, part, EvictReason.Invalidate);
  }
  if (f.nrDirty === 0) f.dirtiedWhen = -1;
}

/**
 * truncate_setsize (mm/truncate.c) as do_truncate reaches it through notify_change: i_size becomes `size` bytes and
 * truncate_pagecache drops every page wholly at or past it, dirty ones without writeback; the page holding byte
 * `size` stays, its tail zeroed. Growing the file adds no page (a hole reads as zeros). The blocks past `size` are
 * freed on the disk too (ext4_truncate).
 */
export function truncateSetsize(k: Kernel, f: FileObj, size: number): void {
  const old = f.size;
  if (size < old) invalidateInodePages(k, f, Math.ceil(size / PAGE_SIZE) * PAGE_SIZE);
  // Bytes past the new size read as zeros if the file grows again: only [0, min) of the old content remains.
  const keep = Math.min(size, old);
  const content = new Content(ZERO);
  content.copyFrom(f.content, 0, 0, keep);
  const disk = new Content(ZERO);
  disk.copyFrom(f.disk, 0, 0, keep);
  f.content = content;
  f.disk = disk;
  f.size = size;
  f.inodeDirty = true;
  if (size !== old) f.sizeDirty = true;
}

/**
 * mapping_try_invalidate (invalidate_mapping_pages): drops the clean, unmapped pages of `f` with index in
 * [first, last] whose read is done; dirty, under writeback, mapped or locked pages stay. Returns how many went.
 */
export function invalidateMappingPages(k: Kernel, f: FileObj, first: number, last: number): number {
  const m = k.cache.mapping(f.id);
  if (!m) return 0;
  let n = 0;
  for (let i = first; i <= last;) {
    const g = m.ceil(i);
    if (!g || g.index > last) break;
    const from = Math.max(i, g.index);
    const to = Math.min(last + 1, g.end);
    if (g.flags & (PG_DIRTY | PG_WRITEBACK) || g.mapcount > 0) {
      i = to;
      continue;
    }
    const part = k.cache.take(f.id, from, to)!;
    const ready = part.readyCount(k.now);
    i = to;
    if (ready === 0) continue;
    n += ready;
    evict(k, ready < part.nr ? k.cache.take(f.id, from, from + ready)! : part, EvictReason.Invalidate);
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
