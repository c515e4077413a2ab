/** read, write and lseek (fs/read_write.c): where a descriptor's bytes go, by the kind of file behind it. */
import { OpResult, err, ok } from '../errno';
import { Kernel } from '../kernel';
import { MAX_FILE_SIZE, MAX_RW_COUNT } from '../limits';
import { filemapRead, genericPerformWrite } from '../mm/filemap';
import { userSource } from '../mm/mmap';
import { OPEN_FLAGS } from '../operation';
import { alignedForDirect, directRead, directWrite } from './direct-io';
import { readPipe, writePipe } from './pipe';
import { sendToSocket } from './socket';
import { syncFile } from './sync';

/**
 * ksys_read / ksys_pread64 (`offset` ≥ 0): vfs_read by what the descriptor is: a pipe, an O_DIRECT file or the page
 * cache (filemap_read).
 */
export function read(k: Kernel, fd: number, buf: number, count: number, offset: number): OpResult {
  const o = k.fds.get(fd);
  if (!o) return err('EBADF');
  if (count < 0) return err('EINVAL');
  // vfs_read: one call moves at most MAX_RW_COUNT bytes, whatever it asked.
  count = Math.min(count, MAX_RW_COUNT);
  if (o.kind === 'socket') return err('EINVAL');
  if (o.kind === 'pipe') return readPipe(k, o, buf, count);
  const region = k.userRange(buf, count);
  if (region.kind !== 'buffer') return err('EFAULT');
  if ((o.flags & 3) === OPEN_FLAGS.O_WRONLY) return err('EBADF');
  const f = k.filesById[o.fileId];
  const pos = offset >= 0 ? offset : o.pos;
  // filemap_read: nothing lies at or past s_maxbytes (the file cannot reach it).
  if (pos >= MAX_FILE_SIZE) return ok(0);
  if (o.flags & OPEN_FLAGS.O_DIRECT) {
    const n = directRead(k, f, region, buf - region.addr, pos, count, true);
    if (n >= 0 && offset < 0) o.pos += n;
    return n < 0 ? err('EINVAL') : ok(n);
  }
  const n = filemapRead(k, f, o.ra, pos, count, region, buf - region.addr);
  if (offset < 0) o.pos += n;
  return ok(n);
}

/**
 * ksys_write / ksys_pwrite64 (`offset` ≥ 0): vfs_write into a socket, a pipe, an O_DIRECT file or the page cache
 * (then written through for O_SYNC/O_DSYNC).
 */
export function write(k: Kernel, fd: number, buf: number, count: number, offset: number): OpResult {
  const o = k.fds.get(fd);
  if (!o) return err('EBADF');
  if (count < 0) return err('EINVAL');
  count = Math.min(count, MAX_RW_COUNT);
  const region = k.userRange(buf, count);
  if (o.kind === 'socket') {
    const src = userSource(k, region, buf - region.addr, count);
    return ok(sendToSocket(k, k.sockets[o.sockId], src.content, src.off, count, src.loc, false));
  }
  if (o.kind === 'pipe') return writePipe(k, o, region, buf - region.addr, count);
  if ((o.flags & 3) === OPEN_FLAGS.O_RDONLY) return err('EBADF');
  const f = k.filesById[o.fileId];
  let pos = offset >= 0 ? offset : o.pos;
  if (offset < 0 && o.flags & OPEN_FLAGS.O_APPEND) pos = f.size;
  // generic_write_check_limits: nothing is written at or past s_maxbytes, a write that would cross it is cut there.
  if (pos >= MAX_FILE_SIZE && count > 0) return err('EFBIG');
  count = Math.min(count, MAX_FILE_SIZE - pos);
  // O_DIRECT alignment is checked before the user pages are touched (no fault on a misaligned request).
  if (o.flags & OPEN_FLAGS.O_DIRECT && !alignedForDirect(k, buf, count, pos)) return err('EINVAL');
  const src = userSource(k, region, buf - region.addr, count);
  let n: number;
  if (o.flags & OPEN_FLAGS.O_DIRECT) {
    n = directWrite(k, f, src.content, src.off, pos, count);
  } else {
    n = genericPerformWrite(k, f, pos, count, src.content, src.off, src.loc);
    if (o.flags & OPEN_FLAGS.O_DSYNC) syncFile(k, f, (o.flags & OPEN_FLAGS.O_SYNC) !== OPEN_FLAGS.O_SYNC, pos, n);
  }
  if (offset < 0) o.pos = pos + n;
  return ok(n);
}

/** ksys_lseek → generic_file_llseek: SEEK_SET, SEEK_CUR or SEEK_END; pipes and sockets cannot seek. */
export function lseek(k: Kernel, fd: number, off: number, whence: number): OpResult {
  const o = k.fds.get(fd);
  if (!o) return err('EBADF');
  if (o.kind !== 'file') return err('ESPIPE');
  const f = k.filesById[o.fileId];
  const base = whence === 0 ? 0 : whence === 1 ? o.pos : whence === 2 ? f.size : NaN;
  // generic_file_llseek_size → vfs_setpos: a position below 0 or past s_maxbytes is refused.
  if (Number.isNaN(base) || !(base + off >= 0 && base + off <= MAX_FILE_SIZE)) return err('EINVAL');
  o.pos = base + off;
  return ok(o.pos);
}
