/**
 * The zero-copy advisor in the editor: a CodeLens over the first line of each transfer loop of a .strace file
 * ("16 read+write pairs → sendfile: −16 CPU copies, 1.54× faster (model)") that opens the loop's comparison in the
 * panel's Compare tab. The advice is `iosim advise`'s on the default machine, computed once per version of the text.
 * Nothing here throws at the user: a log that cannot be advised on gets no lens, a failed command an error message.
 */
import * as vscode from 'vscode';
import { LimitError } from '../machine/limits';
import { loadStrace } from '../program/strace/load';
import type { CompareResult, CompareRow } from '../shared/messages';
import { advise, type AdviceReport, type LoopAdvice } from '../trace/advise/advise';
import { headline } from '../trace/advise/headline';
import type { PanelHost } from './panel';

export const ADVISE_LOOP_COMMAND = 'iomachine.adviseLoop';
export const ADVISE_LARGE_COMMAND = 'iomachine.adviseLargeLog';

/**
 * Logs larger than this are advised on only when asked (a lens on the first line): the advice replays the log once
 * per method, in the extension host, which must not stall at every edit. `iosim advise` has no limit.
 */
const AUTO_CHARS = 2 * 1024 * 1024;
/** Beyond this the editor does not advise at all (`iosim advise` does). */
const MAX_CHARS = 64 * 1024 * 1024;

/** Documents whose advice was asked for although they are large (by URI). */
const asked = new Set<string>();

interface Advice {
  version: number;
  path: string;
  disk: string;
  report: AdviceReport;
}

const cache = new Map<string, Advice>();

/** The advice for a document's text (cached by version); null when it is too large or cannot be replayed. */
export function adviceFor(doc: vscode.TextDocument): Advice | null {
  const key = doc.uri.toString();
  const hit = cache.get(key);
  if (hit && hit.version === doc.version) return hit;
  const text = doc.getText();
  if (text.length > MAX_CHARS || (text.length > AUTO_CHARS && !asked.has(key))) return null;
  const loaded = loadStrace(text, doc.uri.fsPath);
  if (!loaded.spec) return null;
  try {
    const a: Advice = { version: doc.version, path: doc.uri.fsPath, disk: loaded.spec.config.disk, report: advise(loaded.spec) };
    cache.set(key, a);
    return a;
  } catch (e) {
    // A log past the model's limits (README "Limits") cannot be replayed: no advice, as for a log that does not load.
    if (e instanceof LimitError) return null;
    throw e;
  } finally {
    loaded.spec.close?.();
  }
}

/** The loop and its alternatives as the Compare tab draws a comparison: the loop first, speed-ups over it. */
export function loopComparison(a: Advice, l: LoopAdvice): CompareResult {
  const base: CompareRow = {
    method: `${l.method} (log)`, syscalls: l.syscalls, contextSwitches: l.contextSwitches, dmaCopies: l.dmaCopies,
    cpuCopies: l.cpuCopies, cpuBytes: l.cpuBytes, simTimeNs: l.simTimeNs, speedup: 1,
  };
  const rows: CompareRow[] = [base, ...l.alternatives.map((x) => ({
    method: x.method, syscalls: x.syscalls, contextSwitches: x.contextSwitches, dmaCopies: x.dmaCopies,
    cpuCopies: x.cpuCopies, cpuBytes: x.cpuBytes, simTimeNs: x.simTimeNs, speedup: x.speedup,
  }))];
  return {
    sizeBytes: l.bytes, disk: a.disk, warm: false, rows,
    advice: {
      path: a.path, firstLine: l.firstLine, lastLine: l.lastLine, source: l.source, sink: l.sink, pairs: l.pairs,
      bytes: l.bytes, headline: headline(l), assumption: a.report.assumption,
    },
  };
}

class AdviseLenses implements vscode.CodeLensProvider {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;

  refresh(): void {
    this.changed.fire();
  }

  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    const size = doc.getText().length;
    if (size > AUTO_CHARS && size <= MAX_CHARS && !asked.has(doc.uri.toString())) {
      return [new vscode.CodeLens(doc.lineAt(0).range, {
        title: vscode.l10n.t('Find the transfer loops of this log (zero-copy advice; replays it once per method)'),
        command: ADVISE_LARGE_COMMAND,
        arguments: [doc.uri.toString()],
      })];
    }
    let a: Advice | null;
    try {
      a = adviceFor(doc);
    } catch (e) {
      // A log the advisor cannot follow gets no lens; the replay's own diagnostics say what is wrong with it.
      console.error(`I/O Machine: advise ${doc.uri.fsPath}: ${e instanceof Error ? e.message : String(e)}`);
      return [];
    }
    if (!a) return [];
    return a.report.loops.map((l, i) => {
      const line = Math.max(0, Math.min(l.firstLine - 1, doc.lineCount - 1));
      return new vscode.CodeLens(doc.lineAt(line).range, {
        title: headline(l),
        tooltip: vscode.l10n.t('Lines {0}–{1}: {2} → {3}. Open the comparison in the I/O Machine panel. {4}', l.firstLine, l.lastLine, l.source, l.sink, a!.report.assumption),
        command: l.alternatives.length ? ADVISE_LOOP_COMMAND : '',
        arguments: [doc.uri.toString(), i],
      });
    });
  }
}

export function registerAdvise(context: vscode.ExtensionContext, panel: PanelHost): void {
  const lenses = new AdviseLenses();
  context.subscriptions.push(
    vscode.languages.registerCodeLensProvider({ language: 'strace' }, lenses),
    vscode.workspace.onDidCloseTextDocument((doc) => {
      cache.delete(doc.uri.toString());
      asked.delete(doc.uri.toString());
    }),
    vscode.commands.registerCommand(ADVISE_LARGE_COMMAND, (uri?: unknown) => {
      if (typeof uri === 'string') asked.add(uri);
      lenses.refresh();
    }),
    vscode.commands.registerCommand(ADVISE_LOOP_COMMAND, async (uri?: unknown, index?: unknown) => {
      try {
        const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri) ?? vscode.window.activeTextEditor?.document;
        if (!doc) throw new Error(vscode.l10n.t('open a .strace log first'));
        const a = adviceFor(doc);
        const l = a?.report.loops[typeof index === 'number' ? index : 0];
        if (!a || !l) throw new Error(vscode.l10n.t('no transfer loop in {0}', doc.uri.fsPath));
        const result = loopComparison(a, l);
        panel.showResult(result);
        return result;
      } catch (e) {
        void vscode.window.showErrorMessage(vscode.l10n.t('I/O Machine advise: {0}', e instanceof Error ? e.message : String(e)));
        return undefined;
      }
    }),
  );
}
