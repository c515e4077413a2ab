/**
 * Issue 11, kind 3: a strace log is known by its content, whatever its name (strace.out, trace.log, the trace.PID
 * files of strace -ff), in the CLI, the debug adapter's loader and the extension's language detection.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { formatOf, loadProgramFile } from '../../src/program/loadProgram';
import { looksLikeStrace } from '../../src/program/strace/sniff';
import type { StraceLoaded } from '../../src/program/strace/load';
import { EXAMPLES } from './helpers';
import { realworld, REALWORLD } from './realworld';

const ROOT = path.join(__dirname, '../../..');
const CLI = path.join(ROOT, 'dist/cli.js');

function inTmp<T>(f: (dir: string) => T): T {
  const dir = mkdtempSync(path.join(tmpdir(), 'iosim-names-'));
  try {
    return f(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('case 06 saved as strace.out and trace.12345: replayed as the log it is, by the CLI and the loader', { skip: !existsSync(CLI) && 'dist/cli.js not built' }, () => {
  inTmp((dir) => {
    for (const name of ['strace.out', 'trace.12345', 'trace.log']) {
      const p = path.join(dir, name);
      copyFileSync(realworld('06-log-not-named-strace.strace'), p);
      const run = spawnSync(process.execPath, [CLI, 'run', p], { encoding: 'utf8' });
      assert.equal(run.status, 0, run.stderr);
      assert.equal(run.stderr, '', `${name}: no diagnostics`);
      // The log's three calls, as the log has them: the open of /tmp/gcc is 4, the copy fails with EXDEV.
      assert.match(run.stdout, /^ +2 {2}openat\(AT_FDCWD, "\/tmp\/gcc", O_RDWR\|O_CREAT\|O_TRUNC, 0100755\) = 4 /m);
      assert.match(run.stdout, /^ +3 {2}copy_file_range\(3, NULL, 4, NULL, 1073741824, 0\) = -1 EXDEV \(Invalid cross-device link\) .*\(not modeled\)$/m);
      const loaded = loadProgramFile(p) as StraceLoaded;
      assert.equal(loaded.strace.syscalls, 3, name);
      assert.deepEqual(loaded.diagnostics, []);
    }
    // --input forces a reader: as a scenario the log is an error per line.
    const forced = spawnSync(process.execPath, [CLI, 'run', '--input', 'iosim', path.join(dir, 'strace.out')], { encoding: 'utf8' });
    assert.equal(forced.status, 1);
    assert.match(forced.stderr, /strace\.out:1:1: error: unknown operation 'openat'/);
    const bad = spawnSync(process.execPath, [CLI, 'run', '--input', 'pcap', path.join(dir, 'strace.out')], { encoding: 'utf8' });
    assert.equal(bad.status, 2);
  });
});

test('k3: a real strace -o strace.out and the three trace.PID files of strace -ff replay as logs', () => {
  const dir = path.join(REALWORLD, 'k3');
  const logs = readdirSync(dir).filter((f) => !f.endsWith('.cmd')).sort();
  assert.equal(logs.length, 4);
  for (const f of logs) {
    assert.equal(formatOf(path.join(dir, f), () => readFileSync(path.join(dir, f), 'utf8')), 'strace', f);
    const loaded = loadProgramFile(path.join(dir, f)) as StraceLoaded;
    assert.ok(loaded.spec, f);
    assert.ok(loaded.strace.syscalls > 10, f);
    assert.equal(loaded.strace.badLines, 0, f);
  }
});

test('the extension\'s language detection: firstLine matches each log\'s first line, no scenario\'s', () => {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { contributes: { languages: { id: string; firstLine?: string; filenames?: string[] }[] } };
  const lang = pkg.contributes.languages.find((l) => l.id === 'strace')!;
  assert.ok(lang.firstLine);
  assert.ok(lang.filenames?.includes('strace.out'));
  const first = new RegExp(lang.firstLine);
  const firstLine = (p: string) => readFileSync(p, 'utf8').split('\n')[0];
  const logs = [
    ...readdirSync(REALWORLD).filter((f) => f.endsWith('.strace')).map((f) => path.join(REALWORLD, f)),
    ...readdirSync(path.join(REALWORLD, 'k3')).filter((f) => !f.endsWith('.cmd')).map((f) => path.join(REALWORLD, 'k3', f)),
  ];
  for (const p of logs) assert.match(firstLine(p), first, path.basename(p));
  for (const f of readdirSync(EXAMPLES).filter((x) => x.endsWith('.iosim'))) assert.doesNotMatch(firstLine(path.join(EXAMPLES, f)), first, f);
});

test('looksLikeStrace: every real log is strace output, no example scenario is', () => {
  for (const f of readdirSync(REALWORLD).filter((x) => x.endsWith('.strace'))) assert.ok(looksLikeStrace(readFileSync(realworld(f), 'utf8')), f);
  for (const f of readdirSync(EXAMPLES).filter((x) => x.endsWith('.iosim'))) assert.ok(!looksLikeStrace(readFileSync(path.join(EXAMPLES, f), 'utf8')), f);
  assert.ok(!looksLikeStrace(''));
  assert.ok(!looksLikeStrace('# notes\nfd = open("/x")\nread(fd, buf, 4KiB)\n'));
});
