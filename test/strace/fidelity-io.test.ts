/**
 * Issue 11, kind 5: I/O the replay left out silently. splice with an offset (like pread: the offset, not the file
 * position), vmsplice draining a pipe, fadvise, io_uring, data calls on descriptors the log never opened.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { diagnosticsOf, mismatches, runLog } from './realworld';

test('case 10: fio\'s splice engine: splice at [0], [65536], ... from the file, vmsplice drains the pipe', () => {
  const { trace, ops } = runLog('10-fio-splice-with-offset.strace');
  assert.deepEqual(mismatches(ops), []);
  const splices = ops.filter((o) => o.name === 'splice');
  // By hand from the log: four splices of 65536 bytes at offsets 0, 65536, 131072, 196608.
  assert.deepEqual(splices.map((o) => [o.line, o.result, o.args[3]]), [[3, 65536, 0], [6, 65536, 65536], [8, 65536, 131072], [10, 65536, 196608]]);
  // Each splice reads its own 16 pages (no two at the same offset): the file's first 64 pages are cached.
  const f = trace.machine.files.get('/tmp/iosim/fio-sp.dat')!;
  assert.equal(trace.machine.cache.pagesOf(f.id)!.size, 64);
  // vmsplice from the read end copies the pipe's bytes to user memory (a read); the failed one (EFAULT) is shown only.
  const vm = ops.filter((o) => o.recorded?.syscall === 'vmsplice');
  assert.deepEqual(vm.map((o) => [o.line, o.name, o.result]), [[4, 'syscall', -1], [5, 'read', 65536], [7, 'read', 65536], [9, 'read', 65536]]);
  assert.deepEqual(ops.filter((o) => o.errno === 'EAGAIN'), [], 'the pipe never fills: vmsplice empties it');
});

test('k5: python os.splice with offset_src / offset_dst: the offsets are used, the file positions stay 0', () => {
  const { loaded, trace, ops } = runLog('k5-splice-offsets.strace');
  assert.deepEqual(mismatches(ops), []);
  assert.deepEqual(diagnosticsOf(loaded), []);
  const splices = ops.filter((o) => o.name === 'splice');
  // From the log: file -> pipe at 131072, 0, 65536; pipe -> file at 0, 65536, 131072 (65536 bytes each).
  assert.deepEqual(splices.map((o) => [o.args[3], o.args[4], o.result]), [
    [131072, -1, 65536], [-1, 0, 65536], [0, -1, 65536], [-1, 65536, 65536], [65536, -1, 65536], [-1, 131072, 65536],
  ]);
  // The log's last two calls ask for the positions: both 0, and so are the model's.
  const [src, dst] = ops.filter((o) => o.name === 'lseek').slice(-2);
  assert.deepEqual([src.result, dst.result, src.recorded!.result, dst.recorded!.result], [0, 0, 0, 0]);
  assert.equal(trace.machine.files.get('/tmp/iosim-rf/spliced.bin')!.size, 196608);
});
