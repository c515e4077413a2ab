/**
 * Processes and threads: who a line's pid prefix is (a new child, the process that printed without a prefix until
 * a second one appeared), fork and clone, execve and exits. Each process has a thread index the operations carry.
 */
import { splitArgs, unquote } from './args';
import type { Call, Core } from './core';
import { LineKind, type ParsedLine } from './parse';
import { CLONE_FILES, forkFlags, isFork, type Proc } from './tables';

/** The process line `p` belongs to, by its pid prefix (-1: none); a pid seen for the first time is a new process. */
export function procOf(r: Core, p: ParsedLine): Proc {
  const pid = p.pid;
  if (pid < 0) {
    const solo = r.t.solo();
    if (solo) return solo;
    return newProc(r, -1, null, false);
  }
  const known = r.t.procs.get(pid);
  if (known) return known;
  const unnamed = r.t.procs.get(-1);
  // The process that printed without a prefix until a second one appeared: it now has a pid.
  if (unnamed && p.kind === LineKind.Resumed && r.pending.get(-1)?.name === p.name) return adopt(r, unnamed, pid);
  // A child that runs before its parent's clone() returned.
  for (const pend of [...r.pending.values()].reverse()) {
    if (isFork(pend.name)) {
      const parent = r.t.procs.get(pend.pid);
      if (parent) return newProc(r, pid, parent, (forkFlags(pend.name, pend.args) & CLONE_FILES) !== 0);
    }
  }
  if (unnamed) return adopt(r, unnamed, pid);
  return newProc(r, pid, null, false);
}

function adopt(r: Core, proc: Proc, pid: number): Proc {
  r.t.renumber(proc, pid);
  const pend = r.pending.get(-1);
  if (pend) {
    r.pending.delete(-1);
    pend.pid = pid;
    r.pending.set(pid, pend);
  }
  r.ev.thread(proc.thread, pid, proc.name);
  return proc;
}

function newProc(r: Core, pid: number, parent: Proc | null, shareFiles: boolean): Proc {
  const proc = r.t.addProc(pid, parent, shareFiles);
  r.ev.thread(proc.thread, pid, proc.name);
  return proc;
}

/** `+++ exited` or `+++ killed` at `line`: a call it left unfinished never returns; its own files are closed. */
export function exited(r: Core, proc: Proc, line: number): void {
  r.exitedAt.set(proc.pid, line);
  const pend = r.pending.get(proc.pid);
  if (pend) r.abandon(pend);
  r.t.dropped = [];
  r.t.removeProc(proc);
  // exit_files: the files only this process (and no thread left) had open are closed.
  r.closeDropped(proc, null, false, line);
}

/** fork, vfork, clone, clone3: the child, unless its first line came before this one. */
export function fork(r: Core, proc: Proc, c: Call): void {
  // A pid that exited and is now a new child's: Linux reused it (its calls are the child's).
  if (!c.failed && c.r > 0) r.exitedAt.delete(c.r);
  if (!c.failed && c.r > 0 && !r.t.procs.has(c.r)) {
    newProc(r, c.r, proc, (forkFlags(c.name, c.args) & CLONE_FILES) !== 0);
  }
  r.pass(proc, c);
}

/** execve, execveat: the process's new name; close-on-exec fds and mappings go. */
export function execve(r: Core, proc: Proc, c: Call): void {
  if (!c.failed) {
    const a = splitArgs(c.args);
    const path = unquote(c.name === 'execveat' ? a[1] : a[0]);
    proc.name = path.slice(path.lastIndexOf('/') + 1) || path;
    r.ev.thread(proc.thread, proc.pid, proc.name);
    // close-on-exec descriptors go; mappings go (the machine's stay until unmapped: nothing unmaps them here).
    r.t.closeWhere(proc, (_fd, v) => (v & 1) !== 0);
    proc.maps = [];
  }
  r.closeDropped(proc, c, true);
}

/** Why a call of `proc` cannot be simulated when its process has exited in the log (and no fork gave its pid again): null otherwise. */
export function afterExit(r: Core, proc: Proc): string | null {
  const at = r.exitedAt.get(proc.pid);
  if (at === undefined) return null;
  return `pid ${proc.pid} exited at line ${at}, and a process that has exited makes no calls (no fork or clone in the log returned pid ${proc.pid} again since)`;
}
