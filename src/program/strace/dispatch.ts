/** Which handler replays a complete call, by its name; a call no handler knows passes through as a `syscall`. */
import { ioGetevents, ioSubmit, uringEnter, uringSetup } from './aio';
import { splitArgs } from './args';
import type { Call, Core } from './core';
import { FastOp } from './fast';
import { close, closeRange, dup, fadvise, fcntl, getdents, open, otherFd, rename, stat, truncate, unlink } from './files';
import { mmap, munmap } from './mmap';
import { accept, pipe, socket, socketpair } from './net';
import { execve, fork } from './process';
import { fsync, lseek, plain, received, vectored } from './rw';
import { sleeping } from './sleep';
import { copyFileRange, sendfile, splice, vmsplice } from './splice';
import type { Proc } from './tables';

/**
 * The calls below whose first argument strace never prints in hex when it decodes them (a descriptor, a path, flags, a
 * list); not mmap, munmap, io_submit, io_getevents, whose first argument is an address or an AIO context.
 */
const DECODED = new Set(['read', 'pread64', 'readv', 'preadv', 'preadv2', 'write', 'pwrite64', 'writev', 'pwritev', 'pwritev2', 'send',
  'sendto', 'sendmsg', 'recv', 'recvfrom', 'recvmsg', 'recvmmsg', 'open', 'openat', 'creat', 'openat2', 'open_by_handle_at', 'close',
  'close_range', 'lseek', '_llseek', 'sendfile', 'sendfile64', 'copy_file_range', 'splice', 'vmsplice', 'fsync', 'fdatasync',
  'sync_file_range', 'sync_file_range2', 'fadvise64', 'fadvise64_64', 'arm_fadvise64_64', 'io_uring_enter', 'socket', 'accept',
  'accept4', 'socketpair', 'pipe', 'pipe2', 'dup', 'dup2', 'dup3', 'fcntl', 'fcntl64', 'execve', 'execveat', 'fstat', 'newfstatat',
  'fstatat64', 'stat', 'lstat', 'statx', 'stat64', 'lstat64', 'fstat64', 'getdents', 'getdents64', 'ftruncate', 'truncate', 'rename',
  'renameat', 'renameat2', 'unlink', 'unlinkat']);

/**
 * Whether call `c` has its arguments printed raw (strace -e raw=all, or raw= of its name): in hex where strace would
 * decode them (`read(0x3, 0x7ffc..., 0x20000)`, `openat(0xffffff9c, 0x7f..., 0x80000)`), or mmap's descriptor in hex.
 */
function isRaw(c: Call): boolean {
  if (c.name === 'mmap' || c.name === 'mmap2') {
    const fd = splitArgs(c.args)[4];
    return fd !== undefined && /^0x/i.test(fd);
  }
  const t = c.text;
  let i = c.argsStart;
  while (t.charCodeAt(i) === 32) i++;
  return t.charCodeAt(i) === 48 && (t.charCodeAt(i + 1) | 32) === 120 && DECODED.has(c.name);
}

/** Replays complete call `c` of process `proc`: its handler follows the tables, reports evidence, queues operations. */
export function replayCall(r: Core, proc: Proc, c: Call): void {
  r.callLine = c.line;
  r.callPid = proc.pid;
  // -e raw=: undecoded arguments, in hex (descriptors with no -y name, paths as addresses): nothing to simulate.
  if (isRaw(c)) {
    r.ev.raw(c.line, c.name);
    return r.pass(proc, c);
  }
  // Only this call's table changes close files (a description left over by a log that missed a close stays open).
  if (r.t.dropped.length > 0) r.t.dropped = [];
  // The commonest calls first: a switch compares the name with one case after the other.
  switch (c.name) {
    case 'read':
      return plain(r, proc, c, FastOp.Read);
    case 'pread64':
      return plain(r, proc, c, FastOp.Pread);
    case 'readv': case 'preadv': case 'preadv2':
      return vectored(r, proc, c, true);
    case 'write':
      return plain(r, proc, c, FastOp.Write);
    case 'pwrite64':
      return plain(r, proc, c, FastOp.Pwrite);
    case 'writev': case 'pwritev': case 'pwritev2': case 'send': case 'sendto': case 'sendmsg':
      return vectored(r, proc, c, false);
    case 'recv': case 'recvfrom': case 'recvmsg': case 'recvmmsg':
      return received(r, proc, c);
    case 'open': case 'openat': case 'creat': case 'openat2': case 'open_by_handle_at':
      return open(r, proc, c);
    case 'close':
      return close(r, proc, c);
    case 'close_range':
      return closeRange(r, proc, c);
    case 'lseek': case '_llseek':
      return lseek(r, proc, c);
    case 'mmap': case 'mmap2':
      return mmap(r, proc, c);
    case 'munmap':
      return munmap(r, proc, c);
    case 'sendfile': case 'sendfile64':
      return sendfile(r, proc, c);
    case 'copy_file_range':
      return copyFileRange(r, proc, c);
    case 'splice':
      return splice(r, proc, c);
    case 'vmsplice':
      return vmsplice(r, proc, c);
    case 'fsync': case 'fdatasync': case 'sync_file_range': case 'sync_file_range2':
      return fsync(r, proc, c);
    case 'fadvise64': case 'fadvise64_64': case 'arm_fadvise64_64':
      return fadvise(r, proc, c);
    case 'io_submit':
      return ioSubmit(r, proc, c);
    case 'io_getevents': case 'io_pgetevents':
      return ioGetevents(r, proc, c);
    case 'io_uring_setup':
      return uringSetup(r, proc, c);
    case 'io_uring_enter':
      return uringEnter(r, proc, c);
    case 'eventfd': case 'eventfd2': case 'epoll_create': case 'epoll_create1':
    case 'signalfd': case 'signalfd4': case 'timerfd_create': case 'inotify_init': case 'inotify_init1':
    case 'memfd_create': case 'userfaultfd': case 'pidfd_open': case 'fanotify_init': case 'perf_event_open':
      return otherFd(r, proc, c);
    case 'socket':
      return socket(r, proc, c);
    case 'accept': case 'accept4':
      return accept(r, proc, c);
    case 'socketpair':
      return socketpair(r, proc, c);
    case 'pipe': case 'pipe2':
      return pipe(r, proc, c);
    case 'dup': case 'dup2': case 'dup3':
      return dup(r, proc, c);
    case 'fcntl': case 'fcntl64':
      return fcntl(r, proc, c);
    case 'clone': case 'clone3': case 'fork': case 'vfork':
      return fork(r, proc, c);
    case 'execve': case 'execveat':
      return execve(r, proc, c);
    case 'fstat': case 'newfstatat': case 'fstatat64': case 'stat': case 'lstat': case 'statx': case 'stat64': case 'lstat64': case 'fstat64':
      return stat(r, proc, c);
    case 'getdents': case 'getdents64':
      return getdents(r, proc, c);
    case 'ftruncate': case 'truncate':
      return truncate(r, proc, c);
    case 'nanosleep': case 'clock_nanosleep': case 'clock_nanosleep_time64': case 'poll': case 'ppoll': case 'select':
    case '_newselect': case 'pselect6': case 'epoll_wait': case 'epoll_pwait': case 'epoll_pwait2':
      return sleeping(r, proc, c);
    case 'rename': case 'renameat': case 'renameat2':
      return rename(r, proc, c);
    case 'unlink': case 'unlinkat':
      return unlink(r, proc, c);
  }
  r.pass(proc, c);
}
