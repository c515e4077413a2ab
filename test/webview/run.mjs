// Browser tests of the I/O Machine panel (webview/). Plain Node, not compiled by tsconfig.test.json.
//
//   node test/webview/run.mjs            run everything
//   node test/webview/run.mjs --headed   (needs a display) watch it
//
// It serves a test page on 127.0.0.1 with the same kind of strict CSP VS Code webviews use (no inline script
// without a nonce, styles only from the page's origin), a stub acquireVsCodeApi that records postMessage and keeps
// setState in sessionStorage (so a reload restores it, as VS Code does), then drives the panel with
// playwright-core and the system Chromium. Screenshots go to test-results/webview/.
import { createServer } from 'node:http';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, readdirSync, copyFileSync } from 'node:fs';
import { dirname, extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CHROMIUM = '/usr/bin/chromium';
const OUT = join(root, 'test-results', 'webview');
const fixtures = join(root, 'test', 'webview', 'fixtures');

if (!existsSync(CHROMIUM)) {
  console.log(`webview tests skipped: ${CHROMIUM} not found (install Debian's chromium package to run them)`);
  process.exit(0);
}

// ---------- build ----------
const bundle = join(root, 'dist', 'webview.js');
if (!existsSync(bundle)) {
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: 'inherit' });
} else {
  // A bundle older than the sources would test yesterday's panel: rebuild only the webview, with the options
  // scripts/build.mjs uses, so a half-edited file elsewhere in src/ cannot break this run.
  const newest = Math.max(...['webview', 'src/shared'].flatMap((d) =>
    readdirSync(join(root, d)).map((f) => statSync(join(root, d, f)).mtimeMs)));
  if (newest > statSync(bundle).mtimeMs) {
    const { build } = await import('esbuild');
    await build({
      entryPoints: [join(root, 'webview/main.ts')], outfile: bundle, bundle: true, sourcemap: true,
      logLevel: 'warning', platform: 'browser', format: 'iife', target: 'es2022',
    });
  }
}

const { chromium } = await import('playwright-core');

// ---------- server ----------
const NONCE = randomBytes(16).toString('base64').replace(/[^A-Za-z0-9]/g, '');
const MIME = { '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json', '.map': 'application/json', '.png': 'image/png' };
const STUB = `
  window.__posted = [];
  window.__cspViolations = [];
  window.__setStateCalls = 0;
  document.addEventListener('securitypolicyviolation', (e) => {
    window.__cspViolations.push(e.violatedDirective + ' ' + (e.blockedURI || '') + ' ' + (e.sample || ''));
  });
  let acquired = false;
  window.acquireVsCodeApi = function () {
    if (acquired) throw new Error('acquireVsCodeApi may only be called once');
    acquired = true;
    return {
      postMessage(m) { window.__posted.push(JSON.parse(JSON.stringify(m))); },
      getState() { const s = sessionStorage.getItem('vscodeState'); return s ? JSON.parse(s) : undefined; },
      setState(s) { window.__setStateCalls++; sessionStorage.setItem('vscodeState', JSON.stringify(s)); return s; },
    };
  };`;

/**
 * The page VS Code would build. `strict` is exactly the brief's policy (style-src: the origin only). Otherwise
 * the policy also allows styles with the page's nonce and says the nonce in <meta property="csp-nonce">: FAST,
 * under the toolkit, probes `:focus-visible` support once with an empty <style> element and uses that nonce
 * (microsoft/vscode-webview-ui-toolkit#545). That is what the panel host should do, too.
 */
function page(theme, origin, strict) {
  const kind = theme === 'light' ? 'vscode-light' : 'vscode-dark';
  const styleSrc = strict ? origin : `${origin} 'nonce-${NONCE}'`;
  return `<!DOCTYPE html>
<html lang="en" data-theme="${theme}">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src ${origin} data:; style-src ${styleSrc}; font-src ${origin}; script-src 'nonce-${NONCE}';">
${strict ? '' : `<meta property="csp-nonce" content="${NONCE}">`}
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="/test/webview/themes.css">
<link rel="stylesheet" href="/media/panel.css">
<script nonce="${NONCE}">${STUB}</script>
<title>I/O Machine</title>
</head>
<body class="${kind}" data-vscode-theme-kind="${kind}">
<div id="app"></div>
<script nonce="${NONCE}" src="/dist/webview.js"></script>
</body>
</html>`;
}

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  if (url.pathname === '/' || url.pathname === '/index.html') {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(page(url.searchParams.get('theme') === 'light' ? 'light' : 'dark', `http://127.0.0.1:${server.address().port}`,
      url.searchParams.has('strict')));
    return;
  }
  if (url.pathname === '/favicon.ico') {
    res.writeHead(204);
    res.end();
    return;
  }
  const file = normalize(join(root, decodeURIComponent(url.pathname)));
  const allowed = ['dist', 'media', join('test', 'webview')].some((d) => file.startsWith(join(root, d)));
  if (!allowed || !existsSync(file) || !statSync(file).isFile()) {
    res.writeHead(404);
    res.end();
    return;
  }
  res.writeHead(200, { 'content-type': MIME[extname(file)] ?? 'application/octet-stream' });
  res.end(readFileSync(file));
});
await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
const base = `http://127.0.0.1:${server.address().port}/`;

// ---------- tiny harness ----------
let passed = 0;
let failed = 0;
// Anything that breaks outside a test (the browser does not start, the server cannot listen) still ends with
// the summary line and a failing exit code.
process.on('uncaughtException', (e) => {
  console.log(`  FAIL harness: ${e && e.stack ? e.stack : e}`);
  console.log(`${passed} passed, ${failed + 1} failed`);
  process.exit(1);
});
const notes = [];
async function test(name, fn) {
  try {
    await fn();
    passed++;
    console.log(`  ok   ${name}`);
  } catch (e) {
    failed++;
    console.log(`  FAIL ${name}\n       ${String(e && e.stack ? e.stack : e).split('\n').slice(0, 4).join('\n       ')}`);
  }
}
function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}
function eq(actual, expected, msg) {
  const a = JSON.stringify(actual);
  const b = JSON.stringify(expected);
  if (a !== b) throw new Error(`${msg}: expected ${b}, got ${a}`);
}
const load = (name) => JSON.parse(readFileSync(join(fixtures, name), 'utf8'));

// ---------- browser ----------
mkdirSync(OUT, { recursive: true });
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: !process.argv.includes('--headed'),
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--no-first-run'],
});
const pageErrors = [];

async function openPanel(theme = 'dark', width = 1200, height = 1000, strict = false) {
  const context = await browser.newContext({ viewport: { width, height }, deviceScaleFactor: 1, reducedMotion: 'reduce' });
  const p = await context.newPage();
  p.on('pageerror', (e) => pageErrors.push(`${theme}/${width}: ${e.message}`));
  p.on('console', (m) => {
    if (m.type() === 'error') pageErrors.push(`${theme}/${width} console: ${m.text()}`);
  });
  await p.goto(`${base}?theme=${theme}${strict ? '&strict' : ''}`);
  await p.waitForFunction(() => window.__iomPanel !== undefined);
  return p;
}

/** Posts a message as the extension host would and waits for the frame that draws it. */
async function send(p, msg) {
  const before = await p.evaluate(() => window.__iomPanel.renders);
  await p.evaluate((m) => window.postMessage(m, '*'), msg);
  if (msg.type === 'state' || msg.type === 'example') await p.waitForFunction((n) => window.__iomPanel.renders > n, before);
  // One more frame, for work queued by the render (resize observers, the DOM settling).
  await p.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
}

const posted = (p) => p.evaluate(() => window.__posted);
const text = (p, sel) => p.locator(sel).first().textContent();

/** A page's cell centre in viewport coordinates, scrolled into view first (the map may be below the fold). */
async function cellPoint(p, path, index) {
  return p.evaluate(([path, index]) => {
    let c = window.__iomPanel.pageCell(path, index);
    if (c && (c.y < 0 || c.y > window.innerHeight)) {
      window.scrollBy(0, c.y - window.innerHeight / 2);
      c = window.__iomPanel.pageCell(path, index);
    }
    return c;
  }, [path, index]);
}

async function selectTab(p, id) {
  await p.click(`#tab-${id}`);
  await p.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
}

async function shot(p, name, opts = {}) {
  const path = join(OUT, `${name}.png`);
  // The status line is sticky: from the top, it is drawn where it belongs in a full-page capture.
  await p.evaluate(() => window.scrollTo(0, 0));
  await p.screenshot({ path, fullPage: true, ...opts });
  return path;
}

const midRead = load('mid-read-dma.json');
const copyToUser = load('copy-to-user.json');
const writeback = load('writeback-evict.json');
const hostile = load('hostile.json');
const compare = load('compare.json');
const adviseCompare = load('advise-compare.json');

console.log('webview panel (Chromium headless)');
const p = await openPanel('dark');

await test('posts ready on startup and shows the empty state with no session', async () => {
  eq((await posted(p))[0], { type: 'ready' }, 'first message');
  const notice = await text(p, '.notice-empty');
  assert(/Start debugging an \.iosim file \(F5\)/.test(notice), `empty state text: ${notice}`);
  assert(await p.locator('.live').isHidden(), 'live sections hidden without a session');
  eq(await p.evaluate(() => document.querySelector('vscode-panels').activeid), 'tab-compare', 'compare tab shown first');
});

await test('shows a comparison sent by the host (chart and grid) and posts compare from the form', async () => {
  await send(p, { type: 'compare', result: compare });
  eq(await p.locator('.cmp-row').count(), 6, 'one chart row per method');
  eq(await p.locator('.cmp-method').nth(3).textContent(), 'sendfile + SG-DMA', 'method name');
  const val = await p.locator('.cmp-row').nth(3).locator('.cmp-val').nth(1).textContent();
  assert(val.startsWith('0 CPU + 512 DMA'), `copies label: ${val}`);
  await p.waitForFunction(() => document.querySelectorAll('.cmp-grid vscode-data-grid-row').length >= 7);
  await shot(p, 'compare-dark');
  await p.click('.cmp-form vscode-button');
  const last = (await posted(p)).at(-1);
  eq(last, { type: 'compare', size: '16MiB', disk: 'nvme', warm: false }, 'compare request');
  await send(p, { type: 'compare', result: compare });
});

await test('draws a mid-read state: counters, mode, DMA arrow, registers, hex', async () => {
  await send(p, { type: 'state', state: midRead });
  assert(await p.locator('.notice-empty').isHidden(), 'empty state hidden');
  eq(await p.evaluate(() => document.querySelector('vscode-panels').activeid), 'tab-pagecache', 'page cache tab after first state');
  eq(await text(p, '.counter-switches .counter-value'), '5', 'mode switches');
  eq(await text(p, '.counter-switches .counter-sub'), '3 syscalls', 'syscalls');
  eq(await text(p, '.counter-dma .counter-value'), '1', 'DMA copies');
  eq(await text(p, '.counter-dma .counter-sub'), '16 KiB', 'DMA bytes');
  eq(await text(p, '.counter-cpu .counter-value'), '0', 'CPU copies');
  eq(await text(p, '.counter-time .counter-value'), '21.4 µs', 'sim time');
  const tip = await p.locator('.counter-switches').getAttribute('title');
  assert(/mode switch \(~50 ns/.test(tip) && /not a switch between processes/.test(tip), `switch tooltip: ${tip}`);
  eq(await text(p, '.mode-badge'), 'kernel mode', 'mode badge');
  eq(await p.locator('.cpu-chip').getAttribute('class'), 'cpu-chip kernel', 'CPU chip in the kernel band');
  eq(await p.locator('.move-arrow').getAttribute('class'), 'move-arrow dma', 'DMA arrow');
  eq(await text(p, '.move-label'), 'DMA 16 KiB', 'arrow label');
  assert((await text(p, '.diagram-caption')).includes('controller buffer → page cache'), 'caption');
  assert((await p.locator('.node.src .node-title').textContent()) === 'controller', 'source node highlighted');
  assert((await p.locator('.node.dst .node-title').textContent()) === 'page cache', 'destination node highlighted');
  eq(await text(p, '.op-call'), 'read(3</srv/index.html>, 0x10000000, 16384)', 'call text');
  eq(await text(p, '.op-kstep'), 'filemap_read → page_cache_sync_ra', 'kernel step');
  eq(await text(p, '.op-result'), 'result: (not returned yet)', 'result');
  const changed = await p.locator('.reg.changed .reg-name').allTextContents();
  eq(changed, ['mode', 'rax', 'rdi', 'rsi', 'rdx', 'ns'], 'changed registers highlighted');
  eq(await p.locator('.reg').count(), 11, 'all registers listed');
  await selectTab(p, 'memory');
  eq(await p.locator('.hex-row:not(.hex-head)').count(), 32, '512 bytes = 32 rows of 16');
  const row0 = p.locator('.hex-row:not(.hex-head)').first();
  eq(await row0.locator('.hex-off').textContent(), '0x00000000', 'offset column');
  eq(await row0.locator('.hex-bytes').textContent(), '3c 21 64 6f 63 74 79 70 65 20 68 74 6d 6c 3e 0a', 'hex bytes');
  eq(await row0.locator('.hex-ascii').textContent(), '<!doctype html>.', 'ascii column (newline as a dot)');
  eq(await p.locator('mark.hex-hl').count(), 64, 'highlight covers every row (hex + ascii)');
  await shot(p, 'memory-dark');
  await selectTab(p, 'pagecache');
  await shot(p, 'panel-dark');
});

await test('next step: CPU copy arrow, changed counters flagged, only changed registers highlighted', async () => {
  await send(p, { type: 'state', state: copyToUser });
  eq(await p.locator('.move-arrow').getAttribute('class'), 'move-arrow cpu', 'CPU arrow');
  eq(await text(p, '.move-label'), 'CPU copy 16 KiB', 'arrow label');
  eq(await p.locator('.move-arrow').getAttribute('marker-end'), 'url(#iom-arrow-cpu)', 'arrowhead');
  const flagged = await p.locator('.counter.changed .counter-label').allTextContents();
  eq(flagged, ['CPU copies', 'interrupts', 'sim time'], 'changed counters');
  eq(await p.locator('.reg.changed .reg-name').allTextContents(), ['ns'], 'changed registers');
  await selectTab(p, 'memory');
  eq(await p.locator('.hex-row:not(.hex-head)').count(), 64, '1 KiB = 64 rows');
  eq(await p.locator('.hex-row:not(.hex-head)').nth(2).locator('.hex-off').textContent(), '0x10000020', 'offsets from the buffer address');
  eq(await p.locator('.hex-row:not(.hex-head)').nth(2).locator('mark').count(), 2, 'row 2 partly highlighted (bytes 40..47)');
  const bytes = Buffer.from(copyToUser.hex.bytesBase64, 'base64').subarray(40, 48);
  const ascii = [...bytes].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
  eq(await p.locator('.hex-row:not(.hex-head)').nth(2).locator('.hex-ascii mark').textContent(), ascii, 'highlighted ascii (bytes 40..47)');
  eq(await p.locator('.hex-row:not(.hex-head)').nth(9).locator('mark').count(), 0, 'rows after the range are not marked');
  await selectTab(p, 'pagecache');
});

await test('advice on a log\'s loop (from the editor\'s CodeLens) switches to the Compare tab and says which loop', async () => {
  eq(await p.evaluate(() => document.querySelector('vscode-panels').activeid), 'tab-pagecache', 'on the page cache tab before');
  await send(p, { type: 'compare', result: adviseCompare });
  eq(await p.evaluate(() => document.querySelector('vscode-panels').activeid), 'tab-compare', 'compare tab shown');
  // Scrolled to: the tabs sit below the machine's picture, out of sight in a short panel.
  await p.waitForFunction(() => window.scrollY > 0, null, { timeout: 2000 }).catch(() => {});
  const view = await p.evaluate(() => ({
    top: document.querySelector('.compare').getBoundingClientRect().top,
    atBottom: window.scrollY + window.innerHeight >= document.documentElement.scrollHeight - 2,
    scrollY: window.scrollY,
  }));
  assert(view.scrollY > 0 && (Math.abs(view.top) < 2 || view.atBottom), `the comparison is scrolled to (${JSON.stringify(view)})`);
  eq(await p.locator('.cmp-row').count(), 7, 'the loop and its six alternatives');
  eq(await p.locator('.cmp-method').first().textContent(), 'read+write (log)', 'the loop as logged first');
  const summary = await text(p, '.cmp-summary');
  assert(summary.startsWith('16 read+write pairs → direct+aio: −16 CPU copies, 3.92× faster (model). Lines 494–526 of tiny.strace'), `summary: ${summary}`);
  assert(summary.includes('assumes the bytes pass through unchanged'), 'the honesty note');
  eq(await text(p, '.cmp-chart-head .cmp-head:nth-child(2)'), 'simulated time · speed-up over the logged loop', 'chart heading');
  await shot(p, 'advise-compare-dark');
  await p.locator('.compare').screenshot({ path: join(OUT, 'advise-compare-chart.png') });
  // A plain comparison afterwards is about the synthetic file again, and leaves the tab alone.
  await send(p, { type: 'compare', result: compare });
  assert((await text(p, '.cmp-summary')).includes('Speed-up is relative to read + write'), 'plain summary back');
  eq(await text(p, '.cmp-chart-head .cmp-head:nth-child(2)'), 'simulated time · speed-up over read + write', 'plain heading back');
  await selectTab(p, 'pagecache');
});

await test('hostile file names and log text are shown as text, never parsed', async () => {
  const HOSTILE = '<script>window.__pwned=1</script>"><img src=x onerror="window.__pwned=2">';
  const before = await p.evaluate(() => document.querySelectorAll('script').length);
  await send(p, { type: 'state', state: hostile });
  await send(p, { type: 'whyResult', text: HOSTILE });
  await selectTab(p, 'memory');
  await selectTab(p, 'pagecache');
  // Hover the file's page so the tooltip gets the name too.
  const c = await cellPoint(p, HOSTILE, 1);
  assert(c, 'hostile file has cells');
  await p.mouse.move(c.x, c.y);
  eq(await p.evaluate(() => typeof window.__pwned), 'undefined', 'window.__pwned undefined');
  eq(await p.evaluate(() => document.querySelectorAll('img').length), 0, 'no <img> injected');
  eq(await p.evaluate(() => document.querySelectorAll('script').length), before, 'no <script> injected');
  eq(await p.evaluate(() => document.querySelectorAll('[onerror]').length), 0, 'no onerror attribute anywhere');
  eq(await text(p, '.status-call'), `open("${HOSTILE}", O_RDONLY)`, 'call shown verbatim');
  eq(await text(p, '.pm-file-path'), HOSTILE, 'file list shows the name');
  eq(await text(p, '.hex-title'), `${HOSTILE} — 512 bytes at 0x0; bytes 0–511 highlighted (moved at this step)`, 'hex title');
  eq(await text(p, '.why-text'), HOSTILE, 'why text');
  assert((await text(p, '.pm-canvas-wrap .tooltip')).startsWith(HOSTILE), 'tooltip shows the name');
  const regNames = await p.locator('.reg-name').allTextContents();
  assert(regNames.includes(HOSTILE), 'register named by the hostile string');
  const optTexts = await p.locator('.pm-file-select vscode-option').allTextContents();
  assert(optTexts.map((s) => s.trim()).includes(HOSTILE), 'dropdown option text');
  const overflow = await p.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert(overflow <= 0, `long unbreakable strings make the page ${overflow}px too wide`);
  const squeezed = await p.locator('.reg-value, .arg-value').evaluateAll((els) => els.filter((e) => e.getBoundingClientRect().width < 30 && e.textContent.length > 4).length);
  eq(squeezed, 0, 'no value squeezed to a sliver by a long name');
  await shot(p, 'hostile-dark');
});

await test('page map: legend counts, hover details, click posts why for the right page', async () => {
  await send(p, { type: 'state', state: writeback });
  const legend = Object.fromEntries(
    await p.locator('.pm-legend-item').evaluateAll((items) => items.map((i) => [i.children[1].textContent, i.children[2].textContent])),
  );
  eq([legend['dirty'], legend['under writeback'], legend['just evicted'], legend['readahead marker (PG_readahead)'], legend['locked: I/O in flight']],
    ['37', '12', '6', '1', '32'], 'legend counts');
  const stats = await text(p, '.pm-stats');
  assert(stats.startsWith('Cached 339 of 512 pages'), `stats: ${stats}`);
  assert(/Dirty 37 · Writeback 12 · Active\(file\) 30 · Inactive\(file\) 309/.test(stats), `stats: ${stats}`);
  await p.mouse.move(1, 1);
  const c = await cellPoint(p, '/var/log/app.log', 40);
  await p.mouse.move(c.x, c.y);
  const tip = await text(p, '.pm-canvas-wrap .tooltip');
  assert(tip.includes('/var/log/app.log') && tip.includes('page 40') && tip.includes('under writeback'), `tooltip: ${tip}`);
  await p.mouse.click(c.x, c.y);
  eq((await posted(p)).at(-1), { type: 'why', path: '/var/log/app.log', index: 40 }, 'why message');
  const e = await cellPoint(p, '/data/video.bin', 3);
  await p.mouse.move(e.x, e.y);
  assert((await text(p, '.pm-canvas-wrap .tooltip')).includes('just evicted'), 'evicted page tooltip');
  await p.mouse.click(e.x, e.y);
  eq((await posted(p)).at(-1), { type: 'why', path: '/data/video.bin', index: 3 }, 'why for an evicted page');
  const why = '/data/video.bin page 3 was evicted at event #5208: it was at the tail of the inactive list\n(clean, not referenced since it was read at 1.2 s), and reclaim needed 6 pages.';
  await send(p, { type: 'whyResult', text: why });
  eq(await text(p, '.why-title'), 'Why: /data/video.bin, page 3', 'why title names the page');
  eq(await text(p, '.why-text'), why, 'why text, preformatted');
  await p.mouse.move(5, 5);
  await shot(p, 'pagecache-dark');
});

await test('timeline: click and drag post seek with the position under the pointer', async () => {
  const box = await p.locator('.tl-canvas').boundingBox();
  const buckets = writeback.timeline;
  const expectAt = (x) => {
    const bw = box.width / buckets.length;
    const i = Math.min(buckets.length - 1, Math.floor(x / bw));
    const b = buckets[i];
    return Math.min(b.to, b.from + Math.floor(((x - i * bw) / bw) * (b.to - b.from + 1)));
  };
  const x1 = box.width * 0.25 + 0.3;
  await p.mouse.click(box.x + x1, box.y + 40);
  const seeks = (await posted(p)).filter((m) => m.type === 'seek');
  eq(seeks.at(-1), { type: 'seek', position: expectAt(x1) }, 'seek on click');
  const n = (await posted(p)).length;
  const x2 = box.width * 0.5 + 0.3;
  const x3 = box.width * 0.8 + 0.3;
  await p.mouse.move(box.x + x2, box.y + 40);
  await p.mouse.down();
  await p.mouse.move(box.x + (x2 + x3) / 2, box.y + 40, { steps: 4 });
  await p.mouse.move(box.x + x3, box.y + 40, { steps: 4 });
  await p.mouse.up();
  await p.evaluate(() => new Promise((r) => requestAnimationFrame(r)));
  const dragSeeks = (await posted(p)).slice(n).filter((m) => m.type === 'seek');
  assert(dragSeeks.length >= 2, `a drag posts several seeks (${dragSeeks.length})`);
  eq(dragSeeks[0].position, expectAt(x2), 'drag starts where pressed');
  eq(dragSeeks.at(-1).position, expectAt(x3), 'drag ends where released');
  const nearby = await p.locator('.nearby-event').allTextContents();
  eq(nearby.length, 6, 'nearby events listed');
  eq(await text(p, '.nearby-event.current .ne-kind'), 'dma-start [t2]', 'current event marked');
  await p.locator('.nearby-event').first().click();
  eq((await posted(p)).at(-1), { type: 'seek', position: 5206 }, 'clicking a nearby event seeks to it');
});

await test('state, tab and selected file survive a reload (getState/setState)', async () => {
  await selectTab(p, 'memory');
  await selectTab(p, 'pagecache');
  await p.locator('.pm-file', { hasText: '/var/log/app.log' }).click();
  await selectTab(p, 'memory');
  await p.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  assert((await p.evaluate(() => window.__setStateCalls)) > 0, 'setState called');
  await p.reload();
  await p.waitForFunction(() => window.__iomPanel && window.__iomPanel.renders > 0);
  await p.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  eq((await posted(p))[0], { type: 'ready' }, 'ready after reload');
  eq(await p.evaluate(() => document.querySelector('vscode-panels').activeid), 'tab-memory', 'tab restored');
  eq(await text(p, '.status-call'), writeback.operation.call, 'machine state restored');
  eq(await text(p, '.counter-switches .counter-value'), '3,262', 'counters restored');
  eq(await p.locator('.cmp-row').count(), 6, 'comparison restored');
  await selectTab(p, 'pagecache');
  eq(await p.locator('.pm-file.selected .pm-file-path').textContent(), '/var/log/app.log', 'selected file restored');
  eq(await p.evaluate(() => document.querySelector('.pm-file-select').value), '/var/log/app.log', 'dropdown restored');
  eq(await text(p, '.why-title'), 'Why: /data/video.bin, page 3', 'why answer restored');
  await shot(p, 'pagecache-one-file-dark');
  await p.locator('.pm-file.selected').click();
});

await test('sessionEnded greys the live sections; a new state makes them live again', async () => {
  await send(p, { type: 'sessionEnded' });
  assert(await p.locator('.notice-ended').isVisible(), 'ended notice');
  assert(await p.evaluate(() => document.getElementById('app').classList.contains('session-ended')), 'greyed');
  const op = await p.locator('.live').evaluate((e) => getComputedStyle(e).opacity);
  assert(Number(op) < 1, `live opacity ${op}`);
  await shot(p, 'ended-dark');
  await send(p, { type: 'state', state: midRead });
  assert(await p.locator('.notice-ended').isHidden(), 'ended notice gone');
});

await test('with no session the host sends an example: shown with its notice; a real session replaces it', async () => {
  const q = await openPanel('dark', 1000, 800);
  await send(q, { type: 'example', state: midRead, title: 'examples/sendfile.iosim at position 14.' });
  assert(await q.locator('.notice-example').isVisible(), 'example notice');
  assert((await text(q, '.notice-example')).includes('examples/sendfile.iosim at position 14.'), 'example title shown');
  assert(await q.locator('.live').isVisible(), 'the example draws the live sections');
  assert(await q.locator('.notice-empty').isHidden(), 'not the empty notice');
  await shot(q, 'example-dark');
  await send(q, { type: 'state', state: writeback });
  assert(await q.locator('.notice-example').isHidden(), 'a session state hides the example notice');
  // Ignored, so no render to wait for: post it and let two frames pass.
  await q.evaluate((m) => window.postMessage(m, '*'), { type: 'example', state: midRead, title: 'late example' });
  await q.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  eq(await text(q, '.status-call'), writeback.operation.call, 'an example never replaces a session state');
  await q.context().close();
});

await test('no CSP violations, no page errors', async () => {
  eq(await p.evaluate(() => window.__cspViolations), [], 'CSP violations');
  eq(pageErrors, [], 'page errors');
});

/** A 256 MiB file fully cached (65,536 pages) next to a few small ones, with every state present. */
function bigState() {
  const s = structuredClone(writeback);
  const n = 65536;
  const codes = ['i', 'i', 'i', 'a', 'a', 'd', 'w', 'r', 'l', 'x'];
  let run = '';
  for (let i = 0; i < n; i++) run += codes[(i * 7919 + (i >> 9)) % codes.length];
  s.pageCache.files = [{ path: '/data/big-256MiB.bin', sizePages: n, cached: n, dirty: Math.round(n / 10), runs: [{ start: 0, codes: run }] }];
  s.pageCache.capacityPages = 131072;
  s.pageCache.pages = n;
  return s;
}

/** The same size as a real picture: a 256 MiB sequential read in progress next to a busy log and small hot files. */
function bigRealisticState() {
  const s = structuredClone(writeback);
  const n = 65536;
  const chunk = (c, k) => c.repeat(k);
  // Read so far: evicted head, inactive body with a readahead marker per window, the window in flight, not yet read.
  let run = chunk('x', 256) + chunk('i', 8000);
  for (let w = 0; w < 1500; w++) run += chunk('i', 15) + 'r' + chunk('i', 16);
  run += chunk('a', 4000) + chunk('l', 512);
  const cached = run.length;
  const log = chunk('a', 200) + chunk('i', 1800) + chunk('d', 3000) + chunk('w', 1000) + chunk('d', 400);
  s.pageCache.files = [
    { path: '/data/big-256MiB.bin', sizePages: n, cached, dirty: 0, runs: [{ start: 0, codes: run }] },
    { path: '/var/log/app.log', sizePages: 8192, cached: log.length, dirty: 4400, runs: [{ start: 0, codes: log }] },
    { path: '/srv/index.html', sizePages: 4, cached: 4, dirty: 0, runs: [{ start: 0, codes: 'aaaa' }] },
  ];
  s.pageCache.capacityPages = 131072;
  s.pageCache.pages = cached + log.length + 4;
  s.pageCache.dirty = 4400;
  s.pageCache.writeback = 1000;
  return s;
}

await test('65,536 pages: the page map renders within the bound', async () => {
  const big = bigState();
  await send(p, { type: 'state', state: big });
  const times = [await p.evaluate(() => window.__lastPageMapRenderMs)];
  const whole = [await p.evaluate(() => window.__iomPanel.lastRenderMs)];
  for (let k = 0; k < 4; k++) {
    big.position++;
    big.pageCache.files[0].runs[0].codes = big.pageCache.files[0].runs[0].codes.slice(1) + 'd';
    await send(p, { type: 'state', state: big });
    times.push(await p.evaluate(() => window.__lastPageMapRenderMs));
    whole.push(await p.evaluate(() => window.__iomPanel.lastRenderMs));
  }
  const worst = Math.max(...times);
  notes.push(`65,536-page map render: first ${times[0].toFixed(1)} ms, then ${times.slice(1).map((t) => t.toFixed(1)).join(' / ')} ms (worst ${worst.toFixed(1)} ms)`);
  notes.push(`whole panel render with it (all sections): worst ${Math.max(...whole).toFixed(1)} ms`);
  console.log(`       ${notes.at(-2)}\n       ${notes.at(-1)}`);
  assert(worst < 500, `render took ${worst} ms`);
  eq(await p.locator('.pm-canvas').count(), 1, 'one canvas, no per-page DOM');
  assert((await p.evaluate(() => document.querySelectorAll('*').length)) < 3000, 'DOM stays small');
  const c = await p.evaluate(() => window.__iomPanel.pageCell('/data/big-256MiB.bin', 65535));
  assert(c, 'last page is drawn');
  const real = bigRealisticState();
  await send(p, { type: 'state', state: real });
  const t = await p.evaluate(() => window.__lastPageMapRenderMs);
  notes.push(`realistic 65,536 + 8,192-page state: ${t.toFixed(1)} ms`);
  assert(t < 500, `render took ${t} ms`);
  await p.locator('.card-timeline').evaluate((e) => e.scrollIntoView());
  await shot(p, 'pagecache-65536-dark');
});
await p.context().close();

// ---------- light theme ----------
const light = await openPanel('light');
await test('light theme: colours follow the theme variables', async () => {
  await send(light, { type: 'compare', result: compare });
  await send(light, { type: 'state', state: writeback });
  const bg = await light.evaluate(() => getComputedStyle(document.body).backgroundColor);
  eq(bg, 'rgb(255, 255, 255)', 'body background from --vscode-editor-background');
  const badge = await light.locator('.mode-badge').evaluate((e) => getComputedStyle(e).backgroundColor);
  eq(badge, 'rgb(101, 45, 144)', 'kernel badge from --vscode-charts-purple');
  // A dirty page's pixel on the canvas is the theme's charts-red.
  const c = await cellPoint(light, '/var/log/app.log', 20);
  const rgb = await light.evaluate(({ x, y }) => {
    const cv = document.querySelector('.pm-canvas');
    const r = cv.getBoundingClientRect();
    const d = cv.getContext('2d').getImageData(Math.round(x - r.left), Math.round(y - r.top), 1, 1).data;
    return [d[0], d[1], d[2]];
  }, c);
  eq(rgb, [0xe5, 0x14, 0x00], 'dirty page drawn in charts-red');
  await shot(light, 'panel-light');
  await send(light, { type: 'state', state: midRead });
  await shot(light, 'mid-read-light');
  await light.locator('.card-diagram').screenshot({ path: join(OUT, 'diagram-light.png') });
  await selectTab(light, 'compare');
  await shot(light, 'compare-light');
  eq(await light.evaluate(() => window.__cspViolations), [], 'CSP violations');
});
await test('theme switch at run time redraws canvases with the new colours', async () => {
  await selectTab(light, 'pagecache');
  await send(light, { type: 'state', state: writeback });
  await light.evaluate(() => {
    document.documentElement.dataset.theme = 'dark';
    document.body.className = 'vscode-dark';
  });
  await light.waitForTimeout(50);
  await light.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  const c = await cellPoint(light, '/var/log/app.log', 20);
  const rgb = await light.evaluate(({ x, y }) => {
    const cv = document.querySelector('.pm-canvas');
    const r = cv.getBoundingClientRect();
    const d = cv.getContext('2d').getImageData(Math.round(x - r.left), Math.round(y - r.top), 1, 1).data;
    return [d[0], d[1], d[2]];
  }, c);
  eq(rgb, [0xf1, 0x4c, 0x4c], 'dirty page now in the dark theme red');
});
await light.context().close();

// ---------- narrow side panel ----------
const narrow = await openPanel('dark', 400, 900);
await test('narrow (400 px): one column, nothing wider than the panel', async () => {
  await send(narrow, { type: 'compare', result: compare });
  await send(narrow, { type: 'state', state: writeback });
  const overflow = await narrow.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert(overflow <= 0, `horizontal overflow ${overflow}px`);
  const cols = await narrow.locator('.live').evaluate((e) => getComputedStyle(e).gridTemplateColumns.split(' ').length);
  eq(cols, 1, 'single column');
  await shot(narrow, 'narrow-dark');
  await shot(narrow, 'narrow-top-dark', { fullPage: false });
  await narrow.locator('.card-diagram').screenshot({ path: join(OUT, 'narrow-diagram-dark.png') });
  await selectTab(narrow, 'compare');
  const overflow2 = await narrow.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert(overflow2 <= 0, `compare overflows by ${overflow2}px`);
  await shot(narrow, 'narrow-compare-dark');
  eq(pageErrors, [], 'page errors');
});
await narrow.context().close();

// ---------- the brief's exact CSP ----------
const strictPage = await openPanel('dark', 1200, 1000, true);
await test('exact strict CSP (style-src origin only): the only violation is the toolkit\'s empty probe <style>', async () => {
  await send(strictPage, { type: 'compare', result: compare });
  await send(strictPage, { type: 'state', state: writeback });
  await selectTab(strictPage, 'memory');
  await selectTab(strictPage, 'pagecache');
  const v = await strictPage.evaluate(() => window.__cspViolations);
  assert(v.every((x) => x === 'style-src-elem inline '), `unexpected violations: ${JSON.stringify(v)}`);
  assert(v.length <= 1, `probe reported once, got ${v.length}`);
  // Everything is still styled: the toolkit's styles are adopted stylesheets, ours a <link>.
  const h = await strictPage.locator('vscode-button').first().evaluate((e) => getComputedStyle(e).display);
  assert(h !== 'inline', 'toolkit button styled');
  notes.push(`strict CSP without a style nonce: ${v.length} violation(s), FAST's empty :focus-visible probe (microsoft/vscode-webview-ui-toolkit#545)`);
  pageErrors.splice(0, pageErrors.length, ...pageErrors.filter((e) => !e.includes('Applying inline style violates')));
});
await strictPage.context().close();

await browser.close();
server.close();

// The screenshot for the README/marketplace: the dark panel during writeback, with a busy page cache. Only on
// request (UPDATE_SCREENSHOTS=1): a test run must not rewrite tracked files.
if (failed === 0 && process.env.UPDATE_SCREENSHOTS === '1' && existsSync(join(OUT, 'pagecache-dark.png'))) {
  mkdirSync(join(root, 'media', 'screenshots'), { recursive: true });
  copyFileSync(join(OUT, 'pagecache-dark.png'), join(root, 'media', 'screenshots', 'panel.png'));
}
for (const n of notes) console.log(n);
console.log(`screenshots in ${OUT}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
