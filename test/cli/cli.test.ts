/** The iosim command line as a person and other tools meet it: output, --json field names, exit status. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '../../..');
const CLI = path.join(ROOT, 'dist/cli.js');

function iosim(...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('run prints a strace-like line per syscall with simulated seconds, then a summary', () => {
  const r = iosim('run', 'examples/sendfile.iosim');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^openat\(AT_FDCWD, "\/srv\/index\.html", O_RDONLY\) = 3 <0\.\d{9}>$/m);
  assert.match(r.out, /^sendfile\(4<TCP:\[\d+\]>, 3<\/srv\/index\.html>, \[0\], 16384\) = 16384 <0\.\d{9}>$/m);
  assert.match(r.out, /user\/kernel switches\s+8/);
  assert.match(r.out, /CPU copies\s+1\s+16 KiB/);
});

test('run prints pipe() as strace -y does: both ends filled in with the pipe they name, result 0', () => {
  // splice.iosim opens the file (fd 3) and a socket (fd 4) first, so the pipe's ends are 5 and 6; the model numbers
  // its first pipe inode 2000, the name the splice lines below it carry.
  const r = iosim('run', 'examples/splice.iosim');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^pipe\(\[5<pipe:\[2000\]>, 6<pipe:\[2000\]>\]\) = 0 <0\.\d{9}>$/m);
  assert.match(r.out, /^splice\(3<\/srv\/log\.txt>, NULL, 6<pipe:\[2000\]>, NULL, 65536, 0\) = 65536 /m);
});

test('a log with no syscall in it (empty, or bytes that are no strace output) is an error: exit 1, the message says what was expected', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'iosim-nocalls-'));
  const empty = path.join(dir, 'empty.strace');
  writeFileSync(empty, '');
  // Bytes of no text at all, seeded: what `run` gets when pointed at a binary by mistake.
  const bytes = Buffer.alloc(4096);
  let x = 0x2545f491;
  for (let i = 0; i < bytes.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    bytes[i] = x & 0xff;
  }
  const binary = path.join(dir, 'binary.strace');
  writeFileSync(binary, bytes);
  for (const f of [empty, binary]) {
    const r = iosim('run', f);
    assert.equal(r.code, 1, `${f}: ${r.out}`);
    assert.match(r.err, new RegExp(`^${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:1:1: error: no syscalls found: is this the output of strace\\? \\(expected lines such as`, 'm'));
    assert.doesNotMatch(r.out, /summary of/, 'nothing was run');
  }
});

test('run --json has exactly the documented fields', () => {
  const r = iosim('run', 'examples/read-write.iosim', '--json');
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.deepEqual(Object.keys(j).sort(), ['diagnostics', 'events', 'operations', 'pageCache', 'totals']);
  assert.deepEqual(j.diagnostics, []);
  for (const k of ['syscalls', 'contextSwitches', 'cpuCopies', 'dmaCopies', 'cpuBytes', 'dmaBytes', 'pageCacheHits', 'pageCacheMisses', 'evictions', 'dmaInterrupts', 'pageFaults', 'writebackPages', 'simTimeNs']) {
    assert.equal(typeof j.totals[k], 'number', `totals.${k}`);
  }
  const op = j.operations.find((o: { name: string }) => o.name === 'read');
  // A scenario's operations carry exactly these; a strace log's add the recorded facts.
  assert.deepEqual(Object.keys(op).sort(), ['contextSwitches', 'cpuBytes', 'cpuCopies', 'dmaBytes', 'dmaCopies', 'endNs', 'errno', 'line', 'name', 'pageFaults', 'path', 'result', 'startNs']);
  assert.equal(op.errno, null);
  for (const k of ['capacityPages', 'pages', 'dirty', 'writeback', 'active', 'inactive', 'files']) assert.ok(k in j.pageCache, `pageCache.${k}`);
  assert.deepEqual(Object.keys(Object.values(j.pageCache.files)[0] as object).sort(), ['cached', 'dirty', 'residentRuns', 'writeback']);
  assert.equal(typeof j.events, 'number');
  assert.ok(j.events > 0);
});

test('run --json for tools: each operation names its syscall and path, files their resident runs, the load its diagnostics', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'iosim-cli-'));
  const log = path.join(dir, 'tools.strace');
  // fd 1 is a file opened before the log begins (a warning): simulated as that file, opened before the first line.
  writeFileSync(log, [
    '10:00:00.000000 openat(AT_FDCWD</tmp>, "x", O_RDONLY) = 3</tmp/x> <0.000010>',
    '10:00:00.000100 pread64(3</tmp/x>, "..."..., 8192, 0) = 8192 <0.000010>',
    '10:00:00.000200 pread64(3</tmp/x>, "..."..., 4096, 40960) = 4096 <0.000010>',
    '10:00:00.000300 fstat(3</tmp/x>, {st_mode=S_IFREG|0644, st_size=1048576, ...}) = 0 <0.000010>',
    '10:00:00.000400 write(1</tmp/out.txt>, "x\\n", 2) = 2 <0.000010>',
    '10:00:00.000500 close(3</tmp/x>) = 0 <0.000010>',
    '',
  ].join('\n'));
  const r = iosim('run', log, '--json');
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  const ops = (j.operations as { name: string; syscall?: string; path?: string }[]).filter((o) => o.name !== 'alloc');
  assert.deepEqual(ops.map((o) => [o.name, o.syscall, o.path]), [
    ['inherit', undefined, '/tmp/out.txt'], ['open', 'openat', '/tmp/x'], ['pread', 'pread64', '/tmp/x'], ['pread', 'pread64', '/tmp/x'],
    ['syscall', 'fstat', '/tmp/x'], ['write', 'write', '/tmp/out.txt'], ['close', 'close', '/tmp/x'],
  ]);
  assert.deepEqual(j.diagnostics, [{ line: 5, severity: 'warning', message: 'fd 1 (/tmp/out.txt) was open before the log begins (a shell redirection, or an open a -e trace= filter left out of the log): simulated as that file, opened read-write at offset 0' }]);
  // Without readahead, pages 0-1 and 10 of a scenario's file: two runs.
  const scenario = path.join(dir, 'runs.iosim');
  writeFileSync(scenario, 'machine {\n  read_ahead_kb = 0\n}\nfile "/f" size 1MiB\nbuf = alloc(8KiB)\nfd = open("/f")\npread(fd, buf, 8KiB, 0)\npread(fd, buf, 4KiB, 40KiB)\n');
  const s = JSON.parse(iosim('run', scenario, '--json').out);
  assert.deepEqual(s.pageCache.files['/f'].residentRuns, [[0, 2], [10, 1]]);
  assert.deepEqual(s.operations.map((o: { path?: string }) => o.path), [undefined, '/f', '/f', '/f']);
});

test('--set KEY=VALUE sets the machine of a log or a scenario (after its machine block); a bad one is a usage error naming it', () => {
  // cat.strace reads a 405264-byte file in 128 KiB reads: by default its first read brings in two 128 KiB windows
  // (the one it needs and the next, asynchronously); with read_ahead_kb = 8192 the whole file (99 pages) at once,
  // and with max_sectors_kb = 64 as well, in 64 KiB requests.
  const runOf = (...set: string[]) => JSON.parse(iosim('run', 'test/fixtures/strace/cat.strace', '--json', ...set).out);
  const firstRead = (j: { operations: { name: string; path?: string; dmaBytes: number }[] }) => j.operations.find((o) => o.name === 'read' && o.path === '/tmp/iosim/notes.txt')!;
  assert.equal(firstRead(runOf()).dmaBytes, 2 * 32 * 4096, 'the default 128 KiB windows');
  assert.equal(firstRead(runOf('--set', 'read_ahead_kb=8192')).dmaBytes, 405504);
  const split = runOf('--set', 'read_ahead_kb=8192', '--set=max_sectors_kb=64');
  assert.equal(firstRead(split).dmaBytes, 405504);
  assert.equal(split.totals.dmaInterrupts - runOf('--set', 'read_ahead_kb=8192').totals.dmaInterrupts, 6, '7 requests of at most 64 KiB instead of 1');
  // A scenario: --set wins over its machine block (disk = ssd there): fsync's 4 MiB on an HDD take longer.
  const fsyncNs = (...set: string[]) => {
    const j = JSON.parse(iosim('run', 'examples/writeback.iosim', '--json', ...set).out);
    const f = j.operations.find((o: { name: string }) => o.name === 'fsync');
    return f.endNs - f.startNs;
  };
  assert.ok(fsyncNs('--set', 'disk=hdd') > 2 * fsyncNs(), 'slower on an HDD');
  for (const [set, message] of [
    ['ram=lots', /^iosim: --set ram=lots: machine key 'ram': expected a size such as 64MiB, 4KiB or 512, got "lots"$/m],
    ['read_ahead=64', /^iosim: --set read_ahead=64: unknown machine key 'read_ahead'; did you mean 'read_ahead_kb'\?$/m],
    ['disk', /^iosim: --set: expected KEY=VALUE .*got disk$/m],
    ['max_sectors_kb=2', /max_sectors_kb.*expected at least 4/],
  ] as const) {
    const r = iosim('run', 'examples/read-write.iosim', '--set', set);
    assert.equal(r.code, 2, set);
    assert.match(r.err, message);
    assert.equal(r.out, '');
  }
  const bad = iosim('run', 'examples/read-write.iosim', '--profile', 'cloud');
  assert.equal(bad.code, 2);
  assert.match(bad.err, /^iosim: --profile: expected host, got cloud$/m);
});

test('--profile host: the machine from this computer, said on stderr and in --json; --set applies after it', { skip: process.platform !== 'linux' && 'reads /sys and /proc' }, () => {
  const r = iosim('run', 'test/fixtures/strace/cat.strace', '--json', '--profile', 'host', '--set', 'vm.dirty_expire_centisecs=100');
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /^iosim: profile host.*: .*ram=\d+KiB \(\/proc\/meminfo MemTotal\)/m);
  const j = JSON.parse(r.out);
  assert.equal(j.profile.name, 'host');
  const expire = j.profile.values.find((v: { key: string }) => v.key === 'vm.dirty_expire_centisecs');
  assert.deepEqual(expire, { key: 'vm.dirty_expire_centisecs', value: readFileSync('/proc/sys/vm/dirty_expire_centisecs', 'utf8').trim(), from: '/proc/sys/vm/dirty_expire_centisecs' });
  assert.ok(Array.isArray(j.profile.notes));
  // Without --profile there is no profile field.
  assert.equal(JSON.parse(iosim('run', 'test/fixtures/strace/cat.strace', '--json').out).profile, undefined);
});

test('a program with errors: exit 1, diagnostics on stderr as path:line:col: error:', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'iosim-cli-'));
  const file = path.join(dir, 'bad.iosim');
  writeFileSync(file, 'buf = alloc(4KiB)\nn = reed(3, buf, 4KiB)\n');
  const r = iosim('run', file);
  assert.equal(r.code, 1);
  assert.equal(r.out, '');
  assert.match(r.err, new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2:5: error: .*reed`, 'm'));
});

test('usage errors exit 2 and say what was wrong', () => {
  for (const args of [[], ['frobnicate'], ['run'], ['compare', '--size', 'lots'], ['compare', '--disk', 'floppy'], ['run', 'x.iosim', '--colour']]) {
    const r = iosim(...args);
    assert.equal(r.code, 2, `iosim ${args.join(' ')}`);
    assert.match(r.err, /^iosim: /);
    assert.match(r.err, /usage:/);
  }
});

test('compare --json: the six methods with the documented fields; read+write is the baseline', () => {
  const r = iosim('compare', '--json', '--size', '64KiB', '--warm');
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.deepEqual(j.methods.map((m: { method: string }) => m.method), ['read+write', 'mmap+write', 'sendfile', 'sendfile+sg-dma', 'splice', 'direct+write']);
  for (const m of j.methods) {
    assert.deepEqual(Object.keys(m).sort(), ['contextSwitches', 'cpuBytes', 'cpuCopies', 'dmaCopies', 'method', 'simTimeNs', 'speedup', 'syscalls']);
  }
  assert.equal(j.methods[0].speedup, 1);
  assert.equal(j.methods[3].cpuCopies, 0, 'sendfile with SG-DMA copies nothing with the CPU');
});

test('compare --warm warns when the file does not fit the page cache, and says what was really cached', () => {
  // Default machine: 1 GiB of RAM; the methods' buffer takes the file's size, the page cache the rest.
  // 900 MiB: (1024 − 900) MiB / 4 KiB = 31744 pages of cache for a file of 900 MiB / 4 KiB = 230400 pages: 13.8%.
  const big = iosim('compare', '--size', '900MiB', '--warm');
  assert.equal(big.code, 0, big.err);
  assert.equal(big.err, 'iosim: warning: the 900 MiB file does not fit the page cache of the compared machine (1 GiB of RAM less the 900 MiB buffer the methods read into: 31744 pages): after the warming read 31744 of its 230400 pages were cached (13.8%), so the warm rows read the rest from the disk\n');
  // 512 MiB: 131072 pages of cache for 131072 pages of file: it fits, nothing to say.
  const fits = iosim('compare', '--size', '512MiB', '--warm');
  assert.equal(fits.code, 0, fits.err);
  assert.equal(fits.err, '');
  assert.equal(iosim('compare', '--size', '16KiB', '--warm').err, '');
});

test('messages: a usage error prints its command\'s synopsis only; page_cache_limit below 16 pages is refused; counts agree in number', () => {
  const r = iosim('run');
  assert.equal(r.code, 2);
  assert.equal(r.err, 'iosim: run needs exactly one FILE\nusage: iosim run FILE [--json] [--set KEY=VALUE]... [--profile host] [--input strace|iosim]\nsee iosim --help\n');
  const none = iosim('frobnicate');
  assert.equal(none.err, "iosim: unknown command 'frobnicate'\nusage: iosim COMMAND ... (commands: run, export, advise, record, check, calibrate, compare)\nsee iosim --help\n");
  // 4 KiB is one page: less than the 16 pages (64 KiB) the model's page cache has at least.
  const small = iosim('run', 'examples/sendfile.iosim', '--set', 'page_cache_limit=4KiB');
  assert.equal(small.code, 2);
  assert.match(small.err, /^iosim: --set page_cache_limit=4KiB: machine key 'page_cache_limit': expected at least 64KiB, got "4KiB"\n/);
  assert.match(iosim('run', 'examples/sendfile.iosim', '--set', 'ram=0').err, /expected at least 16MiB, got "0"/);
  const dir = mkdtempSync(path.join(tmpdir(), 'iosim-cli-'));
  const log = path.join(dir, 'one-bad.strace');
  writeFileSync(log, '10:00:00.000000 getpid() = 7 <0.000001>\nthis is no strace line\n');
  const one = iosim('run', log);
  assert.equal(one.code, 0, one.err);
  assert.match(one.out, /, 0 signals, 1 line skipped$/m);
});

test('formatBytes: one rule for every amount — the largest unit reached, whole or with decimals', async () => {
  const { formatBytes } = await import('../../src/machine/units');
  assert.equal(formatBytes(65555 * 1024), '64.02 MiB'); // 65555 / 1024 = 64.0186: was "65555 KiB"
  assert.equal(formatBytes(1048576 + 100), '1.00 MiB');
  assert.equal(formatBytes(3 * 1048576), '3 MiB');
  assert.equal(formatBytes(1536), '1.5 KiB');
  assert.equal(formatBytes(2048), '2 KiB');
  assert.equal(formatBytes(1023), '1023 B');
  assert.equal(formatBytes(3 * 1024 ** 3 + 1024), '3.00 GiB');
});
