/**
 * Pipes (fs/pipe.c): a ring of buffers that hold either bytes written into the pipe or, after a splice from a file,
 * references to page-cache pages.
 */
import { Content, ZERO } from '../content';
import { Loc } from '../events';
import { OpResult, err, ok } from '../errno';
import { Kernel } from '../kernel';
import { userSource } from '../mm/mmap';
import { FdObj, Pipe, Region } from '../state';
import { lowestFd } from './open';

/** do_pipe2: a pipe and its two descriptors; returns the read end (the write end is the next free descriptor). */
export function newPipe(k: Kernel): number {
  const id = k.pipes.length;
  k.pipes.push({ id, capacity: k.config.pipeBytes, used: 0, refs: [] });
  const r = lowestFd(k);
  k.fds.set(r, { kind: 'pipe', fd: r, pipeId: id, end: 'read' });
  const w = lowestFd(k);
  k.fds.set(w, { kind: 'pipe', fd: w, pipeId: id, end: 'write' });
  return r;
}

/** pipe_write: the bytes are copied into a pipe buffer; a full pipe gives EAGAIN (the model never blocks on one). */
export function writePipe(k: Kernel, o: Extract<FdObj, { kind: 'pipe' }>, region: Region, off: number, count: number): OpResult {
  const pipe = k.pipes[o.pipeId];
  const n = Math.min(count, pipe.capacity - pipe.used);
  if (n <= 0) return err('EAGAIN');
  const src = userSource(k, region, off, n);
  const content = new Content(ZERO);
  content.copyFrom(src.content, src.off, 0, n);
  pipe.refs.push({ kind: 'bytes', fileId: -1, off: 0, len: n, content });
  pipe.used += n;
  k.cpuCopy(src.loc, Loc.Pipe, n, pipe.id, 0);
  return ok(n);
}

/** pipe_read: one copy to the user buffer, from page references or from the pipe's own buffers. */
export function readPipe(k: Kernel, o: Extract<FdObj, { kind: 'pipe' }>, buf: number, count: number): OpResult {
  const pipe = k.pipes[o.pipeId];
  const region = k.userRange(buf, count);
  if (region.kind !== 'buffer') return err('EFAULT');
  let at = buf - region.addr;
  const moved = drainPipe(k, pipe, count, (src, srcOff, take) => {
    region.content.copyFrom(src, srcOff, at, take);
    at += take;
  });
  k.cpuCopy(Loc.Pipe, Loc.User, moved, region.id, buf - region.addr);
  return ok(moved);
}

/**
 * Takes up to `len` bytes from the front of a pipe, handing each piece's source to `use`: page references
 * (from a file splice) point into the page cache, bytes written into the pipe live in the pipe buffer.
 */
export function drainPipe(k: Kernel, pipe: Pipe, len: number, use: (src: Content, srcOff: number, take: number, loc: Loc) => void): number {
  let n = Math.min(len, pipe.used);
  let moved = 0;
  while (n > 0 && pipe.refs.length) {
    const ref = pipe.refs[0];
    const take = Math.min(n, ref.len);
    if (ref.kind === 'page') use(k.filesById[ref.fileId].content, ref.off, take, Loc.PageCache);
    else use(ref.content!, 0, take, Loc.Pipe);
    ref.off += take;
    ref.len -= take;
    if (ref.content) ref.content = ref.content.shiftedDown(take);
    if (ref.len === 0) pipe.refs.shift();
    pipe.used -= take;
    moved += take;
    n -= take;
  }
  return moved;
}
