/**
 * Issue 11, kind 1 (and the pipe half of kind 5): a blocking write to a pipe never returns short, and the order in
 * which strace prints the halves of a writer and its reader does not change what either returns.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadStrace } from '../../src/program/strace/load';
import { opsOf, runText } from './helpers';
import { diagnosticsOf, logText, mismatches, runLog } from './realworld';

test('case 01: the blocked write whose end comes before its reader\'s is whole; the reads get what the log says', () => {
  const { loaded, ops } = runLog('01-pipe-blocked-write-minimal.strace');
  assert.deepEqual(diagnosticsOf(loaded), []);
  assert.deepEqual(mismatches(ops), []);
  const pipeIo = ops.filter((o) => (o.name === 'read' || o.name === 'write') && o.recorded);
  // By hand from the log: seven 10240-byte writes (the seventh blocked, line 10), gzip's 65536 (line 11, resumed at
  // 13) and the 6144 left (line 14).
  assert.deepEqual(pipeIo.map((o) => [o.line, o.name, o.result]), [
    [4, 'write', 10240], [5, 'write', 10240], [6, 'write', 10240], [7, 'write', 10240], [8, 'write', 10240],
    [9, 'write', 10240], [10, 'write', 10240], [11, 'read', 65536], [14, 'read', 6144],
  ]);
  // The replay completes a call at once where Linux interleaves the blocked writer and its reader: 61440 + 10240
  // bytes are in the pipe at once, so the model's pipe holds 128 KiB (the next power of two).
  assert.equal(loaded.strace.pipeBytes, 128 * 1024);
});

test('case 01 with the reader\'s end printed first: the same results', () => {
  const lines = logText('01-pipe-blocked-write-minimal.strace').split('\n');
  // Lines 12 and 13 swapped: gzip's '<... read resumed>' before tar's '<... write resumed>'.
  [lines[11], lines[12]] = [lines[12], lines[11]];
  const { loaded, trace } = runText(lines.join('\n'));
  assert.deepEqual(diagnosticsOf(loaded), []);
  const ops = opsOf(trace);
  assert.deepEqual(mismatches(ops), []);
  assert.deepEqual(ops.filter((o) => (o.name === 'read' || o.name === 'write') && o.recorded).map((o) => o.result),
    [10240, 10240, 10240, 10240, 10240, 10240, 10240, 65536, 6144]);
});

test('k1: tar | gzip recorded, a write resumed before its reader: every pipe call returns what the log recorded', () => {
  const name = 'k1-tar-gzip-pipe.strace';
  const { loaded, ops } = runLog(name);
  assert.deepEqual(mismatches(ops), []);
  assert.ok(!ops.some((o) => o.errno === 'EAGAIN'), 'a blocking pipe never gives EAGAIN');
  // What went through the pipe, by the log's own results (mismatches() above: the model's are the same).
  const writes = ops.filter((o) => o.name === 'write' && o.path === 'pipe');
  const reads = ops.filter((o) => o.name === 'read' && o.path === 'pipe');
  const logWrites = writes.reduce((s, o) => s + o.recorded!.result!, 0);
  assert.ok(writes.length > 10 && logWrites > 128 * 1024, 'tar wrote more than two pipes full');
  assert.equal(writes.reduce((s, o) => s + o.result, 0), logWrites);
  assert.equal(reads.reduce((s, o) => s + o.result, 0), reads.reduce((s, o) => s + o.recorded!.result!, 0));
  assert.equal(reads.reduce((s, o) => s + o.result, 0), logWrites, 'gzip reads every byte tar wrote');
  assert.deepEqual(diagnosticsOf(loaded).filter((d) => /pipe/.test(d)), []);
});

test('a pipe read of bytes no simulated call wrote is warned about once, at its line', () => {
  const log = `1 pipe2([3<pipe:[9]>, 4<pipe:[9]>], 0) = 0
1 tee(5<pipe:[8]>, 4<pipe:[9]>, 100, 0) = 100
1 read(3<pipe:[9]>, "..."..., 4096) = 100
1 read(3<pipe:[9]>, "..."..., 4096) = 100
`;
  const loaded = loadStrace(log, 't.strace');
  assert.deepEqual(diagnosticsOf(loaded).filter((d) => /pipe:\[9\]/.test(d)), [
    "3: pipe:[9]: this read got 100 bytes, but the calls the replay simulates put only 0 in the pipe (the rest came through calls it does not simulate, or from a process the log does not show): the model reads 0",
  ]);
});
