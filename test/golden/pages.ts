/**
 * A digest of the page cache that depends only on each page's own state: for each LRU list from its head, every
 * page's file, index, flags, mapcount, the time its read completes and the time it was dirtied; then each file's
 * dirty state. Two machines with the same digest hold the same pages in the same order with the same history.
 * This is the one place that reads the page cache's internals for the golden check: a new page cache structure
 * adapts this function, never the golden files.
 */
import { createHash } from 'node:crypto';
import { Machine } from '../../src/machine/machine';

export function pageDigest(m: Machine): string {
  const h = createHash('sha1');
  for (const list of ['active', 'inactive'] as const) {
    h.update(list);
    for (const p of m.lru(list)) h.update(`${p.fileId}:${p.index}:${p.flags}:${p.mapcount}:${p.readyAt}:${p.dirtiedAt};`);
  }
  for (const f of m.filesById) h.update(`f${f.id}:${f.size}:${f.nrDirty}:${f.dirtiedWhen};`);
  return `${m.cache.size} ${h.digest('hex').slice(0, 16)}`;
}
