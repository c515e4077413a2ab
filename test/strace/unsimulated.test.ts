/**
 * Data calls through descriptions the model does not simulate (a socketpair, an AF_UNIX socket, an eventfd) and
 * calls whose arguments strace printed raw (-e raw=): shown only, never silently, with one warning for each
 * description or for the raw calls of the log; and `check`'s note on pages faulted in through a mapping, which strace
 * cannot see. Expected counts and bytes are read off the fixture lines by hand.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { checkResidency, checkText } from '../../src/cli/check';
import { readHostRecord } from '../../src/program/hostRecord';
import { loadProgramFile } from '../../src/program/loadProgram';
import { loadStraceFile } from '../../src/program/strace/load';
import { Trace } from '../../src/trace/trace';
import { fixture, runText } from './helpers';

const MODELED = 'is not simulated (the model simulates regular files, pipes and TCP sockets)';

test('socketpair.strace: sendfile into one end of a socketpair, recv from the other: one warning per end', () => {
  const loaded = loadStraceFile(fixture('socketpair.strace'));
  const notes = loaded.diagnostics.map((d) => `${d.line}: ${d.message}`);
  // Lines 569-577: 4 sendfile of 65536 bytes and a sendto of 4 into fd 3; lines 570-578: 4 recvfrom of 65536 and one of 4.
  assert.deepEqual(notes, [
    `569: fd 3 (socket:[3951480]), one end of a socketpair(AF_UNIX, SOCK_STREAM) made at line 565 by pid 18498, ${MODELED}: its 5 data calls (262148 bytes, the first at line 569) are shown only`,
    `570: fd 4 (socket:[3951481]), one end of a socketpair(AF_UNIX, SOCK_STREAM) made at line 565 by pid 18498, ${MODELED}: its 5 data calls (262148 bytes, the first at line 570) are shown only`,
  ]);
});

test('an AF_UNIX socket, an eventfd and a UDP socket: each data call counted in its description\'s one warning', () => {
  const text = [
    'eventfd2(0, EFD_CLOEXEC) = 3<anon_inode:[eventfd]>',
    'write(3<anon_inode:[eventfd]>, "\\1\\0\\0\\0\\0\\0\\0\\0", 8) = 8',
    'read(3<anon_inode:[eventfd]>, "\\1\\0\\0\\0\\0\\0\\0\\0", 8) = 8',
    'socket(AF_UNIX, SOCK_STREAM|SOCK_CLOEXEC, 0) = 4<socket:[77]>',
    'connect(4<socket:[77]>, {sa_family=AF_UNIX, sun_path="/run/x.sock"}, 110) = 0',
    'writev(4<socket:[77]>, [{iov_base="ab", iov_len=2}, {iov_base="cde", iov_len=3}], 2) = 5',
    'socket(AF_INET, SOCK_DGRAM, IPPROTO_IP) = 5<socket:[78]>',
    'sendto(5<socket:[78]>, "ping", 4, 0, {sa_family=AF_INET, sin_port=htons(9), sin_addr=inet_addr("127.0.0.1")}, 16) = 4',
    'socket(AF_UNIX, SOCK_DGRAM, 0) = 6<socket:[79]>',
  ].map((l) => `100  ${l}\n`).join('');
  const { loaded } = runText(text);
  assert.deepEqual(loaded.diagnostics.map((d) => `${d.line}: ${d.message}`), [
    `2: fd 3 (anon_inode:[eventfd]), a descriptor of eventfd2 made at line 1 by pid 100, ${MODELED}: its 2 data calls (16 bytes, the first at line 2) are shown only`,
    `6: fd 4 (socket:[77]), a socket(AF_UNIX, SOCK_STREAM) made at line 4 by pid 100, ${MODELED}: its 1 data call (5 bytes, the first at line 6) is shown only`,
    `8: fd 5 (socket:[78]), a socket(AF_INET, SOCK_DGRAM) made at line 7 by pid 100, ${MODELED}: its 1 data call (4 bytes, the first at line 8) is shown only`,
  ]);
});

test('raw-cat.strace (-e raw=all): one warning for the raw calls, none blaming fd 0; nothing simulated', () => {
  const loaded = loadStraceFile(fixture('raw-cat.strace'));
  // Of the calls the model handles, these print hex where strace decodes: 9 mmap (the fd: 0x3 or 0xffffffff),
  // 6 read, 5 close, 4 write, 4 newfstatat, 3 openat, 2 pread64, 1 fadvise64, 1 execve: 35.
  assert.deepEqual(loaded.diagnostics.map((d) => `${d.line}: ${d.message}`), [
    '1: 35 calls (execve, mmap, openat, newfstatat, close, read, pread64, fadvise64, ...; the first at line 1) have their arguments printed raw, in hex (strace -e raw=): descriptors without their -y names, paths and buffers as addresses, so which file a call reads or writes cannot be known; shown only, not simulated. Record without -e raw= (strace -f -tt -T -y -o trace.strace COMMAND) to replay them',
  ]);
  assert.deepEqual(loaded.strace.inherited, []);
});

test('-e raw=read only: the decoded open stands; the raw reads are shown, with the one warning', () => {
  const text = [
    'openat(AT_FDCWD, "/d", O_RDONLY) = 3</d>',
    'read(0x3, 0x7ffd00000000, 0x1000) = 0x1000',
    'read(0x3, 0x7ffd00000000, 0x1000) = 0',
    'close(3</d>) = 0',
  ].map((l) => `100  ${l}\n`).join('');
  const { loaded, trace } = runText(text);
  assert.deepEqual(loaded.diagnostics.map((d) => `${d.line}: ${d.message}`), [
    '2: 2 calls (read; the first at line 2) have their arguments printed raw, in hex (strace -e raw=): descriptors without their -y names, paths and buffers as addresses, so which file a call reads or writes cannot be known; shown only, not simulated. Record without -e raw= (strace -f -tt -T -y -o trace.strace COMMAND) to replay them',
  ]);
  const ops = [...Array(trace.ops.length).keys()].map((i) => trace.ops.get(i));
  assert.deepEqual(ops.map((o) => `${o.line} ${o.name}`), ['1 open', '2 syscall', '3 syscall', '4 close']);
});

test('check of mmap-touch.strace: the pages only the real kernel has lie in the mapped range, and the text says why', () => {
  const log = path.join(__dirname, '../../../test/fixtures/recorded-mmap/mmap-touch.strace');
  const loaded = loadProgramFile(log);
  const t = new Trace(loaded.spec!, { record: false });
  while (t.step() >= 0);
  const rec = readHostRecord(log)!;
  // Line 434 maps the whole 8 MiB file (pages 0-2047); mincore saw all 2048 pages resident after the run.
  assert.deepEqual(loaded.strace!.mapped.filter((m) => m.path === '/tmp/iosim/mm-data.bin'), [{ path: '/tmp/iosim/mm-data.bin', first: 0, last: 2047, line: 434 }]);
  const { result, notes } = checkResidency(rec, t.machine, loaded.strace!.mapped);
  const f = result.files.find((x) => x.path === '/tmp/iosim/mm-data.bin')!;
  assert.equal(f.realPages, 2048);
  // The model has the pread's page (1536) at most; every page only the kernel has is in the mapping.
  const onlyReal = f.onlyReal.reduce((n, [a, b]) => n + b - a + 1, 0);
  assert.ok(onlyReal >= 2047, `${onlyReal}`);
  assert.deepEqual(f.mappedOnlyReal, { pages: onlyReal, line: 434 });
  assert.match(checkText(result, notes, rec), new RegExp(`${onlyReal} of the ${onlyReal} pages only real lie in ranges the log maps \\(mmap at line 434\\): strace sees the mmap call but not the page faults`));
  // Without the log's mappings (as before), no such note.
  assert.equal(checkResidency(rec, t.machine).result.files.find((x) => x.path === '/tmp/iosim/mm-data.bin')!.mappedOnlyReal, undefined);
});
