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
import { el, fitCanvas, reconcile, setText, toggleClass } from './dom';
import { formatBytes, formatCount } from './format';
import { post } from './host';
import {
  Block, cellOf, Code, CODE_NAMES, CODE_ORDER, codeClass, computeLayout, countCodes, Layout, pageCode, pagesAt, paintLayout, PRIORITY,
} from './pageLayout';
import { palette } from './theme';
import { TAG } from './toolkit';

const PAGE_SIZE = 4096;

/** Legend order: what a person looks for first. */
const LEGEND: Code[] = ['i', 'a', 'r', 'd', 'w', 'l', 'x', '.'];


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
        `Dirty ${formatCount(v.dirty)} · Writeback ${formatCount(v.writeback)} · Active(file) ${formatCount(v.active)} · Inactive(file) ${formatCount(v.inactive)} · kernel ${s.kernel}`,
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

  /** Draws the map now. Called from the panel's animation frame (or a queued one after resize / theme change). */
  draw(): void {
    const t0 = performance.now();
    const width = Math.floor(this.wrap.clientWidth);
    if (width <= 0) return; // In a hidden tab: drawn by the ResizeObserver when it is shown.
    const files = (this.view?.files ?? []).filter((f) => this.selectedFile === null || f.path === this.selectedFile);
    const lay = computeLayout(files, width, Math.max(240, Math.min(640, Math.round(window.innerHeight * 0.6))));
    this.layoutCache = lay;
    const fit = fitCanvas(this.canvas, width, lay.height);
    if (!fit) return;
    const { ctx } = fit;
    const pal = palette();
    paintLayout(ctx, lay, width, pal);

    // The page asked about, outlined.
    if (this.selectedPage) {
      const hit = this.locate(this.selectedPage);
      if (hit) {
        ctx.strokeStyle = pal.cursor;
        ctx.lineWidth = 2;
        const size = Math.max(lay.cell - lay.gap, 2);
        ctx.strokeRect(hit.x - 1, hit.y - 1, size + 2, size + 2);
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
    return this.layoutCache ? cellOf(this.layoutCache, t) : null;
  }

  /** The page(s) under a mouse position, or null between blocks. */
  private pick(e: { clientX: number; clientY: number }): { block: Block; first: number; last: number } | null {
    if (!this.layoutCache) return null;
    const r = this.canvas.getBoundingClientRect();
    return pagesAt(this.layoutCache, e.clientX - r.left, e.clientY - r.top);
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

