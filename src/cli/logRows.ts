/**
 * What `iosim run` prints after a replayed log's calls: per syscall name, how many calls, how many the model simulated,
 * and the log's time against the model's.
 */
import { findOp } from '../machine/operation';
import { formatDuration } from '../machine/units';
import type { StraceInfo } from '../program/strace/load';
import type { OpRecord } from '../trace/opLog';
import { modeledCallNs, sleptNsOf, type RecordedVsModeled } from '../trace/summary';
import type { Output } from './output';
import { table } from './table';

/** One syscall name's line of the table. */
interface Row {
  calls: number;
  modeled: number;
  slept: number;
  recorded: number;
  modeledNs: number;
  timed: number;
}

/** For a replayed log, per syscall name: calls, how many were simulated, the log's time and the model's. */
export class LogRows {
  readonly rows = new Map<string, Row>();
  /**
   * The last two rows looked up, by name: a log's calls come in runs and loops (a copy's read, write, read, ...), and
   * a hash lookup of the name for each of a million calls was 40 ms of a 3 s run (issue 10).
   */
  private nameA = '';
  private rowA: Row | null = null;
  private nameB = '';
  private rowB: Row | null = null;

  add(r: OpRecord): void {
    // Operations the replay adds (a buffer's alloc, a file open before the log or closed by an exit) are no calls of the log.
    if (r.name === 'alloc' || r.name === 'inherit' || r.name === 'release') return;
    const rec = r.recorded;
    const row = this.rowOf(rec?.syscall ?? modelName(r));
    row.calls++;
    if (r.name !== 'syscall') row.modeled++;
    else if (sleptNsOf(r) > 0) row.slept++;
    if (rec?.durationNs !== undefined) {
      row.timed++;
      row.recorded += rec.durationNs;
      row.modeledNs += modeledCallNs(r);
    }
  }

  private rowOf(name: string): Row {
    if (name === this.nameA && this.rowA !== null) return this.rowA;
    let row: Row | undefined;
    if (name === this.nameB && this.rowB !== null) row = this.rowB;
    else {
      row = this.rows.get(name);
      if (!row) this.rows.set(name, (row = { calls: 0, modeled: 0, slept: 0, recorded: 0, modeledNs: 0, timed: 0 }));
    }
    this.nameB = this.nameA;
    this.rowB = this.rowA;
    this.nameA = name;
    this.rowA = row;
    return row;
  }
}

/**
 * The name of a call the log does not name (the log's name, sendto for instance, comes first): pass-throughs and
 * renamed calls carry it, others by the model's table (pread → pread64).
 */
function modelName(r: OpRecord): string {
  const named = r.name === 'syscall' || r.text === 'copy_file_range' || r.name === 'socket' || r.text?.startsWith('sync_file_range');
  return named ? r.text ?? r.name : findOp(r.name)?.linuxName ?? r.name;
}

/** The "simulated" column: yes, as a sleep, shown only, or how many of each. */
function simulatedText(r: { calls: number; modeled: number; slept: number }): string {
  if (r.modeled === r.calls) return 'yes';
  if (r.slept === r.calls) return 'as a sleep';
  if (r.modeled === 0 && r.slept === 0) return 'shown only';
  return [r.modeled ? `${r.modeled}` : '', r.slept ? `${r.slept} as sleep${r.slept === 1 ? '' : 's'}` : ''].filter((x) => x).join(', ');
}

/** For a replayed log: what was simulated and what only shown, and the log's times against the model's. */
export function logSummary(out: Output, logRows: LogRows, rvm: RecordedVsModeled | null, info: StraceInfo): void {
  const sorted = [...logRows.rows].sort((a, b) => b[1].recorded - a[1].recorded || b[1].calls - a[1].calls);
  out.line('');
  out.line(`log: ${info.lines} lines, ${info.syscalls} syscalls (${info.failed} failed), ${info.threads.size} process${info.threads.size === 1 ? '' : 'es'}, ${info.signals} signal${info.signals === 1 ? '' : 's'}, ${info.badLines} line${info.badLines === 1 ? '' : 's'} skipped`);
  out.line(table(['syscall', 'calls', 'simulated', 'recorded time', 'modeled time'], sorted.map(([name, r]) => [
    name, r.calls, simulatedText(r),
    r.timed ? formatDuration(r.recorded) : '', r.timed ? formatDuration(r.modeledNs) : '',
  ]), [false, true, true, true, true]));
  if (rvm) {
    out.line(`time in syscalls: recorded ${formatDuration(rvm.recordedNs)}, modeled ${formatDuration(rvm.modeledNs)} (${rvm.operations} timed calls)`);
    out.line(`elapsed: recorded ${formatDuration(rvm.recordedSpanNs)} (first to last call), modeled ${formatDuration(rvm.modeledSpanNs)}`);
  }
  out.line('"shown only": the model counts the call (2 switches) but does not simulate it.');
  if (sorted.some(([, r]) => r.slept > 0)) out.line('"as a sleep": not simulated, but the time the log shows it sleeping passes on the machine (the flusher and devices go on); its modeled time runs from its recorded start to its end.');
}
