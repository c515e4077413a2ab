/**
 * posix_fadvise (mm/fadvise.c, generic_fadvise): advice about an open file's future reads, which Linux acts on at
 * once. DONTNEED starts writeback of the range's dirty pages without waiting (__filemap_fdatawrite_range with
 * WB_SYNC_NONE) and drops its clean, unmapped pages (whole pages only: a partial page at either end stays, unless
 * the range ends at the end of the file); WILLNEED reads the range ahead (force_page_cache_readahead);
 * SEQUENTIAL doubles the file's readahead window, RANDOM turns readahead off for its misses, NORMAL undoes both.
 */
import { OpResult, err, ok } from '../errno';
import { Kernel } from '../kernel';
import { PAGE_SIZE } from '../units';
import { fdatawriteRange } from './filemap';
import { forceReadahead, maxRaPages } from './readahead';
import { invalidateMappingPages } from './truncate';

/** ksys_fadvise64_64 → vfs_fadvise → generic_fadvise; `len` 0 means to the end of the file. */
export function fadvise(k: Kernel, fd: number, offset: number, len: number, advice: number): OpResult {
  const o = k.fds.get(fd);
  if (!o) return err('EBADF');
  if (o.kind === 'pipe') return err('ESPIPE');
  if (len < 0 || offset < 0) return err('EINVAL');
  if (advice < 0 || advice > 5) return err('EINVAL');
  // A socket has no page cache: the advice is taken and changes nothing.
  if (o.kind !== 'file') return ok(0);
  const f = k.filesById[o.fileId];
  const ra = o.ra;
  // The last byte of the range, inclusive (Infinity: to the end, as len 0 or an overflow means).
  const endbyte = len === 0 || offset + len > Number.MAX_SAFE_INTEGER ? Infinity : offset + len - 1;
  switch (advice) {
    case 0:
      ra.pages = 0;
      ra.random = false;
      break;
    case 1:
      ra.random = true;
      break;
    case 2:
      ra.pages = 2 * maxRaPages(k);
      ra.random = false;
      break;
    case 3: {
      const first = Math.floor(offset / PAGE_SIZE);
      const last = endbyte === Infinity ? Infinity : Math.floor(endbyte / PAGE_SIZE);
      forceReadahead(k, f, ra, first, last - first + 1);
      break;
    }
    // NOREUSE (FMODE_NOREUSE) changes how Linux ages the pages on the LRU lists, which the model does not follow.
    case 4: {
      fdatawriteRange(k, f, offset, endbyte === Infinity ? Infinity : endbyte - offset + 1);
      const first = Math.ceil(offset / PAGE_SIZE);
      let last = endbyte === Infinity ? Infinity : Math.floor(endbyte / PAGE_SIZE);
      // The page the range ends in goes only if the range covers it to its end or to the end of the file.
      if (endbyte !== Infinity && endbyte % PAGE_SIZE !== PAGE_SIZE - 1 && endbyte !== f.size - 1) {
        if (last === 0) break;
        last--;
      }
      if (last >= first) invalidateMappingPages(k, f, first, last);
      break;
    }
  }
  return ok(0);
}
