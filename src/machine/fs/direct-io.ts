/**
 * O_DIRECT (fs/iomap/direct-io.c): DMA between the disk and the user buffer, around the page cache; the cached pages
 * of the range are written back first and, after a write, dropped.
 */
import { diskRead, diskRequest, maxBio } from '../dev/block';
import { startDma } from '../dev/dma';
import { Loc, WaitReason } from '../events';
import { Content } from '../content';
import { Kernel } from '../kernel';
import { writeAndWaitRange, zeroHole } from '../mm/filemap';
import { invalidateInodePages } from '../mm/truncate';
import { FileObj, TimerKind, UserBuffer } from '../state';
import { roundUp } from '../units';

/** O_DIRECT needs the user buffer, the length and the file offset aligned to the logical block size. */
export function alignedForDirect(k: Kernel, addr: number, count: number, pos: number): boolean {
  const bs = k.config.blockSize;
  return addr % bs === 0 && count % bs === 0 && pos % bs === 0;
}

/**
 * iomap_dio_rw for a read: DMA from the disk straight into the user buffer. Dirty cached pages in the range are written
 * back first (filemap_write_and_wait_range). Returns -1 for misaligned requests (EINVAL, nothing changed).
 */
export function directRead(k: Kernel, f: FileObj, dst: UserBuffer, dstOff: number, pos: number, count: number, wait: boolean, aioId = 0): number {
  if (!alignedForDirect(k, dst.addr + dstOff, count, pos)) return -1;
  if (pos >= f.size || count === 0) {
    if (aioId) k.timers.push(k.now, TimerKind.AsyncDone, aioId);
    return 0;
  }
  const n = Math.min(count, f.size - pos);
  writeAndWaitRange(k, f, pos, n);
  const bytes = roundUp(n, k.config.blockSize);
  let done = k.now;
  const max = maxBio(k);
  for (let off = 0; off < bytes; off += max) {
    const len = Math.min(max, bytes - off);
    const t = diskRead(k, f, pos + off, len);
    const id = startDma(k, Loc.Disk, Loc.User, len, t, `direct read ${f.path}`, dst.id, dstOff + off);
    const last = off + max >= bytes;
    k.timers.push(t, TimerKind.DiskReadDone, id, last ? aioId : 0);
    done = Math.max(done, t);
  }
  // The DMA writes the user buffer; the model places the bytes now (nobody can look before completion).
  dst.content.copyFrom(f.disk, pos, dstOff, n);
  if (wait) k.waitUntil(done, WaitReason.PageIo);
  return n;
}

/** iomap_dio_rw for a write: DMA from the user buffer to the disk; cached pages of the range are written and dropped. */
export function directWrite(k: Kernel, f: FileObj, src: Content, srcOff: number, pos: number, count: number): number {
  if (count === 0) return 0;
  writeAndWaitRange(k, f, pos, count);
  let done = k.now;
  const max = maxBio(k);
  for (let off = 0; off < count; off += max) {
    const len = Math.min(max, count - off);
    const t = diskRequest(k, f.lba + pos + off, len);
    const id = startDma(k, Loc.User, Loc.Disk, len, t, `direct write ${f.path}`, f.id, pos + off);
    k.timers.push(t, TimerKind.DirectWriteDone, id, 0);
    done = Math.max(done, t);
  }
  zeroHole(k, f, pos);
  f.disk.copyFrom(src, srcOff, pos, count);
  f.content.copyFrom(src, srcOff, pos, count);
  k.waitUntil(done, WaitReason.PageIo);
  // Cached pages of the range are stale now that the disk has newer bytes.
  invalidateInodePages(k, f, pos, count);
  if (pos + count > f.size) {
    f.size = pos + count;
    f.sizeDirty = true;
  }
  f.inodeDirty = true;
  return count;
}
