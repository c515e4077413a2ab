/**
 * Linux AIO as programs use it (fs/aio.c): io_submit hands a context a batch of control blocks (reads and writes,
 * plain or vectored, fsync and fdatasync) and returns how many it took; each completes with its own result (bytes,
 * or a negative errno such as -EINVAL for a misaligned O_DIRECT read), and io_getevents reaps completed ones and
 * returns how many. O_DIRECT I/O completes by the disk's interrupt; buffered I/O on a regular file is done inside
 * io_submit, as Linux does it; an fsync runs in a worker and completes when its writeback does.
 */
import { ERRNO } from '../errno';
import { OpResult, err, ok } from '../errno';
import { Kernel } from '../kernel';
import { WaitReason } from '../events';
import { filemapRead, genericPerformWrite } from '../mm/filemap';
import { userSource } from '../mm/mmap';
import { OPEN_FLAGS } from '../operation';
import { AsyncIo, TimerKind } from '../state';
import { roundUp } from '../units';
import { asyncDone } from './aio';
import { alignedForDirect, directRead, directWrite } from './direct-io';
import { startSync } from './sync';

/** IOCB_CMD_* (include/uapi/linux/aio_abi.h). */
export const IOCB: Record<string, number> = {
  IOCB_CMD_PREAD: 0, IOCB_CMD_PWRITE: 1, IOCB_CMD_FSYNC: 2, IOCB_CMD_FDSYNC: 3, IOCB_CMD_POLL: 5, IOCB_CMD_NOOP: 6,
  IOCB_CMD_PREADV: 7, IOCB_CMD_PWRITEV: 8,
};

/** Where each control block is in an aio_submit's arguments: [fd, buf, ctx, count, offset, opcode], then 4 a block. */
export function iocbAt(args: readonly number[], i: number): { fd: number; count: number; offset: number; opcode: number } | null {
  if (i === 0) return args.length >= 6 ? { fd: args[0], count: args[3], offset: args[4], opcode: args[5] } : null;
  const b = 6 + (i - 1) * 4;
  return b + 3 < args.length ? { fd: args[b], count: args[b + 1], offset: args[b + 2], opcode: args[b + 3] } : null;
}

/**
 * io_submit(ctx, n, iocbs) for the blocks of `args` (see iocbAt), whose buffers follow each other from `args[1]`
 * (each rounded up to a page, so that O_DIRECT finds them aligned). A block refused at submission (no such
 * descriptor, not open for writing, an unknown opcode) ends the batch: the count so far, or its error if first.
 */
export function aioSubmit(k: Kernel, args: readonly number[]): OpResult {
  const buf = args[1];
  const ctx = args[2];
  let n = 0;
  let at = 0;
  for (let i = 0; ; i++) {
    const cb = iocbAt(args, i);
    if (!cb) break;
    const e = submitOne(k, ctx, cb.fd, buf + at, cb.count, cb.offset, cb.opcode);
    if (e !== null) return n > 0 ? ok(n) : err(e);
    n++;
    at += roundUp(Math.max(cb.count, 1), 4096);
  }
  return ok(n);
}

type SubmitError = 'EBADF' | 'EINVAL';

/** io_submit_one: queues one block; its result comes with its completion. Null when accepted. */
function submitOne(k: Kernel, ctx: number, fd: number, buf: number, count: number, offset: number, opcode: number): SubmitError | null {
  const o = k.fds.get(fd);
  if (!o) return 'EBADF';
  if (o.kind !== 'file') return 'EINVAL';
  const f = k.filesById[o.fileId];
  const io: AsyncIo = { id: k.nextId.aio++, fd, bytes: 0, doneAt: k.now, done: false, pendingCopy: null, kind: 'aio', ctx };
  const complete = (res: number): void => {
    k.aio.set(io.id, io);
    io.bytes = res;
    asyncDone(k, io.id);
  };
  switch (opcode) {
    case IOCB.IOCB_CMD_PREAD:
    case IOCB.IOCB_CMD_PREADV: {
      if ((o.flags & 3) === OPEN_FLAGS.O_WRONLY) return 'EBADF';
      const region = k.userRange(buf, Math.max(count, 1));
      if (region.kind !== 'buffer') return 'EINVAL';
      if (o.flags & OPEN_FLAGS.O_DIRECT) {
        // A misaligned request is refused by the read itself: the block is taken, its event says -EINVAL.
        if (!alignedForDirect(k, buf, count, offset)) {
          complete(-ERRNO.EINVAL);
          return null;
        }
        k.aio.set(io.id, io);
        io.bytes = directRead(k, f, region, buf - region.addr, offset, count, false, io.id);
        return null;
      }
      complete(filemapRead(k, f, o.ra, offset, count, region, buf - region.addr));
      return null;
    }
    case IOCB.IOCB_CMD_PWRITE:
    case IOCB.IOCB_CMD_PWRITEV: {
      if ((o.flags & 3) === OPEN_FLAGS.O_RDONLY) return 'EBADF';
      const region = k.userRange(buf, Math.max(count, 1));
      if (o.flags & OPEN_FLAGS.O_DIRECT) {
        if (!alignedForDirect(k, buf, count, offset)) {
          complete(-ERRNO.EINVAL);
          return null;
        }
        const src = userSource(k, region, buf - region.addr, count);
        k.aio.set(io.id, io);
        io.bytes = directWrite(k, f, src.content, src.off, offset, count, false, io.id);
        return null;
      }
      const src = userSource(k, region, buf - region.addr, count);
      complete(genericPerformWrite(k, f, offset, count, src.content, src.off, src.loc));
      return null;
    }
    case IOCB.IOCB_CMD_FSYNC:
    case IOCB.IOCB_CMD_FDSYNC: {
      // aio_fsync_work: vfs_fsync in a worker; the event comes when the writeback it started is done.
      const until = startSync(k, f, opcode === IOCB.IOCB_CMD_FDSYNC);
      k.aio.set(io.id, io);
      io.doneAt = until;
      k.timers.push(until, TimerKind.AsyncDone, io.id);
      return null;
    }
  }
  return 'EINVAL';
}

/**
 * io_getevents(ctx, min_nr, nr, ...) that reaped `n` events: waits until `n` of the context's requests have
 * completed, reaps the `n` that completed first and returns how many it reaped (fewer only when the context holds
 * fewer). Each reaped request's result is its own (AsyncIo.bytes, seen in its AioComplete event).
 */
export function aioGetevents(k: Kernel, ctx: number, n: number): OpResult {
  const mine = (): AsyncIo[] => [...k.aio.values()].filter((io) => io.ctx === ctx && io.kind === 'aio' && ctx !== 0);
  for (;;) {
    const all = mine();
    const done = all.filter((io) => io.done).length;
    if (done >= n || done === all.length) break;
    const next = k.timers.peek();
    if (!next) break;
    k.waitUntil(next.t, WaitReason.Aio);
  }
  const reaped = mine().filter((io) => io.done).sort((a, b) => a.doneAt - b.doneAt || a.id - b.id).slice(0, Math.max(0, n));
  for (const io of reaped) k.aio.delete(io.id);
  return ok(reaped.length);
}
