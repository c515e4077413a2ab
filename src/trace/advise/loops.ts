/**
 * Finding the transfer loops of a recorded run: bytes read into a user buffer and written out again by the same
 * thread (read/pread64/readv, then write, sendto, sendmsg or writev of the same byte count, in one call or several), or written
 * from a file mapping (mmap, then write from the mapped addresses); and the calls that already move data without
 * passing it through user memory (sendfile, splice, copy_file_range, O_DIRECT reads, aio and io_uring reads).
 *
 * strace does not show what the program does with the buffer between the read and the write: a loop is found by
 * byte counts and order alone, and the advice assumes the bytes pass through unchanged.
 */
import { IOCB, iocbAt } from '../../machine/fs/aio-submit';
import { OPEN_FLAGS } from '../../machine/operation';
import type { FdFacts, Step } from './run';

/** One read and the write(s) that send its bytes on (or one write from a mapping: `read` -1). */
export interface Pair {
  read: number;
  writes: number[];
  bytes: number;
  /** Where in the source file the bytes were (bytes); NaN when the source is not a file. */
  pos: number;
}

export type EndKind = 'file' | 'socket' | 'pipe' | 'other';

export interface Loop {
  method: 'read+write' | 'mmap+write';
  thread: number;
  /** What the log names the two ends (-y paths, socket descriptions), or the machine's path. */
  source: string;
  sink: string;
  sourceKind: EndKind;
  sinkKind: EndKind;
  /** Machine descriptors of the recorded run (-1: the end is not simulated). */
  sourceFd: number;
  sinkFd: number;
  sourceFileId: number;
  /** Whether the source is read at its file position (read, readv) rather than at given offsets (pread64). */
  sourceAtPos: boolean;
  /** Whether the sink is written at given offsets (pwrite64). */
  sinkAtOffset: boolean;
  pairs: Pair[];
  /** The read that found the end of the source (returned 0), if it follows the loop. */
  eof: number;
  /** mmap+write: the mapping (its recorded step, address, length and file offset). */
  map?: { step: number; addr: number; len: number; off: number };
}

export interface ZeroCopyCall {
  step: number;
  line: number;
  method: string;
  bytes: number;
}

const READS = new Set(['read', 'pread64', 'readv', 'preadv', 'preadv2', 'recv', 'recvfrom', 'recvmsg']);
const WRITES = new Set(['write', 'pwrite64', 'writev', 'pwritev', 'pwritev2', 'send', 'sendto', 'sendmsg']);
const ZERO_COPY_SYSCALLS = new Set(['sendfile', 'sendfile64', 'splice', 'copy_file_range', 'tee', 'vmsplice']);

function kindOf(f: FdFacts | undefined, name: string): EndKind {
  if (f) return f.kind;
  if (/^(TCP|UDP|TCPv6|UDPv6|UNIX|socket):/.test(name)) return 'socket';
  if (name.startsWith('pipe:')) return 'pipe';
  if (name.startsWith('/')) return 'file';
  return 'other';
}

function nameOf(s: Step): string {
  const p = s.op.recorded?.path ?? s.fd?.path;
  if (p) return p;
  // A log without -y names no descriptor: the machine's.
  return s.fd ? `${s.fd.kind} (machine fd ${s.op.args[0]})` : `fd ${s.op.args[0]}`;
}

function isDirect(f: FdFacts | undefined): boolean {
  return f?.kind === 'file' && ((f.flags ?? 0) & OPEN_FLAGS.O_DIRECT) !== 0;
}

/** A read that returned bytes into a user buffer: [bytes, modeled]; null when the step is not one. */
function readOf(s: Step): number | null {
  if (s.errno || s.result < 0) return null;
  if ((s.op.name === 'read' || s.op.name === 'pread') && !isDirect(s.fd)) return s.result;
  if (s.op.name === 'syscall' && READS.has(s.op.recorded?.syscall ?? '')) return s.op.recorded?.result ?? null;
  return null;
}

/** A write from a user buffer: the bytes it asked to write; null when the step is not one. */
function writeOf(s: Step): number | null {
  if (s.errno || s.result < 0) return null;
  if (s.op.name === 'write' || s.op.name === 'pwrite') return s.result;
  if (s.op.name === 'syscall' && WRITES.has(s.op.recorded?.syscall ?? '')) return s.op.recorded?.result ?? null;
  return null;
}

/** What a step names as its descriptor, for closes: the machine fd (modeled) or the log's name. */
function endKey(s: Step): string {
  return s.op.name === 'syscall' ? `n:${nameOf(s)}` : `m:${s.op.args[0]}`;
}

interface Pending {
  read: number;
  bytes: number;
  remaining: number;
  writes: number[];
}

interface Mapping {
  step: number;
  addr: number;
  len: number;
  off: number;
  fd: number;
  facts: FdFacts | undefined;
  name: string;
}

/** The loops and zero-copy calls of a recorded run, in the order they start. */
export function findLoops(steps: readonly Step[]): { loops: Loop[]; zeroCopy: ZeroCopyCall[] } {
  const loops: Loop[] = [];
  const zeroCopy: ZeroCopyCall[] = [];
  const pending = new Map<number, Pending>();
  // A thread's loops still going, by their ends: an event loop serving several clients interleaves them.
  const open = new Map<number, Map<string, Loop>>();
  const maps: Mapping[] = [];
  const keyOf = (l: Loop) => `${l.method}\0${l.source}\0${l.sink}\0${l.sourceFd}\0${l.sinkFd}`;
  const openOf = (t: number) => {
    let m = open.get(t);
    if (!m) open.set(t, (m = new Map()));
    return m;
  };

  const addPair = (thread: number, l: Loop) => {
    const mine = openOf(thread);
    const cur = mine.get(keyOf(l));
    if (cur) {
      cur.pairs.push(l.pairs[0]);
      return;
    }
    loops.push(l);
    mine.set(keyOf(l), l);
  };

  /** Ends the thread's loops that `pred` picks. */
  const closeWhere = (t: number, pred: (l: Loop) => boolean) => {
    const mine = open.get(t);
    if (mine) for (const [k, l] of mine) if (pred(l)) mine.delete(k);
  };

  const complete = (t: number, p: Pending, last: Step) => {
    pending.delete(t);
    const r = steps[p.read];
    const pos = r.fd?.kind === 'file' ? (r.op.name === 'pread' ? r.op.args[3] : r.fd.pos ?? NaN) : NaN;
    addPair(t, {
      method: 'read+write', thread: t, source: nameOf(r), sink: nameOf(last),
      sourceKind: kindOf(r.fd, nameOf(r)), sinkKind: kindOf(last.fd, nameOf(last)),
      sourceFd: r.op.name === 'syscall' ? -1 : r.op.args[0], sinkFd: last.op.name === 'syscall' ? -1 : last.op.args[0],
      sourceFileId: r.fd?.fileId ?? -1, sourceAtPos: r.op.name === 'read', sinkAtOffset: last.op.name === 'pwrite',
      pairs: [{ read: p.read, writes: p.writes, bytes: p.bytes, pos }], eof: -1,
    });
  };

  steps.forEach((s, i) => {
    const t = s.op.thread ?? 1;
    const name = s.op.name;
    const read = readOf(s);
    if (read !== null) {
      if (read > 0) {
        pending.set(t, { read: i, bytes: read, remaining: read, writes: [] });
      } else {
        // The end of the source: it ends the loop reading it.
        const key = endKey(s);
        const src = nameOf(s);
        const mine = open.get(t);
        for (const [k, l] of mine ?? []) {
          const first = l.pairs[0].read >= 0 ? steps[l.pairs[0].read] : undefined;
          if (first && endKey(first) === key && nameOf(first) === src) {
            l.eof = i;
            mine!.delete(k);
          }
        }
        pending.delete(t);
      }
      return;
    }
    const wrote = writeOf(s);
    if (wrote !== null) {
      if (!(wrote > 0)) return;
      // A write from a file mapping.
      const buf = s.op.args[1];
      const mp = s.op.name === 'syscall' ? undefined : maps.find((m) => buf >= m.addr && buf < m.addr + m.len);
      if (mp) {
        addPair(t, {
          method: 'mmap+write', thread: t, source: mp.name, sink: nameOf(s),
          sourceKind: 'file', sinkKind: kindOf(s.fd, nameOf(s)), sourceFd: mp.fd, sinkFd: s.op.args[0],
          sourceFileId: mp.facts?.fileId ?? -1, sourceAtPos: false, sinkAtOffset: s.op.name === 'pwrite',
          pairs: [{ read: -1, writes: [i], bytes: wrote, pos: mp.off + (buf - mp.addr) }], eof: -1,
          map: { step: mp.step, addr: mp.addr, len: mp.len, off: mp.off },
        });
        return;
      }
      const p = pending.get(t);
      if (!p) return;
      const sink = `${endKey(s)}\0${nameOf(s)}`;
      const first = p.writes.length ? steps[p.writes[0]] : undefined;
      if (first && `${endKey(first)}\0${nameOf(first)}` !== sink) {
        // Written elsewhere than the pair's first write (a log line, say): the whole read here starts over; less is
        // not the pair's.
        if (wrote === p.bytes) {
          p.writes = [i];
          p.remaining = 0;
          complete(t, p, s);
        }
        return;
      }
      if (wrote > p.remaining) {
        pending.delete(t);
        return;
      }
      p.writes.push(i);
      p.remaining -= wrote;
      if (p.remaining === 0) complete(t, p, s);
      return;
    }
    if (name === 'mmap' && !s.errno) {
      maps.push({ step: i, addr: s.result, len: s.op.args[1], off: s.op.args[2] ?? 0, fd: s.op.args[0], facts: s.fd, name: nameOf(s) });
      return;
    }
    if (name === 'munmap') {
      const k = maps.findIndex((m) => m.addr === s.op.args[0]);
      if (k >= 0) maps.splice(k, 1);
      return;
    }
    if (name === 'close' || (name === 'syscall' && s.op.recorded?.syscall === 'close')) {
      // Closing either end of a loop ends it.
      const key = endKey(s);
      const named = nameOf(s);
      closeWhere(t, (l) => key === `m:${l.sourceFd}` || key === `m:${l.sinkFd}` || named === l.source || named === l.sink);
      return;
    }
    const zc = zeroCopyOf(s);
    if (zc) zeroCopy.push({ step: i, line: s.op.line, ...zc });
  });
  return { loops, zeroCopy };
}

/** A call that already avoids the user-space copy: its method and bytes. */
function zeroCopyOf(s: Step): { method: string; bytes: number } | null {
  const op = s.op;
  if (s.errno || s.result < 0) return null;
  switch (op.name) {
    case 'sendfile': return { method: op.text === 'copy_file_range' ? 'copy_file_range' : 'sendfile', bytes: s.result };
    case 'splice': return { method: 'splice', bytes: s.result };
    case 'aio_read': return { method: isDirect(s.fd) ? 'O_DIRECT+aio' : 'aio', bytes: op.args[2] };
    case 'aio_submit': return { method: isDirect(s.fd) ? 'O_DIRECT+aio' : 'aio', bytes: aioBytes(op.args, s.result) };
    case 'uring_read': return { method: isDirect(s.fd) ? 'O_DIRECT+io_uring' : 'io_uring', bytes: op.args[2] };
    case 'read': case 'pread': return isDirect(s.fd) ? { method: 'O_DIRECT', bytes: s.result } : null;
    case 'syscall': {
      const name = op.recorded?.syscall ?? '';
      if (!ZERO_COPY_SYSCALLS.has(name)) return null;
      return { method: name === 'sendfile64' ? 'sendfile' : name, bytes: op.recorded?.result ?? 0 };
    }
  }
  return null;
}

const AIO_DATA = new Set([IOCB.IOCB_CMD_PREAD, IOCB.IOCB_CMD_PWRITE, IOCB.IOCB_CMD_PREADV, IOCB.IOCB_CMD_PWRITEV]);

/** The bytes the first `taken` control blocks of an aio_submit ask to move (reads and writes; fsyncs move none). */
function aioBytes(args: readonly number[], taken: number): number {
  let bytes = 0;
  for (let i = 0; i < taken; i++) {
    const cb = iocbAt(args, i);
    if (!cb) break;
    if (AIO_DATA.has(cb.opcode)) bytes += cb.count;
  }
  return bytes;
}
