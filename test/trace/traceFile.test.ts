/**
 * Exported times are whole nanoseconds printed as µs with at most 3 decimals; a slice ends where no reader sees it
 * overrun the next; the document is streamed in bounded chunks; an output that cannot be written is the user's
 * error (`cannot write PATH: CODE`), from the CLI and from the debug adapter alike.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { loadProgram } from '../../src/program/loadProgram';
import { durOf, exportChromeTrace, usOf } from '../../src/trace/export';
import { TraceWriteError, writeChromeTrace, writeChromeTraceFile } from '../../src/trace/traceFile';
import { Trace } from '../../src/trace/trace';
import { failure, Session } from '../debug/helpers';

const CLI = path.join(__dirname, '../../../dist/cli.js');
const ROOT = path.join(__dirname, '../../..');

function run(text: string): Trace {
  const loaded = loadProgram(text, 'test.iosim');
  assert.ok(loaded.spec, loaded.diagnostics.map((d) => d.message).join('\n'));
  const t = new Trace(loaded.spec);
  t.runToEnd();
  return t;
}

/** n ns as a decimal number of µs, by string arithmetic alone. */
function decimalUs(n: number): string {
  const digits = String(n).padStart(4, '0');
  const frac = digits.slice(-3).replace(/0+$/, '');
  return digits.slice(0, -3) + (frac ? `.${frac}` : '');
}

test('times print as exact µs: whole nanoseconds, at most 3 decimals', () => {
  assert.equal(JSON.stringify(usOf(32004)), '32.004');
  assert.equal(JSON.stringify(usOf(5000)), '5');
  assert.equal(JSON.stringify(usOf(1)), '0.001');
  // The float noise of the issue: 2178151.9999988377 ns is 2178152 ns.
  assert.equal(JSON.stringify(usOf(2178151.9999988377)), '2178.152');
  let seed = 12345;
  for (let k = 0; k < 20000; k++) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    const n = (seed * 4657) % 10 ** 13;
    assert.equal(JSON.stringify(usOf(n)), decimalUs(n), `${n} ns`);
  }
});

test('a slice that would overrun the next one in some reader ends a nanosecond early', () => {
  // Perfetto before 2024 truncated µs × 1000 to ns: 32.004 µs read as 32003 ns (the example).
  assert.equal(Math.trunc(32.004 * 1000), 32003);
  // [31.5, +0.504] ends at 31500 + 504 = 32004 ns in that reading, after a slice starting at 32.004 (32003 ns).
  assert.equal(Math.trunc(31.5 * 1000) + Math.trunc(0.504 * 1000), 32004);
  assert.equal(durOf(31500, 32004), 0.503);
  // From 0 the same end reads 0 + 32003 ns: no overrun, the exact duration.
  assert.equal(durOf(0, 32004), 32.004);
  // DevTools and tracerbench add in µs: 0.1 + 0.2 > 0.3 in doubles, so [100 ns, 300 ns] becomes 199 ns long.
  assert.ok(0.1 + 0.2 > 0.3);
  assert.equal(durOf(100, 300), 0.199);
  assert.equal(durOf(100, 400), 0.3);
  assert.equal(durOf(500, 500), 0);
});

test('the document is written in bounded chunks, never as one string', () => {
  // A 256 KiB cache makes every read evict and read ahead: a document of several MiB.
  const t = run('machine {\n  page_cache_limit = 256KiB\n}\nfile "/f" size 256MiB\nbuf = alloc(128KiB)\nfd = open("/f", O_RDONLY)\nrepeat 2048 {\n  read(fd, buf, 128KiB)\n}\n');
  const chunks: string[] = [];
  const n = writeChromeTrace(t, (c) => chunks.push(c));
  assert.ok(chunks.length > 3, `${chunks.length} chunks`);
  for (const c of chunks) assert.ok(c.length < (1 << 20) + 4096, `a chunk of ${c.length} characters`);
  const doc = JSON.parse(chunks.join('')) as { traceEvents: unknown[]; otherData: { operations: number } };
  assert.equal(doc.traceEvents.length, n);
  assert.equal(n, exportChromeTrace(t).traceEvents.length);
  assert.equal(doc.otherData.operations, 2050);
});

test('a file that cannot be written is a TraceWriteError naming the path and the code', () => {
  const t = run('fd = open("/x", O_RDONLY | O_CREAT)\nclose(fd)\n');
  const dir = mkdtempSync(path.join(tmpdir(), 'iosim-trace-'));
  try {
    const missing = path.join(dir, 'no-such-dir', 'out.json');
    assert.throws(() => writeChromeTraceFile(t, missing), (e: unknown) => e instanceof TraceWriteError && e.message === `cannot write ${missing}: ENOENT`);
    assert.throws(() => writeChromeTraceFile(t, dir), (e: unknown) => e instanceof TraceWriteError && e.message === `cannot write ${dir}: EISDIR`);
    const ok = path.join(dir, 'ok.json');
    assert.equal(writeChromeTraceFile(t, ok), (JSON.parse(readFileSync(ok, 'utf8')) as { traceEvents: unknown[] }).traceEvents.length);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('iosim export to an unwritable path: one line, exit 1, no stack trace', { skip: !existsSync(CLI) && 'dist/cli.js not built' }, () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'iosim-cli-'));
  try {
    mkdirSync(path.join(dir, 'examples'));
    const example = path.join(ROOT, 'examples', 'sendfile.iosim');
    const cases: [string, string][] = [['no-such-dir/out.json', 'ENOENT'], ['examples', 'EISDIR']];
    for (const [out, code] of cases) {
      const r = spawnSync(process.execPath, [CLI, 'export', example, '-o', out], { cwd: dir, encoding: 'utf8' });
      assert.equal(r.status, 1, r.stderr);
      assert.equal(r.stderr, `iosim: cannot write ${out}: ${code}\n`);
      assert.equal(r.stdout, '');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the adapter: iomachine/export and the trace launch argument report an unwritable path', async () => {
  const missing = path.join(tmpdir(), 'iosim-no-such-dir', 'out.json');
  const { s } = await Session.open('basic.iosim', { trace: missing });
  try {
    const message = await failure(s.dc.customRequest('iomachine/export', { path: missing }));
    assert.equal(message, `cannot write ${missing}: ENOENT`);
    await s.dc.disconnectRequest({});
    assert.match(s.output('stderr'), new RegExp(`could not write the trace: cannot write ${missing.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: ENOENT`));
    assert.doesNotMatch(s.output(), /internal error|\n\s+at /);
  } finally {
    await s.close();
  }
});
