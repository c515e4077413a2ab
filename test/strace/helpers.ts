import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { Ev, eventPageCount } from '../../src/machine/events';
import { loadStrace, loadStraceFile, type StraceLoaded } from '../../src/program/strace/load';
import type { OpRecord } from '../../src/trace/opLog';
import { Trace } from '../../src/trace/trace';

/** From out/test/strace/ (compiled) back to the project's test/fixtures/strace/. */
export const FIXTURES = path.join(__dirname, '../../../test/fixtures/strace');
export const EXAMPLES = path.join(__dirname, '../../../examples');
/** Every fixture directory (strace logs live in several: strace/, realworld copies, recorded ones). */
export const FIXTURE_ROOT = path.join(__dirname, '../../../test/fixtures');

/** Every `.strace` file under `dir`, however deep. */
export function logsUnder(dir: string): string[] {
  const found: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) found.push(...logsUnder(p));
    else if (name.endsWith('.strace')) found.push(p);
  }
  return found;
}

export const KiB = 1024;
export const MiB = 1024 * KiB;

export function fixture(name: string): string {
  return path.join(FIXTURES, name);
}

/** Loads a fixture (streamed from disk), insisting on no diagnostics unless told otherwise. */
export function loadFixture(name: string, allowWarnings = false): StraceLoaded {
  const loaded = loadStraceFile(fixture(name));
  if (!allowWarnings) assert.deepEqual(loaded.diagnostics.map((d) => `${d.line}: ${d.message}`), [], `${name} has diagnostics`);
  assert.ok(loaded.spec, `${name} did not load`);
  return loaded;
}

/** Loads a log given as text and runs it to the end. */
export function runText(text: string, allowWarnings = true): { loaded: StraceLoaded; trace: Trace } {
  const loaded = loadStrace(text, 'test.strace');
  if (!allowWarnings) assert.deepEqual(loaded.diagnostics.map((d) => `${d.line}: ${d.message}`), []);
  assert.ok(loaded.spec);
  const trace = new Trace(loaded.spec);
  trace.runToEnd();
  return { loaded, trace };
}

export function runFixture(name: string): { loaded: StraceLoaded; trace: Trace } {
  const loaded = loadFixture(name);
  const trace = new Trace(loaded.spec!);
  trace.runToEnd();
  return { loaded, trace };
}

export interface OpInfo extends OpRecord {
  /** The path the operation's descriptor refers to (files), 'pipe', 'socket', or ''. */
  path: string;
  hits: number;
  misses: number;
}

/** Every operation with the file its descriptor names (followed through open/close) and its page hits and misses. */
export function opsOf(trace: Trace): OpInfo[] {
  const names = new Map<number, string>();
  const out: OpInfo[] = [];
  for (let i = 0; i < trace.ops.length; i++) {
    const r = trace.ops.get(i);
    let p = '';
    if (r.name === 'open' || r.name === 'inherit') p = r.text ?? '';
    else if (r.name === 'sendfile') p = names.get(r.args[1]) ?? '';
    else if (['read', 'pread', 'write', 'pwrite', 'lseek', 'mmap', 'fsync', 'fdatasync', 'close', 'aio_read', 'splice'].includes(r.name)) p = names.get(r.args[0]) ?? '';
    let hits = 0;
    let misses = 0;
    for (let e = r.startPos; e <= r.endPos; e++) {
      const k = trace.events.kind(e);
      // A lookup event covers a run of pages: count the pages.
      if (k === Ev.PageHit) hits += eventPageCount(k, trace.events.c(e));
      else if (k === Ev.PageMiss) misses += eventPageCount(k, trace.events.c(e));
    }
    out.push({ ...r, path: p, hits, misses });
    if (r.errno === null) {
      if (r.name === 'open' || r.name === 'inherit') names.set(r.result, r.text ?? '');
      else if (r.name === 'socket') names.set(r.result, 'socket');
      else if (r.name === 'pipe') {
        names.set(r.result, 'pipe');
        // the write end is the lowest free descriptor after the read end took its own
        let w = 3;
        while (names.has(w)) w++;
        names.set(w, 'pipe');
      } else if (r.name === 'close' || r.name === 'release') names.delete(r.args[0]);
    }
  }
  return out;
}

export function sum(ops: OpInfo[], f: (o: OpInfo) => number): number {
  return ops.reduce((s, o) => s + f(o), 0);
}

/** The syscall names as the log shows them, for pass-through operations. */
export function passThroughNames(trace: Trace): Map<string, number> {
  const m = new Map<string, number>();
  for (let i = 0; i < trace.ops.length; i++) {
    const r = trace.ops.get(i);
    if (r.name === 'syscall') m.set(r.text ?? '?', (m.get(r.text ?? '?') ?? 0) + 1);
  }
  return m;
}

export function countByName(trace: Trace): Map<string, number> {
  const m = new Map<string, number>();
  for (let i = 0; i < trace.ops.length; i++) {
    const n = trace.ops.nameOf(i);
    m.set(n, (m.get(n) ?? 0) + 1);
  }
  return m;
}
