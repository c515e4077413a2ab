/**
 * Issue 11, kind 6: descriptors across threads whose clone a -e trace= filter left out (they share the table of
 * the process that opened the fd with the same -y name), and regular files open before the log begins (a shell
 * redirection), simulated as those files. Kind 5's note for data calls on other descriptors the log never opened.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { opsOf, runText } from './helpers';
import { diagnosticsOf, logLines, mismatches, pagesLookedUp, runLog } from './realworld';

test('case 12: zstd -T with %file,%desc: its threads use the fds the main thread opened, all their I/O simulated', () => {
  const { loaded, ops } = runLog('12-zstd-threads-without-clone.strace');
  assert.deepEqual(diagnosticsOf(loaded).filter((d) => /fd/.test(d)), [
    '74: pid 20604 uses fd 3 (/tmp/iosim/big64.bin), which pid 20602 opened at line 71, and the log shows no clone between them (a -e trace= filter leaves clone out): taken as a thread of pid 20602, sharing its descriptors',
    '117: pid 20603 uses fd 4 (/tmp/iosim/big64.zst), which pid 20602 opened at line 80, and the log shows no clone between them (a -e trace= filter leaves clone out): taken as a thread of pid 20602, sharing its descriptors',
  ]);
  assert.ok(!diagnosticsOf(loaded).some((d) => /before the log begins/.test(d)), 'never "opened before the log begins" for an fd the log opened');
  assert.deepEqual(mismatches(ops), []);
  // 64 MiB read from big64.bin, its compressed form written to big64.zst (the log's own totals).
  const reads = ops.filter((o) => o.name === 'read' && o.path === '/tmp/iosim/big64.bin');
  const writes = ops.filter((o) => o.name === 'write' && o.path === '/tmp/iosim/big64.zst');
  assert.equal(reads.reduce((s, o) => s + o.result, 0), 64 * 1024 * 1024);
  assert.equal(writes.length, 1024);
  assert.equal(writes.reduce((s, o) => s + o.result, 0), writes.reduce((s, o) => s + o.recorded!.result!, 0));
  assert.ok(ops.filter((o) => o.recorded?.syscall === 'write').every((o) => o.name === 'write'), 'every write simulated');
  // One table, as CLONE_FILES makes it: the main thread's close(4) and close(3) (lines 2307, 2313) close the files,
  // though the threads that used them have not exited yet (lines 2314, 2315); their exits close nothing.
  assert.deepEqual(ops.filter((o) => o.name === 'close' || o.name === 'release').slice(-2).map((o) => [o.line, o.name, o.path]), [
    [2307, 'close', '/tmp/iosim/big64.zst'], [2313, 'close', '/tmp/iosim/big64.bin'],
  ]);
});

test('k6: zstd -T2 and python threads recorded without clone lines: every call of the threads simulated', () => {
  for (const [name, path] of [['k6-zstd-threads.strace', '/tmp/iosim-rf/big4m.bin'], ['k6-python-threads.strace', '/tmp/iosim-rf/big.bin']]) {
    const { loaded, ops } = runLog(name);
    assert.deepEqual(mismatches(ops), [], name);
    assert.ok(diagnosticsOf(loaded).some((d) => /taken as a thread of pid/.test(d)), name);
    assert.ok(!diagnosticsOf(loaded).some((d) => /before the log begins/.test(d) && d.includes(path)), name);
    const reads = ops.filter((o) => (o.name === 'read' || o.name === 'pread') && o.path === path);
    // zstd reads its whole input (4 MiB) in one worker thread; python's two threads pread 7 × 64 KiB and the last 2688
    // bytes short at the end of the 400000-byte file (the log's results; mismatches() holds the model to them).
    assert.equal(reads.reduce((s, o) => s + o.result, 0), path.endsWith('big4m.bin') ? 4194304 : 7 * 65536 + 2688, name);
    assert.ok(reads.every((o) => o.thread !== 1), `${name}: read by the threads, not the process that opened it`);
  }
});

test('case 13: gzip -c > file: the inherited fd 1 is simulated as the file; its pages are written', () => {
  const { loaded, trace, ops } = runLog('13-gzip-stdout-to-file.strace');
  assert.deepEqual(diagnosticsOf(loaded), ['53: fd 1 (/tmp/iosim/odd.bin.gz) was open before the log begins (a shell redirection, or an open a -e trace= filter left out of the log): simulated as that file, opened read-write at offset 0']);
  assert.deepEqual(mismatches(ops), []);
  const writes = ops.filter((o) => o.recorded?.syscall === 'write');
  assert.ok(writes.length > 0 && writes.every((o) => o.name === 'write' && o.path === '/tmp/iosim/odd.bin.gz'));
  const total = writes.reduce((s, o) => s + o.recorded!.result!, 0);
  assert.equal(trace.machine.files.get('/tmp/iosim/odd.bin.gz')!.size, total);
  // Not a syscall of the log: the inherit operation, before line 1's call, costs none.
  assert.equal(ops[0].name, 'inherit');
  assert.equal(ops[0].contextSwitches, 0);
});

test('k6: tr < big.bin > upper.bin: stdin and stdout are files the shell opened, both simulated', () => {
  const { trace, ops } = runLog('k6-stdin-stdout.strace');
  assert.deepEqual(mismatches(ops), []);
  const reads = ops.filter((o) => o.name === 'read' && o.path === '/tmp/iosim-rf/big.bin');
  assert.equal(reads.reduce((s, o) => s + o.result, 0), 400000);
  assert.equal(trace.machine.files.get('/tmp/iosim-rf/upper.bin')!.size, 400000);
});

test('data calls on a pipe the log never opened: one note per fd with its first line and the bytes it carried', () => {
  // strace -ff: cat's own file has no pipe2 (its parent sh made the pipe): its writes to fd 4 are shown only.
  const name = 'k3/trace.4543';
  const { loaded } = runLog(name);
  const writes = logLines(name, /^\S+ write\(1<pipe:\[\d+\]>, .*\) = (\d+)/);
  assert.ok(writes.length > 0);
  const bytes = writes.reduce((s, l) => s + Number(l.m[1]), 0);
  assert.deepEqual(diagnosticsOf(loaded).filter((d) => /pipe/.test(d)), [
    `${writes[0].line}: fd 1 (${/1<(pipe:\[\d+\])>/.exec(writes[0].text)![1]}) was open before the log begins and is not simulated: its ${writes.length} data calls (${bytes} bytes, the first at line ${writes[0].line}) are shown only`,
  ]);
  // A terminal or /dev/null is a device, which the model does not simulate opened in the log or not: no note.
  assert.ok(!diagnosticsOf(runLog('15-cat-stack-trace-k.strace').loaded).some((d) => /\/dev\/null/.test(d)));
});

test('k6: fd tables across a thread, dup2, fork and close_range: the machine closes a file when its last fd goes', () => {
  const { trace, ops } = runLog('k6-fd-tables.strace');
  assert.deepEqual(mismatches(ops), []);
  // The thread (clone3 with CLONE_FILES, line 615) opens out.bin as fd 4 and exits (line 662): the table is the
  // process's, so the main thread's write to fd 4 (line 664) and, through dup2, to fd 9 (line 668) are simulated:
  // 65536 + 5000 = 70536 bytes.
  assert.deepEqual(ops.filter((o) => o.name === 'write' && o.path === '/tmp/iosim-rf/out.bin').map((o) => [o.line, o.result]), [[664, 65536], [668, 5000]]);
  assert.equal(trace.machine.files.get('/tmp/iosim-rf/out.bin')!.size, 70536);
  // The forked child (line 669) shares fd 3's description and its position: read(9) took it to 10000, the child's
  // read(3) of 20000 to 30000, so the parent's read of 30000 (line 679) covers bytes 30000-59999: pages 7-14.
  const parentRead = ops.find((o) => o.line === 679)!;
  assert.deepEqual([parentRead.name, parentRead.result], ['read', 30000]);
  assert.deepEqual(pagesLookedUp(trace, parentRead), [7, 8, 9, 10, 11, 12, 13, 14]);
  // dup2 over fd 9 (line 667), close_range(6, 6) (line 702), the parent's close(5) (line 682, the child has it) and
  // close(9) (line 717, fd 4 names out.bin too) leave another fd on their files: nothing closes. close_range(20, 30)
  // (line 707) takes the pipe's last write end, the reader's exit (line 714) its read end; close(4) and close(3)
  // (lines 718, 719) the files'.
  const closes = ops.filter((o) => (o.name === 'close' || o.name === 'release') && o.line > 608);
  assert.deepEqual(closes.map((o) => [o.line, o.name, o.recorded?.syscall ?? o.text]), [
    [707, 'close', 'close_range'], [714, 'release', 'exit'], [718, 'close', 'close'], [719, 'close', 'close'],
  ]);
  // The exit's close is the kernel's, no syscall: it costs no switch.
  assert.equal(closes[1].contextSwitches, 0);
  assert.ok(ops.filter((o) => [667, 682, 702, 717].includes(o.line)).every((o) => o.name === 'syscall'));
  // By the end of the log every fd the program opened is closed: so are the machine's descriptors.
  assert.equal(trace.machine.fds.size, 0);
});

test('data calls on fds the log never opened and no -y names: one note per fd, a terminal none', () => {
  const log = [
    '100 10:00:00.000000 read(5, "abc"..., 4096) = 4096 <0.000010>',
    '100 10:00:00.000100 read(5, "abc"..., 4096) = 100 <0.000010>',
    '100 10:00:00.000200 write(7, "x", 1) = 1 <0.000010>',
    '100 10:00:00.000300 write(1</dev/pts/0>, "x", 1) = 1 <0.000010>',
    '100 10:00:00.000400 sendto(9<socket:[123]>, "x", 1, 0, NULL, 0) = 1 <0.000010>',
    '',
  ].join('\n');
  const { loaded, trace } = runText(log);
  // By hand: fd 5 carried 4096 + 100 bytes in 2 reads from line 1; fd 7 one byte at line 3; the socket one at line 5.
  assert.deepEqual(loaded.diagnostics.map((d) => `${d.line}: ${d.message}`), [
    '1: fd 5 (no -y decoration says what it is) of pid 100 was open before the log begins and is not simulated: its 2 data calls (4196 bytes, the first at line 1) are shown only',
    '3: fd 7 (no -y decoration says what it is) of pid 100 was open before the log begins and is not simulated: its 1 data call (1 bytes, the first at line 3) is shown only',
    '5: fd 9 (socket:[123]) of pid 100 was open before the log begins and is not simulated: its 1 data call (1 bytes, the first at line 5) is shown only',
  ]);
  // Shown, not dropped: each call is an operation with the log's result.
  assert.deepEqual(opsOf(trace).map((o) => [o.line, o.name, o.result]), [[1, 'syscall', 4096], [2, 'syscall', 100], [3, 'syscall', 1], [4, 'syscall', 1], [5, 'syscall', 1]]);
});
