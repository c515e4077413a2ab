/**
 * Debug console completions: the console's commands, register and program variable names, the operation's fields,
 * sysctls, and file paths after the commands that take one.
 */
import { DebugProtocol } from '@vscode/debugprotocol';
import { CONFIG_KEYS } from '../machine/config';
import { COMMANDS } from './console';
import { REGISTER_NAMES } from './inspect';

/** What the completions may offer beyond fixed names; both null before a program is loaded. */
export interface CompletionSources {
  /** The program's variables at the current position (computed only when asked). */
  variables: (() => Iterable<string>) | null;
  files: readonly string[] | null;
}

/** Column conversions of the session: `column` and the items' `start` are in the client's base. */
export interface Columns {
  toDebugger(column: number): number;
  toClient(column: number): number;
}

export function completionItems(args: DebugProtocol.CompletionsArguments, sources: CompletionSources, columns: Columns): DebugProtocol.CompletionItem[] {
  // `text` is indexed from 0.
  const full = typeof args.text === 'string' ? args.text : '';
  const column = typeof args.column === 'number' ? columns.toDebugger(args.column) - 1 : full.length;
  const text = full.slice(0, Math.max(0, column));
  const words = text.trimStart().split(/\s+/);
  const last = words[words.length - 1] ?? '';
  const items: DebugProtocol.CompletionItem[] = [];
  const start = columns.toClient(text.length - last.length + 1);
  const add = (label: string, type: DebugProtocol.CompletionItemType, detail?: string) => {
    if (label.startsWith(last) && !items.some((i) => i.label === label)) items.push({ label, type, detail, start, length: last.length });
  };
  const names = () => {
    for (const r of REGISTER_NAMES) add(r, 'variable', 'register');
    if (sources.variables) for (const v of sources.variables()) add(v, 'variable', 'program variable');
  };
  if (words.length <= 1) {
    for (const c of COMMANDS) add(c.name, 'function', c.doc);
    names();
    for (const n of ['name', 'result', 'errno', 'path', 'line', 'duration', 'position', 'time', 'hits', 'misses', 'cached', 'dirty', 'writeback']) add(n, 'property');
    for (const k of CONFIG_KEYS) if (k.sysctl) add(k.key, 'property', 'sysctl');
  } else if (['vmtouch', 'page', 'why'].includes(words[0]) && words.length === 2 && sources.files) {
    for (const f of sources.files) add(f, 'file');
  } else if (words.length > 1) {
    // Inside an expression: names again.
    names();
  }
  return items;
}
