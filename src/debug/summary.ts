/** What the session says about the run as a whole: the launch banner, the end, the summary of a run, the trace file. */
import { hitPercent } from '../machine/counters';
import type { LimitError } from '../machine/limits';
import { Machine } from '../machine/machine';
import { formatBytes, formatDuration } from '../machine/units';
import { totalsOf } from '../trace/summary';
import { Trace } from '../trace/trace';
import { writeChromeTraceFile } from '../trace/traceFile';
import { diskLabel } from './inspect';

export function launchBanner(trace: Trace): string {
  const s = trace.spec;
  return `I/O machine: ${formatBytes(s.config.ramBytes)} RAM, ${diskLabel(trace.machine)}, NIC ${s.config.nic}, page cache ${trace.machine.cache.capacity} pages, kernel profile ${s.config.kernel}; trace positions are event indexes.`;
}

export function endedMessage(pos: number, m: Machine, error: LimitError | null = null): string {
  return `${stoppedText(error)}program ended at position ${pos} after ${formatDuration(m.now)} simulated; continue again to end the session, or travel back (step back, reverse continue).`;
}

/** Why a run stopped before its end (a value or a time past the model's limits), as a line of its own. */
function stoppedText(error: LimitError | null): string {
  return error ? `stopped at line ${error.line}: error: ${error.message}\n` : '';
}

/** Run (no debugging) prints this once the program has run to its end. */
export function runSummaryText(m: Machine, error: LimitError | null = null): string {
  const t = totalsOf(m);
  const ratio = hitPercent(t.pageCacheHits, t.pageCacheMisses);
  return stoppedText(error) + [
    `ran to the end in ${formatDuration(t.simTimeNs)} simulated:`,
    `  ${t.syscalls} syscalls, ${t.contextSwitches} user↔kernel switches`,
    `  ${t.cpuCopies} CPU copies (${formatBytes(t.cpuBytes)}), ${t.dmaCopies} DMA copies (${formatBytes(t.dmaBytes)}), ${t.dmaInterrupts} DMA interrupts`,
    `  page cache: ${t.pageCacheHits} hits, ${t.pageCacheMisses} misses${ratio === null ? '' : ` (${ratio.toFixed(1)}% hits)`}, ${t.evictions} evictions, ${t.writebackPages} pages written back`,
    `  ${t.pageFaults} page faults`,
  ].join('\n');
}

/** The launch's `trace` file, written when the session ends; a failure is reported, never thrown. */
export function writeTraceFile(path: string, trace: Trace, print: (line: string, category: 'console' | 'stderr') => void): void {
  try {
    writeChromeTraceFile(trace, path);
    print(`trace written to ${path} (Chrome trace format: open it in Perfetto or chrome://tracing)`, 'console');
  } catch (e) {
    print(`could not write the trace: ${(e as Error).message}`, 'stderr');
  }
}
