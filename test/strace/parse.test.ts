/** Reading single lines of strace output in each of its shapes. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fdOf, fieldOf, iovTotal, listOf, offsetOf, splitArgs, structsOf, unquote } from '../../src/program/strace/args';
import { LineKind, parseLine } from '../../src/program/strace/parse';

test('a call with -f -tt -T -y and a [pid N] prefix', () => {
  const p = parseLine('[pid  4242] 10:20:30.123456 read(3</etc/passwd>, "root:x:0:0:root:/root:/bin/bash\\n"..., 4096) = 1294 <0.000035>');
  assert.equal(p.kind, LineKind.Call);
  assert.equal(p.pid, 4242);
  assert.equal(p.tsSec, 10 * 3600 + 20 * 60 + 30);
  assert.equal(p.tsNs, 123456000);
  assert.equal(p.tsTod, true);
  assert.equal(p.name, 'read');
  assert.equal(p.col, 29);
  assert.equal(p.args, '3</etc/passwd>, "root:x:0:0:root:/root:/bin/bash\\n"..., 4096');
  assert.equal(p.ret, '1294');
  assert.equal(p.errno, '');
  assert.equal(p.durNs, 35000);
});

test('the -o prefix (pid and spaces), -ttt and -r timestamps, no timestamps, -i', () => {
  let p = parseLine('17409 19:17:16.815877 openat(AT_FDCWD</tmp/iosim>, "big.bin", O_RDONLY|O_DIRECT) = 3</tmp/iosim/big.bin> <0.000037>');
  assert.equal(p.pid, 17409);
  assert.equal(p.name, 'openat');
  assert.equal(p.ret, '3</tmp/iosim/big.bin>');
  assert.deepEqual(fdOf(p.ret), { fd: 3, deco: '/tmp/iosim/big.bin' });
  p = parseLine('9985  1700000000.123456789 close(3) = 0');
  assert.equal(p.pid, 9985);
  assert.equal(p.tsSec, 1700000000);
  assert.equal(p.tsNs, 123456789);
  assert.equal(p.tsTod, false);
  assert.ok(Number.isNaN(p.durNs));
  p = parseLine('     0.000123 close(3)                    = 0');
  assert.equal(p.pid, -1);
  assert.equal(p.tsSec, 0);
  assert.equal(p.tsNs, 123000);
  assert.equal(p.args, '3');
  p = parseLine('close(3) = 0');
  assert.equal(p.kind, LineKind.Call);
  assert.ok(Number.isNaN(p.tsSec));
  assert.equal(p.col, 1);
  p = parseLine('[00007f3c1a2b3c4d] write(1, "hi\\n", 3) = 3');
  assert.equal(p.name, 'write');
  assert.equal(p.ret, '3');
});

test('errors, results that are not numbers, results with text', () => {
  let p = parseLine('openat(AT_FDCWD, "/root/.sqliterc", O_RDONLY) = -1 ENOENT (No such file or directory) <0.000141>');
  assert.equal(p.ret, '-1');
  assert.equal(p.errno, 'ENOENT');
  assert.equal(p.durNs, 141000);
  p = parseLine('12:00:00.000001 exit_group(0)                     = ?');
  assert.equal(p.ret, '?');
  p = parseLine('rt_sigsuspend([], 8) = ? ERESTARTNOHAND (To be restarted if no handler) <1.294519>');
  assert.equal(p.ret, '?');
  assert.equal(p.errno, 'ERESTARTNOHAND');
  assert.equal(p.durNs, 1294519000);
  p = parseLine('mmap(NULL, 131072, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f65ab64a000 <0.000007>');
  assert.equal(p.ret, '0x7f65ab64a000');
  p = parseLine('poll([{fd=3, events=POLLIN}], 1, 0) = 1 ([{fd=3, revents=POLLIN}]) <0.000003>');
  assert.equal(p.ret, '1');
  assert.equal(p.errno, '');
  assert.equal(p.args, '[{fd=3, events=POLLIN}], 1, 0');
  p = parseLine('exit_group(0) = ? <unavailable>');
  assert.equal(p.ret, '?');
});

test('unfinished and resumed halves', () => {
  let p = parseLine('[pid  9976] 19:30:45.634234 execve("/usr/bin/cat", ["cat", "notes.txt"], 0x55a50a2ea508 /* 2 vars */ <unfinished ...>');
  assert.equal(p.kind, LineKind.Unfinished);
  assert.equal(p.name, 'execve');
  assert.equal(p.args, '"/usr/bin/cat", ["cat", "notes.txt"], 0x55a50a2ea508 /* 2 vars */');
  p = parseLine('[pid 17740] 19:17:40.153553 <... read resumed>"u/47hrCA6+0cqvjhUoqqTBsDHjEzeN4l"..., 131072) = 131072 <0.000093>');
  assert.equal(p.kind, LineKind.Resumed);
  assert.equal(p.name, 'read');
  assert.equal(p.args, '"u/47hrCA6+0cqvjhUoqqTBsDHjEzeN4l"..., 131072');
  assert.equal(p.ret, '131072');
  assert.equal(p.durNs, 93000);
  p = parseLine('9975  19:30:45.634214 <... close resumed>) = 0 <0.000053>');
  assert.equal(p.kind, LineKind.Resumed);
  assert.equal(p.args, '');
  p = parseLine('[pid 17547] 19:17:28.859211 epoll_wait(7<anon_inode:[eventpoll]>,  <unfinished ...>');
  assert.equal(p.kind, LineKind.Unfinished);
  assert.equal(p.args, '7<anon_inode:[eventpoll]>, ');
});

test('signals, exits, kills and strace notes', () => {
  let p = parseLine('17546 19:17:29.163226 --- SIGQUIT {si_signo=SIGQUIT, si_code=SI_USER, si_pid=17537, si_uid=0} ---');
  assert.equal(p.kind, LineKind.Signal);
  assert.equal(p.name, 'SIGQUIT');
  assert.equal(p.pid, 17546);
  p = parseLine('17547 19:17:29.165348 +++ exited with 3 +++');
  assert.equal(p.kind, LineKind.Exited);
  assert.equal(p.code, 3);
  p = parseLine('[pid 12] +++ killed by SIGKILL (core dumped) +++');
  assert.equal(p.kind, LineKind.Killed);
  assert.equal(p.name, 'SIGKILL');
  p = parseLine('strace: Process 9977 attached');
  assert.equal(p.kind, LineKind.Note);
  assert.equal(p.code, 9977);
  assert.equal(parseLine('').kind, LineKind.Blank);
  assert.equal(parseLine('   ').kind, LineKind.Blank);
});

test('lines that are not strace output are reported, never thrown', () => {
  for (const line of [
    'hello world', ') = 6 <0.000009>', '[pid ] read(3) = 1', '12:00 read(3) = 1', 'write(1, "x", 1hello', '+++ something +++',
    '<... read', 'read(3, "unterminated', '\u0000\u0001\u0002', '--', '[pid 12]', '12 ', '99999999999999999999999 x(',
  ]) {
    const p = parseLine(line);
    assert.equal(p.kind, LineKind.Bad, line);
    assert.ok(p.message.length > 0, line);
  }
});

test('arguments: strings, truncated strings, decorations, structures and arrays stay whole', () => {
  assert.deepEqual(splitArgs('3</tmp/a, b>, "x, \\"y\\""..., 10'), ['3</tmp/a, b>', '"x, \\"y\\""...', '10']);
  assert.deepEqual(splitArgs('5<TCP:[127.0.0.1:8088->127.0.0.1:38880]>, 9</srv/v.bin>, [0] => [4096], 4096'),
    ['5<TCP:[127.0.0.1:8088->127.0.0.1:38880]>', '9</srv/v.bin>', '[0] => [4096]', '4096']);
  assert.deepEqual(splitArgs('[3<pipe:[7]>, 4<pipe:[7]>], O_CLOEXEC'), ['[3<pipe:[7]>, 4<pipe:[7]>]', 'O_CLOEXEC']);
  assert.deepEqual(splitArgs('3, {st_mode=S_IFREG|0644, st_size=6, ...}'), ['3', '{st_mode=S_IFREG|0644, st_size=6, ...}']);
  assert.deepEqual(splitArgs(''), []);
  assert.deepEqual(fdOf('5<TCP:[127.0.0.1:8088->127.0.0.1:38880]>'), { fd: 5, deco: 'TCP:[127.0.0.1:8088->127.0.0.1:38880]' });
  assert.deepEqual(fdOf('6<anon_inode:[io_uring]>'), { fd: 6, deco: 'anon_inode:[io_uring]' });
  assert.deepEqual(fdOf('AT_FDCWD</tmp>'), { fd: -100, deco: '/tmp' });
  assert.deepEqual(offsetOf('[0] => [4096]'), { before: 0, after: 4096 });
  assert.deepEqual(offsetOf('[0 => 4096]'), { before: 0, after: 4096 });
  assert.deepEqual(offsetOf('[8192]'), { before: 8192, after: 8192 });
  assert.ok(Number.isNaN(offsetOf('NULL').before));
  assert.equal(fieldOf('{st_mode=S_IFREG|0644, st_size=353616, ...}', 'st_size'), 353616);
  assert.equal(fieldOf('{aio_data=0, aio_nbytes=4096, aio_offset=8192}', 'aio_offset'), 8192);
  assert.equal(iovTotal('[{iov_base="HTTP/1.1 200 OK"..., iov_len=246}, {iov_base="x", iov_len=10}]'), 256);
  assert.deepEqual(listOf('[3<pipe:[91]>, 4<pipe:[91]>]'), ['3<pipe:[91]>', '4<pipe:[91]>']);
  assert.deepEqual(structsOf('[{a=1, b=[2, 3]}, {a=4}]'), ['{a=1, b=[2, 3]}', '{a=4}']);
  // \303\251 are the two bytes of UTF-8 é (issue 11, kind 9: not the two Latin-1 characters Ã©).
  assert.equal(unquote('"/tmp/a\\"b\\303\\251"'), '/tmp/a"b\u00e9');
  assert.equal(unquote('"abc"...'), 'abc');
});
