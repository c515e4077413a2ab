/**
 * Transfer-method comparison: the same file sent to a socket by each method (read+write, mmap+write, sendfile,
 * sendfile with SG-DMA, splice, O_DIRECT), measured by the host on the model. Useful without a debug session,
 * so it is the panel's first screen when nothing is being debugged.
 */
import type { CompareResult, CompareRow } from '../src/shared/messages';
import { el, reconcile, setText } from './dom';
import { formatBytes, formatCount, formatNs } from './format';
import { post } from './host';
import { TAG, setGridRows } from './toolkit';

export interface CompareForm {
  size: string;
  disk: string;
  warm: boolean;
}

const SIZES = ['4KiB', '64KiB', '1MiB', '16MiB', '100MiB', '1GiB'];
const DISKS: [string, string][] = [
  ['nvme', 'NVMe SSD'],
  ['ssd', 'SATA SSD'],
  ['hdd', 'hard disk'],
];

type ValueElement = HTMLElement & { value: string };
type CheckElement = HTMLElement & { checked: boolean };

export class ComparePane {
  readonly root: HTMLElement;
  private readonly size: ValueElement;
  private readonly disk: ValueElement;
  private readonly warm: CheckElement;
  private readonly button: HTMLElement;
  private readonly ring: HTMLElement;
  private readonly summary: HTMLElement;
  private readonly chart: HTMLElement;
  private readonly chartHead: HTMLElement;
  private readonly chartRows = new Map<string, HTMLElement>();
  private readonly grid: HTMLElement;
  private readonly empty: HTMLElement;

  constructor(form: CompareForm, private readonly onFormChange: (f: CompareForm) => void) {
    this.root = el('div', 'compare');
    const bar = el('div', 'cmp-form');
    this.size = makeDropdown(SIZES.map((s) => [s, s.replace(/([KMG]iB)$/, ' $1')]), form.size, 'File size');
    this.disk = makeDropdown(DISKS, form.disk, 'Disk');
    this.warm = document.createElement(TAG.checkbox) as CheckElement;
    this.warm.textContent = 'warm page cache';
    this.warm.title = 'Warm: the file is already in the page cache, so no disk DMA happens.';
    this.warm.checked = form.warm;
    this.button = document.createElement(TAG.button);
    this.button.textContent = 'Compare';
    this.ring = document.createElement(TAG.progressRing);
    this.ring.hidden = true;
    bar.append(labelled('size', this.size), labelled('disk', this.disk), this.warm, this.button, this.ring);
    for (const c of [this.size, this.disk, this.warm]) c.addEventListener('change', () => this.onFormChange(this.form()));
    this.button.addEventListener('click', () => this.request());

    this.empty = el(
      'div',
      'muted cmp-empty',
      'Compare how many mode switches, copies and how much time each way of sending a file to a socket costs. Choose a size and press Compare.',
    );
    this.summary = el('div', 'cmp-summary');
    this.chart = el('div', 'cmp-chart');
    this.chart.setAttribute('role', 'list');
    // Column headings live outside the keyed rows (reconcile owns the chart's children), in their own grid.
    this.chartHead = el('div', 'cmp-chart cmp-chart-head');
    this.chartHead.append(
      el('span', 'cmp-head', 'method'),
      el('span', 'cmp-head', 'simulated time · speed-up over read + write'),
      el('span', 'cmp-head', 'copies: CPU (solid) and DMA (dashed) · mode switches'),
    );
    const key = el('div', 'cmp-key');
    key.append(
      keyItem('cmp-bar-time', 'simulated time'),
      keyItem('cmp-bar-cpu', 'CPU copies'),
      keyItem('cmp-bar-dma', 'DMA copies'),
    );
    this.grid = document.createElement(TAG.dataGrid);
    this.grid.className = 'cmp-grid';
    this.grid.setAttribute('aria-label', 'Transfer methods compared');
    // In a narrow side panel the table scrolls sideways rather than squeezing each column to a letter.
    const gridWrap = el('div', 'cmp-grid-wrap');
    gridWrap.append(this.grid);
    this.root.append(bar, this.empty, this.summary, key, this.chartHead, this.chart, gridWrap);
    this.show(null);
  }

  private form(): CompareForm {
    return { size: this.size.value || '16MiB', disk: this.disk.value || 'nvme', warm: !!this.warm.checked };
  }

  request(): void {
    const f = this.form();
    this.ring.hidden = false;
    post({ type: 'compare', size: f.size, disk: f.disk, warm: f.warm });
  }

  show(r: CompareResult | null): void {
    this.ring.hidden = true;
    const has = !!r && r.rows.length > 0;
    this.empty.hidden = has;
    for (const e of [this.summary, this.chartHead, this.chart, this.grid, this.root.querySelector('.cmp-key') as HTMLElement]) e.hidden = !has;
    if (!r || !has) return;
    const disk = DISKS.find(([k]) => k === r.disk)?.[1] ?? r.disk;
    const a = r.advice;
    const file = a ? a.path.split(/[\\/]/).pop() ?? a.path : '';
    setText(
      this.summary,
      a
        ? `${a.headline}. Lines ${a.firstLine}–${a.lastLine} of ${file}: ${a.source} → ${a.sink}, ${formatCount(a.pairs)} pairs, ${formatBytes(a.bytes)}, ` +
            `replayed on the same machine with each method in the loop's place. Speed-up is relative to the loop as logged. ${a.assumption}`
        : `${formatBytes(r.sizeBytes)} file → socket, ${disk}, ${r.warm ? 'warm page cache (no disk I/O)' : 'cold page cache'}. ` +
            `Speed-up is relative to read + write. Solid = the CPU copies, dashed = a DMA engine does.`,
    );
    this.summary.classList.toggle('cmp-advice', !!a);
    setText(this.chartHead.children[1], a ? 'simulated time · speed-up over the logged loop' : 'simulated time · speed-up over read + write');
    const maxT = Math.max(1, ...r.rows.map((x) => x.simTimeNs));
    const maxC = Math.max(1, ...r.rows.map((x) => x.cpuCopies + x.dmaCopies));
    reconcile<CompareRow, HTMLElement>(
      this.chart,
      this.chartRows,
      r.rows,
      (x) => x.method,
      () => {
        const row = el('div', 'cmp-row');
        row.setAttribute('role', 'listitem');
        const name = el('div', 'cmp-method');
        const time = el('div', 'cmp-track');
        time.append(el('span', 'cmp-bar cmp-bar-time'), el('span', 'cmp-val'));
        const copies = el('div', 'cmp-track');
        copies.append(el('span', 'cmp-bar cmp-bar-cpu'), el('span', 'cmp-bar cmp-bar-dma'), el('span', 'cmp-val'));
        row.append(name, time, copies);
        return row;
      },
      (row, x) => {
        setText(row.children[0], x.method);
        const [time, copies] = [row.children[1], row.children[2]];
        setWidth(time.children[0] as HTMLElement, x.simTimeNs / maxT);
        setText(time.children[1], `${formatNs(x.simTimeNs)} · ${x.speedup.toFixed(2)}×`);
        setWidth(copies.children[0] as HTMLElement, x.cpuCopies / maxC);
        setWidth(copies.children[1] as HTMLElement, x.dmaCopies / maxC);
        setText(copies.children[2], `${formatCount(x.cpuCopies)} CPU + ${formatCount(x.dmaCopies)} DMA · ${formatCount(x.contextSwitches)} switches`);
        (row as HTMLElement).title = `${x.method}: ${formatCount(x.syscalls)} syscalls, ${formatCount(x.contextSwitches)} mode switches, ${formatBytes(x.cpuBytes)} copied by the CPU`;
      },
    );
    setGridRows(
      this.grid,
      [
        { key: 'method', title: 'method' },
        { key: 'syscalls', title: 'syscalls' },
        { key: 'switches', title: 'switches' },
        { key: 'dma', title: 'DMA copies' },
        { key: 'cpu', title: 'CPU copies' },
        { key: 'cpuBytes', title: 'CPU bytes' },
        { key: 'time', title: 'time' },
        { key: 'speedup', title: 'speed-up' },
      ],
      r.rows.map((x) => ({
        method: x.method,
        syscalls: formatCount(x.syscalls),
        switches: formatCount(x.contextSwitches),
        dma: formatCount(x.dmaCopies),
        cpu: formatCount(x.cpuCopies),
        cpuBytes: formatBytes(x.cpuBytes),
        time: formatNs(x.simTimeNs),
        speedup: `${x.speedup.toFixed(2)}×`,
      })),
      '2fr 1fr 1fr 1fr 1fr 1fr 1fr 1fr',
    );
  }
}

/** Bars use at most 60% of their track; the rest is for the number beside them. */
function setWidth(e: HTMLElement, frac: number): void {
  const w = `${(Math.max(0, Math.min(1, frac)) * 60).toFixed(2)}%`;
  if (e.style.width !== w) e.style.width = w;
}

function makeDropdown(options: [string, string][], value: string, label: string): ValueElement {
  const d = document.createElement(TAG.dropdown) as ValueElement;
  d.setAttribute('aria-label', label);
  for (const [v, text] of options) {
    const o = document.createElement(TAG.option);
    o.setAttribute('value', v);
    o.textContent = text;
    if (v === value) o.setAttribute('selected', '');
    d.append(o);
  }
  return d;
}

function labelled(text: string, control: HTMLElement): HTMLElement {
  const l = el('label', 'cmp-field');
  l.append(el('span', 'cmp-field-label', text), control);
  return l;
}

function keyItem(cls: string, text: string): HTMLElement {
  const s = el('span', 'cmp-key-item');
  s.append(el('span', `swatch ${cls}`), document.createTextNode(text));
  return s;
}
