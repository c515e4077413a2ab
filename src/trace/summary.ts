/** The `iosim run --json` document and the text summary: field names are a contract other tools rely on. */
import { C } from '../machine/counters';
import { Machine } from '../machine/machine';
import { PG_DIRTY, PG_WRITEBACK } from '../machine/pagecache';
import type { Diagnostic } from '../program/diagnostics';
import type { MachineProfile } from '../program/profile';
import type { OpRecord } from './opLog';
import { FdNames } from './strace';
import { Trace } from './trace';
import type { Counters } from '../shared/messages';

/** The run's totals: the same record the panel's counters show. */
export type Totals = Counters;

export interface OperationJson {
  line: number;
  name: string;
  /**
   * The model's result; null for a log's call it only shows that returned nothing (`= ?`: exit_group, a call killed
   * or never resumed), which the model does not make up.
   */
  result: number | null;
  errno: string | null;
  contextSwitches: number;
  cpuCopies: number;
  dmaCopies: number;
  cpuBytes: number;
  dmaBytes: number;
  pageFaults: number;
  startNs: number;
  endNs: number;
  /** Thread (a strace log's process) when the program has more than one. */
  thread?: number;
  /** A replayed log's name of the call (pread64, clock_nanosleep), on every operation that comes from a call of the log. */
  syscall?: string;
  /** What the operation's descriptor (or path) names: the log's -y name for a log, else the file, `pipe:[N]`, `TCP:[N]`. */
  path?: string;
  /** What the log recorded, when it did: duration (-T), start since the log's first timestamp (-tt), result. */
  recordedNs?: number;
  recordedAtNs?: number;
  recordedResult?: number;
  recordedErrno?: string;
}

/** A replayed log's own timings against the model's, over the operations the log timed. */
export interface RecordedVsModeled {
  /** Operations that carry a recorded duration. */
  operations: number;
  /** Sum of their recorded durations, and of their modeled durations. */
  recordedNs: number;
  modeledNs: number;
  /** From the first recorded start to the last recorded end, and the model's whole simulated time. */
  recordedSpanNs: number;
  modeledSpanNs: number;
}

export interface PageCacheJson {
  capacityPages: number;
  pages: number;
  dirty: number;
  writeback: number;
  active: number;
  inactive: number;
  files: Record<string, { cached: number; dirty: number; writeback: number; residentRuns: [number, number][] }>;
}

/** A diagnostic of the load, as tools read it. */
export interface DiagnosticJson {
  line: number;
  severity: 'error' | 'warning';
  message: string;
}

/** What the machine was set from, when `--profile` was given: each value and where it was read (program/profile.ts). */
export type ProfileJson = MachineProfile;

/** What the caller knows beside the trace: the load's diagnostics, the profile the machine was set from. */
export interface RunExtras {
  diagnostics?: readonly Diagnostic[];
  profile?: ProfileJson;
}

export interface RunJson {
  totals: Totals;
  operations: OperationJson[];
  pageCache: PageCacheJson;
  events: number;
  /** Only for replayed logs. */
  recorded?: RecordedVsModeled;
  /** Every diagnostic the load produced (when the caller gave them). */
  diagnostics?: DiagnosticJson[];
  profile?: ProfileJson;
}

export function totalsOf(m: Machine): Totals {
  const c = m.counters;
  return {
    syscalls: c[C.Syscalls],
    contextSwitches: c[C.ContextSwitches],
    cpuCopies: c[C.CpuCopies],
    dmaCopies: c[C.DmaCopies],
    cpuBytes: c[C.CpuBytes],
    dmaBytes: c[C.DmaBytes],
    pageCacheHits: c[C.PageCacheHits],
    pageCacheMisses: c[C.PageCacheMisses],
    evictions: c[C.Evictions],
    dmaInterrupts: c[C.DmaInterrupts],
    pageFaults: c[C.PageFaults],
    writebackPages: c[C.WritebackPages],
    simTimeNs: m.now,
  };
}

export function pageCacheOf(m: Machine): PageCacheJson {
  const files: PageCacheJson['files'] = {};
  for (const f of m.filesById) {
    const pages = m.cache.mapping(f.id);
    if (!pages) continue;
    files[f.path] = { cached: pages.nrpages, dirty: pages.countFlag(PG_DIRTY), writeback: pages.countFlag(PG_WRITEBACK), residentRuns: runsOf(pages.folios()) };
  }
  const active = m.cache.active.count;
  return {
    capacityPages: m.cache.capacity,
    pages: m.cache.size,
    dirty: m.cache.dirty,
    writeback: m.cache.writeback,
    active,
    inactive: m.cache.size - active,
    files,
  };
}

/** Runs of pages (folios, in index order) as ascending maximal runs of consecutive cached pages: [first index, count]. */
export function runsOf(folios: Iterable<{ index: number; nr: number }>): [number, number][] {
  const runs: [number, number][] = [];
  for (const f of folios) {
    const last = runs[runs.length - 1];
    if (last && last[0] + last[1] === f.index) last[1] += f.nr;
    else runs.push([f.index, f.nr]);
  }
  return runs;
}

/** Operations whose first argument is a descriptor (the machine's), for `path`. */
const FD_FIRST = new Set(['read', 'write', 'pread', 'pwrite', 'lseek', 'close', 'mmap', 'sendfile', 'splice', 'fsync', 'fdatasync', 'fadvise', 'aio_read', 'aio_submit', 'uring_read', 'fcntl', 'release']);

/**
 * One operation as `iosim run --json` lists it. `names` follows the run's descriptors as the machine names them (one
 * for the whole run, given every operation in order), for operations whose log did not name them (scenarios, logs
 * without -y).
 */
export function operationJson(trace: Trace, r: OpRecord, names: FdNames): OperationJson {
  const o: OperationJson = {
    line: r.line, name: r.name, result: noResult(r) ? null : r.result, errno: r.errno, contextSwitches: r.contextSwitches,
    cpuCopies: r.cpuCopies, dmaCopies: r.dmaCopies, cpuBytes: r.cpuBytes, dmaBytes: r.dmaBytes,
    pageFaults: r.pageFaults, startNs: r.startNs, endNs: r.endNs,
  };
  if (trace.spec.threads && trace.spec.threads.size > 1) o.thread = r.thread;
  const rec = r.recorded;
  if (r.text !== undefined && (r.name === 'syscall' || r.name === 'sendfile' || r.name === 'socket' || r.name === 'fdatasync')) o.syscall = r.text;
  else if (rec?.syscall !== undefined) o.syscall = rec.syscall;
  let path = rec?.path ?? (r.name === 'open' ? r.text : FD_FIRST.has(r.name) ? names.nameOf(r.args[0]) : undefined);
  names.after(r);
  // A new socket or pipe is named once it exists.
  if (path === undefined && (r.name === 'socket' || r.name === 'pipe')) path = names.nameOf(r.result);
  if (path !== undefined) o.path = path;
  if (rec) {
    if (rec.durationNs !== undefined) o.recordedNs = rec.durationNs;
    if (rec.timestampNs !== undefined) o.recordedAtNs = rec.timestampNs;
    if (rec.result !== undefined) o.recordedResult = rec.result;
    if (rec.errno !== undefined) o.recordedErrno = rec.errno;
  }
  return o;
}

/** A log's call shown only (`syscall`) whose log gave no result (`= ?`): machine.ts's recordedResult makes it 0. */
function noResult(r: OpRecord): boolean {
  const rec = r.recorded;
  return r.name === 'syscall' && rec !== undefined && rec.syscall !== undefined && rec.result === undefined && rec.errno === undefined;
}

/** Everything of `iosim run --json` but the operations, once the run has ended. */
export function runJsonRest(trace: Trace, recorded: RecordedVsModeled | null, extras: RunExtras = {}): Omit<RunJson, 'operations'> {
  const doc: Omit<RunJson, 'operations'> = { totals: totalsOf(trace.machine), pageCache: pageCacheOf(trace.machine), events: trace.events.length };
  if (recorded) doc.recorded = recorded;
  if (extras.diagnostics) doc.diagnostics = extras.diagnostics.map((d) => ({ line: d.line, severity: d.severity, message: d.message }));
  if (extras.profile) doc.profile = extras.profile;
  return doc;
}

/** The document with its fields in their one order (the streamed document and runJson's must be the same text). */
function ordered(rest: Omit<RunJson, 'operations'>, operations: OperationJson[]): RunJson {
  return {
    totals: rest.totals, operations, pageCache: rest.pageCache, events: rest.events,
    ...(rest.recorded ? { recorded: rest.recorded } : {}),
    ...(rest.diagnostics ? { diagnostics: rest.diagnostics } : {}),
    ...(rest.profile ? { profile: rest.profile } : {}),
  };
}

/**
 * The `iosim run --json` document around its operations, as JSON.stringify(doc, null, 2) writes it: what comes
 * before the first operation and after the last, and how one operation is written (`opText`: on a line of its own),
 * so that a run can write its operations as they happen.
 */
export function runJsonFrame(rest: Omit<RunJson, 'operations'>): { head: string; tail: string; empty: string } {
  const full = JSON.stringify(ordered(rest, []), null, 2);
  const marker = '"operations": []';
  const at = full.indexOf(marker);
  return { head: full.slice(0, at) + '"operations": [\n', tail: '\n  ]' + full.slice(at + marker.length), empty: full };
}

/**
 * One operation's text inside the document's array, without the separating comma: one line each. A log of a million
 * calls printed field by field on lines of their own was three times the log's size (a new-user trial: 900 MB for
 * a 290 MB log); a line per call is what `jq -c` and line tools take, and a person reads one call at a time.
 */
export function opText(o: OperationJson): string {
  return '    ' + JSON.stringify(o);
}

export function runJson(trace: Trace, extras: RunExtras = {}): RunJson {
  const operations: OperationJson[] = [];
  const names = new FdNames();
  for (let i = 0; i < trace.ops.length; i++) operations.push(operationJson(trace, trace.ops.get(i), names));
  return ordered(runJsonRest(trace, recordedVsModeled(trace), extras), operations);
}

/**
 * How long the log slept in a call the model lets sleep (a pass-through `syscall` whose second argument is the time
 * slept, ns: nanosleep, a poll that timed out; strace/sleep.ts), or 0 for any other operation.
 */
export function sleptNsOf(r: OpRecord): number {
  return r.name === 'syscall' && (r.args[1] ?? 0) > 0 ? r.args[1] : 0;
}

/**
 * The model's time of one call, ns: from its start to its end; for a sleep, from its recorded start (when it is the
 * earlier) to its end. The machine has one clock: the other threads' calls that ran while this one slept (the log shows
 * them between its `<unfinished ...>` and its `<... resumed>`) already moved it, so the sleep's own wait is only the
 * rest of it; it slept the whole time all the same (machine.ts, case 'syscall', sleeps until its recorded end).
 */
export function modeledCallNs(r: OpRecord): number {
  const at = r.recorded?.timestampNs;
  if (sleptNsOf(r) > 0 && at !== undefined && at < r.startNs) return r.endNs - at;
  return r.endNs - r.startNs;
}

/** The log's timings against the model's, gathered operation by operation (a run that keeps no operation). */
export class RecordedTally {
  private operations = 0;
  private recordedNs = 0;
  private modeledNs = 0;
  private first = Infinity;
  private last = -Infinity;

  add(r: OpRecord): void {
    const rec = r.recorded;
    if (!rec) return;
    const d = rec.durationNs;
    if (d !== undefined) {
      this.operations++;
      this.recordedNs += d;
      this.modeledNs += modeledCallNs(r);
    }
    if (rec.timestampNs !== undefined) {
      this.first = Math.min(this.first, rec.timestampNs);
      this.last = Math.max(this.last, rec.timestampNs + (d ?? 0));
    }
  }

  /** The figures once the run ended at simulated time `endNs`; null when no operation carried a recorded time. */
  result(endNs: number): RecordedVsModeled | null {
    if (this.operations === 0 && this.first === Infinity) return null;
    return {
      operations: this.operations, recordedNs: this.recordedNs, modeledNs: this.modeledNs,
      recordedSpanNs: this.first === Infinity ? 0 : this.last - this.first, modeledSpanNs: endNs,
    };
  }
}

/** The log's timings against the model's (null when no operation carries a recorded time). */
export function recordedVsModeled(trace: Trace): RecordedVsModeled | null {
  const tally = new RecordedTally();
  for (let i = 0; i < trace.ops.length; i++) if (trace.ops.recordedOf(i)) tally.add(trace.ops.get(i));
  return tally.result(trace.machine.now);
}
