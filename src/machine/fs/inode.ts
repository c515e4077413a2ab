/** The inode's last reference (fs/inode.c): an unlinked file goes from the page cache when nothing holds it open. */
import { Kernel } from '../kernel';
import { invalidateInodePages } from '../mm/truncate';
import { FileObj } from '../state';

/** Whether a descriptor or a mapping still holds file `f` (the model's count of its open struct files, i_count). */
export function inodeInUse(k: Kernel, f: FileObj): boolean {
  for (const o of k.fds.values()) if (o.kind === 'file' && o.fileId === f.id) return true;
  for (const r of k.regions) if (r.kind === 'mmap' && r.fileId === f.id) return true;
  return false;
}

/**
 * iput → iput_final → evict → truncate_inode_pages_final: once file `f` has no name left (nlink 0) and nothing holds
 * it open, its every cached page goes, dirty ones without writeback (the data has nowhere to go), and it is clean.
 * A file with a name, or still open, keeps its pages. Returns whether it was evicted.
 */
export function iput(k: Kernel, f: FileObj): boolean {
  if (f.nlink > 0 || inodeInUse(k, f)) return false;
  invalidateInodePages(k, f);
  f.nrDirty = 0;
  f.dirtiedWhen = -1;
  f.inodeDirty = false;
  f.sizeDirty = false;
  return true;
}

/** The file open on descriptor `fileId`'s inode, after one of its references (a descriptor, a mapping) went. */
export function iputById(k: Kernel, fileId: number): void {
  const f = k.filesById[fileId];
  if (f && f.nlink === 0) iput(k, f);
}
