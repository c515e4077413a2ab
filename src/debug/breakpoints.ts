/**
 * Breakpoints of every kind the adapter supports, and how each is matched against the recorded trace.
 * Line and function breakpoints stop *before* an operation; exception filters and data breakpoints stop *at* an
 * event. Hit counts count occurrences in program order from the start of the trace, so they mean the same thing
 * whether the trace is travelled forwards or backwards.
 */
import { Ev, eventPageCount, evictReason, unpackMove } from '../machine/events';
import { ERRNO } from '../machine/errno';
import { findOp, OPS } from '../machine/operation';
import { Trace } from '../trace/trace';
import { pathOf } from './describe';
import type { LogCalls } from './logCalls';
import { compile, compileHitCondition, compileTemplate, Env, ExprError, truthy, Value } from './expr';

export const EXCEPTION_FILTERS = [
  { filter: 'dma-interrupt', label: 'DMA interrupt', description: 'Stop when a DMA transfer completes and raises its interrupt.' },
  { filter: 'page-cache-eviction', label: 'Page-cache eviction', description: 'Stop when a page leaves the page cache (LRU reclaim, drop_caches, invalidation).' },
  { filter: 'writeback', label: 'Writeback', description: 'Stop when dirty pages start being written back (flusher, fsync, reclaim).' },
  { filter: 'page-fault', label: 'Page fault', description: 'Stop on a minor or major page fault of an mmap\'d file.' },
  { filter: 'readahead', label: 'Readahead', description: 'Stop when the kernel reads ahead (sync, async, mmap read-around).' },
  { filter: 'dirty-throttle', label: 'Dirty throttling', description: 'Stop when balance_dirty_pages pauses a writer.' },
] as const;

export type FilterId = (typeof EXCEPTION_FILTERS)[number]['filter'];

const FILTER_KINDS: Record<FilterId, Ev[]> = {
  'dma-interrupt': [Ev.DmaInterrupt],
  'page-cache-eviction': [Ev.PageEvict],
  writeback: [Ev.WritebackStart],
  'page-fault': [Ev.FaultMinor, Ev.FaultMajor],
  readahead: [Ev.ReadaheadSync, Ev.ReadaheadAsync, Ev.ReadAround],
  'dirty-throttle': [Ev.ThrottlePause],
};

/** The exception filter an event of this kind belongs to, if any. */
export function filterOfKind(kind: Ev): FilterId | undefined {
  for (const f of EXCEPTION_FILTERS) if (FILTER_KINDS[f.filter].includes(kind)) return f.filter;
  return undefined;
}

interface Common {
  id: number;
  condition?: (env: Env) => Value;
  hit?: (n: number) => boolean;
  log?: (env: Env) => string;
  /** Occurrences (condition true) counted so far in program order, up to `countedTo` (exclusive). */
  count: number;
  countedTo: number;
}

export interface LineBp extends Common {
  kind: 'line';
  line: number;
}

export interface FunctionBp extends Common {
  kind: 'function';
  /** The name the client gave. */
  name: string;
  /** The model's operation it names (read, open, …); null for a call of a log matched by its lines. */
  opName: string | null;
  /** A call of a strace log (fstat, exit_group, readv, …): the lines where one starts. */
  lines: ReadonlySet<number> | null;
}

export interface FilterBp extends Common {
  kind: 'filter';
  filter: FilterId;
}

export interface DataBp extends Common {
  kind: 'data';
  dataId: string;
  /** Resolved at match time: what the id names. */
  target: { type: 'page'; path: string; index: number } | { type: 'buffer' | 'socket' | 'pipe'; obj: number };
}

export type Bp = LineBp | FunctionBp | FilterBp | DataBp;

export interface BpOptions {
  condition?: string;
  hitCondition?: string;
  logMessage?: string;
}

export interface Hit {
  bp: Bp;
  /** A logpoint's message; such a hit does not stop. */
  message?: string;
  /** For an event about a run of pages: the page it stopped for (the first that met the condition and hit count). */
  page?: number;
}

/** Syscall names people type (Linux's) mapped to the model's operation names. */
export function opNameFor(name: string): string | null {
  if (findOp(name)) return name;
  const op = OPS.find((o) => o.linuxName === name);
  return op ? op.name : null;
}

export function parseDataId(dataId: string): DataBp['target'] | null {
  const page = /^page:(.+):(\d+)$/.exec(dataId);
  if (page) return { type: 'page', path: page[1], index: Number(page[2]) };
  const obj = /^(buffer|socket|pipe):(\d+)$/.exec(dataId);
  if (obj) return { type: obj[1] as 'buffer' | 'socket' | 'pipe', obj: Number(obj[2]) };
  return null;
}

export class Breakpoints {
  private nextId = 1;
  lines = new Map<number, LineBp[]>();
  functions: FunctionBp[] = [];
  filters: FilterBp[] = [];
  data: DataBp[] = [];
  private filterByKind = new Map<Ev, FilterBp[]>();

  /** Builds a breakpoint's condition, hit count and log message; throws ExprError with a message for the user. */
  private common(o: BpOptions): Omit<Common, 'id'> {
    return {
      condition: o.condition?.trim() ? compile(o.condition) : undefined,
      hit: o.hitCondition?.trim() ? compileHitCondition(o.hitCondition) : undefined,
      log: o.logMessage ? compileTemplate(o.logMessage) : undefined,
      count: 0,
      countedTo: 0,
    };
  }

  setLines(specs: ({ line: number } & BpOptions)[], executable: readonly number[]): { verified: boolean; line: number; id: number; message?: string }[] {
    this.lines.clear();
    const sorted = [...executable].sort((a, b) => a - b);
    return specs.map((s) => {
      const id = this.nextId++;
      // A line without an operation moves to the next one that has one, as debuggers do.
      const line = sorted.find((l) => l >= s.line);
      if (line === undefined) return { verified: false, line: s.line, id, message: 'no operation on or after this line' };
      try {
        const bp: LineBp = { kind: 'line', id, line, ...this.common(s) };
        const list = this.lines.get(line) ?? [];
        list.push(bp);
        this.lines.set(line, list);
        return { verified: true, line, id };
      } catch (e) {
        return { verified: false, line, id, message: (e as ExprError).message };
      }
    });
  }

  /**
   * Function breakpoints by syscall name: any call of the strace log being debugged (`calls`), simulated or only
   * shown (read, fstat, exit_group, sendto), or a name the model simulates (its own or Linux's: pread, openat).
   */
  setFunctions(specs: ({ name: string } & BpOptions)[], calls: LogCalls | null = null): { verified: boolean; id: number; message?: string }[] {
    this.functions = [];
    return specs.map((s) => {
      const id = this.nextId++;
      const name = s.name.trim();
      // A call the log holds is found by its lines, whether the model simulates it or only shows it (an anonymous
      // mmap is shown, a file mmap simulated); other names are the model's operations (open for openat lines).
      const lines = calls?.has(name) ? calls.linesOf(name) : null;
      const opName = lines ? null : opNameFor(name);
      if (!opName && !lines) {
        const known = calls ? `; this log's calls include ${calls.commonest(6).join(', ')}` : ' (try read, write, sendfile, mmap, fsync …)';
        return { verified: false, id, message: `'${s.name}' is not a syscall the machine models${calls ? ' nor a call of this log' : ''}${known}` };
      }
      try {
        this.functions.push({ kind: 'function', id, name, opName, lines, ...this.common(s) });
        return { verified: true, id };
      } catch (e) {
        return { verified: false, id, message: (e as ExprError).message };
      }
    });
  }

  /** A new program: function breakpoints on a log's calls look for them in its lines. */
  rebindFunctions(calls: LogCalls | null): void {
    for (const f of this.functions) if (f.lines) f.lines = calls?.has(f.name) ? calls.linesOf(f.name) : new Set();
  }

  setFilters(specs: { filterId: string; condition?: string }[]): { verified: boolean; id: number; message?: string }[] {
    this.filters = [];
    this.filterByKind.clear();
    return specs.map((s) => {
      const id = this.nextId++;
      const known = EXCEPTION_FILTERS.find((f) => f.filter === s.filterId);
      if (!known) return { verified: false, id, message: `unknown filter '${s.filterId}'` };
      try {
        const bp: FilterBp = { kind: 'filter', id, filter: known.filter, ...this.common({ condition: s.condition }) };
        this.filters.push(bp);
        for (const k of FILTER_KINDS[known.filter]) {
          const list = this.filterByKind.get(k) ?? [];
          list.push(bp);
          this.filterByKind.set(k, list);
        }
        return { verified: true, id };
      } catch (e) {
        return { verified: false, id, message: (e as ExprError).message };
      }
    });
  }

  setData(specs: ({ dataId: string } & BpOptions)[]): { verified: boolean; id: number; message?: string }[] {
    this.data = [];
    return specs.map((s) => {
      const id = this.nextId++;
      const target = parseDataId(s.dataId);
      if (!target) return { verified: false, id, message: `'${s.dataId}' is not a page (page:<path>:<index>) or buffer (buffer:<id>)` };
      try {
        this.data.push({ kind: 'data', id, dataId: s.dataId, target, ...this.common(s) });
        return { verified: true, id };
      } catch (e) {
        return { verified: false, id, message: (e as ExprError).message };
      }
    });
  }

  hasEventBreakpoints(): boolean {
    return this.filters.length > 0 || this.data.length > 0;
  }

  hasOpBreakpoints(): boolean {
    return this.lines.size > 0 || this.functions.length > 0;
  }

  /** Forgets hit counts (the trace's future changed). */
  resetCounts(): void {
    for (const bp of this.all()) {
      bp.count = 0;
      bp.countedTo = 0;
    }
  }

  all(): Bp[] {
    return [...[...this.lines.values()].flat(), ...this.functions, ...this.filters, ...this.data];
  }

  /** Operation-level breakpoints matching operation j (evaluated with its record: args, result). */
  matchOp(trace: Trace, j: number): Hit[] {
    // Operations the debugger inserted (sysctl edits) are not the program's: no breakpoint stops before them.
    if (trace.isInjected(j)) return [];
    const ops = trace.ops;
    const line = ops.lineOf(j);
    const cands: Bp[] = [];
    const lb = this.lines.get(line);
    if (lb) cands.push(...lb);
    for (const f of this.functions) if (functionMatches(trace, f, j)) cands.push(f);
    if (!cands.length) return [];
    const env = opEnv(trace, j);
    const hits: Hit[] = [];
    for (const bp of cands) {
      if (bp.condition && !holds(bp.condition, env)) continue;
      if (bp.hit && !bp.hit(this.occurrences(bp, j, (k) => (this.opMatchesPlain(trace, bp, k) ? 1 : 0)) + 1)) continue;
      hits.push(bp.log ? { bp, message: bp.log(env) } : { bp });
    }
    return hits;
  }

  /**
   * Event-level breakpoints matching event e. An event about a run of pages is, for a condition and a hit count, one
   * occurrence per page: a condition on `page` stops at the run that holds a page meeting it, and the hit says which.
   */
  matchEvent(trace: Trace, e: number): Hit[] {
    const kind = trace.events.kind(e);
    const cands: Bp[] = [];
    const f = this.filterByKind.get(kind);
    if (f) cands.push(...f);
    for (const d of this.data) if (dataMatches(trace, d, e)) cands.push(d);
    if (!cands.length) return [];
    const hits: Hit[] = [];
    for (const bp of cands) {
      let before = -1;
      for (const page of pagesAsked(trace, bp, e)) {
        const env = eventEnv(trace, e, page);
        if (bp.condition && !holds(bp.condition, env)) continue;
        if (bp.hit) {
          if (before < 0) before = this.occurrences(bp, e, (k) => this.eventMatchesPlain(trace, bp, k));
          if (!bp.hit(++before)) continue;
        }
        hits.push({ bp, page, ...(bp.log ? { message: bp.log(env) } : {}) });
        break;
      }
    }
    return hits;
  }

  /**
   * How many times a breakpoint matched before `at` (an operation index or an event position), in program order;
   * `matches` counts its matches at one. The count moves from where it got to, onwards or (going backwards: the
   * matches between `at` and there taken off) back, or is counted afresh from the start when that is nearer: a
   * reverseContinue over n operations costs O(n) however many candidate stops it passes, not O(n) per candidate.
   */
  private occurrences(bp: Bp, at: number, matches: (k: number) => number): number {
    if (bp.countedTo > at) {
      if (at < bp.countedTo - at) {
        bp.count = 0;
        bp.countedTo = 0;
      } else {
        for (let k = bp.countedTo - 1; k >= at; k--) bp.count -= matches(k);
        bp.countedTo = at;
      }
    }
    for (let k = bp.countedTo; k < at; k++) bp.count += matches(k);
    bp.countedTo = at;
    return bp.count;
  }

  private opMatchesPlain(trace: Trace, bp: Bp, k: number): boolean {
    if (trace.isInjected(k)) return false;
    if (bp.kind === 'line' && trace.ops.lineOf(k) !== bp.line) return false;
    if (bp.kind === 'function' && !functionMatches(trace, bp, k)) return false;
    return !bp.condition || holds(bp.condition, opEnv(trace, k));
  }

  /** How many times (pages) a breakpoint matches at event k, ignoring its hit count. */
  private eventMatchesPlain(trace: Trace, bp: Bp, k: number): number {
    if (bp.kind === 'filter' && !FILTER_KINDS[bp.filter].includes(trace.events.kind(k))) return 0;
    if (bp.kind === 'data' && !dataMatches(trace, bp, k)) return 0;
    let n = 0;
    for (const page of pagesAsked(trace, bp, k)) if (!bp.condition || holds(bp.condition, eventEnv(trace, k, page))) n++;
    return n;
  }
}

/**
 * Whether a function breakpoint stops before operation j: an operation of its name, or the first operation of a log
 * line holding its call (a line can become several operations, an alloc before a read: the stop is before them all).
 */
function functionMatches(trace: Trace, f: FunctionBp, j: number): boolean {
  if (!f.lines) return trace.ops.nameOf(j) === f.opName;
  const line = trace.ops.lineOf(j);
  return f.lines.has(line) && (j === 0 || trace.ops.lineOf(j - 1) !== line);
}

/** A condition that cannot be evaluated here (a name this kind of stop lacks) does not hold. */
function holds(condition: (env: Env) => Value, env: Env): boolean {
  try {
    return truthy(condition(env));
  } catch {
    return false;
  }
}

/** Events whose pages [b, b + count) each took the same transition: a breakpoint asks about each page. */
const PAGE_RUN_EVENTS = new Set<Ev>([
  Ev.PageHit, Ev.PageMiss, Ev.PageInsert, Ev.PageActivate, Ev.PageDeactivate, Ev.PageEvict, Ev.PageDirty, Ev.PageMap,
]);

/**
 * The pages a breakpoint asks about at event e, in order: a data breakpoint its own page; another breakpoint each
 * page of a page-run event; otherwise the event once (undefined: `page` is the event's own, if any).
 */
function pagesAsked(trace: Trace, bp: Bp, e: number): (number | undefined)[] {
  if (bp.kind === 'data') return [bp.target.type === 'page' ? bp.target.index : undefined];
  const kind = trace.events.kind(e);
  if (!PAGE_RUN_EVENTS.has(kind)) return [undefined];
  const first = trace.events.b(e);
  const n = eventPageCount(kind, trace.events.c(e));
  return Array.from({ length: n }, (_, i) => first + i);
}

const REGS = ['rdi', 'rsi', 'rdx', 'r10', 'r8', 'r9'];

/** Names a condition on an operation may use: registers as at the syscall's return, and the operation's fields. */
export function opEnv(trace: Trace, j: number): Env {
  const r = trace.ops.get(j);
  const spec = findOp(r.name);
  return (name) => {
    switch (name) {
      case 'name': return r.name;
      case 'line': return r.line;
      case 'result': case 'ret': return r.result;
      case 'rax': return r.errno ? -ERRNO[r.errno] : r.result;
      case 'errno': return r.errno;
      case 'nr': return spec?.nr ?? null;
      case 'path': case 'file': return r.text ?? null;
      case 'duration': return r.endNs - r.startNs;
      case 'start': return r.startNs;
      case 'switches': return r.contextSwitches;
      case 'cpuCopies': return r.cpuCopies;
      case 'dmaCopies': return r.dmaCopies;
      case 'cpuBytes': return r.cpuBytes;
      case 'dmaBytes': return r.dmaBytes;
      case 'faults': return r.pageFaults;
      case 'index': return j;
    }
    const reg = REGS.indexOf(name);
    if (reg >= 0) return registerArg(r.name, r.args, reg);
    const arg = spec?.args.findIndex((a) => a.name === name) ?? -1;
    if (arg >= 0) return r.args[arg] ?? null;
    return undefined;
  };
}

/** Which value a syscall argument register held (openat shifts the arguments by one: dirfd first). */
export function registerArg(opName: string, args: number[], reg: number): number {
  if (opName === 'open') return [-100, 0, args[0] ?? 0, 0o644, 0, 0][reg];
  if (opName === 'mmap') return [0, args[1], 1, 1, args[0], args[2] ?? 0][reg] ?? 0;
  return args[reg] ?? 0;
}

/** Events whose a and b are (file id, page index). */
const FILE_EVENTS = new Set<Ev>([
  Ev.PageHit, Ev.PageMiss, Ev.PageInsert, Ev.PageActivate, Ev.PageDeactivate, Ev.PageEvict, Ev.PageDirty, Ev.WritebackStart,
  Ev.WritebackEnd, Ev.ReadaheadSync, Ev.ReadaheadAsync, Ev.ReadAround, Ev.FaultMinor, Ev.FaultMajor, Ev.PageMap, Ev.ReadaheadMark,
  Ev.PageReadForWrite,
]);

/**
 * Names a condition on an event may use: file, page, bytes, kind and the enclosing operation's fields. `page`: the one
 * page of a page-run event the condition is asked about (its first by default).
 */
export function eventEnv(trace: Trace, e: number, page?: number): Env {
  const ev = trace.events;
  const kind = ev.kind(e);
  const a = ev.a(e);
  const b = ev.b(e);
  const c = ev.c(e);
  const j = trace.ops.opAt(e);
  const op = j >= 0 ? opEnv(trace, j) : () => undefined;
  const pageKinds = FILE_EVENTS.has(kind);
  return (name) => {
    switch (name) {
      case 'file': case 'path': return pageKinds ? pathOf(trace, a) : op('path');
      case 'page': case 'index': return pageKinds ? page ?? b : null;
      case 'pages': return pageKinds ? eventPageCount(kind, c) : null;
      case 'bytes': return kind === Ev.CpuCopy || kind === Ev.DmaStart || kind === Ev.DmaInterrupt ? a : null;
      case 'device': return kind === Ev.DmaInterrupt ? (b === 1 ? 'nic' : 'disk') : null;
      case 'reason': return kind === Ev.PageEvict ? ['reclaim', 'drop_caches', 'invalidate'][evictReason(c)] : kind === Ev.FlusherWake ? ['periodic', 'background', 'reclaim'][a] : null;
      case 'pause': case 'pauseMs': return kind === Ev.ThrottlePause ? a / 1000 : null;
      case 'time': return ev.time(e);
      case 'thread': return ev.thread(e) === 0 ? 'flusher' : 'process';
      case 'position': return e;
    }
    return op(name);
  };
}

function dataMatches(trace: Trace, d: DataBp, e: number): boolean {
  const ev = trace.events;
  const kind = ev.kind(e);
  const t = d.target;
  if (t.type === 'page') {
    const changes = kind === Ev.PageInsert || kind === Ev.PageEvict || kind === Ev.PageDirty || kind === Ev.PageActivate ||
      kind === Ev.PageDeactivate || kind === Ev.ReadaheadMark || kind === Ev.PageMap || kind === Ev.WritebackStart ||
      kind === Ev.WritebackEnd;
    if (changes) {
      const first = ev.b(e);
      return t.index >= first && t.index < first + eventPageCount(kind, ev.c(e)) && pathOf(trace, ev.a(e)) === t.path;
    }
    if (kind === Ev.CpuCopy) {
      // Bytes copied into a page-cache page of the file (a write).
      const m = unpackMove(ev.b(e));
      return m.dst === 2 && pathOf(trace, m.obj) === t.path && copyCoversPage(trace, e, t.index);
    }
    return false;
  }
  if (kind !== Ev.CpuCopy && kind !== Ev.DmaStart) return false;
  const m = unpackMove(ev.b(e));
  const loc = t.type === 'buffer' ? 3 : t.type === 'socket' ? 5 : 6;
  return m.dst === loc && m.obj === t.obj;
}

/** Whether the write copy at event e reached page `index` (uses the operation's offset and length). */
function copyCoversPage(trace: Trace, e: number, index: number): boolean {
  const j = trace.ops.opAt(e);
  if (j < 0) return false;
  const r = trace.ops.get(j);
  if (r.name !== 'write' && r.name !== 'pwrite') return true;
  const len = r.args[2] ?? 0;
  const off = r.name === 'pwrite' ? r.args[3] : NaN;
  if (Number.isNaN(off)) return true;
  return index >= Math.floor(off / 4096) && index <= Math.floor((off + len - 1) / 4096);
}
