/**
 * Copies the kernel makes without a user buffer: sendfile, splice and copy_file_range. Modeled when both ends are
 * what the machine simulates (a file into a socket or a file; a file into a pipe and a pipe out to a socket or a
 * file); otherwise shown as calls, the file positions followed either way.
 */
import { intOf, offsetOf, splitArgs } from './args';
import type { Call, Core } from './core';
import { feedPipe, unopened } from './rw';
import { DK, type Desc, type Proc } from './tables';

/** sendfile(out, in, offset, count): c.r bytes of a file into a socket or a file. */
export function sendfile(r: Core, proc: Proc, c: Call): void {
  const a = splitArgs(c.args);
  const out = r.descOf(proc, a[0], c.line);
  const inp = r.descOf(proc, a[1], c.line);
  if (!out || !inp || c.failed) return r.pass(proc, c);
  const off = offsetOf(a[2]);
  const count = intOf(a[3]);
  const pos = Number.isNaN(off.before) ? inp.pos : off.before;
  if (inp.kind === DK.File && inp.path) r.ev.read(inp.path, pos, c.r, count);
  if (Number.isNaN(off.before)) inp.pos += c.r;
  if (out.kind === DK.File) {
    if (out.path) r.ev.wrote(out.path, out.pos, c.r);
    out.pos += c.r;
  }
  if (inp.kind !== DK.File || inp.mfd < 0 || out.mfd < 0 || (out.kind !== DK.Socket && out.kind !== DK.File)) return shownOnly(r, proc, c, inp, out);
  r.op(proc, c, 'sendfile', [out.mfd, inp.mfd, pos, c.r]);
}

/** A copy the model does not simulate: shown; an end it does not simulate at all has its bytes counted for its note. */
function shownOnly(r: Core, proc: Proc, c: Call, inp: Desc, out: Desc): void {
  unopened(r, proc, c, inp, c.r);
  if (out !== inp) unopened(r, proc, c, out, c.r);
  r.pass(proc, c);
}

/** copy_file_range without shared extents is do_splice_direct, as sendfile to a file: modeled as that. */
export function copyFileRange(r: Core, proc: Proc, c: Call): void {
  const a = splitArgs(c.args);
  const inp = r.descOf(proc, a[0], c.line);
  const out = r.descOf(proc, a[2], c.line);
  if (!out || !inp || c.failed) return r.pass(proc, c);
  const offIn = offsetOf(a[1]);
  const offOut = offsetOf(a[3]);
  const count = intOf(a[4]);
  const pos = Number.isNaN(offIn.before) ? inp.pos : offIn.before;
  const at = Number.isNaN(offOut.before) ? out.pos : offOut.before;
  if (inp.kind === DK.File && inp.path) r.ev.read(inp.path, pos, c.r, count);
  if (out.kind === DK.File && out.path) r.ev.wrote(out.path, at, c.r);
  if (Number.isNaN(offIn.before)) inp.pos += c.r;
  if (Number.isNaN(offOut.before)) out.pos += c.r;
  if (inp.kind !== DK.File || out.kind !== DK.File || inp.mfd < 0 || out.mfd < 0 || !Number.isNaN(offOut.before)) return shownOnly(r, proc, c, inp, out);
  r.op(proc, c, 'sendfile', [out.mfd, inp.mfd, pos, c.r], { text: 'copy_file_range' });
}

/**
 * splice(in, off_in, out, off_out, len): a file into a pipe, or a pipe out to a socket or a file. An offset
 * (`[65536]`) is used as pread and pwrite use theirs: the file position does not move.
 */
export function splice(r: Core, proc: Proc, c: Call): void {
  const a = splitArgs(c.args);
  const inp = r.descOf(proc, a[0], c.line);
  const out = r.descOf(proc, a[2], c.line);
  if (!inp || !out || c.failed) return r.pass(proc, c);
  const n = c.r;
  const offIn = offsetOf(a[1]).before;
  const offOut = offsetOf(a[3]).before;
  if (inp.kind === DK.File) {
    const pos = Number.isNaN(offIn) ? inp.pos : offIn;
    if (inp.path) r.ev.read(inp.path, pos, n, intOf(a[4]));
    if (Number.isNaN(offIn)) inp.pos += n;
  }
  if (out.kind === DK.File) {
    const pos = Number.isNaN(offOut) ? out.pos : offOut;
    if (out.path) r.ev.wrote(out.path, pos, n);
    if (Number.isNaN(offOut)) out.pos += n;
  }
  const ok = inp.mfd >= 0 && out.mfd >= 0 && (
    (inp.kind === DK.File && out.kind === DK.PipeW) ||
    (inp.kind === DK.PipeR && (out.kind === DK.Socket || out.kind === DK.File)));
  if (!ok) return shownOnly(r, proc, c, inp, out);
  if (inp.kind === DK.PipeR) {
    feedPipe(r, inp.pipe, n);
    const held = r.pipes.get(inp.pipe) ?? 0;
    if (held < n) r.ev.pipeShort(inp.path, c.line, n, held);
    r.drainPipe(inp.pipe, n);
  } else {
    r.fillPipe(out.pipe, n);
  }
  const args = [inp.mfd, out.mfd, n];
  if (!Number.isNaN(offIn) || !Number.isNaN(offOut)) args.push(Number.isNaN(offIn) ? -1 : offIn, Number.isNaN(offOut) ? -1 : offOut);
  r.op(proc, c, 'splice', args);
}

/**
 * vmsplice(fd, iov, nr, flags): from a pipe's read end it copies the pipe's bytes to user memory (vmsplice_to_user:
 * a read); into a write end it puts user pages in the pipe (vmsplice_to_pipe, which the model copies: a write).
 * Either way the pipe's fill follows the log, so the reads and splices around it find what Linux found.
 */
export function vmsplice(r: Core, proc: Proc, c: Call): void {
  const d = r.descOf(proc, splitArgs(c.args)[0], c.line);
  if (!d || c.failed || d.mfd < 0 || (d.kind !== DK.PipeR && d.kind !== DK.PipeW)) return r.pass(proc, c);
  const n = c.r;
  if (d.kind === DK.PipeR) {
    feedPipe(r, d.pipe, n);
    const held = r.pipes.get(d.pipe) ?? 0;
    if (held < n) r.ev.pipeShort(d.path, c.line, n, held);
    r.drainPipe(d.pipe, n);
    return r.bufOp(proc, c, 'read', d.mfd, n);
  }
  r.fillPipe(d.pipe, n);
  r.bufOp(proc, c, 'write', d.mfd, n);
}
