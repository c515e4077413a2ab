/**
 * The modeled I/O machine: one CPU (user/kernel mode, registers), user memory, the page cache, a disk with its
 * controller, a DMA engine, a NIC and a simulated clock. It executes one Operation at a time and reports every
 * step through an EventSink. Deterministic: no wall clock, no randomness, no I/O.
 */
import { C } from './counters';
import { CONFIG_KEYS, MachineConfig, findConfigKey } from './config';
import { Content, ZERO } from './content';
import { MAX_BIO, diskDone, diskRead, diskRequest } from './dev/block';
import { startDma } from './dev/dma';
import { nicTransmit, nicTxDone } from './dev/nic';
import { Ev, EventSink, Loc, SwitchCause, UserOpKind, WaitReason, WakeReason } from './events';
import { ERRNO, Errno, OpResult, SyscallError, err, ok } from './errno';
import { FileSpec, Kernel } from './kernel';
import { fdatawriteRange, filemapGetPages, filemapRead, genericPerformWrite, writeAndWaitRange, zeroHole } from './mm/filemap';
import { mmap, munmap, touch, userSource } from './mm/mmap';
import { dropCaches, invalidateInodePages } from './mm/truncate';
import { armFlusher, dirtyLimits, maybeStartBackground } from './mm/page-writeback';
import { endWriteback, flusherRun } from './mm/writeback';
import { OPEN_FLAGS, Operation, findOp } from './operation';
import {
  FrozenPageCache, LruList, PG_ACTIVE, PG_DIRTY, PG_READAHEAD, PG_REFERENCED, PG_WRITEBACK, Page, PageCache,
} from './mm/pagecache';
import { AsyncIo, FdObj, FileObj, Pipe, Region, Socket, TimerKind, UserBuffer, newRaState } from './state';
import { PAGE_SIZE, roundUp } from './units';

export type { FileSpec, Registers } from './kernel';
export type { OpResult } from './errno';

const PATH_BASE = 0x5000000;
const AT_FDCWD = -100;
/** Largest chunk a socket write or sendfile hands to the NIC at once (a GSO segment). */
const NIC_CHUNK = 64 * 1024;

export class Machine extends Kernel {
  constructor(config: MachineConfig, files: readonly FileSpec[], sink: EventSink) {
    super(config, files, sink);
  }

  // ───────────────────────────── timers ─────────────────────────────

  protected fire(kind: TimerKind, a: number, b: number, c: number): void {
    switch (kind) {
      case TimerKind.DiskReadDone:
        diskDone(this, a);
        if (b > 0) this.asyncDone(b);
        break;
      case TimerKind.WritebackDone:
        diskDone(this, a);
        endWriteback(this, b, c);
        break;
      case TimerKind.DirectWriteDone:
        diskDone(this, a);
        if (b > 0) this.asyncDone(b);
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
        this.asyncDone(a);
        break;
    }
  }

  // ───────────────────────────── executing operations ─────────────────────────────

  execute(op: Operation, seq: number): OpResult {
    this.opSeq = seq;
    this.thread = op.thread ?? 1;
    this.regs.pc = op.line;
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
    this.counted = savedCounted;
    this.ev(Ev.SyscallExit, r.errno ? ERRNO[r.errno] : 0);
    return r;
  }

  private setSyscallRegs(op: Operation, nr: number): void {
    const a = op.args;
    const regs = this.regs;
    regs.rax = nr;
    let v: number[];
    if (op.name === 'open') v = [AT_FDCWD, PATH_BASE + (hashString(op.text ?? '') & 0xffff) * 16, a[0] ?? 0, 0o644];
    else if (op.name === 'mmap') v = [0, a[1], 1 /* PROT_READ */, 1 /* MAP_SHARED */, a[0], a[2] ?? 0];
    else if (op.name === 'sendfile') v = [a[0], a[1], a[2], a[3]];
    else if (op.name === 'syscall') v = [];
    else v = a;
    regs.rdi = v[0] ?? 0;
    regs.rsi = v[1] ?? 0;
    regs.rdx = v[2] ?? 0;
    regs.r10 = v[3] ?? 0;
    regs.r8 = v[4] ?? 0;
    regs.r9 = v[5] ?? 0;
  }

  private userOp(op: Operation): OpResult {
    switch (op.name) {
      case 'alloc': {
        // The event comes last: an operation's last event marks the state it leaves (checkpoints and replays agree).
        const size = op.args[0];
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
        this.ev(Ev.Sysctl, CONFIG_KEYS.indexOf(k), op.args[0] & 0x7fffffff);
        return { result: 0, errno: null };
      }
      case 'drop_caches': {
        this.ev(Ev.UserOp, UserOpKind.DropCaches);
        return ok(dropCaches(this));
      }
    }
    throw new Error(`unknown user operation ${op.name}`);
  }

  private syscall(op: Operation): OpResult {
    const a = op.args;
    switch (op.name) {
      case 'open': return this.open(op.text ?? '', a[0] ?? 0);
      case 'close': return this.close(a[0]);
      case 'socket': return ok(this.newSocketFd());
      case 'pipe': return ok(this.newPipe());
      case 'read': return this.read(a[0], a[1], a[2], -1);
      case 'pread': return this.read(a[0], a[1], a[2], a[3]);
      case 'write': return this.write(a[0], a[1], a[2], -1);
      case 'pwrite': return this.write(a[0], a[1], a[2], a[3]);
      case 'lseek': return this.lseek(a[0], a[1], a[2]);
      case 'mmap': return mmap(this, this.fileFd(a[0]), a[1], a[2] ?? 0);
      case 'munmap': return munmap(this, a[0], a[1]);
      case 'sendfile': return this.sendfile(a[0], a[1], a[2], a[3]);
      case 'splice': return this.splice(a[0], a[1], a[2]);
      case 'fsync': return this.fsync(a[0], false);
      case 'fdatasync': return this.fsync(a[0], true);
      case 'aio_read': return this.asyncRead('aio', a[0], a[1], a[2], a[3]);
      case 'uring_read': return this.asyncRead('uring', a[0], a[1], a[2], a[3]);
      case 'aio_wait':
      case 'uring_wait': return this.asyncWait(a[0]);
      case 'sleep': {
        this.waitUntil(this.now + Math.max(0, a[0]), WaitReason.Sleep);
        return ok(0);
      }
      case 'syscall': return recordedResult(op);
    }
    throw new Error(`unknown syscall ${op.name}`);
  }

  // ───────────────────────────── descriptors ─────────────────────────────

  private lowestFd(): number {
    let fd = 3;
    while (this.fds.has(fd)) fd++;
    return fd;
  }

  private open(path: string, flags: number): OpResult {
    let f = this.files.get(path);
    if (!f) {
      if (!(flags & OPEN_FLAGS.O_CREAT)) return err('ENOENT');
      f = this.createFile(path, 0);
      f.inodeDirty = true;
      f.sizeDirty = true;
    } else if ((flags & OPEN_FLAGS.O_CREAT) && (flags & OPEN_FLAGS.O_EXCL)) {
      return err('EEXIST');
    }
    if ((flags & OPEN_FLAGS.O_TRUNC) && (flags & 3) !== 0) this.truncate(f);
    const fd = this.lowestFd();
    this.fds.set(fd, { kind: 'file', fd, fileId: f.id, flags, pos: 0, ra: newRaState() });
    return ok(fd);
  }

  private truncate(f: FileObj): void {
    invalidateInodePages(this, f);
    f.size = 0;
    f.content = new Content(ZERO);
    f.disk = new Content(ZERO);
    f.nrDirty = 0;
    f.dirtiedWhen = -1;
    f.inodeDirty = true;
    f.sizeDirty = true;
  }

  private close(fd: number): OpResult {
    const o = this.fds.get(fd);
    if (!o) return err('EBADF');
    this.fds.delete(fd);
    if (o.kind === 'pipe') {
      const other = [...this.fds.values()].some((x) => x.kind === 'pipe' && x.pipeId === o.pipeId);
      if (!other) this.pipes[o.pipeId] = undefined as unknown as Pipe;
    }
    return ok(0);
  }

  private newSocketFd(): number {
    const id = this.sockets.length;
    this.sockets.push({ id, queued: 0, last: new Content(ZERO), lastLen: 0, sentBytes: 0 });
    const fd = this.lowestFd();
    this.fds.set(fd, { kind: 'socket', fd, sockId: id });
    return fd;
  }

  private newPipe(): number {
    const id = this.pipes.length;
    this.pipes.push({ id, capacity: this.config.pipeBytes, used: 0, refs: [] });
    const r = this.lowestFd();
    this.fds.set(r, { kind: 'pipe', fd: r, pipeId: id, end: 'read' });
    const w = this.lowestFd();
    this.fds.set(w, { kind: 'pipe', fd: w, pipeId: id, end: 'write' });
    return r;
  }

  private fileFd(fd: number): Extract<FdObj, { kind: 'file' }> {
    const o = this.fds.get(fd);
    if (!o) throw new SyscallError('EBADF');
    if (o.kind !== 'file') throw new SyscallError('EINVAL');
    return o;
  }

  private lseek(fd: number, off: number, whence: number): OpResult {
    const o = this.fds.get(fd);
    if (!o) return err('EBADF');
    if (o.kind !== 'file') return err('ESPIPE');
    const f = this.filesById[o.fileId];
    const base = whence === 0 ? 0 : whence === 1 ? o.pos : whence === 2 ? f.size : NaN;
    if (Number.isNaN(base) || base + off < 0) return err('EINVAL');
    o.pos = base + off;
    return ok(o.pos);
  }

  // ───────────────────────────── page cache: lookup, insert, reclaim ─────────────────────────────

  // ───────────────────────────── read and write ─────────────────────────────

  private read(fd: number, buf: number, count: number, offset: number): OpResult {
    const o = this.fds.get(fd);
    if (!o) return err('EBADF');
    if (count < 0) return err('EINVAL');
    if (o.kind === 'socket') return err('EINVAL');
    if (o.kind === 'pipe') return this.readPipe(o, buf, count);
    const region = this.userRange(buf, count);
    if (region.kind !== 'buffer') return err('EFAULT');
    if ((o.flags & 3) === OPEN_FLAGS.O_WRONLY) return err('EBADF');
    const f = this.filesById[o.fileId];
    const pos = offset >= 0 ? offset : o.pos;
    if (o.flags & OPEN_FLAGS.O_DIRECT) {
      const n = this.directRead(f, region, buf - region.addr, pos, count, true);
      if (n >= 0 && offset < 0) o.pos += n;
      return n < 0 ? err('EINVAL') : ok(n);
    }
    const n = filemapRead(this, f, o.ra, pos, count, region, buf - region.addr);
    if (offset < 0) o.pos += n;
    return ok(n);
  }

  private alignedForDirect(addr: number, count: number, pos: number): boolean {
    const bs = this.config.blockSize;
    return addr % bs === 0 && count % bs === 0 && pos % bs === 0;
  }

  /**
   * O_DIRECT read: DMA from the disk straight into the user buffer. Dirty cached pages in the range are written
   * back first (filemap_write_and_wait_range). Returns -1 for misaligned requests (EINVAL, nothing changed).
   */
  private directRead(f: FileObj, dst: UserBuffer, dstOff: number, pos: number, count: number, wait: boolean, aioId = 0): number {
    if (!this.alignedForDirect(dst.addr + dstOff, count, pos)) return -1;
    if (pos >= f.size || count === 0) {
      if (aioId) this.timers.push(this.now, TimerKind.AsyncDone, aioId);
      return 0;
    }
    const n = Math.min(count, f.size - pos);
    writeAndWaitRange(this, f, pos, n);
    const bytes = roundUp(n, this.config.blockSize);
    let done = this.now;
    for (let off = 0; off < bytes; off += MAX_BIO) {
      const len = Math.min(MAX_BIO, bytes - off);
      const t = diskRead(this, f, pos + off, len);
      const id = startDma(this, Loc.Disk, Loc.User, len, t, `direct read ${f.path}`, dst.id, dstOff + off);
      const last = off + MAX_BIO >= bytes;
      this.timers.push(t, TimerKind.DiskReadDone, id, last ? aioId : 0);
      done = Math.max(done, t);
    }
    // The DMA writes the user buffer; the model places the bytes now (nobody can look before completion).
    dst.content.copyFrom(f.disk, pos, dstOff, n);
    if (wait) this.waitUntil(done, WaitReason.PageIo);
    return n;
  }

  private write(fd: number, buf: number, count: number, offset: number): OpResult {
    const o = this.fds.get(fd);
    if (!o) return err('EBADF');
    if (count < 0) return err('EINVAL');
    const region = this.userRange(buf, count);
    if (o.kind === 'socket') {
      const src = userSource(this, region, buf - region.addr, count);
      return ok(this.sendToSocket(this.sockets[o.sockId], src.content, src.off, count, src.loc, false));
    }
    if (o.kind === 'pipe') return this.writePipe(o, region, buf - region.addr, count);
    if ((o.flags & 3) === OPEN_FLAGS.O_RDONLY) return err('EBADF');
    const f = this.filesById[o.fileId];
    let pos = offset >= 0 ? offset : o.pos;
    if (offset < 0 && o.flags & OPEN_FLAGS.O_APPEND) pos = f.size;
    // O_DIRECT alignment is checked before the user pages are touched (no fault on a misaligned request).
    if (o.flags & OPEN_FLAGS.O_DIRECT && !this.alignedForDirect(buf, count, pos)) return err('EINVAL');
    const src = userSource(this, region, buf - region.addr, count);
    let n: number;
    if (o.flags & OPEN_FLAGS.O_DIRECT) {
      n = this.directWrite(f, src.content, src.off, pos, count, region);
    } else {
      n = genericPerformWrite(this, f, pos, count, src.content, src.off, src.loc);
      if (o.flags & OPEN_FLAGS.O_DSYNC) this.syncFile(f, (o.flags & OPEN_FLAGS.O_SYNC) !== OPEN_FLAGS.O_SYNC, pos, n);
    }
    if (offset < 0) o.pos = pos + n;
    return ok(n);
  }

  /** O_DIRECT write: DMA from the user buffer to the disk; cached pages of the range are written and dropped. */
  private directWrite(f: FileObj, src: Content, srcOff: number, pos: number, count: number, region: Region): number {
    if (count === 0) return 0;
    writeAndWaitRange(this, f, pos, count);
    let done = this.now;
    for (let off = 0; off < count; off += MAX_BIO) {
      const len = Math.min(MAX_BIO, count - off);
      const t = diskRequest(this, f.lba + pos + off, len);
      const id = startDma(this, Loc.User, Loc.Disk, len, t, `direct write ${f.path}`, f.id, pos + off);
      this.timers.push(t, TimerKind.DirectWriteDone, id, 0);
      done = Math.max(done, t);
    }
    zeroHole(this, f, pos);
    f.disk.copyFrom(src, srcOff, pos, count);
    f.content.copyFrom(src, srcOff, pos, count);
    this.waitUntil(done, WaitReason.PageIo);
    // Cached pages of the range are stale now that the disk has newer bytes.
    invalidateInodePages(this, f, pos, count);
    if (pos + count > f.size) {
      f.size = pos + count;
      f.sizeDirty = true;
    }
    f.inodeDirty = true;
    return count;
  }

  // ───────────────────────────── mmap and page faults ─────────────────────────────

  // ───────────────────────────── sockets, NIC, pipes, sendfile, splice ─────────────────────────────

  /**
   * Hands bytes to a socket: a CPU copy into the send buffer (or, when `gather` and the NIC has SG-DMA, only
   * descriptors), then a NIC DMA per segment. Waits when the send buffer is full.
   */
  private sendToSocket(s: Socket, src: Content, srcOff: number, count: number, srcLoc: Loc, gather: boolean): number {
    const sndbuf = this.config.socketBufferBytes;
    let done = 0;
    while (done < count) {
      while (s.queued >= sndbuf) {
        const next = this.timers.peek();
        if (!next) break;
        this.waitUntil(next.t, WaitReason.SocketBuffer);
      }
      const chunk = Math.min(count - done, NIC_CHUNK, Math.max(PAGE_SIZE, sndbuf - s.queued));
      s.last = new Content(ZERO);
      s.last.copyFrom(src, srcOff + done, 0, chunk);
      s.lastLen = chunk;
      let dmaSrc = Loc.Socket;
      if (gather && this.config.nic === 'sg-dma') {
        dmaSrc = srcLoc;
      } else {
        this.cpuCopy(srcLoc, Loc.Socket, chunk, s.id, 0);
      }
      s.queued += chunk;
      nicTransmit(this, s, chunk, dmaSrc);
      done += chunk;
    }
    return done;
  }

  private sendfile(outFd: number, inFd: number, offset: number, count: number): OpResult {
    const out = this.fds.get(outFd);
    const inp = this.fileFd(inFd);
    if (!out) return err('EBADF');
    if (count < 0 || offset < 0) return err('EINVAL');
    if (out.kind === 'file') return this.sendfileToFile(out, inp, offset, count);
    if (out.kind !== 'socket') return err('EINVAL');
    const f = this.filesById[inp.fileId];
    const pos0 = offset;
    const total = Math.max(0, Math.min(count, f.size - pos0));
    const s = this.sockets[out.sockId];
    let done = 0;
    // do_splice_direct moves the data through an internal pipe, a pipe's worth (16 pages) at a time.
    while (done < total) {
      const pos = pos0 + done;
      const chunk = Math.min(total - done, this.config.pipeBytes - (pos % PAGE_SIZE));
      filemapGetPages(this, f, inp.ra, pos, chunk, true);
      this.sendToSocket(s, f.content, pos, chunk, Loc.PageCache, true);
      done += chunk;
    }
    return ok(done);
  }

  /**
   * sendfile to a regular file (Linux >= 2.6.33), which is also how copy_file_range copies when the filesystem cannot
   * share extents: page cache to page cache through the internal pipe, one CPU copy, no user buffer.
   */
  private sendfileToFile(out: Extract<FdObj, { kind: 'file' }>, inp: Extract<FdObj, { kind: 'file' }>, offset: number, count: number): OpResult {
    if ((out.flags & 3) === OPEN_FLAGS.O_RDONLY) return err('EBADF');
    const f = this.filesById[inp.fileId];
    const g = this.filesById[out.fileId];
    const total = Math.max(0, Math.min(count, f.size - offset));
    let done = 0;
    while (done < total) {
      const pos = offset + done;
      const chunk = Math.min(total - done, this.config.pipeBytes - (pos % PAGE_SIZE));
      filemapGetPages(this, f, inp.ra, pos, chunk, true);
      const at = out.flags & OPEN_FLAGS.O_APPEND ? g.size : out.pos;
      genericPerformWrite(this, g, at, chunk, f.content, pos, Loc.PageCache);
      out.pos = at + chunk;
      done += chunk;
    }
    return ok(done);
  }

  private splice(inFd: number, outFd: number, len: number): OpResult {
    const i = this.fds.get(inFd);
    const o = this.fds.get(outFd);
    if (!i || !o) return err('EBADF');
    if (len < 0) return err('EINVAL');
    if (i.kind === 'file' && o.kind === 'pipe') {
      const pipe = this.pipes[o.pipeId];
      const f = this.filesById[i.fileId];
      if (pipe.used >= pipe.capacity) return err('EAGAIN');
      const n = Math.max(0, Math.min(len, pipe.capacity - pipe.used, f.size - i.pos));
      if (n === 0) return ok(0);
      filemapGetPages(this, f, i.ra, i.pos, n, true);
      // filemap_splice_read: the pipe takes references to the page-cache pages; no bytes move.
      pipe.refs.push({ kind: 'page', fileId: f.id, off: i.pos, len: n, content: null });
      pipe.used += n;
      i.pos += n;
      return ok(n);
    }
    if (i.kind === 'pipe' && o.kind === 'socket') {
      const s = this.sockets[o.sockId];
      return ok(this.drainPipe(this.pipes[i.pipeId], len, (src, srcOff, take, loc) => {
        this.sendToSocket(s, src, srcOff, take, loc, true);
      }));
    }
    if (i.kind === 'pipe' && o.kind === 'file') {
      const pipe = this.pipes[i.pipeId];
      const f = this.filesById[o.fileId];
      return ok(this.drainPipe(pipe, len, (src, srcOff, take, loc) => {
        genericPerformWrite(this, f, o.pos, take, src, srcOff, loc);
        o.pos += take;
      }));
    }
    return err('EINVAL');
  }

  private writePipe(o: Extract<FdObj, { kind: 'pipe' }>, region: Region, off: number, count: number): OpResult {
    const pipe = this.pipes[o.pipeId];
    const n = Math.min(count, pipe.capacity - pipe.used);
    if (n <= 0) return err('EAGAIN');
    const src = userSource(this, region, off, n);
    const content = new Content(ZERO);
    content.copyFrom(src.content, src.off, 0, n);
    pipe.refs.push({ kind: 'bytes', fileId: -1, off: 0, len: n, content });
    pipe.used += n;
    this.cpuCopy(src.loc, Loc.Pipe, n, pipe.id, 0);
    return ok(n);
  }

  private readPipe(o: Extract<FdObj, { kind: 'pipe' }>, buf: number, count: number): OpResult {
    const pipe = this.pipes[o.pipeId];
    const region = this.userRange(buf, count);
    if (region.kind !== 'buffer') return err('EFAULT');
    let at = buf - region.addr;
    const moved = this.drainPipe(pipe, count, (src, srcOff, take) => {
      region.content.copyFrom(src, srcOff, at, take);
      at += take;
    });
    this.cpuCopy(Loc.Pipe, Loc.User, moved, region.id, buf - region.addr);
    return ok(moved);
  }

  /**
   * Takes up to `len` bytes from the front of a pipe, handing each piece's source to `use`: page references
   * (from a file splice) point into the page cache, bytes written into the pipe live in the pipe buffer.
   */
  private drainPipe(pipe: Pipe, len: number, use: (src: Content, srcOff: number, take: number, loc: Loc) => void): number {
    let n = Math.min(len, pipe.used);
    let moved = 0;
    while (n > 0 && pipe.refs.length) {
      const ref = pipe.refs[0];
      const take = Math.min(n, ref.len);
      if (ref.kind === 'page') use(this.filesById[ref.fileId].content, ref.off, take, Loc.PageCache);
      else use(ref.content!, 0, take, Loc.Pipe);
      ref.off += take;
      ref.len -= take;
      if (ref.content) ref.content = shifted(ref.content, take);
      if (ref.len === 0) pipe.refs.shift();
      pipe.used -= take;
      moved += take;
      n -= take;
    }
    return moved;
  }

  // ───────────────────────────── writeback ─────────────────────────────

  /** fsync / fdatasync / O_SYNC: write the file's dirty pages (of a range, if given) and metadata; wait. */
  private syncFile(f: FileObj, dataOnly: boolean, pos = 0, len = Infinity): void {
    let until = fdatawriteRange(this, f, pos, len);
    if (f.sizeDirty || (!dataOnly && f.inodeDirty)) {
      // The inode (size, times) goes to disk too: one block.
      const t = diskRequest(this, 2 ** 52 + f.id * PAGE_SIZE, this.config.blockSize);
      const id = startDma(this, Loc.PageCache, Loc.Disk, this.config.blockSize, t, `inode of ${f.path}`);
      this.timers.push(t, TimerKind.DirectWriteDone, id, 0);
      until = Math.max(until, t);
      f.sizeDirty = false;
      f.inodeDirty = false;
    }
    this.waitUntil(until, WaitReason.Writeback);
  }

  private fsync(fd: number, dataOnly: boolean): OpResult {
    const o = this.fds.get(fd);
    if (!o) return err('EBADF');
    if (o.kind !== 'file') return err('EINVAL');
    this.syncFile(this.filesById[o.fileId], dataOnly);
    return ok(0);
  }

  // ───────────────────────────── async I/O ─────────────────────────────

  private asyncRead(kind: 'aio' | 'uring', fd: number, buf: number, count: number, offset: number): OpResult {
    const o = this.fileFd(fd);
    const region = this.userRange(buf, count);
    if (region.kind !== 'buffer') return err('EFAULT');
    const f = this.filesById[o.fileId];
    if (o.flags & OPEN_FLAGS.O_DIRECT && !this.alignedForDirect(buf, count, offset)) return err('EINVAL');
    const id = this.nextId.aio++;
    const io: AsyncIo = { id, fd, bytes: 0, doneAt: this.now, done: false, pendingCopy: null, kind };
    if (o.flags & OPEN_FLAGS.O_DIRECT) {
      this.aio.set(id, io);
      const n = this.directRead(f, region, buf - region.addr, offset, count, false, id);
      io.bytes = n;
      io.doneAt = Math.max(this.now, ...this.dma.filter((d) => d.dst === Loc.User).map((d) => d.doneAt));
      return ok(id);
    }
    this.aio.set(id, io);
    if (kind === 'aio') {
      // libaio on a buffered file is synchronous: io_submit does the whole read before returning.
      io.bytes = filemapRead(this, f, o.ra, offset, count, region, buf - region.addr);
      this.asyncDone(id);
      return ok(id);
    }
    // io_uring: cached data completes inline; otherwise an io-wq worker waits for the I/O and copies.
    const n = offset >= f.size ? 0 : Math.min(count, f.size - offset);
    io.bytes = n;
    if (n === 0) {
      this.asyncDone(id);
      return ok(id);
    }
    const readyAt = filemapGetPages(this, f, o.ra, offset, n, false);
    io.pendingCopy = { fileId: f.id, pos: offset, regionId: region.id, dstOff: buf - region.addr };
    if (readyAt <= this.now) this.asyncDone(id);
    else {
      io.doneAt = readyAt;
      this.timers.push(readyAt, TimerKind.AsyncDone, id);
    }
    return ok(id);
  }

  private asyncDone(id: number): void {
    const io = this.aio.get(id);
    if (!io || io.done) return;
    if (io.pendingCopy) {
      const pc = io.pendingCopy;
      const region = this.regions.find((r) => r.id === pc.regionId);
      if (region && region.kind === 'buffer') {
        region.content.copyFrom(this.filesById[pc.fileId].content, pc.pos, pc.dstOff, io.bytes);
        this.cpuCopy(Loc.PageCache, Loc.User, io.bytes, region.id, pc.dstOff);
      }
      io.pendingCopy = null;
    }
    io.done = true;
    io.doneAt = this.now;
    this.ev(Ev.AioComplete, id, io.bytes);
  }

  private asyncWait(id: number): OpResult {
    const io = this.aio.get(id);
    if (!io) return err('EINVAL');
    while (!io.done) {
      const next = this.timers.peek();
      if (!next) break;
      this.waitUntil(next.t, WaitReason.Aio);
    }
    this.aio.delete(id);
    return ok(io.bytes);
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
    return { machine: this.copy(nullSink, new PageCache(this.cache.capacity)), pages: this.cache.freeze() };
  }

  static fromFrozen(frozen: { machine: Machine; pages: FrozenPageCache }, sink: EventSink): Machine {
    return frozen.machine.copy(sink, PageCache.thaw(frozen.pages));
  }

  private copy(sink: EventSink, cache: PageCache): Machine {
    const m = Object.create(Machine.prototype) as Machine;
    this.copyInto(m, sink, cache);
    return m;
  }

  /** [background threshold, dirty threshold] in pages (domain_dirty_limits). */
  dirtyLimits(): [number, number] {
    return dirtyLimits(this);
  }

  /** Lists, for display and tests. */
  lru(list: 'active' | 'inactive'): Page[] {
    const l: LruList = list === 'active' ? this.cache.active : this.cache.inactive;
    return [...l.fromHead()];
  }
}

const nullSink: EventSink = { emit() {} };

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

function shifted(c: Content, by: number): Content {
  const n = new Content(c.defaultSrc);
  for (const e of c.extents) {
    if (e.off + e.len <= by) continue;
    const s = Math.max(e.off, by);
    n.extents.push({ off: s - by, len: e.off + e.len - s, src: e.src, base: e.base + (s - e.off) });
  }
  return n;
}

export { PG_ACTIVE, PG_DIRTY, PG_READAHEAD, PG_REFERENCED, PG_WRITEBACK };
