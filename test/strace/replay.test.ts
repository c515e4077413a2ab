/** Replaying logs written for the purpose: each mapping of a syscall onto the machine, and the replay's guarantees. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import type { Operation } from '../../src/machine/operation';
import { FileSource, TextLines } from '../../src/program/strace/lines';
import { loadStrace, loadStraceFile } from '../../src/program/strace/load';
import { loadProgram } from '../../src/program/loadProgram';
import { Trace } from '../../src/trace/trace';
import { fixture, KiB, MiB, opsOf, passThroughNames, runText, sum } from './helpers';

const CAT = `1000  10:00:00.000000 execve("/usr/bin/cat", ["cat", "/srv/a.txt"], 0x7ffd /* 3 vars */) = 0 <0.000100>
1000  10:00:00.000200 openat(AT_FDCWD</home/u>, "/srv/a.txt", O_RDONLY) = 3</srv/a.txt> <0.000010>
1000  10:00:00.000300 newfstatat(3</srv/a.txt>, "", {st_mode=S_IFREG|0644, st_size=20000, ...}, AT_EMPTY_PATH) = 0 <0.000005>
1000  10:00:00.000400 read(3</srv/a.txt>, "abc"..., 131072) = 20000 <0.000020>
1000  10:00:00.000500 write(1</dev/pts/0>, "abc"..., 20000) = 20000 <0.000030>
1000  10:00:00.000600 read(3</srv/a.txt>, "", 131072) = 0 <0.000004>
1000  10:00:00.000700 close(3</srv/a.txt>) = 0 <0.000003>
1000  10:00:00.000800 exit_group(0) = ?
1000  10:00:00.000900 +++ exited with 0 +++
`;

/** The operations a fresh source hands out, answered as a machine would (descriptors, addresses, byte counts). */
function collect(src: { next(): Operation | null; complete(r: number): void }): Operation[] {
  return collectFrom(src, 3, 0x10000000);
}

test('cat: open, fstat, read to the end, write to the terminal; sizes come from the log', () => {
  const { loaded, trace } = runText(CAT, false);
  assert.deepEqual(loaded.spec!.files, [{ path: '/srv/a.txt', size: 20000 }]);
  assert.deepEqual(loaded.executableLines, [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.deepEqual(loaded.strace.threads.get(1), { pid: 1000, name: 'cat' });
  assert.equal(loaded.spec!.threads!.get(1), 'cat [1000]');
  const ops = opsOf(trace);
  assert.deepEqual(ops.map((o) => `${o.line}:${o.name}${o.name === 'syscall' ? `[${o.text}]` : ''}`), [
    '1:syscall[execve]', '2:open', '3:syscall[newfstatat]', '4:alloc', '4:read', '5:syscall[write]', '6:read', '7:close', '8:syscall[exit_group]',
  ]);
  const reads = ops.filter((o) => o.name === 'read');
  assert.deepEqual(reads.map((o) => o.result), [20000, 0]);
  assert.equal(reads[0].cpuBytes, 20000, 'one CPU copy page cache -> user');
  assert.equal(reads[0].misses, 5, '5 pages, all missed (cold cache)');
  assert.equal(reads[0].dmaBytes, 20480, 'disk -> page cache, to the end of the file rounded to 512 bytes');
  // The recorded facts travel with each operation.
  assert.deepEqual(reads[0].recorded, { durationNs: 20000, timestampNs: 400000, result: 20000, syscall: 'read', path: '/srv/a.txt' });
  assert.equal(ops.find((o) => o.text === 'write')!.recorded!.durationNs, 30000);
  assert.equal(ops[0].recorded!.timestampNs, 0, 'timestamps count from the first line');
  assert.equal(ops[8].recorded!.result, undefined, "exit_group's '?' is no result");
  // write(1</dev/pts/0>) is shown, not simulated; the terminal was never opened in the log.
  assert.deepEqual(loaded.strace.inherited, []);
  assert.equal(trace.machine.counters[0] /* syscalls */, 8);
});

test('without -y the paths come from open and the fds are followed; dup2 shares the description', () => {
  const log = `open("/data/in", O_RDONLY|O_DIRECT) = 3
dup2(3, 0) = 0
close(3) = 0
read(0, "..."..., 65536) = 65536
read(0, "..."..., 65536) = 1000
read(0, "", 65536) = 0
close(0) = 0
`;
  const { loaded, trace } = runText(log, false);
  assert.deepEqual(loaded.spec!.files, [{ path: '/data/in', size: 66536 }]);
  const ops = opsOf(trace);
  assert.deepEqual(ops.map((o) => o.name), ['open', 'syscall', 'syscall', 'alloc', 'read', 'read', 'read', 'close']);
  // close(3) with fd 0 still open on the description: the machine's descriptor stays open
  assert.equal(ops[2].text, 'close');
  const reads = ops.filter((o) => o.name === 'read');
  assert.deepEqual(reads.map((o) => o.path), ['/data/in', '/data/in', '/data/in']);
  // O_DIRECT: DMA straight into the user buffer, no CPU copy; 1000 bytes is not block-aligned: EINVAL in the model
  assert.equal(reads[0].cpuBytes, 0);
  assert.equal(reads[0].dmaBytes, 65536);
  assert.equal(reads[0].result, 65536);
  assert.equal(ops[7].name, 'close', 'the last reference closes the machine descriptor');
});

test('a process forks before its first prefixed line, then children inherit and share descriptors', () => {
  const log = `10:00:00.000000 openat(AT_FDCWD, "/f", O_RDONLY) = 3</f>
10:00:00.000010 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLDstrace: Process 21 attached
, child_tidptr=0x7f) = 21 <0.000050>
[pid    21] 10:00:00.000100 read(3</f>, "x"..., 4096) = 4096 <0.000010>
[pid    20] 10:00:00.000110 clone3({flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD, ...}, 88 <unfinished ...>
[pid    22] 10:00:00.000120 read(3</f>, "y"..., 4096) = 4096 <0.000010>
[pid    20] 10:00:00.000130 <... clone3 resumed>) = 22 <0.000040>
[pid    22] 10:00:00.000140 close(3</f>) = 0 <0.000003>
[pid    20] 10:00:00.000150 read(3, 0x7ffd, 4096) = -1 EBADF (Bad file descriptor) <0.000003>
[pid    21] 10:00:00.000160 read(3</f>, "z"..., 4096) = 100 <0.000003>
[pid    21] 10:00:00.000170 +++ exited with 0 +++
[pid    22] 10:00:00.000180 +++ exited with 0 +++
10:00:00.000190 exit_group(0) = ?
10:00:00.000200 +++ exited with 0 +++
`;
  const { loaded, trace } = runText(log, false);
  // The unprefixed process turned out to be pid 20; 21 is its child (a copy of the table), 22 its thread (shared).
  assert.deepEqual([...loaded.strace.threads].map(([t, p]) => `${t}:${p.pid}`), ['1:20', '2:21', '3:22']);
  const ops = opsOf(trace).filter((o) => o.name !== 'alloc');
  assert.deepEqual(ops.map((o) => `${o.line}:t${o.thread}:${o.name === 'syscall' ? `(${o.text})` : o.name}`), [
    '1:t1:open', '2:t1:(clone)', '4:t2:read', '6:t3:read', '5:t1:(clone3)', '8:t3:(close)', '9:t1:(read)', '10:t2:read', '13:t1:(exit_group)',
  ]);
  // The thread's close dropped fd 3 from the table it shares with pid 20, but pid 21's copy still refers to the file:
  // no machine close. The fork's copy shares the file position: 21 reads at 0, 22 at 4096, 21 again at 8192.
  assert.deepEqual(ops.filter((o) => o.name === 'read').map((o) => o.args[3] ?? o.result), [4096, 4096, 100]);
  assert.equal(loaded.spec!.files[0].size, 8292, 'two 4096-byte reads and a short one of 100 at 8192');
  // The line cut by strace's note is one call, on its first line.
  assert.deepEqual(loaded.executableLines, [1, 2, 4, 5, 6, 8, 9, 10, 13]);
  assert.deepEqual(loaded.diagnostics, []);
});

test('a blocked pipe write is handed to the machine when its reader needs the bytes', () => {
  const log = `1 pipe2([3<pipe:[7]>, 4<pipe:[7]>], 0) = 0
1 clone(child_stack=NULL, flags=SIGCHLD) = 2
1 openat(AT_FDCWD, "/big", O_RDONLY) = 5</big>
1 read(5</big>, "a"..., 131072) = 131072
1 write(4<pipe:[7]>, "a"..., 131072 <unfinished ...>
2 read(3<pipe:[7]>, "a"..., 65536) = 65536
2 read(3<pipe:[7]>, "a"..., 65536) = 65536
1 <... write resumed>) = 131072
1 close(4<pipe:[7]>) = 0
2 read(3<pipe:[7]>, "", 65536) = 0
`;
  const { loaded, trace } = runText(log, false);
  assert.equal(loaded.strace.pipeBytes, 128 * KiB, 'the pipe holds the largest write');
  const ops = opsOf(trace);
  const order = ops.filter((o) => o.name !== 'alloc').map((o) => `${o.line}:${o.name}`);
  assert.deepEqual(order, ['1:pipe', '2:syscall', '3:open', '4:read', '5:write', '6:read', '7:read', '9:syscall', '10:read']);
  const pipeReads = ops.filter((o) => o.name === 'read' && o.line >= 6);
  assert.deepEqual(pipeReads.map((o) => o.result), [65536, 65536, 0]);
  const w = ops.find((o) => o.name === 'write')!;
  assert.equal(w.result, 131072);
  assert.equal(w.recorded!.durationNs, undefined, 'handed out before its end was read: no recorded duration');
  // user -> pipe and pipe -> user: CPU copies, as many bytes each way
  assert.equal(w.cpuBytes, 131072);
  assert.equal(sum(pipeReads, (o) => o.cpuBytes), 131072);
});

test('sendfile and copy_file_range copy in the kernel; splice moves page references', () => {
  const log = `openat(AT_FDCWD, "/srv/v.bin", O_RDONLY) = 3</srv/v.bin>
socket(AF_INET, SOCK_STREAM, IPPROTO_TCP) = 4<TCP:[1]>
sendfile(4<TCP:[1]>, 3</srv/v.bin>, [0] => [65536], 65536) = 65536
sendfile(4<TCP:[1]>, 3</srv/v.bin>, NULL, 4096) = 4096
openat(AT_FDCWD, "/srv/copy", O_WRONLY|O_CREAT|O_TRUNC, 0644) = 5</srv/copy>
copy_file_range(3</srv/v.bin>, NULL, 5</srv/copy>, NULL, 65536, 0) = 65536
pipe([6<pipe:[9]>, 7<pipe:[9]>]) = 0
splice(3</srv/v.bin>, NULL, 7<pipe:[9]>, NULL, 65536, SPLICE_F_MOVE) = 65536
splice(6<pipe:[9]>, NULL, 4<TCP:[1]>, NULL, 65536, SPLICE_F_MOVE) = 65536
tee(6<pipe:[9]>, 7<pipe:[9]>, 10, 0) = 0
`;
  const { loaded, trace } = runText(log, false);
  // sendfile with an offset leaves the file position; with NULL it reads from it (0) and moves it; so does the rest.
  assert.deepEqual(loaded.spec!.files, [{ path: '/srv/v.bin', size: 135168 }], 'the copy is created by the log (O_TRUNC)');
  const ops = opsOf(trace);
  const sf = ops.filter((o) => o.name === 'sendfile');
  assert.deepEqual(sf.map((o) => [o.text ?? 'sendfile', o.args[2], o.result]), [['sendfile', 0, 65536], ['sendfile', 0, 4096], ['copy_file_range', 4096, 65536]]);
  // the default NIC gathers from the page cache: sendfile makes no CPU copy
  assert.equal(sf[0].cpuCopies, 0);
  assert.equal(sf[2].cpuBytes, 65536, 'copy_file_range: page cache to page cache');
  const sp = ops.filter((o) => o.name === 'splice');
  assert.deepEqual(sp.map((o) => o.result), [65536, 65536]);
  assert.equal(sum(sp, (o) => o.cpuCopies), 0, 'splice copies no bytes with the CPU');
  assert.equal(passThroughNames(trace).get('tee'), 1);
});

test('fsync family, O_DIRECT writes, directories and devices', () => {
  const log = `openat(AT_FDCWD, "/db", O_RDWR|O_CREAT, 0644) = 3</db>
pwrite64(3</db>, "x"..., 4096, 0) = 4096
fdatasync(3</db>) = 0
pwrite64(3</db>, "x"..., 4096, 4096) = 4096
sync_file_range(3</db>, 0, 0, SYNC_FILE_RANGE_WAIT_BEFORE|SYNC_FILE_RANGE_WRITE|SYNC_FILE_RANGE_WAIT_AFTER) = 0
fsync(3</db>) = 0
openat(AT_FDCWD, "/", O_RDONLY|O_CLOEXEC) = 4</>
fsync(4</>) = 0
openat(AT_FDCWD, "/out", O_WRONLY|O_CREAT|O_TRUNC|O_DIRECT, 0644) = 5</out>
write(5</out>, "x"..., 1048576) = 1048576
openat(AT_FDCWD, "/dev/null", O_WRONLY) = 6</dev/null>
write(6</dev/null>, "x"..., 10) = 10
`;
  const { trace } = runText(log, false);
  const ops = opsOf(trace);
  const names = ops.filter((o) => o.name !== 'alloc').map((o) => (o.name === 'syscall' ? `(${o.text})` : o.name));
  assert.deepEqual(names, ['open', 'pwrite', 'fdatasync', 'pwrite', 'fdatasync', 'fsync', '(openat)', '(fsync)', 'open', 'write', '(openat)', '(write)']);
  const syncs = ops.filter((o) => o.name === 'fdatasync' || o.name === 'fsync');
  assert.ok(syncs[0].dmaBytes >= 4096, 'fdatasync writes the dirty page back');
  assert.equal(syncs[1].text, 'sync_file_range');
  const direct = ops.find((o) => o.path === '/out' && o.name === 'write')!;
  assert.equal(direct.cpuBytes, 0);
  assert.equal(direct.dmaBytes, 1048576, 'O_DIRECT: DMA from the user buffer to the disk');
});

test('io_submit and io_getevents become async reads and their waits; mmap of a file is mapped, anonymous is not', () => {
  const log = `openat(AT_FDCWD, "/d", O_RDONLY|O_DIRECT) = 3</d>
io_setup(8, [0x7f0000001000]) = 0
io_submit(0x7f0000001000, 2, [{aio_data=0, aio_lio_opcode=IOCB_CMD_PREAD, aio_fildes=3</d>, aio_buf=0x7f1, aio_nbytes=4096, aio_offset=0}, {aio_data=1, aio_lio_opcode=IOCB_CMD_PREAD, aio_fildes=3</d>, aio_buf=0x7f2, aio_nbytes=4096, aio_offset=4096}]) = 2
io_getevents(0x7f0000001000, 2, 2, [{data=0, obj=0x1, res=4096, res2=0}, {data=1, obj=0x2, res=4096, res2=0}], NULL) = 2
mmap(NULL, 8192, PROT_READ, MAP_SHARED, 3</d>, 0) = 0x7f3c00000000
mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f3c10000000
munmap(0x7f3c00000000, 8192) = 0
munmap(0x7f3c10000000, 8192) = 0
fstat(3</d>, {st_mode=S_IFREG|0644, st_size=8192, ...}) = 0
io_uring_setup(8, {flags=0, sq_thread_cpu=0}) = 4<anon_inode:[io_uring]>
io_uring_enter(4<anon_inode:[io_uring]>, 1, 1, IORING_ENTER_GETEVENTS, NULL, 8) = 1
`;
  const { loaded, trace } = runText(log, false);
  assert.deepEqual(loaded.spec!.files, [{ path: '/d', size: 8192 }]);
  const ops = opsOf(trace).filter((o) => o.name !== 'alloc');
  assert.deepEqual(ops.map((o) => (o.name === 'syscall' ? `(${o.text})` : o.name)), [
    'open', '(io_setup)', 'aio_read', 'aio_read', 'aio_wait', 'aio_wait', 'mmap', '(mmap)', 'munmap', '(munmap)', '(fstat)', '(io_uring_setup)', '(io_uring_enter)',
  ]);
  assert.deepEqual(ops.filter((o) => o.name === 'aio_wait').map((o) => o.result), [4096, 4096]);
  assert.equal(sum(ops, (o) => (o.name.startsWith('aio') ? o.dmaBytes : 0)), 8192);
});

test('failed calls and calls the model does not know are kept, with the log\'s result; nothing is dropped', () => {
  const log = `openat(AT_FDCWD, "/nope", O_RDONLY) = -1 ENOENT (No such file or directory) <0.000010>
read(7, 0x7ffd, 10) = -1 EBADF (Bad file descriptor)
frobnicate(1, 2) = 0
wait4(-1, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = -1 ECHILD (No child processes)
`;
  const { loaded, trace } = runText(log, false);
  const ops = opsOf(trace);
  assert.deepEqual(ops.map((o) => [o.name, o.text, o.result, o.errno, o.recorded?.errno]), [
    ['syscall', 'openat', -1, 'ENOENT', 'ENOENT'],
    ['syscall', 'read', -1, 'EBADF', 'EBADF'],
    ['syscall', 'frobnicate', 0, null, undefined],
    ['syscall', 'wait4', -1, null, 'ECHILD'],
  ]);
  assert.equal(ops[0].args[0], 257, 'the x86-64 number of openat');
  assert.equal(ops[2].args[0], -1, 'an unknown syscall has no number');
  assert.equal(loaded.strace.failed, 3);
  assert.equal(trace.machine.counters[0], 4, 'each counts as a syscall');
  assert.equal(ops[0].contextSwitches, 2);
});

test('bad lines get a warning with their number and are skipped; garbage never crashes the replay', () => {
  const log = `close(3) = 0
this is not strace
write(1, "hello\\n", 6hello
) = 6 <0.000009>
--- SIGCHLD {si_signo=SIGCHLD} ---
<... read resumed>"x", 1) = 1
read(0, "x"..., 1
`;
  const { loaded, trace } = runText(log);
  assert.deepEqual(loaded.diagnostics.map((d) => [d.line, d.severity]), [[2, 'warning'], [3, 'warning'], [4, 'warning'], [6, 'warning'], [7, 'warning']]);
  assert.match(loaded.diagnostics[0].message, /skipped: not a call/);
  assert.match(loaded.diagnostics[3].message, /without its 'read\(\.\.\. <unfinished \.\.\.>' line/);
  assert.equal(loaded.strace.badLines, 4);
  assert.equal(loaded.strace.signals, 1);
  assert.deepEqual(opsOf(trace).map((o) => o.line), [1, 6]);

  // Mutations of real lines: cut, duplicated, shuffled characters. Loading and replaying must never throw.
  const lines = readFileSync(fixture('pipeline.strace'), 'utf8').split('\n');
  let seed = 12345;
  const rnd = (n: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
    return seed % n;
  };
  for (let round = 0; round < 30; round++) {
    const mutated = lines.map((l) => {
      const k = rnd(6);
      if (k === 0) return l.slice(0, rnd(l.length + 1));
      if (k === 1) return l.slice(rnd(l.length + 1));
      if (k === 2) return l + l;
      if (k === 3) {
        const a = l.split('');
        for (let i = 0; i < 4 && a.length; i++) a[rnd(a.length)] = '<>[]()",= 0123456789'[rnd(20)];
        return a.join('');
      }
      return l;
    });
    const loaded2 = loadStrace(mutated.join('\n'), 'fuzz.strace');
    assert.ok(loaded2.spec);
    const t = new Trace(loaded2.spec, { checkpointEvery: 50 });
    t.runToEnd();
    t.stateAt(Math.floor(t.head / 2));
  }
});

test('files: created ones are not given, missing ones are not given, directories and devices are not files', () => {
  const log = `newfstatat(AT_FDCWD</w>, "/w/new.db", 0x7ffd, 0) = -1 ENOENT (No such file or directory)
openat(AT_FDCWD</w>, "/w/new.db", O_RDWR|O_CREAT|O_CLOEXEC, 0644) = 3</w/new.db>
openat(AT_FDCWD, "/w/trunc", O_WRONLY|O_CREAT|O_TRUNC, 0666) = 4</w/trunc>
openat(AT_FDCWD, "/w/excl", O_WRONLY|O_CREAT|O_EXCL, 0666) = 5</w/excl>
openat(AT_FDCWD, "/w/old", O_RDWR|O_CREAT, 0666) = 6</w/old>
fstat(6</w/old>, {st_mode=S_IFREG|0644, st_size=12345, ...}) = 0
openat(AT_FDCWD, "/w", O_RDONLY|O_CLOEXEC) = 7</w>
openat(AT_FDCWD, "/proc/self/status", O_RDONLY) = 8</proc/self/status>
read(8</proc/self/status>, "Name:"..., 1024) = 1000
openat(AT_FDCWD, "/w/sub", O_RDONLY|O_DIRECTORY) = 9</w/sub>
`;
  const { loaded, trace } = runText(log, false);
  assert.deepEqual(loaded.spec!.files, [{ path: '/w/old', size: 12345 }]);
  const opens = opsOf(trace).filter((o) => o.name === 'open' || o.text === 'openat');
  assert.deepEqual(opens.map((o) => [o.name, o.result]), [['open', 3], ['open', 4], ['open', 5], ['open', 6], ['syscall', 7], ['syscall', 8], ['syscall', 9]]);
});

test('timestamps: relative to the first, across midnight, and -r deltas added up', () => {
  const wrap = runText(`23:59:59.999000 close(3) = -1 EBADF (Bad file descriptor)
00:00:00.001000 close(4) = -1 EBADF (Bad file descriptor)
`).trace;
  assert.deepEqual([0, 1].map((i) => wrap.ops.get(i).recorded!.timestampNs), [0, 2000000]);
  const rel = runText(`     0.000000 close(3) = -1 EBADF (Bad file descriptor)
     0.000100 close(4) = -1 EBADF (Bad file descriptor)
     0.000250 close(5) = -1 EBADF (Bad file descriptor)
`).trace;
  assert.deepEqual([0, 1, 2].map((i) => rel.ops.get(i).recorded!.timestampNs), [0, 100000, 350000]);
  const epoch = runText(`1700000000.500000 close(3) = -1 EBADF (Bad file descriptor)
1700000001.250000 close(4) = -1 EBADF (Bad file descriptor)
`).trace;
  assert.deepEqual([0, 1].map((i) => epoch.ops.get(i).recorded!.timestampNs), [0, 750000000]);
});

test('snapshot and restore: a source comes back to any point and hands out the same operations', () => {
  const loaded = loadStraceFile(fixture('pipeline.strace'));
  const all = collect(loaded.spec!.createSource());
  assert.ok(all.length > 150);
  for (const k of [0, 1, 37, 60, 61, 100, all.length - 1]) {
    const c = loaded.spec!.createSource();
    let fd = 3;
    let addr = 0x10000000;
    const taken: Operation[] = [];
    for (let i = 0; i < k; i++) {
      const op = c.next()!;
      taken.push(op);
      c.complete(op.name === 'alloc' ? (addr += 1 << 20) : op.name === 'open' || op.name === 'socket' || op.name === 'pipe' ? fd++ : op.args[2] ?? 0);
    }
    const snap = JSON.parse(JSON.stringify(c.snapshot()));
    const peek = c.peek();
    const rest1 = collectFrom(c, fd, addr);
    const d = loaded.spec!.createSource();
    d.restore(snap);
    assert.deepEqual(d.peek(), peek);
    const rest2 = collectFrom(d, fd, addr);
    assert.deepEqual(rest2, rest1, `after ${k} operations`);
    assert.deepEqual([...taken, ...rest1], all);
    assert.equal(peek === null ? null : peek.line, rest1[0]?.line ?? null);
  }
});

function collectFrom(src: { next(): Operation | null; complete(r: number): void }, fd0: number, addr0: number): Operation[] {
  const ops: Operation[] = [];
  let fd = fd0;
  let addr = addr0;
  for (let op = src.next(); op !== null; op = src.next()) {
    ops.push(op);
    src.complete(op.name === 'alloc' ? (addr += 1 << 20) : op.name === 'open' || op.name === 'socket' || op.name === 'pipe' ? fd++ : op.args[2] ?? 0);
  }
  return ops;
}

test('the trace travels in time over a replayed log: any past state is rebuilt exactly', () => {
  const loaded = loadStraceFile(fixture('sqlite.strace'));
  const live = new Trace(loaded.spec!, { checkpointEvery: 40 });
  live.runToEnd();
  assert.ok(live.checkpointCount() > 3);
  for (const frac of [0.1, 0.35, 0.5, 0.77, 1]) {
    const pos = Math.floor(live.head * frac);
    const fresh = new Trace(loaded.spec!);
    while (fresh.head < pos && fresh.step() >= 0);
    const a = live.stateAt(pos);
    const b = fresh.stateAt(pos);
    assert.deepEqual(Array.from(a.counters), Array.from(b.counters), `counters at ${pos}`);
    assert.equal(a.cache.size, b.cache.size);
    assert.equal(a.now, b.now);
  }
});

test('a file on disk streams in chunks: lines longer than a chunk, no final newline, CRLF', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'iosim-strace-'));
  try {
    const long = `read(3, "${'x'.repeat(5000)}"..., 5000) = 5000`;
    const text = `close(3) = 0\r\n${long}\nclose(4) = 0\n\n${long}\nexit_group(0) = ?`;
    const file = path.join(dir, 'a.strace');
    writeFileSync(file, text);
    const src = new FileSource(file);
    const fromFile: string[] = [];
    const cur = src.open(64);
    for (let s = cur.next(); s !== null; s = cur.next()) fromFile.push(s);
    const fromText: string[] = [];
    const t = new TextLines(text);
    for (let s = t.next(); s !== null; s = t.next()) fromText.push(s);
    assert.deepEqual(fromFile, fromText);
    assert.deepEqual(fromFile.map((l) => l.length), [12, long.length, 12, 0, long.length, 17]);
    // seek back to a line's start
    cur.seek(14);
    assert.equal(cur.next(), long);
    src.close();
    // and the two loaders agree on a real log
    const a = loadStraceFile(fixture('nginx-sendfile.strace'));
    const b = loadStrace(readFileSync(fixture('nginx-sendfile.strace'), 'utf8'), 'x.strace');
    assert.deepEqual(collect(a.spec!.createSource()), collect(b.spec!.createSource()));
    assert.deepEqual(a.executableLines, b.executableLines);
    assert.deepEqual(a.spec!.files, b.spec!.files);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('loadProgram picks the strace reader by extension; overrides apply; bad overrides are errors', () => {
  const loaded = loadProgram(CAT, 'app.strace', { nic: 'plain', ram: '256MiB' });
  assert.equal(loaded.scenario, null);
  assert.equal(loaded.spec!.config.nic, 'plain');
  assert.equal(loaded.spec!.config.ramBytes, 256 * MiB);
  const bad = loadProgram(CAT, 'app.strace', { nope: 1 });
  assert.equal(bad.spec, null);
  assert.equal(bad.diagnostics[0].severity, 'error');
  assert.equal(loadProgram('close(3) = 0\n', 'x.iosim').spec, null, '.iosim still goes to the scenario parser');
});
