/** `iosim advise` as text: per loop the article's table for the methods that could replace it (command line, console). */
import { table } from '../../cli/table';
import { formatBytes, formatDuration } from '../../machine/units';
import type { AdviceReport, LoopAdvice } from './advise';
import { count, headline, what } from './headline';

function where(l: LoopAdvice): string {
  return l.firstLine === l.lastLine ? `line ${l.firstLine}` : `lines ${l.firstLine}-${l.lastLine}`;
}

function printLoop(out: (s: string) => void, l: LoopAdvice, k: number): void {
  out(`loop ${k + 1}: ${where(l)}, ${l.threadName ?? `thread ${l.thread}`}: ${l.source} → ${l.sink}`);
  const rec = l.recordedNs === null ? 'no recorded time' : `recorded ${formatDuration(l.recordedNs)}`;
  out(`  ${what(l)}, ${formatBytes(l.bytes)}, ${count(l.calls)} call${l.calls === 1 ? '' : 's'}; ${rec}, modeled ${formatDuration(l.simTimeNs)}`);
  if (l.alternatives.length === 0) {
    out(`  ${l.note ?? ''}`);
    return;
  }
  const row = (name: string, r: { syscalls: number; contextSwitches: number; dmaCopies: number; cpuCopies: number; cpuBytes: number; simTimeNs: number; pageCache: { sourcePages: number; evictions: number } }, speedup: string, run: string, runSpeedup: string) =>
    [name, count(r.syscalls), count(r.contextSwitches), count(r.dmaCopies), count(r.cpuCopies), formatBytes(r.cpuBytes), formatDuration(r.simTimeNs), speedup, run, runSpeedup, count(r.pageCache.sourcePages), count(r.pageCache.evictions)];
  out(table(
    ['method', 'syscalls', 'switches', 'DMA copies', 'CPU copies', 'CPU bytes', 'time', 'speed-up', 'all loops (log → method)', 'run speed-up', 'source pages cached', 'evictions (run)'],
    [row(`${l.method} (log)`, l, '1.00x', '', ''), ...l.alternatives.map((a) => row(a.method, a, `${a.speedup.toFixed(2)}x`, `${formatDuration(a.runBaseNs)} → ${formatDuration(a.runSimTimeNs)}`, `${a.runSpeedup.toFixed(2)}x`))],
    [false, true, true, true, true, true, true, true, true, true, true, true],
  ).split('\n').map((s) => '  ' + s).join('\n'));
  out(`  ${headline(l)}`);
}

export function printReport(out: (s: string) => void, path: string, r: AdviceReport): void {
  out(`advice for ${path} (times are the model's, inside the loop's calls; "all loops": every loop the method rewrites in one`);
  out('run, summed, as recorded → rewritten: the advice is chosen on the run, not on one loop):');
  if (r.loops.length === 0) out('no transfer loop found: no read then write of the same bytes, and no write from a file mapping.');
  r.loops.forEach((l, k) => {
    out('');
    printLoop(out, l, k);
  });
  if (r.zeroCopy.length) {
    out('');
    out('already zero-copy:');
    const byMethod = new Map<string, { calls: number; bytes: number; lines: number[] }>();
    for (const z of r.zeroCopy) {
      const g = byMethod.get(z.method) ?? { calls: 0, bytes: 0, lines: [] };
      g.calls++;
      g.bytes += z.bytes;
      if (g.lines.length < 5) g.lines.push(z.line);
      byMethod.set(z.method, g);
    }
    for (const [m, g] of byMethod) out(`  ${m}: ${count(g.calls)} call${g.calls === 1 ? '' : 's'}, ${formatBytes(g.bytes)} (line${g.lines.length === 1 ? '' : 's'} ${g.lines.join(', ')}${g.calls > g.lines.length ? ', ...' : ''})`);
  }
  for (const [m, lines] of Object.entries(r.disturbed)) {
    out(`warning: with ${m} in place of the loops, calls elsewhere in the log fail or succeed otherwise than recorded (line${lines.length === 1 ? '' : 's'} ${lines.slice(0, 5).join(', ')}${lines.length > 5 ? ', ...' : ''})`);
  }
  if (r.loops.length) {
    out('');
    out(`note: ${r.assumption}`);
    out('switches are user↔kernel mode transitions (~50 ns each), not process switches; only the transfer calls are counted, as `iosim compare` counts.');
  }
}

export function printVary(out: (s: string) => void, path: string, key: string, runs: { value: string; report: AdviceReport }[]): void {
  out(`advice for ${path}, modeled time of each loop with ${key} = ${runs.map((r) => r.value).join(', ')}:`);
  const first = runs[0].report;
  if (first.loops.length === 0) out('no transfer loop found.');
  first.loops.forEach((l, k) => {
    out('');
    out(`loop ${k + 1}: ${where(l)}: ${l.source} → ${l.sink}, ${what(l)}, ${formatBytes(l.bytes)}`);
    const methods = [l.method, ...l.alternatives.map((a) => a.method)];
    const rows = methods.map((m, i) => [
      i === 0 ? `${m} (log)` : m,
      ...runs.map((r) => {
        const rl = r.report.loops[k];
        if (!rl) return '';
        if (i === 0) return formatDuration(rl.simTimeNs);
        const a = rl.alternatives.find((x) => x.method === m);
        return a ? `${formatDuration(a.simTimeNs)} (${a.speedup.toFixed(2)}x)` : '';
      }),
    ]);
    out(table(['method', ...runs.map((r) => `${key}=${r.value}`)], rows, [false, ...runs.map(() => true)]).split('\n').map((s) => '  ' + s).join('\n'));
  });
  out('');
  out(`note: ${first.assumption}`);
}
