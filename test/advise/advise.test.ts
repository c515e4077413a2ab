/**
 * `iosim advise` on logs recorded here (test/fixtures/advise/README.md says how): the loops it finds are the log's
 * own (lines, ends, bytes, -T times read from the text here), and the rewritten loops cost what the article's table
 * says per call, worked out by hand below. Speed-ups are the model's: reported, not asserted.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { loadScenario } from '../../src/program/load';
import { loadStrace, loadStraceFile } from '../../src/program/strace/load';
import { advise, type AdviceReport, type AlternativeAdvice, type LoopAdvice } from '../../src/trace/advise/advise';
import { headline, pace } from '../../src/trace/advise/headline';

const ROOT = path.join(__dirname, '../../..');
const DIR = path.join(ROOT, 'test/fixtures/advise');
const CLI = path.join(ROOT, 'dist/cli.js');

function adviseFixture(name: string, overrides?: Record<string, string | number>): AdviceReport {
  const loaded = loadStraceFile(path.join(DIR, name), overrides);
  assert.ok(loaded.spec, `${name} did not load`);
  try {
    const r = advise(loaded.spec);
    // Every rewrite leaves the rest of the log as it was: no call fails that did not, or succeeds that failed.
    assert.deepEqual(r.disturbed, {}, `${name}: rewrites disturbed the rest of the log`);
    return r;
  } finally {
    loaded.spec.close?.();
  }
}

/** The log's lines [first, last] (1-based) as text. */
function logLines(name: string, first: number, last: number): string[] {
  return readFileSync(path.join(DIR, name), 'utf8').split('\n').slice(first - 1, last);
}

/** The -T times (ns) of the lines that match `re`. */
function recordedNs(lines: string[], re: RegExp): number {
  let ns = 0;
  for (const l of lines) {
    if (!re.test(l)) continue;
    const m = /<(\d+)\.(\d{6})>$/.exec(l);
    assert.ok(m, `no -T time on ${l.slice(0, 80)}`);
    ns += Number(m[1]) * 1e9 + Number(m[2]) * 1e3;
  }
  return ns;
}

function alt(l: LoopAdvice, method: string): AlternativeAdvice {
  const a = l.alternatives.find((x) => x.method === method);
  assert.ok(a, `no ${method} among ${l.alternatives.map((x) => x.method).join(', ')}`);
  return a;
}

/** The counts of a row of the article's table: [calls, switches, DMA copies, CPU copies, CPU bytes]. */
function counts(r: { syscalls: number; contextSwitches: number; dmaCopies: number; cpuCopies: number; cpuBytes: number }): number[] {
  return [r.syscalls, r.contextSwitches, r.dmaCopies, r.cpuCopies, r.cpuBytes];
}

test('a Python server reading 4 KiB and sendto-ing it: one loop, the log\'s lines, ends, bytes and -T time', () => {
  const r = adviseFixture('tiny.strace');
  assert.equal(r.loops.length, 1);
  const l = r.loops[0];
  // Lines 494-525 are 16 read(5</tmp/advise/small.bin>) + sendto(4<TCP...>) pairs, line 526 the read that returns 0.
  const lines = logLines('tiny.strace', 494, 526);
  assert.equal(lines.filter((s) => / read\(5<\/tmp\/advise\/small\.bin>, .*\) = 4096 </.test(s)).length, 16);
  assert.equal(lines.filter((s) => / sendto\(4<TCP:.*\) = 4096 </.test(s)).length, 16);
  assert.match(lines[32], / read\(5<\/tmp\/advise\/small\.bin>, "", 4096\) = 0 </);
  assert.deepEqual([l.firstLine, l.lastLine], [494, 526]);
  assert.equal(l.source, '/tmp/advise/small.bin');
  assert.equal(l.sink, 'TCP:[127.0.0.1:8767->127.0.0.1:59332]');
  assert.deepEqual([l.method, l.pairs, l.bytes, l.calls], ['read+write', 16, 65536, 33]);
  assert.equal(l.recordedNs, recordedNs(lines, / (read|sendto)\(/));
  assert.deepEqual(r.zeroCopy, []);
  assert.match(r.assumption, /assumes the bytes pass through unchanged/);
});

test('the rewritten loops cost what the article\'s table says, per call (readahead off: one disk DMA a 4 KiB page)', () => {
  // With read_ahead_kb = 0 each 4 KiB read (or page fault) of the cold file is one disk request: one DMA copy. Every
  // send of 4 KiB is one DMA copy to the NIC. 16 pairs, then the read that finds the end (2 switches, no copy).
  const r = adviseFixture('tiny.strace', { read_ahead_kb: 0 });
  const l = r.loops[0];
  const N = 16;
  const B = 4096;
  // read+write: per pair 2 calls, 4 switches, 2 DMA (disk → page cache, socket buffer → NIC), 2 CPU copies.
  assert.deepEqual(counts(l), [2 * N + 1, 4 * N + 2, 2 * N, 2 * N, 2 * N * B]);
  // sendfile (plain NIC): per call 2 switches, 2 DMA, 1 CPU copy (page cache → socket buffer); then sendfile = 0.
  assert.deepEqual(counts(alt(l, 'sendfile')), [N + 1, 2 * N + 2, 2 * N, N, N * B]);
  // sendfile with an SG-DMA NIC: 2 switches, 2 DMA (the NIC gathers from the page cache), no CPU copy.
  assert.deepEqual(counts(alt(l, 'sendfile+sg-dma')), [N + 1, 2 * N + 2, 2 * N, 0, 0]);
  // splice file → pipe → socket (model-spec §2): per pair 2 calls, 4 switches, 2 DMA, 0 CPU; then splice = 0.
  assert.deepEqual(counts(alt(l, 'splice')), [2 * N + 1, 4 * N + 2, 2 * N, 0, 0]);
  // mmap + write: one mmap for the file (2 switches), then per write 2 switches (its page faults are in the kernel:
  // no switch), 2 DMA (the fault's disk read, the NIC), 1 CPU copy. For one pair that is the article's 4 and 3.
  assert.deepEqual(counts(alt(l, 'mmap+write')), [1 + N, 2 + 2 * N, 2 * N, N, N * B]);
  // O_DIRECT read + write: 4 switches, 2 DMA (disk → user buffer, NIC), 1 CPU copy (user → socket buffer).
  assert.deepEqual(counts(alt(l, 'direct+write')), [2 * N + 1, 4 * N + 2, 2 * N, N, N * B]);
  // O_DIRECT reads by io_submit, one chunk ahead, and io_getevents: per pair 3 calls, 6 switches, 2 DMA, 1 CPU copy.
  // The end of the file needs no call: the program submits only the chunks it knows are there.
  assert.deepEqual(counts(alt(l, 'direct+aio')), [3 * N, 6 * N, 2 * N, N, N * B]);
  // O_DIRECT leaves the file out of the page cache; the others leave its 16 pages cached.
  assert.equal(alt(l, 'direct+write').pageCache.sourcePages, 0);
  assert.equal(alt(l, 'sendfile').pageCache.sourcePages, 16);
  assert.equal(l.pageCache.sourcePages, 16);
  for (const a of l.alternatives) assert.ok(a.speedup > 0 && a.simTimeNs > 0, a.method);
});

test('http.server: two requests, two loops of 16 read(65536)+sendto, each advised sendfile', () => {
  const r = adviseFixture('http.strace');
  assert.equal(r.loops.length, 2);
  const text = readFileSync(path.join(DIR, 'http.strace'), 'utf8').split('\n');
  for (const l of r.loops) {
    assert.deepEqual([l.method, l.pairs, l.bytes, l.calls, l.source], ['read+write', 16, 1048576, 33, '/tmp/advise/page.bin']);
    assert.match(l.sink, /^TCP:\[127\.0\.0\.1:8768->127\.0\.0\.1:\d+\]$/);
    assert.match(text[l.firstLine - 1], / read\(5<\/tmp\/advise\/page\.bin>, .*, 65536\) = 65536 </);
    assert.match(text[l.lastLine - 1], / read\(5<\/tmp\/advise\/page\.bin>, "", 65536\) = 0 </);
    assert.deepEqual(l.alternatives.map((a) => a.method), ['sendfile', 'sendfile+sg-dma', 'splice', 'mmap+write', 'direct+write', 'direct+aio']);
    // Whatever the disk did, the CPU copies are the article's: 2 a pair, 1 a sendfile, none with SG-DMA or splice.
    assert.equal(l.cpuCopies, 32);
    assert.deepEqual(['sendfile', 'sendfile+sg-dma', 'splice', 'mmap+write'].map((m) => alt(l, m).cpuCopies), [16, 0, 0, 16]);
    assert.equal(alt(l, 'sendfile').contextSwitches, 34);
    assert.match(headline(l), /^16 read\+write pairs → [a-z+-]+: −\d+ CPU copies, this loop (\d+\.\d\d× (faster|slower)|about the same time), the run (\d+\.\d\d× faster|about the same time) \(model\)$/);
  }
  // One thread a request (ThreadingHTTPServer): the loops run on two threads.
  assert.notEqual(r.loops[0].thread, r.loops[1].thread);
});

test('cp: copy_file_range is already zero-copy; no loop', () => {
  const r = adviseFixture('cp.strace');
  assert.deepEqual(r.loops, []);
  // Lines 162 and 163: copy_file_range(3</tmp/advise/page.bin>, NULL, 4</tmp/advise/page-copy.bin>, ...) = 1048576, then = 0.
  assert.match(logLines('cp.strace', 162, 162)[0], /copy_file_range\(3<\/tmp\/advise\/page\.bin>, NULL, 4<\/tmp\/advise\/page-copy\.bin>.*= 1048576 </);
  assert.deepEqual(r.zeroCopy, [{ line: 162, method: 'copy_file_range', bytes: 1048576 }, { line: 163, method: 'copy_file_range', bytes: 0 }]);
});

test('cat page.bin | cat > /dev/null: the file → pipe loop is advised splice; the pipe → /dev/null loop only shown', () => {
  const r = adviseFixture('pipe.strace');
  assert.equal(r.loops.length, 2);
  const [toPipe, toNull] = r.loops;
  assert.deepEqual([toPipe.source, toPipe.sinkKind, toPipe.pairs, toPipe.bytes], ['/tmp/advise/page.bin', 'pipe', 8, 1048576]);
  // 8 reads of 131072 + 8 writes into the pipe + the read at the end: with splice, 8 + 1 splices, no CPU copy.
  assert.deepEqual(counts(toPipe), [17, 34, toPipe.dmaCopies, 16, 2 * 1048576]);
  const sp = alt(toPipe, 'splice');
  assert.deepEqual([sp.syscalls, sp.contextSwitches, sp.cpuCopies, sp.cpuBytes], [9, 18, 0, 0]);
  assert.deepEqual([toNull.sourceKind, toNull.sink, toNull.bytes], ['pipe', '/dev/null<char 1:3>', 1048576]);
  assert.deepEqual(toNull.alternatives, []);
  assert.match(toNull.note ?? '', /does not simulate writing \/dev\/null/);
});

test('sha256sum reads only: no loop, and the command line says so', () => {
  assert.deepEqual(adviseFixture('noloop.strace').loops, []);
  const out = spawnSync(process.execPath, [CLI, 'advise', path.join(DIR, 'noloop.strace')], { encoding: 'utf8' });
  assert.equal(out.status, 0, out.stderr);
  assert.match(out.stdout, /no transfer loop found/);
});

test('iosim advise --json has the issue\'s shape; --vary runs once per value; bad --vary is a usage error', () => {
  const log = path.join(DIR, 'tiny.strace');
  const r = spawnSync(process.execPath, [CLI, 'advise', log, '--json'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout) as AdviceReport;
  for (const k of ['firstLine', 'lastLine', 'source', 'sink', 'bytes', 'calls', 'method', 'alternatives']) assert.ok(k in j.loops[0], k);
  assert.deepEqual(Object.keys(j.loops[0].alternatives[0]).filter((k) => ['method', 'syscalls', 'contextSwitches', 'dmaCopies', 'cpuCopies', 'cpuBytes', 'simTimeNs', 'speedup'].includes(k)).length, 8);
  assert.ok(Array.isArray(j.zeroCopy));
  const v = spawnSync(process.execPath, [CLI, 'advise', log, '--json', '--vary', 'read_ahead_kb=0,128'], { encoding: 'utf8' });
  assert.equal(v.status, 0, v.stderr);
  const vj = JSON.parse(v.stdout) as { vary: { key: string; values: string[] }; runs: { value: string; report: AdviceReport }[] };
  assert.deepEqual(vj.vary, { key: 'read_ahead_kb', values: ['0', '128'] });
  assert.deepEqual(vj.runs.map((x) => x.value), ['0', '128']);
  // Readahead off: one disk DMA a page; on: fewer (the file comes in larger requests).
  assert.equal(vj.runs[0].report.loops[0].dmaCopies, 32);
  assert.ok(vj.runs[1].report.loops[0].dmaCopies < 32);
  const text = spawnSync(process.execPath, [CLI, 'advise', log, '--vary', 'read_ahead_kb=0,128'], { encoding: 'utf8' });
  assert.match(text.stdout, /read_ahead_kb=0\s+read_ahead_kb=128/);
  const bad = spawnSync(process.execPath, [CLI, 'advise', log, '--vary', 'read_ahead_kb'], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--vary: expected KEY=V1,V2/);
  const badKey = spawnSync(process.execPath, [CLI, 'advise', log, '--vary', 'read_ahed_kb=1,2'], { encoding: 'utf8' });
  assert.equal(badKey.status, 2);
  assert.match(badKey.stderr, /read_ahed_kb/);
});

test('a scenario that writes a file mapping to a socket: mmap+write loops, advised sendfile (not mmap again)', () => {
  const file = path.join(ROOT, 'examples/mmap-write.iosim');
  const loaded = loadScenario(readFileSync(file, 'utf8'), file);
  assert.ok(loaded.spec);
  const r = advise(loaded.spec);
  assert.ok(r.loops.length >= 1);
  for (const l of r.loops) {
    assert.equal(l.method, 'mmap+write');
    assert.equal(l.sinkKind, 'socket');
    assert.deepEqual(l.alternatives.map((a) => a.method), ['sendfile', 'sendfile+sg-dma']);
    // A write from the mapping copies once (page cache → socket buffer); sendfile with SG-DMA not at all.
    assert.equal(l.cpuCopies, l.pairs);
    assert.equal(alt(l, 'sendfile+sg-dma').cpuCopies, 0);
  }
  assert.deepEqual(r.disturbed, {});
});

test('the README\'s sample of iosim advise is what it prints (the counts; times and DMA follow the model)', () => {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const at = readme.indexOf('$ iosim advise test/fixtures/advise/http.strace\n');
  assert.ok(at > 0, 'the sample is in the README');
  const r = spawnSync(process.execPath, [CLI, 'advise', 'test/fixtures/advise/http.strace'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  // A table row: method, syscalls, switches, (DMA copies), CPU copies, CPU bytes — the columns the readahead and
  // latency models do not move.
  const rows = (text: string) => text.split('\n').filter((l) => /^ {2}[a-z+_-]+( \(log\))? +[\d,]+ +[\d,]+ /.test(l)).map((l) => {
    const c = l.trim().split(/ {2,}/);
    return [c[0], c[1], c[2], c[4], c[5]].join(' | ');
  });
  const sample = rows(readme.slice(at, readme.indexOf('```', at)));
  assert.equal(sample.length, 7, 'the loop as logged and six methods');
  const printed = rows(r.stdout);
  for (const row of sample) assert.ok(printed.includes(row), `the README shows a row iosim advise does not print: ${row}`);
  assert.ok(r.stdout.includes(readme.slice(at).split('\n')[1]), 'the loop\'s first line');
});

test('the headline says faster, slower or about the same from the model\'s speed-up', () => {
  assert.equal(pace(1.9), '1.90× faster');
  assert.equal(pace(0.5), '2.00× slower');
  assert.equal(pace(1.004), 'about the same time');
  assert.equal(pace(0.995), 'about the same time');
});

/** A log written here to exercise the loop finder's rules (numbers chosen by hand, not recorded). */
const EVENT_LOOP = `100 10:00:00.000100 socket(AF_INET, SOCK_STREAM, IPPROTO_TCP) = 5<TCP:[1]> <0.000010>
100 10:00:00.000200 socket(AF_INET, SOCK_STREAM, IPPROTO_TCP) = 6<TCP:[2]> <0.000010>
100 10:00:00.000300 openat(AT_FDCWD, "/srv/a.bin", O_RDONLY) = 3</srv/a.bin> <0.000010>
100 10:00:00.000400 openat(AT_FDCWD, "/srv/b.bin", O_RDONLY) = 4</srv/b.bin> <0.000010>
100 10:00:00.001000 read(3</srv/a.bin>, "..."..., 8192) = 8192 <0.000010>
100 10:00:00.001100 write(2</dev/pts/0>, "sending a\\n", 10) = 10 <0.000010>
100 10:00:00.001200 sendto(5<TCP:[1]>, "..."..., 8192, 0, NULL, 0) = 8192 <0.000010>
100 10:00:00.002000 read(4</srv/b.bin>, "..."..., 8192) = 8192 <0.000010>
100 10:00:00.002100 sendto(6<TCP:[2]>, "..."..., 8192, 0, NULL, 0) = 4096 <0.000010>
100 10:00:00.002200 sendto(6<TCP:[2]>, "..."..., 4096, 0, NULL, 0) = 4096 <0.000010>
100 10:00:00.003000 read(3</srv/a.bin>, "..."..., 8192) = 8192 <0.000010>
100 10:00:00.003100 sendto(5<TCP:[1]>, "..."..., 8192, 0, NULL, 0) = 8192 <0.000010>
100 10:00:00.004000 read(4</srv/b.bin>, "..."..., 8192) = 8192 <0.000010>
100 10:00:00.004100 sendto(6<TCP:[2]>, "..."..., 8192, 0, NULL, 0) = 8192 <0.000010>
100 10:00:00.005000 read(3</srv/a.bin>, "", 8192) = 0 <0.000010>
100 10:00:00.005100 close(3</srv/a.bin>) = 0 <0.000010>
100 10:00:00.006000 read(4</srv/b.bin>, "..."..., 8192) = 8192 <0.000010>
100 10:00:00.006100 sendto(6<TCP:[2]>, "..."..., 8192, 0, NULL, 0) = 8192 <0.000010>
100 10:00:00.006200 close(4</srv/b.bin>) = 0 <0.000010>
`;

test('an event loop serving two clients by turns: two loops, a log line and a partial send do not break them', () => {
  const loaded = loadStrace(EVENT_LOOP, 'event-loop.strace');
  assert.ok(loaded.spec);
  const r = advise(loaded.spec);
  assert.equal(r.loops.length, 2);
  const [a, b] = r.loops;
  // a.bin → TCP:[1]: lines 5, 7 (the write to fd 2 on line 6 is a log line, not the pair's), 11, 12, and 15 (end of file).
  assert.deepEqual([a.source, a.sink, a.pairs, a.bytes, a.firstLine, a.lastLine, a.calls], ['/srv/a.bin', 'TCP:[1]', 2, 16384, 5, 15, 5]);
  // b.bin → TCP:[2]: its first 8192 bytes went out in two sends (lines 9 and 10); three pairs; closed on line 19.
  assert.deepEqual([b.source, b.sink, b.pairs, b.bytes, b.firstLine, b.lastLine, b.calls], ['/srv/b.bin', 'TCP:[2]', 3, 24576, 8, 18, 7]);
  // With sendfile each pair is one call (and a.bin's end one more): 2 + 1 and 3.
  assert.deepEqual([alt(a, 'sendfile').syscalls, alt(b, 'sendfile').syscalls], [3, 3]);
  assert.deepEqual(r.disturbed, {});
});

test('the loop as logged costs what iosim run shows for the same lines', () => {
  const log = path.join(DIR, 'http.strace');
  const run = spawnSync(process.execPath, [CLI, 'run', log, '--json'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  assert.equal(run.status, 0, run.stderr);
  const ops = (JSON.parse(run.stdout) as { operations: { line: number; name: string; contextSwitches: number; cpuCopies: number; dmaCopies: number; cpuBytes: number; startNs: number; endNs: number }[] }).operations;
  for (const l of adviseFixture('http.strace').loops) {
    // The loop's lines hold its calls and, between them, nothing of its thread but the buffer's allocation.
    const mine = ops.filter((o) => o.line >= l.firstLine && o.line <= l.lastLine && o.name !== 'alloc' && (o.name === 'read' || o.name === 'write'));
    assert.equal(mine.length, l.calls);
    const sum = (f: (o: (typeof mine)[number]) => number) => mine.reduce((a, o) => a + f(o), 0);
    assert.deepEqual(
      [l.contextSwitches, l.cpuCopies, l.dmaCopies, l.cpuBytes, l.simTimeNs],
      [sum((o) => o.contextSwitches), sum((o) => o.cpuCopies), sum((o) => o.dmaCopies), sum((o) => o.cpuBytes), sum((o) => o.endNs - o.startNs)],
    );
  }
});

test('dd from a file to a file: copy_file_range is among the methods, one call and one CPU copy a chunk', () => {
  const r = adviseFixture('dd.strace');
  assert.equal(r.loops.length, 1);
  const l = r.loops[0];
  assert.deepEqual([l.source, l.sink, l.sinkKind, l.pairs, l.bytes, l.calls], ['/tmp/advise/page.bin', '/tmp/advise/dd-out.bin', 'file', 16, 1048576, 33]);
  assert.deepEqual(l.alternatives.map((a) => a.method), ['sendfile', 'splice', 'mmap+write', 'copy_file_range', 'direct+write', 'direct+aio']);
  const N = 16;
  const B = 65536;
  // copy_file_range without shared extents is do_splice_direct: page cache → page cache, one CPU copy, 2 switches;
  // the disk reads are the same as the loop's (the readahead), the writes stay dirty in the page cache.
  const c = alt(l, 'copy_file_range');
  assert.deepEqual([c.syscalls, c.contextSwitches, c.dmaCopies, c.cpuCopies, c.cpuBytes], [N + 1, 2 * N + 2, l.dmaCopies, N, N * B]);
  // splice into a file copies once too (pipe → page cache): only the user buffer's copy is saved.
  assert.deepEqual([alt(l, 'splice').cpuCopies, l.cpuCopies], [N, 2 * N]);
});

test('a loop of 70,000 read/write pairs (140,000 lines): advise reports its first and last line instead of overflowing the stack', () => {
  // dd if=/dev/zero of=/tmp/out.bin bs=4k count=70000, in strace -tt -T -y form: two opens, then pair k's read at
  // line 3 + 2k and its write at line 4 + 2k, so the loop spans lines 3 to 2 + 2 * 70,000. The line numbers used to be
  // reduced with Math.min(...lines), which throws RangeError past about 120,000 arguments.
  const pairs = 70_000;
  const ts = (i: number) => `10:00:${String(Math.floor(i / 1e6) % 60).padStart(2, '0')}.${String(i % 1e6).padStart(6, '0')}`;
  const lines = [
    `1000 ${ts(0)} openat(AT_FDCWD, "/dev/zero", O_RDONLY) = 3</dev/zero> <0.000010>`,
    `1000 ${ts(20)} openat(AT_FDCWD, "/tmp/out.bin", O_WRONLY|O_CREAT|O_TRUNC, 0644) = 4</tmp/out.bin> <0.000010>`,
  ];
  for (let k = 0; k < pairs; k++) {
    lines.push(`1000 ${ts(40 + 10 * k)} read(3</dev/zero>, "\\0\\0\\0\\0"..., 4096) = 4096 <0.000003>`);
    lines.push(`1000 ${ts(45 + 10 * k)} write(4</tmp/out.bin>, "\\0\\0\\0\\0"..., 4096) = 4096 <0.000003>`);
  }
  const loaded = loadStrace(lines.join('\n') + '\n', 'dd-70k.strace');
  assert.ok(loaded.spec);
  const r = advise(loaded.spec);
  assert.equal(r.loops.length, 1);
  assert.equal(r.loops[0].firstLine, 3);
  assert.equal(r.loops[0].lastLine, 2 + 2 * pairs);
  assert.equal(r.loops[0].pairs, pairs);
  assert.equal(r.loops[0].bytes, pairs * 4096);
});
