/**
 * Issue 11, kind 5: I/O the replay left out silently. splice with an offset (like pread: the offset, not the file
 * position), vmsplice draining a pipe, fadvise, io_uring, data calls on descriptors the log never opened.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { opsOf, runText } from './helpers';
import { cacheAfter, diagnosticsOf, mismatches, runLog } from './realworld';

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

test('case 09: fio drops its file with POSIX_FADV_DONTNEED after fsync; the job\'s reads come from the disk', () => {
  const { trace, ops } = runLog('09-fio-fadvise-dontneed-reads.strace');
  assert.deepEqual(mismatches(ops), []);
  const path = '/tmp/iosim/fio-ps.dat';
  const dontneed = ops.find((o) => o.line === 133)!;
  assert.equal(dontneed.name, 'fadvise');
  // fio wrote 8 MiB and fsync'ed it: 2048 clean pages, all dropped.
  assert.deepEqual(cacheAfter(trace, ops.find((o) => o.line === 132)!, path), [2048, 0, 0]);
  assert.deepEqual(cacheAfter(trace, dontneed, path), [0, 0, 0]);
  // POSIX_FADV_RANDOM (line 137): each 64 KiB pread misses its 16 pages and reads only them.
  const preads = ops.filter((o) => o.name === 'pread' && o.path === path);
  assert.deepEqual(preads.map((o) => [o.hits, o.misses, o.dmaBytes]), [[0, 16, 65536], [0, 16, 65536], [0, 16, 65536]]);
  assert.deepEqual(cacheAfter(trace, preads[2], path), [48, 0, 0]);
});

test('case 04: dd\'s DONTNEED after fsync drops the tail it wrote through the cache', () => {
  const { trace, ops } = runLog('04-dd-oflag-direct-fcntl-tail.strace');
  const path = '/tmp/iosim/odd-out.bin';
  // The tail: 16960 bytes at 983040, pages 240-244 (the last one partial, at the end of the file: it goes too).
  assert.deepEqual(cacheAfter(trace, ops.find((o) => o.line === 80)!, path), [5, 0, 0]);
  assert.deepEqual(cacheAfter(trace, ops.find((o) => o.line === 81)!, path), [0, 0, 0]);
});

test('k5: python posix_fadvise: DONTNEED, WILLNEED, RANDOM, SEQUENTIAL, NORMAL, DONTNEED of dirty pages', () => {
  const { loaded, trace, ops } = runLog('k5-fadvise-python.strace');
  assert.deepEqual(diagnosticsOf(loaded), []);
  assert.deepEqual(mismatches(ops), []);
  const path = '/tmp/iosim-rf/fadv.bin';
  const fadv = ops.filter((o) => o.name === 'fadvise');
  assert.equal(fadv.length, 6);
  const [dontneed, willneed, random, sequential, normal, dirtyDontneed] = [fadv[0], fadv[1], fadv[2], fadv[3], fadv[4], fadv[5]];
  // 16 writes of 64 KiB and fsync: 256 clean pages, all dropped.
  assert.deepEqual(cacheAfter(trace, dontneed, path), [0, 0, 0]);
  const preads = ops.filter((o) => o.name === 'pread' && o.path === path);
  assert.deepEqual([preads[0].hits, preads[0].misses], [0, 16], 'from the disk');
  // WILLNEED of [524288, +262144): pages 128-191 read ahead; the pread of 128-143 then finds them all.
  const [cachedBefore] = cacheAfter(trace, preads[0], path);
  assert.equal(cacheAfter(trace, willneed, path)[0] - cachedBefore, 64);
  assert.deepEqual([preads[1].hits, preads[1].misses], [16, 0]);
  // RANDOM: a 16 KiB miss reads its 4 pages and nothing more.
  assert.deepEqual([preads[2].hits, preads[2].misses, preads[2].dmaBytes], [0, 4, 16384]);
  void random;
  // SEQUENTIAL doubles the file's readahead window, NORMAL resets it (file_ra_state.ra_pages).
  const fdOf = (i: number) => [...trace.stateAt(i).fds.values()].find((f) => f.kind === 'file' && trace.machine.filesById[f.fileId].path === path);
  const afterSeq = fdOf(sequential.endPos);
  const afterNormal = fdOf(normal.endPos);
  assert.ok(afterSeq?.kind === 'file' && afterSeq.ra.raPages === 64 && !afterSeq.ra.random);
  assert.ok(afterNormal?.kind === 'file' && afterNormal.ra.raPages === -1 && !afterNormal.ra.random);
  // DONTNEED of 16 dirty pages starts their writeback (WB_SYNC_NONE) and drops none of them.
  const [cached, dirty, wb] = cacheAfter(trace, dirtyDontneed, path);
  const before = cacheAfter(trace, ops[ops.indexOf(dirtyDontneed) - 1], path);
  assert.deepEqual([before[1], dirty, wb, cached], [16, 0, 16, before[0]]);
});

test('k5: dd iflag=nocache drops what it has read, as it goes', () => {
  const { ops, trace } = runLog('k5-dd-nocache.strace');
  assert.deepEqual(mismatches(ops), []);
  const fadv = ops.filter((o) => o.name === 'fadvise');
  assert.ok(fadv.length >= 4);
  // The last one (len 0: to the end of the file) leaves none of big.bin's pages that are not being read.
  const last = fadv[fadv.length - 1];
  const m = trace.stateAt(last.endPos);
  const f = m.files.get('/tmp/iosim-rf/big.bin')!;
  const left = [...(m.cache.pagesOf(f.id)?.values() ?? [])].filter((p) => p.readyAt <= m.now);
  assert.deepEqual(left.map((p) => p.index), []);
});

test('case 11: fio\'s io_uring job: one note at the ring\'s io_uring_setup line, its 130 io_uring_enter shown with the log\'s results', () => {
  const name = '11-fio-io-uring-relative-ts.strace';
  const { loaded, ops } = runLog(name);
  assert.deepEqual(mismatches(ops), []);
  // By hand from the log: 128 io_uring_enter(6, 1, 0, ...) = 1 (8 MiB in 64 KiB reads, one entry each) and 2
  // io_uring_enter(6, 0, 1, ...) = 0 that only wait; the ring is set up at line 2227, first entered at line 2239.
  assert.deepEqual(diagnosticsOf(loaded).filter((d) => /io_uring/.test(d)), [
    '2227: io_uring ring fd 6 of pid 18858 (set up at line 2227): 130 io_uring_enter calls (the first at line 2239) submitted 128 entries; strace cannot show the entries (which file, offset, bytes) nor the results of their completions, so the ring\'s I/O is not simulated: its calls are shown only',
  ]);
  const enters = ops.filter((o) => o.recorded?.syscall === 'io_uring_enter');
  assert.equal(enters.length, 130);
  assert.ok(enters.every((o) => o.name === 'syscall'), 'shown, not dropped and not simulated');
  assert.equal(enters.reduce((s, o) => s + o.recorded!.result!, 0), 128);
});

test('io_uring: a ring set up before the log begins, and a failed io_uring_enter, still get their note', () => {
  const log = [
    '100 10:00:00.000000 io_uring_enter(7<anon_inode:[io_uring]>, 2, 2, IORING_ENTER_GETEVENTS, NULL, 8) = 2 <0.000010>',
    '100 10:00:00.000100 io_uring_enter(7<anon_inode:[io_uring]>, 1, 1, IORING_ENTER_GETEVENTS, NULL, 8) = -1 EINTR (Interrupted system call) <0.000010>',
    '100 10:00:00.000200 io_uring_setup(8, {flags=0, sq_thread_cpu=0, sq_thread_idle=0, sq_entries=8, cq_entries=16}) = 3<anon_inode:[io_uring]> <0.000010>',
    '100 10:00:00.000300 io_uring_enter(3<anon_inode:[io_uring]>, 4, 0, 0, NULL, 8) = 3 <0.000010>',
    '',
  ].join('\n');
  const { loaded, trace } = runText(log);
  assert.deepEqual(loaded.diagnostics.map((d) => `${d.line}: ${d.message}`).filter((d) => /io_uring/.test(d)), [
    '1: io_uring ring fd 7 of pid 100 (set up before the log begins): 2 io_uring_enter calls (the first at line 1) submitted 2 entries; strace cannot show the entries (which file, offset, bytes) nor the results of their completions, so the ring\'s I/O is not simulated: its calls are shown only',
    '3: io_uring ring fd 3 of pid 100 (set up at line 3): 1 io_uring_enter call (the first at line 4) submitted 3 entries; strace cannot show the entries (which file, offset, bytes) nor the results of their completions, so the ring\'s I/O is not simulated: its calls are shown only',
  ]);
  assert.equal(opsOf(trace).filter((o) => o.recorded?.syscall?.startsWith('io_uring')).length, 4);
});
