import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultConfig } from '../../src/machine/config';
import { OPEN_FLAGS } from '../../src/machine/operation';
import { configFromScenario, lexLine, parseScenario, type OpStatement, type RepeatStatement } from '../../src/program';
import { brief, parseOk, PRELUDE, runAll } from './helpers';

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

test('the article example parses and yields every operation with exact args, lines and columns', () => {
  const text = [
    '# comments start with #', //                             1
    'machine {                      # optional', //           2
    '  ram = 1GiB', //                                        3
    '  disk = hdd', //                                        4
    '  nic = plain', //                                       5
    '  page_cache_limit = 64MiB', //                          6
    '  vm.dirty_ratio = 30', //                               7
    '  memcpy_rate = 5GB/s', //                               8
    '}', //                                                   9
    'file "/srv/index.html" size 16KiB', //                   10
    'buf = alloc(16KiB)', //                                  11
    'fd = open("/srv/index.html", O_RDONLY)   # read only', // 12
    'sock = socket()', //                                     13
    'n = read(fd, buf, 16KiB)', //                            14
    'write(sock, buf, n)', //                                 15
    'pread(fd, buf, 4KiB, 8KiB)', //                          16
    'pwrite(fd, buf + 512, 4KiB, 0)', //                      17
    'lseek(fd, 0, SEEK_END)', //                              18
    'addr = mmap(fd, 16KiB)', //                              19
    'touch(addr, 0, 4KiB)', //                                20
    'munmap(addr, 16KiB)', //                                 21
    'sendfile(sock, fd, 0, 16KiB)', //                        22
    'p = pipe()', //                                          23
    'splice(fd, p, 64KiB)', //                                24
    'splice(p, sock, 64KiB)', //                              25
    'fsync(fd)', //                                           26
    'fdatasync(fd)', //                                       27
    'close(fd)', //                                           28
    'id = aio_read(fd, buf, 1MiB, 0)', //                     29
    'aio_wait(id)', //                                        30
    'u = uring_read(fd, buf, 1MiB, 0)', //                    31
    'uring_wait(u)', //                                       32
    'sleep 35s', //                                           33
    'sysctl vm.dirty_ratio = 5', //                           34
    'drop_caches', //                                         35
  ].join('\n');
  const s = parseOk(text);
  assert.deepEqual(s.diagnostics, []);
  // Each call returns 100 + its index, so every variable's use shows which result it was bound from.
  const ops = runAll(s, (_op, i) => 100 + i);
  assert.deepEqual(
    ops.map((o) => [o.name, o.args, o.line, o.col]),
    [
      ['alloc', [16 * KiB], 11, 1],
      ['open', [OPEN_FLAGS.O_RDONLY], 12, 1],
      ['socket', [], 13, 1],
      ['read', [101, 100, 16 * KiB], 14, 1],
      ['write', [102, 100, 103], 15, 1],
      ['pread', [101, 100, 4 * KiB, 8 * KiB], 16, 1],
      ['pwrite', [101, 612, 4 * KiB, 0], 17, 1],
      ['lseek', [101, 0, 2], 18, 1],
      ['mmap', [101, 16 * KiB], 19, 1],
      ['touch', [108, 0, 4 * KiB], 20, 1],
      ['munmap', [108, 16 * KiB], 21, 1],
      ['sendfile', [102, 101, 0, 16 * KiB], 22, 1],
      ['pipe', [], 23, 1],
      ['splice', [101, 112, 64 * KiB], 24, 1],
      ['splice', [112, 102, 64 * KiB], 25, 1],
      ['fsync', [101], 26, 1],
      ['fdatasync', [101], 27, 1],
      ['close', [101], 28, 1],
      ['aio_read', [101, 100, MiB, 0], 29, 1],
      ['aio_wait', [118], 30, 1],
      ['uring_read', [101, 100, MiB, 0], 31, 1],
      ['uring_wait', [120], 32, 1],
      ['sleep', [35e9], 33, 1],
      ['sysctl', [5], 34, 1],
      ['drop_caches', [], 35, 1],
    ],
  );
  assert.equal(ops[1].text, '/srv/index.html');
  assert.deepEqual(ops[1].flagNames, ['O_RDONLY']);
  assert.equal(ops[23].text, 'vm.dirty_ratio');
  assert.ok(ops.every((o) => o.thread === 1));
  assert.deepEqual(s.files, [{ path: '/srv/index.html', size: 16 * KiB, line: 10, col: 1 }]);
  assert.deepEqual(s.machine, [
    { key: 'ram', value: GiB, line: 3, col: 3 },
    { key: 'disk', value: 'hdd', line: 4, col: 3 },
    { key: 'nic', value: 'plain', line: 5, col: 3 },
    { key: 'page_cache_limit', value: 64 * MiB, line: 6, col: 3 },
    { key: 'vm.dirty_ratio', value: 30, line: 7, col: 3 },
    { key: 'memcpy_rate', value: 5e9, line: 8, col: 3 },
  ]);
  assert.deepEqual(s.executableLines, Array.from({ length: 25 }, (_, i) => 11 + i));
});

test('configFromScenario applies the machine block over the Linux defaults', () => {
  const s = parseOk('machine {\n  memcpy_rate = 5GB/s\n  disk = hdd\n  vm.dirty_ratio = 30\n  block_size = 4096\n}\n');
  const c = configFromScenario(s);
  const d = defaultConfig();
  assert.equal(c.disk, 'hdd');
  assert.equal(c.latency.diskLatencyNs, 4_000_000);
  // The memcpy rate was written before the disk, and survives the disk profile being applied.
  assert.equal(c.latency.memcpyBytesPerSec, 5e9);
  assert.equal(c.sysctl['vm.dirty_ratio'], 30);
  assert.equal(c.blockSize, 4096);
  assert.equal(c.ramBytes, d.ramBytes);
  // No machine block: exactly the defaults.
  assert.deepEqual(configFromScenario(parseOk('drop_caches\n')), d);
  // A given base is the starting point.
  const base = defaultConfig('ssd');
  assert.equal(configFromScenario(parseOk('drop_caches\n'), base).disk, 'ssd');
});

test('assignment keeps the target column and the call column; the operation starts at the target', () => {
  const s = parseOk('  total = alloc(1)\nrepeat 2 { x = alloc(2) }\n');
  const st = s.body[0] as OpStatement;
  assert.deepEqual([st.name, st.target, st.line, st.col, st.callCol], ['alloc', 'total', 1, 3, 11]);
  const inner = (s.body[1] as RepeatStatement).body[0] as OpStatement;
  assert.deepEqual([inner.target, inner.line, inner.col, inner.callCol], ['x', 2, 12, 16]);
  const ops = runAll(s);
  assert.deepEqual(ops.map((o) => [o.line, o.col]), [[1, 3], [2, 12], [2, 12]]);
});

test('sizes: binary units in any case, plain bytes, hex, and fractions that land on whole bytes', () => {
  const cases: [string, number][] = [
    ['512', 512],
    ['0', 0],
    ['7B', 7],
    ['4KiB', 4 * KiB],
    ['4kib', 4 * KiB],
    ['4K', 4 * KiB],
    ['4k', 4 * KiB],
    ['4KB', 4 * KiB],
    ['2MiB', 2 * MiB],
    ['2M', 2 * MiB],
    ['2MB', 2 * MiB],
    ['3GiB', 3 * GiB],
    ['3G', 3 * GiB],
    ['3gb', 3 * GiB],
    ['1TiB', 1024 * GiB],
    ['1T', 1024 * GiB],
    ['1.5KiB', 1536],
    ['0x1000', 4096],
    ['0XfF', 255],
  ];
  for (const [lit, bytes] of cases) {
    const ops = runAll(parseOk(`alloc(${lit})\n`));
    assert.deepEqual(ops[0].args, [bytes], lit);
  }
});

test('durations: ns, us, ms, s, m (minutes), with or without parentheses', () => {
  const cases: [string, number][] = [
    ['250ns', 250],
    ['20us', 20_000],
    ['4ms', 4_000_000],
    ['35s', 35e9],
    ['1.5s', 1.5e9],
    ['2m', 120e9],
  ];
  for (const [lit, ns] of cases) {
    assert.deepEqual(runAll(parseOk(`sleep ${lit}\n`))[0].args, [ns], lit);
    assert.deepEqual(runAll(parseOk(`sleep(${lit})\n`))[0].args, [ns], `(${lit})`);
  }
  // A plain number may scale a duration, but not stand for one.
  assert.deepEqual(runAll(parseOk('sleep 1ms * 3\n'))[0].args, [3e6]);
  assert.deepEqual(runAll(parseOk('sleep(2 * 1s + 500ms)\n'))[0].args, [2.5e9]);
  // The same letter is a size or a duration depending on where it is written.
  assert.deepEqual(runAll(parseOk('alloc(2m)\n'))[0].args, [2 * MiB]);
});

test('open flags combine with | and keep their names as written', () => {
  const s = parseOk(
    'file "/f" size 1MiB\n' +
      'a = open("/f", O_RDWR | O_DIRECT | O_SYNC)\n' +
      'b = open("/f")\n' +
      'c = open("/new", O_WRONLY|O_CREAT)\n' +
      'd = open("/new", O_WRONLY)\n',
  );
  const ops = runAll(s);
  assert.deepEqual(ops[0].args, [OPEN_FLAGS.O_RDWR | OPEN_FLAGS.O_DIRECT | OPEN_FLAGS.O_SYNC]);
  assert.deepEqual(ops[0].args, [0o4050002]);
  assert.deepEqual(ops[0].flagNames, ['O_RDWR', 'O_DIRECT', 'O_SYNC']);
  assert.deepEqual([ops[1].args, ops[1].flagNames, ops[1].text], [[0], ['O_RDONLY'], '/f']);
  assert.deepEqual([ops[2].args, ops[2].flagNames, ops[2].text], [[0o101], ['O_WRONLY', 'O_CREAT'], '/new']);
  // Created by the earlier O_CREAT open, so it needs no `file` line.
  assert.deepEqual([ops[3].args, ops[3].text], [[1], '/new']);
});

test('expressions: + - * with precedence, parentheses, unary minus, SEEK constants', () => {
  const ops = runAll(
    parseOk(
      PRELUDE +
        'pread(fd, buf + 512, 4KiB * 2 + 1, (1 + 2) * 4KiB)\n' +
        'lseek(fd, -512, SEEK_END)\n' +
        'lseek(fd, 10 - 4 - 3, SEEK_CUR)\n' +
        'n = read(fd, buf, 100)\n' +
        'pread(fd, buf, n * 2 - 1, -(n))\n',
    ),
    (op) => (op.name === 'alloc' ? 0x10000 : op.name === 'open' ? 3 : op.name === 'read' ? 40 : 0),
  );
  assert.deepEqual(brief(ops.slice(2)), [
    `pread(3,${0x10000 + 512},8193,12288)`,
    'lseek(3,-512,2)',
    'lseek(3,3,1)',
    'read(3,65536,100)',
    'pread(3,65536,79,-40)',
  ]);
});

test('strings may hold #, and escaped quotes; a # outside a string starts a comment', () => {
  const s = parseOk('file "/a#b \\"q\\"" size 1 # a comment with "quotes\nfd = open("/a#b \\"q\\"")   # open it\n');
  assert.equal(s.files[0].path, '/a#b "q"');
  assert.equal(runAll(s)[0].text, '/a#b "q"');
});

test('blank lines, comment-only lines and CRLF line ends are ignored', () => {
  const s = parseOk('\r\n# only a comment\r\n   \r\n\tdrop_caches   # trailing\r\n\r\n');
  assert.deepEqual(runAll(s).map((o) => [o.name, o.line, o.col]), [['drop_caches', 4, 2]]);
  assert.deepEqual(s.executableLines, [4]);
});

test('drop_caches may be written as a call; sysctl takes sizes for byte sysctls', () => {
  const ops = runAll(parseOk('drop_caches()\nsysctl vm.dirty_bytes = 32MiB\nsysctl vm.dirty_background_ratio = 0\n'));
  assert.deepEqual(
    ops.map((o) => [o.name, o.text, o.args]),
    [
      ['drop_caches', undefined, []],
      ['sysctl', 'vm.dirty_bytes', [32 * MiB]],
      ['sysctl', 'vm.dirty_background_ratio', [0]],
    ],
  );
});

test('a one-line repeat may hold sysctl, sleep with a variable, and an assignment', () => {
  const s = parseOk('d = alloc(1)\nrepeat 2 { sysctl vm.dirty_ratio = 5 }\nrepeat 2 { sleep(d * 2) }\nrepeat 2 { x = alloc(d) }\nrepeat 1 { repeat 2 { drop_caches } }\n');
  const ops = runAll(s, (op) => (op.name === 'alloc' ? 1000 : 0));
  assert.deepEqual(brief(ops), ['alloc(1)', 'sysctl(5)', 'sysctl(5)', 'sleep(2000)', 'sleep(2000)', 'alloc(1000)', 'alloc(1000)', 'drop_caches()', 'drop_caches()']);
  assert.deepEqual(ops.map((o) => o.col), [1, 12, 12, 12, 12, 12, 12, 23, 23]);
});

test('mmap optional offset may be given or omitted', () => {
  const ops = runAll(parseOk(PRELUDE + 'a = mmap(fd, 8KiB)\nb = mmap(fd, 8KiB, 4KiB)\n'), (op) => (op.name === 'open' ? 3 : 0));
  assert.deepEqual(brief(ops.slice(2)), ['mmap(3,8192)', 'mmap(3,8192,4096)']);
});

test('repeat statements keep their positions and bodies in the tree', () => {
  const s = parseOk(PRELUDE + 'repeat 3 {\n  read(fd, buf, 1)\n  repeat 2 { sleep 1ms }\n}\n');
  const r = s.body[2] as RepeatStatement;
  assert.deepEqual([r.kind, r.line, r.col, r.endLine, r.body.length], ['repeat', 4, 1, 7, 2]);
  const inner = r.body[1] as RepeatStatement;
  assert.deepEqual([inner.kind, inner.line, inner.col, inner.endLine], ['repeat', 6, 3, 6]);
  assert.deepEqual(s.executableLines, [2, 3, 5, 6]);
});

test('the lexer keeps units glued to numbers and dotted names whole', () => {
  const toks = lexLine('  x = read(fd, 16KiB) # c', 1).tokens;
  assert.deepEqual(
    toks.map((t) => [t.kind, t.text, t.col, t.endCol]),
    [
      ['ident', 'x', 3, 4],
      ['punct', '=', 5, 6],
      ['ident', 'read', 7, 11],
      ['punct', '(', 11, 12],
      ['ident', 'fd', 12, 14],
      ['punct', ',', 14, 15],
      ['number', '16KiB', 16, 21],
      ['punct', ')', 21, 22],
      ['eol', '', 22, 22],
    ],
  );
  assert.deepEqual(lexLine('vm.dirty_ratio = 5', 1).tokens[0].text, 'vm.dirty_ratio');
});

test('the parser reports nothing for a scenario without a machine block', () => {
  const s = parseScenario('drop_caches\n', 'p.iosim');
  assert.equal(s.path, 'p.iosim');
  assert.deepEqual([s.machine, s.files, s.diagnostics], [[], [], []]);
});
