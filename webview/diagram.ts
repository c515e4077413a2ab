/**
 * The machine diagram: where bytes are and where they move at the current step.
 *
 * Three bands, top to bottom, as the article draws them: user space, the kernel, the hardware. The line between
 * user space and the kernel is the one a syscall, a page fault or an interrupt crosses. The current step's
 * movement is drawn as a bold arrow: solid when the CPU copies (memcpy, costs CPU time), dashed when a DMA engine
 * moves the bytes (the CPU is free). The SVG is built once; every state only moves and re-labels its elements.
 */
import type { Counters, MachineState, Movement, Place } from '../src/shared/messages';
import { el, setText, svg, toggleClass } from './dom';
import { formatBytes, formatCount, formatNs } from './format';

interface Box {
  place: Place;
  title: string;
  /** Said by the node's tooltip: what this buffer is. */
  about: string;
  band: 0 | 1 | 2;
  /** Left and right edge as a fraction of the width. */
  x0: number;
  x1: number;
}

const BOXES: Box[] = [
  { place: 'mmap', title: 'mmap region', about: 'User mappings whose page-table entries point at page-cache pages: no copy on access', band: 0, x0: 0.03, x1: 0.33 },
  { place: 'user', title: 'user buffer', about: 'A buffer the program allocated in user space', band: 0, x0: 0.38, x1: 0.66 },
  { place: 'pageCache', title: 'page cache', about: 'Kernel memory caching file pages (4 KiB each)', band: 1, x0: 0.03, x1: 0.33 },
  { place: 'pipe', title: 'pipe buffer', about: 'A pipe: splice() fills it with page references, not bytes', band: 1, x0: 0.38, x1: 0.62 },
  { place: 'socket', title: 'socket buffer', about: 'The socket send buffer in the kernel', band: 1, x0: 0.67, x1: 0.97 },
  { place: 'disk', title: 'disk', about: 'The block device', band: 2, x0: 0.03, x1: 0.22 },
  { place: 'controller', title: 'controller', about: 'The disk controller buffer: data passes here on its way to or from memory by DMA', band: 2, x0: 0.27, x1: 0.52 },
  { place: 'nic', title: 'NIC', about: 'The network card: it reads the bytes to send from memory by DMA', band: 2, x0: 0.72, x1: 0.97 },
];

/** The classic read+write path, drawn faintly so the highlighted step has context. */
const PATH: [Place, Place][] = [
  ['disk', 'controller'],
  ['controller', 'pageCache'],
  ['pageCache', 'user'],
  ['user', 'socket'],
  ['socket', 'nic'],
];

const PLACE_NAMES: Record<Place, string> = {
  disk: 'disk',
  controller: 'controller buffer',
  pageCache: 'page cache',
  user: 'user buffer',
  mmap: 'mmap region',
  socket: 'socket buffer',
  pipe: 'pipe buffer',
  nic: 'NIC',
};

const BAND_NAMES = ['user space', 'kernel', 'hardware'];
const BAND_H = 100;
const BOX_Y = 24;
const BOX_H = 46;
const HEIGHT = BAND_H * 3 + 4;

interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

interface NodeEls {
  g: SVGGElement;
  rect: SVGRectElement;
  title: SVGTextElement;
  sub: SVGTextElement;
}

interface CounterTile {
  root: HTMLElement;
  value: HTMLElement;
  sub: HTMLElement;
}

/** Counter tiles: label, how to read the value and an optional secondary line. */
const TILES: { key: string; label: string; tip?: string; value: (c: Counters) => string; sub?: (c: Counters) => string }[] = [
  {
    key: 'switches',
    label: 'mode switches',
    tip:
      'A "context switch" here is what the article counts: a user↔kernel mode switch (~50 ns each way), ' +
      'made by a syscall, a page fault or an interrupt. It is not a switch between processes (~1–3 µs).',
    value: (c) => formatCount(c.contextSwitches),
    sub: (c) => `${formatCount(c.syscalls)} syscalls`,
  },
  { key: 'cpu', label: 'CPU copies', value: (c) => formatCount(c.cpuCopies), sub: (c) => formatBytes(c.cpuBytes) },
  { key: 'dma', label: 'DMA copies', value: (c) => formatCount(c.dmaCopies), sub: (c) => formatBytes(c.dmaBytes) },
  { key: 'faults', label: 'page faults', value: (c) => formatCount(c.pageFaults) },
  { key: 'irq', label: 'interrupts', value: (c) => formatCount(c.dmaInterrupts) },
  {
    key: 'hits',
    label: 'cache hits',
    value: (c) => formatCount(c.pageCacheHits),
    sub: (c) => `${formatCount(c.pageCacheMisses)} misses`,
  },
  {
    key: 'evict',
    label: 'evictions',
    value: (c) => formatCount(c.evictions),
    sub: (c) => `${formatCount(c.writebackPages)} written back`,
  },
  { key: 'time', label: 'sim time', value: (c) => formatNs(c.simTimeNs) },
];

export class Diagram {
  readonly root: HTMLElement;
  private readonly svgEl: SVGSVGElement;
  private readonly bands: SVGRectElement[] = [];
  private readonly bandLabels: SVGTextElement[] = [];
  private readonly bandLines: SVGLineElement[] = [];
  private readonly boundaryLabel: SVGTextElement;
  private readonly cpuChip: SVGGElement;
  private readonly cpuChipRect: SVGRectElement;
  private readonly cpuChipText: SVGTextElement;
  private readonly nodes = new Map<Place, NodeEls>();
  private readonly pathLines: SVGPathElement[] = [];
  private readonly mapsLink: SVGPathElement;
  private readonly moveArrow: SVGPathElement;
  private readonly moveLabel: SVGTextElement;
  private readonly caption: HTMLElement;
  private readonly tiles = new Map<string, CounterTile>();
  private width = 640;
  private last: MachineState | null = null;
  private lastPrev: MachineState | null = null;

  constructor() {
    this.root = el('div', 'diagram');
    this.svgEl = svg('svg', { role: 'img', 'aria-label': 'Machine diagram: where the bytes are and where they move' }, 'diagram-svg');
    const defs = svg('defs');
    for (const kind of ['cpu', 'dma', 'faint']) {
      const marker = svg('marker', {
        id: `iom-arrow-${kind}`,
        viewBox: '0 0 10 10',
        refX: 9,
        refY: 5,
        markerWidth: kind === 'faint' ? 6 : 5,
        markerHeight: kind === 'faint' ? 6 : 5,
        orient: 'auto-start-reverse',
      });
      marker.append(svg('path', { d: 'M0,0 L10,5 L0,10 z' }, `arrowhead arrowhead-${kind}`));
      defs.append(marker);
    }
    this.svgEl.append(defs);

    for (let b = 0; b < 3; b++) {
      const band = svg('rect', {}, `band band-${b}`);
      this.bands.push(band);
      this.svgEl.append(band);
      const label = svg('text', {}, 'band-label');
      label.textContent = BAND_NAMES[b];
      this.bandLabels.push(label);
      this.svgEl.append(label);
    }
    for (let b = 0; b < 2; b++) {
      const line = svg('line', {}, b === 0 ? 'boundary boundary-user' : 'boundary boundary-hw');
      const t = svg('title');
      t.textContent =
        b === 0
          ? 'User/kernel boundary: user code cannot touch kernel memory or devices; a syscall, fault or interrupt crosses it (a mode switch).'
          : 'Below: devices. They move data to and from memory by DMA and raise an interrupt when done.';
      line.append(t);
      this.bandLines.push(line);
      this.svgEl.append(line);
    }
    this.boundaryLabel = svg('text', {}, 'boundary-label');
    this.boundaryLabel.textContent = 'user / kernel boundary';
    this.svgEl.append(this.boundaryLabel);

    for (let i = 0; i < PATH.length; i++) {
      const p = svg('path', { 'marker-end': 'url(#iom-arrow-faint)' }, 'path-faint');
      this.pathLines.push(p);
      this.svgEl.append(p);
    }
    this.mapsLink = svg('path', {}, 'maps-link');
    const mapsTitle = svg('title');
    mapsTitle.textContent = 'mmap: the mapping points at page-cache pages; reading it copies nothing';
    this.mapsLink.append(mapsTitle);
    this.svgEl.append(this.mapsLink);

    for (const box of BOXES) {
      const g = svg('g', {}, 'node');
      const rect = svg('rect', { rx: 4, ry: 4 }, 'node-box');
      const title = svg('text', { 'text-anchor': 'middle' }, 'node-title');
      title.textContent = box.title;
      const sub = svg('text', { 'text-anchor': 'middle' }, 'node-sub');
      const tip = svg('title');
      tip.textContent = box.about;
      g.append(tip, rect, title, sub);
      this.svgEl.append(g);
      this.nodes.set(box.place, { g, rect, title, sub });
    }

    this.cpuChip = svg('g', {}, 'cpu-chip');
    this.cpuChipRect = svg('rect', { rx: 8, ry: 8, height: 16 }, 'cpu-chip-box');
    this.cpuChipText = svg('text', {}, 'cpu-chip-text');
    this.cpuChip.append(this.cpuChipRect, this.cpuChipText);
    this.svgEl.append(this.cpuChip);

    this.moveArrow = svg('path', {}, 'move-arrow');
    this.moveLabel = svg('text', { 'text-anchor': 'middle' }, 'move-label');
    this.svgEl.append(this.moveArrow, this.moveLabel);

    this.caption = el('div', 'diagram-caption');
    const counters = el('div', 'counters');
    for (const t of TILES) {
      const root = el('div', `counter counter-${t.key}`);
      if (t.tip) root.title = t.tip;
      const label = el('div', 'counter-label', t.label);
      const value = el('div', 'counter-value', '0');
      const sub = el('div', 'counter-sub', '');
      root.append(label, value, sub);
      counters.append(root);
      this.tiles.set(t.key, { root, value, sub });
    }
    this.root.append(this.svgEl, this.caption, counters);
    this.layout(this.width);

    // The SVG is laid out in CSS pixels of its own width so that text stays readable in a narrow side panel
    // instead of shrinking with a fixed viewBox.
    new ResizeObserver((entries) => {
      const w = Math.round(entries[0].contentRect.width);
      if (w > 0 && Math.abs(w - this.width) >= 8) {
        this.layout(w);
        if (this.last) this.update(this.last, this.lastPrev);
      }
    }).observe(this.root);
  }

  private rectOf(place: Place): Rect {
    const box = BOXES.find((b) => b.place === place) as Box;
    const x = box.x0 * this.width;
    return { x, y: box.band * BAND_H + BOX_Y, w: (box.x1 - box.x0) * this.width, h: BOX_H };
  }

  private layout(width: number): void {
    this.width = Math.max(360, Math.min(900, width));
    const W = this.width;
    this.svgEl.setAttribute('viewBox', `0 0 ${W} ${HEIGHT}`);
    this.svgEl.setAttribute('height', String(HEIGHT));
    for (let b = 0; b < 3; b++) {
      setAttrs(this.bands[b], { x: 0, y: b * BAND_H, width: W, height: BAND_H + (b === 2 ? 4 : 0) });
      setAttrs(this.bandLabels[b], { x: 6, y: b * BAND_H + 15 });
    }
    for (let b = 0; b < 2; b++) setAttrs(this.bandLines[b], { x1: 0, x2: W, y1: (b + 1) * BAND_H, y2: (b + 1) * BAND_H });
    setAttrs(this.boundaryLabel, { x: W - 6, y: BAND_H - 4, 'text-anchor': 'end' });
    for (const box of BOXES) {
      const r = this.rectOf(box.place);
      const n = this.nodes.get(box.place) as NodeEls;
      setAttrs(n.rect, { x: r.x, y: r.y, width: r.w, height: r.h });
      setAttrs(n.title, { x: r.x + r.w / 2, y: r.y + 19 });
      setAttrs(n.sub, { x: r.x + r.w / 2, y: r.y + 36 });
    }
    PATH.forEach(([a, b], i) => this.pathLines[i].setAttribute('d', edgePath(this.rectOf(a), this.rectOf(b), 0, 6)));
    const mm = this.rectOf('mmap');
    const pc = this.rectOf('pageCache');
    this.mapsLink.setAttribute('d', `M${mm.x + mm.w / 2},${mm.y + mm.h} L${pc.x + pc.w / 2},${pc.y}`);
  }

  update(s: MachineState, prev: MachineState | null): void {
    this.last = s;
    this.lastPrev = prev;
    const kernel = s.mode === 'kernel';
    toggleClass(this.bands[0], 'current', !kernel);
    toggleClass(this.bands[1], 'current', kernel);

    // The CPU chip sits in the band of the current mode, right of the band's name.
    const chipText = kernel ? 'CPU: kernel mode' : 'CPU: user mode';
    setText(this.cpuChipText, chipText);
    const chipW = chipText.length * 6.4 + 16;
    // After the band's name: measured when rendered, estimated (upper case, letter-spaced) when not.
    const label = this.bandLabels[kernel ? 1 : 0];
    const labelW = Math.max(label.getComputedTextLength(), BAND_NAMES[kernel ? 1 : 0].length * 8.4);
    const chipX = 6 + labelW + 10;
    const chipY = (kernel ? BAND_H : 0) + 4;
    setAttrs(this.cpuChipRect, { x: chipX, y: chipY, width: chipW });
    setAttrs(this.cpuChipText, { x: chipX + 8, y: chipY + 12 });
    toggleClass(this.cpuChip, 'kernel', kernel);

    const d = s.devices;
    const pcv = s.pageCache;
    const busy = d.diskBusyUntilNs > s.timeNs;
    // Longest first; the first that fits the box is shown, so a narrow side panel gets the short forms.
    const subs: Partial<Record<Place, string[]>> = {
      pageCache: [
        `${formatCount(pcv.pages)} pages · ${formatCount(pcv.dirty)} dirty`,
        `${formatCount(pcv.pages)} pg · ${formatCount(pcv.dirty)} dirty`,
        `${formatCount(pcv.pages)} pages`,
      ],
      disk: busy ? [`busy · queue ${d.diskQueue}`, `busy · q ${d.diskQueue}`, 'busy'] : [`queue ${d.diskQueue}`, `q ${d.diskQueue}`],
      controller: d.dmaInFlight.length ? [`${d.dmaInFlight.length} DMA in flight`, `${d.dmaInFlight.length} DMA`] : ['idle'],
      nic: d.nicInFlightBytes
        ? [`sending ${formatBytes(d.nicInFlightBytes)}`, formatBytes(d.nicInFlightBytes)]
        : [`sent ${formatBytes(d.nicSentBytes)}`, formatBytes(d.nicSentBytes)],
    };
    const m = s.movement;
    toggleClass(this.svgEl, 'engine-cpu', m?.engine === 'cpu');
    toggleClass(this.svgEl, 'engine-dma', m?.engine === 'dma');
    for (const box of BOXES) {
      const n = this.nodes.get(box.place) as NodeEls;
      const room = (box.x1 - box.x0) * this.width - 8;
      const options = subs[box.place] ?? [''];
      // ~5.9 px a character at the node-sub font size.
      setText(n.sub, options.find((t) => t.length * 5.9 <= room) ?? options[options.length - 1]);
      toggleClass(n.g, 'src', m?.src === box.place);
      toggleClass(n.g, 'dst', m?.dst === box.place);
    }
    this.drawMovement(m);
    // The faint context arrow under the highlighted one would only blur it.
    PATH.forEach(([a, b], i) => {
      const same = !!m && ((m.src === a && m.dst === b) || (m.src === b && m.dst === a));
      toggleClass(this.pathLines[i], 'hidden', same);
    });

    for (const t of TILES) {
      const tile = this.tiles.get(t.key) as CounterTile;
      const v = t.value(s.counters);
      const changed = prev !== null && t.value(prev.counters) !== v;
      setText(tile.value, v);
      setText(tile.sub, t.sub ? t.sub(s.counters) : '');
      toggleClass(tile.root, 'changed', changed);
    }
  }

  private drawMovement(m: Movement | null): void {
    if (!m) {
      setAttrs(this.moveArrow, { d: '', class: 'move-arrow hidden' });
      setText(this.moveLabel, '');
      setText(this.caption, 'No bytes move at this step.');
      return;
    }
    const a = this.rectOf(m.src);
    const b = this.rectOf(m.dst);
    // A slight bend keeps a movement and its reverse apart and reads as flow rather than a connector.
    const d = edgePath(a, b, 0.12, 4);
    setAttrs(this.moveArrow, {
      d,
      class: `move-arrow ${m.engine}`,
      'marker-end': `url(#iom-arrow-${m.engine})`,
    });
    const mid = curveMid(a, b, 0.12);
    const what = m.engine === 'cpu' ? 'CPU copy' : 'DMA';
    // Beside a steep arrow, above a flat one, so the label never sits on the line or on a box.
    const ca = centre(a);
    const cb = centre(b);
    const steep = Math.abs(cb.y - ca.y) > Math.abs(cb.x - ca.x) * 0.6;
    const right = mid.x < this.width * 0.6;
    setAttrs(this.moveLabel, {
      x: steep ? mid.x + (right ? 12 : -12) : mid.x,
      y: steep ? mid.y + 4 : mid.y - 8,
      'text-anchor': steep ? (right ? 'start' : 'end') : 'middle',
      class: `move-label ${m.engine}`,
    });
    setText(this.moveLabel, `${what} ${formatBytes(m.bytes)}`);
    const how =
      m.engine === 'cpu'
        ? 'the CPU copies (memcpy: costs CPU time)'
        : 'a DMA engine moves the bytes (the CPU is free until the interrupt)';
    setText(this.caption, `Now: ${formatBytes(m.bytes)} ${PLACE_NAMES[m.src]} → ${PLACE_NAMES[m.dst]}; ${how}.`);
  }
}

function setAttrs(e: Element, attrs: Record<string, string | number>): void {
  for (const [k, v] of Object.entries(attrs)) {
    const s = String(v);
    if (e.getAttribute(k) !== s) e.setAttribute(k, s);
  }
}

function centre(r: Rect): { x: number; y: number } {
  return { x: r.x + r.w / 2, y: r.y + r.h / 2 };
}

/** Where the line from the centre of `r` towards (tx, ty) leaves the rectangle, pushed out by `pad`. */
function exitPoint(r: Rect, tx: number, ty: number, pad: number): { x: number; y: number } {
  const c = centre(r);
  const dx = tx - c.x;
  const dy = ty - c.y;
  if (dx === 0 && dy === 0) return c;
  const sx = dx === 0 ? Infinity : (r.w / 2 + pad) / Math.abs(dx);
  const sy = dy === 0 ? Infinity : (r.h / 2 + pad) / Math.abs(dy);
  const s = Math.min(sx, sy);
  return { x: c.x + dx * s, y: c.y + dy * s };
}

function controlPoint(a: Rect, b: Rect, bend: number): { x: number; y: number } {
  const ca = centre(a);
  const cb = centre(b);
  const mx = (ca.x + cb.x) / 2;
  const my = (ca.y + cb.y) / 2;
  // Perpendicular offset, proportional to the distance.
  return { x: mx - (cb.y - ca.y) * bend, y: my + (cb.x - ca.x) * bend };
}

function edgePath(a: Rect, b: Rect, bend: number, pad: number): string {
  const c = controlPoint(a, b, bend);
  const p = exitPoint(a, c.x, c.y, pad);
  const q = exitPoint(b, c.x, c.y, pad);
  return bend === 0 ? `M${p.x},${p.y} L${q.x},${q.y}` : `M${p.x},${p.y} Q${c.x},${c.y} ${q.x},${q.y}`;
}

function curveMid(a: Rect, b: Rect, bend: number): { x: number; y: number } {
  const c = controlPoint(a, b, bend);
  const p = exitPoint(a, c.x, c.y, 4);
  const q = exitPoint(b, c.x, c.y, 4);
  // Point at t = 0.5 on the quadratic Bézier.
  return { x: 0.25 * p.x + 0.5 * c.x + 0.25 * q.x, y: 0.25 * p.y + 0.5 * c.y + 0.25 * q.y };
}
