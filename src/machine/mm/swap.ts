/** The LRU side of an access (mm/swap.c): how a page climbs from the inactive to the active list. */
import { Ev } from '../events';
import { Kernel } from '../kernel';
import { Folio, PG_ACTIVE, PG_REFERENCED } from '../pagecache';

/**
 * folio_mark_accessed on the cached pages [index, index+nr) of a file, in ascending order: inactive,unreferenced →
 * referenced → active; active,unreferenced → referenced. Pages activated together stay one run on the active list;
 * the activation is reported as one event from time `t` (the first page's access). `held`: a folio the caller
 * looked up, used for page `index` if it still holds it (one lookup less; issue 10).
 */
export function markAccessed(k: Kernel, fileId: number, index: number, nr: number, t = k.now, held: Folio | null = null): void {
  const c = k.cache;
  const end = index + nr;
  for (let i = index; i < end;) {
    // The folio in the index (node set) that holds page i is the one a lookup finds.
    const f = i === index && held !== null && held.node !== null && held.fileId === fileId && held.index <= i && i < held.index + held.nr
      ? held : c.find(fileId, i);
    if (!f) {
      i++;
      continue;
    }
    const stop = Math.min(end, f.end);
    if (!(f.flags & PG_ACTIVE) && f.flags & PG_REFERENCED) {
      c.activate(c.take(fileId, i, stop)!);
      k.evAt(t, Ev.PageActivate, fileId, i, stop - i);
    } else if (!(f.flags & PG_REFERENCED)) {
      c.updateRange(f, i, stop, PG_REFERENCED);
    }
    i = stop;
  }
}
