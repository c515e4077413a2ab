/**
 * The debug console: commands people already know from Linux (meminfo, cachestat, vmtouch) plus `page`, `why`
 * and `events`, and expressions over registers, the operation and the program's variables.
 */
import { C, hitPercent } from '../machine/counters';
import { Ev, EvictReason, eventPageCount, evictReason } from '../machine/events';
import { Machine } from '../machine/machine';
import { PG_DIRTY } from '../machine/pagecache';
import { formatDuration, MiB, PAGE_SIZE } from '../machine/units';
import { advise } from '../trace/advise/advise';
import { printReport } from '../trace/advise/text';
import { Trace } from '../trace/trace';
import { opEnv } from './breakpoints';
import { describeEvent, pathOf } from './describe';
import { Engine } from './engine';
import { compile, ExprError, format, Value } from './expr';
import { operationAt, pageDetails, registerValue, REGISTER_NAMES, variablesAt } from './inspect';

export const COMMANDS: { name: string; usage: string; doc: string }[] = [
  { name: 'meminfo', usage: 'meminfo', doc: 'Cached, Dirty, Writeback, Active(file), Inactive(file) as /proc/meminfo shows them' },
  { name: 'cachestat', usage: 'cachestat', doc: 'HITS MISSES DIRTIES HITRATIO BUFFERS_MB CACHED_MB since the start' },
  { name: 'vmtouch', usage: 'vmtouch <path>', doc: 'resident pages of a file' },
  { name: 'page', usage: 'page <path> <index>', doc: 'the state of one page' },
  { name: 'why', usage: 'why <path> <index>', doc: 'the events that brought a page to its state' },
  { name: 'events', usage: 'events [n]', doc: 'the last n events up to the current position' },
  { name: 'advise', usage: 'advise', doc: "the program's transfer loops, each replayed with sendfile, splice, mmap, O_DIRECT (the article's table)" },
  { name: 'help', usage: 'help', doc: 'this list' },
];

/** Whether a line is one of the console's commands (whatever its arguments). */
export function isCommand(line: string): boolean {
  const word = line.trim().split(/\s+/)[0];
  return COMMANDS.some((c) => c.name === word);
}

export interface ConsoleContext {
  engine: Engine;
  machine: Machine;
  pos: number;
  variables: ReadonlyMap<string, number>;
}

/** The console at the engine's position. */
export function consoleContext(engine: Engine): ConsoleContext {
  const pos = engine.pos;
  return { engine, machine: engine.state(), pos, variables: variablesAt(engine, pos) };
}

export function runCommand(ctx: ConsoleContext, line: string): string | null {
  const [cmd, ...args] = line.trim().split(/\s+/);
  const m = ctx.machine;
  const t = ctx.engine.trace;
  switch (cmd) {
    case 'help':
      return COMMANDS.map((c) => `${c.usage.padEnd(22)} ${c.doc}`).join('\n') + '\nanything else is an expression: rax, rdx > 4096, name, result, n + 1, …';
    case 'meminfo':
      return meminfo(m);
    case 'cachestat':
      return cachestat(m);
    case 'vmtouch':
      if (!args[0]) return 'usage: vmtouch <path>';
      return vmtouch(m, args.join(' '));
    case 'page': {
      const p = pageArgs(args);
      return p ? pageDetails(m, p.path, p.index) : 'usage: page <path> <index>';
    }
    case 'why': {
      const p = pageArgs(args);
      if (!p) return 'usage: why <path> <index>';
      const fileId = t.machine.files.get(p.path)?.id;
      return fileId === undefined ? noSuchFile(p.path) : why(t, ctx.pos, fileId, p.index);
    }
    case 'advise':
      return adviseText(t);
    case 'events': {
      const n = args[0] ? Number(args[0]) : 20;
      if (!Number.isInteger(n) || n <= 0) return 'usage: events [n] (n a positive whole number)';
      return lastEvents(t, ctx.pos, Math.min(n, 10000));
    }
  }
  return null;
}

/** `advise`: the whole program replayed again for each method that applies (the session's trace is not touched). */
function adviseText(t: Trace): string {
  const lines: string[] = [];
  try {
    printReport((s) => lines.push(s), t.spec.path, advise(t.spec));
  } catch (e) {
    return `advise: ${e instanceof Error ? e.message : String(e)}`;
  }
  return lines.join('\n');
}

function pageArgs(args: string[]): { path: string; index: number } | null {
  if (args.length < 2) return null;
  const index = Number(args[args.length - 1]);
  if (!Number.isInteger(index) || index < 0) return null;
  return { path: args.slice(0, -1).join(' '), index };
}

const kB = (pages: number) => `${String(pages * 4).padStart(10)} kB`;

export function meminfo(m: Machine): string {
  const active = m.cache.active.count;
  return [
    `MemTotal:       ${String(m.config.ramBytes / 1024).padStart(10)} kB`,
    `Cached:         ${kB(m.cache.size)}`,
    `Dirty:          ${kB(m.cache.dirty)}`,
    `Writeback:      ${kB(m.cache.writeback)}`,
    `Active(file):   ${kB(active)}`,
    `Inactive(file): ${kB(m.cache.size - active)}`,
  ].join('\n');
}

export function cachestat(m: Machine): string {
  const hits = m.counters[C.PageCacheHits];
  const misses = m.counters[C.PageCacheMisses];
  const ratio = hitPercent(hits, misses) ?? 0;
  const cols = ['HITS', 'MISSES', 'DIRTIES', 'HITRATIO', 'BUFFERS_MB', 'CACHED_MB'];
  const vals = [String(hits), String(misses), String(m.counters[C.PagesDirtied]), `${ratio.toFixed(2)}%`, '0', String(Math.floor((m.cache.size * PAGE_SIZE) / MiB))];
  const w = cols.map((c, i) => Math.max(c.length, vals[i].length));
  return `${cols.map((c, i) => c.padStart(w[i])).join('  ')}\n${vals.map((v, i) => v.padStart(w[i])).join('  ')}`;
}

export function vmtouch(m: Machine, path: string): string {
  const f = m.files.get(path);
  if (!f) return `vmtouch: ${path}: no such file in the machine`;
  const total = Math.ceil(f.size / PAGE_SIZE);
  const mapping = m.cache.mapping(f.id);
  const resident = mapping?.nrpages ?? 0;
  const width = Math.min(60, Math.max(1, total));
  // Column i of the bar covers pages [edge(i), edge(i+1)); resident pages are counted per column a folio at a time.
  const edge = (i: number) => Math.floor((i * total) / width);
  const inCol = new Float64Array(width);
  let c = 0;
  for (const g of mapping?.folios() ?? []) {
    const end = Math.min(g.end, total);
    for (let i = g.index; i < end;) {
      while (edge(c + 1) <= i) c++;
      const stop = Math.min(end, edge(c + 1));
      inCol[c] += stop - i;
      i = stop;
    }
  }
  let bar = '';
  for (let i = 0; i < width; i++) {
    const n = inCol[i];
    bar += n === 0 ? ' ' : n === edge(i + 1) - edge(i) ? 'O' : 'o';
  }
  const dirty = mapping?.countFlag(PG_DIRTY) ?? 0;
  const pct = total ? ((100 * resident) / total).toFixed(3) : '0';
  return [
    `${path}`,
    `[${bar}] ${resident}/${total}`,
    `           Files: 1`,
    `     Directories: 0`,
    `  Resident Pages: ${resident}/${total}  ${(resident * 4)}K/${total * 4}K  ${pct}%`,
    `     Dirty Pages: ${dirty}`,
  ].join('\n');
}

/** The answer of `why` about a file the machine does not have. */
export function noSuchFile(path: string): string {
  return `why: ${path}: no such file in the machine`;
}

/** The story of one page up to `pos`: what inserted, touched, dirtied, wrote back or evicted it, and in which call. */
export function why(t: Trace, pos: number, fileId: number, index: number): string {
  const ev = t.events;
  const lines: string[] = [];
  for (let e = 0; e <= pos && e <= t.head; e++) {
    const k = ev.kind(e);
    const n = eventPageCount(k, ev.c(e));
    if (n === 0 || ev.a(e) !== fileId || index < ev.b(e) || index >= ev.b(e) + n) continue;
    const j = t.ops.opAt(e);
    const who = ev.thread(e) === 0 ? 'the flusher thread' : j >= 0 ? `${t.ops.nameOf(j)} at line ${t.ops.lineOf(j)}` : 'the program';
    let note = '';
    if (k === Ev.PageEvict && evictReason(ev.c(e)) === EvictReason.Reclaim) note = ` — memory pressure: ${who} needed a free page and this one was at the inactive list's tail`;
    lines.push(`#${e} ${formatDuration(ev.time(e)).padStart(12)}  ${describeEvent(t, e, index)}  (${who})${note}`);
  }
  if (!lines.length) return `${pathOf(t, fileId)} page ${index}: nothing has happened to it up to position ${pos}`;
  const shown = lines.length > 200 ? [`… ${lines.length - 200} earlier events`, ...lines.slice(-200)] : lines;
  return [`why ${pathOf(t, fileId)} page ${index}:`, ...shown].join('\n');
}

export function lastEvents(t: Trace, pos: number, n: number): string {
  const out: string[] = [];
  for (let e = Math.max(0, pos - n + 1); e <= pos && e <= t.head; e++) {
    const thread = t.events.thread(e) === 0 ? 'flusher' : `thread ${t.events.thread(e)}`;
    out.push(`#${e} ${formatDuration(t.events.time(e)).padStart(12)} ${thread.padEnd(9)} ${describeEvent(t, e)}`);
  }
  return out.length ? out.join('\n') : 'no events yet';
}

/** Names an expression may use at this position: registers, the operation's fields, counters, variables. */
export function evaluateExpression(ctx: ConsoleContext, text: string): Value {
  const m = ctx.machine;
  const at = operationAt(ctx.engine, ctx.pos);
  const op = at ? opEnv(ctx.engine.trace, at.index) : () => undefined;
  const fn = compile(text);
  return fn((name) => {
    if ((REGISTER_NAMES as readonly string[]).includes(name)) return registerValue(m, name) ?? null;
    if (ctx.variables.has(name)) return ctx.variables.get(name)!;
    const v = op(name);
    if (v !== undefined) return v;
    if (name === 'time' || name === 'now') return m.now;
    if (name === 'position') return ctx.pos;
    const counters: Record<string, number> = {
      syscalls: m.counters[C.Syscalls], contextSwitches: m.counters[C.ContextSwitches], hits: m.counters[C.PageCacheHits],
      misses: m.counters[C.PageCacheMisses], evictions: m.counters[C.Evictions], cached: m.cache.size, dirty: m.cache.dirty,
      writeback: m.cache.writeback,
    };
    if (name in counters) return counters[name];
    if (name.startsWith('vm.')) return (m.config.sysctl as unknown as Record<string, number>)[name];
    return undefined;
  });
}

export function evaluate(ctx: ConsoleContext, text: string): { result: string; error?: string } {
  const cmd = runCommand(ctx, text);
  if (cmd !== null) return { result: cmd };
  try {
    const v = evaluateExpression(ctx, text);
    return { result: typeof v === 'number' && Number.isInteger(v) && Math.abs(v) >= 4096 ? `${v} (0x${v.toString(16)})` : format(v) };
  } catch (e) {
    if (e instanceof ExprError) return { result: '', error: `${e.message} (try 'help')` };
    throw e;
  }
}
