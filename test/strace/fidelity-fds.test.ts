/**
 * Issue 11, kind 6: descriptors across threads whose clone a -e trace= filter left out (they share the table of
 * the process that opened the fd with the same -y name), and regular files open before the log begins (a shell
 * redirection), simulated as those files. Kind 5's note for data calls on other descriptors the log never opened.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { diagnosticsOf, logLines, mismatches, runLog } from './realworld';

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
  assert.deepEqual(diagnosticsOf(loaded), ['53: fd 1 (/tmp/iosim/odd.bin.gz) was open before the log begins (a shell redirection): simulated as that file, opened read-write at offset 0']);
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
