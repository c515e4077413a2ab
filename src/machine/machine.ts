/**
 * The modeled I/O machine: one CPU (user/kernel mode, registers), user memory, the page cache, a disk with its
 * controller, a DMA engine, a NIC and a simulated clock. It executes one Operation at a time and reports every
 * step through an EventSink. Deterministic: no wall clock, no randomness, no I/O.
 */
import { C } from './counters';
import { CONFIG_KEYS, MachineConfig, findConfigKey } from './config';
import { Content, ZERO } from './content';
import { diskDone } from './dev/block';
import { nicTxDone } from './dev/nic';
import { Ev, EventSink, SwitchCause, UserOpKind, WaitReason, WakeReason, split31 } from './events';
import { ERRNO, Errno, OpResult, SyscallError, err, ok } from './errno';
import { asyncDone, asyncRead, asyncWait } from './fs/aio';
import { aioGetevents, aioSubmit } from './fs/aio-submit';
import { close, fileFd, ftruncate, open, setfl, truncatePath } from './fs/open';
import { rename, unlink } from './fs/namei';
import { newPipe } from './fs/pipe';
import { lseek, read, write } from './fs/read_write';
import { newSocketFd } from './fs/socket';
import { sendfile, splice } from './fs/splice';
import { fsync } from './fs/sync';
import { clockOverflow, FileSpec, Kernel } from './kernel';
import { MAX_CLOCK_NS, TASK_SIZE } from './limits';
import { mmap, munmap, touch } from './mm/mmap';
import { Folio, FrozenPageCache, PG_ACTIVE, PG_DIRTY, PG_READAHEAD, PG_REFERENCED, PG_WRITEBACK, Page, PageCache } from './pagecache';
import { armFlusher, dirtyLimits, maybeStartBackground } from './mm/page-writeback';
import { dropCaches } from './mm/truncate';
import { fadvise } from './mm/fadvise';
import { endWriteback, flusherRun } from './mm/writeback';
import { OPEN_FLAGS, Operation, findOp } from './operation';
import { TimerKind, UserBuffer } from './state';
import { PAGE_SIZE } from './units';

export type { FileSpec, Registers } from './kernel';
export type { OpResult } from './errno';

const PATH_BASE = 0x5000000;
const AT_FDCWD = -100;

export class Machine extends Kernel {
  constructor(config: MachineConfig, files: readonly FileSpec[], sink: EventSink) {
    super(config, files, sink);
  }

  // ───────────────────────────── timers ─────────────────────────────

  protected fire(kind: TimerKind, a: number, b: number, c: number): void {
    switch (kind) {
      case TimerKind.DiskReadDone:
      case TimerKind.DirectWriteDone:
        diskDone(this, a);
        if (b > 0) asyncDone(this, b);
        break;
      case TimerKind.WritebackDone:
        diskDone(this, a);
        endWriteback(this, b, c);
        break;
      case TimerKind.NicTxDone:
        nicTxDone(this, a, b, c);
        break;
      case TimerKind.FlusherWake:
        this.wb.armed = false;
        flusherRun(this, WakeReason.Periodic);
        break;
      case TimerKind.BackgroundContinue:
        flusherRun(this, WakeReason.Background);
        break;
      case TimerKind.AsyncDone:
        asyncDone(this, a);
        break;
    }
  }

  // ───────────────────────────── executing operations ─────────────────────────────

  /**
   * Executes one operation. A call of a replayed log starts no earlier than the log shows it starting (its recorded
   * start, ns since the log's first timestamp): the time between calls passes first, and the devices and timers (the
   * flusher) work meanwhile, as they did while the program computed or waited. A model slower than the log never
   * goes back in time: the call then starts late. `before`, if given, gets the counters as they are when the
   * operation proper starts (what the idle time did is not the operation's cost).
   */
  execute(op: Operation, seq: number, before?: Float64Array): OpResult {
    this.cache.recycle();
    this.opSeq = seq;
    this.thread = op.thread ?? 1;
    this.regs.pc = op.line;
    const at = op.recorded?.timestampNs;
    if (at !== undefined && at > this.now) this.runUntil(at);
    this.opStartNs = this.now;
    if (before) {
      // By hand: TypedArray.prototype.set is a builtin call that costs more than copying the 16 counters (issue 10).
      const c = this.counters;
      for (let i = 0; i < c.length; i++) before[i] = c[i];
    }
    const spec = findOp(op.name);
    if (!spec) throw new Error(`unknown operation ${op.name}`);
    if (spec.nr === null && op.name !== 'syscall') return this.userOp(op);
    // A syscall from a log that the model does not simulate carries its own number.
    const nr = spec.nr ?? op.args[0] ?? -1;
    this.counters[C.Syscalls]++;
    const savedCounted = this.newActivity();
    this.setSyscallRegs(op, nr);
    this.ev(Ev.SyscallEnter, nr, seq & 0x7fffffff);
    this.switchMode('kernel', SwitchCause.Syscall);
    let r: OpResult;
    try {
      r = this.syscall(op);
    } catch (e) {
      if (e instanceof SyscallError) r = { result: -1, errno: e.errno };
      else throw e;
    }
    this.regs.rax = r.errno ? -ERRNO[r.errno] : r.result;
    this.switchMode('user', SwitchCause.Syscall);
    this.endActivity(savedCounted);
    this.ev(Ev.SyscallExit, r.errno ? ERRNO[r.errno] : 0);
    return r;
  }

  private setSyscallRegs(op: Operation, nr: number): void {
    const a = op.args;
    const regs = this.regs;
    regs.rax = nr;
    let v: number[];
    if (op.name === 'open') v = [AT_FDCWD, PATH_BASE + (hashString(op.text ?? '') & 0xffff) * 16, a[0] ?? 0, 0o644];
    else if (op.name === 'mmap') v = [0, a[1], 1 /* PROT_READ */, a[3] ?? MAP_SHARED, a[0], a[2] ?? 0];
    else if (op.name === 'sendfile') v = [a[0], a[1], a[2], a[3]];
    else if (op.name === 'syscall') v = [];
    else v = a;
    // Bounds checked first: a read past an array's end is slow (the call of a log passes 3 arguments, not 6).
    const n = v.length;
    regs.rdi = n > 0 ? v[0] ?? 0 : 0;
    regs.rsi = n > 1 ? v[1] ?? 0 : 0;
    regs.rdx = n > 2 ? v[2] ?? 0 : 0;
    regs.r10 = n > 3 ? v[3] ?? 0 : 0;
    regs.r8 = n > 4 ? v[4] ?? 0 : 0;
    regs.r9 = n > 5 ? v[5] ?? 0 : 0;
  }

  private userOp(op: Operation): OpResult {
    switch (op.name) {
      case 'alloc': {
        // The event comes last: an operation's last event marks the state it leaves (checkpoints and replays agree).
        const size = op.args[0];
        // Larger than the user address space (TASK_SIZE), or than the model's addresses count exactly: ENOMEM.
        if (size > TASK_SIZE || this.heapTop + size > Number.MAX_SAFE_INTEGER) {
          this.ev(Ev.UserOp, UserOpKind.Alloc, size);
          return { result: -1, errno: 'ENOMEM' };
        }
        if (!(size > 0)) {
          this.ev(Ev.UserOp, UserOpKind.Alloc, size ?? 0);
          return { result: -1, errno: 'EINVAL' };
        }
        const addr = this.heapTop;
        this.heapTop += Math.ceil(size / PAGE_SIZE) * PAGE_SIZE + PAGE_SIZE;
        const b: UserBuffer = { kind: 'buffer', id: this.nextId.region++, addr, size, content: new Content(ZERO) };
        this.regions.push(b);
        this.bufferBytes += Math.ceil(size / PAGE_SIZE) * PAGE_SIZE;
        this.recomputeCapacity();
        this.regs.rax = addr;
        this.ev(Ev.UserOp, UserOpKind.Alloc, size);
        return { result: addr, errno: null };
      }
      case 'touch':
        return touch(this, op.args[0], op.args[1], op.args[2]);
      case 'sysctl': {
        const key = op.text ?? '';
        const k = findConfigKey(key);
        this.ev(Ev.UserOp, UserOpKind.Sysctl, CONFIG_KEYS.indexOf(k!));
        if (!k) return { result: -1, errno: 'EINVAL' };
        k.apply(this.config, op.args[0]);
        if (key === 'vm.dirty_writeback_centisecs' && this.cache.dirty > 0) armFlusher(this);
        maybeStartBackground(this);
        const v = split31(op.args[0]);
        this.ev(Ev.Sysctl, CONFIG_KEYS.indexOf(k), v.lo, v.hi);
        return { result: 0, errno: null };
      }
      case 'drop_caches': {
        this.ev(Ev.UserOp, UserOpKind.DropCaches);
        return ok(dropCaches(this));
      }
      case 'inherit': {
        // As the shell opened it before exec: the descriptor is there when the program starts, no syscall of its own.
        const r = open(this, op.text ?? '', op.args[0] ?? OPEN_FLAGS.O_RDWR);
        this.regs.rax = r.errno ? -1 : r.result;
        this.ev(Ev.UserOp, UserOpKind.Inherit, r.errno ? -1 : r.result);
        return r;
      }
      case 'release': {
        // Inside an exit or another call (dup2, close_range, execve): the file goes as close would let it go.
        const r = close(this, op.args[0]);
        this.regs.rax = r.errno ? -1 : 0;
        this.ev(Ev.UserOp, UserOpKind.Release, op.args[0]);
        return r;
      }
    }
    throw new Error(`unknown user operation ${op.name}`);
  }

  private syscall(op: Operation): OpResult {
    const a = op.args;
    switch (op.name) {
      case 'open': return open(this, op.text ?? '', a[0] ?? 0);
      case 'close': return close(this, a[0]);
      case 'socket': return ok(newSocketFd(this));
      case 'pipe': return ok(newPipe(this));
      case 'read': return read(this, a[0], a[1], a[2], -1);
      // rw_verify_area: a negative position is EINVAL (read and write take -1 for "the file position").
      case 'pread': return a[3] >= 0 ? read(this, a[0], a[1], a[2], a[3]) : err('EINVAL');
      case 'write': return write(this, a[0], a[1], a[2], -1);
      case 'pwrite': return a[3] >= 0 ? write(this, a[0], a[1], a[2], a[3]) : err('EINVAL');
      case 'lseek': return lseek(this, a[0], a[1], a[2]);
      case 'mmap': return mmap(this, fileFd(this, a[0]), a[1], a[2] ?? 0, (a[3] ?? MAP_SHARED) === MAP_SHARED);
      case 'munmap': return munmap(this, a[0], a[1]);
      case 'sendfile': return sendfile(this, a[0], a[1], a[2], a[3]);
      case 'splice': return splice(this, a[0], a[1], a[2], a[3] ?? -1, a[4] ?? -1);
      case 'fsync': return fsync(this, a[0], false);
      case 'fdatasync': return fsync(this, a[0], true);
      case 'fadvise': return fadvise(this, a[0], a[1], a[2], a[3]);
      case 'aio_read': return asyncRead(this, 'aio', a[0], a[1], a[2], a[3]);
      case 'uring_read': return asyncRead(this, 'uring', a[0], a[1], a[2], a[3]);
      case 'aio_wait':
      case 'uring_wait': return asyncWait(this, a[0]);
      case 'aio_submit': return aioSubmit(this, a);
      case 'aio_getevents': return aioGetevents(this, a[0], a[1]);
      case 'sleep': {
        this.waitUntil(this.now + Math.max(0, a[0]), WaitReason.Sleep);
        return ok(0);
      }
      case 'syscall': {
        // A call the log shows sleeping for a[1] ns (nanosleep, a poll that timed out): it sleeps until the log's end
        // of the call (its recorded start + a[1]; without one, a[1] from now). The flusher and devices go on meanwhile.
        const slept = a[1] ?? 0;
        if (slept > 0) {
          const at = op.recorded?.timestampNs;
          this.waitUntil(at !== undefined ? at + slept : this.now + slept, WaitReason.Sleep);
        }
        return recordedResult(op);
      }
      case 'fcntl': return setfl(this, a[0], a[1]);
      case 'ftruncate': return ftruncate(this, a[0], a[1]);
      case 'truncate': return truncatePath(this, op.text ?? '', a[0]);
      case 'unlink': return unlink(this, op.text ?? '');
      case 'rename': {
        // Both names in the operation's text, separated by a NUL (no path holds one).
        const [from, to] = (op.text ?? '').split('\0');
        return rename(this, from ?? '', to ?? '');
      }
    }
    throw new Error(`unknown syscall ${op.name}`);
  }

  // ───────────────────────────── end of program, checkpoints ─────────────────────────────

  /** The program has ended: devices finish what they started (pending DMA). Periodic writeback is not awaited. */
  finish(): void {
    this.thread = 1;
    this.opSeq = -1;
    for (;;) {
      const next = this.timers.peek();
      if (!next || next.kind === TimerKind.FlusherWake) break;
      if (next.kind === TimerKind.BackgroundContinue && this.dma.length === 0) break;
      if (!(next.t <= MAX_CLOCK_NS)) throw clockOverflow(next.t);
      this.timers.pop();
      if (next.t > this.now) this.now = next.t;
      this.fire(next.kind, next.a, next.b, next.c);
    }
  }

  /** A deep copy for a checkpoint. The copy emits into `sink`. */
  clone(sink: EventSink): Machine {
    return this.copy(sink, this.cache.clone());
  }

  /** A checkpoint: the machine with its page cache in compact form (thawed by `fromFrozen`). */
  freeze(): { machine: Machine; pages: FrozenPageCache } {
    // The copy keeps this machine's sink (it never runs: fromFrozen gives its copies their own), so that the field
    // only ever holds the sink class of live runs and replays, and the code reading it stays monomorphic (issue 10).
    return { machine: this.copy(this.sink, new PageCache(this.cache.capacity)), pages: this.cache.freeze() };
  }

  /** The machine of a checkpoint; its page cache's folios taken from `spare` while there are some (PageCache.thaw). */
  static fromFrozen(frozen: { machine: Machine; pages: FrozenPageCache }, sink: EventSink, spare: Folio[] | null = null): Machine {
    return frozen.machine.copy(sink, PageCache.thaw(frozen.pages, spare));
  }

  private copy(sink: EventSink, cache: PageCache): Machine {
    // Made by the constructor (no files) and then overwritten, so that the copy has the live machine's hidden class:
    // an object built with Object.create and Object.assign falls into dictionary mode, and a replay on it runs
    // several times slower.
    const m = new Machine(this.config, [], sink);
    this.copyInto(m, sink, cache);
    return m;
  }

  /** [background threshold, dirty threshold] in pages (domain_dirty_limits). */
  dirtyLimits(): [number, number] {
    return dirtyLimits(this);
  }

  /** Lists, for display and tests. */
  /** A list's pages from its head, as snapshots, at most `limit`. */
  lru(list: 'active' | 'inactive', limit = Infinity): Page[] {
    return [...this.cache.lruPages(list === 'active' ? this.cache.active : this.cache.inactive, limit)];
  }
}

/** mmap's flags (include/uapi/linux/mman.h): MAP_SHARED 1, MAP_PRIVATE 2. */
const MAP_SHARED = 1;

/** A syscall the model does not simulate (replayed from a log): entry and exit only, returning what the log recorded. */
function recordedResult(op: Operation): OpResult {
  const rec = op.recorded;
  const e = rec?.errno;
  if (e !== undefined && e in ERRNO) return { result: rec?.result ?? -1, errno: e as Errno };
  return { result: rec?.result ?? 0, errno: null };
}

function hashString(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

export { PG_ACTIVE, PG_DIRTY, PG_READAHEAD, PG_REFERENCED, PG_WRITEBACK };
