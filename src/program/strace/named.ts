/**
 * What a call's line says it worked on, for tools reading `iosim run --json` (an operation's `path`): the object a
 * returned descriptor names (`= 3</tmp/x>`), else the path a path-taking call names (open, stat, ... made absolute
 * with their dirfd), else the first descriptor argument's -y decoration (`read(3</tmp/x>, ...)`, the fd of mmap,
 * `pipe2([3<pipe:[7]>, ...])`). '' when the log does not say (no -y).
 */
import { decorationEnd, fdOf, isDigit, splitArgs, stringEnd, unquote } from './args';
import type { Call } from './core';

export function namedPath(c: Call): string {
  if (c.retText.indexOf('<') > 0) {
    const ret = fdOf(c.retText).deco;
    if (ret !== '') return ret;
  }
  const p = pathArgument(c);
  if (p !== '') return p;
  return firstDecoration(c.text, c.argsStart, c.argsEnd);
}

/**
 * The path a call names by a string: its first argument (open, creat, stat, access, execve, unlink, ...), or for the
 * *at calls the second one, taken from its dirfd's -y name when relative. '' for calls that name a descriptor.
 */
function pathArgument(c: Call): string {
  const s = c.text;
  const at = c.argsStart;
  if (at >= c.argsEnd) return '';
  const n = c.name;
  if (s.charCodeAt(at) === 34) return PATH_FIRST.has(n) ? unquote(splitArgs(c.args)[0]) : '';
  if (!(n.endsWith('at') || n.endsWith('at2') || n === 'statx') || n === 'fstat' || n === 'creat') return '';
  const a = splitArgs(c.args);
  if (a.length < 2 || a[1].charCodeAt(0) !== 34) return '';
  const rel = unquote(a[1]);
  if (rel === '' || rel.startsWith('/')) return rel;
  const dir = fdOf(a[0]).deco;
  return dir.startsWith('/') ? dir.replace(/\/$/, '') + '/' + rel : rel;
}

/** Calls whose first argument is a path (a string first argument of others is data: getrandom's bytes, a key's type). */
const PATH_FIRST = new Set([
  'open', 'creat', 'stat', 'lstat', 'stat64', 'lstat64', 'access', 'execve', 'unlink', 'rmdir', 'mkdir', 'chdir', 'chroot',
  'readlink', 'truncate', 'truncate64', 'chmod', 'chown', 'lchown', 'utime', 'utimes', 'rename', 'link', 'symlink', 'mknod',
  'statfs', 'statfs64', 'getxattr', 'lgetxattr', 'setxattr', 'lsetxattr', 'listxattr', 'llistxattr', 'removexattr',
  'lremovexattr', 'umount2', 'swapon', 'swapoff', 'acct',
]);

/** The text of the first `N<...>` in s[from, end) outside quoted strings; '' if none. */
function firstDecoration(s: string, from: number, end: number): string {
  for (let i = from; i < end; i++) {
    const ch = s.charCodeAt(i);
    if (ch === 34) {
      // A string argument: skip it, escapes included (its bytes may hold '<').
      i = stringEnd(s, i + 1, end);
    } else if (ch === 60 && i > from && isDigit(s.charCodeAt(i - 1))) {
      const close = decorationEnd(s, i + 1, end);
      if (close < end) return s.slice(i + 1, close);
    }
  }
  return '';
}
