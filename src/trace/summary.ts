/** The `iosim run --json` document and the text summary: field names are a contract other tools rely on. */
import { C } from '../machine/counters';
import { Machine } from '../machine/machine';
import { PG_DIRTY, PG_WRITEBACK } from '../machine/pagecache';
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
  /** A replayed log's syscall name, when it is not the operation's (`syscall` pass-throughs, copy_file_range). */
  syscall?: string;
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
  files: Record<string, { cached: number; dirty: number; writeback: number }>;
}

export interface RunJson {
  totals: Totals;
  operations: OperationJson[];
  pageCache: PageCacheJson;
  events: number;
  /** Only for replayed logs. */
  recorded?: RecordedVsModeled;
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
    files[f.path] = { cached: pages.nrpages, dirty: pages.countFlag(PG_DIRTY), writeback: pages.countFlag(PG_WRITEBACK) };
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

export function runJson(trace: Trace): RunJson {
  const operations: OperationJson[] = [];
  for (let i = 0; i < trace.ops.length; i++) {
    const r = trace.ops.get(i);
    const o: OperationJson = {
      line: r.line, name: r.name, result: r.result, errno: r.errno, contextSwitches: r.contextSwitches,
      cpuCopies: r.cpuCopies, dmaCopies: r.dmaCopies, cpuBytes: r.cpuBytes, dmaBytes: r.dmaBytes,
      pageFaults: r.pageFaults, startNs: r.startNs, endNs: r.endNs,
    };
    if (trace.spec.threads && trace.spec.threads.size > 1) o.thread = r.thread;
    if (r.text !== undefined && (r.name === 'syscall' || r.name === 'sendfile' || r.name === 'socket' || r.name === 'fdatasync')) o.syscall = r.text;
    const rec = r.recorded;
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
