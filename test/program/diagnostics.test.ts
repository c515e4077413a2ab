import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatDiagnostic, hasErrors, parseScenario, type Diagnostic } from '../../src/program';
import { errorsOf, onlyError, PRELUDE } from './helpers';

/** Asserts one error at line:col..endCol whose message contains each of the fragments. */
function expectError(text: string, line: number, col: number, endCol: number, ...fragments: string[]): Diagnostic {
  const d = onlyError(text);
  assert.deepEqual([d.severity, d.line, d.col, d.endLine, d.endCol], ['error', line, col, line, endCol], d.message);
  for (const f of fragments) assert.ok(d.message.includes(f), `message ${JSON.stringify(d.message)} lacks ${JSON.stringify(f)}`);
  return d;
}

test('unknown call, with a suggestion when one is close', () => {
  expectError(PRELUDE + 'n = raed(fd, buf, 4KiB)\n', 4, 5, 9, `unknown operation 'raed'; did you mean 'read'?`);
  const d = expectError('frobnicate()\n', 1, 1, 11, `unknown operation 'frobnicate': expected one of alloc, open, close`);
  assert.ok(!d.message.includes('did you mean'));
});

test('wrong arity names the expected arguments and the count found, over the whole call', () => {
  expectError(PRELUDE + 'read(fd, buf)\n', 4, 1, 14, 'read takes 3 arguments (fd, buf, count), found 2');
  expectError(PRELUDE + 'mmap(fd)\n', 4, 1, 9, 'mmap takes 2 to 4 arguments (fd, length, [offset], [flags]), found 1');
  expectError(PRELUDE + 'mmap(fd, 1, 2, 1, 3)\n', 4, 1, 21, 'mmap takes 2 to 4 arguments (fd, length, [offset], [flags]), found 5');
  expectError('socket(1)\n', 1, 1, 10, 'socket takes no arguments, found 1');
  expectError('sleep(1s, 2s)\n', 1, 1, 14, 'sleep takes 1 argument (duration), found 2');
  expectError('open()\n', 1, 1, 7, 'open takes 1 to 2 arguments (path, [flags]), found 0');
});

test('unknown identifier, with a suggestion among the names assigned so far', () => {
  expectError(PRELUDE + 'read(fd, bfu, 4KiB)\n', 4, 10, 13, `unknown name 'bfu': not a variable assigned above, an O_* flag or a SEEK_* constant; did you mean 'buf'?`);
  expectError('file "/f" size 1\nfd = open("/f", O_RDONLY | O_DIRCT)\n', 2, 28, 35, `unknown name 'O_DIRCT'`, `did you mean 'O_DIRECT'?`);
  const d = expectError(PRELUDE + 'close(zz)\n', 4, 7, 9, `unknown name 'zz'`);
  assert.ok(!d.message.includes('did you mean'));
});

test('use before assignment names the line of the first assignment, including later repeat bodies', () => {
  expectError(PRELUDE + 'write(fd, buf, n)\nn = read(fd, buf, 1)\n', 4, 16, 17, `'n' is used before it is assigned (first assigned at line 5)`);
  // Program order: within a body, a use above the assignment is too early even though the loop comes back.
  expectError(PRELUDE + 'repeat 2 {\n  write(fd, buf, m)\n  m = read(fd, buf, 1)\n}\n', 5, 18, 19, `'m' is used before it is assigned (first assigned at line 6)`);
  // An assignment inside a repeat counts for the statements after it.
  assert.deepEqual(errorsOf(PRELUDE + 'repeat 2 { m = read(fd, buf, 1) }\nwrite(fd, buf, m)\n'), []);
});

test('bad sizes and durations say what was found and what was expected', () => {
  expectError('alloc(16KX)\n', 1, 7, 11, `bad size '16KX': expected a number with an optional unit (B, KiB, MiB, GiB, TiB, or K, M, G, T), such as 16KiB`);
  expectError('alloc(4ms)\n', 1, 7, 10, `bad size '4ms'`);
  expectError('alloc(0.5)\n', 1, 7, 10, `bad size '0.5'`);
  expectError('file "/f" size 12XB\n', 1, 16, 20, `bad size '12XB'`);
  expectError('sleep 35\n', 1, 7, 9, `bad duration '35': expected a number with a unit ns, us, ms, s or m, such as 35s`);
  expectError('sleep(3KiB)\n', 1, 7, 11, `bad duration '3KiB'`);
  expectError('sleep 3 * 1ms + 2\n', 1, 17, 18, `bad duration '2'`);
  expectError('sleep 1.2.3\n', 1, 7, 12, `bad duration '1.2.3'`);
  expectError('repeat 4K { drop_caches }\n', 1, 8, 10, `bad repeat count '4K': expected a whole number such as 1000`);
});

test('unknown machine key suggests the closest known key', () => {
  expectError('machine {\n  rma = 1GiB\n}\n', 2, 3, 6, `unknown machine setting 'rma'; did you mean 'ram'?`);
  expectError('machine {\n  dirty_ratio = 5\n}\n', 2, 3, 14, `unknown machine setting 'dirty_ratio'; did you mean 'vm.dirty_ratio'?`);
  expectError('machine {\n  read_ahead = 64\n}\n', 2, 3, 13, `did you mean 'read_ahead_kb'?`);
});

test('a bad machine value names the key and what was expected', () => {
  expectError('machine {\n  disk = floppy\n}\n', 2, 10, 16, `bad value for disk: expected one of hdd | ssd | nvme, found 'floppy'`);
  expectError('machine {\n  ram = lots   # comment\n}\n', 2, 9, 13, `bad value for ram: expected a size such as 64MiB, 4KiB or 512, found 'lots'`);
  expectError('machine {\n  vm.dirty_ratio = 150\n}\n', 2, 20, 23, `bad value for vm.dirty_ratio: expected at most 100, found '150'`);
  expectError('machine {\n  memcpy_rate = 10GB\n}\n', 2, 17, 21, `bad value for memcpy_rate: expected a rate such as 3GB/s or 500MB/s, found '10GB'`);
  expectError('machine {\n  ram =\n}\n', 2, 8, 8, `expected a value for ram after '=', such as 1GiB, found end of line`);
  expectError('machine {\n  ram 1GiB\n}\n', 2, 7, 11, `expected '=' after ram, found '1GiB'`);
});

test('a repeated machine key is a warning; the later value wins', () => {
  const s = parseScenario('machine {\n  ram = 1GiB\n  ram = 2GiB\n}\n', 't');
  assert.deepEqual(s.diagnostics, [{ severity: 'warning', line: 3, col: 3, endLine: 3, endCol: 6, message: 'ram is already set at line 2; this later value wins' }]);
  assert.equal(hasErrors(s), false);
  assert.deepEqual(s.machine.map((m) => m.value), [1024 ** 3, 2 * 1024 ** 3]);
});

test('the machine block must come first, once, at the top level', () => {
  expectError('drop_caches\nmachine {\n  ram = 1GiB\n}\n', 2, 1, 8, 'the machine block must come before any other statement (line 1 holds one)');
  expectError('# comments and blank lines may come first\n\nfile "/f" size 1\nmachine {\n}\n', 4, 1, 8, 'the machine block must come before any other statement (line 3 holds one)');
  expectError('machine {\n}\nmachine {\n  ram = 1GiB\n}\n', 3, 1, 8, 'only one machine block is allowed; the first is at line 1');
  // Its settings are still read as settings, not reported as unknown statements.
  expectError('repeat 2 {\n  machine {\n    ram = 1GiB\n  }\n  drop_caches\n}\n', 2, 3, 10, 'the machine block belongs at the top level');
  assert.deepEqual(errorsOf('machine { }\ndrop_caches\n'), []);
});

test('a machine block left open is reported once, and the statements after it parse normally', () => {
  const errors = errorsOf('machine {\n  ram = 1GiB\nbuf = alloc(4KiB)\nalloc(buf)\n}\n');
  assert.deepEqual(
    errors.map((d) => [d.line, d.col, d.message]),
    [[1, 9, `expected '}' to close the machine block opened at line 1 before the statement at line 3, found a statement`]],
  );
});

test('duplicate file declarations; file declarations only at the top level', () => {
  expectError('file "/a" size 1\nfile "/b" size 1\nfile "/a" size 2\n', 3, 6, 10, 'file "/a" is already declared at line 1');
  expectError('repeat 2 {\n  file "/a" size 1\n}\n', 2, 3, 7, 'file declarations belong at the top level, not inside a repeat');
  expectError('file /a size 1\n', 1, 6, 7, `expected the file's path as a string such as "/srv/index.html" after file, found '/'`);
  expectError('file "/a" 1KiB\n', 1, 11, 15, `expected 'size' after the path, as in file "/a" size 16KiB, found '1KiB'`);
  expectError('file "/a" size\n', 1, 15, 15, `expected the file's size such as 16KiB after 'size', found end of line`);
});

test('open of an undeclared file needs O_CREAT; file lines count wherever they are', () => {
  expectError('fd = open("/srv/x", O_RDONLY)\n', 1, 11, 19, 'file "/srv/x" is not declared; add `file "/srv/x" size N` or open with O_CREAT');
  expectError('fd = open("/srv/x")\n', 1, 11, 19, 'file "/srv/x" is not declared');
  assert.deepEqual(errorsOf('fd = open("/srv/x", O_WRONLY | O_CREAT | O_TRUNC)\n'), []);
  assert.deepEqual(errorsOf('fd = open("/srv/x")\nfile "/srv/x" size 1\n'), []);
  // A path created by an earlier O_CREAT open may be reopened without it, but not before.
  expectError('a = open("/n", O_RDONLY)\nb = open("/n", O_CREAT | O_WRONLY)\n', 1, 10, 14, 'file "/n" is not declared');
  assert.deepEqual(errorsOf('b = open("/n", O_CREAT | O_WRONLY)\na = open("/n", O_RDONLY)\n'), []);
});

test('open wants a path string first and numbers after', () => {
  expectError(PRELUDE + 'x = open(buf)\n', 4, 10, 13, `argument 1 of open (path) must be a path string such as "/srv/index.html", found 'buf'`);
  expectError(PRELUDE + 'read(fd, "buf", 1)\n', 4, 10, 15, `argument 2 of read (buf) must be a number, found string "buf"`);
  expectError('x = open("")\n', 1, 10, 12, 'expected a path such as "/srv/index.html", found an empty string');
});

test('sysctl: only sysctl keys, checked values, and the statement form', () => {
  expectError('sysctl ram = 2GiB\n', 1, 8, 11, 'ram is not a sysctl, so it cannot change while the program runs; set it in the machine block (sysctls: vm.dirty_background_ratio');
  expectError('sysctl dirty_ratio = 5\n', 1, 8, 19, `unknown sysctl 'dirty_ratio'; did you mean 'vm.dirty_ratio'?`);
  expectError('sysctl vm.dirty_ratio = 500\n', 1, 25, 28, `bad value for vm.dirty_ratio: expected at most 100, found '500'`);
  expectError('sysctl vm.dirty_ratio = fast # why\n', 1, 25, 29, `bad value for vm.dirty_ratio: expected a whole number, found 'fast'`);
  expectError('sysctl vm.dirty_ratio 5\n', 1, 23, 24, `expected '=' after vm.dirty_ratio, found '5'`);
  expectError('sysctl(5)\n', 1, 1, 7, 'sysctl is a statement, not a call: write it as `sysctl vm.dirty_ratio = 5`');
});

test('unterminated string', () => {
  expectError('file "/a size 1\n', 1, 6, 16, `unterminated string: expected a closing '"' before the end of the line`);
  // The '#' belongs to the broken string, so the diagnostic runs to the end of the line.
  expectError('file "/a" size 1\nfd = open("/a, O_RDONLY)   # comment\n', 2, 11, 37, 'unterminated string');
  // A string that closes before a comment is a string; what follows it is then out of place.
  expectError('file "/a" size 1\nfd = open("/a, O_RDONLY)   # "comment"\n', 2, 31, 38, `expected ',' or ')' after argument 1 of open, found 'comment'`);
});

test("missing ')' and missing ',' say where and what was found", () => {
  expectError(PRELUDE + 'read(fd, buf, 4KiB\n', 4, 19, 19, `expected ')' after the arguments of read, found end of line`);
  expectError(PRELUDE + 'read(fd, buf, 4KiB   # comment\n', 4, 19, 19, `expected ')' after the arguments of read, found end of line`);
  expectError(PRELUDE + 'read(fd buf, 4KiB)\n', 4, 9, 12, `expected ',' or ')' after argument 1 of read, found 'buf'`);
  expectError(PRELUDE + 'read(fd, (buf + 1, 4KiB)\n', 4, 18, 19, `expected ')' to close the '(' at column 10, found ','`);
  expectError(PRELUDE + 'read(fd, buf, )\n', 4, 15, 16, `expected a value (a number, a size such as 4KiB, or a name), found ')'`);
  expectError(PRELUDE + 'close fd\n', 4, 7, 9, `expected '(' after close, found 'fd'`);
});

test("missing '}' of a multi-line repeat is reported at its '{'", () => {
  expectError(PRELUDE + 'repeat 2 {\n  read(fd, buf, 1)\n  repeat 3 {\n    read(fd, buf, 1)\n}\n', 4, 10, 11, `expected '}' to close the repeat block opened at line 4, found end of file`);
  expectError('repeat 3 { drop_caches\n', 1, 23, 23, `expected '}' to close the one-line repeat, found end of line`);
  expectError('drop_caches\n}\n', 2, 1, 2, `found '}' but no block is open`);
});

test('junk after a statement, and one statement per one-line repeat', () => {
  expectError(PRELUDE + 'close(fd) junk\n', 4, 11, 15, `expected end of line after close(...), found 'junk' (one statement per line)`);
  expectError(PRELUDE + 'read(fd, buf, 4KiB))\n', 4, 20, 21, `expected end of line after read(...), found ')'`);
  expectError('sleep 1s 2s\n', 1, 10, 12, `expected end of line after sleep, found '2s'`);
  expectError('drop_caches now\n', 1, 13, 16, `expected end of line after drop_caches, found 'now'`);
  expectError('repeat 2 { drop_caches } x\n', 1, 26, 27, `expected end of line after the repeat, found 'x'`);
  expectError('repeat 2 { drop_caches drop_caches }\n', 1, 24, 35, `expected '}' after the statement (a one-line repeat holds exactly one statement), found 'drop_caches'`);
  expectError('alloc(1) @\n', 1, 10, 11, `expected end of line after alloc(...), found '@'`);
});

test('assignments: only ops that return something, only to plain names, only from a call', () => {
  expectError(PRELUDE + 'x = touch(buf, 0, 4KiB)\n', 4, 5, 10, `touch returns nothing, so its result cannot be assigned to 'x'`);
  expectError('x = sleep(1s)\n', 1, 5, 10, `sleep returns nothing, so its result cannot be assigned to 'x'`);
  expectError('x = sleep 1s\n', 1, 5, 10, `sleep returns nothing, so its result cannot be assigned to 'x'`);
  expectError('x = drop_caches\n', 1, 5, 16, `drop_caches returns nothing`);
  expectError('x = 5\n', 1, 5, 6, `expected a call such as read(fd, buf, 4KiB) after 'x =', found '5'`);
  expectError('O_DIRECT = alloc(1)\n', 1, 1, 9, 'cannot assign to O_DIRECT: it is a constant');
  expectError('read = alloc(1)\n', 1, 1, 5, `cannot use 'read' as a variable name: it names an operation`);
  expectError('repeat = alloc(1)\n', 1, 1, 7, `cannot use 'repeat' as a variable name: it names a statement`);
  expectError(PRELUDE + 'n = read(fd, alloc(1), 1)\n', 4, 14, 19, 'calls cannot be nested: alloc(...) must be a statement of its own');
});

test('unknown statements', () => {
  expectError('frob\n', 1, 1, 5, `unknown statement 'frob': expected a call such as read(fd, buf, 4KiB), an assignment, repeat, sleep, sysctl, drop_caches, file or machine`);
  expectError('drop_cache\n', 1, 1, 11, `unknown statement 'drop_cache'`, `did you mean 'drop_caches'?`);
  expectError('42\n', 1, 1, 3, `expected a statement (a call such as read(fd, buf, 4KiB)`, `found '42'`);
});

test('a faulty assignment still defines its name, so later uses add no errors', () => {
  const errors = errorsOf(PRELUDE + 'n = read(fd, buf)\nwrite(fd, buf, n)\n');
  assert.deepEqual(errors.map((d) => [d.line, d.col]), [[4, 5]]);
});

test('recovery: several errors in one pass, in source order, inside and after blocks', () => {
  const text = [
    'machine {', //                        1
    '  rma = 1GiB', //                     2
    '  disk = floppy', //                  3
    '}', //                                4
    'file "/a" size 1', //                 5
    'file "/a" size 2', //                 6
    'buf = alloc(4KiB)', //                7
    'fd = open("/missing")', //            8
    'repeat x {', //                       9  (unknown name, yet the block still owns line 12's '}')
    '  read(fd, buf)', //                  10
    '  read(fd, buf, 1) junk', //          11
    '}', //                                12
    'sleep 35', //                         13
    'sysctl ram = 1GiB', //                14
    'close(fd', //                         15
  ].join('\n');
  const s = parseScenario(text, 'scen.iosim');
  assert.equal(hasErrors(s), true);
  assert.deepEqual(
    s.diagnostics.map((d) => formatDiagnostic('scen.iosim', d)),
    [
      `scen.iosim:2:3: error: unknown machine setting 'rma'; did you mean 'ram'?`,
      `scen.iosim:3:10: error: bad value for disk: expected one of hdd | ssd | nvme, found 'floppy'`,
      `scen.iosim:6:6: error: file "/a" is already declared at line 5`,
      `scen.iosim:8:11: error: file "/missing" is not declared; add \`file "/missing" size N\` or open with O_CREAT`,
      `scen.iosim:9:8: error: unknown name 'x': not a variable assigned above, an O_* flag or a SEEK_* constant`,
      `scen.iosim:10:3: error: read takes 3 arguments (fd, buf, count), found 2`,
      `scen.iosim:11:20: error: expected end of line after read(...), found 'junk' (one statement per line)`,
      `scen.iosim:13:7: error: bad duration '35': expected a number with a unit ns, us, ms, s or m, such as 35s`,
      `scen.iosim:14:8: error: ram is not a sysctl, so it cannot change while the program runs; set it in the machine block (sysctls: vm.dirty_background_ratio, vm.dirty_ratio, vm.dirty_background_bytes, vm.dirty_bytes, vm.dirty_expire_centisecs, vm.dirty_writeback_centisecs, vm.swappiness)`,
      `scen.iosim:15:9: error: expected ')' after the arguments of close, found end of line`,
    ],
  );
});

test('a repeat header with an error still owns its closing brace', () => {
  const errors = errorsOf('repeat 4K {\n  drop_caches\n}\ndrop_caches\n');
  assert.deepEqual(errors.map((d) => [d.line, d.col]), [[1, 8]]);
});

test('formatDiagnostic prints path:line:col: severity: message', () => {
  const d: Diagnostic = { severity: 'error', line: 3, col: 7, endLine: 3, endCol: 9, message: 'bad thing' };
  assert.equal(formatDiagnostic('examples/a.iosim', d), 'examples/a.iosim:3:7: error: bad thing');
  assert.equal(formatDiagnostic('w.iosim', { ...d, severity: 'warning', line: 1, col: 1 }), 'w.iosim:1:1: warning: bad thing');
});
