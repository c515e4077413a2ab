// The end-to-end story, in a real VS Code (code-server in Chromium) with the VSIX installed: what the person this
// extension is built for does, stage by stage, asserting on what is on screen. Run by scripts/e2e.mjs
// (`npm run e2e`), which installs everything, opens a copy of examples/ and hands each stage
// { wb, page, ws, ctx, shot, note }: the workbench helpers (scripts/e2e/workbench.mjs), the Playwright page, the
// workspace folder, state shared between stages, `shot(name, { readme })` which saves a screenshot of the window
// (`readme` names its copy in media/screenshots/), and `note(text)` for what a person would notice but is not
// a failure. Stages run in order; each starts where the one before it left the window.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { E2EFailure, eventually, eventuallyText, sleep } from '../../scripts/e2e/harness.mjs';

/** 1-based number of the first line of `file` that matches `re`. */
function lineOf(ws, file, re) {
  const lines = readFileSync(join(ws, file), 'utf8').split('\n');
  const i = lines.findIndex((l) => re.test(l));
  if (i < 0) throw new Error(`${file} has no line matching ${re}`);
  return i + 1;
}

/** The session is stopped and the Call Stack's top frame reads `top` (a RegExp). */
async function waitForStop(wb, what, top, opts) {
  return eventually(what, `the Call Stack's top frame matching ${top}`, () => wb.callStack(), (t) => top.test(t.split('\n')[0] ?? ''), opts);
}

export const stages = [
  {
    name: 'the workbench opens the copy of examples/ and the extension is installed',
    async run({ wb, page }) {
      await eventuallyText('the Explorer lists the example scenarios', () => page.locator('.explorer-folders-view').innerText(), ['sendfile.iosim', 'page-cache-lru.iosim'], { timeout: 30_000 });
      // The Extensions view's "Installed" list shows the VSIX: search it as a person would.
      await wb.press('Control+Shift+X');
      const search = page.locator('.extensions-viewlet .suggest-input-container .monaco-editor').first();
      await search.click();
      await page.keyboard.type('@installed I/O Machine');
      await eventuallyText('the Extensions view lists the installed extension', () => page.locator('.extensions-viewlet .extensions-list').innerText(), ['I/O Machine Debugger'], { timeout: 30_000 });
      await wb.press('Control+Shift+E');
    },
  },
  {
    name: 'open the sendfile example: the scenario language is active',
    async run({ wb, shot }) {
      await wb.quickOpen('sendfile.iosim');
      await eventuallyText('the status bar shows the scenario language (contributed by the extension)', () => wb.statusBar(), ['I/O Machine Scenario']);
      await eventuallyText('the editor shows the scenario', () => wb.activeEditorText(), [/n = sendfile\(sock, fd, 0, 16KiB\)/]);
      await shot('01-scenario-open');
    },
  },
  {
    name: 'set a breakpoint on the sendfile line (F9)',
    async run({ wb, ws, ctx }) {
      ctx.sendfileLine = lineOf(ws, 'sendfile.iosim', /^n = sendfile\(/);
      ctx.openLine = lineOf(ws, 'sendfile.iosim', /^fd = open\(/);
      await wb.goToLine(ctx.sendfileLine);
      await wb.press('F9');
      await eventually('the breakpoint shows in the gutter', `a red breakpoint dot on line ${ctx.sendfileLine}`,
        () => wb.gutterLines(['debug-breakpoint', 'debug-breakpoint-unverified']),
        (t) => t.split(',').includes(String(ctx.sendfileLine)));
    },
  },
  {
    name: 'F5: the session starts and stops on entry; the I/O Machine panel opens',
    async run({ wb, page, ctx, shot }) {
      await wb.press('F5');
      await waitForStop(wb, 'the session stops on entry, at the first operation', new RegExp(`^main sendfile\\.iosim ${ctx.openLine}:1$`), { timeout: 30_000 });
      await eventually('the editor marks the open() line as the current one', `the current-line arrow on line ${ctx.openLine}`, () => wb.currentLineNumbers(), (t) => t === String(ctx.openLine));
      await eventuallyText('the Debug Console greets with the machine', () => wb.debugConsole(), ['I/O machine: 1 GiB RAM', 'NIC plain']);
      await eventuallyText('the I/O Machine panel opened beside the editor', () => wb.tabs(), ['I/O Machine']);
      await eventuallyText('the panel shows the machine at the start', () => wb.panelText('header.status'), [/user mode/i, /before the first event/]);
      await eventuallyText('the status bar shows the trace position', () => wb.statusBar(), ['#-1']);
      await eventuallyText('the Breakpoints view lists the line breakpoint', () => wb.breakpoints(), [`[x] sendfile.iosim ${ctx.sendfileLine}`]);
      // Room for the Variables view: the Watch view is empty in this story.
      await wb.setViewExpanded('Watch', false);
      await shot('02-stopped-on-entry');
    },
  },
  {
    name: 'F10 steps over open(): its strace line is printed, rax holds the descriptor',
    async run({ wb, ctx }) {
      await wb.press('F10');
      await waitForStop(wb, 'the step stops at the next operation (socket)', new RegExp(`^main sendfile\\.iosim ${ctx.openLine + 1}:1$`));
      await eventuallyText('the Debug Console shows the syscall as strace prints it', () => wb.debugConsole(), ['openat(AT_FDCWD, "/srv/index.html", O_RDONLY) = 3']);
      await eventuallyText('the Registers scope shows the return value in rax', () => wb.visibleVariables(), ['Scope Registers', 'mode, value user', 'rax, value 0x3 (3)']);
    },
  },
  {
    name: 'F5 continues to the breakpoint on sendfile',
    async run({ wb, ctx }) {
      await wb.press('F5');
      await waitForStop(wb, 'the session stops at the breakpoint', new RegExp(`^main sendfile\\.iosim ${ctx.sendfileLine}:1$`));
      await eventuallyText('the Call Stack\'s header says why it stopped', () => wb.callStackHeader(), [/^call stack breakpoint · position #\d+/i]);
      await eventuallyText('socket() ran on the way', () => wb.debugConsole(), ['socket(AF_INET, SOCK_STREAM, IPPROTO_TCP) = 4']);
    },
  },
  {
    name: 'F11 steps into sendfile: the generated kernel-path source opens; F10 walks it into kernel mode',
    async run({ wb, ctx, shot }) {
      await wb.press('F11');
      await waitForStop(wb, 'the step stops inside the syscall, at its entry', /^entry_SYSCALL_64 sendfile #2 \(kernel path\) \d+$/);
      await eventuallyText('the Call Stack has the kernel frame over the user frame', () => wb.callStack(), [/^sendfile \(line \d+\) sendfile\.iosim/m]);
      await eventuallyText('the kernel path is the active editor', () => wb.activeEditorTitle(), ['sendfile #2 (kernel path)']);
      await eventuallyText('the kernel path shows sendfile\'s route through the kernel', () => wb.activeEditorText(), ['kernel path of sendfile', 'do_sendfile', 'entry_SYSCALL_64', /page cache miss \/srv\/index\.html\[0\]/, 'nvme_irq']);
      ctx.entryKernelLine = (await wb.callStack()).split('\n')[0].match(/(\d+)$/)[1];
      await eventuallyText('at the syscall instruction: rax holds sendfile\'s number (40) and r10 the count', () => wb.visibleVariables(), ['rax, value 0x28 (40)', 'r10, value 0x4000 (16384)']);
      await wb.press('F10');
      await waitForStop(wb, 'F10 inside a kernel path goes to its next line', /^do_syscall_64 sendfile #2 \(kernel path\) \d+$/);
      await eventuallyText('the Registers scope says kernel mode', () => wb.visibleVariables(), ['mode, value kernel']);
      await eventuallyText('the panel says kernel mode', () => wb.panelText('header.status'), [/kernel mode/i, /sendfile\(/]);
      await eventually('the editor marks the kernel path\'s current line', `the current-line arrow on line ${Number(ctx.entryKernelLine) + 1}`, () => wb.currentLineNumbers(), (t) => t === String(Number(ctx.entryKernelLine) + 1));
      await shot('03-step-into-kernel-path', { readme: 'step-into-kernel-path.png' });
    },
  },
  {
    name: 'step back, twice: to the syscall entry, then before the syscall in user mode',
    async run({ wb, ctx, note }) {
      // VS Code has no "Debug: Step Back" in the command palette (only the debug toolbar offers it) and no key
      // for it; the palette is tried first as a person would, then the toolbar's button.
      let palette = true;
      const stepBack = async () => {
        if (palette && (await wb.runCommand('Debug: Step Back'))) return 'command palette';
        palette = false;
        const labels = await wb.debugToolbarLabels();
        if (!/Step Back/.test(labels)) throw new E2EFailure('the debug toolbar offers Step Back (the adapter supports stepping back)', 'a "Step Back" button', labels);
        await wb.debugToolbarButton('Step Back').click();
        return 'debug toolbar';
      };
      if ((await stepBack()) !== 'command palette') note('"Debug: Step Back" is not in VS Code\'s command palette (1.99 offers it only on the debug toolbar, with no key): the toolbar button was used');
      await waitForStop(wb, 'one step back returns to the syscall entry', /^entry_SYSCALL_64 sendfile #2 \(kernel path\) \d+$/);
      await eventuallyText('the Registers scope is back in user mode', () => wb.visibleVariables(), ['mode, value user', 'rax, value 0x28 (40)']);
      await stepBack();
      await waitForStop(wb, 'a second step back returns to the sendfile line, before the call', new RegExp(`^main sendfile\\.iosim ${ctx.sendfileLine}:1$`));
      await eventuallyText('the user source is active again', () => wb.activeEditorTitle(), ['sendfile.iosim']);
      await eventuallyText('the panel says user mode', () => wb.panelText('header.status'), [/user mode/i]);
    },
  },
  {
    name: 'Breakpoints view: "+" adds a function breakpoint on write; the page-cache-eviction filter is checked',
    async run({ wb, page, shot }) {
      await wb.viewAction('Breakpoints', 'Add Function Breakpoint');
      const input = page.locator('.debug-breakpoints .monaco-inputbox input');
      await input.waitFor({ state: 'visible', timeout: 10_000 });
      await page.keyboard.type('write');
      await wb.press('Enter');
      await eventuallyText('the function breakpoint is listed and verified by the adapter', () => wb.breakpoints(), ['[x] write (function, verified)']);
      const row = page.locator('.debug-breakpoints .monaco-list-row', { hasText: 'Page-cache eviction' });
      await eventually('the adapter\'s exception filters are listed', 'a "Page-cache eviction" row', () => row.count(), (n) => n > 0);
      await row.locator('input[type=checkbox]').click();
      await eventuallyText('the eviction filter is checked', () => wb.breakpoints(), ['[x] Page-cache eviction', '[ ] DMA interrupt', '[ ] Writeback']);
      await shot('04-breakpoints-view', { readme: 'breakpoints-view.png' });
    },
  },
  {
    name: 'stop, open the LRU example, F5: entry, then F5 runs to the first eviction',
    async run({ wb, page, ws, ctx, shot, note }) {
      await wb.press('Shift+F5');
      await eventually('the session ends', 'no debug toolbar', () => page.locator('.debug-toolbar').isVisible(), (v) => !v);
      await eventuallyText('the panel says the session ended', () => wb.panelText('.notice-ended'), ['debug session has ended']);
      await wb.quickOpen('page-cache-lru.iosim');
      ctx.lruFirstLine = lineOf(ws, 'page-cache-lru.iosim', /^buf = alloc\(/);
      ctx.lruReadLine = lineOf(ws, 'page-cache-lru.iosim', /^\s+read\(cold, buf, 64KiB\)/);
      await wb.press('F5');
      await waitForStop(wb, 'the LRU session stops on entry', new RegExp(`^main page-cache-lru\\.iosim ${ctx.lruFirstLine}:1$`), { timeout: 30_000 });
      await eventuallyText('the filters carried over to the new session', () => wb.breakpoints(), ['[x] Page-cache eviction', '[x] write (function, verified)']);
      await wb.press('F5');
      await waitForStop(wb, 'the session stops at the eviction, inside read()\'s kernel path', /^shrink_folio_list.*read #\d+ \(kernel path\)/);
      await eventuallyText('the Call Stack leads from the kernel back to the read() in Part 2', () => wb.callStack(), [new RegExp(`^read \\(line ${ctx.lruReadLine}\\) page-cache-lru\\.iosim ${ctx.lruReadLine}$`, 'm')]);
      // VS Code 1.99 does not show the exception widget when the stop opens a source it had not opened before
      // (here the generated kernel path); clicking the top frame, as a person would, shows it.
      const widget = ['page-cache-eviction', 'page /var/log/big.log[0] evicted: reclaim (LRU)'];
      try {
        await eventuallyText('the exception widget names the filter and the evicted page', () => wb.exceptionWidget(), widget, { timeout: 3000 });
      } catch {
        note('the exception widget appeared only after clicking the top frame in the Call Stack (VS Code does not show it when the stop opens a new source)');
        await page.locator('.debug-call-stack .monaco-list-row').first().click();
        await eventuallyText('the exception widget names the filter and the evicted page (after clicking the top frame)', () => wb.exceptionWidget(), widget);
      }
      // The position is an event index: it depends on how coarse events are (a run of pages is one event), so the
      // stage keeps it and the panel's stage checks that the panel shows the same one.
      const header = await eventuallyText('the Call Stack\'s header says an event breakpoint stopped it', () => wb.callStackHeader(), [/event breakpoint · position #\d+/i]);
      ctx.evictionPosition = Number(/position #(\d+)/i.exec(header)[1]);
      await eventuallyText('the function breakpoint on write did not stop anything: the program reads only', () => wb.debugConsole(), [/read\(4<\/var\/log\/big\.log>/]);
      await shot('05-eviction-stop', { readme: 'eviction-stop.png' });
    },
  },
  {
    name: 'Variables view: Registers, then Page Cache with the evicted page gone from big.log',
    async run({ wb, ctx, shot }) {
      await eventuallyText('the Registers scope shows the read() in kernel mode', () => wb.visibleVariables(), ['Scope Registers', 'mode, value kernel', `pc, value line ${ctx.lruReadLine}`, 'rdi, value 0x4 (4)', 'rdx, value 0x10000 (65536)']);
      await wb.setTreeRowExpanded('.debug-variables', 'Scope Registers', false);
      await wb.setTreeRowExpanded('.debug-variables', 'Scope Page Cache', true);
      await wb.setTreeRowExpanded('.debug-variables', '/var/log/big.log', true);
      // Reclaim made room for the whole 16-page readahead window at once (as shrink_folio_list takes a batch), so
      // the stop on the first eviction already shows pages 0-15 of big.log gone: 96 pages, one chunk in VS Code.
      const rows = await wb.walkTree('.debug-variables', 'capacity, value', 40);
      const text = rows.join('\n');
      const want = ['Scope Page Cache', 'capacity, value 128 pages (512 KiB)', 'used, value 112 pages', '/var/log/big.log, value 96 of 512 pages cached'];
      for (const w of want) if (!text.includes(w)) throw new E2EFailure('the Page Cache scope shows the full cache and big.log', want.join(' / '), text);
      // The evicted pages are the ones missing: big.log's cached pages now start at [16].
      const big = rows.findIndex((r) => r.startsWith('/var/log/big.log'));
      const firstPage = rows.slice(big + 1).find((r) => /^\[\d+\],/.test(r));
      if (!firstPage || !firstPage.startsWith('[16],')) throw new E2EFailure('pages 0-15 of big.log (just evicted) are no longer in the page cache', 'the first cached page of /var/log/big.log to be [16]', text);
      await wb.setTreeRowExpanded('.debug-variables', 'Scope Page Cache', false);
      await wb.setTreeRowExpanded('.debug-variables', 'Scope Counters', true);
      const counters = (await wb.walkTree('.debug-variables', 'syscalls, value', 40)).join('\n');
      if (!counters.includes('evictions, value 16')) throw new E2EFailure('the Counters scope counts the evictions', 'evictions, value 16', counters);
      await wb.setTreeRowExpanded('.debug-variables', 'Scope Counters', false);
      await wb.setTreeRowExpanded('.debug-variables', 'Scope Page Cache', true);
      await wb.page.locator('.debug-variables .monaco-list-row[aria-label^="capacity, value"]').first().click();
      await shot('06-variables-page-cache', { readme: 'variables-page-cache.png' });
    },
  },
  {
    name: 'Debug Console: cachestat and why the page left',
    async run({ wb, shot }) {
      await wb.evaluateInConsole('cachestat', ['HITS', 'MISSES', 'HITRATIO', /\n\s*81\s+32\s+0\s+71\.68%/], '`cachestat` prints the hit and miss counts so far');
      await wb.evaluateInConsole('why /var/log/big.log 0', ['why /var/log/big.log page 0:', 'page cache miss /var/log/big.log[0]', 'evicted: reclaim (LRU)', 'memory pressure'], '`why` explains how page 0 got in and why it was evicted');
      await shot('07-debug-console', { readme: 'debug-console.png' });
    },
  },
  {
    name: 'the I/O Machine panel: the page-cache map shows the eviction',
    async run({ wb, page, ctx, shot }) {
      const panel = wb.panel();
      await eventuallyText('the panel shows the stop', () => wb.panelText('header.status'), [/kernel mode/i, /read\(4<\/var\/log\/big\.log>, 0x10000000, 65536\)/, new RegExp(`event ${ctx.evictionPosition} of \\d+`)]);
      await eventuallyText('the page-cache tab is selected', () => panel.locator('[aria-selected="true"]').first().innerText(), [/page cache/i]);
      await eventuallyText('the map\'s counts: 16 active (index.html), 96 inactive (big.log), room made for the next window', () => wb.panelText('.pm-stats'), ['Cached 112 of 128 pages', 'Active(file) 16', 'Inactive(file) 96']);
      await eventuallyText('the legend counts the sixteen just-evicted pages', () => panel.locator('.pm-legend-item', { hasText: 'just evicted' }).innerText(), [/just evicted\s*16$/]);
      const ms = await panel.locator('body').evaluate(() => window.__lastPageMapRenderMs);
      if (typeof ms !== 'number') throw new E2EFailure('the page map was drawn', 'window.__lastPageMapRenderMs to be a number', String(ms));
      // More room for the panel, as a person would make it: hide the side bar and the bottom panel.
      await wb.press('Control+B');
      await wb.press('Control+J');
      await eventually('the side bar and the bottom panel are hidden', 'no Variables view and no Debug Console', async () =>
        (await page.locator('.debug-variables').isVisible()) || (await page.locator('.repl').isVisible()), (v) => !v, { timeout: 10_000 });
      // Point at the evicted page on the canvas: the tooltip names its state.
      const canvas = panel.locator('canvas.pm-canvas');
      const cell = () => canvas.evaluate((c) => {
        const p = window.__iomPanel?.pageCell?.('/var/log/big.log', 0);
        if (!p) return null;
        const r = c.getBoundingClientRect();
        return { x: Math.round(p.x - r.left), y: Math.round(p.y - r.top), w: Math.round(r.width) };
      });
      // The map is redrawn for the wider panel; wait until its layout has settled.
      let prev = null;
      const at = await eventually('the page map has a cell for /var/log/big.log page 0', 'a stable cell position from __iomPanel.pageCell', async () => {
        await sleep(250);
        const now = await cell();
        const same = now && prev && now.x === prev.x && now.y === prev.y && now.w === prev.w;
        prev = now;
        return same ? now : null;
      }, (v) => v !== null);
      await canvas.scrollIntoViewIfNeeded();
      await canvas.hover({ position: at });
      await eventuallyText('hovering the cell shows the page as just evicted', () => wb.panelText('.pagemap .tooltip'), ['/var/log/big.log', 'page 0', 'just evicted']);
      await canvas.click({ position: at });
      await eventuallyText('clicking the cell asks why: the answer appears in the panel', () => wb.panelText('.pagemap .why'), ['/var/log/big.log, page 0', 'evicted: reclaim (LRU)']);
      await canvas.hover({ position: at });
      await sleep(200);
      await shot('08-panel-page-cache-map', { readme: 'panel-page-cache-map.png' });
      await wb.press('Control+B');
      await wb.press('Control+J');
    },
  },
  {
    name: 'Shift+F5 ends the session; the panel keeps its last state',
    async run({ wb, page }) {
      await wb.press('Shift+F5');
      await eventually('the session ends', 'no debug toolbar', () => page.locator('.debug-toolbar').isVisible(), (v) => !v);
      await eventuallyText('the panel says the session ended and keeps the last map', () => wb.panelText('body'), ['debug session has ended', 'Cached 112 of 128 pages']);
    },
  },
];
