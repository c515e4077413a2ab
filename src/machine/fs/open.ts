/** Opening and closing files and the descriptor table (fs/open.c, fs/file.c). */
import { Content, ZERO } from '../content';
import { OpResult, SyscallError, err, ok } from '../errno';
import { Kernel } from '../kernel';
import { invalidateInodePages, truncateSetsize } from '../mm/truncate';
import { iputById } from './inode';
import { OPEN_FLAGS } from '../operation';
import { FileFd, FileObj, Pipe, newRaState } from '../state';

/** get_unused_fd_flags: the lowest free descriptor above the standard streams. */
export function lowestFd(k: Kernel): number {
  let fd = 3;
  while (k.fds.has(fd)) fd++;
  return fd;
}

/**
 * do_sys_open: finds the file (O_CREAT creates it, O_EXCL refuses an existing one), empties it for O_TRUNC and
 * installs it on the lowest free descriptor with a fresh readahead state.
 */
export function open(k: Kernel, path: string, flags: number): OpResult {
  let f = k.files.get(path);
  if (!f) {
    if (!(flags & OPEN_FLAGS.O_CREAT)) return err('ENOENT');
    f = k.createFile(path, 0);
    f.inodeDirty = true;
    f.sizeDirty = true;
  } else if ((flags & OPEN_FLAGS.O_CREAT) && (flags & OPEN_FLAGS.O_EXCL)) {
    return err('EEXIST');
  }
  if ((flags & OPEN_FLAGS.O_TRUNC) && (flags & 3) !== 0) truncateOnOpen(k, f);
  const fd = lowestFd(k);
  k.fds.set(fd, { kind: 'file', fd, fileId: f.id, flags, pos: 0, ra: newRaState() });
  return ok(fd);
}

/** do_truncate to 0 (O_TRUNC): the cached pages go, and the file is empty on the disk too. */
function truncateOnOpen(k: Kernel, f: FileObj): void {
  invalidateInodePages(k, f);
  f.size = 0;
  f.content = new Content(ZERO);
  f.disk = new Content(ZERO);
  f.nrDirty = 0;
  f.dirtiedWhen = -1;
  f.inodeDirty = true;
  f.sizeDirty = true;
}

/** close_fd: the descriptor goes; a pipe goes with its last descriptor. */
export function close(k: Kernel, fd: number): OpResult {
  const o = k.fds.get(fd);
  if (!o) return err('EBADF');
  k.fds.delete(fd);
  if (o.kind === 'pipe') {
    const other = [...k.fds.values()].some((x) => x.kind === 'pipe' && x.pipeId === o.pipeId);
    if (!other) k.pipes[o.pipeId] = undefined as unknown as Pipe;
  }
  // The last reference to an unlinked file: fput → iput drops its pages.
  if (o.kind === 'file') iputById(k, o.fileId);
  return ok(0);
}

/** The largest file size ext4 takes with 4 KiB blocks (s_maxbytes); a longer length is EFBIG. */
const MAX_LFS_FILESIZE = 16 * 2 ** 40 - 4096;

/**
 * do_sys_ftruncate (fs/open.c): file `fd` gets `length` bytes (truncateSetsize: pages past it go, dirty or not).
 * EBADF: no such descriptor; EINVAL: not a regular file, not open for writing, or a negative length; EFBIG: longer
 * than the file system takes.
 */
export function ftruncate(k: Kernel, fd: number, length: number): OpResult {
  const o = k.fds.get(fd);
  if (!o) return err('EBADF');
  if (o.kind !== 'file' || (o.flags & 3) === 0 || !(length >= 0)) return err('EINVAL');
  if (length > MAX_LFS_FILESIZE) return err('EFBIG');
  truncateSetsize(k, k.filesById[o.fileId]!, length);
  return ok(0);
}

/** do_sys_truncate (fs/open.c): as ftruncate, the file named by `path` (ENOENT: none). */
export function truncatePath(k: Kernel, path: string, length: number): OpResult {
  const f = k.files.get(path);
  if (!f) return err('ENOENT');
  if (!(length >= 0)) return err('EINVAL');
  if (length > MAX_LFS_FILESIZE) return err('EFBIG');
  truncateSetsize(k, f, length);
  return ok(0);
}

/** The flags F_SETFL changes (fs/fcntl.c SETFL_MASK); the access mode and the rest stay as opened. */
const SETFL_MASK = OPEN_FLAGS.O_APPEND | OPEN_FLAGS.O_NONBLOCK | OPEN_FLAGS.O_DIRECT | OPEN_FLAGS.O_NOATIME;

/**
 * fcntl(fd, F_SETFL, flags) → setfl: the descriptor's SETFL_MASK flags become those of `flags`. A pipe or a socket
 * keeps none (the model never blocks, so O_NONBLOCK changes nothing there).
 */
export function setfl(k: Kernel, fd: number, flags: number): OpResult {
  const o = k.fds.get(fd);
  if (!o) return err('EBADF');
  if (o.kind === 'file') o.flags = (flags & SETFL_MASK) | (o.flags & ~SETFL_MASK);
  return ok(0);
}

/** fdget for a syscall that needs a regular file: EBADF for no descriptor, EINVAL for a pipe or socket. */
export function fileFd(k: Kernel, fd: number): FileFd {
  const o = k.fds.get(fd);
  if (!o) throw new SyscallError('EBADF');
  if (o.kind !== 'file') throw new SyscallError('EINVAL');
  return o;
}
