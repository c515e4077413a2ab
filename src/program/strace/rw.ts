/**
 * Reads and writes (plain, positional, vectored, and the send family), lseek and the fsync family. A read or write
 * of a regular file, a pipe or a TCP socket becomes a machine operation through the process's buffer; the file
 * position follows the log. The commonest calls (read, pread64, write, pwrite64) are decoded once, whichever reader
 * read their line: the general parser (plain) or the fast path (plainIo and plainArgs, from replay.ts).
 */
import { MAX_RW_COUNT } from '../../machine/limits';
import { fdOf, intOf, iovTotal, lastComma, numberAt, offsetOf, pastSizeMax, splitArgs } from './args';
import { callOf, MAX_BUFFER, type Call, type Core } from './core';
import { FastOp } from './fast';
import { namedPath } from './named';
import { DK, type Desc, type Proc } from './tables';


/**
 * A successful read, pread64, write or pwrite64 (`op`) of `d`, with the numbers its arguments end in, as FastCall
 * has them: `last` (read: the count asked; pread64, pwrite64: the offset) and `prev` (pread64: the count asked).
 */
export function plainIo(r: Core, proc: Proc, c: Call, d: Desc, op: FastOp, last: number, prev: number): void {
  // strace prints these as decimal numbers: anything else (`abc`, `60abc`, `1e3`) is a damaged line.
  const count = op === FastOp.Read ? last : op === FastOp.Pread ? prev : 0;
  if (Number.isNaN(count)) return r.unsimulated(proc, c, 'the count is not a number');
  // strace prints the count unsigned (a size_t, %lu): a sign is a damaged line.
  if (count < 0) return r.unsimulated(proc, c, `the count ${count} is negative, which strace never prints (a count is a size_t, printed unsigned)`);
  if ((op === FastOp.Pread || op === FastOp.Pwrite) && Number.isNaN(last)) return r.unsimulated(proc, c, 'the offset is not a number');
  switch (op) {
    case FastOp.Read:
      return readFrom(r, proc, c, d, last, NaN);
    case FastOp.Pread:
      return readFrom(r, proc, c, d, prev, last);
    case FastOp.Write:
      return writeTo(r, proc, c, d, NaN);
    case FastOp.Pwrite:
      return writeTo(r, proc, c, d, last);
  }
}

/**
 * Whether the first pass may take a fast read or write (`op`) of `d` that returned `n` bytes without a call record:
 * a read or write at the file position of a regular file, a read of a pipe's read end or a write to its write end that
 * the machine models, and a result no refusal() turns down (the other numbers of the fast path are plain decimals).
 */
export function scanTakes(r: Core, d: Desc, op: FastOp, n: number): boolean {
  if (r.live || !(n >= 0 && n <= MAX_RW_COUNT)) return false;
  const k = d.kind;
  return k === DK.File ? op === FastOp.Read || op === FastOp.Write : k === DK.PipeR ? op === FastOp.Read && d.mfd >= 0 : k === DK.PipeW && op === FastOp.Write && d.mfd >= 0;
}

/**
 * The first pass's whole work for such a call of a pipe end at `line` that moved `n` bytes: what readFrom and writeTo
 * do without a machine (the pipe's fill) with no call record, the operation they would queue being none (a regular
 * file's is Evidence.plainFile and the file position, in replay.ts).
 */
export function scanPipe(r: Core, d: Desc, n: number, line: number): void {
  if (d.kind === DK.PipeR) return pipeRead(r, d, n, line);
  if (d.kind === DK.PipeW) r.fillPipe(d.pipe, n);
}

/** plainIo with its numbers read from the argument text t[start, end) (the call's, or a first half's). */
export function plainArgs(r: Core, proc: Proc, c: Call, d: Desc, op: FastOp, t: string, start: number, end: number): void {
  let last = NaN;
  let prev = NaN;
  // They end in plain numbers: no need to split (and walk) the data string in the middle.
  if (op !== FastOp.Write) {
    const k = lastComma(t, end - 1, start);
    last = numberAt(t, k + 1, end);
    const k2 = op === FastOp.Pread ? lastComma(t, k - 1, start) : -1;
    if (op === FastOp.Pread) prev = numberAt(t, k2 + 1, k);
    // A count no size_t holds (2^64 − 1 and 2^64 are one double: the digits tell them apart). A count up to it is
    // what Linux clamps to MAX_RW_COUNT (cp asks for SSIZE_MAX), and so does the model.
    if (op === FastOp.Read ? last >= 1.8e19 && pastSizeMax(t, k + 1, end) : op === FastOp.Pread && prev >= 1.8e19 && pastSizeMax(t, k2 + 1, k)) {
      return r.unsimulated(proc, c, `the count ${(op === FastOp.Read ? t.slice(k + 1, end) : t.slice(k2 + 1, k)).trim()} is past 2^64 − 1, the largest count (a size_t) a call can be given (a damaged line)`);
    }
  }
  plainIo(r, proc, c, d, op, last, prev);
}

/** read and pread64, write and pwrite64 (`op`), from the general parser. */
export function plain(r: Core, proc: Proc, c: Call, op: FastOp): void {
  const d = r.descAt(proc, c);
  if (!d || c.failed) return r.pass(proc, c);
  plainArgs(r, proc, c, d, op, c.text, c.argsStart, c.argsEnd);
}

/** readv, preadv, preadv2 (`reading`); writev, pwritev, pwritev2, send, sendto, sendmsg. */
export function vectored(r: Core, proc: Proc, c: Call, reading: boolean): void {
  const a = splitArgs(c.args);
  const d = r.descOf(proc, a[0], c.line);
  if (!d || c.failed) return r.pass(proc, c);
  const name = c.name;
  const positional = name === 'preadv' || name === 'preadv2' || name === 'pwritev' || name === 'pwritev2';
  let offset = positional ? intOf(a[3]) : NaN;
  if (positional && Number.isNaN(offset)) return r.unsimulated(proc, c, 'the offset is not a number');
  // The v2 calls take -1 for the file position.
  if (offset === -1 && (name === 'preadv2' || name === 'pwritev2')) offset = NaN;
  if (reading) readFrom(r, proc, c, d, iovTotal(a[1]), offset);
  else writeTo(r, proc, c, d, offset);
}

/** A successful read of `d` (asked: `count` bytes; at `offset`, NaN: at the file position) that returned c.r bytes. */
function readFrom(r: Core, proc: Proc, c: Call, d: Desc, count: number, offset: number): void {
  if (!(count >= 0)) count = c.r;
  const n = c.r;
  if (d.kind === DK.File) {
    const pos = Number.isNaN(offset) ? d.pos : offset;
    if (d.path) r.ev.read(d.path, pos, n, count);
    if (Number.isNaN(offset)) d.pos += n;
    if (d.mfd < 0) return r.pass(proc, c);
    const asked = count > MAX_BUFFER ? n : count;
    return Number.isNaN(offset) ? r.bufOp(proc, c, 'read', d.mfd, asked) : r.bufOp(proc, c, 'pread', d.mfd, asked, offset);
  }
  if (d.kind === DK.PipeR && d.mfd >= 0) {
    pipeRead(r, d, n, c.line);
    return r.bufOp(proc, c, 'read', d.mfd, n);
  }
  // Sockets: the receive path is not modeled.
  unopened(r, proc, c, d, n);
  r.pass(proc, c);
}

/**
 * A read of `n` bytes from pipe read end `d` at `line`: it takes exactly what the log says it got; a writer still
 * blocked in the log wrote it first.
 */
function pipeRead(r: Core, d: Desc, n: number, line: number): void {
  feedPipe(r, d.pipe, n);
  const held = r.pipes.get(d.pipe) ?? 0;
  if (held < n) r.ev.pipeShort(d.path, line, n, held);
  r.drainPipe(d.pipe, n);
}

/** A successful write to `d` (at `offset`, NaN: at the file position) that returned c.r bytes. */
function writeTo(r: Core, proc: Proc, c: Call, d: Desc, offset: number): void {
  const n = c.r;
  if (d.kind === DK.File) {
    const pos = Number.isNaN(offset) ? d.pos : offset;
    if (d.path) r.ev.wrote(d.path, pos, n);
    if (Number.isNaN(offset)) d.pos += n;
    if (d.mfd < 0) return r.pass(proc, c);
    return Number.isNaN(offset) ? r.bufOp(proc, c, 'write', d.mfd, n) : r.bufOp(proc, c, 'pwrite', d.mfd, n, offset);
  }
  if (d.kind === DK.PipeW && d.mfd >= 0) {
    // A write handed out early (see feedPipe) already filled the pipe.
    if (!c.early) r.fillPipe(d.pipe, n);
    return r.bufOp(proc, c, 'write', d.mfd, n);
  }
  if (d.kind === DK.Socket && d.mfd >= 0) return r.bufOp(proc, c, 'write', d.mfd, n);
  unopened(r, proc, c, d, n);
  r.pass(proc, c);
}

/**
 * `n` bytes through description `d`, which the model does not simulate (open before the log, or madeOther): for the
 * first pass's note, one for each such description (notes.ts).
 */
export function unopened(r: Core, proc: Proc, c: Call, d: Desc, n: number): void {
  if (r.live || d.mfd >= 0) return;
  // The fd it has in this process (the fast path's call object has no argument text to read it from).
  let fd = -1;
  for (const [k, v] of r.t.fds(proc)) {
    if (v >> 1 === d.id) {
      fd = k;
      break;
    }
  }
  r.ev.unopenedIo(d.id, fd, c.line, n);
}

/**
 * Before a pipe read of `n` bytes: if the machine's pipe holds fewer, a write blocked in the log (unfinished,
 * waiting for this reader) is handed to the machine now, with its requested count. The first pass does the same
 * (queuing nothing), so that it sees the pipes fill in the replay's order.
 */
export function feedPipe(r: Core, pipe: number, n: number): void {
  if (r.pending.size === 0 || (r.pipes.get(pipe) ?? 0) >= n) return;
  for (const pend of r.pending.values()) {
    if ((r.pipes.get(pipe) ?? 0) >= n) return;
    if (pend.early || (pend.name !== 'write' && pend.name !== 'writev')) continue;
    const proc = r.t.procs.get(pend.pid);
    if (!proc) continue;
    const a = splitArgs(pend.args);
    const v = r.t.fds(proc).get(fdOf(a[0]).fd);
    const d = v === undefined ? undefined : r.t.descs.get(v >> 1);
    if (!d || d.kind !== DK.PipeW || d.pipe !== pipe || d.mfd < 0) continue;
    const count = pend.name === 'write' ? intOf(a[2]) : iovTotal(a[1]);
    if (!(count > 0)) continue;
    pend.early = true;
    r.fillPipe(pipe, count);
    // Handed over before its end is read, it still carries what its first half's -y says it writes to (`pipe:[N]`),
    // as the call completed in one line does: tools that follow a descriptor by its name see one pipe.
    const call = callOf(pend, count, false);
    if (r.live) call.path = namedPath(call);
    // Its end, which the first pass read: printed whole as the resumed line gives it, with the log's duration.
    const end = r.know.resumed.get(pend.at);
    if (end !== undefined) {
      call.end = end.end;
      call.durNs = end.durNs;
      if (end.r >= 0) call.r = end.r;
    }
    r.bufOp(proc, call, 'write', d.mfd, count);
  }
}

/** recv, recvfrom, recvmsg, recvmmsg: shown only (the model has no receive path); through a description it does not simulate, counted for its note. */
export function received(r: Core, proc: Proc, c: Call): void {
  const d = r.descAt(proc, c);
  if (d && !c.failed) unopened(r, proc, c, d, c.name === 'recvmmsg' ? 0 : c.r);
  r.pass(proc, c);
}

/**
 * lseek, _llseek: the file position; SEEK_END shows the file's size (result less the offset, in bytes). The model's
 * position is set to where the log says the call left it (SEEK_SET to the result), whatever the log left out
 * before it (reads a `-e trace=` filter hid, a SEEK_DATA it cannot compute).
 */
export function lseek(r: Core, proc: Proc, c: Call): void {
  const a = splitArgs(c.args);
  const d = r.descOf(proc, a[0], c.line);
  if (!d || c.failed || d.kind !== DK.File) return r.pass(proc, c);
  // _llseek(fd, high, low, [result], whence): the result is in the fourth argument.
  const off = c.name === '_llseek' ? NaN : intOf(a[1]);
  if (c.name !== '_llseek' && Number.isNaN(off)) return r.unsimulated(proc, c, 'the offset is not a number');
  const pos = c.name === '_llseek' ? offsetOf(a[3]).after : c.r;
  d.pos = pos;
  if (a[a.length - 1] === 'SEEK_END' && d.path && !Number.isNaN(off)) r.ev.size(d.path, pos - off);
  if (d.mfd < 0 || !(pos >= 0)) return r.pass(proc, c);
  r.op(proc, c, 'lseek', [d.mfd, pos, 0]);
}

/** fsync, fdatasync, sync_file_range(2). */
export function fsync(r: Core, proc: Proc, c: Call): void {
  const a = splitArgs(c.args);
  const d = r.descOf(proc, a[0], c.line);
  if (!d || c.failed || d.kind !== DK.File || d.mfd < 0) return r.pass(proc, c);
  if (c.name === 'fsync' || c.name === 'fdatasync') return r.op(proc, c, c.name, [d.mfd]);
  // sync_file_range: modeled as fdatasync when it starts writeback (the model writes the whole file and waits).
  const flags = c.name === 'sync_file_range2' ? a[1] : a[3];
  if (!(flags ?? '').includes('SYNC_FILE_RANGE_WRITE')) return r.pass(proc, c);
  r.op(proc, c, 'fdatasync', [d.mfd], { text: c.name });
}
