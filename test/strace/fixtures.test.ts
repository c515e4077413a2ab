/**
 * Real logs recorded on Debian 12 with its strace (see each NAME.cmd for the command): what the replay recognises
 * and what the model makes of them — bytes moved, copies, page-cache hits and misses, and that every modeled call
 * returns what the log recorded.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { C } from '../../src/machine/counters';
import { PG_ACTIVE, PG_DIRTY, PG_REFERENCED } from '../../src/machine/pagecache';
import { Trace } from '../../src/trace/trace';
import { FIXTURES, fixture, KiB, MiB, loadFixture, opsOf, passThroughNames, runFixture, sum, type OpInfo } from './helpers';

/** Operations whose result the model computes must agree with the log (fds and addresses are the model's own). */
function assertResultsMatchLog(ops: OpInfo[], name: string): void {
  const own = new Set(['open', 'socket', 'pipe', 'mmap', 'aio_read', 'alloc', 'syscall']);
  const wrong = ops.filter((o) => !own.has(o.name) && o.recorded?.result !== undefined && o.recorded.result !== o.result);
  assert.deepEqual(wrong.map((o) => `line ${o.line} ${o.name}: model ${o.result}, log ${o.recorded!.result}`), [], name);
}

test('every fixture has the command that recorded it', () => {
  const logs = readdirSync(FIXTURES).filter((f) => f.endsWith('.strace'));
  assert.deepEqual(logs.sort(), ['cat.strace', 'cp.strace', 'dd-direct.strace', 'nginx-sendfile.strace', 'pipeline.strace', 'raw-cat.strace', 'rebind-cat.strace', 'rebind-rename.strace', 'rewrite-dd.strace', 'socketpair.strace', 'sqlite.strace', 'threads.strace', 'unlink-truncate.strace', 'write-sleep10.strace', 'write-sleep40.strace']);
  for (const log of logs) {
    const cmd = readFileSync(fixture(log.replace(/\.strace$/, '.cmd')), 'utf8');
    assert.match(cmd, new RegExp(`strace -f -tt -T (?:-yy?|-e raw=all) .*${log.replace('.', '\\.')}|strace -f -tt -T -y .*2> ${log.replace('.', '\\.')}`), log);
  }
});

test('cat of a 405264-byte file: read through the page cache in 128 KiB reads, written to /dev/null', () => {
  const { loaded, trace } = runFixture('cat.strace');
  assert.equal(loaded.strace.syscalls, 51);
  assert.equal(trace.ops.length - opsOf(trace).filter((o) => o.name === 'alloc').length, 51, 'one operation per syscall');
  const ops = opsOf(trace);
  assertResultsMatchLog(ops, 'cat');
  const reads = ops.filter((o) => o.name === 'read' && o.path === '/tmp/iosim/notes.txt');
  assert.deepEqual(reads.map((o) => o.result), [131072, 131072, 131072, 12048, 0]);
  assert.equal(sum(reads, (o) => o.cpuBytes), 405264, 'one CPU copy per read, page cache -> user');
  assert.equal(sum(reads, (o) => o.dmaBytes), 405504, 'the file from disk once (99 pages, last block rounded to 512 B)');
  // The first read misses its 32 pages (and starts readahead); the async readahead it triggers makes the rest hits.
  assert.deepEqual(reads.map((o) => [o.hits, o.misses]), [[0, 32], [32, 0], [32, 0], [3, 0], [0, 0]]);
  assert.deepEqual(loaded.spec!.files.find((f) => f.path === '/tmp/iosim/notes.txt'), { path: '/tmp/iosim/notes.txt', size: 405264 });
  // writes to /dev/null are shown, not simulated
  assert.equal(passThroughNames(trace).get('write'), 4);
  // cat maps the locale archive and libc: file mappings
  assert.ok(ops.filter((o) => o.name === 'mmap').length >= 5);
});

test('cp of a 32 MiB file: copy_file_range copies page cache to page cache, no user buffer', () => {
  const { loaded, trace } = runFixture('cp.strace');
  const ops = opsOf(trace);
  assertResultsMatchLog(ops, 'cp');
  const copies = ops.filter((o) => o.text === 'copy_file_range');
  assert.deepEqual(copies.map((o) => [o.path, o.result]), [['/tmp/iosim/big.bin', 32 * MiB], ['/tmp/iosim/big.bin', 0]]);
  const [c] = copies;
  assert.equal(c.cpuCopies, 1);
  assert.equal(c.cpuBytes, 32 * MiB, 'one CPU copy, page cache -> page cache');
  assert.equal(c.dmaBytes, 32 * MiB, 'one DMA, disk -> page cache');
  assert.equal(c.misses, 16384, '8192 source pages read + 8192 destination pages created');
  assert.equal(c.contextSwitches, 2);
  // the source existed with the size the log implies (copy_file_range returned 0 at 32 MiB); the copy is created
  assert.deepEqual(loaded.spec!.files.filter((f) => f.path.startsWith('/tmp/')), [{ path: '/tmp/iosim/big.bin', size: 32 * MiB }]);
  assert.equal(trace.machine.cache.dirty, 8192, 'cp does not fsync: the copy stays dirty in the page cache');
  assert.equal(passThroughNames(trace).get('ioctl'), 1, 'FICLONE (failed) is shown');
});

test('dd with iflag=direct: O_DIRECT reads DMA into the user buffer, buffered writes copy into the page cache', () => {
  const { trace } = runFixture('dd-direct.strace');
  const ops = opsOf(trace);
  assertResultsMatchLog(ops, 'dd');
  const open = ops.find((o) => o.name === 'open' && o.path === '/tmp/iosim/big.bin')!;
  assert.equal(open.args[0] & 0o40000, 0o40000, 'O_DIRECT reaches the machine');
  // dd reads fd 0 and writes fd 1 after dup2: the replay follows the descriptors to the files
  const reads = ops.filter((o) => o.name === 'read' && o.path === '/tmp/iosim/big.bin');
  const writes = ops.filter((o) => o.name === 'write' && o.path === '/tmp/iosim/dd-out.bin');
  assert.equal(reads.length, 16);
  assert.equal(writes.length, 16);
  assert.equal(sum(reads, (o) => o.result), 16 * MiB);
  assert.equal(sum(reads, (o) => o.cpuBytes), 0, 'no CPU copy on the O_DIRECT side');
  assert.equal(sum(reads, (o) => o.dmaBytes), 16 * MiB, 'disk -> user buffer by DMA');
  assert.equal(sum(reads, (o) => o.hits + o.misses), 0, 'the page cache is not consulted');
  assert.equal(sum(writes, (o) => o.cpuBytes), 16 * MiB);
  assert.equal(sum(writes, (o) => o.misses), 4096, 'each page of the new file is a miss (created, not read)');
  assert.equal(ops.filter((o) => o.text === 'dup2').length, 2);
});

test('sqlite3 writing a database: pwrite64, fdatasync of the journal and the database, fsync of the directory shown', () => {
  const { loaded, trace } = runFixture('sqlite.strace');
  const ops = opsOf(trace);
  assertResultsMatchLog(ops, 'sqlite');
  const db = '/tmp/iosim/notes.db';
  const journal = '/tmp/iosim/notes.db-journal';
  const dbWrites = ops.filter((o) => o.name === 'pwrite' && o.path === db);
  const jWrites = ops.filter((o) => o.name === 'pwrite' && o.path === journal);
  assert.equal(dbWrites.length, 62);
  assert.equal(sum(dbWrites, (o) => o.result), 62 * 4 * KiB);
  assert.equal(jWrites.length, 18);
  const syncs = ops.filter((o) => o.name === 'fdatasync');
  assert.deepEqual(syncs.map((o) => o.path), [journal, journal, db, journal, journal, db, journal, journal, db]);
  assert.ok(syncs.every((o) => o.dmaBytes > 0), 'each fdatasync writes dirty pages back');
  assert.equal(trace.machine.cache.dirty, 0, 'everything sqlite wrote was synced');
  assert.ok(trace.machine.counters[C.WritebackPages] >= 62);
  // fdatasync of the directory (opened O_RDONLY) and of nothing else is only shown
  assert.equal(passThroughNames(trace).get('fdatasync'), 3);
  // neither file existed before (stat said ENOENT): the machine creates them at open
  assert.deepEqual(loaded.spec!.files.filter((f) => f.path.startsWith('/tmp/')), []);
  assert.equal(passThroughNames(trace).get('fcntl'), 31, 'the locks are shown');
});

test('nginx serving a 1 MiB file twice with sendfile on: no CPU copy, the second time from the page cache', () => {
  const loaded = loadFixture('nginx-sendfile.strace', true);
  // The master's channel to its worker (ngx_spawn_process: a socketpair) carries one 32-byte message each way.
  const channel = 'is not simulated (the model simulates regular files, pipes and TCP sockets)';
  assert.deepEqual(loaded.diagnostics.map((d) => `${d.line}: ${d.message}`), [
    `315: fd 5 (UNIX-STREAM:[136061->136062]), one end of a socketpair(AF_UNIX, SOCK_STREAM) made at line 201 by pid 9984, ${channel}: its 1 data call (32 bytes, the first at line 315) is shown only`,
    `317: fd 6 (UNIX-STREAM:[136062->136061]), one end of a socketpair(AF_UNIX, SOCK_STREAM) made at line 201 by pid 9984, ${channel}: its 1 data call (32 bytes, the first at line 317) is shown only`,
  ]);
  const trace = new Trace(loaded.spec!);
  trace.runToEnd();
  assert.equal(loaded.strace.threads.size, 2, 'master and worker');
  assert.match(loaded.spec!.threads!.get(2)!, /^nginx \[\d+\]$/);
  const ops = opsOf(trace);
  assertResultsMatchLog(ops, 'nginx');
  const sends = ops.filter((o) => o.name === 'sendfile');
  assert.deepEqual(sends.map((o) => [o.path, o.args[2], o.result, o.thread]), [
    ['/tmp/iosim/www/video.bin', 0, MiB, 2], ['/tmp/iosim/www/video.bin', 0, MiB, 2],
  ]);
  assert.equal(sum(sends, (o) => o.cpuCopies), 0, 'SG-DMA NIC (the default): the card gathers from the page cache');
  assert.deepEqual(sends.map((o) => [o.hits, o.misses]), [[0, 256], [256, 0]]);
  assert.deepEqual(sends.map((o) => o.dmaBytes), [2 * MiB, MiB], 'first: disk -> page cache and page cache -> NIC; then only the NIC');
  // accept4 gives TCP sockets (-yy shows the endpoints), the response header is a writev to the socket
  assert.equal(ops.filter((o) => o.name === 'socket' && o.text === 'accept4').length, 2);
  const headers = ops.filter((o) => o.name === 'write' && o.path === 'socket');
  assert.deepEqual(headers.map((o) => o.result), [246, 246]);
  assert.equal(sum(headers, (o) => o.cpuBytes), 492, 'writev copies the header into the socket buffer');
  // receive side and event loop are shown only
  const shown = passThroughNames(trace);
  assert.equal(shown.get('recvfrom'), 4);
  assert.ok((shown.get('epoll_wait') ?? 0) >= 6);
  assert.ok(loaded.strace.signals >= 2, 'SIGQUIT and SIGCHLD');
});

test('cat | wc in sh: three processes, split calls joined, the pipe carries every byte', () => {
  const { loaded, trace } = runFixture('pipeline.strace');
  assert.deepEqual([...loaded.strace.threads.values()].map((t) => t.name), ['sh', 'cat', 'wc']);
  assert.ok(loaded.strace.syscalls > 180);
  const ops = opsOf(trace);
  assertResultsMatchLog(ops, 'pipeline');
  const [, catThread, wcThread] = [...loaded.strace.threads.keys()];
  const fileReads = ops.filter((o) => o.name === 'read' && o.path === '/tmp/iosim/notes.txt');
  assert.equal(sum(fileReads, (o) => o.result), 405264);
  assert.ok(fileReads.every((o) => o.thread === catThread));
  const pipeWrites = ops.filter((o) => o.name === 'write' && o.thread === catThread);
  const pipeReads = ops.filter((o) => o.name === 'read' && o.thread === wcThread && o.path === 'pipe');
  assert.equal(sum(pipeWrites, (o) => o.result), 405264, 'cat -> pipe');
  assert.equal(sum(pipeReads, (o) => o.result), 405264, 'pipe -> wc');
  assert.equal(sum(pipeWrites, (o) => o.cpuBytes) + sum(pipeReads, (o) => o.cpuBytes), 2 * 405264, 'two CPU copies per byte through a pipe');
  // every syscall of the log is an operation (allocs are the replay's own buffers)
  assert.equal(ops.filter((o) => o.name !== 'alloc').length, loaded.strace.syscalls);
});

test('dd rewriting a file four times: its pages stay inactive and unreferenced, as /proc/kpageflags showed on Linux 6.18', () => {
  const { trace } = runFixture('rewrite-dd.strace');
  const ops = opsOf(trace);
  assertResultsMatchLog(ops, 'rewrite-dd.strace');
  // 4 runs × 100 writes of 10240 bytes at 0, 10240, ...: 1,024,000 bytes, 250 pages, 150 of them written twice a run.
  const writes = ops.filter((o) => o.name === 'write' && o.path === '/tmp/iosim-rewrite.bin');
  assert.equal(writes.length, 400);
  assert.equal(sum(writes, (o) => o.result), 4 * 1_024_000);
  const m = trace.machine;
  const f = m.files.get('/tmp/iosim-rewrite.bin')!;
  assert.equal(f.size, 1_024_000);
  const pages = [...m.cache.pagesOf(f.id)!.values()];
  assert.equal(pages.length, 250);
  // Writes do not mark pages accessed (Linux 4.7+): the real kernel had active 0, referenced 0 (see rewrite-dd.cmd).
  assert.deepEqual(pages.filter((p) => p.flags & (PG_ACTIVE | PG_REFERENCED)).map((p) => p.index), []);
});

test('ftruncate, rename and unlink drop and keep the pages Linux 6.18 dropped and kept (fincore, /proc/meminfo)', () => {
  const { trace } = runFixture('unlink-truncate.strace');
  const ops = opsOf(trace);
  assertResultsMatchLog(ops, 'unlink-truncate.strace');
  const D = '/tmp/fix-unlink/data';
  /** Cached and dirty pages of the file `path` names (or file id `id`) once operation `op` has ended. */
  const pagesAfter = (op: OpInfo, id: number): [number, number] => {
    const pages = [...(trace.stateAt(op.endPos).cache.pagesOf(id)?.values() ?? [])];
    return [pages.length, pages.filter((p) => p.flags & PG_DIRTY).length];
  };
  const one = (name: string, path: string): OpInfo => {
    const found = ops.filter((o) => o.name === name && (o.text ?? '').startsWith(path));
    assert.equal(found.length, 1, `${name} ${path}`);
    return found[0];
  };
  const m = trace.machine;
  const idOf = (path: string): number => m.filesById.findIndex((f) => f.path === path || f.path === path.replace('rm.out', 'rm2.out'));
  // 1. 4 MiB written, then ftruncate(fd, 65636): 1024 dirty pages, then 17 (16 whole + the one holding byte 65636).
  const tr = idOf(`${D}/tr.out`);
  const ft = ops.find((o) => o.name === 'ftruncate')!;
  assert.equal(ft.args[1], 65636);
  assert.deepEqual(pagesAfter(ops[ops.indexOf(ft) - 1], tr), [1024, 1024]);
  assert.deepEqual(pagesAfter(ft, tr), [17, 17]);
  assert.equal(trace.stateAt(ft.endPos).filesById[tr].size, 65636);
  // 2. rm.out: 4 MiB, renamed: its 1024 pages stay, the file is rm2.out; opened and read by that name: one hit.
  const rm = idOf(`${D}/rm.out`);
  const rn = one('rename', `${D}/rm.out`);
  assert.deepEqual(pagesAfter(rn, rm), [1024, 1024]);
  const after = trace.stateAt(rn.endPos);
  assert.equal(after.files.get(`${D}/rm2.out`)?.id, rm);
  assert.equal(after.files.has(`${D}/rm.out`), false);
  const read = ops.find((o) => o.name === 'read' && o.path === `${D}/rm2.out`)!;
  assert.deepEqual([read.result, read.hits, read.misses], [4096, 1, 0]);
  // unlink with no descriptor open: every page goes, dirty ones without writeback.
  const ul = one('unlink', `${D}/rm2.out`);
  assert.deepEqual(pagesAfter(ul, rm), [0, 0]);
  assert.equal(trace.stateAt(ul.endPos).files.has(`${D}/rm2.out`), false);
  // 3. open.out: 1 MiB written, unlinked while open: 256 pages stay; a 16 KiB write makes 260; the close drops them.
  const op3 = idOf(`${D}/open.out`);
  const ul3 = one('unlink', `${D}/open.out`);
  assert.deepEqual(pagesAfter(ul3, op3), [256, 256]);
  const w3 = ops[ops.indexOf(ul3) + 1];
  assert.equal(w3.name, 'write');
  assert.deepEqual(pagesAfter(w3, op3), [260, 260]);
  const c3 = ops[ops.indexOf(w3) + 1];
  assert.equal(c3.name, 'close');
  assert.deepEqual(pagesAfter(c3, op3), [0, 0]);
  // Nothing of the unlinked files was written back: the disk saw no write request of theirs.
  assert.equal(m.filesById[rm].nrDirty + m.filesById[op3].nrDirty, 0);
});
