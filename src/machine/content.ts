/**
 * Byte contents without storing bytes. A file's bytes are a deterministic function of (file, offset); a buffer or a
 * written file range records only *where its bytes came from* (extents pointing at generated file content, or
 * zeros). Memory therefore grows with the number of distinct movements, not with the size of files or caches,
 * while any range can still be materialised into true bytes for a hex view.
 */

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

const ROW = 64;

/**
 * The generated text of a file: 64-byte rows that say which file and offset they hold, so a person reading the
 * hex view sees where bytes came from ("index.html @0x00004000 ..."), and two files never look alike.
 */
export function generatedRow(name: string, rowIndex: number): string {
  const off = (rowIndex * ROW).toString(16).padStart(8, '0');
  const head = `${name} @0x${off} `;
  const filler = 'abcdefghijklmnopqrstuvwxyz0123456789';
  let s = head.length > ROW - 1 ? head.slice(0, ROW - 1) : head;
  let k = rowIndex % filler.length;
  while (s.length < ROW - 1) {
    s += filler[k];
    k = (k + 1) % filler.length;
  }
  return s + '\n';
}

export type NameOf = (seed: number) => string;

export function generatedBytes(name: string, off: number, out: Uint8Array, at: number, len: number): void {
  let row = Math.floor(off / ROW);
  let inRow = off - row * ROW;
  let text = generatedRow(name, row);
  for (let i = 0; i < len; i++) {
    out[at + i] = text.charCodeAt(inRow) & 0xff;
    inRow++;
    if (inRow === ROW) {
      row++;
      inRow = 0;
      text = generatedRow(name, row);
    }
  }
}

/**
 * A sparse map from offsets to sources. Offsets not covered by an extent hold the default source (a file's own
 * generated content, or zeros for memory).
 */
export class Content {
  extents: Extent[] = [];

  constructor(public readonly defaultSrc: number) {}

  clone(): Content {
    const c = new Content(this.defaultSrc);
    c.extents = this.extents.map((e) => extent(e.off, e.len, e.src, e.base));
    return c;
  }

  /** Makes [off, off+len) come from `src` starting at `base` (a plain source, not another Content). */
  set(off: number, len: number, src: number, base: number): void {
    if (len <= 0) return;
    const end = off + len;
    const ex = this.extents;
    // The common case of a read loop: the buffer's one extent is replaced by the same span from elsewhere.
    if (ex.length === 1 && ex[0].off === off && ex[0].len === len && (src !== this.defaultSrc || (src !== ZERO && base !== off))) {
      ex[0].src = src;
      ex[0].base = base;
      return;
    }
    // Past every extent (a file written sequentially, an empty buffer): append, or extend the last extent.
    // Guarded: ex[-1] of an empty list is a property lookup by name, many times dearer than the test.
    const lastEx = ex.length > 0 ? ex[ex.length - 1] : undefined;
    if (!lastEx || lastEx.off + lastEx.len <= off) {
      if (src === this.defaultSrc && (src === ZERO || base === off)) return;
      if (lastEx && lastEx.off + lastEx.len === off && lastEx.src === src && (src === ZERO || lastEx.base + lastEx.len === base)) {
        lastEx.len += len;
      } else {
        ex.push(extent(off, len, src, base));
      }
      return;
    }
    // Somewhere among the extents: only the ones [i, j) that overlap [off, end) change, found by binary search, and
    // only their neighbours can merge with what replaces them (the list is kept merged). Rebuilding the whole list
    // made a program that writes the same buffer over and over (dd from /dev/zero) quadratic in its writes.
    const i = this.firstEndingAfter(off);
    let j = i;
    while (j < ex.length && ex[j].off < end) j++;
    const win: Extent[] = [];
    const lo = i > 0 ? i - 1 : i;
    if (i > 0) win.push(ex[i - 1]);
    if (i < j && ex[i].off < off) win.push(extent(ex[i].off, off - ex[i].off, ex[i].src, ex[i].base));
    const identity = src === this.defaultSrc && (src === ZERO || base === off);
    if (!identity) win.push(extent(off, len, src, base));
    if (i < j) {
      const e = ex[j - 1];
      const eEnd = e.off + e.len;
      if (eEnd > end) win.push(extent(end, eEnd - end, e.src, e.base + (end - e.off)));
    }
    const hi = j < ex.length ? j + 1 : j;
    if (j < ex.length) win.push(ex[j]);
    const merged = mergeAdjacent(win);
    if (hi - lo === 1 && merged.length === 1) ex[lo] = merged[0];
    else ex.splice(lo, hi - lo, ...merged);
  }

  /** The index of the first extent that ends after `off` (extents.length if none): they are sorted and disjoint. */
  private firstEndingAfter(off: number): number {
    const ex = this.extents;
    let a = 0;
    let b = ex.length;
    while (a < b) {
      const m = (a + b) >>> 1;
      if (ex[m].off + ex[m].len <= off) a = m + 1;
      else b = m;
    }
    return a;
  }

  /** Copies [srcOff, srcOff+len) of `from` into [dstOff, …) of this content. */
  copyFrom(from: Content, srcOff: number, dstOff: number, len: number): void {
    if (len <= 0) return;
    if (from.extents.length === 0) {
      // A pristine source is one piece: no need to build the piece list.
      this.set(dstOff, len, from.defaultSrc, from.defaultSrc === ZERO ? 0 : srcOff);
      return;
    }
    const only = from.extents.length === 1 ? from.extents[0] : null;
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
    const ex = this.extents;
    for (let k = this.firstEndingAfter(off); k < ex.length; k++) {
      const e = ex[k];
      const eEnd = e.off + e.len;
      if (e.off >= end) break;
      if (e.off > pos) {
        out.push(this.gap(pos, e.off - pos));
        pos = e.off;
      }
      const s = Math.max(pos, e.off);
      const t = Math.min(end, eEnd);
      out.push(extent(s, t - s, e.src, e.base + (s - e.off)));
      pos = t;
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
    const ex = this.extents;
    if (len > 0 && from.extents.length === 0 && ex.length === 1) {
      const src = from.defaultSrc;
      const base = src === ZERO ? 0 : srcOff;
      if (!(src === this.defaultSrc && (src === ZERO || base === 0))) {
        const e = ex[0];
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
    this.extents.length = 0;
  }

  /** Forgets everything at or past `size` (truncation). */
  truncate(size: number): void {
    this.extents = this.extents
      .filter((e) => e.off < size)
      .map((e) => (e.off + e.len > size ? extent(e.off, size - e.off, e.src, e.base) : e));
  }
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
