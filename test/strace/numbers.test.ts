/**
 * Numbers in a log, read strictly, and calls whose numbers the model cannot take: shown, not simulated, with a
 * warning at their line (test/fixtures/reliability/strace-*.strace, found by fuzzing). The fast reader and the
 * general one agree on all of it.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { MAX_FILE_SIZE, MAX_RW_COUNT } from '../../src/machine/limits';
import { intOf, numberAt } from '../../src/program/strace/args';
import { fastPath } from '../../src/program/strace/fast';
import { loadStraceFile } from '../../src/program/strace/load';
import { runJson } from '../../src/trace/summary';
import { Trace } from '../../src/trace/trace';
import { runText } from './helpers';

const CASES = path.join(__dirname, '../../../test/fixtures/reliability');

test('intOf and numberAt are strict: 60abc is not 60, 1e3 is not 1; decorations and comments may follow', () => {
  for (const bad of ['60abc', '1e3', '-', '--60', '-\u008560', 'abc', '', '0x', '0x1fzz', '60 abc', '1.5']) {
    assert.ok(Number.isNaN(intOf(bad)), `intOf(${JSON.stringify(bad)})`);
  }
  const good: [string, number][] = [['60', 60], ['-1', -1], ['0x1f', 31], ['0X1F', 31], ['3</etc/passwd>', 3], ['0x8002 (flags O_RDWR)', 0x8002], ['1 /* 1 entries */', 1]];
  for (const [text, v] of good) assert.equal(intOf(text), v, text);
  assert.equal(numberAt('read(3, "x", 4096)', 12, 17), 4096);
  assert.ok(Number.isNaN(numberAt('read(3, "x", 60abc)', 12, 18)));
  assert.equal(numberAt(' 0x10 ', 0, 6), 16);
});

function warnings(text: string): string[] {
  const { loaded } = runText(text);
  return loaded.diagnostics.map((d) => `${d.line}: ${d.message}`);
}

const OPEN = '100  10:00:00.000001 openat(AT_FDCWD, "/d", O_RDWR) = 3</d> <0.000010>\n';

test('damaged or impossible numbers: a warning naming the line, the call shown and not simulated', () => {
  const lines = [
    'read(3</d>, "ab"..., 60abc) = 5',
    'read(3</d>, "ab"..., 1e3) = 5',
    'pread64(3</d>, "ab"..., 5, -) = 5',
    'lseek(3</d>, --60, SEEK_SET) = 60',
    `read(3</d>, "ab"..., 4294967296) = ${MAX_RW_COUNT + 4096}`,
    `pread64(3</d>, "ab"..., 5, ${MAX_FILE_SIZE + 1}) = 5`,
    'pwrite64(3</d>, "ab"..., 5, 9223372036854775807) = 5',
    'read(3</d>, "ab"..., 4096) = 9007199254740993',
    // Legitimate: a count past MAX_RW_COUNT is clamped by Linux (cp asks for SSIZE_MAX), the result says what moved.
    'read(3</d>, "ab"..., 9223372036854775807) = 2',
    `pread64(3</d>, "ab"..., 5, ${MAX_FILE_SIZE - 5}) = 5`,
  ];
  for (const fast of [true, false]) {
    fastPath.enabled = fast;
    try {
      assert.deepEqual(warnings(OPEN + lines.map((l) => `100  ${l}\n`).join('')), [
        '2: read: the count is not a number: shown, not simulated',
        '3: read: the count is not a number: shown, not simulated',
        '4: pread64: the offset is not a number: shown, not simulated',
        '5: lseek: the offset is not a number: shown, not simulated',
        `6: read: it returned ${MAX_RW_COUNT + 4096}, more than one call moves in Linux (MAX_RW_COUNT, 2147479552 bytes): shown, not simulated`,
        `7: pread64: the offset ${MAX_FILE_SIZE + 1} is past the largest file the model holds (ext4 with 4 KiB blocks: 17592186040320 bytes): shown, not simulated`,
        '8: pwrite64: the offset is past 2^53, the largest number the model counts exactly: shown, not simulated',
        '9: read: the result 9007199254740993 is past 2^53, the largest number the model counts exactly: shown, not simulated',
      ], `fast path ${fast}`);
    } finally {
      fastPath.enabled = true;
    }
  }
});

test('strace-bad-lseek-offset-nan.strace: no NaN or null where a number belongs (was: lseek NaN, totals.cpuBytes null)', () => {
  const loaded = loadStraceFile(path.join(CASES, 'strace-bad-lseek-offset-nan.strace'));
  assert.deepEqual(loaded.diagnostics.map((d) => `${d.line}: ${d.message}`), ['2: lseek: the offset is not a number: shown, not simulated']);
  const t = new Trace(loaded.spec!);
  t.runToEnd();
  const json = JSON.parse(JSON.stringify(runJson(t))) as { totals: Record<string, unknown>; operations: { name: string; result: unknown; line: number }[] };
  for (const [k, v] of Object.entries(json.totals)) assert.equal(typeof v, 'number', `totals.${k}`);
  for (const op of json.operations) assert.equal(typeof op.result, 'number', `line ${op.line}`);
  assert.deepEqual(json.operations.map((o) => `${o.line} ${o.name}`), ['1 open', '2 syscall', '3 alloc', '3 read']);
});

test('strace-huge-io-count-hang.strace and strace-pwrite-huge-offset-hang.strace end at once, each with its warning', () => {
  const expect: [string, string][] = [
    ['strace-huge-io-count-hang.strace', '2: read: the result 9007199254740993 is past 2^53, the largest number the model counts exactly: shown, not simulated'],
    ['strace-pwrite-huge-offset-hang.strace', '2: pwrite64: the offset is past 2^53, the largest number the model counts exactly: shown, not simulated'],
  ];
  for (const [name, warning] of expect) {
    const t0 = Date.now();
    const loaded = loadStraceFile(path.join(CASES, name));
    assert.deepEqual(loaded.diagnostics.map((d) => `${d.line}: ${d.message}`), [warning]);
    const t = new Trace(loaded.spec!);
    t.runToEnd();
    assert.ok(Date.now() - t0 < 2000, `${name}: ${Date.now() - t0} ms`);
    const last = t.ops.get(t.ops.length - 1);
    assert.equal(last.name, 'syscall');
    // Not shown rounded (9007199254740993 as …992): not shown at all.
    if (name.includes('count')) assert.equal(last.recorded?.result, undefined);
  }
});
