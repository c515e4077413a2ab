/**
 * The page-cache map's canvas: where every page's cell goes (the layout) and how the cells are painted. No DOM
 * beyond the canvas it is given; the map (pageMap.ts) owns the elements, the events and the state.
 */
import type { FilePages } from '../src/shared/messages';
import { PAGE_CODES, pageRunCode, pageRunLength } from '../src/shared/messages';
import { formatCount } from './format';
import type { Palette } from './theme';

/** Codes in drawing priority, lowest first; index = priority. Index 0 is "not cached". */
export const CODE_ORDER = ['.', 'i', 'a', 'r', 'd', 'w', 'l', 'x'] as const;
export type Code = (typeof CODE_ORDER)[number];
export const PRIORITY: Record<string, number> = Object.fromEntries(CODE_ORDER.map((c, i) => [c, i]));

export const CODE_NAMES: Record<Code, string> = {
  '.': 'not cached',
  i: 'clean, inactive list',
  a: 'clean, active list',
  r: 'readahead marker (PG_readahead)',
  d: 'dirty',
  w: 'under writeback',
  l: 'locked: I/O in flight',
  x: 'just evicted',
};

const LABEL_H = 18;
const BLOCK_GAP = 6;
const MAX_CELL = 12;
const MIN_CELL = 2;

export interface Block {
  file: FilePages;
  labelY: number;
  /** Top of the first row of cells. */
  y0: number;
  rows: number;
  slots: number;
  /** Priority index per slot (see CODE_ORDER). */
  codes: Uint8Array;
}

export interface Layout {
  cell: number;
  gap: number;
  cols: number;
  /** Pages per cell. */
  per: number;
  height: number;
  blocks: Block[];
}

/** Where each file's block and each cell go on a canvas `width` wide and, if it can be, at most `maxH` high. */
export function computeLayout(files: readonly FilePages[], width: number, maxH: number): Layout {
  const total = files.reduce((n, f) => n + Math.max(1, f.sizePages), 0);
  const fixed = files.length * (LABEL_H + BLOCK_GAP);
  const heightFor = (cell: number, per: number): number => {
    const cols = Math.max(1, Math.floor(width / cell));
    let h = fixed;
    for (const f of files) h += Math.ceil(Math.max(1, Math.ceil(f.sizePages / per)) / cols) * cell;
    return h;
  };
  let cell = MIN_CELL;
  let per = 1;
  // Largest cells that fit; then, if even the smallest cells do not fit, several pages per cell.
  for (let c = MAX_CELL; c >= MIN_CELL; c--) {
    if (heightFor(c, 1) <= maxH) {
      cell = c;
      break;
    }
  }
  if (heightFor(cell, 1) > maxH) {
    per = 2;
    while (heightFor(cell, per) > maxH && per < total) per *= 2;
  }
  const gap = cell >= 5 ? 1 : 0;
  const cols = Math.max(1, Math.floor(width / cell));
  const blocks: Block[] = [];
  let y = 0;
  for (const f of files) {
    const slots = Math.max(1, Math.ceil(f.sizePages / per));
    const codes = new Uint8Array(slots);
    for (const run of f.runs) {
      const start = run.start;
      const n = pageRunLength(run);
      for (let j = 0; j < n; j++) {
        const slot = Math.floor((start + j) / per);
        if (slot >= slots) break;
        const p = PRIORITY[pageRunCode(run, j)] ?? 0;
        if (p > codes[slot]) codes[slot] = p;
      }
    }
    const rows = Math.ceil(slots / cols);
    blocks.push({ file: f, labelY: y, y0: y + LABEL_H, rows, slots, codes });
    y += LABEL_H + rows * cell + BLOCK_GAP;
  }
  return { cell, gap, cols, per, height: Math.max(y, 40), blocks };
}

/** Fills the cells, crosses out evicted ones and writes the file labels. */
export function paintLayout(ctx: CanvasRenderingContext2D, lay: Layout, width: number, pal: Palette): void {
  ctx.clearRect(0, 0, width, lay.height);

  // Collect rectangles per colour, merging horizontal runs of equal cells when there are no gaps.
  const paths: Path2D[] = CODE_ORDER.map(() => new Path2D());
  const { cell, gap, cols } = lay;
  const size = cell - gap;
  for (const b of lay.blocks) {
    const codes = b.codes;
    for (let row = 0; row < b.rows; row++) {
      const first = row * cols;
      const last = Math.min(b.slots, first + cols);
      const y = b.y0 + row * cell;
      let s = first;
      while (s < last) {
        const c = codes[s];
        let e = s + 1;
        if (gap === 0) while (e < last && codes[e] === c) e++;
        paths[c].rect((s - first) * cell, y, (e - s) * cell - gap, size);
        s = e;
      }
    }
  }
  for (let i = 0; i < CODE_ORDER.length; i++) {
    ctx.fillStyle = pal.page[CODE_ORDER[i]];
    ctx.fill(paths[i]);
  }
  // Evicted cells also get a cross so they read as "gone", not as one more colour.
  if (cell >= 6) {
    const cross = new Path2D();
    for (const b of lay.blocks) {
      for (let s = 0; s < b.slots; s++) {
        if (b.codes[s] !== PRIORITY.x) continue;
        const x = (s % cols) * cell;
        const y = b.y0 + Math.floor(s / cols) * cell;
        cross.moveTo(x + 1.5, y + 1.5);
        cross.lineTo(x + size - 1.5, y + size - 1.5);
        cross.moveTo(x + size - 1.5, y + 1.5);
        cross.lineTo(x + 1.5, y + size - 1.5);
      }
    }
    ctx.strokeStyle = pal.bg;
    ctx.lineWidth = 1.2;
    ctx.stroke(cross);
  }

  // File labels. Canvas text is never parsed as markup, whatever the file name.
  ctx.font = `11px ${getComputedStyle(document.body).fontFamily || 'sans-serif'}`;
  ctx.textBaseline = 'middle';
  for (const b of lay.blocks) {
    const f = b.file;
    const right = `${formatCount(f.cached)}/${formatCount(f.sizePages)} pages cached · ${formatCount(f.dirty)} dirty`;
    ctx.fillStyle = pal.muted;
    const rw = ctx.measureText(right).width;
    ctx.fillText(right, Math.max(0, width - rw), b.labelY + LABEL_H / 2);
    ctx.fillStyle = pal.fg;
    ctx.fillText(ellipsize(ctx, f.path, Math.max(40, width - rw - 12)), 0, b.labelY + LABEL_H / 2);
  }
}

/** The top-left corner of a page's cell, or null when the page is not drawn. */
export function cellOf(lay: Layout, t: { path: string; index: number }): { x: number; y: number } | null {
  const b = lay.blocks.find((bl) => bl.file.path === t.path);
  if (!b) return null;
  const slot = Math.floor(t.index / lay.per);
  if (slot >= b.slots) return null;
  return { x: (slot % lay.cols) * lay.cell, y: b.y0 + Math.floor(slot / lay.cols) * lay.cell };
}

/** The page(s) under a point of the canvas, or null between blocks. */
export function pagesAt(lay: Layout, x: number, y: number): { block: Block; first: number; last: number } | null {
  const col = Math.floor(x / lay.cell);
  if (col < 0 || col >= lay.cols) return null;
  for (const b of lay.blocks) {
    if (y < b.y0 || y >= b.y0 + b.rows * lay.cell) continue;
    const slot = Math.floor((y - b.y0) / lay.cell) * lay.cols + col;
    if (slot >= b.slots) return null;
    const first = slot * lay.per;
    const last = Math.min(b.file.sizePages, first + lay.per) - 1;
    if (last < first) return null;
    return { block: b, first, last };
  }
  return null;
}

export function codeClass(c: Code): string {
  return c === '.' ? 'none' : c;
}

export function pageCode(f: FilePages, index: number): Code {
  for (const run of f.runs) {
    const start = run.start;
    if (index >= start && index < start + pageRunLength(run)) {
      const c = pageRunCode(run, index - start);
      return (c in PRIORITY ? c : PAGE_CODES.notCached) as Code;
    }
  }
  return '.';
}

export function countCodes(files: FilePages[]): number[] {
  const counts = new Array<number>(CODE_ORDER.length).fill(0);
  for (const f of files) {
    for (const run of f.runs) {
      if (run.repeat !== undefined) counts[PRIORITY[run.codes] ?? 0] += run.repeat;
      else for (let i = 0; i < run.codes.length; i++) counts[PRIORITY[run.codes[i]] ?? 0]++;
    }
  }
  return counts;
}

function ellipsize(ctx: CanvasRenderingContext2D, text: string, max: number): string {
  if (ctx.measureText(text).width <= max) return text;
  // Keep the end of a path: the file name matters more than its directories.
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ctx.measureText('…' + text.slice(mid)).width <= max) hi = mid;
    else lo = mid + 1;
  }
  return '…' + text.slice(lo);
}
