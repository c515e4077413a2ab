/**
 * The zero-copy advisor: the article's comparison on the user's own log. The log is replayed once as recorded; its
 * transfer loops are found (loops.ts); each method of the article that applies is written in their place (rewrite.ts)
 * and the whole log replayed again on the same machine; each loop's cost is compared with the method's.
 *
 * Shapes (JSON of `iosim advise --json`): { loops: LoopAdvice[], zeroCopy: ZeroCopyAdvice[], assumption }.
 * Times are the model's (ns) inside the loop's calls; `recordedNs` is the log's -T time of the same calls.
 */
import { maxOf, minOf } from '../../shared/extent';
import type { ProgramSpec } from '../../program/source';
import type { MethodCost } from '../compare';
import { findLoops, type Loop } from './loops';
import { ADVISE_METHODS, applicable, buildRewrite, type AdviseMethod } from './rewrite';
import { recordRun, rewriteRun, zeroCost, type CacheEnd, type Cost, type Step } from './run';

export type { AdviseMethod };

/** The page cache when the run ends: all pages cached, the loop's source file's, and evictions during the run. */
export interface PageCacheEffect {
  pages: number;
  sourcePages: number;
  evictions: number;
}

export interface AlternativeAdvice extends MethodCost {
  method: AdviseMethod;
  calls: number;
  /** The loop's modeled time as recorded over this method's (2 decimals): above 1 is faster. */
  speedup: number;
  /**
   * The run with this method in place of every loop it applies to (as one changed program would have it): the time of
   * all those loops summed, recorded (`runBaseNs`) and rewritten (`runSimTimeNs`), ns, and the one over the other
   * (2 decimals). A method that speeds one loop can slow the run (O_DIRECT leaves the file uncached, so the next loop
   * reading it waits for the disk): the headline chooses on this figure.
   */
  runBaseNs: number;
  runSimTimeNs: number;
  runSpeedup: number;
  pageCache: PageCacheEffect;
}

export interface LoopAdvice {
  firstLine: number;
  lastLine: number;
  /** The thread (process) index of the operations, and its name when the log has several. */
  thread: number;
  threadName?: string;
  source: string;
  sink: string;
  sourceKind: string;
  sinkKind: string;
  /** Bytes moved, calls made (the end-of-file read included), read+write (or write) pairs. */
  bytes: number;
  calls: number;
  pairs: number;
  /** 'read+write' or 'mmap+write', as `iosim compare` names them. */
  method: string;
  syscalls: number;
  contextSwitches: number;
  dmaCopies: number;
  cpuCopies: number;
  cpuBytes: number;
  /** The log's own time for the loop's calls (-T), when it has it. */
  recordedNs: number | null;
  simTimeNs: number;
  pageCache: PageCacheEffect;
  alternatives: AlternativeAdvice[];
  /** Why no alternative is given, when none is. */
  note?: string;
}

export interface ZeroCopyAdvice {
  line: number;
  method: string;
  bytes: number;
}

export interface AdviceReport {
  loops: LoopAdvice[];
  zeroCopy: ZeroCopyAdvice[];
  /** What a log cannot show, said once. */
  assumption: string;
  /**
   * Per method: lines of the rest of the log whose call failed in the rewritten run but not in the log's (or the
   * reverse); empty when the rewrite left the rest of the log as it was.
   */
  disturbed: Partial<Record<AdviseMethod, number[]>>;
}

export const ASSUMPTION = 'strace does not show what the program does with its buffer between the read and the write: '
  + 'the rewrite assumes the bytes pass through unchanged.';

/** The steps a loop is made of, in order. */
export function loopSteps(l: Loop): number[] {
  const out: number[] = [];
  for (const p of l.pairs) {
    if (p.read >= 0) out.push(p.read);
    out.push(...p.writes);
  }
  if (l.eof >= 0) out.push(l.eof);
  return out;
}

function costOf(steps: readonly Step[], idx: readonly number[]): Cost & { recordedNs: number | null } {
  const c = { ...zeroCost(), recordedNs: null as number | null };
  for (const i of idx) {
    const s = steps[i];
    c.calls++;
    if (s.op.name !== 'alloc') c.syscalls++;
    c.contextSwitches += s.contextSwitches;
    c.dmaCopies += s.dmaCopies;
    c.cpuCopies += s.cpuCopies;
    c.cpuBytes += s.cpuBytes;
    c.simTimeNs += s.endNs - s.startNs;
    const d = s.op.recorded?.durationNs;
    if (d !== undefined) c.recordedNs = (c.recordedNs ?? 0) + d;
  }
  return c;
}

function effect(end: CacheEnd, l: Loop): PageCacheEffect {
  return { pages: end.pages, sourcePages: l.sourceFileId >= 0 ? end.pagesOf(l.sourceFileId) : 0, evictions: end.evictions };
}

function noteFor(l: Loop): string {
  if (l.sourceFd < 0) return `the model does not simulate reading ${l.source} (${l.sourceKind}): no alternative is run`;
  if (l.sinkFd < 0 || l.sinkKind === 'other') return `the model does not simulate writing ${l.sink}: no alternative is run`;
  return 'no method of the article applies to these ends';
}

/**
 * Advises on `spec` (a loaded log or scenario): its loops, each with the methods that apply measured on the machine
 * `spec.config` describes. `spec` is read as many times as methods apply (plus one); the caller closes it.
 */
export function advise(spec: ProgramSpec): AdviceReport {
  const rec = recordRun(spec);
  const { steps } = rec;
  const { loops, zeroCopy } = findLoops(steps);
  const methods = ADVISE_METHODS.filter((m) => loops.some((l) => applicable(l, steps).includes(m)));
  const results = new Map<AdviseMethod, { loops: Cost[]; end: CacheEnd; diverged: number[] }>();
  const disturbed: Partial<Record<AdviseMethod, number[]>> = {};
  for (const m of methods) {
    const r = rewriteRun(spec, steps, buildRewrite(m, loops, steps, rec.config));
    results.set(m, r);
    if (r.diverged.length) disturbed[m] = r.diverged.map((i) => steps[i].op.line);
  }
  const bases = loops.map((l) => costOf(steps, loopSteps(l)));
  // Per method, the loops it rewrites summed: as recorded, and rewritten.
  const runs = new Map<AdviseMethod, { base: number; alt: number }>();
  for (const [m, r] of results) {
    const t = { base: 0, alt: 0 };
    loops.forEach((l, li) => {
      if (!applicable(l, steps).includes(m)) return;
      t.base += bases[li].simTimeNs;
      t.alt += r.loops[li].simTimeNs;
    });
    runs.set(m, t);
  }
  const out: LoopAdvice[] = loops.map((l, li) => {
    const idx = loopSteps(l);
    const lines = idx.map((i) => steps[i].op.line);
    const base = bases[li];
    const alts = applicable(l, steps).map((m): AlternativeAdvice => {
      const r = results.get(m)!;
      const c = r.loops[li];
      return {
        method: m, calls: c.calls, syscalls: c.syscalls, contextSwitches: c.contextSwitches, dmaCopies: c.dmaCopies,
        cpuCopies: c.cpuCopies, cpuBytes: c.cpuBytes, simTimeNs: c.simTimeNs,
        speedup: c.simTimeNs > 0 ? Math.round((base.simTimeNs / c.simTimeNs) * 100) / 100 : 0,
        runBaseNs: runs.get(m)!.base,
        runSimTimeNs: runs.get(m)!.alt,
        runSpeedup: runs.get(m)!.alt > 0 ? Math.round((runs.get(m)!.base / runs.get(m)!.alt) * 100) / 100 : 0,
        pageCache: effect(r.end, l),
      };
    });
    const advice: LoopAdvice = {
      firstLine: minOf(lines), lastLine: maxOf(lines), thread: l.thread, threadName: spec.threads?.get(l.thread), source: l.source, sink: l.sink,
      sourceKind: l.sourceKind, sinkKind: l.sinkKind, bytes: l.pairs.reduce((a, p) => a + p.bytes, 0),
      calls: base.calls, pairs: l.pairs.length, method: l.method, syscalls: base.syscalls,
      contextSwitches: base.contextSwitches, dmaCopies: base.dmaCopies, cpuCopies: base.cpuCopies, cpuBytes: base.cpuBytes,
      recordedNs: base.recordedNs, simTimeNs: base.simTimeNs, pageCache: effect(rec.end, l), alternatives: alts,
    };
    if (alts.length === 0) advice.note = noteFor(l);
    return advice;
  });
  return {
    loops: out,
    zeroCopy: zeroCopy.map((z) => ({ line: z.line, method: z.method, bytes: z.bytes })),
    assumption: ASSUMPTION,
    disturbed,
  };
}
