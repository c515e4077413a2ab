/** Running counters, kept in one Float64Array so an operation's share is a cheap difference of two copies. */

export const enum C {
  Syscalls = 0,
  ContextSwitches,
  CpuCopies,
  DmaCopies,
  CpuBytes,
  DmaBytes,
  PageCacheHits,
  PageCacheMisses,
  Evictions,
  DmaInterrupts,
  PageFaults,
  MajorFaults,
  WritebackPages,
  ThrottleNs,
  PagesDirtied,
  ReadaheadPages,
  Count,
}

export const COUNTER_NAMES: readonly string[] = [
  'syscalls', 'contextSwitches', 'cpuCopies', 'dmaCopies', 'cpuBytes', 'dmaBytes', 'pageCacheHits',
  'pageCacheMisses', 'evictions', 'dmaInterrupts', 'pageFaults', 'majorFaults', 'writebackPages', 'throttleNs',
  'pagesDirtied', 'readaheadPages',
];

export type Counters = Float64Array;

/** Page-cache hits as a percentage of lookups; null before the first lookup. */
export function hitPercent(hits: number, misses: number): number | null {
  return hits + misses > 0 ? (100 * hits) / (hits + misses) : null;
}

export function newCounters(): Counters {
  return new Float64Array(C.Count);
}
