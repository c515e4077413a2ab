/**
 * Linux AIO (fs/aio.c): an io_submit becomes one machine aio_submit of the control blocks the log says it took, and
 * an io_getevents one aio_getevents that reaps as many events as the log says it did. The results are counts, as
 * the log's are; each request's own result (bytes, or -errno) is in its completion. io_uring's entries are not in
 * the log at all: its calls are shown only, with one note a ring (notes.ts).
 */
import { fdOf, fieldOf, iovTotal, numberIssue, splitArgs, structsOf } from './args';
import type { Call, Core } from './core';
import { otherFd } from './files';
import { DK, type Proc } from './tables';

/** IOCB_CMD_* the machine simulates (include/uapi/linux/aio_abi.h), by the name strace prints. */
const OPCODES: Record<string, number> = {
  IOCB_CMD_PREAD: 0, IOCB_CMD_PWRITE: 1, IOCB_CMD_FSYNC: 2, IOCB_CMD_FDSYNC: 3, IOCB_CMD_PREADV: 7, IOCB_CMD_PWRITEV: 8,
};

const PAGE = 4096;

/**
 * io_submit(ctx, nr, iocbs) = n: the first n control blocks, as [fd, count, offset, opcode]. Null when one of them
 * cannot be simulated (a descriptor that is not a simulated file, an opcode the model lacks, a count not shown):
 * the call is then shown only.
 */
function blocksOf(r: Core, proc: Proc, c: Call): number[][] | string | null {
  const cbs = structsOf(splitArgs(c.args)[2]).slice(0, Math.max(0, c.r));
  if (cbs.length === 0 || cbs.length < c.r) return null;
  const out: number[][] = [];
  for (const cb of cbs) {
    const opcode = OPCODES[/aio_lio_opcode=(\w+)/.exec(cb)?.[1] ?? ''];
    if (opcode === undefined) return null;
    const d = r.descOf(proc, /aio_fildes=([^,}]*)/.exec(cb)?.[1], c.line);
    if (!d || d.kind !== DK.File || d.mfd < 0) return null;
    // The vectored ones print their iovecs in aio_buf: the count is their total.
    const vectored = opcode === OPCODES.IOCB_CMD_PREADV || opcode === OPCODES.IOCB_CMD_PWRITEV;
    const sync = opcode === OPCODES.IOCB_CMD_FSYNC || opcode === OPCODES.IOCB_CMD_FDSYNC;
    const count = sync ? 0 : vectored ? iovTotal(cb) : fieldOf(cb, 'aio_nbytes');
    const offset = sync ? 0 : fieldOf(cb, 'aio_offset');
    // A block Linux refuses (a negative position: rw_verify_area's EINVAL, in its completion) or a number the model
    // cannot take: the call is shown only, with a warning (ioSubmit).
    const why = blockIssue(count, offset);
    if (why !== null) return why;
    out.push([d.mfd, count, offset, opcode]);
  }
  return out;
}

/** What is wrong with a control block's count and offset (bytes), or null (io_submit takes it; its event fails). */
function blockIssue(count: number, offset: number): string | null {
  const why = numberIssue(count, 'the aio_nbytes of a control block') ?? numberIssue(offset, 'the aio_offset of a control block', 'EINVAL in its completion, rw_verify_area');
  if (why !== null) return why.replace(': a successful call cannot have it', '');
  return count < 0 ? `the aio_nbytes of a control block ${count} is negative` : null;
}

/** The first pass's check of io_submit's blocks (their numbers only: it takes no descriptor from them). */
function blocksIssue(c: Call): string | null {
  for (const cb of structsOf(splitArgs(c.args)[2]).slice(0, Math.max(0, c.r))) {
    const op = /aio_lio_opcode=(\w+)/.exec(cb)?.[1] ?? '';
    if (op === 'IOCB_CMD_FSYNC' || op === 'IOCB_CMD_FDSYNC') continue;
    const why = blockIssue(op.endsWith('V') ? iovTotal(cb) : fieldOf(cb, 'aio_nbytes'), fieldOf(cb, 'aio_offset'));
    if (why !== null) return why;
  }
  return null;
}

/** The requests of context `ctx` submitted and not yet reaped, as the replay counts them (Proc.aio). */
function outstanding(proc: Proc, ctx: number): number {
  for (let i = 0; i < proc.aio.length; i += 2) if (proc.aio[i] === ctx) return proc.aio[i + 1];
  return 0;
}

function addOutstanding(proc: Proc, ctx: number, n: number): void {
  for (let i = 0; i < proc.aio.length; i += 2) {
    if (proc.aio[i] === ctx) {
      proc.aio[i + 1] += n;
      return;
    }
  }
  proc.aio.push(ctx, n);
}

/** io_submit: the blocks it took, simulated in one aio_submit whose buffers follow each other in the process's. */
export function ioSubmit(r: Core, proc: Proc, c: Call): void {
  // The first pass learns nothing from the control blocks (nor does it take their descriptors as the log's).
  if (c.failed || !(c.r > 0)) return r.pass(proc, c);
  if (!r.live) {
    const why = blocksIssue(c);
    return why === null ? r.pass(proc, c) : r.unsimulated(proc, c, why);
  }
  const blocks = blocksOf(r, proc, c);
  if (typeof blocks === 'string') return r.unsimulated(proc, c, blocks);
  const ctx = parseInt(splitArgs(c.args)[0], 16);
  if (!blocks || !(ctx > 0)) return r.pass(proc, c);
  // Each block's buffer starts on a page, so that O_DIRECT finds it aligned (machine/fs/aio-submit.ts).
  let bytes = 0;
  for (const b of blocks) bytes += Math.ceil(Math.max(b[1], 1) / PAGE) * PAGE;
  r.ensureBuf(proc, bytes, c);
  const [first, ...rest] = blocks;
  const args = [first[0], 0, ctx, first[1], first[2], first[3]];
  for (const b of rest) args.push(...b);
  r.op(proc, c, 'aio_submit', args, { bufPid: proc.pid });
  addOutstanding(proc, ctx, blocks.length);
}

/** io_getevents: reaps as many of the context's simulated requests as the log says it reaped. */
export function ioGetevents(r: Core, proc: Proc, c: Call): void {
  if (c.failed || !r.live || !(c.r >= 0)) return r.pass(proc, c);
  const ctx = parseInt(splitArgs(c.args)[0], 16);
  const n = Math.min(c.r, outstanding(proc, ctx));
  // A context none of whose requests was simulated: shown only.
  if (!(ctx > 0) || (n === 0 && c.r > 0)) return r.pass(proc, c);
  r.op(proc, c, 'aio_getevents', [ctx, c.r]);
  addOutstanding(proc, ctx, -n);
}

/** io_uring_setup: a descriptor the model does not simulate; the ring is noted where it is set up. */
export function uringSetup(r: Core, proc: Proc, c: Call): void {
  otherFd(r, proc, c);
  if (c.failed) return;
  const ret = fdOf(c.ret);
  const d = r.t.known(proc, ret.fd);
  if (d) r.ev.uring(d.id, ret.fd, proc.pid, c.line, true, 0);
}

/**
 * io_uring_enter(fd, to_submit, min_complete, flags, ...) = n: shown only (strace shows no submission entry); the
 * ring counts the call and the n entries it consumed when it submitted.
 */
export function uringEnter(r: Core, proc: Proc, c: Call): void {
  const a = splitArgs(c.args);
  const d = r.descOf(proc, a[0], c.line);
  // Only a ring takes io_uring_enter: whatever the descriptor, it is one.
  if (d) r.ev.uring(d.id, fdOf(a[0]).fd, proc.pid, c.line, false, !c.failed && numberArg(a[1]) > 0 ? c.r : 0);
  r.pass(proc, c);
}

/** A plain number argument; NaN for anything else. */
function numberArg(a: string | undefined): number {
  return a !== undefined && /^\d+$/.test(a.trim()) ? Number(a) : NaN;
}
