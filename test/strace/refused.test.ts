/**
 * Log lines a new-user trial found taken when they should be refused or flagged (hostile/edge.strace): a count no
 * size_t holds, a negative offset, a duration that is none, a timestamp that goes back, calls of a process after its
 * exit. Each is a warning at its line and column; the call is shown, not simulated, where the model cannot run it.
 * The expected messages and values are worked out from the lines by hand.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { pastSizeMax } from '../../src/program/strace/args';
import { fastPath } from '../../src/program/strace/fast';
import { fixture, runText } from './helpers';

const OPEN = '100  10:00:00.000001 openat(AT_FDCWD, "/d", O_RDWR) = 3</d> <0.000010>\n';

function warnings(text: string): string[] {
  return runText(text).loaded.diagnostics.map((d) => `${d.line}:${d.col}: ${d.message}`);
}

/** Both readers (the fast one and the general parser) give the same result. */
function bothReaders(check: () => void): void {
  for (const fast of [true, false]) {
    fastPath.enabled = fast;
    try {
      check();
    } finally {
      fastPath.enabled = true;
    }
  }
}

test('pastSizeMax compares the digits: 2^64 − 1 is a size_t, 2^64 is not (one double holds both)', () => {
  assert.equal(pastSizeMax('18446744073709551615', 0), false);
  assert.equal(pastSizeMax('18446744073709551616', 0), true);
  assert.equal(pastSizeMax(' 99999999999999999999 ', 0), true);
  assert.equal(pastSizeMax('9223372036854775807', 0), false);
  assert.equal(pastSizeMax('0018446744073709551615', 0), false);
});

test('counts: past 2^64 − 1 or negative refused at the line; up to 2^64 − 1 clamped as Linux does', () => {
  const lines = [
    'read(3</d>, "abc"..., 99999999999999999999) = 4096',
    'pread64(3</d>, "abc"..., 18446744073709551616, 0) = 4096',
    'read(3</d>, "abc"..., -5) = 3',
    // SIZE_MAX itself: vfs_read clamps the count to MAX_RW_COUNT; the result says what moved.
    'read(3</d>, "abc"..., 18446744073709551615) = 3',
  ];
  bothReaders(() => {
    const { loaded, trace } = runText(OPEN + lines.map((l) => `100  ${l}\n`).join(''));
    assert.deepEqual(loaded.diagnostics.map((d) => `${d.line}:${d.col}: ${d.message}`), [
      '2:6: read: the count 99999999999999999999 is past 2^64 − 1, the largest count (a size_t) a call can be given (a damaged line): shown, not simulated',
      '3:6: pread64: the count 18446744073709551616 is past 2^64 − 1, the largest count (a size_t) a call can be given (a damaged line): shown, not simulated',
      '4:6: read: the count -5 is negative, which strace never prints (a count is a size_t, printed unsigned): shown, not simulated',
    ]);
    const reads = [...Array(trace.ops.length).keys()].map((i) => trace.ops.get(i)).filter((o) => o.line >= 2 && o.name !== 'alloc');
    assert.deepEqual(reads.map((o) => `${o.line} ${o.name}`), ['2 syscall', '3 syscall', '4 syscall', '5 read']);
  });
});

test('a negative offset is said to be negative (Linux: EINVAL), not "not a number"', () => {
  const lines = [
    'pread64(3</d>, "a", 1, -5) = 1',
    'pwrite64(3</d>, "a", 1, -4096) = 1',
    'preadv(3</d>, [{iov_base="a", iov_len=1}], 1, -1) = 1',
    'mmap(NULL, 4096, PROT_READ, MAP_SHARED, 3</d>, -4096) = 0x7f0000000000',
    'mmap(NULL, 4096, PROT_READ, MAP_SHARED, 3</d>, 100) = 0x7f0000000000',
    'fadvise64(3</d>, 0, -1, POSIX_FADV_WILLNEED) = 0',
  ];
  bothReaders(() => {
    assert.deepEqual(warnings(OPEN + lines.map((l) => `100  ${l}\n`).join('')), [
      '2:6: pread64: the offset -5 is negative, which Linux refuses (EINVAL, rw_verify_area) before it moves a byte: a successful call cannot have it: shown, not simulated',
      '3:6: pwrite64: the offset -4096 is negative, which Linux refuses (EINVAL, rw_verify_area) before it moves a byte: a successful call cannot have it: shown, not simulated',
      '4:6: preadv: the offset -1 is negative, which Linux refuses (EINVAL, rw_verify_area) before it moves a byte: a successful call cannot have it: shown, not simulated',
      '5:6: mmap: the offset -4096 is negative, which Linux refuses (EINVAL, do_mmap): a successful call cannot have it: shown, not simulated',
      '6:6: mmap: the offset 100 is not a multiple of the page size (4096), which Linux refuses (EINVAL, do_mmap): a successful call cannot have it: shown, not simulated',
      '7:6: fadvise64: the length -1 is negative, which Linux refuses (EINVAL, generic_fadvise): a successful call cannot have it: shown, not simulated',
    ]);
  });
});

test('a duration that is none (<-0.5>, <1.2.3>) is a warning at its column, taken off the result, and not used', () => {
  const text = OPEN + '100  10:00:00.000100 read(3</d>, "abc", 4096) = 3 <-0.5>\n100  10:00:00.000200 read(3</d>, "", 4096) = 0 <1.2.3>\n';
  bothReaders(() => {
    const { loaded, trace } = runText(text);
    assert.deepEqual(loaded.diagnostics.map((d) => `${d.line}:${d.col}: ${d.message}`), [
      '2:51: read: the duration <-0.5> is none strace prints (-T gives the seconds the call took: a decimal, never negative): taken as not recorded',
      '3:48: read: the duration <1.2.3> is none strace prints (-T gives the seconds the call took: a decimal, never negative): taken as not recorded',
    ]);
    const reads = [...Array(trace.ops.length).keys()].map((i) => trace.ops.get(i)).filter((o) => o.name === 'read');
    // Both simulated: 3 bytes, then the end of the file; neither carries a recorded duration or a result text with it.
    assert.deepEqual(reads.map((o) => [o.line, o.result, o.recorded?.durationNs]), [[2, 3, undefined], [3, 0, undefined]]);
  });
});

test("a timestamp before the same process's previous one is flagged; other processes' lines are not compared", () => {
  const text = [
    '100  12:00:00.000000 openat(AT_FDCWD, "/d", O_RDONLY) = 3</d> <0.000010>',
    '200  12:00:00.000700 getpid() = 200 <0.000001>',
    '100  12:00:00.000600 getpid() = 100 <0.000001>',
    '100  11:59:59.000000 pread64(3</d>, "a", 1, 0) = 1 <0.000010>',
    '100  12:00:00.000800 getpid() = 100 <0.000001>',
  ].join('\n') + '\n';
  bothReaders(() => {
    assert.deepEqual(warnings(text), [
      "4:1: the timestamp is 1.000600 s before the one of pid 100's line 3: a process's own times never go back in a strace log (the system clock was set back, or the log was edited); the model's clock does not go back: this line's call starts when the one before it ends",
    ]);
  });
});

test('threads.strace (6 Python threads, -f -tt, recorded): no timestamp of a process goes back', () => {
  const { loaded } = runText(readFileSync(fixture('threads.strace'), 'utf8'));
  assert.deepEqual(loaded.diagnostics.filter((d) => d.message.includes('timestamp')), []);
  assert.ok(loaded.strace.threads.size >= 7, `${loaded.strace.threads.size} threads`);
});

test('a call of a pid after its +++ exited/killed +++ line: shown, not simulated, unless a fork returned the pid again', () => {
  const text = [
    '100  12:00:00.000000 openat(AT_FDCWD, "/tmp/x.bin", O_RDONLY) = 3</tmp/x.bin> <0.000010>',
    '100  12:00:00.000100 read(3</tmp/x.bin>, "abc", 4096) = 3 <0.000010>',
    '100  12:00:00.000200 +++ killed by SIGKILL +++',
    '100  12:00:00.000300 read(3</tmp/x.bin>, "", 4096) = 0 <0.000010>',
    '200  12:00:00.000400 clone(child_stack=NULL, flags=SIGCHLD) = 100 <0.000010>',
    '100  12:00:00.000500 openat(AT_FDCWD, "/tmp/x.bin", O_RDONLY) = 3</tmp/x.bin> <0.000010>',
    '100  12:00:00.000600 read(3</tmp/x.bin>, "abc", 4096) = 3 <0.000010>',
    '100  12:00:00.000700 +++ exited with 0 +++',
  ].join('\n') + '\n';
  bothReaders(() => {
    const { loaded, trace } = runText(text);
    assert.deepEqual(loaded.diagnostics.map((d) => `${d.line}:${d.col}: ${d.message}`), [
      '4:22: read: pid 100 exited at line 3, and a process that has exited makes no calls (no fork or clone in the log returned pid 100 again since): shown, not simulated',
    ]);
    const ops = [...Array(trace.ops.length).keys()].map((i) => trace.ops.get(i)).filter((o) => o.name !== 'alloc');
    // No open before the log (the file is the log's own line 1); line 4 shown only; the reused pid's calls simulated.
    assert.deepEqual(ops.map((o) => `${o.line} ${o.name}`), ['1 open', '2 read', '3 release', '4 syscall', '5 syscall', '6 open', '7 read', '8 release']);
  });
});

test('a file the log opened, used later through an fd the log never gave that process: opened there, not "before the log"', () => {
  const text = [
    '100  openat(AT_FDCWD, "/d", O_RDONLY) = 3</d>',
    '100  read(3</d>, "abc", 4096) = 3',
    '100  close(3</d>) = 0',
    '300  read(3</d>, "abc", 4096) = 3',
  ].join('\n') + '\n';
  bothReaders(() => {
    const { loaded, trace } = runText(text);
    assert.deepEqual(loaded.diagnostics.map((d) => `${d.line}: ${d.message}`), [
      '4: fd 3 of pid 300 names /d, which the log opened at line 1 but not as this fd of this process (or the clone that shares it is not in the log): simulated as that file, opened read-write at offset 0',
    ]);
    const ops = [...Array(trace.ops.length).keys()].map((i) => trace.ops.get(i)).filter((o) => o.name !== 'alloc');
    // Was: an `inherit` at line 1, printed "open before the log begins", though the log's own line 1 opens /d.
    assert.deepEqual(ops.map((o) => `${o.line} ${o.name}`), ['1 open', '2 read', '3 close', '4 inherit', '4 read']);
    assert.equal(ops[3].recorded?.syscall, 'openat');
  });
});

test('io_submit: a control block with a negative offset or a count past 2^53 is a warning, the call shown only', () => {
  const cb = (nbytes: string, offset: string) => `[{aio_data=0, aio_lio_opcode=IOCB_CMD_PREAD, aio_fildes=3</d>, aio_buf=0x7f34c001e000, aio_nbytes=${nbytes}, aio_offset=${offset}}]`;
  const text = [
    '100  openat(AT_FDCWD, "/d", O_RDONLY|O_DIRECT) = 3</d>',
    `100  io_submit(0x7f0000000000, 1, ${cb('4096', '-4096')}) = 1`,
    `100  io_submit(0x7f0000000000, 1, ${cb('9007199254740993', '0')}) = 1`,
    `100  io_submit(0x7f0000000000, 1, ${cb('4096', '8192')}) = 1`,
  ].join('\n') + '\n';
  const { loaded, trace } = runText(text);
  assert.deepEqual(loaded.diagnostics.map((d) => `${d.line}:${d.col}: ${d.message}`), [
    '2:6: io_submit: the aio_offset of a control block -4096 is negative, which Linux refuses (EINVAL in its completion, rw_verify_area): shown, not simulated',
    '3:6: io_submit: the aio_nbytes of a control block is past 2^53, the largest number the model counts exactly: shown, not simulated',
  ]);
  const ops = [...Array(trace.ops.length).keys()].map((i) => trace.ops.get(i)).filter((o) => o.name !== 'alloc');
  assert.deepEqual(ops.map((o) => `${o.line} ${o.name}`), ['1 open', '2 syscall', '3 syscall', '4 aio_submit']);
});

test('a bad duration on a resumed line is warned about at that line', () => {
  const text = OPEN + '100  10:00:00.000100 read(3</d>,  <unfinished ...>\n200  10:00:00.000150 getpid() = 200\n100  10:00:00.000200 <... read resumed>"abc", 4096) = 3 <-1.000000>\n';
  const { loaded } = runText(text);
  // `100  10:00:00.000200 <... read resumed>"abc", 4096) = 3 ` is 56 characters: the '<' is column 57.
  assert.deepEqual(loaded.diagnostics.map((d) => `${d.line}:${d.col}: ${d.message}`), [
    '4:57: read: the duration <-1.000000> is none strace prints (-T gives the seconds the call took: a decimal, never negative): taken as not recorded',
  ]);
});
