/**
 * An fd that -y names another file from one line on, the log showing no close and no open between (a -e trace=
 * filter left them out): the old description is closed there and the new file opened read-write at offset 0. The
 * same file under a new name (a rename in the log, `(deleted)` once unlinked) keeps its description and offset.
 * The logs are test/fixtures/strace/rebind-*.strace (how they were recorded: the .cmd beside each).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fastPath } from '../../src/program/strace/fast';
import { loadStrace } from '../../src/program/strace/load';
import { Trace } from '../../src/trace/trace';
import { fixture, opsOf, runText, type OpInfo } from './helpers';

/** The log run with the fast path on or off: its warnings ('line: message') and operations. */
function run(name: string, fast = true): { warnings: string[]; ops: OpInfo[] } {
  fastPath.enabled = fast;
  try {
    const loaded = loadStrace(readFileSync(fixture(name), 'utf8'), name);
    assert.ok(loaded.spec, `${name} did not load`);
    const trace = new Trace(loaded.spec);
    trace.runToEnd();
    return { warnings: loaded.diagnostics.map((d) => `${d.line}: ${d.message}`), ops: opsOf(trace) };
  } finally {
    fastPath.enabled = true;
  }
}

const reads = (ops: OpInfo[]) => ops.filter((o) => o.recorded?.syscall === 'read');
const R = '/tmp/fix-rebind/rec/';
const LIBC = '/usr/lib/x86_64-linux-gnu/libc.so.6';

test('rebind: sh -c "cat a; cat b" under -e trace=read: every read gets what the log got, from the file -y names', () => {
  const { warnings, ops } = run('rebind-cat.strace');
  // The log's lines: libc's ELF header (832) per process; /etc/locale.alias (2996 bytes, then EOF); a, 300000 bytes
  // in 131072-byte reads (131072 + 131072 + 37856, then EOF); b, 200000 bytes (131072 + 68928, then EOF).
  assert.deepEqual(reads(ops).map((o) => [o.line, o.path, o.result]), [
    [1, LIBC, 832], [2, LIBC, 832], [3, '/etc/locale.alias', 2996], [4, '/etc/locale.alias', 0],
    [5, `${R}a`, 131072], [6, `${R}a`, 131072], [7, `${R}a`, 37856], [8, `${R}a`, 0],
    [11, LIBC, 832], [12, '/etc/locale.alias', 2996], [13, '/etc/locale.alias', 0],
    [14, `${R}b`, 131072], [15, `${R}b`, 68928], [16, `${R}b`, 0],
  ]);
  assert.ok(reads(ops).every((o) => o.name === 'read'), 'every read simulated');
  const rebinds = warnings.filter((w) => /no close\/open/.test(w));
  assert.deepEqual(rebinds.map((w) => Number(w.split(':')[0])), [3, 5, 12, 14]);
  assert.equal(rebinds[1], `5: fd 3 of pid 28831 names ${R}a here, but /etc/locale.alias before (first at line 3), and the log shows no close/open between them (a -e trace= filter leaves them out, or strace attached late): taken as closed and ${R}a opened read-write at offset 0`);
  // At each rebind: the old file's last descriptor closed (release), the new one opened (inherit), no syscall of either.
  // (Which file a release closes: the one the machine opened on that descriptor last.)
  const open = new Map<number, string>();
  const around = ops.filter((o) => o.name === 'release' || o.name === 'inherit').map((o) => {
    if (o.name === 'inherit') open.set(o.result, o.path);
    return [o.line, o.name, o.name === 'inherit' ? o.path : open.get(o.args[0]), o.contextSwitches];
  });
  assert.deepEqual(around, [
    [1, 'inherit', LIBC, 0],
    [3, 'release', LIBC, 0], [3, 'inherit', '/etc/locale.alias', 0],
    [5, 'release', '/etc/locale.alias', 0], [5, 'inherit', `${R}a`, 0],
    // pid 28832 (taken as a thread of 28830) finds libc as fd 3 again: its first open was closed at line 3.
    [11, 'inherit', LIBC, 0],
    [12, 'release', LIBC, 0], [12, 'inherit', '/etc/locale.alias', 0],
    [14, 'release', '/etc/locale.alias', 0], [14, 'inherit', `${R}b`, 0],
    // The exits close what is left (b's process, then the shell's a), each once.
    [17, 'release', `${R}b`, 0], [19, 'release', `${R}a`, 0],
  ]);
  assert.ok(ops.every((o) => o.errno === null), 'no operation fails (no close of a closed descriptor)');
});

test('rebind: a file renamed in the log, then deleted, keeps its offset; another file on the same fd starts at 0', () => {
  const { warnings, ops } = run('rebind-rename.strace');
  // d is 10000 bytes: 4096 as d, 4096 as d2 after the rename, 1808 and EOF as `d2>(deleted)`; then a from offset 0.
  assert.deepEqual(reads(ops).map((o) => [o.line, o.path, o.result]), [
    [1, LIBC, 832], [2, `${R}d`, 4096], [4, `${R}d`, 4096], [5, `${R}d`, 1808], [6, `${R}d`, 0], [7, `${R}a`, 4096],
  ]);
  assert.deepEqual(warnings.filter((w) => /no close\/open/.test(w)).map((w) => Number(w.split(':')[0])), [2, 7]);
  assert.ok(warnings.some((w) => w.startsWith(`7: fd 3 of pid 1512 names ${R}a here, but ${R}d2 before (first at line 2)`)), warnings.join('\n'));
});

test('rebind: the fast path on and off give the same operations and warnings', () => {
  for (const name of ['rebind-cat.strace', 'rebind-rename.strace']) {
    const on = run(name, true);
    const off = run(name, false);
    assert.deepEqual(on.warnings, off.warnings, name);
    const key = (ops: OpInfo[]) => ops.map((o) => [o.line, o.name, o.args, o.result, o.errno, o.path]);
    assert.deepEqual(key(on.ops), key(off.ops), name);
  }
});

test('rebind: older strace\'s `</x (deleted)>` is the same file (offset kept); a name learnt later is no rebind', () => {
  const { loaded, trace } = runText([
    '7 read(3</tmp/t/x>, "a"..., 4096) = 4096 <0.000010>',
    '7 read(3</tmp/t/x (deleted)>, "b"..., 4096) = 100 <0.000010>',
    '7 read(3</tmp/t/x (deleted)>, "", 4096) = 0 <0.000010>',
  ].join('\n') + '\n');
  assert.ok(!loaded.diagnostics.some((d) => /no close\/open/.test(d.message)));
  // x is 4196 bytes (the short read at 4096 ends it): the model reads 100 only from offset 4096.
  assert.deepEqual(reads(opsOf(trace)).map((o) => [o.line, o.name, o.result]), [[1, 'read', 4096], [2, 'read', 100], [3, 'read', 0]]);
});
