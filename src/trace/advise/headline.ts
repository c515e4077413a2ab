/** The words the command line and the editor use for a loop and its best alternative. */
import type { LoopAdvice } from './advise';

/** "51,200" */
export function count(n: number): string {
  return n.toLocaleString('en-US');
}

/** "16 read+write pairs", "1 write from a mapping". */
export function what(l: LoopAdvice): string {
  const n = l.pairs;
  return l.method === 'mmap+write' ? `${count(n)} write${n === 1 ? '' : 's'} from a mapping` : `${count(n)} read+write pair${n === 1 ? '' : 's'}`;
}

/**
 * One line of advice for a loop (what the editor's CodeLens says too). A method is judged by the whole run it produces
 * (every loop it applies to rewritten, the rest of the log unchanged: runSpeedup), not by this loop alone: the
 * recommendation is the alternative that speeds the run most (this loop's speed-up breaks ties). A method that speeds
 * this loop more but slows the run is named as such; when every method slows the run, the loop is best kept.
 */
export function headline(l: LoopAdvice): string {
  const w = what(l);
  const byRun = [...l.alternatives].sort((a, b) => b.runSpeedup - a.runSpeedup || b.speedup - a.speedup);
  const best = byRun[0];
  if (!best) return `${w}: ${l.note ?? 'no alternative'}`;
  const fastestHere = [...l.alternatives].sort((a, b) => b.speedup - a.speedup)[0];
  const trap = fastestHere !== best && fastestHere.speedup >= 1.01 && fastestHere.runSpeedup <= 0.99
    ? `; ${fastestHere.method} speeds this loop (${pace(fastestHere.speedup)}) but slows the run (${pace(fastestHere.runSpeedup)})`
    : '';
  if (best.runSpeedup <= 0.99) {
    const here = best.speedup >= 1.01 ? ` (${best.method}: this loop ${pace(best.speedup)}, but the run ${pace(best.runSpeedup)})` : ` (best: ${best.method}, the run ${pace(best.runSpeedup)})`;
    return `${w}: keep ${l.method}, every method slows the run${here}${trap} (model)`;
  }
  const saved = l.cpuCopies - best.cpuCopies;
  const copies = saved > 0 ? `−${count(saved)} CPU copies, ` : saved < 0 ? `+${count(-saved)} CPU copies, ` : '';
  return `${w} → ${best.method}: ${copies}this loop ${pace(best.speedup)}, the run ${pace(best.runSpeedup)}${trap} (model)`;
}

/** "1.90× faster", "2.08× slower", "about the same time" (within 1%). */
export function pace(speedup: number): string {
  if (speedup >= 1.01) return `${speedup.toFixed(2)}× faster`;
  if (speedup > 0 && speedup <= 0.99) return `${(1 / speedup).toFixed(2)}× slower`;
  return 'about the same time';
}

