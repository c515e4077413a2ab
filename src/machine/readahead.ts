/**
 * The on-demand readahead state machine of mm/readahead.c (ondemand_readahead, get_init_ra_size,
 * get_next_ra_size), one state per open file description. Pure: it decides the window; the machine reads it.
 */

export interface RaState {
  start: number;
  size: number;
  asyncSize: number;
  /** Byte position just past the last read (file_ra_state.prev_pos); -1 before any read. */
  prevPos: number;
}

export interface RaWindow {
  start: number;
  size: number;
  asyncSize: number;
}

export function newRaState(): RaState {
  return { start: 0, size: 0, asyncSize: 0, prevPos: -1 };
}

function roundupPow2(n: number): number {
  let r = 1;
  while (r < n) r *= 2;
  return r;
}

export function initRaSize(req: number, max: number): number {
  const r = roundupPow2(req);
  if (r <= max / 32) return r * 4;
  if (r <= max / 4) return r * 2;
  return max;
}

export function nextRaSize(cur: number, max: number): number {
  if (cur < max / 16) return 4 * cur;
  if (cur <= max / 2) return 2 * cur;
  return max;
}

/**
 * Decides what to read for a request of `req` pages at page `index`. `hitMarker` is true when called because
 * a page with PG_readahead was reached (async readahead). `nextMiss` finds the first uncached page at or after an
 * index (page_cache_next_miss) for the context readahead of an interleaved stream. Returns null for "read only
 * what was asked, no state change" (a small random read) and for "nothing to do".
 */
export function ondemandReadahead(
  ra: RaState,
  maxPages: number,
  index: number,
  req: number,
  hitMarker: boolean,
  nextMiss: (from: number, limit: number) => number,
): { window: RaWindow; random: boolean } | null {
  if (maxPages === 0) return { window: { start: index, size: req, asyncSize: 0 }, random: true };
  let initial = false;
  if (index === 0) {
    initial = true;
  } else if (index === ra.start + ra.size - ra.asyncSize || index === ra.start + ra.size) {
    // Sequential: the expected next window (the marker page or right after the window).
    ra.start += ra.size;
    ra.size = nextRaSize(ra.size, maxPages);
    ra.asyncSize = ra.size;
  } else if (hitMarker) {
    // Hit a marker that is not ours (interleaved streams): look for where the cached run ends.
    const start = nextMiss(index + 1, maxPages);
    if (start < 0 || start - index > maxPages) return null;
    ra.start = start;
    ra.size = start - index + req;
    ra.size = nextRaSize(ra.size, maxPages);
    ra.asyncSize = ra.size;
  } else if (req > maxPages) {
    initial = true;
  } else {
    const prevIndex = ra.prevPos < 0 ? -1 : Math.floor(ra.prevPos / 4096);
    if (prevIndex >= 0 && index - prevIndex <= 1 && index >= prevIndex) {
      initial = true;
    } else {
      // A standalone small random read: read what was asked, leave the state alone.
      return { window: { start: index, size: req, asyncSize: 0 }, random: true };
    }
  }
  if (initial) {
    ra.start = index;
    ra.size = initRaSize(req, maxPages);
    ra.asyncSize = ra.size > req ? ra.size - req : ra.size;
  }
  // Merge the next async window into a fresh one when the whole window is async (readit:).
  if (!hitMarker && index === ra.start && ra.size === ra.asyncSize) {
    const add = nextRaSize(ra.size, maxPages);
    if (ra.size + add <= maxPages) {
      ra.asyncSize = add;
      ra.size += add;
    } else {
      ra.size = maxPages;
      ra.asyncSize = maxPages >> 1;
    }
  }
  return { window: { start: ra.start, size: ra.size, asyncSize: ra.asyncSize }, random: false };
}

/** mmap read-around (do_sync_mmap_readahead): centre a full window on the fault. */
export function readAround(ra: RaState, maxPages: number, index: number): RaWindow {
  const start = Math.max(0, index - Math.floor(maxPages / 2));
  ra.start = start;
  ra.size = maxPages;
  ra.asyncSize = Math.floor(maxPages / 4);
  return { start, size: maxPages, asyncSize: ra.asyncSize };
}
