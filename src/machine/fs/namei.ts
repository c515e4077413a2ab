/** Names of files (fs/namei.c): unlink and rename. The model's files are keyed by path. */
import { OpResult, err, ok } from '../errno';
import { Kernel } from '../kernel';
import { iput } from './inode';

/**
 * do_unlinkat → vfs_unlink: the name `path` goes (ENOENT: none). The file's pages stay while a descriptor or a mapping
 * still holds it; with none (now, or at its last close: iput) they are all dropped, dirty ones without writeback.
 */
export function unlink(k: Kernel, path: string): OpResult {
  const f = k.files.get(path);
  if (!f) return err('ENOENT');
  k.files.delete(path);
  f.nlink = 0;
  iput(k, f);
  return ok(0);
}

/**
 * do_renameat2 → vfs_rename: the file named `from` is named `to` from now on, its pages and open descriptors with it
 * (ENOENT: no `from`). A file that `to` named is unlinked as unlink would (its pages go unless it is still open).
 * A rename onto its own name changes nothing.
 */
export function rename(k: Kernel, from: string, to: string): OpResult {
  const f = k.files.get(from);
  if (!f) return err('ENOENT');
  if (from === to) return ok(0);
  const old = k.files.get(to);
  if (old === f) return ok(0);
  k.files.delete(from);
  if (old) {
    old.nlink = 0;
    iput(k, old);
  }
  k.files.set(to, f);
  // Its content stays as it is: the base name that generated content is made from (f.name) does not change.
  f.path = to;
  return ok(0);
}
