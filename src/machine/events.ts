/**
 * Events: one thing the machine did. They are emitted through an EventSink as plain numbers (no object per event)
 * so that a recorder can keep millions of them in typed arrays. The meaning of a, b and c depends on the kind.
 */

export const enum Ev {
  /** a = syscall number, b = op sequence (low 31 bits) */
  SyscallEnter = 0,
  /** a = errno number (0 = success) */
  SyscallExit = 1,
  /** a = new mode (0 user, 1 kernel), b = cause (SwitchCause) */
  ModeSwitch = 2,
  /** a = bytes, b = src Loc | dst Loc << 4 | destination object id << 8, c = 1 when it continues a copy already counted in this activity */
  CpuCopy = 3,
  /** a = bytes, b = src Loc | dst Loc << 4 | destination object id << 8, c = DMA id */
  DmaStart = 4,
  /** a = bytes, b = device (Dev), c = DMA id */
  DmaInterrupt = 5,
  /**
   * Range events: a = file id, b = first page, c = page count (PageHit … PageDirty): pages [b, b+c) took the same
   * transition one after the other; the event carries the time of the first.
   */
  PageHit = 6,
  PageMiss = 7,
  PageInsert = 8,
  PageActivate = 9,
  PageDeactivate = 10,
  /** c = packEvict(count, EvictReason) */
  PageEvict = 11,
  PageDirty = 12,
  /** a = file id, b = first page, c = page count */
  WritebackStart = 13,
  WritebackEnd = 14,
  /** a = file id, b = start page, c = size in pages; async_size is in the next ReadaheadMark */
  ReadaheadSync = 15,
  ReadaheadAsync = 16,
  ReadAround = 17,
  /** a = file id, b = page index, c = faulting address page offset in the mapping */
  FaultMinor = 18,
  FaultMajor = 19,
  /** a = pause in µs, b = dirty+writeback pages, c = dirty limit pages */
  ThrottlePause = 20,
  /** a = WakeReason, b = dirty pages, c = background threshold pages */
  FlusherWake = 21,
  /** a = file id, b = first page, c = page count: the pages were mapped into user space (ptes set, no fault) */
  PageMap = 22,
  /** a = async I/O id, b = bytes */
  AioComplete = 23,
  /** a, c = ns waited split by split31 (join31(a, c): exact up to the clock's 2^53 ns), b = WaitReason */
  Block = 24,
  /** a = bytes read by user code, b = mmap region id */
  UserAccess = 25,
  /** a = op kind (UserOp) — first event of an operation that is not a syscall */
  UserOp = 26,
  /** a = sysctl index in CONFIG_KEYS, b, c = new value split by split31 (join31(b, c)) */
  Sysctl = 27,
  /** a = file id, b = page index: PG_readahead set on this page */
  ReadaheadMark = 28,
  /** a = file id, b = page index, c = bytes: the page (or part of it) was read from disk first (read-modify-write) */
  PageReadForWrite = 29,
}

export const EVENT_NAMES: readonly string[] = [
  'syscall-enter', 'syscall-exit', 'mode-switch', 'cpu-copy', 'dma-start', 'dma-interrupt',
  'page-hit', 'page-miss', 'page-insert', 'page-activate', 'page-deactivate', 'page-evict', 'page-dirty',
  'writeback-start', 'writeback-end', 'readahead-sync', 'readahead-async', 'read-around',
  'fault-minor', 'fault-major', 'throttle-pause', 'flusher-wake', 'page-map', 'aio-complete', 'block',
  'user-access', 'user-op', 'sysctl', 'readahead-mark', 'page-read-for-write',
];

/**
 * A number the event log's 31-bit fields cannot hold, as two of them: a Block's wait (a sleep of 40 s is 40e9 ns,
 * past 2^31 − 1, 2.1 s) or a sysctl's value (vm.dirty_bytes of 8 GiB). `lo` = v mod 2^31, `hi` = v div 2^31: exact
 * for every integer of magnitude up to 2^53 (the clock's limit; |hi| < 2^22).
 */
export function split31(v: number): { lo: number; hi: number } {
  return { lo: split31Lo(v), hi: split31Hi(v) };
}

/** split31(v).lo, with no record made (a Block event for every wait). */
export function split31Lo(v: number): number {
  return v % SPLIT;
}

/** split31(v).hi. */
export function split31Hi(v: number): number {
  return Math.trunc(v / SPLIT);
}

/** The number split31 split. */
export function join31(lo: number, hi: number): number {
  return hi * SPLIT + lo;
}

const SPLIT = 2 ** 31;

/** Where bytes are, for copies and DMA transfers. */
export const enum Loc {
  Disk = 0,
  Controller = 1,
  PageCache = 2,
  User = 3,
  Mmap = 4,
  Socket = 5,
  Pipe = 6,
  Nic = 7,
}

export const LOC_NAMES: readonly string[] = ['disk', 'controller buffer', 'page cache', 'user buffer', 'mmap', 'socket buffer', 'pipe buffer', 'NIC'];

const LOC_BITS = 4;
const LOC_MASK = (1 << LOC_BITS) - 1;

/**
 * Argument b of CpuCopy and DmaStart: where the bytes come from and go to, and the destination object (23 bits, so
 * that the packed number stays a positive 31-bit integer in the event log).
 */
export function packMove(src: Loc, dst: Loc, dstObj: number): number {
  return src | (dst << LOC_BITS) | ((dstObj & 0x7fffff) << 8);
}

/** Source, destination and destination object of a CpuCopy or DmaStart event (its argument b). */
export function unpackMove(b: number): { src: Loc; dst: Loc; obj: number } {
  return { src: (b & LOC_MASK) as Loc, dst: ((b >> LOC_BITS) & LOC_MASK) as Loc, obj: b >>> 8 };
}

export const enum Dev {
  Disk = 0,
  Nic = 1,
}

export const enum SwitchCause {
  Syscall = 0,
  Exception = 1,
  Interrupt = 2,
}

export const enum EvictReason {
  Reclaim = 0,
  DropCaches = 1,
  Invalidate = 2,
}

/** Argument c of PageEvict: how many pages left and why. */
export function packEvict(count: number, reason: EvictReason): number {
  return count * 4 + reason;
}

export function evictReason(c: number): EvictReason {
  return (c & 3) as EvictReason;
}

/**
 * The pages an event is about, [b, b + count) of file a: its count, 0 for events that name no page. Page range
 * events, writeback requests and readahead windows carry a count; faults, the readahead marker and a read before a
 * partial write are about one page.
 */
export function eventPageCount(kind: Ev, c: number): number {
  switch (kind) {
    case Ev.PageHit: case Ev.PageMiss: case Ev.PageInsert: case Ev.PageActivate: case Ev.PageDeactivate:
    case Ev.PageDirty: case Ev.PageMap: case Ev.WritebackStart: case Ev.WritebackEnd: case Ev.ReadaheadSync:
    case Ev.ReadaheadAsync: case Ev.ReadAround:
      return c;
    case Ev.PageEvict:
      return Math.floor(c / 4);
    case Ev.FaultMinor: case Ev.FaultMajor: case Ev.ReadaheadMark: case Ev.PageReadForWrite:
      return 1;
  }
  return 0;
}

export const EVICT_REASONS: readonly string[] = ['reclaim (LRU)', 'drop_caches', 'invalidated (O_DIRECT write)'];

export const enum WakeReason {
  Periodic = 0,
  Background = 1,
  Reclaim = 2,
}

export const WAKE_REASONS: readonly string[] = ['periodic (dirty_writeback_centisecs)', 'background threshold', 'reclaim found dirty pages'];

export const enum WaitReason {
  PageIo = 0,
  Writeback = 1,
  SocketBuffer = 2,
  Sleep = 3,
  Throttle = 4,
  Aio = 5,
  Reclaim = 6,
}

export const WAIT_REASONS: readonly string[] = ['page read I/O', 'writeback', 'socket send buffer', 'sleep', 'dirty throttling', 'async I/O completion', 'reclaim'];

export const enum UserOpKind {
  Alloc = 0,
  Touch = 1,
  Sysctl = 2,
  DropCaches = 3,
  /** A descriptor open before the program starts (`inherit`). */
  Inherit = 4,
  /** A file closed with its last descriptor by an exit, dup2, close_range or exec (`release`). */
  Release = 5,
}

/** Thread 0 is the kernel flusher; programs' threads are 1 and up. */
export const FLUSHER_THREAD = 0;

export interface EventSink {
  emit(kind: Ev, thread: number, time: number, a: number, b: number, c: number): void;
}

/** Thrown by a sink that stops the machine in the middle of an operation (to inspect a past state). */
export class StopAtEvent extends Error {
  constructor() {
    super('stopped at event');
  }
}
