/**
 * The golden check: every example, test scenario and strace fixture gives exactly the output it gave when its golden
 * file was recorded — `iosim run --json` and `iosim run` byte for byte, and the page cache after every operation
 * (each page's file, index, flags and mapcount, in LRU order).
 *
 * A change that means to alter what the model does regenerates the goldens with `npm run golden:update` and says in
 * its commit which figures moved and why; a change that means to keep behaviour (a refactor, a faster structure)
 * must leave every golden file untouched.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { loadProgramFile } from '../../src/program/loadProgram';
import { Trace } from '../../src/trace/trace';
import { pageDigest } from './pages';

/** From out/test/golden/ (compiled) back to the project root. */
const ROOT = path.join(__dirname, '../../..');
const GOLDEN = path.join(ROOT, 'test/golden/outputs');
const CLI = path.join(ROOT, 'dist/cli.js');
const UPDATE = process.env.GOLDEN_UPDATE === '1';

/** Programs that do not load (bad.iosim) or whose per-operation output is too large to keep (long.iosim, hits.iosim). */
const SKIP = new Set(['test/debug/fixtures/bad.iosim', 'test/debug/fixtures/long.iosim', 'test/debug/fixtures/hits.iosim']);

function inputs(): string[] {
  const dirs: [string, RegExp][] = [
    ['examples', /\.iosim$/],
    ['test/debug/fixtures', /\.iosim$/],
    ['test/fixtures/strace', /\.strace$/],
    ['test/fixtures/realworld', /\.strace$/],
  ];
  const out: string[] = [];
  for (const [dir, re] of dirs) {
    const abs = path.join(ROOT, dir);
    if (!existsSync(abs)) continue;
    for (const f of readdirSync(abs).sort()) {
      const rel = `${dir}/${f}`;
      if (re.test(f) && !SKIP.has(rel)) out.push(rel);
    }
  }
  return out;
}

function goldenName(rel: string): string {
  return rel.replace(/[/\\]/g, '__');
}

function cli(args: string[]): { stdout: string; stderr: string; status: number | null } {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

/** One digest of the page cache after each operation (and one after the end), in the order they ran. */
function pageDigests(rel: string): string[] {
  const loaded = loadProgramFile(path.join(ROOT, rel));
  assert.ok(loaded.spec, `${rel} did not load`);
  const trace = new Trace(loaded.spec);
  const out: string[] = [];
  while (trace.step() >= 0) out.push(pageDigest(trace.machine));
  out.push(pageDigest(trace.machine));
  return out;
}

function check(file: string, actual: string, what: string): void {
  const p = path.join(GOLDEN, file);
  if (UPDATE) {
    writeFileSync(p, actual);
    return;
  }
  assert.ok(existsSync(p), `no golden file ${file}: run npm run golden:update`);
  const expected = readFileSync(p, 'utf8');
  if (actual === expected) return;
  const a = actual.split('\n');
  const e = expected.split('\n');
  let i = 0;
  while (i < a.length && i < e.length && a[i] === e[i]) i++;
  assert.fail(`${what} differs from ${file} at line ${i + 1}:\n  golden: ${e[i]}\n  now:    ${a[i]}`);
}

if (UPDATE) mkdirSync(GOLDEN, { recursive: true });

for (const rel of inputs()) {
  const name = goldenName(rel);
  test(`golden: ${rel}`, () => {
    const json = cli(['run', rel, '--json']);
    assert.equal(json.status, 0, `iosim run --json ${rel} exited ${json.status}: ${json.stderr}`);
    check(`${name}.json`, json.stdout, `iosim run --json ${rel}`);
    const text = cli(['run', rel]);
    assert.equal(text.status, 0, `iosim run ${rel} exited ${text.status}: ${text.stderr}`);
    check(`${name}.txt`, text.stdout + (text.stderr ? `--- stderr\n${text.stderr}` : ''), `iosim run ${rel}`);
    check(`${name}.pages`, pageDigests(rel).join('\n') + '\n', `page cache after each operation of ${rel}`);
  });
}
