/**
 * Operations the machine executes, and what each one is: its x86-64 syscall number (if it is a syscall),
 * its arguments, and what it costs. The scenario parser, the strace reader, the debugger and the extension's
 * hover all read this one table.
 */

export type ArgKind = 'fd' | 'addr' | 'size' | 'offset' | 'flags' | 'whence' | 'path' | 'id' | 'duration' | 'int';

export interface ArgSpec {
  name: string;
  kind: ArgKind;
  optional?: boolean;
}

export interface OpSpec {
  name: string;
  /** x86-64 syscall number (rax on entry), or null for a user-space or harness operation. */
  nr: number | null;
  /** The Linux syscall it models, when the name differs (pread → pread64). */
  linuxName?: string;
  args: readonly ArgSpec[];
  /** Whether the scenario may bind its result to a name (`fd = open(...)`). */
  returns: 'fd' | 'addr' | 'size' | 'id' | 'offset' | 'none' | 'status';
  summary: string;
  /** What one call costs in the article's terms; shown on hover. */
  cost: string;
}

const fd = (name = 'fd'): ArgSpec => ({ name, kind: 'fd' });
const size = (name = 'count'): ArgSpec => ({ name, kind: 'size' });

export const OPS: readonly OpSpec[] = [
  { name: 'alloc', nr: null, args: [size('size')], returns: 'addr', summary: 'Allocates a page-aligned user-space buffer (like posix_memalign). No syscall is modeled.', cost: 'no switch, no copy' },
  { name: 'open', nr: 257, linuxName: 'openat', args: [{ name: 'path', kind: 'path' }, { name: 'flags', kind: 'flags', optional: true }], returns: 'fd', summary: 'Opens a file and returns the lowest free descriptor. Flags: O_RDONLY, O_WRONLY, O_RDWR, O_CREAT, O_TRUNC, O_APPEND, O_DIRECT, O_SYNC, O_DSYNC.', cost: '2 switches, no copy' },
  { name: 'close', nr: 3, args: [fd()], returns: 'status', summary: 'Releases a descriptor. Dirty pages stay in the page cache: close does not flush.', cost: '2 switches' },
  { name: 'socket', nr: 41, args: [], returns: 'fd', summary: 'Creates a connected TCP socket whose sends go out through the NIC.', cost: '2 switches' },
  { name: 'pipe', nr: 22, args: [], returns: 'fd', summary: 'Creates a pipe; the returned descriptor names it for splice (its write end is that number + 1).', cost: '2 switches' },
  { name: 'read', nr: 0, args: [fd(), { name: 'buf', kind: 'addr' }, size()], returns: 'size', summary: 'Copies file data into a user buffer through the page cache (or straight from the disk with O_DIRECT).', cost: '2 switches; cold: 1 DMA (disk → page cache) + 1 CPU copy (page cache → user)' },
  { name: 'write', nr: 1, args: [fd(), { name: 'buf', kind: 'addr' }, size()], returns: 'size', summary: 'Copies a user buffer into the page cache (pages become dirty) or into a socket/pipe buffer.', cost: '2 switches + 1 CPU copy; to a socket also 1 DMA (socket buffer → NIC)' },
  { name: 'pread', nr: 17, linuxName: 'pread64', args: [fd(), { name: 'buf', kind: 'addr' }, size(), { name: 'offset', kind: 'offset' }], returns: 'size', summary: 'read at an explicit offset; the file position does not move.', cost: 'as read' },
  { name: 'pwrite', nr: 18, linuxName: 'pwrite64', args: [fd(), { name: 'buf', kind: 'addr' }, size(), { name: 'offset', kind: 'offset' }], returns: 'size', summary: 'write at an explicit offset; the file position does not move.', cost: 'as write' },
  { name: 'lseek', nr: 8, args: [fd(), { name: 'offset', kind: 'offset' }, { name: 'whence', kind: 'whence' }], returns: 'offset', summary: 'Moves the file position (SEEK_SET, SEEK_CUR, SEEK_END).', cost: '2 switches' },
  { name: 'mmap', nr: 9, args: [fd(), { name: 'length', kind: 'size' }, { name: 'offset', kind: 'offset', optional: true }, { name: 'flags', kind: 'int', optional: true }], returns: 'addr', summary: 'Maps file pages into the address space (flags: 1 MAP_SHARED, the default, or 2 MAP_PRIVATE). No I/O happens yet: pages are faulted in on first touch; a read fault maps the page cache\'s page in either kind.', cost: '2 switches; later page faults: 2 switches each in user space' },
  { name: 'munmap', nr: 11, args: [{ name: 'addr', kind: 'addr' }, { name: 'length', kind: 'size' }], returns: 'status', summary: 'Removes a mapping; the pages stay in the page cache.', cost: '2 switches' },
  { name: 'touch', nr: null, args: [{ name: 'addr', kind: 'addr' }, { name: 'offset', kind: 'offset' }, { name: 'length', kind: 'size' }], returns: 'none', summary: 'User code reads mapped memory. An unmapped page raises a page fault (an exception: 2 switches): minor if cached, major if it needs the disk.', cost: 'no syscall; 2 switches per faulting page' },
  { name: 'sendfile', nr: 40, args: [fd('out_fd'), fd('in_fd'), { name: 'offset', kind: 'offset' }, size()], returns: 'size', summary: 'Sends file data to a socket inside the kernel. With an SG-DMA NIC the card gathers from the page cache directly.', cost: '2 switches; 2 DMA; 1 CPU copy (0 with SG-DMA)' },
  { name: 'splice', nr: 275, args: [fd('fd_in'), fd('fd_out'), size('len'), { name: 'off_in', kind: 'offset', optional: true }, { name: 'off_out', kind: 'offset', optional: true }], returns: 'size', summary: 'Moves data between a descriptor and a pipe by passing page references, not bytes. An offset (off_in for a file read, off_out for a file written; -1: none) is used instead of the file position, which then does not move.', cost: '2 switches, no CPU copy' },
  { name: 'fsync', nr: 74, args: [fd()], returns: 'status', summary: 'Writes the file\'s dirty pages and its metadata to disk and waits.', cost: '2 switches + 1 DMA per contiguous run of dirty pages' },
  { name: 'fdatasync', nr: 75, args: [fd()], returns: 'status', summary: 'As fsync, but skips metadata unless the file size changed.', cost: 'as fsync' },
  { name: 'fadvise', nr: 221, linuxName: 'fadvise64', args: [fd(), { name: 'offset', kind: 'offset' }, { name: 'len', kind: 'size' }, { name: 'advice', kind: 'int' }], returns: 'status', summary: 'posix_fadvise: advice about future accesses (0 NORMAL, 1 RANDOM: read only what is asked, 2 SEQUENTIAL: twice the readahead window, 3 WILLNEED: read the range now, 4 DONTNEED: drop its clean pages, 5 NOREUSE). len 0: to the end of the file.', cost: '2 switches; WILLNEED: DMA reads, not waited for' },
  { name: 'aio_read', nr: 209, linuxName: 'io_submit', args: [fd(), { name: 'buf', kind: 'addr' }, size(), { name: 'offset', kind: 'offset' }], returns: 'id', summary: 'libaio-style submission: returns at once with O_DIRECT; on a buffered file it blocks like read (as Linux does).', cost: '2 switches; completion is a DMA interrupt' },
  { name: 'aio_wait', nr: 208, linuxName: 'io_getevents', args: [{ name: 'id', kind: 'id' }], returns: 'size', summary: 'Waits for an aio_read to complete and returns its byte count.', cost: '2 switches' },
  { name: 'uring_read', nr: 426, linuxName: 'io_uring_enter', args: [fd(), { name: 'buf', kind: 'addr' }, size(), { name: 'offset', kind: 'offset' }], returns: 'id', summary: 'io_uring-style submission: asynchronous for O_DIRECT and buffered files alike (buffered misses go to a kernel worker).', cost: '2 switches; completion is a DMA interrupt' },
  { name: 'uring_wait', nr: 426, linuxName: 'io_uring_enter', args: [{ name: 'id', kind: 'id' }], returns: 'size', summary: 'Waits for a uring_read completion-queue entry.', cost: '2 switches' },
  { name: 'sleep', nr: 35, linuxName: 'nanosleep', args: [{ name: 'duration', kind: 'duration' }], returns: 'none', summary: 'The process sleeps; the flusher and devices go on working.', cost: '2 switches' },
  { name: 'sysctl', nr: null, args: [{ name: 'value', kind: 'int' }], returns: 'none', summary: 'Changes a vm.* sysctl from now on (as writing /proc/sys/vm/... would).', cost: 'not counted' },
  { name: 'drop_caches', nr: null, args: [], returns: 'none', summary: 'Drops every clean, unmapped page from the page cache (echo 1 > /proc/sys/vm/drop_caches).', cost: 'not counted' },
  { name: 'syscall', nr: null, args: [{ name: 'nr', kind: 'int' }], returns: 'status', summary: 'A syscall from a log that the model does not simulate: counted and shown, not modeled.', cost: '2 switches' },
  // Added after the others: a recorded trace names operations by their index in this table.
  { name: 'fcntl', nr: 72, args: [fd(), { name: 'flags', kind: 'flags' }], returns: 'status', summary: 'fcntl(fd, F_SETFL, flags): sets the descriptor\'s O_APPEND, O_NONBLOCK, O_DIRECT and O_NOATIME to those of flags (the others are ignored), as dd does to drop O_DIRECT before an odd-sized tail.', cost: '2 switches' },
  { name: 'inherit', nr: null, args: [{ name: 'path', kind: 'path' }, { name: 'flags', kind: 'flags', optional: true }], returns: 'fd', summary: 'A file the program finds already open when it starts (a shell redirection: `cmd > out`): opened on a descriptor without a syscall, at offset 0.', cost: 'not counted' },
  { name: 'aio_submit', nr: 209, linuxName: 'io_submit', args: [fd(), { name: 'buf', kind: 'addr' }, { name: 'ctx', kind: 'id' }, size(), { name: 'offset', kind: 'offset' }, { name: 'opcode', kind: 'int' }], returns: 'size', summary: 'io_submit(ctx, n, iocbs): queues control blocks (IOCB_CMD_PREAD, PWRITE, PREADV, PWRITEV, FSYNC, FDSYNC; after the first, four arguments a block: fd, count, offset, opcode) and returns how many it took. Each completes with its own result (bytes or -errno): O_DIRECT by the disk\'s interrupt, buffered I/O inside io_submit, fsync in a worker.', cost: '2 switches; O_DIRECT: a DMA per block' },
  { name: 'aio_getevents', nr: 208, linuxName: 'io_getevents', args: [{ name: 'ctx', kind: 'id' }, { name: 'nr', kind: 'size' }], returns: 'size', summary: 'io_getevents(ctx, nr, nr, ...): waits until nr of the context\'s requests have completed, reaps them and returns how many (fewer when fewer were submitted).', cost: '2 switches' },
  { name: 'release', nr: null, args: [fd()], returns: 'status', summary: 'The kernel closes a descriptor\'s file without a close call of its own: the last descriptor of it went at a process\'s exit (exit_files), by dup2 over it, close_range or close-on-exec (filp_close). Dirty pages stay cached.', cost: 'no switch of its own (inside the call or the exit that caused it)' },
  { name: 'ftruncate', nr: 77, args: [fd(), { name: 'length', kind: 'size' }], returns: 'status', summary: 'Sets the file\'s size to length bytes: cached pages wholly past it are dropped, dirty ones without writeback; the page holding the new end stays. Growing adds no page (a hole).', cost: '2 switches, no I/O' },
  { name: 'truncate', nr: 76, args: [{ name: 'path', kind: 'path' }, { name: 'length', kind: 'size' }], returns: 'status', summary: 'ftruncate on the file a path names.', cost: '2 switches, no I/O' },
  { name: 'unlink', nr: 87, args: [{ name: 'path', kind: 'path' }], returns: 'status', summary: 'Removes a name. The file\'s pages stay while a descriptor or a mapping holds it; once none does, they are all dropped, dirty ones without writeback.', cost: '2 switches, no I/O' },
  { name: 'rename', nr: 82, args: [{ name: 'oldpath', kind: 'path' }, { name: 'newpath', kind: 'path' }], returns: 'status', summary: 'Gives a file a new name; its cached pages stay with it. A file the new name had is unlinked (its pages go unless it is open).', cost: '2 switches, no I/O' },
];

const BY_NAME = new Map(OPS.map((o) => [o.name, o]));

/** The two names asked for last and their answers: a program alternates between a few operations (read, write). */
let lastName = '';
let lastSpec: OpSpec | undefined;
let prevName = '';
let prevSpec: OpSpec | undefined;

export function findOp(name: string): OpSpec | undefined {
  if (name === lastName) return lastSpec;
  if (name === prevName) {
    const s = prevSpec;
    prevName = lastName;
    prevSpec = lastSpec;
    lastName = name;
    lastSpec = s;
    return s;
  }
  const s = BY_NAME.get(name);
  prevName = lastName;
  prevSpec = lastSpec;
  lastName = name;
  lastSpec = s;
  return s;
}

/** What a program asks the machine to do: resolved values, with the source position that asked. */
export interface Operation {
  name: string;
  args: number[];
  /** The path for open, the key for sysctl. */
  text?: string;
  /** open flags as names, kept for display. */
  flagNames?: string[];
  line: number;
  col: number;
  /** Index of the thread (process) issuing it; 1 for a scenario's single process. */
  thread?: number;
  /** What a recorded log (strace) says of this call, kept beside the model's prediction. */
  recorded?: RecordedCall;
}

/** A call as a log recorded it: its duration (-T), its start relative to the log's first timestamp (-tt), its result. */
export interface RecordedCall {
  durationNs?: number;
  timestampNs?: number;
  result?: number;
  /** The errno name the log printed with a failed result (ENOENT, EAGAIN, ...). */
  errno?: string;
  /** The log's name of the call (sendto, preadv, openat, clock_nanosleep), whichever operation models it. */
  syscall?: string;
  /** What the call's descriptor (or path argument) names in the log: a file, `pipe:[N]`, `socket:[N]`. */
  path?: string;
  /**
   * Byte offsets in the log of the line where the call starts and of the line where it resumed (-1: on one line;
   * -2: its end not read yet), so that its text can be printed as the log has it.
   */
  at?: number;
  end?: number;
}

export const OPEN_FLAGS: Record<string, number> = {
  O_RDONLY: 0o0,
  O_WRONLY: 0o1,
  O_RDWR: 0o2,
  O_CREAT: 0o100,
  O_EXCL: 0o200,
  O_TRUNC: 0o1000,
  O_APPEND: 0o2000,
  O_NONBLOCK: 0o4000,
  O_DSYNC: 0o10000,
  O_DIRECT: 0o40000,
  O_LARGEFILE: 0o100000,
  O_NOATIME: 0o1000000,
  O_CLOEXEC: 0o2000000,
  O_SYNC: 0o4010000,
};

export const SEEK: Record<string, number> = { SEEK_SET: 0, SEEK_CUR: 1, SEEK_END: 2 };

/** posix_fadvise's advice values (include/uapi/linux/fadvise.h, x86-64). */
export const FADV: Record<string, number> = {
  POSIX_FADV_NORMAL: 0, POSIX_FADV_RANDOM: 1, POSIX_FADV_SEQUENTIAL: 2, POSIX_FADV_WILLNEED: 3, POSIX_FADV_DONTNEED: 4, POSIX_FADV_NOREUSE: 5,
};

export function flagNames(flags: number): string[] {
  const acc = flags & 3;
  const names = [acc === 0 ? 'O_RDONLY' : acc === 1 ? 'O_WRONLY' : 'O_RDWR'];
  let rest = flags & ~3;
  if ((rest & OPEN_FLAGS.O_SYNC) === OPEN_FLAGS.O_SYNC) {
    names.push('O_SYNC');
    rest &= ~OPEN_FLAGS.O_SYNC;
  }
  for (const [name, bit] of Object.entries(OPEN_FLAGS)) {
    if (bit > 3 && name !== 'O_SYNC' && (rest & bit) === bit) names.push(name);
  }
  return names;
}
