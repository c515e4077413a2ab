/**
 * Byte contents without storing bytes. A file's bytes are a deterministic function of (file, offset); a buffer or a
 * written file range records only *where its bytes came from* (extents pointing at generated file content, or
 * zeros). Memory therefore grows with the number of distinct movements, not with the size of files or caches,
 * while any range can still be materialised into true bytes for a hex view.
 */

import { type NameOf, generatedBytes } from './generated';

export { type NameOf, generatedBytes, generatedRow } from './generated';

/** Source ids: >= 0 is a file's generated content (its seed), ZERO is zero bytes. */
export const ZERO = -1;

export interface Extent {
  off: number;
  len: number;
  src: number;
  /** Offset within the source where this extent's first byte comes from. */
  base: number;
}

/**
 * An extent. Every extent is made here, live ones and checkpoint copies alike, so that all share one hidden class (a
 * copy by object spread gets another, and the code that reads extents deoptimizes on a replay's first copies).
 */
export function extent(off: number, len: number, src: number, base: number): Extent {
  return { off, len, src, base };
}

/** What an extent costs in memory, about (an object of four numbers and a pointer to it), for checkpoint budgets. */
export const EXTENT_BYTES = 64;

/**
 * Most extents a chunk holds when filled by appends; a splice may grow one to twice that before it is split. A copy on
 * write copies one chunk, so this bounds what the first change after a checkpoint costs (about 512 × 48 bytes).
 */
const CHUNK = 512;

/** Tokens that say which content may change a chunk in place (Content.own). */
let tokens = 0;

/**
 * A sparse map from offsets to sources. Offsets not covered by an extent hold the default source (a file's own
 * generated content, or zeros for memory).
 *
 * The extents are kept in chunks, copied on write (issue 10): a clone (a checkpoint) shares every chunk with the
 * content it copies, and whichever of the two changes a chunk first copies that chunk alone (and the chunk directory,
 * a pointer a chunk). A checkpoint of a file that dd wrote block after block (a million extents) so costs the chunks
 * written since the last one, not the million extents. A chunk's extents are objects of the content that owns the
 * chunk, never of another (they are changed in place: a buffer's one extent refilled by each read).
 */
export class Content {
  /** The extents in chunks: sorted, disjoint and merged across chunks too, none the default; no chunk is empty. */
  private dir: Extent[][] = [];
  /** Per chunk, the token of the content that may change it in place (it made or copied it since its last clone). */
  private own: number[] = [];
  /** Whether `dir` and `own` are this content's own arrays (a clone shares them until either changes its chunks). */
  private dirOwn = true;
  /** This content's token: a fresh one at every clone, so that no chunk it held before is its own any more. */
  private me = ++tokens;
  /** Extents held. */
  private n = 0;
  /**
   * Extents in chunks this content shared with a clone and has since replaced (copied to change them, or dropped):
   * from then on only the clones hold them, which is what clones (checkpoints) cost of their own (takeRetired).
   */
  private retired = 0;

  constructor(public readonly defaultSrc: number) {}

  /** A copy that shares every chunk with this content, in O(1); either copies a chunk before it changes it. */
  clone(): Content {
    const c = new Content(this.defaultSrc);
    c.dir = this.dir;
    c.own = this.own;
    c.dirOwn = false;
    c.n = this.n;
    this.dirOwn = false;
    this.me = ++tokens;
    return c;
  }

  /** Number of extents (pieces not the default). */
  get extentCount(): number {
    return this.n;
  }

  /** Number of chunks the extents are kept in. */
  get chunkCount(): number {
    return this.dir.length;
  }

  /** The extents in order, as one new array of the live extents (for inspection and tests: never change them). */
  get extents(): readonly Extent[] {
    const out: Extent[] = [];
    for (const c of this.dir) for (const e of c) out.push(e);
    return out;
  }

  /** Extents retired since the last call (see `retired`): held by clones alone now. */
  takeRetired(): number {
    const r = this.retired;
    this.retired = 0;
    return r;
  }

  /** Calls `f` with each chunk (its identity: shared chunks are the same object) and its number of extents. */
  forEachChunk(f: (chunk: object, extents: number) => void): void {
    for (const c of this.dir) f(c, c.length);
  }

  /** Chunks this content shares with `other` (the very same arrays: neither changed them since a clone). */
  chunksSharedWith(other: Content): number {
    const mine = new Set<object>(this.dir);
    let k = 0;
    for (const c of other.dir) if (mine.has(c)) k++;
    return k;
  }

  /** Chunk k, this content's own (copied first if a clone shares it). */
  private writable(k: number): Extent[] {
    if (this.own[k] === this.me) return this.dir[k];
    return this.copyChunk(k);
  }

  private copyChunk(k: number): Extent[] {
    this.ownDir();
    const c = this.dir[k];
    this.retired += c.length;
    const w = new Array<Extent>(c.length);
    for (let i = 0; i < c.length; i++) {
      const e = c[i];
      w[i] = extent(e.off, e.len, e.src, e.base);
    }
    this.dir[k] = w;
    this.own[k] = this.me;
    return w;
  }

  /** Makes the chunk directory this content's own (a clone shares it until either changes it). */
  private ownDir(): void {
    if (this.dirOwn) return;
    this.dir = this.dir.slice();
    this.own = this.own.slice();
    this.dirOwn = true;
  }

  /** Appends `e` (past every extent, not mergeable with the last): to the last chunk if it has room, else a new one. */
  private append(e: Extent): void {
    const d = this.dir;
    const k = d.length - 1;
    if (k >= 0 && d[k].length < CHUNK) this.writable(k).push(e);
    else {
      this.ownDir();
      this.dir.push([e]);
      this.own.push(this.me);
    }
    this.n++;
  }

  /** Makes [off, off+len) come from `src` starting at `base` (a plain source, not another Content). */
  set(off: number, len: number, src: number, base: number): void {
    if (len <= 0) return;
    const end = off + len;
    // The common case of a read loop: the buffer's one extent is replaced by the same span from elsewhere.
    if (this.n === 1) {
      const e0 = this.dir[0][0];
      if (e0.off === off && e0.len === len && (src !== this.defaultSrc || (src !== ZERO && base !== off))) {
        const e = this.own[0] === this.me ? e0 : this.writable(0)[0];
        e.src = src;
        e.base = base;
        return;
      }
    }
    // Past every extent (a file written sequentially, an empty buffer): append, or extend the last extent.
    const d = this.dir;
    const lastC = d.length > 0 ? d[d.length - 1] : undefined;
    const lastEx = lastC !== undefined ? lastC[lastC.length - 1] : undefined;
    if (lastEx === undefined || lastEx.off + lastEx.len <= off) {
      if (src === this.defaultSrc && (src === ZERO || base === off)) return;
      if (lastEx !== undefined && lastEx.off + lastEx.len === off && lastEx.src === src && (src === ZERO || lastEx.base + lastEx.len === base)) {
        const c = this.writable(d.length - 1);
        c[c.length - 1].len += len;
      } else {
        this.append(extent(off, len, src, base));
      }
      return;
    }
    this.splice(off, len, src, base, end);
  }

  /**
   * Somewhere among the extents: only the ones [i, j) that overlap [off, end) change, found by binary search, and
   * only their neighbours can merge with what replaces them (the list is kept merged). Rebuilding the whole list
   * made a program that writes the same buffer over and over (dd from /dev/zero) quadratic in its writes.
   */
  private splice(off: number, len: number, src: number, base: number, end: number): void {
    // i: the first extent ending after off (there is one: the last extent ends after off), at chunk ci, index ii.
    const ci = this.chunkEndingAfter(off);
    const ii = firstEndingAfter(this.dir[ci], off);
    // j: the first extent starting at or after end, at chunk cj, index ij (cj = dir.length if none).
    let cj = this.chunkEndingAfter(end);
    let ij = 0;
    if (cj < this.dir.length) {
      const c = this.dir[cj];
      ij = firstEndingAfter(c, end);
      if (c[ij].off < end) ij++;
      if (ij === c.length) {
        cj++;
        ij = 0;
      }
    }
    const hasPrev = ci > 0 || ii > 0;
    const hasNext = cj < this.dir.length;
    const overlaps = cj !== ci || ij !== ii;
    // The window [lo, hi): i's predecessor through j inclusive, where they exist; lo at (cl, il), hi - 1 at (ch, ih).
    let cl = ci;
    let il = ii;
    if (hasPrev) {
      if (il > 0) il--;
      else il = this.dir[--cl].length - 1;
    }
    let ch = cj;
    let ih = ij;
    if (!hasNext) {
      ch = this.dir.length - 1;
      ih = this.dir[ch].length - 1;
    }
    // The extents put in the window may be changed (merged): the chunks holding its ends must be this content's own.
    this.writable(cl);
    this.writable(ch);
    const d = this.dir;
    const win: Extent[] = [];
    if (hasPrev) win.push(d[cl][il]);
    if (overlaps) {
      const first = d[ci][ii];
      if (first.off < off) win.push(extent(first.off, off - first.off, first.src, first.base));
    }
    const identity = src === this.defaultSrc && (src === ZERO || base === off);
    if (!identity) win.push(extent(off, len, src, base));
    if (overlaps) {
      // j - 1: the extent before j.
      const e = ij > 0 ? d[cj][ij - 1] : d[cj - 1][d[cj - 1].length - 1];
      const eEnd = e.off + e.len;
      if (eEnd > end) win.push(extent(end, eEnd - end, e.src, e.base + (end - e.off)));
    }
    if (hasNext) win.push(d[cj][ij]);
    this.replace(cl, il, ch, ih, mergeAdjacent(win));
  }

  /** Replaces the extents from (cl, il) through (ch, ih) inclusive, whose chunks are this content's own, by `by`. */
  private replace(cl: number, il: number, ch: number, ih: number, by: Extent[]): void {
    const d = this.dir;
    if (cl === ch) {
      const c = d[cl];
      if (il === ih && by.length === 1) {
        c[il] = by[0];
        return;
      }
      c.splice(il, ih - il + 1, ...by);
      this.n += by.length - (ih - il + 1);
      this.fix(cl);
      return;
    }
    const a = d[cl];
    const b = d[ch];
    let removed = a.length - il + ih + 1;
    for (let k = cl + 1; k < ch; k++) removed += d[k].length;
    a.length = il;
    for (const e of by) a.push(e);
    b.splice(0, ih + 1);
    if (ch - cl > 1) {
      for (let k = cl + 1; k < ch; k++) if (this.own[k] !== this.me) this.retired += d[k].length;
      this.ownDir();
      this.dir.splice(cl + 1, ch - cl - 1);
      this.own.splice(cl + 1, ch - cl - 1);
    }
    this.n += by.length - removed;
    this.fix(cl + 1);
    this.fix(cl);
  }

  /** Chunk k after a splice: gone if empty, halved if past twice the fill of appends. */
  private fix(k: number): void {
    const c = this.dir[k];
    if (c.length === 0) {
      this.ownDir();
      this.dir.splice(k, 1);
      this.own.splice(k, 1);
    } else if (c.length > 2 * CHUNK) {
      this.ownDir();
      const rest = c.splice(CHUNK);
      this.dir.splice(k + 1, 0, rest);
      this.own.splice(k + 1, 0, this.me);
    }
  }

  /** The first chunk whose last extent ends after `off` (dir.length if none): extents are sorted and disjoint. */
  private chunkEndingAfter(off: number): number {
    const d = this.dir;
    let a = 0;
    let b = d.length;
    while (a < b) {
      const m = (a + b) >>> 1;
      const c = d[m];
      const e = c[c.length - 1];
      if (e.off + e.len <= off) a = m + 1;
      else b = m;
    }
    return a;
  }

  /** Copies [srcOff, srcOff+len) of `from` into [dstOff, …) of this content. */
  copyFrom(from: Content, srcOff: number, dstOff: number, len: number): void {
    if (len <= 0) return;
    if (from.n === 0) {
      // A pristine source is one piece: no need to build the piece list.
      this.set(dstOff, len, from.defaultSrc, from.defaultSrc === ZERO ? 0 : srcOff);
      return;
    }
    const only = from.n === 1 ? from.dir[0][0] : null;
    if (only && only.off <= srcOff && only.off + only.len >= srcOff + len) {
      // One extent of the source holds the whole range (a buffer filled by one read).
      this.set(dstOff, len, only.src, only.base + (srcOff - only.off));
      return;
    }
    for (const piece of from.pieces(srcOff, len)) {
      this.set(dstOff + (piece.off - srcOff), piece.len, piece.src, piece.base);
    }
  }

  /** The sources covering [off, off+len), default gaps included, in order. */
  pieces(off: number, len: number): Extent[] {
    const out: Extent[] = [];
    const end = off + len;
    let pos = off;
    const d = this.dir;
    let ci = this.chunkEndingAfter(off);
    let k = ci < d.length ? firstEndingAfter(d[ci], off) : 0;
    walk: for (; ci < d.length; ci++, k = 0) {
      const c = d[ci];
      for (; k < c.length; k++) {
        const e = c[k];
        const eEnd = e.off + e.len;
        if (e.off >= end) break walk;
        if (e.off > pos) {
          out.push(this.gap(pos, e.off - pos));
          pos = e.off;
        }
        const s = Math.max(pos, e.off);
        const t = Math.min(end, eEnd);
        out.push(extent(s, t - s, e.src, e.base + (s - e.off)));
        pos = t;
      }
    }
    if (pos < end) out.push(this.gap(pos, end - pos));
    return out;
  }

  private gap(off: number, len: number): Extent {
    return extent(off, len, this.defaultSrc, this.defaultSrc === ZERO ? 0 : off);
  }

  /** Whether [off, off+len) holds exactly the default content (nothing was ever written there). */
  isPristine(off: number, len: number): boolean {
    return this.pieces(off, len).every((p) => p.src === this.defaultSrc && (p.src === ZERO || p.base === p.off));
  }

  read(off: number, len: number, nameOf: NameOf): Uint8Array {
    const out = new Uint8Array(len);
    for (const p of this.pieces(off, len)) {
      if (p.src === ZERO) continue;
      generatedBytes(nameOf(p.src), p.base, out, p.off - off, p.len);
    }
    return out;
  }

  /**
   * Holds [srcOff, srcOff+len) of `from` at [0, len) and the default content elsewhere: clear() then copyFrom(), reusing
   * the one extent already here when the source is pristine (a controller buffer refilled by every disk read).
   */
  refill(from: Content, srcOff: number, len: number): void {
    if (len > 0 && from.n === 0 && this.n === 1) {
      const src = from.defaultSrc;
      const base = src === ZERO ? 0 : srcOff;
      if (!(src === this.defaultSrc && (src === ZERO || base === 0))) {
        const e = this.writable(0)[0];
        e.off = 0;
        e.len = len;
        e.src = src;
        e.base = base;
        return;
      }
    }
    this.clear();
    this.copyFrom(from, srcOff, 0, len);
  }

  /** Back to the default content everywhere (a buffer reused for new data). */
  clear(): void {
    if (this.n === 0) return;
    for (let k = 0; k < this.own.length; k++) if (this.own[k] !== this.me) this.retired += this.dir[k].length;
    if (this.dirOwn) {
      this.dir.length = 0;
      this.own.length = 0;
    } else {
      this.dir = [];
      this.own = [];
      this.dirOwn = true;
    }
    this.n = 0;
  }

  /** Forgets everything at or past `size` (truncation). */
  truncate(size: number): void {
    const ci = this.chunkEndingAfter(size);
    if (ci === this.dir.length) return;
    const k = firstEndingAfter(this.dir[ci], size);
    let removed = 0;
    for (let c = ci + 1; c < this.dir.length; c++) {
      removed += this.dir[c].length;
      if (this.own[c] !== this.me) this.retired += this.dir[c].length;
    }
    const w = this.writable(ci);
    const e = w[k];
    removed += w.length - k;
    w.length = k;
    if (e.off < size) {
      w.push(extent(e.off, size - e.off, e.src, e.base));
      removed--;
    }
    this.dir.length = ci + 1;
    this.own.length = ci + 1;
    if (w.length === 0) {
      this.dir.length = ci;
      this.own.length = ci;
    }
    this.n -= removed;
  }

  /** The content from `by` on, moved down to 0 (a pipe buffer once `by` of its bytes were taken). */
  shiftedDown(by: number): Content {
    const n = new Content(this.defaultSrc);
    for (const c of this.dir) {
      for (const e of c) {
        if (e.off + e.len <= by) continue;
        const s = Math.max(e.off, by);
        n.append(extent(s - by, e.off + e.len - s, e.src, e.base + (s - e.off)));
      }
    }
    return n;
  }
}

/** The index of the first extent of a chunk that ends after `off` (its length if none). */
function firstEndingAfter(ex: Extent[], off: number): number {
  let a = 0;
  let b = ex.length;
  while (a < b) {
    const m = (a + b) >>> 1;
    if (ex[m].off + ex[m].len <= off) a = m + 1;
    else b = m;
  }
  return a;
}

function mergeAdjacent(list: Extent[]): Extent[] {
  const out: Extent[] = [];
  for (const e of list) {
    const last = out.length > 0 ? out[out.length - 1] : undefined;
    if (last && last.src === e.src && last.off + last.len === e.off && (e.src === ZERO || last.base + last.len === e.base)) {
      last.len += e.len;
    } else {
      out.push(e);
    }
  }
  return out;
}
