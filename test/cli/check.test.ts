/** iosim check as a person meets it: a file the run created is compared, a check that compared nothing says so, the
 * log is refused before its host record when it is no regular file, and --set/--profile apply as in run. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import type { HostFile, HostRecord } from '../../src/program/hostRecord';

const CLI = path.join(__dirname, '../../../dist/cli.js');
function iosim(...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** A log that creates /data/new.bin and writes 20 KiB (5 pages) into it, with a host record of `files`. */
function recorded(files: HostFile[]): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'iosim-check-'));
  const log = path.join(dir, 'w.strace');
  writeFileSync(log,
    '7 10:00:00.000001 openat(AT_FDCWD, "/data/new.bin", O_WRONLY|O_CREAT|O_TRUNC, 0644) = 3</data/new.bin> <0.000010>\n' +
    '7 10:00:00.000002 write(3</data/new.bin>, ""..., 20480) = 20480 <0.000020>\n' +
    '7 10:00:00.000003 close(3</data/new.bin>) = 0 <0.000005>\n');
  const rec: HostRecord = {
    version: 1, command: ['dd'], recordedAt: '2026-11-29T00:00:00Z',
    kernel: { release: '6.18.0', profile: '6.18' }, fs: { type: 'ext4', source: '/dev/vda', mount: '/' },
    profile: { name: 'host', device: { name: 'vda', under: '/data/new.bin' }, values: [], notes: [] },
    files,
  };
  writeFileSync(`${log}.host.json`, JSON.stringify(rec));
  return log;
}

test('check: a watched file the command created (absent before) is compared, real after-residency against the model\'s', () => {
  // Real: pages 0–2 resident after the run; model: the 5 pages the write dirtied (0–4). Common 3, either 5: 60%.
  const log = recorded([{ path: '/data/new.bin', before: null, absentBefore: true, after: { size: 20480, pages: 3, runs: [[0, 2]] }, why: ['watch', 'log'] }]);
  const j = iosim('check', log, '--json');
  assert.equal(j.code, 0, j.err);
  const doc = JSON.parse(j.out);
  assert.equal(doc.files.length, 1);
  assert.equal(doc.files[0].realPages, 3);
  assert.equal(doc.files[0].modelPages, 5);
  assert.deepEqual(doc.files[0].onlyModel, [[3, 4]]);
  assert.equal(doc.matchedPages, 3);
  assert.equal(doc.score, 0.6);
  const t = iosim('check', log);
  assert.match(t.out, /^\/data\/new\.bin: real 3 pages, model 5 \(5 dirty in the model/m);
  assert.match(t.out, /^matched pages 3, score 60\.0%$/m);
});

test('check: nothing measured before the run is no 100% — no score, null in --json, and a message', () => {
  const log = recorded([{ path: '/data/new.bin', before: null, after: { size: 20480, pages: 5, runs: [[0, 4]] }, why: ['log'] }]);
  const j = iosim('check', log, '--json');
  assert.equal(j.code, 0, j.err);
  const doc = JSON.parse(j.out);
  assert.deepEqual(doc.files, []);
  assert.equal(doc.score, null);
  const t = iosim('check', log);
  assert.match(t.out, /^nothing compared: .*no score$/m);
  assert.doesNotMatch(t.out, /score \d/);
});

test('check: a directory or a missing path is refused as the log, before any host record is looked for', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'iosim-check-'));
  const d = iosim('check', dir);
  assert.equal(d.code, 1);
  assert.equal(d.err, `iosim: cannot read ${dir}: not a regular file\n`);
  const m = iosim('check', path.join(dir, 'none.strace'));
  assert.equal(m.code, 1);
  assert.equal(m.err, `iosim: cannot read ${path.join(dir, 'none.strace')}: ENOENT\n`);
});

test('check --set applies on top of the recorded machine, as run does; a bad --set is a usage error', () => {
  const log = recorded([{ path: '/data/new.bin', before: null, absentBefore: true, after: { size: 20480, pages: 5, runs: [[0, 4]] }, why: ['watch'] }]);
  const r = iosim('check', log, '--set', 'kernel=classic');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /replayed with kernel profile classic$/m);
  assert.match(r.out, /^matched pages 5, score 100\.0%$/m);
  assert.equal(iosim('check', log, '--set', 'kernel=7').code, 2);
});
