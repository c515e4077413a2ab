/**
 * Issue 11, kind 7: strace's own lines that are no calls (-k stack frames, -e read=/write= hex dumps, a -c or -C
 * summary table) get one note per kind, not a warning a line; the warnings past the cap say which lines they are.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadStrace } from '../../src/program/strace/load';
import { diagnosticsOf, logLines, mismatches, runLog } from './realworld';

test('case 15: 448 stack-frame lines of strace -k are one note; the 59 calls replay as before', () => {
  const { loaded, ops } = runLog('15-cat-stack-trace-k.strace');
  assert.deepEqual(diagnosticsOf(loaded), ['2: 448 lines of strace -k stack traces (from line 2): each belongs to the call above it, and is skipped']);
  assert.equal(loaded.strace.syscalls, 59);
  assert.equal(loaded.strace.badLines, 0);
  assert.deepEqual(mismatches(ops), []);
});

test('case 16: the hex dump of -e write=1 is one note', () => {
  const { loaded } = runLog('16-head-write-hexdump.strace');
  assert.deepEqual(diagnosticsOf(loaded).filter((d) => /hex dump|skipped/.test(d)), ['7: 13 lines of strace -e read=/-e write= hex dumps (from line 7): the data of the call above each, skipped']);
  assert.equal(loaded.strace.badLines, 0);
});

test('case 20: a -c summary table alone says so once, and how to record a log that replays', () => {
  const { loaded } = runLog('20-strace-c-summary-table.strace');
  assert.deepEqual(diagnosticsOf(loaded), [
    '1: lines 1-16 are a strace -c summary table (time and calls per syscall): it has no per-call lines to replay; record a log of the calls with strace -f -tt -T -y -o trace.strace COMMAND',
  ]);
  assert.equal(loaded.strace.badLines, 0);
});

test('k7: real -k, -e read=3, -C and -c logs: one note each, no line skipped as garbage', () => {
  for (const [name, re] of [
    ['k7-stack-k.strace', /^\s*> /],
    ['k7-read-dump.strace', /^ \| [0-9a-f]{5} /],
  ] as const) {
    const { loaded, ops } = runLog(name);
    const n = logLines(name, re).length;
    const first = logLines(name, re)[0].line;
    assert.ok(n > 10, name);
    assert.equal(loaded.strace.badLines, 0, name);
    assert.ok(diagnosticsOf(loaded).some((d) => d.startsWith(`${first}: ${n} lines of strace -`)), `${name}: ${diagnosticsOf(loaded).join('\n')}`);
    assert.deepEqual(mismatches(ops), [], name);
  }
  const header = logLines('k7-summary-C.strace', /^% time/)[0].line;
  const total = logLines('k7-summary-C.strace', / total$/)[0].line;
  const c = runLog('k7-summary-C.strace');
  assert.ok(diagnosticsOf(c.loaded).includes(`${header}: lines ${header}-${total} are the strace -C summary table after the calls: skipped`));
  assert.equal(c.loaded.strace.badLines, 0);
  assert.ok(c.loaded.strace.syscalls > 100);
  const alone = runLog('k7-summary-c.strace');
  assert.equal(alone.loaded.strace.syscalls, 0);
  assert.match(diagnosticsOf(alone.loaded).join('\n'), /^1: lines 1-\d+ are a strace -c summary table/);
  assert.ok(!diagnosticsOf(alone.loaded).some((d) => /no syscalls found/.test(d)));
});

test('past 200 warnings, one message says how many more and at which lines (ranges)', () => {
  // 250 garbage lines at 2-251, a call at 252, 10 more at 253-262: the first 200 (lines 2-201) are shown.
  const log = ['read(3, "", 10) = 0', ...Array(250).fill('garbage'), 'read(3, "", 10) = 0', ...Array(10).fill('more garbage')].join('\n') + '\n';
  const d = diagnosticsOf(loadStrace(log, 'x.strace'));
  assert.equal(d.filter((x) => /skipped: not a call/.test(x)).length, 200);
  // The summary sits at the log's last line, after the warnings it sums up.
  assert.ok(d.some((x) => /^26[23]: 60 more warnings not shown \(only the first 200 are\), at lines 202–251, 253–262$/.test(x)), d.slice(-2).join('\n'));
});
