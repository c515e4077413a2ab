/**
 * The page cache of one file (struct address_space and its i_pages xarray): the file's folios in index order. The
 * folios sit in nodes of up to NODE_MAX, in order; a lookup is two binary searches, an insertion or removal moves at
 * most a node's worth of references. Each node counts its folios that carry a tagged flag (dirty, writeback,
 * readahead) as the xarray's inner nodes keep mark bits, so a tag search (filemap_get_folios_tag) skips every node
 * without one.
 */
import { Folio, FolioNode, FrozenNode, PG_DIRTY, PG_READAHEAD, PG_WRITEBACK } from './folio';
import { MapNode, STALE, STALE_MAX, TAG_MASK, compact, countTags, first, tagCount, tagSlot } from './xa-node';

const NODE_MAX = 128;

export class Mapping {
  private nodes: MapNode[] = [];
  /** Cached pages of the file (address_space->nrpages). */
  nrpages = 0;
  nrFolios = 0;

  /** Position of the last node whose first folio starts at or before `index`; -1 if none. */
  private nodeAt(index: number): number {
    let lo = 0;
    let hi = this.nodes.length - 1;
    let ans = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (first(this.nodes[mid]).index <= index) {
        ans = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return ans;
  }

  /** Position in `node.folios` of the last folio starting at or before `index`; node.lo - 1 if none. */
  private static slotAt(node: MapNode, index: number): number {
    const folios = node.folios;
    let lo = node.lo;
    let hi = folios.length - 1;
    let ans = lo - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (folios[mid].index <= index) {
        ans = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return ans;
  }

  /**
   * The slot of `f`, a folio of `node`: by identity at the slots the hints name and at the node's last few slots
   * (where a file read or written sequentially changes its index), which reads only the node's array; else by a binary
   * search, which reads a folio at each step, most of them cold (issue 10).
   */
  private slotOf(node: MapNode, f: Folio): number {
    const fs = node.folios;
    const n = fs.length;
    const hs = this.hintSlot;
    if (hs >= node.lo && hs < n) {
      if (fs[hs] === f) return hs;
      if (hs + 1 < n && fs[hs + 1] === f) return hs + 1;
    }
    const ts = this.tagHintSlot;
    if (ts >= node.lo && ts < n && fs[ts] === f) return ts;
    const stop = Math.max(node.lo, n - 4);
    for (let s = n - 1; s >= stop; s--) if (fs[s] === f) return s;
    return Mapping.slotAt(node, f.index);
  }

  /** The folio found last: lookups mostly ask for the same one again or the one after it. */
  private hint: Folio | null = null;
  /** Where `hint` was in its node when found (checked before use: inserts and removals move folios). */
  private hintSlot = 0;

  /** The folio that holds page `index` (filemap_get_entry), if cached. */
  find(index: number): Folio | undefined {
    const h = this.hint;
    // A folio still in the index (node set) holds [index, index + nr): checked, since it may have been cut since.
    if (h && h.node) {
      if (index >= h.index) {
        const hEnd = h.index + h.nr;
        if (index < hEnd) return h;
        // The folio right after it in the same node (a read or write going on sequentially).
        const hf = h.node.folios;
        const s = this.hintSlot;
        if (s >= 0 && hf[s] === h && s + 1 < hf.length) {
          const g = hf[s + 1];
          if (index < g.index) return undefined;
          if (index < g.index + g.nr) {
            this.hint = g;
            this.hintSlot = s + 1;
            return g;
          }
        }
      }
    }
    const nodes = this.nodes;
    const nl = nodes.length;
    if (nl === 0) return undefined;
    // Past the last cached page (a file written or read ahead sequentially asks there most): no search.
    const lastFs = nodes[nl - 1].folios;
    const lastF = lastFs[lastFs.length - 1];
    if (index >= lastF.index + lastF.nr) return undefined;
    if (index >= lastF.index) {
      this.hint = lastF;
      this.hintSlot = lastFs.length - 1;
      return lastF;
    }
    // Within the node of the folio found last (lookups stay near each other): one search, in it alone.
    const hn = h?.node as MapNode | null | undefined;
    if (hn && hn.folios.length > hn.lo && first(hn).index <= index) {
      const hf = hn.folios;
      const hl = hf[hf.length - 1];
      if (index < hl.index + hl.nr) {
        const hs = Mapping.slotAt(hn, index);
        const f = hf[hs];
        if (index >= f.index + f.nr) return undefined;
        this.hint = f;
        this.hintSlot = hs;
        return f;
      }
    }
    const n = this.nodeAt(index);
    if (n < 0) return undefined;
    const fs = nodes[n].folios;
    const s = Mapping.slotAt(nodes[n], index);
    const f = fs[s];
    if (index >= f.index + f.nr) return undefined;
    this.hint = f;
    this.hintSlot = s;
    return f;
  }

  /**
   * Makes `f` the folio the next lookup tries first (a caller about to ask again for a page it found before other
   * lookups moved the hint); ignored if `f` has left the index.
   */
  remember(f: Folio): void {
    if (!f.node) return;
    this.hint = f;
    this.hintSlot = -1;
  }

  /** The first folio that holds a page at or after `index`. */
  ceil(index: number): Folio | undefined {
    const nl = this.nodes.length;
    if (nl === 0) return undefined;
    const lastFs = this.nodes[nl - 1].folios;
    const lastF = lastFs[lastFs.length - 1];
    if (index >= lastF.index + lastF.nr) return undefined;
    let n = this.nodeAt(index);
    if (n < 0) return first(this.nodes[0]);
    const fs = this.nodes[n].folios;
    let s = Mapping.slotAt(this.nodes[n], index);
    if (index >= fs[s].index + fs[s].nr) s++;
    if (s < fs.length) return fs[s];
    n++;
    return n < this.nodes.length ? first(this.nodes[n]) : undefined;
  }

  /** The folio after `f` in index order. */
  after(f: Folio): Folio | undefined {
    const node = f.node as MapNode;
    const fs = node.folios;
    const s = this.slotOf(node, f) + 1;
    if (s < fs.length) return fs[s];
    const n = this.nodes.indexOf(node) + 1;
    return n < this.nodes.length ? first(this.nodes[n]) : undefined;
  }

  /** The folio before `f` in index order. */
  before(f: Folio): Folio | undefined {
    const node = f.node as MapNode;
    const s = this.slotOf(node, f) - 1;
    if (s >= node.lo) return node.folios[s];
    const n = this.nodes.indexOf(node) - 1;
    return n >= 0 ? this.nodes[n].folios[this.nodes[n].folios.length - 1] : undefined;
  }

  /**
   * The first folio holding a page of [from, to) whose flags include `flag` (a tagged one): xa_find with a mark.
   * Nodes without the tag are skipped whole.
   */
  findTagged(from: number, to: number, flag: number): Folio | undefined {
    const t = tagSlot(flag);
    const nodes = this.nodes;
    let n: number;
    let s0: number;
    // Whether every node before `n` is known to be without the tag (a search from the first node): the first tagged
    // node met is then a floor.
    let fromStart = false;
    // A search that goes on from the folio found last (writeback walks a run of dirty folios in order): from its place.
    const h = this.tagHint;
    const hn = this.tagHintNode;
    const hs = this.tagHintSlot;
    if (h && h.node && from >= h.index && hn < nodes.length && nodes[hn] === h.node && h.node.folios[hs] === h &&
      (hs + 1 < h.node.folios.length ? from < h.node.folios[hs + 1].index + h.node.folios[hs + 1].nr : true)) {
      n = hn;
      s0 = from < h.index + h.nr ? hs : hs + 1;
    } else {
      n = Math.max(0, this.nodeAt(from));
      s0 = -1;
      // No node before the floor has the tag: the nodes up to it would be skipped one by one, or end the search at the
      // floor's first folio just the same.
      const floor = this.tagFloor[t];
      const at = this.tagFloorAt[t];
      if (floor !== null && at > n && at < nodes.length && nodes[at] === floor) n = at;
      else fromStart = n === 0;
    }
    for (; n < nodes.length; n++) {
      const node = nodes[n];
      const tagged = tagCount(node, t);
      if (fromStart && tagged > 0) {
        this.tagFloor[t] = node;
        this.tagFloorAt[t] = n;
        fromStart = false;
      }
      // A node without the tag is skipped on its own count (its folios, elsewhere in memory, are not read), unless
      // it may end the search.
      if (tagged === 0 && to === Infinity) {
        s0 = -1;
        continue;
      }
      const fs = node.folios;
      if (fs[node.lo].index >= to) return undefined;
      if (tagged === 0) {
        s0 = -1;
        continue;
      }
      for (let s = s0 >= 0 ? s0 : Math.max(node.lo, Mapping.slotAt(node, from)); s < fs.length; s++) {
        const f = fs[s];
        if (f.index >= to) return undefined;
        if (f.flags & flag && f.index + f.nr > from) {
          this.tagHint = f;
          this.tagHintNode = n;
          this.tagHintSlot = s;
          return f;
        }
      }
      s0 = -1;
    }
    return undefined;
  }

  /** The folio findTagged returned last, its node's place and its slot (each checked before use). */
  private tagHint: Folio | null = null;
  private tagHintNode = 0;
  private tagHintSlot = 0;

  /**
   * For each tag (TAGGED's order), a node that no node before it has a folio with the tag in, and its place when found
   * (checked before use): a search from the start of the file (the flusher's write_cache_pages from index 0 past
   * the clean pages reclaim has not taken yet) goes straight to it instead of reading every node before it (issue 10).
   * Dropped when a node before it gets the tag, or when it leaves the index.
   */
  private readonly tagFloor: (MapNode | null)[] = [null, null, null];
  private readonly tagFloorAt: number[] = [0, 0, 0];

  /**
   * A folio with `flags` went into `node` (or got them there): a floor after the node no longer holds for a tag the
   * node did not have before (its count is 1 now; a node that had the tag already is at or after the floor).
   */
  private tagsRaised(node: MapNode, flags: number): void {
    if ((flags & TAG_MASK) === 0) return;
    const fl = this.tagFloor;
    if (fl[0] !== null && flags & PG_DIRTY && node.dirtyTags === 1) this.dropFloor(0, node);
    if (fl[1] !== null && flags & PG_WRITEBACK && node.writebackTags === 1) this.dropFloor(1, node);
    if (fl[2] !== null && flags & PG_READAHEAD && node.readaheadTags === 1) this.dropFloor(2, node);
  }

  /** Drops tag t's floor if `node`, which just got the tag, comes before it. */
  private dropFloor(t: number, node: MapNode): void {
    const floor = this.tagFloor[t]!;
    if (node !== floor && first(node).index < first(floor).index) this.tagFloor[t] = null;
  }

  /** The first page index in [from, limit) that is not cached (page_cache_next_miss); `limit` if all are. */
  nextMiss(from: number, limit: number): number {
    let i = from;
    let f = this.find(i);
    while (f && i < limit) {
      i = f.index + f.nr;
      const g = this.after(f);
      f = g && g.index === i ? g : undefined;
    }
    return Math.min(i, limit);
  }

  /**
   * page_cache_prev_miss: scanning back from `from` (inclusive) over at most `maxScan` pages, the first index that is
   * not cached; -1 when every page down to 0 is cached (the kernel's ULONG_MAX, a wrap past index 0); `from - maxScan`
   * when the scan ran out (an index outside the range, as the kernel returns).
   */
  prevMiss(from: number, maxScan: number): number {
    const stop = from - maxScan;
    let i = from;
    let f = this.find(i);
    while (f && i > stop) {
      i = f.index - 1;
      if (i < 0) return -1;
      const g = this.before(f);
      f = g && g.index + g.nr - 1 === i ? g : undefined;
    }
    return Math.max(i, stop);
  }

  /** Adds a folio whose pages are not cached yet. */
  insert(f: Folio): void {
    this.nrpages += f.nr;
    this.nrFolios++;
    if (this.nodes.length === 0) {
      const node = new MapNode();
      this.nodes.push(node);
      this.place(node, 0, f);
      return;
    }
    const nodes = this.nodes;
    let n = nodes.length - 1;
    let node = nodes[n];
    let slot = node.folios.length;
    // After every cached page (readahead, a sequential write): the end of the last node, no search.
    if (f.index < node.folios[slot - 1].index) {
      n = this.nodeAt(f.index);
      if (n < 0) n = 0;
      node = nodes[n];
      slot = Mapping.slotAt(node, f.index) + 1;
    }
    this.place(node, slot, f);
    if (node.folios.length - node.lo > NODE_MAX) this.splitNode(node, n);
  }

  /** A node grown past NODE_MAX gives its upper half to a new node after it (position `n`). */
  private splitNode(node: MapNode, n: number): void {
    compact(node);
    const upper = new MapNode();
    upper.folios = node.folios.splice(NODE_MAX >> 1);
    node.frozen = null;
    for (const g of upper.folios) {
      countTags(node, g.flags, -1);
      countTags(upper, g.flags, 1);
      this.tagsRaised(upper, g.flags);
      g.node = upper;
    }
    this.nodes.splice(n + 1, 0, upper);
  }

  /** Adds `upper`, the pages cut off the top of `f` (split_folio): right after `f` in its node, no search of the index. */
  insertAfter(f: Folio, upper: Folio): void {
    const node = f.node as MapNode;
    const fs = node.folios;
    // Its place from the lookup that found it (find's or findTagged's: writeback cuts the folios the tag search
    // returns), else by search.
    const slot = this.slotOf(node, f) + 1;
    this.nrpages += upper.nr;
    this.nrFolios++;
    this.place(node, slot, upper);
    if (fs.length - node.lo > NODE_MAX) this.splitNode(node, this.nodes.indexOf(node));
    else {
      // A range cut out of a folio is cut again at its end and then looked up: from the upper part.
      this.hint = upper;
      this.hintSlot = slot;
    }
  }

  private place(node: MapNode, slot: number, f: Folio): void {
    node.frozen = null;
    // By hand rather than splice(), which makes an array of what it removes on every call.
    const fs = node.folios;
    if (slot === fs.length) fs.push(f);
    else if (slot === node.lo && slot > 0) {
      // Before the first folio, into a stale slot.
      fs[slot - 1] = f;
      node.lo = slot - 1;
    } else {
      fs.push(fs[fs.length - 1]);
      for (let i = fs.length - 2; i > slot; i--) fs[i] = fs[i - 1];
      fs[slot] = f;
    }
    f.node = node;
    countTags(node, f.flags, 1);
    this.tagsRaised(node, f.flags);
  }

  remove(f: Folio): void {
    const node = f.node as MapNode;
    node.frozen = null;
    const fs = node.folios;
    // Reclaim takes a file's lowest pages (the LRU tail) first: the node's first folio goes in one step, its slot
    // left stale (holding STALE, never a folio of the cache).
    let slot = node.lo;
    if (fs[slot] === f) {
      fs[slot] = STALE;
      node.lo = slot + 1;
      if (slot + 1 >= STALE_MAX && slot + 1 < fs.length) compact(node);
      slot = -1;
    } else {
      slot = this.slotOf(node, f);
      for (let i = slot; i < fs.length - 1; i++) fs[i] = fs[i + 1];
      fs.pop();
    }
    if (this.hint === f) {
      // The folio found last leaves (joined into its neighbour below, mostly): the lookups near it start from that
      // neighbour instead of searching the whole index.
      const s = slot > node.lo ? slot - 1 : node.lo;
      this.hint = s < fs.length ? fs[s] : null;
      this.hintSlot = s;
    }
    countTags(node, f.flags, -1);
    f.node = null;
    this.nrpages -= f.nr;
    this.nrFolios--;
    if (fs.length === node.lo) {
      this.nodes.splice(this.nodes.indexOf(node), 1);
      const fl = this.tagFloor;
      for (let t = 0; t < fl.length; t++) if (fl[t] === node) fl[t] = null;
    }
  }

  /** Records that `f`'s flags changed from `before` (its place is unchanged). */
  retag(f: Folio, before: number): void {
    f.node!.frozen = null;
    const changed = (before ^ f.flags) & TAG_MASK;
    if (changed === 0) return;
    const node = f.node!;
    if (changed & PG_DIRTY) node.dirtyTags += f.flags & PG_DIRTY ? 1 : -1;
    if (changed & PG_WRITEBACK) node.writebackTags += f.flags & PG_WRITEBACK ? 1 : -1;
    if (changed & PG_READAHEAD) node.readaheadTags += f.flags & PG_READAHEAD ? 1 : -1;
    this.tagsRaised(node as MapNode, changed & f.flags);
  }

  /** The index nodes in order (for checkpoints: each with its folios and its frozen copy, if still valid). */
  nodeList(): readonly FolioNode[] {
    // Their folios from slot 0 (a frozen copy of a node stays valid: its folios are the same).
    for (const node of this.nodes) compact(node);
    return this.nodes;
  }

  /**
   * Appends a node thawed from a checkpoint: `folios` (after every folio already here, in index order), made from
   * `frozen`, which stays its frozen copy until something in it changes (a frozen node is immutable: the copy's next
   * checkpoint shares it instead of freezing every node anew).
   */
  adoptNode(folios: Folio[], frozen: FrozenNode | null = null): void {
    const node = new MapNode();
    node.folios = folios;
    node.frozen = frozen;
    for (const f of folios) {
      f.node = node;
      countTags(node, f.flags, 1);
      this.nrpages += f.nr;
    }
    this.nrFolios += folios.length;
    this.nodes.push(node);
  }

  /** Every folio in index order. */
  *folios(): IterableIterator<Folio> {
    for (const node of this.nodes) for (let s = node.lo; s < node.folios.length; s++) yield node.folios[s];
  }

  /** Number of cached pages that carry `flag` (any flag; walks the folios that might). */
  countFlag(flag: number): number {
    let n = 0;
    for (const node of this.nodes) for (let s = node.lo; s < node.folios.length; s++) if (node.folios[s].flags & flag) n += node.folios[s].nr;
    return n;
  }
}
