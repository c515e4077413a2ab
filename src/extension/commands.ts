/** The commands: panel, comparison, trace export, new scenario from an example, run and debug the open file. */
import { readdirSync, readFileSync } from 'node:fs';
import * as vscode from 'vscode';
import { formatBytes, formatDuration } from '../machine/units';
import { formatDiagnostic } from '../program/index';
import { loadProgramFile } from '../program/loadProgram';
import { EXPORT_REQUEST, ExportArgs } from '../shared/messages';
import { COMPARE_DISKS } from '../trace/compare';
import { Trace } from '../trace/trace';
import { writeChromeTraceFile } from '../trace/traceFile';
import { checkResidency, checkText } from '../cli/check';
import { readHostRecord } from '../program/hostRecord';
import { DEBUG_TYPE } from './debugger';
import { PanelHost } from './panel';

function guard(name: string, fn: (...args: unknown[]) => unknown): (...args: unknown[]) => Promise<void> {
  return async (...args) => {
    try {
      await fn(...args);
    } catch (e) {
      void vscode.window.showErrorMessage(vscode.l10n.t('{0}: {1}', name, e instanceof Error ? e.message : String(e)));
    }
  };
}

function activeProgram(uri?: unknown): vscode.Uri {
  if (uri instanceof vscode.Uri) return uri;
  const doc = vscode.window.activeTextEditor?.document;
  if (doc && (doc.languageId === 'iosim' || doc.languageId === 'strace')) return doc.uri;
  throw new Error(vscode.l10n.t('open an .iosim scenario or a .strace log first'));
}

let output: vscode.OutputChannel | null = null;
function channel(): vscode.OutputChannel {
  output ??= vscode.window.createOutputChannel(vscode.l10n.t('I/O Machine'));
  return output;
}

export function registerCommands(context: vscode.ExtensionContext, panel: PanelHost): void {
  const reg = (id: string, fn: (...args: unknown[]) => unknown) => context.subscriptions.push(vscode.commands.registerCommand(id, guard(id, fn)));

  reg('iomachine.openPanel', () => panel.open());

  reg('iomachine.compare', async () => {
    const size = await vscode.window.showInputBox({ prompt: vscode.l10n.t('File size to send to a socket'), value: '16KiB', validateInput: (v) => (/^\d+(\.\d+)?\s*[KMG]?i?B?$/i.test(v.trim()) ? null : vscode.l10n.t('a size such as 16KiB, 1MiB or 1GiB')) });
    if (!size) return;
    const disk = await vscode.window.showQuickPick([...COMPARE_DISKS], { placeHolder: vscode.l10n.t('Disk kind') });
    if (!disk) return;
    // Labels are translated: which one was picked is told by `warm`, not by the text.
    const warmth = await vscode.window.showQuickPick([{ label: vscode.l10n.t('cold page cache'), warm: false }, { label: vscode.l10n.t('warm page cache'), warm: true }], { placeHolder: vscode.l10n.t('Page cache') });
    if (!warmth) return;
    panel.open();
    const r = panel.showCompare(size, disk, warmth.warm);
    const out = channel();
    out.appendLine(`Sending a ${formatBytes(r.sizeBytes)} file to a socket, ${r.warm ? 'warm' : 'cold'} cache, ${r.disk}:`);
    for (const row of r.rows) out.appendLine(`  ${row.method.padEnd(16)} ${row.syscalls} syscalls, ${row.contextSwitches} switches, ${row.dmaCopies} DMA, ${row.cpuCopies} CPU copies, ${formatDuration(row.simTimeNs)}, ${row.speedup.toFixed(2)}x`);
  });

  reg('iomachine.exportTrace', async (arg) => {
    const session = vscode.debug.activeDebugSession;
    const target = await vscode.window.showSaveDialog({ filters: { [vscode.l10n.t('Chrome trace (Perfetto)')]: ['json'] }, saveLabel: vscode.l10n.t('Export trace') });
    if (!target) return;
    if (session?.type === DEBUG_TYPE) {
      const args: ExportArgs = { path: target.fsPath };
      await session.customRequest(EXPORT_REQUEST, args);
    } else {
      const uri = activeProgram(arg);
      const loaded = loadProgramFile(uri.fsPath);
      if (!loaded.spec) throw new Error(loaded.diagnostics.map((d) => formatDiagnostic(uri.fsPath, d)).join('\n'));
      const trace = new Trace(loaded.spec);
      trace.runToEnd();
      writeChromeTraceFile(trace, target.fsPath);
    }
    void vscode.window.showInformationMessage(vscode.l10n.t('Trace written to {0}: open it in Perfetto (ui.perfetto.dev) or chrome://tracing.', target.fsPath));
  });

  reg('iomachine.newScenario', async () => {
    const dir = vscode.Uri.joinPath(context.extensionUri, 'examples');
    const files = readdirSync(dir.fsPath).filter((f) => f.endsWith('.iosim')).sort();
    const picks = files.map((f) => {
      const text = readFileSync(vscode.Uri.joinPath(dir, f).fsPath, 'utf8');
      const first = text.split('\n').find((l) => l.startsWith('#'))?.replace(/^#\s*/, '') ?? '';
      return { label: f.replace(/\.iosim$/, ''), detail: first, file: f };
    });
    const pick = await vscode.window.showQuickPick(picks, { placeHolder: vscode.l10n.t('Start from which example?') });
    if (!pick) return;
    const content = readFileSync(vscode.Uri.joinPath(dir, pick.file).fsPath, 'utf8');
    const folder = vscode.workspace.workspaceFolders?.[0];
    if (folder) {
      let target = vscode.Uri.joinPath(folder.uri, pick.file);
      for (let i = 2; await exists(target); i++) target = vscode.Uri.joinPath(folder.uri, pick.file.replace('.iosim', `-${i}.iosim`));
      await vscode.workspace.fs.writeFile(target, Buffer.from(content, 'utf8'));
      await vscode.window.showTextDocument(target);
    } else {
      const doc = await vscode.workspace.openTextDocument({ language: 'iosim', content });
      await vscode.window.showTextDocument(doc);
    }
  });

  const start = async (arg: unknown, noDebug: boolean) => {
    const uri = activeProgram(arg);
    await vscode.debug.startDebugging(vscode.workspace.getWorkspaceFolder(uri), {
      type: DEBUG_TYPE, request: 'launch', name: noDebug ? 'Run I/O scenario' : 'Debug I/O scenario', program: uri.fsPath, stopOnEntry: !noDebug,
    }, { noDebug });
  };
  reg('iomachine.checkRecording', (arg) => {
    // iosim check in the editor: the log replayed on its recorded machine, the real residency against the model's.
    const uri = activeProgram(arg);
    const rec = readHostRecord(uri.fsPath);
    if (!rec) throw new Error(vscode.l10n.t('{0} has no {1}: record the program with iosim record (or a launch configuration with "command")', uri.fsPath, `${uri.fsPath}.host.json`));
    const loaded = loadProgramFile(uri.fsPath);
    if (!loaded.spec) throw new Error(loaded.diagnostics.map((d) => formatDiagnostic(uri.fsPath, d)).join('\n'));
    const trace = new Trace(loaded.spec, { record: false });
    while (trace.step() >= 0);
    const { result, notes } = checkResidency(rec, trace.machine, loaded.strace?.mapped);
    const out = channel();
    out.appendLine(`iosim check ${uri.fsPath}`);
    out.appendLine(checkText(result, notes, rec));
    panel.open();
    panel.showCheck({ log: uri.fsPath, release: rec.kernel.release, kernel: rec.kernel.profile, ...result });
    void vscode.window.showInformationMessage(result.score === null
      ? vscode.l10n.t('Checked against this machine: no file was compared (none had its residency measured before the run).')
      : vscode.l10n.t('Checked against this machine: {0} of the resident pages match ({1} pages in common).', `${(100 * result.score).toFixed(1)}%`, result.matchedPages));
  });

  reg('iomachine.runScenario', (arg) => start(arg, true));
  reg('iomachine.debugScenario', (arg) => start(arg, false));
}

async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}
