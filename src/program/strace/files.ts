/**
 * Calls that name files and descriptors: open and its family, close, close_range, dup, fcntl, the stat family,
 * getdents and truncate, and the calls that make descriptors the model does not know (eventfd, epoll, ...). Only
 * an open of a regular file becomes a machine operation; the others keep the log's tables right and tell the first
 * pass what the paths are.
 */
import { FADV, OPEN_FLAGS } from '../../machine/operation';
import { fdOf, fieldOf, flagList, intOf, numberIssue, splitArgs, unquote } from './args';
import { Fx } from './queue';
import { DK, type Proc } from './tables';
import type { Call, Core } from './core';

/** Flags the model does not know but that change what a path is (open(2)). */
const O_DIRECTORY = 0o200000;
const O_PATH = 0o10000000;
const O_TMPFILE = 0o20000000;
const MODEL_FLAGS = Object.values(OPEN_FLAGS).reduce((a, b) => a | b, 0);
const EXTRA_FLAGS: Record<string, number> = { O_DIRECTORY, O_PATH, O_TMPFILE: O_TMPFILE | O_DIRECTORY, O_NOFOLLOW: 0o400000, O_NOCTTY: 0o400, O_ASYNC: 0o20000, O_NDELAY: 0o4000, O_RSYNC: 0o4010000, O_FSYNC: 0o4010000 };

/** The value of open flags by name (`['O_RDONLY', 'O_CLOEXEC']`); a number among them (`0644`) is or-ed in. */
export function openFlags(names: readonly string[]): number {
  let v = 0;
  for (const n of names) {
    const bit = OPEN_FLAGS[n] ?? EXTRA_FLAGS[n];
    if (bit !== undefined) v |= bit;
    else if (n.startsWith('0')) v |= intOf(n) || 0;
  }
  return v;
}

/** The path a path-taking call names (open, stat, access families), made absolute with its dirfd's -y name. */
export function pathArg(c: Call): string {
  const at = c.name.endsWith('at') || c.name === 'statx' || c.name === 'openat2' || c.name === 'faccessat2';
  const single = c.name === 'open' || c.name === 'creat' || c.name === 'stat' || c.name === 'lstat' || c.name === 'access';
  if (!at && !single) return '';
  const a = splitArgs(c.args);
  const rel = unquote(at ? a[1] : a[0]);
  if (!rel || rel.startsWith('/') || !at) return rel;
  const dir = fdOf(a[0]).deco;
  return dir.startsWith('/') ? dir.replace(/\/$/, '') + '/' + rel : rel;
}

/** open, openat, creat, openat2, open_by_handle_at: a regular file becomes the machine's (its fd learnt from the answer). */
export function open(r: Core, proc: Proc, c: Call): void {
  if (c.failed) return r.pass(proc, c);
  const a = splitArgs(c.args);
  let pathText: string;
  let flagText: string | undefined;
  let dir = '';
  if (c.name === 'open' || c.name === 'creat') {
    pathText = a[0];
    flagText = c.name === 'creat' ? 'O_CREAT|O_WRONLY|O_TRUNC' : a[1];
  } else if (c.name === 'open_by_handle_at') {
    pathText = '';
    flagText = a[2];
  } else {
    dir = fdOf(a[0]).deco;
    pathText = a[1];
    flagText = c.name === 'openat2' ? (/flags=([^,}]*)/.exec(a[2] ?? '')?.[1] ?? '') : a[2];
  }
  const names = flagList(flagText);
  const flags = openFlags(names);
  const ret = fdOf(c.ret);
  let path = ret.deco;
  if (!path) {
    path = unquote(pathText);
    if (path && !path.startsWith('/') && dir.startsWith('/')) path = dir.replace(/\/$/, '') + '/' + path;
  }
  if (dir.startsWith('/')) r.ev.type(dir, 'dir');
  let kind = DK.Other;
  if (path.startsWith('/') || (path !== '' && !path.includes(':['))) kind = flags & (O_DIRECTORY | O_PATH) ? DK.Dir : r.know.kindOf(path);
  if ((flags & O_TMPFILE) === O_TMPFILE) kind = DK.Other;
  if (kind === DK.File) r.ev.opened(path, flags, (flags & OPEN_FLAGS.O_CREAT) !== 0 && (flags & (OPEN_FLAGS.O_EXCL | OPEN_FLAGS.O_TRUNC)) !== 0, c.line);
  else if (kind === DK.Dir && path) r.ev.type(path, 'dir');
  const d = r.newDesc(kind, path, flags);
  r.t.install(proc, ret.fd, d, names.includes('O_CLOEXEC'));
  if (kind !== DK.File) return r.pass(proc, c);
  // The log shows the call succeeded: O_EXCL cannot fail in the replay (a file the machine already has).
  const mflags = flags & MODEL_FLAGS & ~OPEN_FLAGS.O_EXCL;
  r.op(proc, c, 'open', [mflags], { text: path, flagNames: names.filter((n) => n in OPEN_FLAGS), fx: Fx.Fd, p1: d.id });
  r.onMachine.add(path);
}

/** close: the machine's descriptor closes with the description's last fd. */
export function close(r: Core, proc: Proc, c: Call): void {
  const { fd } = fdOf(splitArgs(c.args)[0]);
  const t = r.t.fds(proc);
  const v = t.get(fd);
  if (c.failed || v === undefined) return r.pass(proc, c);
  t.delete(fd);
  const d = r.t.release(v >> 1);
  // Another fd (a dup, a child's copy) still refers to the description: the machine's stays open.
  if (!d || d.mfd < 0) return r.pass(proc, c);
  r.op(proc, c, 'close', [d.mfd], { fx: Fx.Close });
}

/** close_range: the fds in [first, last] go, and the files of those that were the last (CLOSE_RANGE_CLOEXEC only marks them). */
export function closeRange(r: Core, proc: Proc, c: Call): void {
  const a = splitArgs(c.args);
  const first = intOf(a[0]);
  const last = Math.min(intOf(a[1]), 1 << 20);
  if (!c.failed && !(a[2] ?? '').includes('CLOSE_RANGE_CLOEXEC')) r.t.closeWhere(proc, (fd) => fd >= first && fd <= last);
  r.closeDropped(proc, c, true);
}

/** eventfd, epoll_create, memfd_create, ...: a descriptor the model does not simulate. */
export function otherFd(r: Core, proc: Proc, c: Call): void {
  if (!c.failed) {
    const ret = fdOf(c.ret);
    const d = r.newDesc(DK.Other, ret.deco || `anon_inode:[${c.name}]`, 0);
    r.t.install(proc, ret.fd, d, false);
    r.ev.madeOther(d.id, `a descriptor of ${c.name}`, d.path, ret.fd, proc.pid, c.line);
  }
  r.pass(proc, c);
}

/** dup, dup2, dup3: the new fd names the same description. */
export function dup(r: Core, proc: Proc, c: Call): void {
  if (!c.failed) {
    const a = splitArgs(c.args);
    const d = r.descOf(proc, a[0], c.line);
    const ret = fdOf(c.ret);
    if (d && ret.fd >= 0 && ret.fd !== fdOf(a[0]).fd) r.t.install(proc, ret.fd, d, (a[2] ?? '').includes('O_CLOEXEC'));
  }
  // dup2 and dup3 over an open fd close what it named (when that was its last reference).
  r.closeDropped(proc, c);
}

/** The flags F_SETFL changes (fs/fcntl.c SETFL_MASK, with O_NDELAY as O_NONBLOCK). */
const SETFL_MASK = OPEN_FLAGS.O_APPEND | OPEN_FLAGS.O_NONBLOCK | OPEN_FLAGS.O_DIRECT | OPEN_FLAGS.O_NOATIME;

/**
 * fcntl: F_DUPFD as dup, F_SETFD (the fd's close-on-exec), F_SETFL (the description's O_APPEND, O_NONBLOCK,
 * O_DIRECT, O_NOATIME): on the machine's descriptor too, so that dd's write after dropping O_DIRECT is buffered.
 */
export function fcntl(r: Core, proc: Proc, c: Call): void {
  if (c.failed) return r.pass(proc, c);
  const a = splitArgs(c.args);
  const d = r.descOf(proc, a[0], c.line);
  const cmd = a[1] ?? '';
  if (d && (cmd === 'F_DUPFD' || cmd === 'F_DUPFD_CLOEXEC')) {
    const ret = fdOf(c.ret);
    if (ret.fd >= 0) r.t.install(proc, ret.fd, d, cmd === 'F_DUPFD_CLOEXEC');
    return r.closeDropped(proc, c);
  } else if (d && cmd === 'F_SETFD') {
    r.t.setCloexec(proc, fdOf(a[0]).fd, (a[2] ?? '').includes('FD_CLOEXEC'));
  } else if (d && cmd === 'F_SETFL') {
    const set = openFlags(flagList(a[2])) & SETFL_MASK;
    d.flags = (d.flags & ~SETFL_MASK) | set;
    if (d.mfd >= 0) return r.op(proc, c, 'fcntl', [d.mfd, set], { flagNames: flagList(a[2]) });
  }
  r.pass(proc, c);
}

/** fadvise64: the advice, by name or number, on a modeled file (mm/fadvise.ts); others are shown only. */
export function fadvise(r: Core, proc: Proc, c: Call): void {
  const a = splitArgs(c.args);
  const d = r.descOf(proc, a[0], c.line);
  if (!d || c.failed || d.mfd < 0 || d.kind !== DK.File) return r.pass(proc, c);
  const advice = FADV[a[3] ?? ''] ?? intOf(a[3]);
  const offset = intOf(a[1]);
  const len = intOf(a[2]);
  const why = numberIssue(offset, 'the offset') ?? (offset < 0 ? `the offset ${offset} is negative, which the model does not take` : null) ?? numberIssue(len, 'the length', 'EINVAL, generic_fadvise') ??
    (advice >= 0 && advice <= 5 ? null : `the advice ${a[3] ?? ''} is none Linux knows (EINVAL, generic_fadvise): a successful call cannot have it`);
  if (why !== null) return r.unsimulated(proc, c, why);
  r.op(proc, c, 'fadvise', [d.mfd, offset, len, advice]);
}

/** The stat family: what a path is and how large, for the first pass. */
export function stat(r: Core, proc: Proc, c: Call): void {
  if (!c.failed) {
    const a = splitArgs(c.args);
    let path = '';
    let st: string | undefined;
    if (c.name === 'fstat' || c.name === 'fstat64') {
      path = r.descOf(proc, a[0], c.line)?.path ?? '';
      st = a[1];
    } else if (c.name === 'stat' || c.name === 'lstat' || c.name === 'stat64' || c.name === 'lstat64') {
      path = unquote(a[0]);
      st = a[1];
    } else {
      // newfstatat / statx: (dirfd, path, buf, flags) / (dirfd, path, flags, mask, buf)
      const dirfd = fdOf(a[0]);
      const rel = unquote(a[1]);
      st = c.name === 'statx' ? a[4] : a[2];
      if (rel === '') path = dirfd.fd >= 0 ? r.descOf(proc, a[0], c.line)?.path ?? '' : dirfd.deco;
      else if (rel.startsWith('/')) path = rel;
      else if (dirfd.deco.startsWith('/')) path = dirfd.deco.replace(/\/$/, '') + '/' + rel;
      else path = rel;
    }
    if (path && st && st.charCodeAt(0) === 123) {
      const size = c.name === 'statx' ? fieldOf(st, 'stx_size') : fieldOf(st, 'st_size');
      const m = /S_IF[A-Z]+/.exec(st);
      if (m) r.ev.type(path, m[0]);
      if (m?.[0] === 'S_IFREG' && size >= 0) r.ev.size(path, size);
    }
  }
  r.pass(proc, c);
}

/** getdents: its descriptor is a directory. */
export function getdents(r: Core, proc: Proc, c: Call): void {
  const d = r.descOf(proc, splitArgs(c.args)[0], c.line);
  if (d && d.path) r.ev.type(d.path, 'dir');
  r.pass(proc, c);
}

/**
 * truncate, ftruncate: the file's content changed (later sizes do not describe it as it was); on a file the machine
 * has, the machine's file is cut (or grown) to the length too (mm/truncate.ts truncateSetsize).
 */
export function truncate(r: Core, proc: Proc, c: Call): void {
  const a = splitArgs(c.args);
  const d = c.name === 'truncate' ? null : r.descOf(proc, a[0], c.line);
  const path = c.name === 'truncate' ? unquote(a[0]) : d?.path ?? '';
  if (c.failed || !path) return r.pass(proc, c);
  const len = intOf(a[1]);
  r.ev.truncated(path, len);
  const why = numberIssue(len, 'the length', 'EINVAL, do_sys_ftruncate') ?? (len < 0 ? `the length ${len} is negative (EINVAL, do_sys_ftruncate): a successful call cannot have it` : null);
  if (d && d.mfd >= 0 && d.kind === DK.File) return why !== null ? r.unsimulated(proc, c, why) : r.op(proc, c, 'ftruncate', [d.mfd, len]);
  if (!d && r.onMachine.has(path)) return why !== null ? r.unsimulated(proc, c, why) : r.op(proc, c, 'truncate', [len], { text: path });
  r.pass(proc, c);
}

/**
 * unlink, unlinkat: the name goes; on a file the machine has, the machine's unlink (fs/namei.ts): its pages go now,
 * or with the last descriptor that holds it. A directory (AT_REMOVEDIR) or a name the machine lacks is shown only.
 */
export function unlink(r: Core, proc: Proc, c: Call): void {
  const path = c.name === 'unlink' ? unquote(splitArgs(c.args)[0]) : pathArg(c);
  if (c.failed || !path || (splitArgs(c.args)[2] ?? '').includes('AT_REMOVEDIR') || !r.onMachine.has(path)) return r.pass(proc, c);
  r.ev.replaced(path, false);
  r.onMachine.delete(path);
  r.op(proc, c, 'unlink', [], { text: path });
}

/**
 * rename, renameat, renameat2: the file takes its new name, on the machine too when it has it (fs/namei.ts: its
 * pages go with it; a file the new name had is unlinked). A rename of a name the machine lacks over one it has
 * unlinks that one. RENAME_EXCHANGE (both names stay) is shown only.
 */
export function rename(r: Core, proc: Proc, c: Call): void {
  const names = r.rename(c);
  if (!names || (splitArgs(c.args)[4] ?? '').includes('RENAME_EXCHANGE')) return r.pass(proc, c);
  const [from, to] = names;
  r.ev.replaced(to, r.onMachine.has(from));
  if (r.onMachine.has(from)) {
    r.onMachine.delete(from);
    r.onMachine.add(to);
    return r.op(proc, c, 'rename', [], { text: `${from}\0${to}` });
  }
  if (!r.onMachine.has(to)) return r.pass(proc, c);
  r.onMachine.delete(to);
  r.op(proc, c, 'unlink', [], { text: to });
}
