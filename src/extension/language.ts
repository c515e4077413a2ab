/**
 * Language features for .iosim (and .strace): diagnostics as you type, hovers that explain a syscall and what it
 * costs, values of variables while debugging, inline values, and document symbols — all from the parser the
 * machine itself uses.
 */
import * as vscode from 'vscode';
import { CONFIG_KEYS, findConfigKey } from '../machine/config';
import { findOp, OPS } from '../machine/operation';
import { formatBytes } from '../machine/units';
import { Diagnostic, parseScenario } from '../program/index';
import type { Statement } from '../program/ast';
import { loadProgram } from '../program/loadProgram';
import { DEBUG_TYPE } from './debugger';

const LANGS = ['iosim', 'strace'];

export function diagnosticsFor(doc: vscode.TextDocument): vscode.Diagnostic[] {
  const text = doc.getText();
  // The language VS Code gave the document decides (a log named strace.out is 'strace' by its first line).
  const found: Diagnostic[] = doc.languageId === 'iosim' ? parseScenario(text, doc.uri.fsPath).diagnostics : loadProgram(text, doc.uri.fsPath, undefined, 'strace').diagnostics;
  return found.map((d) => {
    const line = Math.max(0, Math.min(d.line - 1, doc.lineCount - 1));
    const start = new vscode.Position(line, Math.max(0, d.col - 1));
    const endLine = Math.max(0, Math.min(d.endLine - 1, doc.lineCount - 1));
    let end = new vscode.Position(endLine, Math.max(0, d.endCol - 1));
    if (!end.isAfter(start)) end = doc.lineAt(line).range.end;
    const diag = new vscode.Diagnostic(new vscode.Range(start, end), d.message, d.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning);
    diag.source = 'iosim';
    return diag;
  });
}

export function hoverFor(word: string): vscode.MarkdownString | null {
  const op = findOp(word) ?? OPS.find((o) => o.linuxName === word);
  if (op) {
    const sig = `${op.name}(${op.args.map((a) => (a.optional ? `${a.name}?` : a.name)).join(', ')})`;
    const md = new vscode.MarkdownString();
    md.appendCodeblock(sig, 'iosim');
    md.appendMarkdown(`${op.summary}\n\n`);
    md.appendMarkdown(`**Cost:** ${op.cost}\n\n`);
    if (op.nr !== null) md.appendMarkdown(`Linux: \`${op.linuxName ?? op.name}\`, x86-64 syscall ${op.nr}. `);
    md.appendMarkdown('_A "switch" is a user↔kernel mode transition (~50 ns), not a process switch._');
    return md;
  }
  const key = findConfigKey(word);
  if (key) {
    const md = new vscode.MarkdownString();
    md.appendMarkdown(`**${key.key}** = \`${key.example}\` (example)\n\n${key.doc}`);
    if (key.sysctl) md.appendMarkdown('\n\nA sysctl: can also change while the program runs (`sysctl key = value`) or in the debugger\'s sysctl scope.');
    return md;
  }
  return null;
}

class HoverProvider implements vscode.HoverProvider {
  async provideHover(doc: vscode.TextDocument, pos: vscode.Position): Promise<vscode.Hover | null> {
    const range = doc.getWordRangeAtPosition(pos, /[A-Za-z_][\w.]*/);
    if (!range) return null;
    const word = doc.getText(range);
    const doc1 = hoverFor(word);
    if (doc1) return new vscode.Hover(doc1, range);
    const session = vscode.debug.activeDebugSession;
    if (session?.type === DEBUG_TYPE) {
      try {
        const r = await session.customRequest('evaluate', { expression: word, context: 'hover' });
        return new vscode.Hover(new vscode.MarkdownString().appendCodeblock(`${word} = ${r.result}`, 'iosim'), range);
      } catch {
        return null;
      }
    }
    return null;
  }
}

/** Shows the values of variables assigned up to the stopped line (fds, sizes, addresses). */
class InlineValues implements vscode.InlineValuesProvider {
  provideInlineValues(doc: vscode.TextDocument, viewPort: vscode.Range, context: vscode.InlineValueContext): vscode.InlineValue[] {
    const out: vscode.InlineValue[] = [];
    const last = Math.min(viewPort.end.line, context.stoppedLocation.end.line);
    for (let l = viewPort.start.line; l <= last; l++) {
      const text = doc.lineAt(l).text;
      const m = /^\s*([A-Za-z_]\w*)\s*=\s*(?!=)/.exec(text);
      if (m && !text.trimStart().startsWith('sysctl')) {
        const col = text.indexOf(m[1]);
        out.push(new vscode.InlineValueVariableLookup(new vscode.Range(l, col, l, col + m[1].length), m[1], true));
      }
    }
    return out;
  }
}

class Symbols implements vscode.DocumentSymbolProvider {
  provideDocumentSymbols(doc: vscode.TextDocument): vscode.DocumentSymbol[] {
    if (doc.languageId !== 'iosim') return [];
    const s = parseScenario(doc.getText(), doc.uri.fsPath);
    const lineRange = (line: number) => doc.lineAt(Math.max(0, Math.min(line - 1, doc.lineCount - 1))).range;
    const out: vscode.DocumentSymbol[] = [];
    if (s.machine.length) {
      const first = s.machine[0].line;
      const lastLine = s.machine[s.machine.length - 1].line;
      const m = new vscode.DocumentSymbol('machine', s.machine.map((x) => `${x.key}=${x.value}`).join(', '), vscode.SymbolKind.Namespace,
        new vscode.Range(lineRange(first).start, lineRange(lastLine).end), lineRange(first));
      m.children = s.machine.map((x) => new vscode.DocumentSymbol(x.key, String(x.value), vscode.SymbolKind.Property, lineRange(x.line), lineRange(x.line)));
      out.push(m);
    }
    for (const f of s.files) out.push(new vscode.DocumentSymbol(f.path, formatBytes(f.size), vscode.SymbolKind.File, lineRange(f.line), lineRange(f.line)));
    const walk = (stmts: Statement[]): vscode.DocumentSymbol[] => stmts.map((st) => {
      if (st.kind === 'repeat') {
        const r = new vscode.DocumentSymbol('repeat', `lines ${st.line}–${st.endLine}`, vscode.SymbolKind.Array,
          new vscode.Range(lineRange(st.line).start, lineRange(st.endLine).end), lineRange(st.line));
        r.children = walk(st.body);
        return r;
      }
      const name = st.target ? `${st.target} = ${st.name}` : st.name;
      const kind = st.target ? vscode.SymbolKind.Variable : vscode.SymbolKind.Function;
      return new vscode.DocumentSymbol(name, findOp(st.name)?.linuxName ?? '', kind, lineRange(st.line), lineRange(st.line));
    });
    out.push(...walk(s.body));
    return out;
  }
}

class Completions implements vscode.CompletionItemProvider {
  provideCompletionItems(doc: vscode.TextDocument, pos: vscode.Position): vscode.CompletionItem[] {
    const before = doc.lineAt(pos.line).text.slice(0, pos.character);
    const items: vscode.CompletionItem[] = [];
    if (/\b(O_\w*|\|\s*)$/.test(before) || /open\([^)]*,\s*\w*$/.test(before)) {
      for (const f of ['O_RDONLY', 'O_WRONLY', 'O_RDWR', 'O_CREAT', 'O_TRUNC', 'O_APPEND', 'O_DIRECT', 'O_SYNC', 'O_DSYNC']) items.push(new vscode.CompletionItem(f, vscode.CompletionItemKind.Constant));
      return items;
    }
    for (const op of OPS) {
      const it = new vscode.CompletionItem(op.name, vscode.CompletionItemKind.Function);
      it.detail = op.cost;
      it.documentation = op.summary;
      items.push(it);
    }
    for (const k of CONFIG_KEYS) {
      const it = new vscode.CompletionItem(k.key, vscode.CompletionItemKind.Property);
      it.detail = k.example;
      it.documentation = k.doc;
      items.push(it);
    }
    return items;
  }
}

export function registerLanguageFeatures(context: vscode.ExtensionContext): void {
  const collection = vscode.languages.createDiagnosticCollection('iosim');
  const timers = new Map<string, ReturnType<typeof setTimeout>>();
  const check = (doc: vscode.TextDocument) => {
    if (!LANGS.includes(doc.languageId)) return;
    try {
      collection.set(doc.uri, diagnosticsFor(doc));
    } catch (e) {
      collection.set(doc.uri, [new vscode.Diagnostic(new vscode.Range(0, 0, 0, 1), `internal error while checking: ${(e as Error).message}`, vscode.DiagnosticSeverity.Warning)]);
    }
  };
  const later = (doc: vscode.TextDocument) => {
    const key = doc.uri.toString();
    clearTimeout(timers.get(key));
    timers.set(key, setTimeout(() => check(doc), 200));
  };
  const selector = LANGS.map((language) => ({ language }));
  context.subscriptions.push(
    collection,
    vscode.workspace.onDidOpenTextDocument(check),
    vscode.workspace.onDidChangeTextDocument((e) => later(e.document)),
    vscode.workspace.onDidCloseTextDocument((d) => collection.delete(d.uri)),
    vscode.languages.registerHoverProvider(selector, new HoverProvider()),
    vscode.languages.registerInlineValuesProvider(selector, new InlineValues()),
    vscode.languages.registerDocumentSymbolProvider(selector, new Symbols()),
    vscode.languages.registerCompletionItemProvider({ language: 'iosim' }, new Completions(), '|', ' '),
  );
  vscode.workspace.textDocuments.forEach(check);
}
