/**
 * Whether a text is strace output, by its content: `strace -o strace.out`, `-o trace.log` and the per-process files
 * of `strace -ff -o trace` (trace.12345) are the names logs really have, not `*.strace`.
 */
import { readSync, closeSync } from 'node:fs';
import { openRegularFile } from '../openFile';
import { LineKind, parseLine } from './parse';

/** How much of a file is read to decide, and how many of its first non-blank lines are looked at. */
const HEAD_BYTES = 64 * 1024;
const HEAD_LINES = 20;

/** The header of a `strace -c` (or -C) summary table. */
const SUMMARY_HEADER = /^\s*% time\s+seconds\s+usecs\/call/;

/**
 * True when one of the first non-blank lines is a line only strace prints: a call with ` = result`, a half of a
 * split call, a signal, an exit, strace's own note, or the header of a -c summary table. No line of a scenario has
 * any of these shapes (a scenario's call has no ` = result` after it).
 */
export function looksLikeStrace(head: string): boolean {
  let seen = 0;
  let at = 0;
  while (at < head.length && seen < HEAD_LINES) {
    let nl = head.indexOf('\n', at);
    if (nl < 0) nl = head.length;
    const line = head.slice(at, nl).replace(/\r$/, '');
    at = nl + 1;
    if (line.trim() === '') continue;
    seen++;
    if (SUMMARY_HEADER.test(line)) return true;
    const k = parseLine(line).kind;
    if (k !== LineKind.Bad && k !== LineKind.Blank) return true;
  }
  return false;
}

/** The start of a file, for looksLikeStrace (an unreadable file gives '': the caller's read will say why). */
export function fileHead(path: string): string {
  let fd = -1;
  try {
    // A FIFO or a device is refused here without blocking; the reader then names the reason.
    fd = openRegularFile(path);
    const buf = Buffer.alloc(HEAD_BYTES);
    const n = readSync(fd, buf, 0, HEAD_BYTES, 0);
    return buf.toString('utf8', 0, n);
  } catch {
    return '';
  } finally {
    if (fd >= 0) closeSync(fd);
  }
}
