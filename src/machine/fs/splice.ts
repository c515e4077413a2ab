/**
 * sendfile, splice and copy_file_range (fs/splice.c, fs/read_write.c): data moves between the page cache, pipes and
 * sockets without passing through user memory.
 */
import { Content } from '../content';
import { Loc } from '../events';
import { OpResult, err, ok } from '../errno';
import { Kernel } from '../kernel';
import { MAX_RW_COUNT } from '../limits';
import { filemapGetPages, genericPerformWrite } from '../mm/filemap';
import { OPEN_FLAGS } from '../operation';
import { FileFd } from '../state';
import { PAGE_SIZE } from '../units';
import { fileFd } from './open';
import { drainPipe } from './pipe';
import { sendToSocket } from './socket';

/**
 * do_sendfile: from a file to a socket, whose NIC may gather straight from the page cache (SG-DMA), or to a regular
 * file (sendfileToFile).
 */
export function sendfile(k: Kernel, outFd: number, inFd: number, offset: number, count: number): OpResult {
  const out = k.fds.get(outFd);
  const inp = fileFd(k, inFd);
  if (!out) return err('EBADF');
  if (count < 0 || offset < 0) return err('EINVAL');
  // do_sendfile, like read and write, moves at most MAX_RW_COUNT bytes a call.
  count = Math.min(count, MAX_RW_COUNT);
  if (out.kind === 'file') return sendfileToFile(k, out, inp, offset, count);
  if (out.kind !== 'socket') return err('EINVAL');
  const s = k.sockets[out.sockId];
  return ok(spliceDirect(k, inp, offset, count, (src, pos, chunk) => {
    sendToSocket(k, s, src, pos, chunk, Loc.PageCache, true);
  }));
}

/**
 * sendfile to a regular file (Linux >= 2.6.33), which is also how copy_file_range copies when the filesystem cannot
 * share extents: page cache to page cache through the internal pipe, one CPU copy, no user buffer.
 */
function sendfileToFile(k: Kernel, out: FileFd, inp: FileFd, offset: number, count: number): OpResult {
  if ((out.flags & 3) === OPEN_FLAGS.O_RDONLY) return err('EBADF');
  const g = k.filesById[out.fileId];
  return ok(spliceDirect(k, inp, offset, count, (src, pos, chunk) => {
    const at = out.flags & OPEN_FLAGS.O_APPEND ? g.size : out.pos;
    genericPerformWrite(k, g, at, chunk, src, pos, Loc.PageCache);
    out.pos = at + chunk;
  }));
}

/**
 * do_splice_direct: moves [offset, offset+count) of a file (up to its end) through an internal pipe, a pipe's worth
 * (16 pages) at a time: each chunk's pages are looked up (and read), then `actor` takes them from the page cache.
 * Returns the bytes moved.
 */
function spliceDirect(k: Kernel, inp: FileFd, offset: number, count: number, actor: (src: Content, pos: number, chunk: number) => void): number {
  const f = k.filesById[inp.fileId];
  const total = Math.max(0, Math.min(count, f.size - offset));
  let done = 0;
  while (done < total) {
    const pos = offset + done;
    const chunk = Math.min(total - done, k.config.pipeBytes - (pos % PAGE_SIZE));
    filemapGetPages(k, f, inp.ra, pos, chunk, true);
    actor(f.content, pos, chunk);
    done += chunk;
  }
  return done;
}

/**
 * do_splice: file → pipe (filemap_splice_read: the pipe takes page references, no bytes move), pipe → socket, or
 * pipe → file (through the page cache). A file's offset (`offIn`, `offOut` ≥ 0) is used instead of its position,
 * which then stays where it was (as splice(2) with a non-NULL off_in / off_out).
 */
export function splice(k: Kernel, inFd: number, outFd: number, len: number, offIn = -1, offOut = -1): OpResult {
  const i = k.fds.get(inFd);
  const o = k.fds.get(outFd);
  if (!i || !o) return err('EBADF');
  if (len < 0) return err('EINVAL');
  len = Math.min(len, MAX_RW_COUNT);
  if (i.kind === 'file' && o.kind === 'pipe') {
    const pipe = k.pipes[o.pipeId];
    const f = k.filesById[i.fileId];
    if (pipe.used >= pipe.capacity) return err('EAGAIN');
    const pos = offIn >= 0 ? offIn : i.pos;
    const n = Math.max(0, Math.min(len, pipe.capacity - pipe.used, f.size - pos));
    if (n === 0) return ok(0);
    filemapGetPages(k, f, i.ra, pos, n, true);
    // filemap_splice_read: the pipe takes references to the page-cache pages; no bytes move.
    pipe.refs.push({ kind: 'page', fileId: f.id, off: pos, len: n, content: null });
    pipe.used += n;
    if (offIn < 0) i.pos += n;
    return ok(n);
  }
  if (i.kind === 'pipe' && o.kind === 'socket') {
    const s = k.sockets[o.sockId];
    return ok(drainPipe(k, k.pipes[i.pipeId], len, (src, srcOff, take, loc) => {
      sendToSocket(k, s, src, srcOff, take, loc, true);
    }));
  }
  if (i.kind === 'pipe' && o.kind === 'file') {
    const pipe = k.pipes[i.pipeId];
    const f = k.filesById[o.fileId];
    let at = offOut >= 0 ? offOut : o.pos;
    const n = drainPipe(k, pipe, len, (src, srcOff, take, loc) => {
      genericPerformWrite(k, f, at, take, src, srcOff, loc);
      at += take;
    });
    if (offOut < 0) o.pos = at;
    return ok(n);
  }
  return err('EINVAL');
}
