/**
 * The page cache: 4 KiB pages keyed by (file, index), on two LRU lists as in mm/swap.c and mm/vmscan.c.
 * Pure data structure, part of the kernel's state; mm/ decides when to insert, touch, dirty and reclaim, and emits the
 * events.
 */

export const PG_DIRTY = 1;
export const PG_WRITEBACK = 2;
export const PG_REFERENCED = 4;
export const PG_ACTIVE = 8;
export const PG_READAHEAD = 16;
/** pte accessed bit of some mapping (page_referenced() in reclaim). */
export const PG_YOUNG = 32;

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
  prev: Page | null;
  next: Page | null;
}

/** An intrusive doubly linked list; head is the most recently added. */
export class LruList {
  head: Page | null = null;
  tail: Page | null = null;
  count = 0;

  pushHead(p: Page): void {
    p.prev = null;
    p.next = this.head;
    if (this.head) this.head.prev = p;
    this.head = p;
    if (!this.tail) this.tail = p;
    this.count++;
  }

  remove(p: Page): void {
    if (p.prev) p.prev.next = p.next;
    else this.head = p.next;
    if (p.next) p.next.prev = p.prev;
    else this.tail = p.prev;
    p.prev = p.next = null;
    this.count--;
  }

  *fromHead(): IterableIterator<Page> {
    for (let p = this.head; p; p = p.next) yield p;
  }
}

export interface FrozenPageCache {
  capacity: number;
  size: number;
  dirty: number;
  writeback: number;
  activeCount: number;
  fileId: Int32Array;
  index: Float64Array;
  flags: Uint8Array;
  mapcount: Uint16Array;
  readyAt: Float64Array;
  dirtiedAt: Float64Array;
  bornOp: Float64Array;
}

export class PageCache {
  /** fileId → (index → page) */
  readonly files = new Map<number, Map<number, Page>>();
  readonly active = new LruList();
  readonly inactive = new LruList();
  size = 0;
  dirty = 0;
  writeback = 0;

  constructor(public capacity: number) {}

  get(fileId: number, index: number): Page | undefined {
    return this.files.get(fileId)?.get(index);
  }

  pagesOf(fileId: number): Map<number, Page> | undefined {
    return this.files.get(fileId);
  }

  /** New pages start on the inactive list, unreferenced (add_to_page_cache_lru → lru_cache_add). */
  insert(fileId: number, index: number, readyAt: number, bornOp: number): Page {
    const p: Page = { fileId, index, flags: 0, readyAt, dirtiedAt: 0, mapcount: 0, bornOp, prev: null, next: null };
    let m = this.files.get(fileId);
    if (!m) {
      m = new Map();
      this.files.set(fileId, m);
    }
    m.set(index, p);
    this.inactive.pushHead(p);
    this.size++;
    return p;
  }

  remove(p: Page): void {
    (p.flags & PG_ACTIVE ? this.active : this.inactive).remove(p);
    const m = this.files.get(p.fileId)!;
    m.delete(p.index);
    if (m.size === 0) this.files.delete(p.fileId);
    if (p.flags & PG_DIRTY) this.dirty--;
    if (p.flags & PG_WRITEBACK) this.writeback--;
    this.size--;
  }

  activate(p: Page): void {
    this.inactive.remove(p);
    p.flags = (p.flags | PG_ACTIVE) & ~PG_REFERENCED;
    this.active.pushHead(p);
  }

  deactivate(p: Page): void {
    this.active.remove(p);
    p.flags &= ~(PG_ACTIVE | PG_REFERENCED);
    this.inactive.pushHead(p);
  }

  /** Moves a page to the head of its list (reclaim gives it another round). */
  rotate(p: Page): void {
    const list = p.flags & PG_ACTIVE ? this.active : this.inactive;
    list.remove(p);
    list.pushHead(p);
  }

  setDirty(p: Page, now: number): boolean {
    if (p.flags & PG_DIRTY) return false;
    p.flags |= PG_DIRTY;
    p.dirtiedAt = now;
    this.dirty++;
    return true;
  }

  clearDirty(p: Page): void {
    if (p.flags & PG_DIRTY) {
      p.flags &= ~PG_DIRTY;
      this.dirty--;
    }
  }

  setWriteback(p: Page): void {
    if (!(p.flags & PG_WRITEBACK)) {
      p.flags |= PG_WRITEBACK;
      this.writeback++;
    }
  }

  clearWriteback(p: Page): void {
    if (p.flags & PG_WRITEBACK) {
      p.flags &= ~PG_WRITEBACK;
      this.writeback--;
    }
  }

  /** A compact copy for checkpoints: typed arrays in LRU order (about 40 bytes a page instead of objects). */
  freeze(): FrozenPageCache {
    const n = this.size;
    const f: FrozenPageCache = {
      capacity: this.capacity, size: n, dirty: this.dirty, writeback: this.writeback, activeCount: this.active.count,
      fileId: new Int32Array(n), index: new Float64Array(n), flags: new Uint8Array(n), mapcount: new Uint16Array(n),
      readyAt: new Float64Array(n), dirtiedAt: new Float64Array(n), bornOp: new Float64Array(n),
    };
    let i = 0;
    // Active list first, each list from its tail, so that thaw() rebuilds both orders with pushHead.
    for (const list of [this.active, this.inactive]) {
      for (let p = list.tail; p; p = p.prev) {
        f.fileId[i] = p.fileId;
        f.index[i] = p.index;
        f.flags[i] = p.flags;
        f.mapcount[i] = p.mapcount;
        f.readyAt[i] = p.readyAt;
        f.dirtiedAt[i] = p.dirtiedAt;
        f.bornOp[i] = p.bornOp;
        i++;
      }
    }
    return f;
  }

  static thaw(f: FrozenPageCache): PageCache {
    const c = new PageCache(f.capacity);
    for (let i = 0; i < f.size; i++) {
      const p: Page = {
        fileId: f.fileId[i], index: f.index[i], flags: f.flags[i], readyAt: f.readyAt[i], dirtiedAt: f.dirtiedAt[i],
        mapcount: f.mapcount[i], bornOp: f.bornOp[i], prev: null, next: null,
      };
      let m = c.files.get(p.fileId);
      if (!m) {
        m = new Map();
        c.files.set(p.fileId, m);
      }
      m.set(p.index, p);
      (i < f.activeCount ? c.active : c.inactive).pushHead(p);
    }
    c.size = f.size;
    c.dirty = f.dirty;
    c.writeback = f.writeback;
    return c;
  }

  /** A deep copy: pages are new objects on lists in the same order. */
  clone(): PageCache {
    const c = new PageCache(this.capacity);
    const copyList = (from: LruList, to: LruList) => {
      // Walk from the tail so that pushHead rebuilds the same order.
      for (let p = from.tail; p; p = p.prev) {
        const q: Page = { ...p, prev: null, next: null };
        let m = c.files.get(q.fileId);
        if (!m) {
          m = new Map();
          c.files.set(q.fileId, m);
        }
        m.set(q.index, q);
        to.pushHead(q);
      }
    };
    copyList(this.active, c.active);
    copyList(this.inactive, c.inactive);
    c.size = this.size;
    c.dirty = this.dirty;
    c.writeback = this.writeback;
    return c;
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
