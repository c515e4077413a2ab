/**
 * The page cache: pages of files held as folios (folio.ts), indexed per file (mapping.ts) and on two LRU lists as in
 * mm/swap.c and mm/vmscan.c. Pure data structure, part of the kernel's state; mm/ decides when to insert, touch,
 * dirty and reclaim, and emits the events. Every operation takes a folio, which callers cut to the range they act on
 * with `take`; whatever a change leaves next to an identical neighbour is joined to it, so callers keep the folio a
 * mutator returns, never one they held before.
 */
import {
  Folio, FrozenNode, LruList, PG_ACTIVE, PG_DIRTY, PG_READAHEAD, PG_REFERENCED, PG_WRITEBACK, PG_YOUNG, freezeNode, frozenNodeBytes,
  joinStep, lruOrder, thawNode,
} from './folio';
import { Mapping } from './mapping';

export { Folio, LruList, PG_ACTIVE, PG_DIRTY, PG_READAHEAD, PG_REFERENCED, PG_WRITEBACK, PG_YOUNG } from './folio';
export { Mapping } from './mapping';

/** One page's state, as a snapshot (for display, the golden check and tests): what a struct page would hold. */
export interface Page {
  fileId: number;
  index: number;
  flags: number;
  /** Simulated time at which the read I/O that fills it completes (the page is locked before). */
  readyAt: number;
  /** When it became dirty (for display; expiry is per inode as in Linux). */
  dirtiedAt: number;
  /** Number of user mappings that have a pte for it. */
  mapcount: number;
  /** Sequence number of the operation that inserted it (lookups in the same call count as misses). */
  bornOp: number;
}

export function pageOf(f: Folio, index: number): Page {
  return {
    fileId: f.fileId, index, flags: f.flags, readyAt: f.readyAtOf(index), dirtiedAt: f.dirtiedAtOf(index),
    mapcount: f.mapcount, bornOp: f.bornOp,
  };
}

/** At most this many spare folios are kept (PageCache.recycle). */
const SPARE_MAX = 4096;

/**
 * A checkpoint's page cache: the index nodes of every file (frozen, shared with the previous checkpoint where nothing
 * in them changed), their folios' LRU stamps included, and each list's last stamp (LruList).
 */
export interface FrozenPageCache {
  capacity: number;
  nodes: FrozenNode[];
  activeStamp: number;
  inactiveStamp: number;
  /** Bytes of the nodes frozen anew for it (the ones it shares were counted by an earlier checkpoint). */
  bytes: number;
  /** Folios in the nodes frozen anew for it: with the number of nodes, what taking it cost (Checkpoints.due). */
  folios: number;
}

export class PageCache {
  /** Each file's folios, by file id (ids are small and dense: an array is the cheapest lookup). */
  private readonly files: (Mapping | undefined)[] = [];
  readonly active = new LruList();
  readonly inactive = new LruList();
  /** Pages cached, dirty and under writeback. */
  size = 0;
  dirty = 0;
  writeback = 0;
  /**
   * Folios that left the cache (evicted, or joined into a neighbour), which new folios reuse: the first `reusable` of
   * them left before the current operation, the rest during it. A folio lives a few thousand operations in a cache
   * that turns over (a large copy): made anew each time, every folio was young garbage, and each scavenge of the
   * garbage collector copied the whole cache's folios (issue 10). Only folios of an earlier operation are reused: code
   * of the current one may still read a folio it held before a join took it (its old fields, as before).
   */
  private left: Folio[] = [];
  private reusable = 0;

  constructor(public capacity: number) {}

  /**
   * A new operation begins: the folios that left during the last ones may be reused. One pool and a mark rather than
   * two lists traded or moved between: the mark moves, no folio does (issue 10).
   */
  recycle(): void {
    const left = this.left;
    // Bounded: after a drop_caches the cache refills with folios made anew, the garbage collector takes the rest.
    if (left.length > SPARE_MAX) left.length = SPARE_MAX;
    this.reusable = left.length;
  }

  /** A folio: a reusable one if any (see `left`), else a new one. */
  private folio(
    fileId: number, index: number, nr: number, flags: number, mapcount: number, bornOp: number,
    readyAt: number, readyStep: number, dirtiedAt: number, dirtyStep: number,
  ): Folio {
    const n = this.reusable;
    if (n === 0) return new Folio(fileId, index, nr, flags, mapcount, bornOp, readyAt, readyStep, dirtiedAt, dirtyStep);
    // The last reusable one; the last folio of the pool (one that left during this operation, or this one) takes its
    // place, so the pool stays dense with the reusable ones first.
    const left = this.left;
    const f = left[n - 1];
    const last = left.pop()!;
    if (n - 1 < left.length) left[n - 1] = last;
    this.reusable = n - 1;
    return f.reuse(fileId, index, nr, flags, mapcount, bornOp, readyAt, readyStep, dirtiedAt, dirtyStep);
  }

  mapping(fileId: number): Mapping | undefined {
    return this.files[fileId];
  }

  /** The folio holding page `index` of the file, if cached. */
  find(fileId: number, index: number): Folio | undefined {
    return this.files[fileId]?.find(index);
  }

  /** One page's state, if cached. */
  get(fileId: number, index: number): Page | undefined {
    const f = this.find(fileId, index);
    return f ? pageOf(f, index) : undefined;
  }

  /** The cached pages of a file by index, as snapshots (for display and tests; costs a page each). */
  pagesOf(fileId: number): Map<number, Page> | undefined {
    const m = this.files[fileId];
    if (!m) return undefined;
    const out = new Map<number, Page>();
    for (const f of m.folios()) for (let i = f.index; i < f.end; i++) out.set(i, pageOf(f, i));
    return out;
  }

  /** The pages of a list from its head, as snapshots, at most `limit`. */
  *lruPages(list: LruList, limit = Infinity): IterableIterator<Page> {
    let n = 0;
    for (let f = list.head; f; f = f.next) {
      for (let i = f.end - 1; i >= f.index; i--) {
        if (n++ >= limit) return;
        yield pageOf(f, i);
      }
    }
  }

  private listOf(f: Folio): LruList {
    return f.flags & PG_ACTIVE ? this.active : this.inactive;
  }

  // ───────────────────────────── cutting and joining ─────────────────────────────

  /**
   * The cached pages from `index` on, up to `end` (exclusive), of the folio that holds `index`: that folio, split so
   * that it starts at `index` and ends by `end`. Undefined when page `index` is not cached.
   */
  take(fileId: number, index: number, end: number): Folio | undefined {
    const f = this.files[fileId]?.find(index);
    return f ? this.takeFrom(f, index, end) : undefined;
  }

  /** As take, for a cached folio `f` the caller found holding page `index` (no lookup). */
  takeFrom(f: Folio, index: number, end: number): Folio {
    const m = this.files[f.fileId]!;
    const g = index > f.index ? this.split(m, f, index) : f;
    if (end < g.end) this.split(m, g, end);
    return g;
  }

  /** split_folio: `f` keeps the pages below `at`; a new folio, next to it toward the LRU head, takes the rest. */
  private split(m: Mapping, f: Folio, at: number): Folio {
    const k = at - f.index;
    const upper = this.folio(
      f.fileId, at, f.nr - k, f.flags, f.mapcount, f.bornOp,
      f.readyAtOf(at), f.readyStep, f.dirtiedAtOf(at), f.dirtyStep,
    );
    const list = this.listOf(f);
    list.count -= upper.nr;
    m.nrpages -= upper.nr;
    f.nr = k;
    f.node!.frozen = null;
    list.insertBefore(f, upper);
    m.insertAfter(f, upper);
    return upper;
  }

  /**
   * Joins `f` with its LRU neighbours when they continue it in the file and share its state. Returns the folio that
   * now holds `f`'s pages.
   */
  join(f: Folio): Folio {
    const lo = f.next;
    if (lo && lo.fileId === f.fileId && lo.end === f.index && this.joinable(lo, f)) f = this.absorb(lo, f);
    const hi = f.prev;
    if (hi && hi.fileId === f.fileId && hi.index === f.end && this.joinable(f, hi)) f = this.absorb(f, hi);
    return f;
  }

  private joinable(lo: Folio, hi: Folio): boolean {
    return lo.flags === hi.flags && lo.mapcount === hi.mapcount && lo.bornOp === hi.bornOp &&
      joinStep(lo.readyAt, lo.readyStep, lo.nr, hi.readyAt, hi.readyStep, hi.nr) !== null &&
      joinStep(lo.dirtiedAt, lo.dirtyStep, lo.nr, hi.dirtiedAt, hi.dirtyStep, hi.nr) !== null;
  }

  /** `lo` takes the pages of `hi`, the folio right above it in the file and toward the head on the same list. */
  private absorb(lo: Folio, hi: Folio): Folio {
    lo.node!.frozen = null;
    lo.readyStep = joinStep(lo.readyAt, lo.readyStep, lo.nr, hi.readyAt, hi.readyStep, hi.nr)!;
    lo.dirtyStep = joinStep(lo.dirtiedAt, lo.dirtyStep, lo.nr, hi.dirtiedAt, hi.dirtyStep, hi.nr)!;
    const m = this.files[lo.fileId]!;
    const list = this.listOf(lo);
    list.remove(hi);
    m.remove(hi);
    this.left.push(hi);
    lo.nr += hi.nr;
    list.count += hi.nr;
    m.nrpages += hi.nr;
    return lo;
  }

  // ───────────────────────────── membership ─────────────────────────────

  /**
   * filemap_add_folio + folio_add_lru: `nr` new pages at `index` (none of them cached) go to the head of the inactive
   * list, unreferenced unless `flags` say otherwise. Page i is ready at readyAt + readyStep × (i − index).
   */
  insert(fileId: number, index: number, nr: number, readyAt: number, readyStep: number, bornOp: number, flags = 0): Folio {
    const f = this.folio(fileId, index, nr, flags & ~PG_ACTIVE, 0, bornOp, readyAt, readyStep, 0, 0);
    let m = this.files[fileId];
    if (!m) {
      m = new Mapping();
      this.files[fileId] = m;
    }
    m.insert(f);
    this.inactive.pushHead(f);
    this.size += nr;
    this.count(f.flags, nr);
    return this.join(f);
  }

  /** filemap_remove_folio: the pages of `f` leave the cache. */
  remove(f: Folio): void {
    this.listOf(f).remove(f);
    const m = this.files[f.fileId]!;
    m.remove(f);
    if (m.nrpages === 0) this.files[f.fileId] = undefined;
    this.count(f.flags, -f.nr);
    this.size -= f.nr;
    this.left.push(f);
  }

  /**
   * The first `n` pages of `f` (fewer than it has) leave the cache, the rest staying where it is: what reclaim does to
   * the tail of a list, without cutting the folio in two first.
   */
  removeFront(f: Folio, n: number): void {
    f.node!.frozen = null;
    f.readyAt = f.readyAtOf(f.index + n);
    f.dirtiedAt = f.dirtiedAtOf(f.index + n);
    f.index += n;
    f.nr -= n;
    this.listOf(f).count -= n;
    this.files[f.fileId]!.nrpages -= n;
    this.count(f.flags, -n);
    this.size -= n;
  }

  private count(flags: number, nr: number): void {
    if (flags & PG_DIRTY) this.dirty += nr;
    if (flags & PG_WRITEBACK) this.writeback += nr;
  }

  // ───────────────────────────── LRU moves ─────────────────────────────

  /** folio_activate: to the head of the active list, referenced bit cleared. */
  activate(f: Folio): Folio {
    return this.relink(f, (f.flags | PG_ACTIVE) & ~PG_REFERENCED);
  }

  /** Demotion by shrink_active_list: to the head of the inactive list, unreferenced. */
  deactivate(f: Folio): Folio {
    return this.relink(f, f.flags & ~(PG_ACTIVE | PG_REFERENCED));
  }

  /** To the head of its own list (reclaim gives it another round). */
  rotate(f: Folio): Folio {
    return this.relink(f, f.flags);
  }

  /** Gives `f` new flags and puts it at the head of the list they name (PG_active or not). */
  relink(f: Folio, flags: number): Folio {
    this.listOf(f).remove(f);
    const before = f.flags;
    f.flags = flags;
    this.files[f.fileId]!.retag(f, before);
    this.count(before, -f.nr);
    this.count(flags, f.nr);
    this.listOf(f).pushHead(f);
    return this.join(f);
  }

  // ───────────────────────────── state ─────────────────────────────

  /** Sets and clears flags on every page of `f` (not PG_active: that moves it between lists). */
  update(f: Folio, set: number, clear = 0): Folio {
    const flags = (f.flags | set) & ~clear;
    if (flags === f.flags) return f;
    const before = f.flags;
    f.flags = flags;
    this.files[f.fileId]!.retag(f, before);
    this.count(before, -f.nr);
    this.count(flags, f.nr);
    return this.join(f);
  }

  /**
   * update(takeFrom(f, from, end), set, clear) for the pages [from, end) of `f` (which holds page `from`), with the same
   * folios as a result. When the range is the first or the last part of `f` and, once changed, joins the neighbour on
   * that side, the pages move into the neighbour and `f` keeps the rest: no folio is split off only to be absorbed
   * (issue 10).
   */
  updateRange(f: Folio, from: number, end: number, set: number, clear = 0): Folio {
    const flags = (f.flags | set) & ~clear;
    const fEnd = f.index + f.nr;
    if (flags !== f.flags && (from === f.index) !== (end >= fEnd)) {
      if (from === f.index) {
        // The first k pages; split, changed and joined they would go to `lo`, the folio below on the list.
        const lo = f.next;
        const k = end - from;
        if (lo && lo.fileId === f.fileId && lo.index + lo.nr === from && lo.flags === flags && lo.mapcount === f.mapcount &&
          lo.bornOp === f.bornOp) {
          const rs = joinStep(lo.readyAt, lo.readyStep, lo.nr, f.readyAt, f.readyStep, k);
          const ds = rs === null ? null : joinStep(lo.dirtiedAt, lo.dirtyStep, lo.nr, f.dirtiedAt, f.dirtyStep, k);
          if (rs !== null && ds !== null) {
            lo.node!.frozen = null;
            f.node!.frozen = null;
            lo.readyStep = rs;
            lo.dirtyStep = ds;
            lo.nr += k;
            f.readyAt = f.readyAtOf(end);
            f.dirtiedAt = f.dirtiedAtOf(end);
            f.index = end;
            f.nr -= k;
            this.count(f.flags, -k);
            this.count(flags, k);
            return lo;
          }
        }
      } else {
        // The last k pages; split, changed and joined they would take in `hi`, the folio above on the list.
        const hi = f.prev;
        const k = fEnd - from;
        if (hi && hi.fileId === f.fileId && hi.index === fEnd && hi.flags === flags && hi.mapcount === f.mapcount &&
          hi.bornOp === f.bornOp) {
          const ra = f.readyAtOf(from);
          const da = f.dirtiedAtOf(from);
          const rs = joinStep(ra, f.readyStep, k, hi.readyAt, hi.readyStep, hi.nr);
          const ds = rs === null ? null : joinStep(da, f.dirtyStep, k, hi.dirtiedAt, hi.dirtyStep, hi.nr);
          if (rs !== null && ds !== null) {
            hi.node!.frozen = null;
            f.node!.frozen = null;
            hi.readyAt = ra;
            hi.readyStep = rs;
            hi.dirtiedAt = da;
            hi.dirtyStep = ds;
            hi.index = from;
            hi.nr += k;
            f.nr -= k;
            this.count(f.flags, -k);
            this.count(flags, k);
            return hi;
          }
        }
      }
    }
    return this.update(this.takeFrom(f, from, end), set, clear);
  }

  /** folio_mark_dirty on clean pages: dirty from `at` (page i at at + step × (i − index)). */
  setDirty(f: Folio, at: number, step: number): Folio {
    f.node!.frozen = null;
    f.dirtiedAt = at;
    f.dirtyStep = f.nr > 1 ? step : 0;
    return this.update(f, PG_DIRTY);
  }

  /** The read I/O of these pages completes at `t` (submit_bio of a readahead batch). */
  setReadyAt(f: Folio, t: number): Folio {
    f.node!.frozen = null;
    f.readyAt = t;
    f.readyStep = 0;
    return this.join(f);
  }

  /** A pte more (1) or less (-1) for each page of `f`; mapping sets PG_young too. */
  addMapcount(f: Folio, d: number, young: boolean): Folio {
    f.node!.frozen = null;
    f.mapcount += d;
    if (young) f.flags |= PG_YOUNG;
    return this.join(f);
  }

  /** Active pages (Active(file) in /proc/meminfo). */
  activeCount(): number {
    return this.active.count;
  }

  // ───────────────────────────── checkpoints ─────────────────────────────

  /**
   * A copy for checkpoints that costs what changed: each index node is frozen once and reused by every later
   * checkpoint until something in it changes. The LRU order is in the folios' stamps, frozen with their nodes: walking
   * both lists at every checkpoint, a cache miss a folio, was most of a checkpoint's cost (issue 10).
   */
  freeze(): FrozenPageCache {
    const nodes: FrozenNode[] = [];
    let bytes = 0;
    let folios = 0;
    for (let fileId = 0; fileId < this.files.length; fileId++) {
      const m = this.files[fileId];
      if (!m) continue;
      for (const node of m.nodeList()) {
        if (!node.frozen) {
          node.frozen = freezeNode(fileId, node.folios);
          bytes += frozenNodeBytes(node.frozen);
          folios += node.frozen.count;
        }
        nodes.push(node.frozen);
      }
    }
    return { capacity: this.capacity, nodes, activeStamp: this.active.stamp, inactiveStamp: this.inactive.stamp, bytes, folios };
  }

  /**
   * The cache of checkpoint `z`, its folios taken from `spare` while there are some (folios of a cache that is no longer
   * used: see surrender), made anew after.
   */
  static thaw(z: FrozenPageCache, spare: Folio[] | null = null): PageCache {
    const c = new PageCache(z.capacity);
    const all: Folio[] = [];
    for (const node of z.nodes) {
      const fs = thawNode(node, spare);
      let m = c.files[node.fileId];
      if (!m) {
        m = new Mapping();
        c.files[node.fileId] = m;
      }
      m.adoptNode(fs, node);
      for (const f of fs) all.push(f);
    }
    // Each list from its tail: ascending (stamp, page index), see LruList.
    for (const f of lruOrder(all)) {
      (f.flags & PG_ACTIVE ? c.active : c.inactive).linkHead(f);
      c.size += f.nr;
      c.count(f.flags, f.nr);
    }
    c.active.stamp = z.activeStamp;
    c.inactive.stamp = z.inactiveStamp;
    return c;
  }

  /**
   * Empties the cache and hands its folios to `out` (at most up to `max` in all), for a thaw to reuse: a replay's cache
   * of a full 1 GiB (262k folios) made anew was mostly the garbage collector's work, copying each new folio twice (issue
   * 10). The cache must not be used again but as an empty one.
   */
  surrender(out: Folio[], max: number): void {
    for (const list of [this.active, this.inactive]) {
      for (let f = list.head; f !== null && out.length < max; f = f.next) out.push(f);
      list.head = list.tail = null;
      list.count = list.folios = 0;
    }
    this.files.length = 0;
    this.size = this.dirty = this.writeback = 0;
    this.left.length = 0;
    this.reusable = 0;
  }

  /** A deep copy: new folios on lists in the same order. */
  clone(): PageCache {
    return PageCache.thaw(this.freeze());
  }
}

export function pageStateName(p: Page): string {
  const parts: string[] = [];
  if (p.flags & PG_WRITEBACK) parts.push('writeback');
  if (p.flags & PG_DIRTY) parts.push('dirty');
  if (!(p.flags & (PG_DIRTY | PG_WRITEBACK))) parts.push('clean');
  parts.push(p.flags & PG_ACTIVE ? 'active' : 'inactive');
  if (p.flags & PG_REFERENCED) parts.push('referenced');
  if (p.flags & PG_READAHEAD) parts.push('readahead-marker');
  if (p.mapcount > 0) parts.push(`mapped×${p.mapcount}`);
  return parts.join(', ');
}
