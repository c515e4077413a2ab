/**
 * The Chrome Trace Event export of every example and every strace fixture follows the format's rules; a replayed
 * log carries its own timeline beside the model's. The CLI's run and export commands work on logs.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { loadProgram } from '../../src/program/loadProgram';
import { exportChromeTrace, RECORDED_TRACK, type TraceEvent } from '../../src/trace/export';
import { runJson } from '../../src/trace/summary';
import { Trace } from '../../src/trace/trace';
import { validateChromeTrace } from './chromeTrace';
import { EXAMPLES, FIXTURES, fixture, runFixture } from './helpers';

const CLI = path.join(__dirname, '../../../dist/cli.js');

function programs(): string[] {
  return [
    ...readdirSync(EXAMPLES).filter((f) => f.endsWith('.iosim')).map((f) => path.join(EXAMPLES, f)),
    ...readdirSync(FIXTURES).filter((f) => f.endsWith('.strace')).map((f) => path.join(FIXTURES, f)),
  ];
}

function exportOf(file: string): { traceEvents: TraceEvent[]; otherData: Record<string, unknown> } {
  const loaded = loadProgram(readFileSync(file, 'utf8'), file);
  assert.ok(loaded.spec, file);
  const t = new Trace(loaded.spec);
  t.runToEnd();
  // Through JSON, as a viewer gets it.
  return JSON.parse(JSON.stringify(exportChromeTrace(t)));
}

test('the validator catches what the format forbids', () => {
  const ok = { traceEvents: [{ name: 'a', ph: 'X', ts: 1, dur: 1, pid: 1, tid: 1 }] };
  assert.deepEqual(validateChromeTrace(ok), []);
  const bad = {
    traceEvents: [
      { name: 'a', ph: 'X', ts: 5, dur: -1, pid: 1, tid: 1 },
      { name: 'b', ph: 'i', ts: 4, pid: 1, tid: 1, s: 't' },
      { name: 'c', ph: 'B', ts: 6, pid: 1, tid: 2 },
      { name: 'd', ph: 'e', ts: 6, pid: 1, tid: 3, id: 9, cat: 'x' },
      { name: 'e', ph: 'f', ts: 6, pid: 1, tid: 3, id: 9, cat: 'flow' },
      { name: 'f', ph: 'b', ts: 7, pid: 1, tid: 3, id: 8, cat: 'x' },
      { name: 'g', ph: 's', ts: 7, pid: 1, tid: 3, id: 7, cat: 'flow' },
      { ph: 'X', ts: 7, dur: 0, pid: 1, tid: 3 },
      { name: 'h', ph: 'X', dur: 0, pid: 1, tid: 3 },
      { name: 'i', ph: 'Q', ts: 8, pid: 1, tid: 3 },
      { name: 'j', ph: 'C', ts: 9, pid: 1 },
    ],
  };
  const problems = validateChromeTrace(bad).join('\n');
  for (const expected of ['X with dur -1', 'goes back on track 1/1', 'B without E', 'e without b', 'f without s', 'b without e for id x/8',
    'flow flow/7 started but not finished', 'no name', 'without a numeric ts', 'unknown phase Q', 'C without tid']) {
    assert.ok(problems.includes(expected), `${expected} in\n${problems}`);
  }
});

test('every example and every fixture exports a valid Chrome trace', () => {
  const files = programs();
  assert.ok(files.length >= 15);
  for (const file of files) {
    const doc = exportOf(file);
    assert.deepEqual(validateChromeTrace(doc), [], path.basename(file));
    assert.ok(doc.traceEvents.some((e) => e.ph === 'X'), path.basename(file));
  }
});

test('a replayed log: processes are named tracks, the recorded timeline sits beside the modeled one', () => {
  const doc = exportOf(fixture('pipeline.strace'));
  const names = doc.traceEvents.filter((e) => e.name === 'thread_name').map((e) => (e.args as { name: string }).name);
  for (const n of ['sh', 'cat', 'wc']) assert.ok(names.some((x) => x.startsWith(`${n} [`)), n);
  assert.ok(names.some((x) => x.startsWith('cat [') && x.endsWith('as recorded (strace -tt -T)')));
  const recorded = doc.traceEvents.filter((e) => e.ph === 'X' && e.tid! >= RECORDED_TRACK);
  const modeled = doc.traceEvents.filter((e) => e.ph === 'X' && e.tid! < 100 && e.cat !== 'device');
  assert.ok(recorded.length > 180);
  assert.ok(modeled.length >= recorded.length);
  // the same call on both: the log's duration in the modeled event's args, and as the recorded event's length
  const firstRead = modeled.find((e) => e.name === 'read' && (e.args as { recordedUs?: number }).recordedUs !== undefined)!;
  const twin = recorded.find((e) => (e.args as { line: number }).line === (firstRead.args as { line: number }).line && e.name === 'read')!;
  assert.equal(twin.dur, (firstRead.args as { recordedUs: number }).recordedUs);
  assert.ok(modeled.some((e) => e.name === 'execve' && e.cat === 'syscall,not-modeled'));
  const rvm = doc.otherData.recordedVsModeled as { operations: number; recordedNs: number; modeledNs: number };
  assert.ok(rvm.operations > 180 && rvm.recordedNs > 0 && rvm.modeledNs > 0);
});

test('run --json of a log carries recorded against modeled times', () => {
  const { trace } = runFixture('dd-direct.strace');
  const doc = runJson(trace);
  const read = doc.operations.find((o) => o.name === 'read' && o.result === 1048576)!;
  assert.ok(read.recordedNs! > 0 && read.recordedAtNs! > 0);
  assert.equal(read.recordedResult, 1048576);
  assert.equal(doc.operations.find((o) => o.name === 'syscall')!.syscall, 'execve');
  assert.ok(doc.recorded && doc.recorded.operations === 81 && doc.recorded.recordedNs > 0 && doc.recorded.modeledSpanNs === doc.totals.simTimeNs);
  // the document stays JSON (no NaN, no undefined values)
  assert.doesNotThrow(() => JSON.parse(JSON.stringify(doc)));
});

test('the CLI runs and exports logs', { skip: !existsSync(CLI) && 'dist/cli.js not built' }, () => {
  const run = spawnSync(process.execPath, [CLI, 'run', fixture('cat.strace')], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  // The log's own call: its dirfd and result with their -y names (the model numbers its descriptors its own way).
  assert.match(run.stdout, /^\s+34 {2}openat\(AT_FDCWD<\/tmp\/iosim>, "notes\.txt", O_RDONLY\) = 3<\/tmp\/iosim\/notes\.txt> <[\d.]+> \(log <0\.000357000>\)$/m);
  assert.match(run.stdout, /time in syscalls: recorded [\d.]+ ms, modeled [\d.]+ µs \(50 timed calls\)/);
  assert.match(run.stdout, /^execve +1 +shown only/m);
  const json = spawnSync(process.execPath, [CLI, 'run', fixture('cat.strace'), '--json'], { encoding: 'utf8' });
  assert.equal(json.status, 0, json.stderr);
  const doc = JSON.parse(json.stdout);
  assert.equal(doc.totals.syscalls, 51);
  assert.ok(doc.recorded.recordedNs > 0);
  const dir = mkdtempSync(path.join(tmpdir(), 'iosim-export-'));
  try {
    const out = path.join(dir, 'out.json');
    const exp = spawnSync(process.execPath, [CLI, 'export', fixture('nginx-sendfile.strace'), '--format', 'chrome', '-o', out], { encoding: 'utf8' });
    assert.equal(exp.status, 0, exp.stderr);
    assert.deepEqual(validateChromeTrace(JSON.parse(readFileSync(out, 'utf8'))), []);
    const bad = spawnSync(process.execPath, [CLI, 'export', fixture('cat.strace'), '--format', 'svg'], { encoding: 'utf8' });
    assert.equal(bad.status, 2);
    const missing = spawnSync(process.execPath, [CLI, 'run', path.join(dir, 'none.strace')], { encoding: 'utf8' });
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /cannot read .*ENOENT/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
