/**
 * The timeline: what the machine did over the whole trace, bucketed by the host. Event counts are stacked
 * bars; dirty and cached pages are lines (they are levels, not events). A cursor marks the current position.
 * Clicking or dragging seeks: x maps to a bucket, then linearly to a trace position inside [from, to].
 */
import type { MachineState, TimelineBucket, TimelineEvent } from '../src/shared/messages';
import { el, fitCanvas, reconcile, setText, toggleClass } from './dom';
import { formatCount, formatNs } from './format';
import { post } from './host';
import { palette } from './theme';

const BARS = ['syscalls', 'dma', 'interrupts', 'faults', 'writeback', 'evictions'] as const;
const LINES = ['dirtyPages', 'cachedPages'] as const;
type Series = (typeof BARS)[number] | (typeof LINES)[number];

const SERIES_NAMES: Record<Series, string> = {
  syscalls: 'syscalls',
  dma: 'DMA',
  interrupts: 'interrupts',
  faults: 'faults',
  writeback: 'writeback',
  evictions: 'evictions',
  dirtyPages: 'dirty pages',
  cachedPages: 'cached pages',
};

const HEIGHT = 120;
const AXIS = 16;

export class Timeline {
  readonly root: HTMLElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly wrap: HTMLElement;
  private readonly tooltip: HTMLElement;
  private readonly nearby: HTMLElement;
  private readonly nearbyRows = new Map<string, HTMLElement>();
  private readonly empty: HTMLElement;
  private buckets: TimelineBucket[] = [];
  private position = -1;
  /** While dragging, the cursor follows the pointer before the host answers. */
  private dragPosition: number | null = null;
  private dragging = false;
  private lastPosted: number | null = null;
  private postQueued = false;
  private drawQueued = false;

  constructor() {
    this.root = el('div', 'timeline');
    const legend = el('div', 'tl-legend');
    for (const s of [...BARS, ...LINES]) {
      const item = el('span', 'tl-legend-item');
      item.append(el('span', `swatch series-${s}${(LINES as readonly string[]).includes(s) ? ' line' : ''}`), document.createTextNode(SERIES_NAMES[s]));
      legend.append(item);
    }
    this.wrap = el('div', 'tl-canvas-wrap');
    this.canvas = el('canvas', 'tl-canvas');
    this.canvas.tabIndex = 0;
    this.canvas.setAttribute('role', 'slider');
    this.canvas.setAttribute('aria-label', 'Trace position: click or drag to go there');
    this.tooltip = el('div', 'tooltip');
    this.tooltip.hidden = true;
    this.wrap.append(this.canvas, this.tooltip);
    this.empty = el('div', 'muted', 'No events recorded yet.');
    this.nearby = el('ol', 'nearby');
    this.nearby.setAttribute('aria-label', 'Events around the current position');
    this.root.append(legend, this.wrap, this.empty, this.nearby);

    this.canvas.addEventListener('pointerdown', (e) => {
      if (!this.buckets.length) return;
      this.canvas.setPointerCapture(e.pointerId);
      this.dragging = true;
      this.seekTo(this.positionAt(e.clientX), true);
    });
    this.canvas.addEventListener('pointermove', (e) => {
      if (this.canvas.hasPointerCapture(e.pointerId)) this.seekTo(this.positionAt(e.clientX), false);
      this.hover(e);
    });
    this.canvas.addEventListener('pointerup', (e) => {
      if (!this.canvas.hasPointerCapture(e.pointerId)) return;
      this.canvas.releasePointerCapture(e.pointerId);
      this.dragging = false;
      this.seekTo(this.positionAt(e.clientX), true);
    });
    this.canvas.addEventListener('pointerleave', () => (this.tooltip.hidden = true));
    this.canvas.addEventListener('keydown', (e) => {
      // One bucket left or right: the debugger's own step buttons cover single events.
      const i = this.bucketIndexOf(this.position);
      if (i < 0) return;
      let j = i;
      if (e.key === 'ArrowLeft') j = Math.max(0, i - 1);
      else if (e.key === 'ArrowRight') j = Math.min(this.buckets.length - 1, i + 1);
      else if (e.key === 'Home') j = 0;
      else if (e.key === 'End') j = this.buckets.length - 1;
      else return;
      e.preventDefault();
      this.seekTo(this.buckets[j].from, true);
    });
    new ResizeObserver(() => this.queueDraw()).observe(this.wrap);
  }

  update(s: MachineState): void {
    this.buckets = s.timeline;
    this.position = s.position;
    // The host has answered: its position wins over the one drawn while waiting, unless a drag goes on.
    if (!this.dragging) {
      this.dragPosition = null;
      this.lastPosted = null;
    }
    this.canvas.setAttribute('aria-valuenow', String(s.position));
    this.canvas.setAttribute('aria-valuemax', String(Math.max(0, s.length - 1)));
    this.empty.hidden = s.timeline.length > 0;
    reconcile<TimelineEvent, HTMLElement>(
      this.nearby,
      this.nearbyRows,
      s.nearby,
      (ev) => String(ev.position),
      (ev) => {
        const li = el('li', 'nearby-event');
        li.append(el('span', 'ne-pos'), el('span', 'ne-time'), el('span', 'ne-kind'), el('span', 'ne-text'));
        li.tabIndex = 0;
        li.title = 'Go to this event';
        const go = (): void => this.seekTo(ev.position, true);
        li.addEventListener('click', go);
        li.addEventListener('keydown', (e) => {
          if (e.key === 'Enter') go();
        });
        return li;
      },
      (li, ev) => {
        setText(li.children[0], `#${ev.position}`);
        setText(li.children[1], formatNs(ev.timeNs));
        setText(li.children[2], ev.thread ? `${ev.kind} [t${ev.thread}]` : ev.kind);
        (li.children[2] as HTMLElement).title = ev.kind;
        setText(li.children[3], ev.text);
        toggleClass(li, 'current', ev.position === s.position);
        toggleClass(li, 'future', ev.position > s.position);
      },
    );
    this.draw();
  }

  private seekTo(position: number, immediate: boolean): void {
    this.dragPosition = position;
    this.queueDraw();
    if (immediate) {
      this.flushSeek();
      return;
    }
    // During a drag, at most one seek per frame: each seek makes the host rebuild the state.
    if (this.postQueued) return;
    this.postQueued = true;
    requestAnimationFrame(() => {
      this.postQueued = false;
      this.flushSeek();
    });
  }

  private flushSeek(): void {
    const p = this.dragPosition;
    if (p === null || p === this.lastPosted) return;
    this.lastPosted = p;
    post({ type: 'seek', position: p });
  }

  private bucketIndexOf(position: number): number {
    const b = this.buckets;
    if (!b.length) return -1;
    for (let i = 0; i < b.length; i++) if (position <= b[i].to) return i;
    return b.length - 1;
  }

  /** Inverse of xOf: pointer x → trace position. */
  private positionAt(clientX: number): number {
    const r = this.canvas.getBoundingClientRect();
    const n = this.buckets.length;
    const bw = r.width / n;
    const x = Math.max(0, Math.min(r.width - 0.001, clientX - r.left));
    const i = Math.min(n - 1, Math.floor(x / bw));
    const b = this.buckets[i];
    const frac = (x - i * bw) / bw;
    return Math.min(b.to, b.from + Math.floor(frac * (b.to - b.from + 1)));
  }

  private xOf(position: number, width: number): number {
    const n = this.buckets.length;
    const bw = width / n;
    const i = this.bucketIndexOf(position);
    const b = this.buckets[i];
    const span = b.to - b.from + 1;
    const within = Math.max(0, Math.min(span - 1, position - b.from));
    return i * bw + (bw * (within + 0.5)) / span;
  }

  private queueDraw(): void {
    if (this.drawQueued) return;
    this.drawQueued = true;
    requestAnimationFrame(() => {
      this.drawQueued = false;
      this.draw();
    });
  }

  draw(): void {
    const width = Math.floor(this.wrap.clientWidth);
    if (width <= 0) return;
    const fit = fitCanvas(this.canvas, width, HEIGHT);
    if (!fit) return;
    const { ctx } = fit;
    const pal = palette();
    ctx.clearRect(0, 0, width, HEIGHT);
    const b = this.buckets;
    const plotH = HEIGHT - AXIS;
    ctx.strokeStyle = pal.grid;
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(0, plotH + 0.5);
    ctx.lineTo(width, plotH + 0.5);
    ctx.stroke();
    if (!b.length) return;
    const n = b.length;
    const bw = width / n;
    // reduce, not Math.max(...array): a long trace may send more buckets than a call can take arguments.
    const maxBar = b.reduce((m, x) => Math.max(m, BARS.reduce((s, k) => s + x[k], 0)), 1);
    const maxLine = b.reduce((m, x) => Math.max(m, x.dirtyPages, x.cachedPages), 1);
    const barW = Math.max(1, bw - (bw > 4 ? 1 : 0));

    // One path per series, filled once: batching by colour as in the page map.
    const bottoms = new Float64Array(n).fill(plotH);
    for (const k of BARS) {
      const p = new Path2D();
      for (let i = 0; i < n; i++) {
        const v = b[i][k];
        if (!v) continue;
        const h = (v / maxBar) * (plotH - 4);
        bottoms[i] -= h;
        p.rect(i * bw, bottoms[i], barW, h);
      }
      ctx.fillStyle = pal.series[k];
      ctx.fill(p);
    }
    ctx.lineWidth = 1.5;
    for (const k of LINES) {
      ctx.strokeStyle = pal.series[k];
      ctx.beginPath();
      for (let i = 0; i < n; i++) {
        const y = plotH - (b[i][k] / maxLine) * (plotH - 4);
        const x = i * bw + bw / 2;
        if (i === 0) ctx.moveTo(x, y);
        else ctx.lineTo(x, y);
      }
      ctx.stroke();
    }

    ctx.fillStyle = pal.muted;
    ctx.font = `10px ${getComputedStyle(document.body).fontFamily || 'sans-serif'}`;
    ctx.textBaseline = 'middle';
    ctx.textAlign = 'left';
    ctx.fillText(formatNs(b[0].startNs), 2, plotH + AXIS / 2);
    ctx.textAlign = 'right';
    ctx.fillText(`${formatNs(b[n - 1].startNs)} · max ${formatCount(maxBar)} events/bucket · ${formatCount(maxLine)} pages`, width - 2, plotH + AXIS / 2);
    ctx.textAlign = 'left';

    const pos = this.dragPosition ?? this.position;
    if (pos >= 0) {
      const x = Math.round(this.xOf(pos, width)) + 0.5;
      ctx.strokeStyle = pal.cursor;
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.moveTo(x, 0);
      ctx.lineTo(x, plotH);
      ctx.stroke();
      ctx.fillStyle = pal.cursor;
      ctx.beginPath();
      ctx.moveTo(x - 5, 0);
      ctx.lineTo(x + 5, 0);
      ctx.lineTo(x, 6);
      ctx.fill();
    }
  }

  private hover(e: PointerEvent): void {
    if (!this.buckets.length) return;
    const r = this.canvas.getBoundingClientRect();
    const bw = r.width / this.buckets.length;
    const i = Math.min(this.buckets.length - 1, Math.max(0, Math.floor((e.clientX - r.left) / bw)));
    const b = this.buckets[i];
    const parts = BARS.filter((k) => b[k] > 0).map((k) => `${formatCount(b[k])} ${SERIES_NAMES[k]}`);
    setText(
      this.tooltip,
      `events #${b.from}–#${b.to} · from ${formatNs(b.startNs)}\n${parts.join(', ') || 'no counted events'}\n` +
        `${formatCount(b.dirtyPages)} dirty, ${formatCount(b.cachedPages)} cached pages at the end\nclick or drag to go there`,
    );
    this.tooltip.hidden = false;
    const x = e.clientX - r.left;
    const tw = this.tooltip.offsetWidth;
    this.tooltip.style.left = `${x + 12 + tw > r.width ? Math.max(0, x - 12 - tw) : x + 12}px`;
    this.tooltip.style.top = `${HEIGHT - 8}px`;
  }
}
