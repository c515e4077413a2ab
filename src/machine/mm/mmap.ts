/**
 * Memory mappings of files and their page faults (mm/mmap.c, mm/memory.c, filemap_fault in mm/filemap.c): a mapping
 * makes no copy; touching a page without a pte faults, reads the page (read-around) if it is not cached, and maps it
 * and its cached neighbours.
 */
import { iputById } from '../fs/inode';
import { C } from '../counters';
import { Content, ZERO } from '../content';
import { Ev, Loc, SwitchCause, UserOpKind, WaitReason } from '../events';
import { OpResult, SyscallError, err, ok } from '../errno';
import { Kernel } from '../kernel';
import { MAX_RW_COUNT, TASK_SIZE } from '../limits';
import { PG_READAHEAD, PG_YOUNG } from '../pagecache';
import { FileFd, FileObj, MmapRegion, RaState, Region, newRaState } from '../state';
import { PAGE_SIZE } from '../units';
import { maxRaPages, readAround, readPages, readPagesNow } from './readahead';
import { readahead } from './readahead-order';

/** Fault-around maps up to 16 already-cached pages around a read fault (fault_around_bytes = 64 KiB). */
const FAULT_AROUND_PAGES = 16;

/** do_mmap of a shared file mapping: reserves addresses, maps nothing yet (pages come in by faults). */
export function mmap(k: Kernel, o: FileFd, length: number, offset: number, shared = true): OpResult {
  if (!(length > 0) || !(offset >= 0) || offset % PAGE_SIZE !== 0) return err('EINVAL');
  const size = Math.ceil(length / PAGE_SIZE) * PAGE_SIZE;
  // More than the user address space (TASK_SIZE), or than the model's addresses count exactly.
  if (size > TASK_SIZE || k.mmapTop + size > Number.MAX_SAFE_INTEGER) return err('ENOMEM');
  const addr = k.mmapTop;
  k.mmapTop += size + PAGE_SIZE;
  const r: MmapRegion = { kind: 'mmap', id: k.nextId.region++, addr, size, fileId: o.fileId, fileOff: offset, ptes: new Set(), shared };
  k.regions.push(r);
  return ok(addr);
}

/** __vm_munmap: the mapping goes with its ptes; the pages stay cached. */
export function munmap(k: Kernel, addr: number, length: number): OpResult {
  const i = k.regions.findIndex((r) => r.kind === 'mmap' && r.addr === addr);
  if (i < 0 || length <= 0) return err('EINVAL');
  const r = k.regions[i] as MmapRegion;
  for (const idx of r.ptes) {
    const p = k.cache.find(r.fileId, idx);
    if (p && p.mapcount > 0) k.cache.addMapcount(k.cache.take(r.fileId, idx, idx + 1)!, -1, false);
  }
  k.regions.splice(i, 1);
  // The mapping held its file: an unlinked one goes with its last reference.
  iputById(k, r.fileId);
  return ok(0);
}

/** User code reads mapped memory: each page without a pte faults (an exception, two mode switches, handle_mm_fault). */
export function touch(k: Kernel, addr: number, off: number, len: number): OpResult {
  k.ev(Ev.UserOp, UserOpKind.Touch, len);
  const r = k.findRegion(addr);
  // The model's rule, not Linux's: one touch covers at most what one read moves (MAX_RW_COUNT), so that a statement
  // costs at most half a million faults; a longer access is written as several.
  if (len > MAX_RW_COUNT) return err('EINVAL');
  if (!r || off < 0 || len <= 0 || addr + off + len > r.addr + r.size) return err('EFAULT');
  k.inUserCode = true;
  try {
    if (r.kind === 'mmap') faultIn(k, r, addr - r.addr + off, len, true);
    k.advance(Math.ceil((len / k.config.latency.memcpyBytesPerSec) * 1e9));
  } catch (e) {
    // A page past the end of the file: SIGBUS in Linux, reported here as EFAULT.
    if (e instanceof SyscallError) return err(e.errno);
    throw e;
  } finally {
    k.inUserCode = false;
  }
  // Emitted once the access is over, so that it is the operation's last event (see alloc).
  k.ev(Ev.UserAccess, len, r.id);
  return ok(0);
}

/** Where the bytes of a piece of user memory are: what userSource returns. */
export interface UserSource {
  content: Content;
  off: number;
  loc: Loc;
}

/**
 * userSource's answer: one record, overwritten by each call. Every caller reads it at once (into the arguments of the
 * copy it makes); a record made for every write was garbage for the collector (issue 10).
 */
const source: UserSource = { content: new Content(ZERO), off: 0, loc: Loc.User };

/**
 * Where the bytes of user memory a syscall reads come from (copy_from_user's source): a buffer, or for a mapping the
 * file's pages, which the kernel's access may fault in. The record is valid until the next call.
 */
export function userSource(k: Kernel, region: Region, off: number, count: number): Readonly<UserSource> {
  if (region.kind === 'buffer') {
    source.content = region.content;
    source.off = off;
    source.loc = Loc.User;
    return source;
  }
  faultIn(k, region, off, count, false);
  const f = k.filesById[region.fileId];
  source.content = f.content;
  source.off = region.fileOff + off;
  source.loc = Loc.Mmap;
  return source;
}

/** Makes every page of [off, off+len) of a mapping present, faulting where there is no pte. */
function faultIn(k: Kernel, r: MmapRegion, off: number, len: number, fromUser: boolean): void {
  const f = k.filesById[r.fileId];
  const first = Math.floor((r.fileOff + off) / PAGE_SIZE);
  const last = Math.floor((r.fileOff + off + len - 1) / PAGE_SIZE);
  for (let idx = first; idx <= last; idx++) {
    if (r.ptes.has(idx)) {
      const p = k.cache.find(f.id, idx);
      if (p && !(p.flags & PG_YOUNG)) k.cache.update(k.cache.take(f.id, idx, idx + 1)!, PG_YOUNG);
      continue;
    }
    if (idx * PAGE_SIZE >= f.size) throw new SyscallError('EFAULT'); // SIGBUS beyond EOF
    pageFault(k, r, f, idx, fromUser);
  }
}

/**
 * A fault on a file page (do_read_fault → filemap_fault): a cached page is a minor fault; otherwise read-around
 * (do_sync_mmap_readahead) reads a window centred on it and the task waits (major fault). Then fault-around.
 */
function pageFault(k: Kernel, r: MmapRegion, f: FileObj, idx: number, fromUser: boolean): void {
  const saved = fromUser ? k.newActivity() : null;
  k.regs.cr2 = r.addr + idx * PAGE_SIZE - r.fileOff;
  if (fromUser) {
    k.inUserCode = false;
    k.switchMode('kernel', SwitchCause.Exception);
  }
  k.counters[C.PageFaults]++;
  const c = k.cache;
  const p = c.find(f.id, idx);
  const ra = mmapRa(k, r);
  if (p) {
    const ready = p.readyAtOf(idx);
    if (p.flags & PG_READAHEAD) {
      // do_async_mmap_readahead asks for a whole window (ra_pages), not the one faulting page.
      c.update(c.take(f.id, idx, idx + 1)!, 0, PG_READAHEAD);
      readahead(k, f, ra, idx, Math.max(1, maxRaPages(k)), true);
    }
    if (ready > k.now) k.waitUntil(ready, WaitReason.PageIo);
    k.advance(k.config.latency.minorFaultNs);
    k.counters[C.PageCacheHits]++;
    k.ev(Ev.FaultMinor, f.id, idx, idx - r.fileOff / PAGE_SIZE);
  } else {
    k.counters[C.MajorFaults]++;
    k.counters[C.PageCacheMisses]++;
    const max = maxRaPages(k);
    if (max > 0) {
      const w = readAround(ra, max, idx);
      readPages(k, f, w.start, w.size, w.asyncSize, Ev.ReadAround);
    }
    if (!c.find(f.id, idx)) readPagesNow(k, f, idx, 1);
    k.waitUntil(c.find(f.id, idx)!.readyAtOf(idx), WaitReason.PageIo);
    k.advance(k.config.latency.minorFaultNs);
    k.ev(Ev.FaultMajor, f.id, idx, idx - r.fileOff / PAGE_SIZE);
  }
  mapPage(k, r, f.id, idx);
  faultAround(k, r, f, idx);
  if (fromUser) {
    k.switchMode('user', SwitchCause.Exception);
    k.inUserCode = true;
    k.endActivity(saved!);
  }
}

/** do_fault_around → filemap_map_pages: maps the neighbours that are already cached and uptodate, without faults. */
function faultAround(k: Kernel, r: MmapRegion, f: FileObj, idx: number): void {
  const base = idx - (idx % FAULT_AROUND_PAGES);
  const firstMapped = r.fileOff / PAGE_SIZE;
  const lastMapped = firstMapped + r.size / PAGE_SIZE - 1;
  for (let j = Math.max(base, firstMapped); j < base + FAULT_AROUND_PAGES && j <= lastMapped; j++) {
    if (j === idx || r.ptes.has(j)) continue;
    const q = k.cache.find(f.id, j);
    if (q && q.readyAtOf(j) <= k.now && !(q.flags & PG_READAHEAD)) mapPage(k, r, f.id, j);
  }
}

/** A pte for a file page (set_pte_at, folio_add_file_rmap): the page counts as mapped and young. */
function mapPage(k: Kernel, r: MmapRegion, fileId: number, idx: number): void {
  r.ptes.add(idx);
  // The faulting page may have been reclaimed by the readahead it started: its pte still points at the old page.
  if (k.cache.find(fileId, idx)) k.cache.addMapcount(k.cache.take(fileId, idx, idx + 1)!, 1, true);
  k.ev(Ev.PageMap, fileId, idx, 1);
}

function mmapRa(k: Kernel, r: MmapRegion): RaState {
  let ra = k.mmapRaStates.get(r.id);
  if (!ra) {
    ra = newRaState();
    k.mmapRaStates.set(r.id, ra);
  }
  return ra;
}
