/**
 * The page cache of one file (struct address_space and its i_pages xarray): the file's folios in index order. The
 * folios sit in nodes of up to NODE_MAX, in order; a lookup is two binary searches, an insertion or removal moves at
 * most a node's worth of references. Each node counts its folios that carry a tagged flag (dirty, writeback,
 * readahead) as the xarray's inner nodes keep mark bits, so a tag search (filemap_get_folios_tag) skips every node
 * without one.
 */
import { Folio, FolioNode, FrozenNode, TAGGED } from './folio';

const NODE_MAX = 128;

class MapNode implements FolioNode {
  folios: Folio[] = [];
  tags = new Int32Array(TAGGED.length);
  frozen: FrozenNode | null = null;
  ordinal = 0;
}

/** tags[] slot of a tagged flag, -1 for other flags. */
export function tagSlot(flag: number): number {
  return TAGGED.indexOf(flag as (typeof TAGGED)[number]);
}

/** Adds `d` (±1) to the node's tag counts for each tagged flag in `flags`. */
function countTags(node: FolioNode, flags: number, d: number): void {
  for (let t = 0; t < TAGGED.length; t++) if (flags & TAGGED[t]) node.tags[t] += d;
}

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
      if (this.nodes[mid].folios[0].index <= index) {
        ans = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return ans;
  }

  /** Position in `folios` of the last folio starting at or before `index`; -1 if none. */
  private static slotAt(folios: Folio[], index: number): number {
    let lo = 0;
    let hi = folios.length - 1;
    let ans = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (folios[mid].index <= index) {
        ans = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return ans;
  }

  /** The folio found last: lookups mostly ask for the same one again or the one after it. */
  private hint: Folio | null = null;

  /** The folio that holds page `index` (filemap_get_entry), if cached. */
  find(index: number): Folio | undefined {
    const h = this.hint;
    // A folio still in the index (node set) holds [index, index + nr): checked, since it may have been cut since.
    if (h && h.node && index >= h.index && index < h.index + h.nr) return h;
    const nodes = this.nodes;
    const nl = nodes.length;
    if (nl === 0) return undefined;
    // Past the last cached page (a file written or read ahead sequentially asks there most): no search.
    const lastFs = nodes[nl - 1].folios;
    const lastF = lastFs[lastFs.length - 1];
    if (index >= lastF.index + lastF.nr) return undefined;
    if (index >= lastF.index) {
      this.hint = lastF;
      return lastF;
    }
    // Within the node of the folio found last (lookups stay near each other): one search, in it alone.
    const hn = h?.node as MapNode | null | undefined;
    if (hn && hn.folios.length > 0 && hn.folios[0].index <= index) {
      const hf = hn.folios;
      const hl = hf[hf.length - 1];
      if (index < hl.index + hl.nr) {
        const f = hf[Mapping.slotAt(hf, index)];
        if (index >= f.index + f.nr) return undefined;
        this.hint = f;
        return f;
      }
    }
    const n = this.nodeAt(index);
    if (n < 0) return undefined;
    const fs = nodes[n].folios;
    const f = fs[Mapping.slotAt(fs, index)];
    if (!f || index >= f.index + f.nr) return undefined;
    this.hint = f;
    return f;
  }

  /** The first folio that holds a page at or after `index`. */
  ceil(index: number): Folio | undefined {
    const nl = this.nodes.length;
    if (nl === 0) return undefined;
    const lastFs = this.nodes[nl - 1].folios;
    const lastF = lastFs[lastFs.length - 1];
    if (index >= lastF.index + lastF.nr) return undefined;
    let n = this.nodeAt(index);
    if (n < 0) return this.nodes[0]?.folios[0];
    const fs = this.nodes[n].folios;
    let s = Mapping.slotAt(fs, index);
    if (index >= fs[s].index + fs[s].nr) s++;
    if (s < fs.length) return fs[s];
    n++;
    return n < this.nodes.length ? this.nodes[n].folios[0] : undefined;
  }

  /** The folio after `f` in index order. */
  after(f: Folio): Folio | undefined {
    const node = f.node as MapNode;
    const fs = node.folios;
    const s = Mapping.slotAt(fs, f.index) + 1;
    if (s < fs.length) return fs[s];
    const n = this.nodes.indexOf(node) + 1;
    return n < this.nodes.length ? this.nodes[n].folios[0] : undefined;
  }

  /** The folio before `f` in index order. */
  before(f: Folio): Folio | undefined {
    const node = f.node as MapNode;
    const s = Mapping.slotAt(node.folios, f.index) - 1;
    if (s >= 0) return node.folios[s];
    const n = this.nodes.indexOf(node) - 1;
    return n >= 0 ? this.nodes[n].folios[this.nodes[n].folios.length - 1] : undefined;
  }

  /**
   * The first folio holding a page of [from, to) whose flags include `flag` (a tagged one): xa_find with a mark.
   * Nodes without the tag are skipped whole.
   */
  findTagged(from: number, to: number, flag: number): Folio | undefined {
    const t = tagSlot(flag);
    let n = Math.max(0, this.nodeAt(from));
    for (; n < this.nodes.length; n++) {
      const node = this.nodes[n];
      if (node.folios[0].index >= to) return undefined;
      if (node.tags[t] === 0) continue;
      const fs = node.folios;
      for (let s = Math.max(0, Mapping.slotAt(fs, from)); s < fs.length; s++) {
        const f = fs[s];
        if (f.index >= to) return undefined;
        if (f.flags & flag && f.index + f.nr > from) return f;
      }
    }
    return undefined;
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
    let n = this.nodeAt(f.index);
    if (n < 0) n = 0;
    const node = this.nodes[n];
    this.place(node, Mapping.slotAt(node.folios, f.index) + 1, f);
    if (node.folios.length > NODE_MAX) {
      const upper = new MapNode();
      upper.folios = node.folios.splice(NODE_MAX >> 1);
      node.frozen = null;
      for (const g of upper.folios) {
        countTags(node, g.flags, -1);
        countTags(upper, g.flags, 1);
        g.node = upper;
      }
      this.nodes.splice(n + 1, 0, upper);
    }
  }

  private place(node: MapNode, slot: number, f: Folio): void {
    node.frozen = null;
    // By hand rather than splice(), which makes an array of what it removes on every call.
    const fs = node.folios;
    if (slot === fs.length) fs.push(f);
    else {
      fs.push(fs[fs.length - 1]);
      for (let i = fs.length - 2; i > slot; i--) fs[i] = fs[i - 1];
      fs[slot] = f;
    }
    f.node = node;
    countTags(node, f.flags, 1);
  }

  remove(f: Folio): void {
    const node = f.node as MapNode;
    node.frozen = null;
    const fs = node.folios;
    // Reclaim takes a file's lowest pages (the LRU tail) first: the node's first folio goes in one step.
    if (fs[0] === f) fs.shift();
    else {
      for (let i = Mapping.slotAt(fs, f.index); i < fs.length - 1; i++) fs[i] = fs[i + 1];
      fs.pop();
    }
    countTags(node, f.flags, -1);
    f.node = null;
    this.nrpages -= f.nr;
    this.nrFolios--;
    if (fs.length === 0) this.nodes.splice(this.nodes.indexOf(node), 1);
  }

  /** Records that `f`'s flags changed from `before` (its place is unchanged). */
  retag(f: Folio, before: number): void {
    f.node!.frozen = null;
    const changed = before ^ f.flags;
    for (let t = 0; t < TAGGED.length; t++) {
      if (changed & TAGGED[t]) f.node!.tags[t] += f.flags & TAGGED[t] ? 1 : -1;
    }
  }

  /** The index nodes in order (for checkpoints: each with its folios and its frozen copy, if still valid). */
  nodeList(): readonly FolioNode[] {
    return this.nodes;
  }

  /**
   * Appends a node thawed from a checkpoint: `folios` (after every folio already here, in index order). It is frozen
   * anew at its next checkpoint: a copy shares nothing with the machine it came from.
   */
  adoptNode(folios: Folio[]): void {
    const node = new MapNode();
    node.folios = folios;
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
    for (const node of this.nodes) yield* node.folios;
  }

  /** Number of cached pages that carry `flag` (any flag; walks the folios that might). */
  countFlag(flag: number): number {
    let n = 0;
    for (const node of this.nodes) for (const f of node.folios) if (f.flags & flag) n += f.nr;
    return n;
  }
}
