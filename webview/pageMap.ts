/**
 * The page-cache map: every page of every file as a cell on a canvas, coloured by its state. A file's whole
 * extent is drawn (not only its cached pages) so holes, readahead windows and eviction patterns are visible.
 *
 * It must stay smooth at 65,536 pages and beyond, so there is no per-page DOM: cells are collected per colour and
 * each colour is filled as one path. When a file has more pages than the canvas has cells, one cell stands for
 * several pages and shows the most notable state among them (evicted > locked > writeback > dirty > readahead >
 * active > inactive).
 */
import type { FilePages, MachineState, PageCacheView, PanelPage } from '../src/shared/messages';
import { PAGE_CODES } from '../src/shared/messages';
import { el, fitCanvas, reconcile, setText, toggleClass } from './dom';
import { formatBytes, formatCount } from './format';
import { post } from './host';
import { palette } from './theme';
import { TAG } from './toolkit';

const PAGE_SIZE = 4096;

/** Codes in drawing priority, lowest first; index = priority. Index 0 is "not cached". */
const CODE_ORDER = ['.', 'i', 'a', 'r', 'd', 'w', 'l', 'x'] as const;
type Code = (typeof CODE_ORDER)[number];
const PRIORITY: Record<string, number> = Object.fromEntries(CODE_ORDER.map((c, i) => [c, i]));

const CODE_NAMES: Record<Code, string> = {
  '.': 'not cached',
  i: 'clean, inactive list',
  a: 'clean, active list',
  r: 'readahead marker (PG_readahead)',
  d: 'dirty',
  w: 'under writeback',
  l: 'locked: I/O in flight',
  x: 'just evicted',
};

/** Legend order: what a person looks for first. */
const LEGEND: Code[] = ['i', 'a', 'r', 'd', 'w', 'l', 'x', '.'];

const LABEL_H = 18;
const BLOCK_GAP = 6;
const MAX_CELL = 12;
const MIN_CELL = 2;

interface Block {
  file: FilePages;
  labelY: number;
  /** Top of the first row of cells. */
  y0: number;
  rows: number;
  slots: number;
  /** Priority index per slot (see CODE_ORDER). */
  codes: Uint8Array;
}

interface Layout {
  cell: number;
  gap: number;
  cols: number;
  /** Pages per cell. */
  per: number;
  height: number;
  blocks: Block[];
}

export class PageMap {
  readonly root: HTMLElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly wrap: HTMLElement;
  private readonly tooltip: HTMLElement;
  private readonly stats: HTMLElement;
  private readonly usageFill: HTMLElement;
  private readonly legend = new Map<Code, HTMLElement>();
  private readonly fileSelect: HTMLElement;
  private readonly fileOptions = new Map<string, HTMLElement>();
  private readonly fileTable: HTMLElement;
  private readonly fileRows = new Map<string, HTMLElement>();
  private readonly scaleNote: HTMLElement;
  private readonly whyBox: HTMLElement;
  private readonly whyTitle: HTMLElement;
  private readonly whyText: HTMLElement;
  private view: PageCacheView | null = null;
  private layoutCache: Layout | null = null;
  private selectedFile: string | null;
  private selectedPage: PanelPage | null = null;
  private drawQueued = false;
  /** The last pointer position over the map, to refresh the tooltip when a new state redraws under it. */
  private pointer: { clientX: number; clientY: number } | null = null;

  /** `onSelectFile` persists the choice; `onWhy` remembers the page asked about. */
  constructor(
    selectedFile: string | null,
    private readonly onSelectFile: (path: string | null) => void,
    private readonly onWhy: (t: PanelPage) => void,
  ) {
    this.selectedFile = selectedFile;
    this.root = el('div', 'pagemap');

    const head = el('div', 'pm-head');
    this.stats = el('div', 'pm-stats');
    const usage = el('div', 'pm-usage');
    usage.title = 'Page cache used of its capacity';
    this.usageFill = el('div', 'pm-usage-fill');
    usage.append(this.usageFill);
    this.fileSelect = document.createElement(TAG.dropdown);
    this.fileSelect.className = 'pm-file-select';
    this.fileSelect.setAttribute('aria-label', 'Show the pages of');
    const all = document.createElement(TAG.option);
    all.setAttribute('value', '');
    all.textContent = 'All files';
    this.fileSelect.append(all);
    this.fileOptions.set('', all);
    this.fileSelect.addEventListener('change', () => {
      const v = (this.fileSelect as HTMLElement & { value: string }).value;
      this.selectFile(v === '' ? null : v);
    });
    head.append(this.stats, usage, this.fileSelect);

    const legend = el('div', 'pm-legend');
    for (const code of LEGEND) {
      const item = el('span', 'pm-legend-item');
      item.append(el('span', `swatch page-${codeClass(code)}`), el('span', 'pm-legend-name', CODE_NAMES[code]), el('span', 'pm-legend-count'));
      legend.append(item);
      this.legend.set(code, item);
    }

    this.wrap = el('div', 'pm-canvas-wrap');
    this.canvas = el('canvas', 'pm-canvas');
    this.canvas.setAttribute('role', 'img');
    this.canvas.setAttribute('aria-label', 'Page cache map: one cell per page; click a page to ask why it is in this state');
    this.tooltip = el('div', 'tooltip');
    this.tooltip.hidden = true;
    this.wrap.append(this.canvas, this.tooltip);
    this.scaleNote = el('div', 'muted pm-scale');

    this.whyBox = el('div', 'why');
    this.whyBox.hidden = true;
    this.whyTitle = el('div', 'why-title');
    this.whyText = el('pre', 'why-text');
    this.whyBox.append(this.whyTitle, this.whyText);

    this.fileTable = el('div', 'pm-files');
    this.fileTable.setAttribute('role', 'list');
    this.fileTable.setAttribute('aria-label', 'Cached pages per file');

    this.root.append(head, legend, this.wrap, this.scaleNote, this.whyBox, this.fileTable);

    this.canvas.addEventListener('mousemove', (e) => this.hover(e));
    this.canvas.addEventListener('mouseleave', () => {
      this.pointer = null;
      this.tooltip.hidden = true;
    });
    this.canvas.addEventListener('click', (e) => this.click(e));
    new ResizeObserver(() => this.queueDraw()).observe(this.wrap);
  }

  update(s: MachineState): void {
    this.view = s.pageCache;
    const v = s.pageCache;
    const pct = v.capacityPages > 0 ? (100 * v.pages) / v.capacityPages : 0;
    setText(
      this.stats,
      `Cached ${formatCount(v.pages)} of ${formatCount(v.capacityPages)} pages (${formatBytes(v.pages * PAGE_SIZE)} of ${formatBytes(v.capacityPages * PAGE_SIZE)}, ${pct.toFixed(pct < 10 ? 1 : 0)}%) · ` +
        `Dirty ${formatCount(v.dirty)} · Writeback ${formatCount(v.writeback)} · Active(file) ${formatCount(v.active)} · Inactive(file) ${formatCount(v.inactive)}`,
    );
    const width = `${Math.min(100, pct)}%`;
    if (this.usageFill.style.width !== width) this.usageFill.style.width = width;

    const counts = countCodes(v.files);
    for (const code of LEGEND) {
      const item = this.legend.get(code) as HTMLElement;
      setText(item.children[2], code === '.' ? '' : formatCount(counts[PRIORITY[code]]));
    }

    // The dropdown keeps one option per file, keyed by path; the path is set as text and as an attribute value.
    const opts = [{ path: '' }, ...v.files];
    reconcile<{ path: string }, HTMLElement>(
      this.fileSelect,
      this.fileOptions,
      opts,
      (f) => f.path,
      (f) => {
        const o = document.createElement(TAG.option);
        o.setAttribute('value', f.path);
        o.textContent = f.path === '' ? 'All files' : f.path;
        return o;
      },
      () => undefined,
    );
    if (this.selectedFile !== null && !v.files.some((f) => f.path === this.selectedFile)) this.selectedFile = null;
    this.syncSelect();


    reconcile<FilePages, HTMLElement>(
      this.fileTable,
      this.fileRows,
      v.files,
      (f) => f.path,
      (f) => {
        const row = el('div', 'pm-file');
        row.setAttribute('role', 'listitem');
        row.tabIndex = 0;
        row.append(el('span', 'pm-file-path'), el('span', 'pm-file-bar'), el('span', 'pm-file-nums'));
        (row.children[1] as HTMLElement).append(el('span', 'pm-file-bar-fill'));
        const choose = (): void => this.selectFile(this.selectedFile === f.path ? null : f.path);
        row.addEventListener('click', choose);
        row.addEventListener('keydown', (e) => {
          if (e.key === 'Enter' || e.key === ' ') {
            e.preventDefault();
            choose();
          }
        });
        return row;
      },
      (row, f) => {
        setText(row.children[0], f.path);
        (row.children[0] as HTMLElement).title = f.path;
        const frac = f.sizePages > 0 ? Math.min(1, f.cached / f.sizePages) : 0;
        const fill = row.children[1].firstElementChild as HTMLElement;
        const w = `${(frac * 100).toFixed(1)}%`;
        if (fill.style.width !== w) fill.style.width = w;
        setText(row.children[2], `${formatCount(f.cached)}/${formatCount(f.sizePages)} cached · ${formatCount(f.dirty)} dirty`);
        toggleClass(row, 'selected', this.selectedFile === f.path);
      },
    );
    this.draw();
  }

  /** Shows the host's answer to a `why` question. */
  showWhy(target: PanelPage | null, text: string): void {
    this.whyBox.hidden = false;
    setText(this.whyTitle, target ? `Why: ${target.path}, page ${target.index}` : 'Why');
    setText(this.whyText, text);
    if (target) this.selectedPage = target;
    this.queueDraw();
  }

  private selectFile(path: string | null): void {
    this.selectedFile = path;
    this.onSelectFile(path);
    this.syncSelect();
    for (const [p, row] of this.fileRows) toggleClass(row, 'selected', p === path);
    this.draw();
  }

  private syncSelect(): void {
    const want = this.selectedFile ?? '';
    // The dropdown picks up new options asynchronously and then selects the one marked `selected`, so mark it
    // as well as setting the value (which it ignores while it does not know the option yet).
    for (const [path, o] of this.fileOptions) {
      if (o.hasAttribute('selected') !== (path === want)) o.toggleAttribute('selected', path === want);
      (o as HTMLElement & { selected: boolean }).selected = path === want;
    }
    const sel = this.fileSelect as HTMLElement & { value: string };
    if (sel.value !== want) {
      sel.value = want;
      // Options added in this frame are slotted later; set the value again once the dropdown knows them.
      requestAnimationFrame(() => {
        if (sel.value !== (this.selectedFile ?? '')) sel.value = this.selectedFile ?? '';
      });
    }
  }

  private queueDraw(): void {
    if (this.drawQueued) return;
    this.drawQueued = true;
    requestAnimationFrame(() => {
      this.drawQueued = false;
      this.draw();
    });
  }

  private computeLayout(width: number): Layout {
    const files = (this.view?.files ?? []).filter((f) => this.selectedFile === null || f.path === this.selectedFile);
    const maxH = Math.max(240, Math.min(640, Math.round(window.innerHeight * 0.6)));
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
      for (const [start, run] of f.runs) {
        for (let j = 0; j < run.length; j++) {
          const slot = Math.floor((start + j) / per);
          if (slot >= slots) break;
          const p = PRIORITY[run[j]] ?? 0;
          if (p > codes[slot]) codes[slot] = p;
        }
      }
      const rows = Math.ceil(slots / cols);
      blocks.push({ file: f, labelY: y, y0: y + LABEL_H, rows, slots, codes });
      y += LABEL_H + rows * cell + BLOCK_GAP;
    }
    return { cell, gap, cols, per, height: Math.max(y, 40), blocks };
  }

  /** Draws the map now. Called from the panel's animation frame (or a queued one after resize / theme change). */
  draw(): void {
    const t0 = performance.now();
    const width = Math.floor(this.wrap.clientWidth);
    if (width <= 0) return; // In a hidden tab: drawn by the ResizeObserver when it is shown.
    const lay = this.computeLayout(width);
    this.layoutCache = lay;
    const fit = fitCanvas(this.canvas, width, lay.height);
    if (!fit) return;
    const { ctx } = fit;
    const pal = palette();
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

    // The page asked about, outlined.
    if (this.selectedPage) {
      const hit = this.locate(this.selectedPage);
      if (hit) {
        ctx.strokeStyle = pal.cursor;
        ctx.lineWidth = 2;
        ctx.strokeRect(hit.x - 1, hit.y - 1, Math.max(cell - gap, 2) + 2, Math.max(cell - gap, 2) + 2);
      }
    }

    setText(
      this.scaleNote,
      lay.per > 1
        ? `One cell = ${formatCount(lay.per)} pages (${formatBytes(lay.per * PAGE_SIZE)}); it shows the most notable state among them. Choose one file above to zoom in.`
        : `One cell = one 4 KiB page. Hover for details; click a page to ask why it is in its state.`,
    );
    const ms = performance.now() - t0;
    (window as unknown as { __lastPageMapRenderMs: number }).__lastPageMapRenderMs = ms;
    // The pages under the pointer may have changed state: a tooltip must not describe the previous step.
    if (this.pointer && !this.tooltip.hidden) this.hover(this.pointer);
  }

  /** Where a page's cell is on screen (client coordinates of its centre); for tests and keyboard focus. */
  cellClientCenter(path: string, index: number): { x: number; y: number } | null {
    const at = this.locate({ path, index });
    const lay = this.layoutCache;
    if (!at || !lay) return null;
    const r = this.canvas.getBoundingClientRect();
    return { x: r.left + at.x + (lay.cell - lay.gap) / 2, y: r.top + at.y + (lay.cell - lay.gap) / 2 };
  }

  private locate(t: PanelPage): { x: number; y: number } | null {
    const lay = this.layoutCache;
    if (!lay) return null;
    const b = lay.blocks.find((bl) => bl.file.path === t.path);
    if (!b) return null;
    const slot = Math.floor(t.index / lay.per);
    if (slot >= b.slots) return null;
    return { x: (slot % lay.cols) * lay.cell, y: b.y0 + Math.floor(slot / lay.cols) * lay.cell };
  }

  /** The page(s) under a mouse position, or null between blocks. */
  private pick(e: { clientX: number; clientY: number }): { block: Block; first: number; last: number } | null {
    const lay = this.layoutCache;
    if (!lay) return null;
    const r = this.canvas.getBoundingClientRect();
    const x = e.clientX - r.left;
    const y = e.clientY - r.top;
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

  private hover(e: { clientX: number; clientY: number }): void {
    this.pointer = { clientX: e.clientX, clientY: e.clientY };
    const hit = this.pick(e);
    if (!hit) {
      this.tooltip.hidden = true;
      return;
    }
    const f = hit.block.file;
    let text: string;
    if (hit.first === hit.last) {
      const code = pageCode(f, hit.first);
      text = `${f.path}\npage ${formatCount(hit.first)} · offset ${formatBytes(hit.first * PAGE_SIZE)}\n${CODE_NAMES[code]}\nclick: why?`;
    } else {
      const counts = new Array<number>(CODE_ORDER.length).fill(0);
      for (let i = hit.first; i <= hit.last; i++) counts[PRIORITY[pageCode(f, i)]]++;
      const parts = CODE_ORDER.map((c, i) => (counts[i] ? `${formatCount(counts[i])} ${CODE_NAMES[c]}` : '')).filter(Boolean);
      text = `${f.path}\npages ${formatCount(hit.first)}–${formatCount(hit.last)}\n${parts.join('\n')}`;
    }
    setText(this.tooltip, text);
    this.tooltip.hidden = false;
    // Keep the tooltip inside the map: flip to the left of the pointer near the right edge.
    const wr = this.wrap.getBoundingClientRect();
    const x = e.clientX - wr.left;
    const y = e.clientY - wr.top;
    const tw = this.tooltip.offsetWidth;
    const left = x + 14 + tw > wr.width ? Math.max(0, x - 14 - tw) : x + 14;
    this.tooltip.style.left = `${left}px`;
    this.tooltip.style.top = `${y + 14}px`;
  }

  private click(e: MouseEvent): void {
    const hit = this.pick(e);
    if (!hit) return;
    const f = hit.block.file;
    // With several pages per cell, ask about the most notable one, which is the one the cell's colour shows.
    let index = hit.first;
    let best = -1;
    for (let i = hit.first; i <= hit.last; i++) {
      const p = PRIORITY[pageCode(f, i)];
      if (p > best) {
        best = p;
        index = i;
      }
    }
    const target = { path: f.path, index };
    this.selectedPage = target;
    this.onWhy(target);
    post({ type: 'why', path: f.path, index });
    this.draw();
  }
}

function codeClass(c: Code): string {
  return c === '.' ? 'none' : c;
}

function pageCode(f: FilePages, index: number): Code {
  for (const [start, run] of f.runs) {
    if (index >= start && index < start + run.length) {
      const c = run[index - start];
      return (c in PRIORITY ? c : PAGE_CODES.notCached) as Code;
    }
  }
  return '.';
}

function countCodes(files: FilePages[]): number[] {
  const counts = new Array<number>(CODE_ORDER.length).fill(0);
  for (const f of files) for (const [, run] of f.runs) for (let i = 0; i < run.length; i++) counts[PRIORITY[run[i]] ?? 0]++;
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
