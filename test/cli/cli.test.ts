/** The iosim command line as a person and other tools meet it: output, --json field names, exit status. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
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

test('run --json has exactly the documented fields', () => {
  const r = iosim('run', 'examples/read-write.iosim', '--json');
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.deepEqual(Object.keys(j).sort(), ['events', 'operations', 'pageCache', 'totals']);
  for (const k of ['syscalls', 'contextSwitches', 'cpuCopies', 'dmaCopies', 'cpuBytes', 'dmaBytes', 'pageCacheHits', 'pageCacheMisses', 'evictions', 'dmaInterrupts', 'pageFaults', 'writebackPages', 'simTimeNs']) {
    assert.equal(typeof j.totals[k], 'number', `totals.${k}`);
  }
  const op = j.operations.find((o: { name: string }) => o.name === 'read');
  // A scenario's operations carry exactly these; a strace log's add the recorded facts.
  assert.deepEqual(Object.keys(op).sort(), ['contextSwitches', 'cpuBytes', 'cpuCopies', 'dmaBytes', 'dmaCopies', 'endNs', 'errno', 'line', 'name', 'pageFaults', 'result', 'startNs']);
  assert.equal(op.errno, null);
  for (const k of ['capacityPages', 'pages', 'dirty', 'writeback', 'active', 'inactive', 'files']) assert.ok(k in j.pageCache, `pageCache.${k}`);
  assert.deepEqual(Object.keys(Object.values(j.pageCache.files)[0] as object).sort(), ['cached', 'dirty', 'writeback']);
  assert.equal(typeof j.events, 'number');
  assert.ok(j.events > 0);
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
