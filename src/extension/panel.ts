/**
 * Hosts the I/O Machine panel: a webview with a strict CSP (nonce from crypto), resources only from dist/ and
 * media/, the latest machine state forwarded on every stop, and the panel's requests (seek, why, compare) sent on
 * to the debug session or answered here.
 */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { CheckView, CompareResult, FromPanel, MachineState, SEEK_REQUEST, ToPanel, WHY_REQUEST, WhyArgs, WhyResult } from '../shared/messages';
import { checkCompareArgs, comparison } from '../trace/compare';
import { Trace } from '../trace/trace';
import { Breakpoints } from '../debug/breakpoints';
import { noSuchFile } from '../debug/console';
import { DEBUGGER_COMPARE_LIMIT } from '../debug/customRequests';
import { Engine } from '../debug/engine';
import { machineState } from '../debug/inspect';
import { Ev } from '../machine/events';
import { loadProgramFile } from '../program/loadProgram';

export class PanelHost {
  static readonly viewType = 'iomachine.panel';
  private panel: vscode.WebviewPanel | null = null;
  private lastState: MachineState | null = null;
  private session: vscode.DebugSession | null = null;
  private lastCompare: CompareResult | null = null;
  private lastCheck: CheckView | null = null;
  /**
   * The session's files by path, from the states it sent: the panel names the page it asks about by path (what it
   * shows), the adapter by file id. Ids do not change within a session, and every file the panel can show is here.
   */
  private readonly fileIds = new Map<string, number>();

  constructor(private readonly context: vscode.ExtensionContext) {}

  open(preserveFocus = false): void {
    if (this.panel) {
      this.panel.reveal(undefined, preserveFocus);
      return;
    }
    const panel = vscode.window.createWebviewPanel(PanelHost.viewType, 'I/O Machine', { viewColumn: vscode.ViewColumn.Beside, preserveFocus }, this.options());
    this.attach(panel);
  }

  private options(): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return {
      enableScripts: true,
      retainContextWhenHidden: true,
      localResourceRoots: [vscode.Uri.joinPath(this.context.extensionUri, 'dist'), vscode.Uri.joinPath(this.context.extensionUri, 'media')],
    };
  }

  private attach(panel: vscode.WebviewPanel): void {
    this.panel = panel;
    panel.iconPath = vscode.Uri.joinPath(this.context.extensionUri, 'media', 'icon.png');
    panel.webview.options = this.options();
    panel.webview.html = this.html(panel.webview);
    panel.onDidDispose(() => {
      if (this.panel === panel) this.panel = null;
    });
    panel.webview.onDidReceiveMessage((m: FromPanel) => {
      this.onMessage(m).catch((e: unknown) => void vscode.window.showErrorMessage(vscode.l10n.t('I/O Machine panel: {0}', e instanceof Error ? e.message : String(e))));
    });
  }

  serializer(): vscode.WebviewPanelSerializer {
    return {
      deserializeWebviewPanel: async (panel: vscode.WebviewPanel) => {
        this.attach(panel);
      },
    };
  }

  private html(webview: vscode.Webview): string {
    const nonce = randomBytes(16).toString('base64');
    const script = webview.asWebviewUri(vscode.Uri.joinPath(this.context.extensionUri, 'dist', 'webview.js'));
    const style = webview.asWebviewUri(vscode.Uri.joinPath(this.context.extensionUri, 'media', 'panel.css'));
    const csp = [
      "default-src 'none'",
      `img-src ${webview.cspSource} data:`,
      // The toolkit (FAST) adds one <style> to probe :focus-visible; it carries the nonce, so no 'unsafe-inline'.
      `style-src ${webview.cspSource} 'nonce-${nonce}'`,
      `font-src ${webview.cspSource}`,
      `script-src 'nonce-${nonce}'`,
    ].join('; ');
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta property="csp-nonce" content="${nonce}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link href="${style}" rel="stylesheet">
<title>I/O Machine</title>
</head>
<body>
<div id="app"></div>
<script nonce="${nonce}" src="${script}"></script>
</body>
</html>`;
  }

  private post(m: ToPanel): void {
    void this.panel?.webview.postMessage(m);
  }

  state(): MachineState | null {
    return this.lastState;
  }

  showState(state: MachineState, session: vscode.DebugSession): void {
    if (this.session?.id !== session.id) this.fileIds.clear();
    for (const f of state.pageCache.files) this.fileIds.set(f.path, f.fileId);
    this.lastState = state;
    this.session = session;
    this.post({ type: 'state', state });
  }

  sessionEnded(session: vscode.DebugSession): void {
    if (this.session && this.session.id !== session.id) return;
    this.session = null;
    this.post({ type: 'sessionEnded' });
  }

  /** The Check Against This Machine command's result, in the panel's "Real vs model" tab. */
  showCheck(result: CheckView): void {
    this.lastCheck = result;
    this.post({ type: 'check', result });
  }

  /** The comparison for the panel and the Compare command. */
  showCompare(size: string, disk: string, warm: boolean): CompareResult {
    const check = checkCompareArgs({ size, disk, warm }, DEBUGGER_COMPARE_LIMIT);
    if (!check.ok) {
      if (check.reason) throw new Error(`compare: ${check.reason}`);
      throw new Error(check.field === 'size' ? vscode.l10n.t("'{0}' is not a size (try 16KiB or 1MiB)", size) : vscode.l10n.t("'{0}' is not a disk kind (nvme, ssd, hdd)", disk));
    }
    const result: CompareResult = comparison(check.options);
    this.lastCompare = result;
    this.post({ type: 'compare', result });
    return result;
  }

  /** A comparison made elsewhere (advice on a log's loop): the panel opens on its Compare tab with it. */
  showResult(result: CompareResult): void {
    this.lastCompare = result;
    this.open(true);
    this.post({ type: 'compare', result });
  }

  /** With no session yet: the sendfile example at the moment its data moves, so the panel is never empty. */
  private postExample(): void {
    try {
      const path = vscode.Uri.joinPath(this.context.extensionUri, 'examples', 'sendfile.iosim').fsPath;
      const loaded = loadProgramFile(path);
      if (!loaded.spec) return;
      const trace = new Trace(loaded.spec);
      const engine = new Engine(trace, new Breakpoints(), { print() {} });
      trace.runToEnd();
      let pos = -1;
      for (let e = 0; e < trace.events.length && pos < 0; e++) if (trace.events.kind(e) === Ev.CpuCopy) pos = e;
      if (pos < 0) pos = trace.head;
      engine.pos = pos;
      const state = machineState(engine, engine.state(), pos, null);
      this.post({ type: 'example', state, title: vscode.l10n.t('examples/sendfile.iosim at position {0}: sendfile copies the page cache into the socket buffer.', pos) });
    } catch (e) {
      // The example is a courtesy: without it the panel shows its empty state.
      console.error(`I/O Machine: example state: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  private async onMessage(m: FromPanel): Promise<void> {
    switch (m.type) {
      case 'ready':
        if (this.lastState) this.post({ type: 'state', state: this.lastState });
        else this.postExample();
        if (!this.session && this.lastState) this.post({ type: 'sessionEnded' });
        if (this.lastCompare) this.post({ type: 'compare', result: this.lastCompare });
        else this.showCompare('16KiB', 'nvme', false);
        if (this.lastCheck) this.post({ type: 'check', result: this.lastCheck });
        return;
      case 'seek':
        if (!this.session) throw new Error(vscode.l10n.t('no debug session: start one with F5 on an .iosim file'));
        await this.session.customRequest(SEEK_REQUEST, { position: m.position });
        return;
      case 'why': {
        if (!this.session) throw new Error(vscode.l10n.t('no debug session'));
        const fileId = this.fileIds.get(m.path);
        if (fileId === undefined) {
          this.post({ type: 'whyResult', text: noSuchFile(m.path) });
          return;
        }
        const args: WhyArgs = { fileId, index: m.index };
        const r = (await this.session.customRequest(WHY_REQUEST, args)) as WhyResult;
        this.post({ type: 'whyResult', text: r.text });
        return;
      }
      case 'compare':
        this.showCompare(m.size, m.disk, m.warm);
        return;
    }
  }
}
