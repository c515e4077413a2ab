/** The `iosim run --json` document and the text summary: field names are a contract other tools rely on. */
import { C } from '../machine/counters';
import { Machine } from '../machine/machine';
import { PG_ACTIVE, PG_DIRTY, PG_WRITEBACK } from '../machine/pagecache';
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
    files[f.path] = { cached: pages.size, dirty, writeback };
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

export function runJson(trace: Trace): RunJson {
  const operations: OperationJson[] = [];
  for (let i = 0; i < trace.ops.length; i++) {
    const r = trace.ops.get(i);
    operations.push({
      line: r.line, name: r.name, result: r.result, errno: r.errno, contextSwitches: r.contextSwitches,
      cpuCopies: r.cpuCopies, dmaCopies: r.dmaCopies, cpuBytes: r.cpuBytes, dmaBytes: r.dmaBytes,
      pageFaults: r.pageFaults, startNs: r.startNs, endNs: r.endNs,
    });
  }
  return { totals: totalsOf(trace.machine), operations, pageCache: pageCacheOf(trace.machine), events: trace.events.length };
}
