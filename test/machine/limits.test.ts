/**
 * The model's limits, each Linux's (src/machine/limits.ts): one call moves at most MAX_RW_COUNT bytes; files end
 * at ext4's s_maxbytes (EFBIG, EINVAL, 0 as Linux answers); the user address space is TASK_SIZE (ENOMEM); values
 * past 2^53 and a clock past 2^53 ns stop the run at their line instead of rounding. Values by hand from those
 * constants: MAX_RW_COUNT = 0x7ffff000 = 2147479552, s_maxbytes = (2^32 − 1) × 4096 = 17592186040320.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LimitError, MAX_FILE_SIZE, MAX_RW_COUNT, TASK_SIZE } from '../../src/machine/limits';
import { loadScenario } from '../../src/program/load';
import { Trace } from '../../src/trace/trace';
import { run, traceOf } from './helpers';

test('the constants are Linux\'s', () => {
  assert.equal(MAX_RW_COUNT, 2147479552);
  assert.equal(MAX_RW_COUNT, (2 ** 31 - 1) & ~4095, 'INT_MAX & PAGE_MASK');
  assert.equal(MAX_FILE_SIZE, 17592186040320);
  assert.equal(MAX_FILE_SIZE, 16 * 2 ** 40 - 4096, '16 TiB less one block');
  assert.equal(TASK_SIZE, 0x7ffffffff000);
});

function results(t: Trace): string[] {
  const out: string[] = [];
  for (let i = 0; i < t.ops.length; i++) {
    const r = t.ops.get(i);
    if (r.name !== 'alloc' && r.name !== 'open') out.push(`${r.name} ${r.errno ?? r.result}`);
  }
  return out;
}

test('one read moves at most MAX_RW_COUNT bytes, whatever it asks (vfs_read clamps the count)', () => {
  const t = run('file "/x" size 4GiB\nbuf = alloc(3GiB)\nfd = open("/x", O_RDONLY|O_DIRECT)\nread(fd, buf, 3GiB)\n');
  assert.deepEqual(results(t), ['read 2147479552']);
});

test('positions past s_maxbytes: pwrite EFBIG or cut at the limit, lseek EINVAL, pread 0; negative ones EINVAL', () => {
  const t = run([
    'file "/x" size 4KiB',
    'buf = alloc(4KiB)',
    'fd = open("/x", O_RDWR)',
    `pwrite(fd, buf, 5, ${MAX_FILE_SIZE})`,
    `pwrite(fd, buf, 5, ${MAX_FILE_SIZE - 2})`,
    `lseek(fd, ${MAX_FILE_SIZE}, SEEK_SET)`,
    'lseek(fd, 1, SEEK_CUR)',
    `pread(fd, buf, 5, ${MAX_FILE_SIZE})`,
    `pread(fd, buf, 5, ${MAX_FILE_SIZE + 1_000_000})`,
    'pread(fd, buf, 5, -1)',
    'pwrite(fd, buf, 5, -4096)',
    '',
  ].join('\n'));
  assert.deepEqual(results(t), [
    'pwrite EFBIG', 'pwrite 2', `lseek ${MAX_FILE_SIZE}`, 'lseek EINVAL', 'pread 0', 'pread 0', 'pread EINVAL', 'pwrite EINVAL',
  ]);
  // The write cut at the limit made the file exactly that long.
  assert.equal(t.machine.files.get('/x')!.size, MAX_FILE_SIZE);
});

test('the user address space: alloc and mmap past TASK_SIZE fail with ENOMEM; one touch covers at most MAX_RW_COUNT', () => {
  const t = run([
    'file "/x" size 4GiB',
    'a = alloc(128TiB)',
    'b = alloc(127TiB)',
    'fd = open("/x", O_RDONLY)',
    'm = mmap(fd, 129TiB)',
    'm2 = mmap(fd, 3GiB)',
    'touch(m2, 0, 3GiB)',
    'touch(m2, 0, 4KiB)',
    '',
  ].join('\n'));
  const ops = [...Array(t.ops.length).keys()].map((i) => t.ops.get(i));
  assert.deepEqual(ops.map((r) => `${r.name} ${r.errno ?? 'ok'}`), ['alloc ENOMEM', 'alloc ok', 'open ok', 'mmap ENOMEM', 'mmap ok', 'touch EINVAL', 'touch ok']);
});

test('a value computed past 2^53 stops the run at its line (it was a hang: a page index past 2^53 never moves)', () => {
  const t = traceOf('file "/w" size 4KiB\nbuf = alloc(4KiB)\nfd = open("/w", O_RDWR)\nn = read(fd, buf, 4KiB)\npwrite(fd, buf, 5, n * 8000TiB * 8000TiB)\nclose(fd)\n');
  t.runToEnd();
  assert.ok(t.error instanceof LimitError);
  assert.equal(t.error.line, 5);
  assert.equal(t.error.col, 1);
  assert.match(t.error.message, /^value out of range: argument 4 of pwrite is 3\.169\d*e\+35, past 2\^53 \(9007199254740991\)/);
  assert.deepEqual(results(t), ['read 4096'], 'the pwrite did not run, nor anything after it');
  assert.ok(t.finished);
  // The state is the one before the pwrite (the machine is rebuilt, not left in the middle of it).
  assert.equal(t.events.length - 1, t.ops.endPosOf(t.ops.length - 1));
});

test('the clock: a run that would pass 2^53 ns stops with an error; until then every time is exact', () => {
  // 2^53 ns is 2501.999... hours: the third sleep of 1000 h would pass it.
  const t = traceOf('buf = alloc(4KiB)\nrepeat 3 { sleep 1000h }\n');
  t.runToEnd();
  assert.ok(t.error);
  assert.equal(t.error.line, 2);
  assert.match(t.error.message, /^simulated time would reach 10800000000\d{6} ns \(125 days\), past the 2\^53 ns \(104 days\) the clock counts exactly$/);
  assert.equal(t.machine.now, 7_200_000_000_000_000 + 4 * 50, 'two sleeps of 1000 h and their four mode switches of 50 ns, exactly');
  // Just below the limit a cached read takes its nanoseconds, as it does at time 0 (it took 0 ns past 2^53).
  const read = 'file "/x" size 4KiB\nbuf = alloc(4KiB)\nfd = open("/x", O_RDONLY)\nread(fd, buf, 4KiB)\n';
  const at0 = run(`${read}pread(fd, buf, 4KiB, 0)\n`);
  const late = run(`${read}sleep 2500h\npread(fd, buf, 4KiB, 0)\n`);
  const d0 = at0.ops.get(at0.ops.length - 1);
  const d1 = late.ops.get(late.ops.length - 1);
  assert.ok(d1.endNs > 2 ** 52);
  assert.equal(d1.endNs - d1.startNs, d0.endNs - d0.startNs);
});

test('rewinding past an error clears it: the program may run again from there', () => {
  const t = traceOf('buf = alloc(4KiB)\nrepeat 3 { sleep 1000h }\n');
  t.runToEnd();
  assert.ok(t.error);
  t.rewindTo(1);
  assert.equal(t.error, null);
  assert.equal(t.finished, false);
});

test('a scenario checks its constants as literals: file sizes past s_maxbytes, values and sleeps past 2^53', () => {
  const errors = (text: string) => loadScenario(text, 't.iosim').diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.line}:${d.col}: ${d.message}`);
  assert.deepEqual(errors(`file "/x" size ${MAX_FILE_SIZE}\n`), []);
  assert.deepEqual(errors(`file "/x" size ${MAX_FILE_SIZE + 1}\nfd = open("/x", O_RDONLY)\n`), [
    `1:16: file size '${MAX_FILE_SIZE + 1}' is larger than the largest file of ext4 with 4 KiB blocks (16 TiB less 4 KiB, 17592186040320 bytes)`,
  ]);
  assert.deepEqual(errors('buf = alloc(8000TiB * 8000TiB)\n'), [
    '1:13: value out of range: this value is 7.737125245533627e+31, past 2^53 (9007199254740991), the largest the model counts exactly',
  ]);
  assert.deepEqual(errors('sleep 99999999h\n'), [
    '1:7: value out of range: this duration is 359999996400000000000 ns, past 2^53 (9007199254740991), the largest the model counts exactly',
  ]);
  assert.deepEqual(errors('repeat 4096 * 4096 * 4096 * 4096 * 4096 { drop_caches }\n'), [
    '1:8: value out of range: this count is 1152921504606847000, past 2^53 (9007199254740991), the largest the model counts exactly',
  ]);
});
