/** The parts of the machine's state that are plain records, with how to copy them for a checkpoint. */
import { Content } from './content';

export interface FileObj {
  id: number;
  path: string;
  /** The base name used in generated content. */
  name: string;
  size: number;
  /** What a read returns: generated content, overlaid by writes. */
  content: Content;
  /** What is on the disk: updated when writeback or direct I/O reaches it. */
  disk: Content;
  /** inode->dirtied_when: when the inode went from clean to dirty; -1 when clean. Expiry is per inode. */
  dirtiedWhen: number;
  nrDirty: number;
  /** mtime changed since the last fsync (fsync writes metadata). */
  inodeDirty: boolean;
  /** i_size changed since the last sync (fdatasync writes metadata only then). */
  sizeDirty: boolean;
  /** Start of the file on the disk, for seek modelling and the hex view of the disk. */
  lba: number;
}

/** file_ra_state: where the readahead of one open file stands (used by mm/readahead.ts). */
export interface RaState {
  start: number;
  size: number;
  asyncSize: number;
  /** Byte position just past the last read (file_ra_state.prev_pos); -1 before any read. */
  prevPos: number;
}

export function newRaState(): RaState {
  return { start: 0, size: 0, asyncSize: 0, prevPos: -1 };
}

export type FdObj =
  | { kind: 'file'; fd: number; fileId: number; flags: number; pos: number; ra: RaState }
  | { kind: 'socket'; fd: number; sockId: number }
  | { kind: 'pipe'; fd: number; pipeId: number; end: 'read' | 'write' };

/** An open regular file (struct file). */
export type FileFd = Extract<FdObj, { kind: 'file' }>;

export interface UserBuffer {
  kind: 'buffer';
  id: number;
  addr: number;
  size: number;
  content: Content;
}

export interface MmapRegion {
  kind: 'mmap';
  id: number;
  addr: number;
  size: number;
  fileId: number;
  /** File offset of the first byte (page aligned). */
  fileOff: number;
  /** Page indexes (in the file) that have a pte in this mapping. */
  ptes: Set<number>;
}

export type Region = UserBuffer | MmapRegion;

export interface Socket {
  id: number;
  /** Bytes queued in the send buffer and not yet transmitted (their DMA has not completed). */
  queued: number;
  /** The last chunk handed to the socket, for the hex view: where it came from. */
  last: Content;
  lastLen: number;
  sentBytes: number;
}

export interface PipeRef {
  /** A page reference (splice from a file) or bytes copied in (write to a pipe). */
  kind: 'page' | 'bytes';
  fileId: number;
  off: number;
  len: number;
  content: Content | null;
}

export interface Pipe {
  id: number;
  capacity: number;
  used: number;
  refs: PipeRef[];
}

export interface DmaTransfer {
  id: number;
  bytes: number;
  src: number;
  dst: number;
  startedAt: number;
  doneAt: number;
  what: string;
}

export interface AsyncIo {
  id: number;
  fd: number;
  bytes: number;
  doneAt: number;
  done: boolean;
  /** Buffered io_uring reads copy on completion: where to. */
  pendingCopy: { fileId: number; pos: number; regionId: number; dstOff: number } | null;
  kind: 'aio' | 'uring';
}

export interface Timer {
  t: number;
  seq: number;
  kind: TimerKind;
  a: number;
  b: number;
  c: number;
}

export const enum TimerKind {
  DiskReadDone = 0,
  /** a = DMA id, b = file id, c = the pages written, packPageRun(first, count) */
  WritebackDone = 1,
  NicTxDone = 2,
  FlusherWake = 3,
  BackgroundContinue = 4,
  AsyncDone = 5,
  DirectWriteDone = 6,
}

/** A run of pages of one file in one number (a timer argument): first page and count, up to 65535 pages. */
export function packPageRun(first: number, count: number): number {
  return first * 65536 + count;
}

export function unpackPageRun(packed: number): { first: number; count: number } {
  return { first: Math.floor(packed / 65536), count: packed % 65536 };
}

/** A binary heap of timers ordered by time, then by insertion order (determinism on ties). */
export class TimerHeap {
  items: Timer[] = [];
  private seq = 0;

  push(t: number, kind: TimerKind, a = 0, b = 0, c = 0): void {
    const item: Timer = { t, seq: this.seq++, kind, a, b, c };
    const h = this.items;
    h.push(item);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (less(h[p], h[i])) break;
      [h[p], h[i]] = [h[i], h[p]];
      i = p;
    }
  }

  peek(): Timer | undefined {
    return this.items[0];
  }

  pop(): Timer | undefined {
    const h = this.items;
    if (h.length === 0) return undefined;
    const top = h[0];
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && less(h[l], h[m])) m = l;
        if (r < h.length && less(h[r], h[m])) m = r;
        if (m === i) break;
        [h[m], h[i]] = [h[i], h[m]];
        i = m;
      }
    }
    return top;
  }

  has(kind: TimerKind): boolean {
    return this.items.some((t) => t.kind === kind);
  }

  clone(): TimerHeap {
    const c = new TimerHeap();
    c.items = this.items.map((t) => ({ ...t }));
    c.seq = this.seq;
    return c;
  }
}

function less(a: Timer, b: Timer): boolean {
  return a.t < b.t || (a.t === b.t && a.seq < b.seq);
}

export function cloneFd(f: FdObj): FdObj {
  if (f.kind !== 'file') return { ...f };
  // The literal's own property order (fs/open.ts), so that copies share the original's hidden class.
  const ra = f.ra;
  return { kind: 'file', fd: f.fd, fileId: f.fileId, flags: f.flags, pos: f.pos, ra: { start: ra.start, size: ra.size, asyncSize: ra.asyncSize, prevPos: ra.prevPos } };
}

export function cloneRegion(r: Region): Region {
  return r.kind === 'buffer' ? { ...r, content: r.content.clone() } : { ...r, ptes: new Set(r.ptes) };
}

export function cloneFile(f: FileObj): FileObj {
  // The literal's own property order (Kernel.createFile), so that copies share the original's hidden class.
  return {
    id: f.id, path: f.path, name: f.name, size: f.size, content: f.content.clone(), disk: f.disk.clone(), dirtiedWhen: f.dirtiedWhen,
    nrDirty: f.nrDirty, inodeDirty: f.inodeDirty, sizeDirty: f.sizeDirty, lba: f.lba,
  };
}

export function clonePipe(p: Pipe): Pipe {
  return { ...p, refs: p.refs.map((r) => ({ ...r, content: r.content ? r.content.clone() : null })) };
}

export function cloneSocket(s: Socket): Socket {
  return { ...s, last: s.last.clone() };
}
