/**
 * Issue 11, kind 2: fcntl(F_SETFL) changes the description's O_APPEND, O_NONBLOCK and O_DIRECT; the machine's
 * descriptor follows, so that a write after O_DIRECT is dropped is buffered (GNU dd's odd tail) and a write after
 * O_APPEND is set goes to the end.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { diagnosticsOf, mismatches, pagesLookedUp, runLog } from './realworld';

test('case 04: dd oflag=direct drops O_DIRECT before its 16960-byte tail, which is buffered and whole', () => {
  const { loaded, ops } = runLog('04-dd-oflag-direct-fcntl-tail.strace');
  assert.deepEqual(diagnosticsOf(loaded), []);
  assert.deepEqual(mismatches(ops), []);
  assert.ok(!ops.some((o) => o.errno === 'EINVAL'), 'no invented EINVAL');
  const setfl = ops.find((o) => o.line === 75)!;
  assert.equal(setfl.name, 'fcntl', 'F_SETFL is simulated');
  const writes = ops.filter((o) => o.name === 'write' && o.path === '/tmp/iosim/odd-out.bin');
  // 15 blocks of 65536 written with O_DIRECT (DMA from the user buffer, no CPU copy), then the tail through the cache.
  assert.deepEqual(writes.slice(0, 15).map((o) => [o.result, o.cpuBytes, o.dmaBytes]), Array(15).fill([65536, 0, 65536]));
  const tail = writes[15];
  assert.deepEqual([tail.line, tail.result, tail.cpuBytes, tail.dmaBytes], [78, 16960, 16960, 0]);
});

test('k2: dd with 128 KiB blocks: 7 direct writes, then a buffered tail of 82496 bytes', () => {
  const { ops } = runLog('k2-dd-direct-tail.strace');
  assert.deepEqual(mismatches(ops), []);
  const writes = ops.filter((o) => o.name === 'write' && o.path === '/tmp/iosim-rf/odd-out.bin');
  // 1000000 = 7 × 131072 + 82496 (the log's own results)
  assert.deepEqual(writes.map((o) => o.result), [131072, 131072, 131072, 131072, 131072, 131072, 131072, 82496]);
  assert.deepEqual(writes.map((o) => o.cpuBytes), [0, 0, 0, 0, 0, 0, 0, 82496]);
});

test('k2: python sets and clears O_APPEND and O_DIRECT; O_NONBLOCK on a pipe', () => {
  const { loaded, trace, ops } = runLog('k2-setfl-python.strace');
  assert.deepEqual(diagnosticsOf(loaded), []);
  assert.deepEqual(mismatches(ops), []);
  const file = ops.filter((o) => o.path === '/tmp/iosim-rf/setfl.bin' && o.name === 'write');
  const [first, appended, direct, tail] = file;
  assert.deepEqual(file.map((o) => o.result), [4096, 100, 4096, 100]);
  // With O_APPEND (after lseek to 0) the 100 bytes go to the end, page 1; the model's position is then 4196 as the log's.
  assert.deepEqual(pagesLookedUp(trace, first), [0]);
  assert.deepEqual(pagesLookedUp(trace, appended), [1]);
  // O_DIRECT: DMA from the user buffer to the disk, no copy; cleared again: the 100 bytes are copied into the cache.
  assert.deepEqual([direct.cpuBytes, direct.dmaBytes], [0, 4096]);
  assert.deepEqual([tail.cpuBytes, tail.dmaBytes], [100, 0]);
  assert.equal(trace.machine.files.get('/tmp/iosim-rf/setfl.bin')!.size, 8192 + 4096 + 100);
  const setfls = ops.filter((o) => o.name === 'fcntl');
  assert.equal(setfls.length, 5, 'four on the file, one on the pipe: all simulated');
  const pipe = ops.filter((o) => o.path === 'pipe' && (o.name === 'write' || o.name === 'read'));
  assert.deepEqual(pipe.map((o) => o.result), [1000, 1000]);
});
