/**
 * The I/O Machine panel. It draws what the host sends — a MachineState at the current trace position, a
 * comparison of transfer methods, the answer to "why is this page in this state" — and never simulates.
 *
 * Rendering: messages only record the latest state; drawing happens in the next animation frame, so a burst of
 * states (a fast "continue") costs one render, and every section updates its DOM in place (keyed) rather than
 * rebuilding it, which is what keeps stepping free of flicker.
 */
import type { MachineState, PanelPage, ToPanel } from '../src/shared/messages';
import { ComparePane } from './compare';
import { Diagram } from './diagram';
import { el, setText, toggleClass } from './dom';
import { formatCount, formatNs } from './format';
import { HexPane } from './hexView';
import { loadPanelState, post, savePanelState } from './host';
import type { PanelState } from './host';
import { PageMap } from './pageMap';
import { Registers } from './registers';
import { onThemeChange, watchTheme } from './theme';
import { Timeline } from './timeline';
import { TAG, onTabChange, registerToolkit, setActiveTab } from './toolkit';

registerToolkit();

const TABS = [
  { id: 'pagecache', title: 'Page cache' },
  { id: 'memory', title: 'Memory' },
  { id: 'compare', title: 'Compare methods' },
] as const;

/** Read by test/webview/run.mjs: how many renders have happened, and where a page's cell is. */
interface TestHooks {
  renders: number;
  /** Time of the last whole render (all sections), ms. */
  lastRenderMs: number;
  pageCell?: (path: string, index: number) => { x: number; y: number } | null;
}

class Panel {
  private readonly saved: PanelState;
  private readonly status: HTMLElement;
  private readonly modeBadge: HTMLElement;
  private readonly statusCall: HTMLElement;
  private readonly statusPos: HTMLElement;
  private readonly emptyNotice: HTMLElement;
  private readonly endedNotice: HTMLElement;
  private readonly exampleNotice: HTMLElement;
  private readonly exampleTitle: HTMLElement;
  private readonly live: HTMLElement;
  private readonly tabs: HTMLElement;
  private readonly noSession: HTMLElement[] = [];
  private readonly liveViews: HTMLElement[] = [];
  private readonly diagram = new Diagram();
  private readonly registers = new Registers();
  private readonly timeline = new Timeline();
  private readonly hex = new HexPane();
  private readonly pageMap: PageMap;
  private readonly compare: ComparePane;
  private pending: MachineState | null = null;
  private rendered: MachineState | null = null;
  private frameQueued = false;
  private lastWhy: PanelPage | null = null;
  /** The tab this code selected, to tell its own 'change' events from the person's. */
  private programmaticTab: string | null = null;
  private readonly hooks: TestHooks = { renders: 0, lastRenderMs: 0 };

  constructor(private readonly root: HTMLElement) {
    this.saved = loadPanelState();
    (window as unknown as { __iomPanel: TestHooks }).__iomPanel = this.hooks;

    this.status = el('header', 'status');
    this.modeBadge = el('span', 'mode-badge');
    this.modeBadge.title = 'The CPU mode at this position';
    this.statusCall = el('code', 'status-call');
    this.statusPos = el('span', 'status-pos');
    this.status.append(this.modeBadge, this.statusCall, this.statusPos);

    this.emptyNotice = el('div', 'notice notice-empty');
    this.emptyNotice.append(
      el('strong', '', 'No debug session. '),
      document.createTextNode(
        'Start debugging an .iosim file (F5) to watch bytes move from the disk through the page cache to the network, ' +
          'step by step and backwards. Meanwhile, compare the transfer methods below.',
      ),
    );
    this.endedNotice = el('div', 'notice notice-ended', 'The debug session has ended. This is its last state.');
    this.exampleNotice = el('div', 'notice notice-example');
    this.exampleTitle = el('strong');
    this.exampleNotice.append(
      el('strong', '', 'No debug session: an example. '),
      this.exampleTitle,
      document.createTextNode(' Press F5 on an .iosim file (or a .strace log) to debug your own, step by step and backwards.'),
    );

    this.live = el('div', 'live');
    this.live.append(
      card('Machine', 'card-diagram', this.diagram.root),
      card('CPU', 'card-cpu', this.registers.root),
      card('Timeline', 'card-timeline', this.timeline.root),
    );

    this.pageMap = new PageMap(
      this.saved.selectedFile,
      (path) => {
        this.saved.selectedFile = path;
        savePanelState(this.saved);
      },
      (t) => {
        this.lastWhy = t;
      },
    );
    this.hooks.pageCell = (path, index) => this.pageMap.cellClientCenter(path, index);
    this.compare = new ComparePane(this.saved.compareForm, (f) => {
      this.saved.compareForm = f;
      savePanelState(this.saved);
    });

    this.tabs = document.createElement(TAG.panels);
    this.tabs.className = 'tabs';
    const views: Record<string, HTMLElement> = { pagecache: this.pageMap.root, memory: this.hex.root, compare: this.compare.root };
    for (const t of TABS) {
      const tab = document.createElement(TAG.panelTab);
      tab.id = `tab-${t.id}`;
      tab.textContent = t.title;
      this.tabs.append(tab);
    }
    for (const t of TABS) {
      const view = document.createElement(TAG.panelView);
      view.id = `view-${t.id}`;
      view.className = 'tab-view';
      const inner = el('div', 'tab-inner');
      if (t.id !== 'compare') {
        const none = el('div', 'muted no-session', 'Nothing to show until a debug session starts.');
        this.noSession.push(none);
        inner.append(none);
        this.liveViews.push(views[t.id]);
      }
      inner.append(views[t.id]);
      view.append(inner);
      this.tabs.append(view);
    }
    onTabChange(this.tabs, (id) => {
      const tab = id.replace(/^tab-/, '');
      if (id === this.programmaticTab) return;
      this.programmaticTab = null;
      this.saved.tab = tab;
      savePanelState(this.saved);
    });

    root.append(this.status, this.emptyNotice, this.exampleNotice, this.endedNotice, this.live, this.tabs);

    this.selectTab(this.saved.tab ?? (this.saved.machine ? 'pagecache' : 'compare'));
    if (this.saved.compare) this.compare.show(this.saved.compare);
    if (this.saved.why) {
      const w = this.saved.why;
      this.lastWhy = w.index >= 0 ? { path: w.path, index: w.index } : null;
      this.pageMap.showWhy(this.lastWhy, w.text);
    }
    this.pending = this.saved.machine;
    this.applySessionVisibility();
    if (this.pending) this.queueRender();

    window.addEventListener('message', (e: MessageEvent<unknown>) => this.onMessage(e.data));
    onThemeChange(() => {
      // Canvas colours were resolved from the old theme.
      this.rendered = null;
      this.pending = this.saved.machine;
      this.queueRender();
    });
    watchTheme();
    post({ type: 'ready' });
  }

  private selectTab(id: string): void {
    this.programmaticTab = `tab-${id}`;
    setActiveTab(this.tabs, `tab-${id}`);
  }

  private onMessage(data: unknown): void {
    if (!data || typeof data !== 'object' || typeof (data as { type?: unknown }).type !== 'string') return;
    const msg = data as ToPanel;
    switch (msg.type) {
      case 'state':
        if (!msg.state) return;
        if (!this.saved.machine && this.saved.tab === null) this.selectTab('pagecache');
        this.saved.machine = msg.state;
        this.saved.ended = false;
        this.saved.example = null;
        this.pending = msg.state;
        this.applySessionVisibility();
        this.queueRender();
        break;
      case 'example':
        // A real session's state always wins over the example.
        if (!msg.state || (this.saved.machine && this.saved.example === null)) return;
        this.saved.machine = msg.state;
        this.saved.ended = false;
        this.saved.example = msg.title;
        this.pending = msg.state;
        this.applySessionVisibility();
        this.queueRender();
        break;
      case 'sessionEnded':
        this.saved.ended = true;
        this.applySessionVisibility();
        break;
      case 'compare':
        this.saved.compare = msg.result;
        this.compare.show(msg.result);
        // Advice on a log's loop was asked for from the editor: show it.
        if (msg.result.advice) {
          this.selectTab('compare');
          // Once the tab has been laid out: the tabs sit below the machine's picture, out of sight in a short panel.
          requestAnimationFrame(() => requestAnimationFrame(() => this.compare.root.scrollIntoView({ block: 'start' })));
        }
        break;
      case 'whyResult':
        this.saved.why = this.lastWhy ? { ...this.lastWhy, text: msg.text } : { path: '', index: -1, text: msg.text };
        this.pageMap.showWhy(this.lastWhy, msg.text);
        break;
      default:
        return;
    }
    savePanelState(this.saved);
  }

  private applySessionVisibility(): void {
    const has = this.saved.machine !== null;
    this.emptyNotice.hidden = has;
    this.live.hidden = !has;
    this.status.hidden = !has;
    for (const n of this.noSession) n.hidden = has;
    for (const v of this.liveViews) v.hidden = !has;
    this.endedNotice.hidden = !(has && this.saved.ended);
    this.exampleNotice.hidden = !(has && this.saved.example !== null);
    this.exampleTitle.textContent = this.saved.example ?? '';
    toggleClass(this.root, 'session-ended', has && this.saved.ended);
  }

  private queueRender(): void {
    if (this.frameQueued) return;
    this.frameQueued = true;
    requestAnimationFrame(() => {
      this.frameQueued = false;
      const s = this.pending;
      this.pending = null;
      if (s) this.render(s);
    });
  }

  private render(s: MachineState): void {
    const t0 = performance.now();
    const prev = this.rendered;
    setText(this.modeBadge, s.mode === 'kernel' ? 'kernel mode' : 'user mode');
    this.modeBadge.className = `mode-badge mode-${s.mode}`;
    setText(this.statusCall, s.operation ? s.operation.call : s.position < 0 ? 'not started' : '');
    setText(
      this.statusPos,
      (s.position < 0 ? 'before the first event' : `event ${formatCount(s.position)} of ${formatCount(s.length)}`) +
        ` · ${formatNs(s.timeNs)}` +
        (s.thread ? ` · thread ${s.thread}` : '') +
        (s.ended ? ' · program finished' : ''),
    );
    this.diagram.update(s, prev);
    this.registers.update(s);
    this.timeline.update(s);
    this.hex.update(s.hex);
    this.pageMap.update(s);
    this.rendered = s;
    this.hooks.lastRenderMs = performance.now() - t0;
    this.hooks.renders++;
  }
}

function card(title: string, cls: string, body: HTMLElement): HTMLElement {
  const sec = el('section', `card ${cls}`);
  sec.append(el('h2', 'card-title', title), body);
  return sec;
}

function start(): void {
  const root = document.getElementById('app') ?? document.body.appendChild(el('div'));
  root.id = 'app';
  new Panel(root);
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
