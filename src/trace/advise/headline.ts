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

/** One line of advice for a loop: its best alternative by modeled time (what the editor's CodeLens says too). */
export function headline(l: LoopAdvice): string {
  const w = what(l);
  const best = [...l.alternatives].sort((a, b) => b.speedup - a.speedup)[0];
  if (!best) return `${w}: ${l.note ?? 'no alternative'}`;
  const saved = l.cpuCopies - best.cpuCopies;
  const copies = saved > 0 ? `−${count(saved)} CPU copies, ` : saved < 0 ? `+${count(-saved)} CPU copies, ` : '';
  return `${w} → ${best.method}: ${copies}${pace(best.speedup)} (model)`;
}

/** "1.90× faster", "2.08× slower", "about the same time" (within 1%). */
export function pace(speedup: number): string {
  if (speedup >= 1.01) return `${speedup.toFixed(2)}× faster`;
  if (speedup > 0 && speedup <= 0.99) return `${(1 / speedup).toFixed(2)}× slower`;
  return 'about the same time';
}

