// What a person sees and does in the VS Code workbench (code-server in Chromium), as small functions over a
// Playwright page. Selectors are VS Code 1.99's DOM; each reader returns plain text so a failure can show it.
import { E2EFailure, eventually, eventuallyText, sleep } from './harness.mjs';

/** Monaco renders spaces as no-break spaces. */
const nbsp = (s) => s.replace(/\u00a0/g, ' ');

export class Workbench {
  constructor(page) {
    this.page = page;
  }

  // ───────────── reading ─────────────

  /** The Call Stack view's rows, e.g. ["main sendfile.iosim 19:1"]. */
  async callStack() {
    const rows = await this.page.locator('.debug-call-stack .monaco-list-row').allInnerTexts();
    return rows.map((r) => r.replace(/\s*\n\s*/g, ' ').trim()).filter(Boolean).join('\n');
  }

  /** The Call Stack view's header: it shows why the session stopped ("breakpoint · position #7 · 200 ns"). */
  async callStackHeader() {
    return (await this.page.locator('.pane-header', { hasText: /call stack/i }).first().innerText()).replace(/\s+/g, ' ').trim();
  }

  /** The Debug Console's output, one entry per line group. */
  async debugConsole() {
    const rows = await this.page.locator('.repl .monaco-list-row').allInnerTexts();
    return nbsp(rows.map((r) => r.replace(/\n+$/, '')).join('\n'));
  }

  /** The open editor tabs; the active one marked with a leading '*'. */
  async tabs() {
    return this.page.locator('.tabs-container .tab').evaluateAll((ts) => ts.map((t) => (t.classList.contains('active') ? '*' : '') + t.innerText.trim()).join('\n'));
  }

  /** The active editor group's active tab title. */
  async activeEditorTitle() {
    return (await this.page.locator('.editor-group-container.active .tabs-container .tab.active').first().innerText()).trim();
  }

  /** The visible text lines of the active editor. */
  async activeEditorText() {
    return nbsp(await this.page.locator('.editor-group-container.active .monaco-editor .view-lines').first().innerText());
  }

  /**
   * Line numbers of the active editor whose gutter shows a glyph with one of these codicon classes (breakpoints,
   * the current-frame arrow). Glyphs and line numbers are separate layers: they are matched by their position.
   */
  async gutterLines(classes) {
    return this.page.locator('.editor-group-container.active .monaco-editor').first().evaluate((ed, cls) => {
      const nums = [...ed.querySelectorAll('.line-numbers')].map((n) => ({ n: n.textContent.trim(), r: n.getBoundingClientRect() }));
      const out = new Set();
      for (const g of ed.querySelectorAll(cls.map((c) => `.codicon-${c}`).join(','))) {
        const r = g.getBoundingClientRect();
        const mid = r.top + r.height / 2;
        const hit = nums.find((x) => mid >= x.r.top && mid < x.r.bottom);
        if (hit) out.add(hit.n);
      }
      return [...out].sort((a, b) => a - b).join(',');
    }, classes);
  }

  /** The line numbers where the active editor shows the current (top) stack frame. */
  async currentLineNumbers() {
    return this.gutterLines(['debug-stackframe', 'debug-breakpoint-stackframe']);
  }

  async statusBar() {
    return (await this.page.locator('.statusbar-item').allInnerTexts()).map((s) => s.trim()).filter(Boolean).join(' | ');
  }

  /** Rows of the Breakpoints view: "[x] Page-cache eviction", "[x] write (function, verified)". */
  async breakpoints() {
    return this.page.locator('.debug-breakpoints .monaco-list-row').evaluateAll((rows) =>
      rows.map((r) => {
        const box = r.querySelector('input[type=checkbox]');
        const icon = r.querySelector('.breakpoint > .codicon');
        const cls = icon ? icon.className : '';
        const kind = /function/.test(cls) ? ' (function' + (/unverified/.test(cls) ? ', unverified)' : ', verified)') : /unverified/.test(cls) ? ' (unverified)' : '';
        return `${box ? (box.checked ? '[x] ' : '[ ] ') : ''}${r.innerText.replace(/\s*\n\s*/g, ' ').trim()}${kind}`;
      }).join('\n'));
  }

  /** The Variables view's visible rows, as their accessible labels ("rax, value 0x3 (3)"). */
  async visibleVariables() {
    const rows = await this.page.locator('.debug-variables .monaco-list-row').evaluateAll((rs) => rs.map((r) => r.getAttribute('aria-label') ?? r.innerText));
    return rows.join('\n');
  }

  /** The debug hover/exception widget text in the editor. */
  async exceptionWidget() {
    const w = this.page.locator('.exception-widget');
    return (await w.count()) ? (await w.first().innerText()) : '';
  }

  // ───────────── doing ─────────────

  async press(key) {
    await this.page.keyboard.press(key);
  }

  /** Ctrl+P, type a file name, Enter; waits until it is the active tab. */
  async quickOpen(fileName) {
    const input = this.page.locator('.quick-input-widget .quick-input-box input');
    await this.press('Control+P');
    await input.waitFor({ state: 'visible', timeout: 10_000 });
    await input.fill(fileName);
    await eventuallyText(`Quick Open lists ${fileName}`, () => this.page.locator('.quick-input-list .monaco-list-row').first().innerText(), [fileName], { timeout: 10_000 });
    await this.press('Enter');
    await eventuallyText(`${fileName} is the active editor`, () => this.activeEditorTitle(), [fileName]);
    // Focus the text so the next shortcut goes to the editor.
    await this.page.locator('.editor-group-container.active .monaco-editor .view-lines').first().click({ position: { x: 400, y: 5 } });
  }

  /** F1, type the command's title, run the item with exactly that title. False if the palette does not list it. */
  async runCommand(title) {
    const input = this.page.locator('.quick-input-widget .quick-input-box input');
    await this.press('F1');
    await input.waitFor({ state: 'visible', timeout: 10_000 });
    await input.fill(`>${title}`);
    const row = this.page.locator('.quick-input-list .monaco-list-row', { has: this.page.locator('.label-name', { hasText: title }) });
    try {
      await eventually(`the command palette lists "${title}"`, title, async () => (await row.count()) > 0, (n) => n, { timeout: 1500 });
    } catch {
      await this.press('Escape');
      return false;
    }
    const labels = await this.page.locator('.quick-input-list .monaco-list-row .label-name').allInnerTexts();
    const i = labels.findIndex((l) => l.trim() === title);
    if (i < 0) {
      await this.press('Escape');
      return false;
    }
    await this.page.locator('.quick-input-list .monaco-list-row').nth(i).click();
    return true;
  }

  /** Ctrl+G, line, Enter: the cursor goes to that line of the active editor. */
  async goToLine(line) {
    await this.press('Control+G');
    const input = this.page.locator('.quick-input-widget .quick-input-box input');
    await input.waitFor({ state: 'visible', timeout: 10_000 });
    await input.fill(`:${line}`);
    await sleep(150);
    await this.press('Enter');
    await eventuallyText(`the cursor is on line ${line}`, () => this.statusBar(), [`Ln ${line},`], { timeout: 10_000 });
  }

  /** A button of the floating debug toolbar, by its accessible label ("Step Back", "Continue (F5)"). */
  debugToolbarButton(labelStart) {
    return this.page.locator(`.debug-toolbar .action-item a[aria-label^="${labelStart}"]`);
  }

  async debugToolbarLabels() {
    return (await this.page.locator('.debug-toolbar .action-item a').evaluateAll((as) => as.map((a) => a.getAttribute('aria-label')))).join(', ');
  }

  /** Hovers a view's header (its actions only show then) and clicks the action with this label. */
  async viewAction(viewTitle, actionLabel) {
    const header = this.page.locator('.pane-header', { hasText: viewTitle }).first();
    await header.hover();
    const a = header.locator(`a[aria-label="${actionLabel}"]`);
    await a.waitFor({ state: 'visible', timeout: 10_000 });
    await a.click();
  }

  /** Collapses or expands a view of the sidebar by clicking its header. */
  async setViewExpanded(viewTitle, expanded) {
    const header = this.page.locator('.pane-header', { hasText: viewTitle }).first();
    const is = (await header.getAttribute('aria-expanded')) === 'true';
    if (is !== expanded) await header.click();
  }

  /** Types into the Debug Console's input and presses Enter; returns the console text that follows. */
  async evaluateInConsole(expression, patterns, what) {
    const input = this.page.locator('.repl-input-wrapper .monaco-editor');
    await input.click();
    await this.page.keyboard.type(expression);
    // Suggestions (the adapter completes commands and paths) must not eat the Enter.
    if (await this.page.locator('.repl-input-wrapper .suggest-widget.visible').count()) await this.press('Escape');
    await this.press('Enter');
    return eventuallyText(what, async () => {
      const all = await this.debugConsole();
      const i = all.lastIndexOf(expression);
      return i < 0 ? all : all.slice(i);
    }, [expression, ...patterns]);
  }

  /**
   * Reads a tree view (Variables) from its top by walking it with the keyboard: the list is virtual, so only the
   * rows in view exist in the DOM, and the focused row is always scrolled into view. `leafLabel` starts the label
   * of a row without children to click first (clicking an expandable row would toggle it).
   */
  async walkTree(containerSelector, leafLabel, maxRows) {
    const container = this.page.locator(containerSelector);
    await container.locator(`.monaco-list-row[aria-label^="${leafLabel}"]`).first().click();
    await this.press('Home');
    const seen = [];
    for (let i = 0; i < maxRows; i++) {
      await sleep(40);
      const label = await container.locator('.monaco-list-row.focused').first().getAttribute('aria-label', { timeout: 2000 }).catch(() => null);
      if (label === null || (seen.length && seen[seen.length - 1] === label)) break;
      seen.push(label);
      await this.press('ArrowDown');
    }
    await this.press('Home');
    return seen;
  }

  /** Clicks the twistie of a tree row whose label starts with `label` so that it is expanded / collapsed. */
  async setTreeRowExpanded(containerSelector, label, expanded) {
    const row = this.page.locator(`${containerSelector} .monaco-list-row[aria-label^="${label}"]`).first();
    await row.waitFor({ state: 'visible', timeout: 10_000 });
    if (((await row.getAttribute('aria-expanded')) === 'true') !== expanded) {
      await row.click();
      await eventually(`"${label}" is ${expanded ? 'expanded' : 'collapsed'}`, `aria-expanded=${expanded}`, () => row.getAttribute('aria-expanded'), (v) => v === String(expanded), { timeout: 10_000 });
    }
  }

  // ───────────── the I/O Machine panel (a webview: an iframe in an iframe) ─────────────

  panel() {
    return this.page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
  }

  async panelText(selector) {
    return (await this.panel().locator(selector).first().innerText()).replace(/\s+/g, ' ').trim();
  }

  assert(cond, what, expected, actual) {
    if (!cond) throw new E2EFailure(what, expected, actual);
  }
}
