/**
 * Asynchronous reads (fs/aio.c for libaio, io_uring/rw.c): submission returns at once; completion comes by interrupt
 * (O_DIRECT), inline (cached data) or from a worker that waited for the page I/O.
 */
import { Ev, Loc, WaitReason } from '../events';
import { OpResult, err, ok } from '../errno';
import { Kernel } from '../kernel';
import { MAX_RW_COUNT } from '../limits';
import { filemapGetPages, filemapRead } from '../mm/filemap';
import { OPEN_FLAGS } from '../operation';
import { AsyncIo, TimerKind } from '../state';
import { alignedForDirect, directRead } from './direct-io';
import { fileFd } from './open';

/**
 * io_submit (libaio) or an io_uring read: O_DIRECT completes by the disk's interrupt; libaio on a buffered file reads
 * synchronously; io_uring completes inline from the cache or when an io-wq worker has waited for the page I/O.
 */
export function asyncRead(k: Kernel, kind: 'aio' | 'uring', fd: number, buf: number, count: number, offset: number): OpResult {
  const o = fileFd(k, fd);
  // The iocb's buffer is imported as one segment of at most MAX_RW_COUNT bytes (import_ubuf); a negative offset
  // fails rw_verify_area.
  if (count < 0 || !(offset >= 0)) return err('EINVAL');
  count = Math.min(count, MAX_RW_COUNT);
  const region = k.userRange(buf, count);
  if (region.kind !== 'buffer') return err('EFAULT');
  const f = k.filesById[o.fileId];
  if (o.flags & OPEN_FLAGS.O_DIRECT && !alignedForDirect(k, buf, count, offset)) return err('EINVAL');
  const id = k.nextId.aio++;
  const io: AsyncIo = { id, fd, bytes: 0, doneAt: k.now, done: false, pendingCopy: null, kind, ctx: 0 };
  if (o.flags & OPEN_FLAGS.O_DIRECT) {
    k.aio.set(id, io);
    const n = directRead(k, f, region, buf - region.addr, offset, count, false, id);
    io.bytes = n;
    io.doneAt = Math.max(k.now, ...k.dma.filter((d) => d.dst === Loc.User).map((d) => d.doneAt));
    return ok(id);
  }
  k.aio.set(id, io);
  if (kind === 'aio') {
    // libaio on a buffered file is synchronous: io_submit does the whole read before returning.
    io.bytes = filemapRead(k, f, o.ra, offset, count, region, buf - region.addr);
    asyncDone(k, id);
    return ok(id);
  }
  // io_uring: cached data completes inline; otherwise an io-wq worker waits for the I/O and copies.
  const n = offset >= f.size ? 0 : Math.min(count, f.size - offset);
  io.bytes = n;
  if (n === 0) {
    asyncDone(k, id);
    return ok(id);
  }
  const readyAt = filemapGetPages(k, f, o.ra, offset, n, false);
  io.pendingCopy = { fileId: f.id, pos: offset, regionId: region.id, dstOff: buf - region.addr };
  if (readyAt <= k.now) asyncDone(k, id);
  else {
    io.doneAt = readyAt;
    k.timers.push(readyAt, TimerKind.AsyncDone, id);
  }
  return ok(id);
}

/** aio_complete / io_req_complete_post: a buffered io_uring read copies to the user buffer now, then completes. */
export function asyncDone(k: Kernel, id: number): void {
  const io = k.aio.get(id);
  if (!io || io.done) return;
  if (io.pendingCopy) {
    const pc = io.pendingCopy;
    const region = k.regions.find((r) => r.id === pc.regionId);
    if (region && region.kind === 'buffer') {
      region.content.copyFrom(k.filesById[pc.fileId].content, pc.pos, pc.dstOff, io.bytes);
      k.cpuCopy(Loc.PageCache, Loc.User, io.bytes, region.id, pc.dstOff);
    }
    io.pendingCopy = null;
  }
  io.done = true;
  io.doneAt = k.now;
  k.ev(Ev.AioComplete, id, io.bytes);
}

/** io_getevents / io_uring_enter with min_complete = 1: waits for one request's completion. */
export function asyncWait(k: Kernel, id: number): OpResult {
  const io = k.aio.get(id);
  if (!io) return err('EINVAL');
  while (!io.done) {
    const next = k.timers.peek();
    if (!next) break;
    k.waitUntil(next.t, WaitReason.Aio);
  }
  k.aio.delete(id);
  return ok(io.bytes);
}
