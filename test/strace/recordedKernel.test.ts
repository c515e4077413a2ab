/**
 * Issue 12's workloads recorded on Linux 6.18 (ext4 on a virtio disk, max_sectors_kb 4096) with `iosim record`, at
 * read_ahead_kb 8192 and 128, a cold 64 MiB file each time: test/fixtures/recorded/NAME-raN.strace and its
 * .host.json (made by `node scripts/fidelity.mjs --fixtures test/fixtures/recorded`). The real resident pages are
 * mincore's right after the run. Replayed on the recorded machine (the 6.18 profile), the model must have exactly
 * the real pages; the classic profile keeps its own, hand-worked counts.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { checkResidency } from '../../src/cli/check';
import { readHostRecord } from '../../src/program/hostRecord';
import { loadProgramFile } from '../../src/program/loadProgram';
import { Trace } from '../../src/trace/trace';

const DIR = path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'recorded');
const DATA = '/tmp/iosim-fidelity-data/data.bin';

function replay(name: string, overrides?: Record<string, string>) {
  const log = path.join(DIR, name);
  const loaded = loadProgramFile(log, overrides);
  assert.ok(loaded.spec, `${name} loads`);
  const t = new Trace(loaded.spec, { record: false });
  while (t.step() >= 0);
  const rec = readHostRecord(log)!;
  return { t, rec, check: checkResidency(rec, t.machine).result };
}

// Real resident pages of the data file after each run (mincore), as recorded; the table has the same
// values (its random workload used another generator: 978 there, 1004 with workload.py's).
const REAL: Record<string, [number, number]> = {
  'read32k': [32, 16],
  'read32k-x2': [160, 48],
  'random-4k-x1000': [1004, 1004],
  'fadv-random-read32k-x3': [24, 24],
  'fadv-willneed': [2048, 1024],
  'fadv-sequential-1m': [1664, 320],
  'read-1m': [896, 288],
  'dd-128k': [16384, 16384],
  'dd-1m': [16384, 16384],
  'dd-direct-1m': [0, 0],
};

test('every recording of the table is here, with its host record naming Linux 6.18 and a cold start', () => {
  const logs = readdirSync(DIR).filter((f) => f.endsWith('.strace')).sort();
  assert.deepEqual(logs, Object.keys(REAL).flatMap((n) => [`${n}-ra128.strace`, `${n}-ra8192.strace`]).sort());
  for (const l of logs) {
    const rec = readHostRecord(path.join(DIR, l))!;
    assert.match(rec.kernel.release, /^6\.18\./);
    assert.equal(rec.kernel.profile, '6.18');
    const data = rec.files.find((f) => f.path === DATA)!;
    assert.equal(data.before!.pages, 0, `${l}: the data file was cold`);
    const ra = rec.profile.values.find((v) => v.key === 'read_ahead_kb')!.value;
    assert.equal(ra, l.includes('-ra128') ? '128' : '8192');
  }
});

for (const [name, [at8192, at128]] of Object.entries(REAL)) {
  for (const [ra, real] of [[8192, at8192], [128, at128]] as const) {
    test(`6.18 replay of ${name} at read_ahead_kb ${ra}: the real ${real} resident pages, the same index runs`, () => {
      const { check, t } = replay(`${name}-ra${ra}.strace`);
      assert.equal(t.machine.config.kernel, '6.18');
      assert.equal(t.machine.config.readAheadKb, ra);
      const f = check.files.find((x) => x.path === DATA)!;
      assert.equal(f.realPages, real, 'the recording');
      assert.deepEqual([f.modelPages, f.onlyReal, f.onlyModel, f.match], [real, [], [], 1]);
    });
  }
}

test('the classic profile replaying the same logs keeps its own counts (no large folios, no ractl_max_pages)', () => {
  // 1 MiB in 32 KiB reads: 0–31, 32–159, 160–415, 416–927 (worked in test/machine/kernel618.test.ts): 928 and 304.
  const modelPages = (name: string) => replay(name, { kernel: 'classic' }).check.files.find((x) => x.path === DATA)!.modelPages;
  assert.equal(modelPages('read-1m-ra8192.strace'), 928);
  assert.equal(modelPages('read-1m-ra128.strace'), 304);
  assert.equal(modelPages('fadv-sequential-1m-ra8192.strace'), 1696);
});

test('iosim check --json has exactly the issue\'s shape', () => {
  const { check } = replay('read32k-x2-ra128.strace');
  assert.deepEqual(Object.keys(check), ['files', 'matchedPages', 'score']);
  assert.deepEqual(Object.keys(check.files[0]), ['path', 'realPages', 'modelPages', 'onlyReal', 'onlyModel', 'match']);
  assert.equal(check.matchedPages, 48);
  assert.equal(check.score, 1);
});
