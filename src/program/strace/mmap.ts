/**
 * File mappings: an mmap of a modeled file becomes the machine's (its address is learnt when the machine answers,
 * see queue.ts); munmap finds it by the log's address.
 */
import { fdOf, intOf, numberIssue, splitArgs } from './args';
import type { Call, Core } from './core';
import { Fx } from './queue';
import { DK, type Proc } from './tables';

/** mmap's flags (include/uapi/linux/mman.h). */
const MAP_SHARED = 1;
const MAP_PRIVATE = 2;

/** mmap of a modeled file at a page-aligned offset (bytes), shared or private as the log's flags say. */
export function mmap(r: Core, proc: Proc, c: Call): void {
  if (c.failed) return r.pass(proc, c);
  const a = splitArgs(c.args);
  const fd = fdOf(a[4]).fd;
  if (!(fd >= 0)) return r.pass(proc, c);
  const d = r.descOf(proc, a[4], c.line);
  const len = intOf(a[1]);
  const off = intOf(a[5]);
  if (!d || d.kind !== DK.File || d.mfd < 0) return r.pass(proc, c);
  // do_mmap refuses a length of 0 and an offset off a page boundary with EINVAL: a successful call has neither.
  const why = numberIssue(len, 'the length', 'EINVAL, do_mmap') ?? numberIssue(off, 'the offset', 'EINVAL, do_mmap') ??
    (len === 0 ? 'the length is 0, which Linux refuses (EINVAL, do_mmap): a successful call cannot have it' : off % 4096 !== 0 ? `the offset ${off} is not a multiple of the page size (4096), which Linux refuses (EINVAL, do_mmap): a successful call cannot have it` : null);
  if (why !== null) return r.unsimulated(proc, c, why);
  if (d.path) r.ev.mapped(d.path, off, len, c.line);
  // MAP_SHARED (and MAP_SHARED_VALIDATE) or MAP_PRIVATE, as the log has it.
  const flags = /\bMAP_SHARED/.test(a[3] ?? '') ? MAP_SHARED : MAP_PRIVATE;
  r.op(proc, c, 'mmap', [d.mfd, len, off, flags], { fx: Fx.Mmap, p1: proc.pid, p2: c.r });
}

/** munmap of a mapping made in the log, found by its log address. */
export function munmap(r: Core, proc: Proc, c: Call): void {
  const a = splitArgs(c.args);
  const addr = intOf(a[0]);
  const i = proc.maps.findIndex((m) => m[0] === addr);
  if (c.failed || i < 0) return r.pass(proc, c);
  const [, maddr, mlen] = proc.maps[i];
  proc.maps.splice(i, 1);
  if (maddr <= 0) return r.pass(proc, c);
  r.op(proc, c, 'munmap', [maddr, mlen]);
}
