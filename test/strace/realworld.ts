/**
 * Helpers for the real-world logs of test/fixtures/realworld/ (issue 11): the NN-*.strace cases that came with a
 * note of what went wrong, and the kN-*.strace logs recorded for each fault kind (see record-fidelity.sh there).
 * The log's own results are the truth: a replay matches what really happened when the model's results agree.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Ev, eventPageCount } from '../../src/machine/events';
import { PG_DIRTY, PG_WRITEBACK } from '../../src/machine/machine';
import { findOp } from '../../src/machine/operation';
import { loadStraceFile, type StraceLoaded } from '../../src/program/strace/load';
import { Trace } from '../../src/trace/trace';
import { opsOf, type OpInfo } from './helpers';

/** From out/test/strace/ (compiled) back to the project's test/fixtures/realworld/. */
export const REALWORLD = path.join(__dirname, '../../../test/fixtures/realworld');

export function realworld(name: string): string {
  return path.join(REALWORLD, name);
}

export function logText(name: string): string {
  return readFileSync(realworld(name), 'utf8');
}

export function runLog(name: string): { loaded: StraceLoaded; trace: Trace; ops: OpInfo[] } {
  const loaded = loadStraceFile(realworld(name));
  assert.ok(loaded.spec, `${name} did not load`);
  const trace = new Trace(loaded.spec);
  trace.runToEnd();
  return { loaded, trace, ops: opsOf(trace) };
}

/**
 * Every simulated call whose result the model computes (byte counts, offsets, statuses, event counts: not the
 * descriptors, addresses and ids it numbers its own way) against what the log recorded: 'line N name: model X, log Y'.
 */
export function mismatches(ops: readonly OpInfo[]): string[] {
  const out: string[] = [];
  for (const o of ops) {
    const rec = o.recorded;
    if (o.name === 'syscall' || o.name === 'alloc' || !rec || rec.result === undefined) continue;
    const returns = findOp(o.name)?.returns;
    if (returns === 'fd' || returns === 'addr' || returns === 'id') continue;
    const model = o.errno ? `-1 ${o.errno}` : String(o.result);
    const log = rec.errno ? `-1 ${rec.errno}` : String(rec.result);
    if (model !== log) out.push(`line ${o.line} ${rec.syscall ?? o.name}: model ${model}, log ${log}`);
  }
  return out;
}

/** The diagnostics as 'line: message'. */
export function diagnosticsOf(loaded: StraceLoaded): string[] {
  return loaded.diagnostics.map((d) => `${d.line}: ${d.message}`);
}

/** The log's own lines matching `re` (1-based numbers), for the values a test takes from the log itself. */
export function logLines(name: string, re: RegExp): { line: number; text: string; m: RegExpExecArray }[] {
  const out: { line: number; text: string; m: RegExpExecArray }[] = [];
  logText(name).split('\n').forEach((text, i) => {
    const m = re.exec(text);
    if (m) out.push({ line: i + 1, text, m });
  });
  return out;
}

/** The page cache of `path` right after operation `op` ran: [pages cached, of which dirty, under writeback]. */
export function cacheAfter(trace: Trace, op: OpInfo, path: string): [number, number, number] {
  const m = trace.stateAt(op.endPos);
  const f = m.files.get(path);
  const pages = f ? m.cache.pagesOf(f.id) : undefined;
  if (!pages) return [0, 0, 0];
  let dirty = 0;
  let wb = 0;
  for (const p of pages.values()) {
    if (p.flags & PG_DIRTY) dirty++;
    if (p.flags & PG_WRITEBACK) wb++;
  }
  return [pages.size, dirty, wb];
}

/** The page indexes operation `op` looked up (its page-cache hits and misses), in order. */
export function pagesLookedUp(trace: Trace, op: OpInfo): number[] {
  const out: number[] = [];
  for (let e = op.startPos; e <= op.endPos; e++) {
    const k = trace.events.kind(e);
    if (k !== Ev.PageHit && k !== Ev.PageMiss) continue;
    // A range event stands for a run of pages.
    const first = trace.events.b(e);
    for (let i = 0; i < eventPageCount(k, trace.events.c(e)); i++) out.push(first + i);
  }
  return out;
}
