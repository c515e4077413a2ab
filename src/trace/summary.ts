/** The `iosim run --json` document and the text summary: field names are a contract other tools rely on. */
import { C } from '../machine/counters';
import { Machine } from '../machine/machine';
import { PG_ACTIVE, PG_DIRTY, PG_WRITEBACK } from '../machine/pagecache';
import type { Diagnostic } from '../program/diagnostics';
import type { MachineProfile } from '../program/profile';
import { FdNames } from './strace';
import { Trace } from './trace';
import type { Counters } from '../shared/messages';

/** The run's totals: the same record the panel's counters show. */
export type Totals = Counters;

export interface OperationJson {
  line: number;
  name: string;
  result: number;
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
    const pages = m.cache.pagesOf(f.id);
    if (!pages) continue;
    let dirty = 0;
    let writeback = 0;
    for (const p of pages.values()) {
      if (p.flags & PG_DIRTY) dirty++;
      if (p.flags & PG_WRITEBACK) writeback++;
    }
    files[f.path] = { cached: pages.size, dirty, writeback, residentRuns: runsOf([...pages.keys()]) };
  }
  let active = 0;
  for (const f of m.cache.files.values()) for (const p of f.values()) if (p.flags & PG_ACTIVE) active++;
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

/** Page indexes as ascending maximal runs of consecutive pages: [first index, count]. */
export function runsOf(indexes: number[]): [number, number][] {
  indexes.sort((a, b) => a - b);
  const runs: [number, number][] = [];
  for (const i of indexes) {
    const last = runs[runs.length - 1];
    if (last && last[0] + last[1] === i) last[1]++;
    else runs.push([i, 1]);
  }
  return runs;
}

/** Operations whose first argument is a descriptor (the machine's), for `path`. */
const FD_FIRST = new Set(['read', 'write', 'pread', 'pwrite', 'lseek', 'close', 'mmap', 'sendfile', 'splice', 'fsync', 'fdatasync', 'aio_read', 'uring_read']);

export function runJson(trace: Trace, extras: RunExtras = {}): RunJson {
  const operations: OperationJson[] = [];
  // The machine's own names of descriptors, for operations whose log did not name them (scenarios, logs without -y).
  const names = new FdNames();
  for (let i = 0; i < trace.ops.length; i++) {
    const r = trace.ops.get(i);
    const o: OperationJson = {
      line: r.line, name: r.name, result: r.result, errno: r.errno, contextSwitches: r.contextSwitches,
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
    operations.push(o);
  }
  const doc: RunJson = { totals: totalsOf(trace.machine), operations, pageCache: pageCacheOf(trace.machine), events: trace.events.length };
  const rvm = recordedVsModeled(trace);
  if (rvm) doc.recorded = rvm;
  if (extras.diagnostics) doc.diagnostics = extras.diagnostics.map((d) => ({ line: d.line, severity: d.severity, message: d.message }));
  if (extras.profile) doc.profile = extras.profile;
  return doc;
}

/** The log's timings against the model's (null when no operation carries a recorded time). */
export function recordedVsModeled(trace: Trace): RecordedVsModeled | null {
  let operations = 0;
  let recordedNs = 0;
  let modeledNs = 0;
  let first = Infinity;
  let last = -Infinity;
  for (let i = 0; i < trace.ops.length; i++) {
    const rec = trace.ops.recordedOf(i);
    if (!rec) continue;
    const d = rec.durationNs;
    if (d !== undefined) {
      operations++;
      recordedNs += d;
      const r = trace.ops.get(i);
      modeledNs += r.endNs - r.startNs;
    }
    if (rec.timestampNs !== undefined) {
      first = Math.min(first, rec.timestampNs);
      last = Math.max(last, rec.timestampNs + (d ?? 0));
    }
  }
  if (operations === 0 && first === Infinity) return null;
  return { operations, recordedNs, modeledNs, recordedSpanNs: first === Infinity ? 0 : last - first, modeledSpanNs: trace.machine.now };
}
