/**
 * Folios and the LRU lists (include/linux/mm_types.h, mm/swap.c). A Folio here is a run of consecutive pages of one
 * file that share their whole state: flags, mapcount, the operation that inserted them, and read/dirty times that
 * advance by a fixed step from page to page (pages written one after the other). Linux 6.x caches a file read with
 * read() in 4 KiB folios; consecutive ones with the same history are held as one Folio so that every operation on a
 * contiguous range costs one step per run, not per page. Where a range ends inside a folio, the folio is split
 * (split_folio); neighbours that reach the same state are joined again (bookkeeping with no kernel counterpart, which
 * keeps the number of folios near the number of distinct histories). Large folios of a later kernel profile are runs
 * that may not split below their own size.
 *
 * On an LRU list a folio's pages sit next to each other: the highest index toward the head, the lowest toward the
 * tail, the order that pushing the pages one by one in ascending order (readahead, a sequential write, reclaim's
 * rotation) gives. Per-page truth stays exact: the state of page i of a folio is its folio's, with times
 * `readyAt + readyStep × (i − index)` and `dirtiedAt + dirtyStep × (i − index)`.
 */

export const PG_DIRTY = 1;
export const PG_WRITEBACK = 2;
export const PG_REFERENCED = 4;
export const PG_ACTIVE = 8;
export const PG_READAHEAD = 16;
/** pte accessed bit of some mapping (page_referenced() in reclaim). */
export const PG_YOUNG = 32;

/** The flags a file's index can search (the xarray's marks: PAGECACHE_TAG_DIRTY, _WRITEBACK, and PG_readahead). */
export const TAGGED = [PG_DIRTY, PG_WRITEBACK, PG_READAHEAD] as const;

/**
 * The node of a file's index (mapping.ts) that holds a folio: `dirtyTags`, `writebackTags` and `readaheadTags` count its
 * folios with each TAGGED flag (fields of the node itself: a search that skips untagged nodes reads nothing else);
 * `frozen` is its checkpoint copy while nothing in it has changed since (checkpoints share it).
 */
export interface FolioNode {
  folios: Folio[];
  dirtyTags: number;
  writebackTags: number;
  readaheadTags: number;
  frozen: FrozenNode | null;
}

/**
 * A checkpoint's copy of one index node: its folios in index order, eight numbers a folio in one typed array (index,
 * nr · 2^24 + flags · 2^16 + mapcount, bornOp, readyAt, readyStep, dirtiedAt, dirtyStep, lru): one object for the
 * garbage collector however many checkpoints hold it. Immutable, so that checkpoints share the nodes that did not
 * change between them. The LRU order travels in the folios' `lru` stamps (see LruList), so a checkpoint copies the
 * nodes that changed and nothing else.
 */
export interface FrozenNode {
  fileId: number;
  count: number;
  data: Float64Array;
}

const FIELDS = 8;

export function freezeNode(fileId: number, folios: readonly Folio[]): FrozenNode {
  const n = folios.length;
  const d = new Float64Array(FIELDS * n);
  for (let i = 0, o = 0; i < n; i++, o += FIELDS) {
    const f = folios[i];
    d[o] = f.index;
    d[o + 1] = f.nr * 0x1000000 + f.flags * 0x10000 + f.mapcount;
    d[o + 2] = f.bornOp;
    d[o + 3] = f.readyAt;
    d[o + 4] = f.readyStep;
    d[o + 5] = f.dirtiedAt;
    d[o + 6] = f.dirtyStep;
    d[o + 7] = f.lru;
  }
  return { fileId, count: n, data: d };
}

/**
 * A number read back from a Float64Array as the live code holds it: an integer in int32 range as a small integer,
 * anything else as a double. A typed array's elements come out as heap numbers, and one stored into a folio field
 * that live folios keep as a small integer changes the field's representation: Folio's hidden class is deprecated and
 * every function that reads folios deoptimizes on a replay's first thaw; each such field is also one more object for
 * the garbage collector (issue 10).
 */
function num(x: number): number {
  return x === (x | 0) ? x | 0 : x;
}

/** The folios of a frozen node, made anew or from `spare` (folios of a cache no one holds any more: Trace.release). */
export function thawNode(z: FrozenNode, spare: Folio[] | null = null): Folio[] {
  // Filled by push, not preallocated: `new Array(n)` is a holey array, whose hidden class differs from the live nodes'
  // packed ones, and every function reading `node.folios` would deoptimize on a replay's first thawed node (issue 10).
  const out: Folio[] = [];
  const d = z.data;
  for (let i = 0, o = 0; i < z.count; i++, o += FIELDS) {
    const packed = d[o + 1];
    const nr = Math.floor(packed / 0x1000000);
    const rest = packed - nr * 0x1000000;
    const g = spare === null ? undefined : spare.pop();
    const f = g === undefined
      ? new Folio(
        z.fileId, num(d[o]), num(nr), num(Math.floor(rest / 0x10000)), num(rest % 0x10000), num(d[o + 2]),
        num(d[o + 3]), num(d[o + 4]), num(d[o + 5]), num(d[o + 6]),
      )
      : g.reuse(
        z.fileId, num(d[o]), num(nr), num(Math.floor(rest / 0x10000)), num(rest % 0x10000), num(d[o + 2]),
        num(d[o + 3]), num(d[o + 4]), num(d[o + 5]), num(d[o + 6]),
      );
    f.lru = num(d[o + 7]);
    out.push(f);
  }
  return out;
}

/** Bytes a frozen node holds. */
export function frozenNodeBytes(z: FrozenNode): number {
  return z.data.byteLength + 100;
}

export class Folio {
  /** LRU neighbour toward the head (more recently added). */
  prev: Folio | null = null;
  /** LRU neighbour toward the tail. */
  next: Folio | null = null;
  node: FolioNode | null = null;
  /**
   * Its place on its LRU list, as a number (LruList's stamps): a checkpoint keeps it with the folio's other fields
   * and rebuilds the list's order from it, instead of walking the whole list at every checkpoint (issue 10).
   */
  lru = 0;

  constructor(
    public fileId: number,
    /** First page index. */
    public index: number,
    /** Number of pages. */
    public nr: number,
    public flags: number,
    /** Number of user mappings that have a pte for each page. */
    public mapcount: number,
    /** Sequence number of the operation that inserted the pages (lookups in the same call count as misses). */
    public bornOp: number,
    /** Simulated time (ns) at which the read I/O filling the first page completes; the page is locked before. */
    public readyAt: number,
    public readyStep: number,
    /** When the first page became dirty (ns; for display, expiry is per inode as in Linux). */
    public dirtiedAt: number,
    public dirtyStep: number,
  ) {}

  /** Makes a folio that left its cache a new one, as the constructor would (PageCache's spare folios). */
  reuse(
    fileId: number, index: number, nr: number, flags: number, mapcount: number, bornOp: number,
    readyAt: number, readyStep: number, dirtiedAt: number, dirtyStep: number,
  ): this {
    this.prev = null;
    this.next = null;
    this.node = null;
    this.lru = 0;
    this.fileId = fileId;
    this.index = index;
    this.nr = nr;
    this.flags = flags;
    this.mapcount = mapcount;
    this.bornOp = bornOp;
    this.readyAt = readyAt;
    this.readyStep = readyStep;
    this.dirtiedAt = dirtiedAt;
    this.dirtyStep = dirtyStep;
    return this;
  }

  /** One past the last page index. */
  get end(): number {
    return this.index + this.nr;
  }

  readyAtOf(i: number): number {
    return this.readyStep === 0 ? this.readyAt : this.readyAt + this.readyStep * (i - this.index);
  }

  dirtiedAtOf(i: number): number {
    return this.dirtyStep === 0 ? this.dirtiedAt : this.dirtiedAt + this.dirtyStep * (i - this.index);
  }

  /** When the last page is ready: the latest, as steps are never negative. */
  lastReadyAt(): number {
    return this.readyAtOf(this.end - 1);
  }

  /** How many pages from the first are ready by `now` (their read completed). */
  readyCount(now: number): number {
    if (this.readyAt > now) return 0;
    if (this.readyStep === 0) return this.nr;
    return Math.min(this.nr, Math.floor((now - this.readyAt) / this.readyStep) + 1);
  }
}

/**
 * The step of a time that is `a` at the first of `aNr` pages (step `aStep`) and `b` at the first of the `bNr` pages
 * right after them (step `bStep`), if one step describes both; null if not. A single page has no step of its own.
 * Only whole nanoseconds join with a non-zero step, so that every page's time is computed exactly.
 */
export function joinStep(a: number, aStep: number, aNr: number, b: number, bStep: number, bNr: number): number | null {
  let step: number;
  if (aNr > 1) step = aStep;
  else if (bNr > 1) step = bStep;
  else step = a === b ? 0 : b - a;
  if (bNr > 1 && bStep !== step) return null;
  if (step === 0) return a === b ? 0 : null;
  if (step < 0 || !Number.isSafeInteger(a) || !Number.isSafeInteger(b) || !Number.isSafeInteger(step)) return null;
  return a + step * aNr === b ? step : null;
}

/**
 * An LRU list of folios (lruvec->lists[]); head is the most recently added. `count` is in pages.
 *
 * Each folio carries a stamp, `lru`, that gives its place without walking the list: pushHead stamps it one above every
 * stamp given before; the upper part of a split folio, put right above its lower part, takes its stamp. So, from the
 * tail to the head, folios come in ascending (stamp, page index): folios that share a stamp are pieces of one folio
 * pushed once, of one file, the higher index toward the head (joins, trims and pages moved between neighbours keep
 * this; a folio is moved only by remove and pushHead). A stamp given drops the frozen copy of the folio's index node
 * (most moves change the node anyway: flags, place), so that a checkpoint copies the nodes that changed and has the
 * order of both lists with them (PageCache.freeze, thaw).
 */
export class LruList {
  head: Folio | null = null;
  tail: Folio | null = null;
  count = 0;
  folios = 0;
  /** The last stamp given (see above). */
  stamp = 0;

  pushHead(f: Folio): void {
    f.lru = ++this.stamp;
    if (f.node) f.node.frozen = null;
    this.linkHead(f);
  }

  /** Links `f` at the head keeping its stamp (a list rebuilt in stamp order from a checkpoint). */
  linkHead(f: Folio): void {
    f.prev = null;
    f.next = this.head;
    if (this.head) this.head.prev = f;
    this.head = f;
    if (!this.tail) this.tail = f;
    this.count += f.nr;
    this.folios++;
  }

  /** Puts `f` right before `ref` (toward the head), as the upper part of a split folio. */
  insertBefore(ref: Folio, f: Folio): void {
    f.lru = ref.lru;
    if (f.node) f.node.frozen = null;
    f.next = ref;
    f.prev = ref.prev;
    if (ref.prev) ref.prev.next = f;
    else this.head = f;
    ref.prev = f;
    this.count += f.nr;
    this.folios++;
  }

  remove(f: Folio): void {
    if (f.prev) f.prev.next = f.next;
    else this.head = f.next;
    if (f.next) f.next.prev = f.prev;
    else this.tail = f.prev;
    f.prev = f.next = null;
    this.count -= f.nr;
    this.folios--;
  }

  *fromHead(): IterableIterator<Folio> {
    for (let f = this.head; f; f = f.next) yield f;
  }
}

/**
 * `folios`, given in file and index order, in LRU order from the tail: by stamp, then page index (pieces of one folio
 * share a stamp, the higher index toward the head; they are of one file, so their order in `folios` is theirs). Sorted
 * as numbers, stamp × n + position, by the typed array's own sort: a sort of the folios with a comparison function
 * cost a seek 2 ms for 6,000 folios, three times the rest of the thaw (issue 10).
 */
export function lruOrder(folios: Folio[]): Folio[] {
  const n = folios.length;
  // A cache filled and drained in file order (a sequential write or read) is in LRU order already: no sort then.
  let sorted = true;
  for (let i = 1; i < n; i++) {
    if (folios[i].lru < folios[i - 1].lru) {
      sorted = false;
      break;
    }
  }
  if (sorted) return folios;
  let maxStamp = 0;
  for (const f of folios) if (f.lru > maxStamp) maxStamp = f.lru;
  if ((maxStamp + 1) * n > Number.MAX_SAFE_INTEGER) return [...folios].sort((a, b) => a.lru - b.lru || a.index - b.index);
  const keys = new Float64Array(n);
  for (let i = 0; i < n; i++) keys[i] = folios[i].lru * n + i;
  keys.sort();
  const out: Folio[] = [];
  for (let i = 0; i < n; i++) out.push(folios[keys[i] % n]);
  return out;
}
