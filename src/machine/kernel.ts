/**
 * The kernel's shared state and its clock: what every subsystem (fs/, mm/, dev/) reads and changes, how simulated time
 * passes, how a step is reported (events) and how copies are counted. The subsystems are plain functions over this
 * object; the Machine (machine.ts) adds the syscall entry and the timer vector on top.
 */
import { C, Counters, newCounters } from './counters';
import { MachineConfig, cloneConfig } from './config';
import { Content, EXTENT_BYTES, ZERO } from './content';
import { Ev, EventSink, Loc, SwitchCause, WaitReason, packMove, split31Hi, split31Lo } from './events';
import { PageCache } from './pagecache';
import { RaState } from './state';
import {
  AsyncIo, DmaTransfer, FdObj, FileObj, Pipe, Region, Socket, TimerHeap, TimerKind,
  cloneAsyncIo, cloneDma, cloneFd, cloneFile, clonePipe, cloneRaState, cloneRegion, cloneSocket,
} from './state';
import { PAGE_SIZE } from './units';
import { SyscallError } from './errno';
import { LimitError, MAX_CLOCK_NS } from './limits';

export interface FileSpec {
  path: string;
  size: number;
  /**
   * Pages in the page cache when the program starts (clean, inactive, read long ago): index runs [first, last]
   * inclusive, as `iosim record` measured them with mincore. Runs past the page cache's capacity are left out.
   */
  cached?: readonly (readonly [number, number])[];
}

export interface Registers {
  mode: 'user' | 'kernel';
  pc: number;
  rax: number;
  rdi: number;
  rsi: number;
  rdx: number;
  r10: number;
  r8: number;
  r9: number;
  cr2: number;
}

/** The last copy or transfer, for the panel: what moved where. */
export interface Move {
  src: Loc;
  dst: Loc;
  bytes: number;
  engine: 'cpu' | 'dma';
  dstObj: number;
  dstOff: number;
}

const HEAP_BASE = 0x10000000;
const MMAP_BASE = 0x7f0000000000;

export abstract class Kernel {
  config: MachineConfig;
  now = 0;
  /** Sequence number of the operation being executed (0-based). */
  opSeq = -1;
  /** When the operation being executed started: after the wait for its recorded start (a replayed log's call). */
  opStartNs = 0;
  thread = 1;
  mode: 'user' | 'kernel' = 'user';
  regs: Registers = { mode: 'user', pc: 0, rax: 0, rdi: 0, rsi: 0, rdx: 0, r10: 0, r8: 0, r9: 0, cr2: 0 };
  counters: Counters = newCounters();
  files = new Map<string, FileObj>();
  filesById: FileObj[] = [];
  fds = new Map<number, FdObj>();
  regions: Region[] = [];
  sockets: Socket[] = [];
  pipes: Pipe[] = [];
  cache: PageCache;
  timers = new TimerHeap();
  dma: DmaTransfer[] = [];
  aio = new Map<number, AsyncIo>();
  disk = { busyUntil: 0, head: -1, queue: 0, requests: 0, controller: new Content(ZERO), controllerLen: 0, controllerPath: '', controllerOff: 0 };
  nic = { busyUntil: 0, inflight: 0, sentBytes: 0 };
  /** Flusher state: whether its periodic timer is armed and whether background writeback is running. */
  wb = { armed: false, background: false, lastRun: -1 };
  /** Per-task dirty throttling state (current->nr_dirtied, nr_dirtied_pause). */
  throttle = { nrDirtied: 0, pause: 32, lastPauseNs: 0, pausedWhen: 0 };
  nextId = { region: 1, dma: 1, aio: 1, socket: 1, pipe: 1 };
  heapTop = HEAP_BASE;
  mmapTop = MMAP_BASE;
  /** Bytes of user buffers: memory the page cache cannot have. */
  bufferBytes = 0;
  lastMove: Move | null = null;
  sink: EventSink;
  /** Copy directions already counted in the current activity (syscall, fault or flusher run): one bit a direction. */
  counted = new Uint32Array(4);
  /**
   * The counted bits of the activities an inner one interrupted, four numbers each (newActivity, endActivity): the
   * first `activityDepth` entries (written by index: a push of four arguments is a builtin call for every syscall).
   */
  activityStack: number[] = [];
  activityDepth = 0;
  /** True while user code runs (a touch of mapped memory); between operations the CPU is not in user code. */
  inUserCode = false;
  /** The region findRegion found last and its place in `regions` (checked before use). */
  regionHint: Region | null = null;
  regionHintAt = 0;
  /** A mapping keeps its own readahead state (vma->vm_file->f_ra in Linux: the file's; one per region here). */
  mmapRaStates = new Map<number, RaState>();

  constructor(config: MachineConfig, files: readonly FileSpec[], sink: EventSink) {
    this.config = cloneConfig(config);
    this.sink = sink;
    this.cache = new PageCache(0);
    this.recomputeCapacity();
    for (const f of files) {
      const o = this.createFile(f.path, f.size);
      for (const [a, b] of f.cached ?? []) {
        const n = Math.min(b - a + 1, this.cache.capacity - this.cache.size);
        if (n > 0) this.cache.insert(o.id, a, n, 0, 0, -1);
      }
    }
  }

  /** The timer vector: what happens when a device completes or a kernel timer expires (the Machine's). */
  protected abstract fire(kind: TimerKind, a: number, b: number, c: number): void;

  // ───────────────────────────── events, time and mode ─────────────────────────────

  /** Reports one step of the current thread at the current time (see Ev for what a, b and c mean). */
  ev(kind: Ev, a = 0, b = 0, c = 0): void {
    this.sink.emit(kind, this.thread, this.now, a, b, c);
  }

  /**
   * Reports a step that began at `t` (≤ now): a range event for pages handled one after the other carries the time of
   * its first page, while the machine is already at its last.
   */
  evAt(t: number, kind: Ev, a = 0, b = 0, c = 0): void {
    this.sink.emit(kind, this.thread, t, a, b, c);
  }

  /**
   * How many consecutive advances of `step` ns run no timer: Infinity when none is pending, 0 when the first one does.
   * A loop over pages may take that many in one step and stay exact (only whole nanoseconds add up exactly).
   */
  quietSteps(step: number): number {
    const top = this.timers.peek();
    if (!Number.isSafeInteger(step) || !Number.isSafeInteger(this.now)) return 0;
    if (!top) return Infinity;
    if (top.t <= this.now + step) return 0;
    if (step <= 0) return Infinity;
    return Math.ceil((top.t - this.now) / step) - 1;
  }

  /** Lets simulated time pass; devices complete and timers fire in time order meanwhile. */
  advance(dt: number): void {
    this.runUntil(this.now + dt);
  }

  /** Runs the timers due by `t` in time order, each at its own time, then sets the clock to `t`. */
  runUntil(t: number): void {
    if (!(t <= MAX_CLOCK_NS)) throw clockOverflow(t);
    for (;;) {
      const top = this.timers.peek();
      if (!top || top.t > t) break;
      this.timers.pop();
      if (top.t > this.now) this.now = top.t;
      this.fire(top.kind, top.a, top.b, top.c);
    }
    if (t > this.now) this.now = t;
  }

  /** Blocks the current thread until `t` (io_schedule): the CPU waits in kernel mode. */
  waitUntil(t: number, reason: WaitReason): void {
    if (t <= this.now) return;
    const ns = t - this.now;
    this.ev(Ev.Block, split31Lo(ns), reason, split31Hi(ns));
    this.runUntil(t);
  }

  /** Enters or leaves the kernel (a syscall, an exception): counted as a context switch, and it takes time. */
  switchMode(to: 'user' | 'kernel', cause: SwitchCause): void {
    this.mode = to;
    this.regs.mode = to;
    this.counters[C.ContextSwitches]++;
    this.ev(Ev.ModeSwitch, to === 'kernel' ? 1 : 0, cause);
    this.advance(this.config.latency.modeSwitchNs);
  }

  // ───────────────────────────── copy accounting ─────────────────────────────

  /** Counts a copy once per direction and engine within the current activity; bytes always add up. */
  countCopy(engine: 'cpu' | 'dma', src: Loc, dst: Loc, bytes: number): boolean {
    const key = (engine === 'cpu' ? 0 : 64) + src * 8 + dst;
    const bit = 1 << (key & 31);
    const first = !(this.counted[key >> 5] & bit);
    if (first) this.counted[key >> 5] |= bit;
    if (engine === 'cpu') {
      if (first) this.counters[C.CpuCopies]++;
      this.counters[C.CpuBytes] += bytes;
    } else {
      if (first) this.counters[C.DmaCopies]++;
      this.counters[C.DmaBytes] += bytes;
    }
    return first;
  }

  /**
   * A new activity (syscall, fault, flusher run) counts each copy direction once, as the article counts. Returns the
   * token that endActivity takes to go back to the activity it interrupted.
   */
  newActivity(): number {
    const c = this.counted;
    const s = this.activityStack;
    const n = this.activityDepth;
    s[n] = c[0];
    s[n + 1] = c[1];
    s[n + 2] = c[2];
    s[n + 3] = c[3];
    c[0] = 0;
    c[1] = 0;
    c[2] = 0;
    c[3] = 0;
    this.activityDepth = n + 4;
    return n + 4;
  }

  /** Back to the activity that newActivity interrupted (`token`: what it returned). */
  endActivity(token: number): void {
    const n = this.activityDepth - 4;
    if (n + 4 !== token) throw new Error('activities must end in the order they began');
    const s = this.activityStack;
    const c = this.counted;
    c[3] = s[n + 3];
    c[2] = s[n + 2];
    c[1] = s[n + 1];
    c[0] = s[n];
    this.activityDepth = n;
  }

  /**
   * A copy by the CPU (copy_to_user, copy_from_user, memcpy into a socket or pipe buffer): it takes the CPU for as long
   * as memcpy needs. `dstObj`/`dstOff` name where the bytes land: a region id (user, mmap), socket, pipe or file id.
   */
  cpuCopy(src: Loc, dst: Loc, bytes: number, dstObj = 0, dstOff = 0): void {
    if (bytes <= 0) return;
    const first = this.countCopy('cpu', src, dst, bytes);
    this.noteMove(src, dst, bytes, 'cpu', dstObj, dstOff);
    this.ev(Ev.CpuCopy, bytes, packMove(src, dst, dstObj), first ? 0 : 1);
    this.advance(Math.ceil((bytes / this.config.latency.memcpyBytesPerSec) * 1e9));
  }

  /** Records the last copy or transfer (for the panel), reusing the record: one is made per step. */
  noteMove(src: Loc, dst: Loc, bytes: number, engine: 'cpu' | 'dma', dstObj: number, dstOff: number): void {
    const mv = this.lastMove;
    if (!mv) {
      this.lastMove = { src, dst, bytes, engine, dstObj, dstOff };
      return;
    }
    mv.src = src;
    mv.dst = dst;
    mv.bytes = bytes;
    mv.engine = engine;
    mv.dstObj = dstObj;
    mv.dstOff = dstOff;
  }

  // ───────────────────────────── files and memory ─────────────────────────────

  /** An inode: its generated content is on the disk; it starts clean, at its own place on the disk. */
  createFile(path: string, size: number): FileObj {
    const id = this.filesById.length;
    const name = path.split('/').pop() || path;
    const f: FileObj = {
      id, path, name, size, content: new Content(id), disk: new Content(id), dirtiedWhen: -1, nrDirty: 0,
      inodeDirty: false, sizeDirty: false, lba: id * 2 ** 40, nlink: 1,
    };
    this.files.set(path, f);
    this.filesById.push(f);
    return f;
  }

  nameOf = (seed: number): string => this.filesById[seed]?.name ?? '?';

  /** The page cache may hold what RAM the program's buffers leave, up to page_cache_limit. */
  recomputeCapacity(): void {
    const avail = Math.max(0, this.config.ramBytes - this.bufferBytes);
    const bytes = this.config.pageCacheLimit === null ? avail : Math.min(avail, this.config.pageCacheLimit);
    this.cache.capacity = Math.max(16, Math.floor(bytes / PAGE_SIZE));
  }

  /** find_vma: the region that contains `addr`. */
  findRegion(addr: number): Region | undefined {
    // The region found last first (a program reads into the same buffer call after call), while it is still at its
    // place and no region before it overlaps it: it is then the first that can hold `addr` (issue 10).
    const regions = this.regions;
    const h = this.regionHint;
    if (h !== null && regions[this.regionHintAt] === h && addr >= h.addr && addr < h.addr + h.size) return h;
    for (let i = 0; i < regions.length; i++) {
      const r = regions[i];
      if (addr >= r.addr && addr < r.addr + r.size) {
        let alone = true;
        for (let j = 0; j < i; j++) if (regions[j].addr < r.addr + r.size && r.addr < regions[j].addr + regions[j].size) alone = false;
        this.regionHint = alone ? r : null;
        this.regionHintAt = i;
        return r;
      }
    }
    return undefined;
  }

  /** The user memory [addr, addr+len) as one region, or EFAULT (access_ok). */
  userRange(addr: number, len: number): Region {
    const r = this.findRegion(addr);
    if (!r || addr + len > r.addr + r.size) throw new SyscallError('EFAULT');
    return r;
  }

  // ───────────────────────────── checkpoints ─────────────────────────────

  /**
   * About how many bytes a copy of this kernel holds besides its page cache and its contents' extents (what a
   * checkpoint costs of its own): records, mapped pages, pipe buffers, and a pointer a chunk of extents.
   */
  copyBytes(): number {
    let pieces = 0;
    let chunks = 0;
    this.forEachContent((c) => {
      chunks += c.chunkCount;
    });
    for (const r of this.regions) if (r.kind === 'mmap') pieces += r.ptes.size;
    for (const p of this.pipes) if (p) pieces += p.refs.length;
    const records = this.filesById.length + this.fds.size + this.regions.length + this.timers.items.length + this.dma.length + this.aio.size;
    return 4096 + 64 * pieces + 8 * chunks + 160 * records;
  }

  /**
   * Bytes of the extents that copies of this kernel (checkpoints) alone hold now and did not at the last call: the
   * content chunks this kernel shared with a copy and has since replaced (Content.takeRetired). A chunk it still holds
   * costs a copy nothing of its own: a file written block after block shares all its old chunks with every checkpoint.
   */
  retiredContentBytes(): number {
    let n = 0;
    this.forEachContent((c) => {
      n += c.takeRetired();
    });
    return EXTENT_BYTES * n;
  }

  /** Each content this kernel holds: files' (cache and disk), buffers', pipe buffers', sockets', the controller's. */
  forEachContent(f: (c: Content) => void): void {
    for (const file of this.filesById) {
      f(file.content);
      f(file.disk);
    }
    for (const r of this.regions) if (r.kind === 'buffer') f(r.content);
    for (const p of this.pipes) if (p) for (const r of p.refs) if (r.content) f(r.content);
    for (const s of this.sockets) f(s.last);
    f(this.disk.controller);
  }

  /**
   * Makes `m` (a bare object of the caller's class) a deep copy of this kernel that emits into `sink`. Every mutable
   * field declared above must be copied here, or a checkpoint would share it with the live machine.
   */
  protected copyInto(m: Kernel, sink: EventSink, cache: PageCache): void {
    Object.assign(m, this);
    m.config = cloneConfig(this.config);
    // Copies with the literals' own property order keep one hidden class per record for the code that reads them.
    const r = this.regs;
    m.regs = { mode: r.mode, pc: r.pc, rax: r.rax, rdi: r.rdi, rsi: r.rsi, rdx: r.rdx, r10: r.r10, r8: r.r8, r9: r.r9, cr2: r.cr2 };
    m.counters = this.counters.slice();
    m.filesById = this.filesById.map(cloneFile);
    // By the names the files have now: an unlinked file has none, a renamed one its new one.
    m.files = new Map([...this.files].map(([p, f]) => [p, m.filesById[f.id]!]));
    m.fds = new Map([...this.fds].map(([k, v]) => [k, cloneFd(v)]));
    m.regions = this.regions.map(cloneRegion);
    m.regionHint = null;
    m.sockets = this.sockets.map(cloneSocket);
    m.pipes = this.pipes.map((p) => (p ? clonePipe(p) : p));
    m.cache = cache;
    m.timers = this.timers.clone();
    m.dma = this.dma.map(cloneDma);
    m.aio = new Map([...this.aio].map(([k, v]) => [k, cloneAsyncIo(v)]));
    const d = this.disk;
    m.disk = {
      busyUntil: d.busyUntil, head: d.head, queue: d.queue, requests: d.requests, controller: d.controller.clone(),
      controllerLen: d.controllerLen, controllerPath: d.controllerPath, controllerOff: d.controllerOff,
    };
    m.nic = { busyUntil: this.nic.busyUntil, inflight: this.nic.inflight, sentBytes: this.nic.sentBytes };
    m.wb = { armed: this.wb.armed, background: this.wb.background, lastRun: this.wb.lastRun };
    const t = this.throttle;
    m.throttle = { nrDirtied: t.nrDirtied, pause: t.pause, lastPauseNs: t.lastPauseNs, pausedWhen: t.pausedWhen };
    const n = this.nextId;
    m.nextId = { region: n.region, dma: n.dma, aio: n.aio, socket: n.socket, pipe: n.pipe };
    m.counted = this.counted.slice();
    m.activityStack = this.activityStack.slice();
    m.mmapRaStates = new Map([...this.mmapRaStates].map(([k, v]) => [k, cloneRaState(v)]));
    const mv = this.lastMove;
    m.lastMove = mv ? { src: mv.src, dst: mv.dst, bytes: mv.bytes, engine: mv.engine, dstObj: mv.dstObj, dstOff: mv.dstOff } : null;
    m.sink = sink;
    m.nameOf = (seed: number) => m.filesById[seed]?.name ?? '?';
  }
}

/** The clock was asked to reach `t` ns, past what it counts exactly (limits.ts): the run stops instead of rounding. */
export function clockOverflow(t: number): LimitError {
  const days = Number.isFinite(t) ? ` (${(t / 86_400e9).toPrecision(3)} days)` : '';
  return new LimitError(`simulated time would reach ${t} ns${days}, past the 2^53 ns (104 days) the clock counts exactly`);
}
