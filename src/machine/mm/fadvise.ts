/**
 * posix_fadvise (mm/fadvise.c, generic_fadvise): advice about a file's future accesses, as Linux acts on it.
 * - POSIX_FADV_NORMAL: the device's readahead size again, FMODE_RANDOM off;
 * - POSIX_FADV_RANDOM: FMODE_RANDOM — page_cache_sync_ra reads exactly the request (force_page_cache_ra);
 * - POSIX_FADV_SEQUENTIAL: file_ra_state.ra_pages = 2 × the device's, FMODE_RANDOM off;
 * - POSIX_FADV_WILLNEED: force_page_cache_readahead of the range's pages, at most max(io_pages, ra_pages) per call;
 * - POSIX_FADV_DONTNEED: starts writeback of the range's dirty pages (WB_SYNC_NONE, no wait), then drops the clean,
 *   unmapped pages wholly inside it (mapping_try_invalidate), and a partial last page when the range ends at the
 *   end of the file (endbyte == i_size - 1);
 * - POSIX_FADV_NOREUSE: FMODE_NOREUSE, which only changes LRU aging (not modeled: accepted, nothing changes).
 * `len` 0 means to the end of the file. A socket has no page cache (its bdi is noop_backing_dev_info): the advice is
 * taken and changes nothing. Errors: EBADF, ESPIPE (a pipe), EINVAL (bad advice or a negative length).
 */
import { OpResult, err, ok } from '../errno';
import { Kernel } from '../kernel';
import { PAGE_SIZE } from '../units';
import { fdatawriteRange } from './filemap';
import { forceRa, maxRaPages } from './readahead';
import { invalidateMappingPages } from './truncate';

export const POSIX_FADV = { NORMAL: 0, RANDOM: 1, SEQUENTIAL: 2, WILLNEED: 3, DONTNEED: 4, NOREUSE: 5 } as const;

/** generic_fadvise for descriptor `fd`: offset and len in bytes. */
export function fadvise(k: Kernel, fd: number, offset: number, len: number, advice: number): OpResult {
  const o = k.fds.get(fd);
  if (!o) return err('EBADF');
  if (o.kind === 'pipe') return err('ESPIPE');
  if (len < 0 || advice < 0 || advice > POSIX_FADV.NOREUSE) return err('EINVAL');
  if (o.kind !== 'file') return ok(0);
  const f = k.filesById[o.fileId];
  const ra = o.ra;
  const endbyte = len === 0 || offset + len - 1 > Number.MAX_SAFE_INTEGER ? Number.MAX_SAFE_INTEGER : offset + len - 1;
  switch (advice) {
    case POSIX_FADV.NORMAL:
      ra.raPages = -1;
      ra.random = false;
      return ok(0);
    case POSIX_FADV.RANDOM:
      ra.random = true;
      return ok(0);
    case POSIX_FADV.SEQUENTIAL:
      ra.raPages = 2 * maxRaPages(k);
      ra.random = false;
      return ok(0);
    case POSIX_FADV.WILLNEED: {
      const start = Math.floor(offset / PAGE_SIZE);
      const end = Math.floor(endbyte / PAGE_SIZE);
      forceRa(k, f, ra, start, end - start + 1);
      return ok(0);
    }
    case POSIX_FADV.NOREUSE:
      return ok(0);
    case POSIX_FADV.DONTNEED: {
      fdatawriteRange(k, f, offset, endbyte - offset + 1);
      // Only pages wholly inside the range: the first partial page is kept, so is a partial last one unless the
      // range ends at the end of the file (checked on Linux 6.18: a 3-page-and-1000-byte file loses all 4 pages).
      const start = Math.floor((offset + PAGE_SIZE - 1) / PAGE_SIZE);
      let end = Math.floor(endbyte / PAGE_SIZE);
      if (endbyte % PAGE_SIZE !== PAGE_SIZE - 1 && endbyte !== f.size - 1) {
        if (end === 0) return ok(0);
        end--;
      }
      if (end >= start) invalidateMappingPages(k, f, start, end);
      return ok(0);
    }
  }
  return err('EINVAL');
}
