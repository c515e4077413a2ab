/** The LRU side of an access (mm/swap.c): how a page climbs from the inactive to the active list. */
import { Ev } from '../events';
import { Kernel } from '../kernel';
import { PG_ACTIVE, PG_REFERENCED, Page } from '../pagecache';

/** mark_page_accessed: inactive,unreferenced → referenced → active; active,unreferenced → referenced. */
export function markAccessed(k: Kernel, p: Page): void {
  if (!(p.flags & PG_ACTIVE) && p.flags & PG_REFERENCED) {
    k.cache.activate(p);
    k.ev(Ev.PageActivate, p.fileId, p.index);
  } else if (!(p.flags & PG_REFERENCED)) {
    p.flags |= PG_REFERENCED;
  }
}
