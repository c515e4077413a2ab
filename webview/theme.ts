/**
 * Canvas cannot use `var(--vscode-…)` directly, so the colours are defined once in media/panel.css as
 * `--iom-*` custom properties (each a VS Code theme variable with a fallback) and resolved here. They are
 * re-read when VS Code changes theme (it rewrites the body class and the variables on <html>).
 */

export interface Palette {
  fg: string;
  muted: string;
  border: string;
  bg: string;
  cursor: string;
  grid: string;
  page: Record<string, string>;
  series: Record<string, string>;
}

const PAGE_VARS: Record<string, string> = {
  '.': '--iom-page-none',
  i: '--iom-page-inactive',
  a: '--iom-page-active',
  d: '--iom-page-dirty',
  w: '--iom-page-writeback',
  r: '--iom-page-readahead',
  l: '--iom-page-locked',
  x: '--iom-page-evicted',
};

const SERIES = ['syscalls', 'dma', 'interrupts', 'faults', 'writeback', 'evictions', 'dirtyPages', 'cachedPages'];

let cached: Palette | null = null;
const listeners: (() => void)[] = [];

export function palette(): Palette {
  if (cached) return cached;
  // A probe element turns `var(--iom-x)` (which may be a color-mix() of theme variables) into a computed colour
  // string that canvas accepts.
  const probe = document.createElement('span');
  probe.hidden = true;
  document.body.append(probe);
  const cs = getComputedStyle(probe);
  const get = (name: string, fallback: string): string => {
    probe.style.color = '';
    probe.style.color = `var(${name}, ${fallback})`;
    return cs.color || fallback;
  };
  const page: Record<string, string> = {};
  for (const [code, v] of Object.entries(PAGE_VARS)) page[code] = get(v, '#888888');
  const series: Record<string, string> = {};
  for (const s of SERIES) series[s] = get(`--iom-series-${s}`, '#888888');
  cached = {
    fg: get('--iom-fg', '#cccccc'),
    muted: get('--iom-muted', '#999999'),
    border: get('--iom-border', '#555555'),
    bg: get('--iom-bg', '#1e1e1e'),
    cursor: get('--iom-cursor', '#ffcc00'),
    grid: get('--iom-grid', '#444444'),
    page,
    series,
  };
  probe.remove();
  return cached;
}

/** Calls `fn` after a theme change, once the new colours can be read. */
export function onThemeChange(fn: () => void): void {
  listeners.push(fn);
}

export function watchTheme(): void {
  const changed = (): void => {
    cached = null;
    for (const fn of listeners) fn();
  };
  const mo = new MutationObserver(changed);
  // VS Code sets the theme class on <body> and the colour variables in <html style>.
  mo.observe(document.body, { attributes: true, attributeFilter: ['class', 'data-vscode-theme-kind'] });
  mo.observe(document.documentElement, { attributes: true, attributeFilter: ['style', 'class'] });
}
