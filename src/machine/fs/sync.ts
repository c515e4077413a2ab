/** fsync, fdatasync and O_SYNC/O_DSYNC writes (fs/sync.c): the file's dirty pages and, if needed, its inode reach the disk. */
import { diskRequest } from '../dev/block';
import { startDma } from '../dev/dma';
import { Loc, WaitReason } from '../events';
import { OpResult, err, ok } from '../errno';
import { Kernel } from '../kernel';
import { fdatawriteRange } from '../mm/filemap';
import { FileObj, TimerKind } from '../state';
import { PAGE_SIZE } from '../units';

/**
 * vfs_fsync_range (fsync, fdatasync, O_SYNC/O_DSYNC writes): writes the file's dirty pages (of a range, if given)
 * and, unless only data is asked for and the size did not change, the inode; waits for both.
 */
export function syncFile(k: Kernel, f: FileObj, dataOnly: boolean, pos = 0, len = Infinity): void {
  k.waitUntil(startSync(k, f, dataOnly, pos, len), WaitReason.Writeback);
}

/** vfs_fsync_range without the wait (an AIO fsync's worker): starts the writes, returns when they will be done. */
export function startSync(k: Kernel, f: FileObj, dataOnly: boolean, pos = 0, len = Infinity): number {
  let until = fdatawriteRange(k, f, pos, len);
  if (f.sizeDirty || (!dataOnly && f.inodeDirty)) {
    // The inode (size, times) goes to disk too: one block.
    const t = diskRequest(k, 2 ** 52 + f.id * PAGE_SIZE, k.config.blockSize);
    const id = startDma(k, Loc.PageCache, Loc.Disk, k.config.blockSize, t, `inode of ${f.path}`);
    k.timers.push(t, TimerKind.DirectWriteDone, id, 0);
    until = Math.max(until, t);
    f.sizeDirty = false;
    f.inodeDirty = false;
  }
  return until;
}

/** do_fsync: fsync, or fdatasync when `dataOnly`. */
export function fsync(k: Kernel, fd: number, dataOnly: boolean): OpResult {
  const o = k.fds.get(fd);
  if (!o) return err('EBADF');
  if (o.kind !== 'file') return err('EINVAL');
  syncFile(k, k.filesById[o.fileId], dataOnly);
  return ok(0);
}
