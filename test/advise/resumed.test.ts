/**
 * A write to a pipe that blocked in the log (`write(4<pipe:[9]>, ... <unfinished ...>` then `<... write resumed>`) is
 * handed to the machine when the reader needs its bytes, before its end is read. It keeps its first half's -y name,
 * so the advisor sees one loop into `pipe:[9]`, not a second loop into "pipe (machine fd 4)" (a user's report on
 * `tar cf - ... | gzip`). The log is written here, numbers chosen by hand.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadStrace } from '../../src/program/strace/load';
import { advise } from '../../src/trace/advise/advise';
import { recordRun } from '../../src/trace/advise/run';

const LOG = `100 10:00:00.000100 pipe2([3<pipe:[9]>, 4<pipe:[9]>], 0) = 0 <0.000010>
100 10:00:00.000200 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f0000000a10) = 101 <0.000050>
101 10:00:00.000300 close(3<pipe:[9]>) = 0 <0.000010>
100 10:00:00.000310 close(4<pipe:[9]>) = 0 <0.000010>
101 10:00:00.000400 openat(AT_FDCWD, "/d/a.bin", O_RDONLY) = 5</d/a.bin> <0.000010>
101 10:00:00.000500 read(5</d/a.bin>, "..."..., 65536) = 65536 <0.000100>
101 10:00:00.000600 write(4<pipe:[9]>, "..."..., 65536 <unfinished ...>
100 10:00:00.000700 read(3<pipe:[9]>, "..."..., 65536) = 65536 <0.000050>
101 10:00:00.000800 <... write resumed>) = 65536 <0.000200>
101 10:00:00.000900 read(5</d/a.bin>, "..."..., 65536) = 65536 <0.000100>
101 10:00:00.001000 write(4<pipe:[9]>, "..."..., 65536) = 65536 <0.000020>
100 10:00:00.001100 read(3<pipe:[9]>, "..."..., 65536) = 65536 <0.000050>
101 10:00:00.001200 read(5</d/a.bin>, "..."..., 65536) = 65536 <0.000100>
101 10:00:00.001300 write(4<pipe:[9]>, "..."..., 65536 <unfinished ...>
100 10:00:00.001400 read(3<pipe:[9]>, "..."..., 65536) = 65536 <0.000050>
101 10:00:00.001500 <... write resumed>) = 65536 <0.000200>
101 10:00:00.001600 read(5</d/a.bin>, "", 65536) = 0 <0.000010>
101 10:00:00.001700 close(4<pipe:[9]>) = 0 <0.000010>
100 10:00:00.001800 read(3<pipe:[9]>, "", 65536) = 0 <0.000010>
`;

test('writes to a pipe split by <unfinished ...>/<... resumed> keep the -y name and join the loop', () => {
  const loaded = loadStrace(LOG, 'resumed.strace');
  assert.ok(loaded.spec, 'the log loads');
  try {
    // Every write the machine runs names the pipe as its line does, the two handed over early included.
    const writes = recordRun(loaded.spec).steps.filter((s) => s.op.recorded?.syscall === 'write').map((s) => ({ line: s.op.line, path: s.op.recorded?.path }));
    assert.deepEqual(writes, [7, 11, 14].map((line) => ({ line, path: 'pipe:[9]' })));
  } finally {
    loaded.spec.close?.();
  }
  const again = loadStrace(LOG, 'resumed.strace');
  assert.ok(again.spec);
  try {
    const r = advise(again.spec);
    // One loop: lines 6 (the first read) to 17 (the read that finds the end), 3 pairs of 64 KiB, 3 reads + 3 writes +
    // the end-of-file read.
    assert.equal(r.loops.length, 1, r.loops.map((l) => `${l.firstLine}-${l.lastLine} → ${l.sink}`).join('; '));
    const l = r.loops[0];
    assert.deepEqual([l.firstLine, l.lastLine, l.source, l.sink, l.sinkKind], [6, 17, '/d/a.bin', 'pipe:[9]', 'pipe']);
    assert.deepEqual([l.pairs, l.bytes, l.calls], [3, 3 * 65536, 7]);
  } finally {
    again.spec.close?.();
  }
});
