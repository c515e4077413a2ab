/**
 * Small DOM helpers. Text from a program or a log only ever reaches the page through `textContent` or
 * attribute setters that do not parse markup, so a file named `<script>…` stays a string.
 */

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className?: string,
  text?: string,
): HTMLElementTagNameMap[K];
export function el(tag: string, className?: string, text?: string): HTMLElement;
export function el(tag: string, className?: string, text?: string): HTMLElement {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

export function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number> = {},
  className?: string,
): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (className) e.setAttribute('class', className);
  return e;
}

/** Sets text only when it differs, so unchanged nodes are not touched (no layout, no flicker). */
export function setText(node: Element, text: string): void {
  if (node.textContent !== text) node.textContent = text;
}

export function toggleClass(node: Element, cls: string, on: boolean): void {
  if (node.classList.contains(cls) !== on) node.classList.toggle(cls, on);
}

/**
 * Keyed reconciliation of a container's children: one element per key, created once, reordered only when
 * the order changes, removed when its key disappears. `update` runs for every item on every call.
 */
export function reconcile<T, E extends Element>(
  container: Element,
  cache: Map<string, E>,
  items: readonly T[],
  key: (item: T) => string,
  create: (item: T) => E,
  update: (node: E, item: T) => void,
): void {
  const seen = new Set<string>();
  let cursor: Element | null = container.firstElementChild;
  for (const item of items) {
    const k = key(item);
    seen.add(k);
    let node = cache.get(k);
    if (!node) {
      node = create(item);
      cache.set(k, node);
    }
    update(node, item);
    if (node !== cursor) container.insertBefore(node, cursor);
    else cursor = cursor.nextElementSibling;
  }
  for (const [k, node] of cache) {
    if (!seen.has(k)) {
      node.remove();
      cache.delete(k);
    }
  }
}

/** Device pixels for a canvas that fills its CSS box; returns the CSS size and the scale applied. */
export function fitCanvas(
  canvas: HTMLCanvasElement,
  cssWidth: number,
  cssHeight: number,
): { ctx: CanvasRenderingContext2D; dpr: number } | null {
  const dpr = Math.max(1, Math.min(3, window.devicePixelRatio || 1));
  const w = Math.max(1, Math.round(cssWidth * dpr));
  const h = Math.max(1, Math.round(cssHeight * dpr));
  // Assigning width/height clears the canvas even when unchanged: only do it when the size really changes.
  if (canvas.width !== w) canvas.width = w;
  if (canvas.height !== h) canvas.height = h;
  const hs = `${cssHeight}px`;
  if (canvas.style.height !== hs) canvas.style.height = hs;
  const ctx = canvas.getContext('2d');
  if (!ctx) return null;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  return { ctx, dpr };
}
