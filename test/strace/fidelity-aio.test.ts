/**
 * Issue 11, kind 4: libaio. io_submit returns how many control blocks it took, io_getevents how many events it
 * reaped, each request completing with its own result (bytes, or -errno for a misaligned O_DIRECT read); PWRITE,
 * PREADV, PWRITEV, FSYNC and FDSYNC are simulated as well as PREAD.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Ev } from '../../src/machine/events';
import type { Trace } from '../../src/trace/trace';
import type { OpInfo } from './helpers';
import { cacheAfter, diagnosticsOf, logLines, mismatches, runLog } from './realworld';

/** The results the requests of operation `op` completed with, in the order they completed (AioComplete events). */
function completions(trace: Trace, ops: readonly OpInfo[], from: OpInfo, to: OpInfo): number[] {
  const out: number[] = [];
  for (let e = from.startPos; e <= to.endPos; e++) if (trace.events.kind(e) === Ev.AioComplete) out.push(trace.events.b(e));
  assert.ok(ops.length > 0);
  return out;
}

test('k4: raw io_submit of PWRITE, PWRITEV, FDSYNC, FSYNC, then O_DIRECT PREAD, PREADV and a misaligned PREAD', () => {
  const { loaded, trace, ops } = runLog('k4-aio-opcodes.strace');
  assert.deepEqual(mismatches(ops), []);
  assert.deepEqual(diagnosticsOf(loaded), []);
  const submits = ops.filter((o) => o.name === 'aio_submit');
  const reaps = ops.filter((o) => o.name === 'aio_getevents');
  // From the log: io_submit = 4 (line 35) and = 3 (line 43); io_getevents = 2, 1, 1 (lines 38-40) and = 3 (line 44).
  assert.deepEqual(submits.map((o) => [o.line, o.result]), [[35, 4], [43, 3]]);
  assert.deepEqual(reaps.map((o) => [o.line, o.result]), [[38, 2], [39, 1], [40, 1], [44, 3]]);
  // Each request's own result, as the log's events have them: 65536 and 8192 + 8192 written, 0 for each sync;
  // 16384 read twice (4096 + 12288 for PREADV) and -22 (EINVAL) for 1000 bytes at offset 100 under O_DIRECT.
  const first = completions(trace, ops, submits[0], reaps[2]);
  assert.deepEqual(first.slice().sort((a, b) => a - b), [0, 0, 16384, 65536]);
  const second = completions(trace, ops, submits[1], reaps[3]);
  assert.deepEqual(second.slice().sort((a, b) => a - b), [-22, 16384, 16384]);
  // The buffered writes made 20 dirty pages; FDSYNC and FSYNC wrote them before their events came.
  const path = '/tmp/iosim-rf/aio.bin';
  assert.equal(trace.machine.files.get(path)!.size, 81920);
  assert.deepEqual(cacheAfter(trace, reaps[2], path), [20, 0, 0]);
  // The O_DIRECT reads go around the cache: 16384 + 16384 bytes by DMA to user memory, no page looked up.
  assert.equal(second.length, 3);
  let dma = 0;
  for (let e = submits[1].startPos; e <= reaps[3].endPos; e++) {
    if (trace.events.kind(e) === Ev.PageHit || trace.events.kind(e) === Ev.PageMiss) assert.fail('an O_DIRECT read looked up the cache');
  }
  for (const o of [submits[1], reaps[3]]) dma += o.dmaBytes;
  assert.equal(dma, 32768);
});

test('case 07: fio\'s libaio randread: 512 io_submit = 1, io_getevents = 1 (505 times) and = 7 (once)', () => {
  const name = '07-fio-libaio-randread-io-getevents.strace';
  const { ops } = runLog(name);
  assert.deepEqual(mismatches(ops), []);
  const submits = ops.filter((o) => o.name === 'aio_submit');
  const reaps = ops.filter((o) => o.name === 'aio_getevents');
  assert.deepEqual([submits.length, reaps.length], [512, 506]);
  // The log's io_getevents that reaped 7: the model's does too, in one operation printed with the log's min_nr/nr.
  const seven = logLines(name, /io_getevents\(.*\) = 7 </).map((l) => l.line);
  const seven2 = logLines(name, /<\.\.\. io_getevents resumed>.*\) = 7 </).map((l) => l.line);
  assert.equal(seven.length + seven2.length, 1);
  assert.deepEqual(reaps.filter((o) => o.result === 7).length, 1);
  // Every one of the 512 reads of 16 KiB is reaped: 8 MiB moved by DMA, none through the cache.
  assert.equal(submits.reduce((s, o) => s + o.dmaBytes, 0) + reaps.reduce((s, o) => s + o.dmaBytes, 0), 512 * 16384);
});

test('k4: fio\'s libaio randwrite with O_DIRECT and an fsync every 4 writes: 32 writes of 16 KiB, each reaped', () => {
  const { trace, ops } = runLog('k4-fio-libaio-write.strace');
  assert.deepEqual(mismatches(ops), []);
  const submits = ops.filter((o) => o.name === 'aio_submit');
  const reaps = ops.filter((o) => o.name === 'aio_getevents');
  // 512 KiB in 16 KiB blocks: 32 io_submit = 1; 30 io_getevents, 29 = 1 and one = 3 (fio's last wait), as the log.
  assert.deepEqual([submits.length, reaps.length], [32, 30]);
  assert.ok(submits.every((o) => o.result === 1));
  assert.deepEqual(reaps.map((o) => o.result).sort(), [...Array(29).fill(1), 3]);
  // Direct writes go to the disk, not the cache: the file has no cached page at the end.
  const path = '/tmp/iosim-rf/fio-aw.dat';
  assert.deepEqual(cacheAfter(trace, ops[ops.length - 1], path), [0, 0, 0]);
  assert.equal(trace.machine.files.get(path)!.size, 524288);
});
