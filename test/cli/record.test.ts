/** iosim record's pieces that need no strace: residency runs, the profile of a release, the files a log names, and a
 * replay that starts from the recorded page cache. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { touchedFiles } from '../../src/cli/record';
import { profileForRelease, toRuns, type HostRecord } from '../../src/program/hostRecord';
import { loadProgramFile } from '../../src/program/loadProgram';
import { Trace } from '../../src/trace/trace';

/** The CLI, built (dist/cli.js), as a person runs it. */
function iosimCli(...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [path.join(__dirname, '../../../dist/cli.js'), ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
const noStrace = spawnSync('strace', ['-V']).error !== undefined || process.platform !== 'linux';

test('toRuns: sorted indexes to inclusive runs', () => {
  assert.deepEqual(toRuns([5, 1, 2, 3, 9, 10]), [[1, 3], [5, 5], [9, 10]]);
  assert.deepEqual(toRuns([]), []);
});

test('profileForRelease: 6.10 and later run the 6.18 rules, older kernels the classic ones', () => {
  assert.equal(profileForRelease('6.18.44-fc-v595'), '6.18');
  assert.equal(profileForRelease('6.10.0'), '6.18');
  assert.equal(profileForRelease('6.9.12-arch1'), 'classic');
  assert.equal(profileForRelease('5.15.0-91-generic'), 'classic');
  assert.equal(profileForRelease('7.0'), '6.18');
  assert.equal(profileForRelease('weird'), 'classic');
});

test('touchedFiles: the regular files of -y decorations and opens, not /proc, /dev or missing ones', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'iosim-rec-'));
  const f = path.join(dir, 'a.bin');
  writeFileSync(f, 'x');
  const log = `1 10:00:00.000001 openat(AT_FDCWD, "${f}", O_RDONLY) = 3<${f}> <0.000010>\n` +
    `1 10:00:00.000002 read(3<${f}>, "x", 1) = 1 <0.000010>\n` +
    '1 10:00:00.000003 openat(AT_FDCWD, "/proc/self/maps", O_RDONLY) = 4</proc/1/maps> <0.000010>\n' +
    '1 10:00:00.000004 write(1</dev/pts/0<char 136:0>>, "x", 1) = 1 <0.000010>\n' +
    `1 10:00:00.000005 openat(AT_FDCWD, "${dir}/gone", O_RDONLY) = -1 ENOENT (No such file or directory) <0.000010>\n`;
  assert.deepEqual(touchedFiles(log), [f]);
});

test('a log with a host record replays on the recorded machine, from the recorded page cache', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'iosim-rec-'));
  const log = path.join(dir, 'r.strace');
  // Two 32 KiB reads of a 1 MiB file whose pages 0–7 were resident before the run.
  writeFileSync(log,
    '7 10:00:00.000001 openat(AT_FDCWD, "/data/f", O_RDONLY) = 3</data/f> <0.000010>\n' +
    '7 10:00:00.000002 fstat(3</data/f>, {st_mode=S_IFREG|0644, st_size=1048576, ...}) = 0 <0.000005>\n' +
    '7 10:00:00.000003 read(3</data/f>, ""..., 32768) = 32768 <0.000010>\n' +
    '7 10:00:00.000004 read(3</data/f>, ""..., 32768) = 32768 <0.000010>\n' +
    '7 10:00:00.000005 close(3</data/f>) = 0 <0.000005>\n');
  const rec: HostRecord = {
    version: 1, command: ['x'], recordedAt: '2026-11-29T00:00:00Z',
    kernel: { release: '6.18.0', profile: '6.18' }, fs: { type: 'ext4', source: '/dev/vda', mount: '/' },
    profile: { name: 'host', device: { name: 'vda', under: '/data/f' }, values: [{ key: 'read_ahead_kb', value: '128', from: 'test' }], notes: [] },
    files: [
      { path: '/data/f', before: { size: 1048576, pages: 8, runs: [[0, 7]] }, after: null, why: ['cold'] },
      // Watched, never named by the log: on the machine all the same, with its pages.
      { path: '/data/other', before: { size: 8192, pages: 1, runs: [[1, 1]] }, after: null, why: ['watch'] },
    ],
  };
  writeFileSync(`${log}.host.json`, JSON.stringify(rec));
  const loaded = loadProgramFile(log, { read_ahead_kb: '256' });
  assert.ok(loaded.spec);
  // The recorded profile, then the explicit setting on top.
  assert.equal(loaded.spec.config.kernel, '6.18');
  assert.equal(loaded.spec.config.readAheadKb, 256);
  const t = new Trace(loaded.spec, { record: false });
  const id = t.machine.files.get('/data/f')!.id;
  assert.deepEqual([...t.machine.cache.pagesOf(id)!.keys()], [0, 1, 2, 3, 4, 5, 6, 7]);
  assert.deepEqual([...t.machine.cache.pagesOf(t.machine.files.get('/data/other')!.id)!.keys()], [1]);
  while (t.step() >= 0);
  // Pages 0–7 were there: the first read misses nothing and starts no readahead (no miss, no marker); the second
  // read at 8 misses: prev_pos = 32 KiB → sequential, a fresh window get_init_ra_size(8, 64) = 2 × 8 (8 ≤ 64/4):
  // pages 8–23.
  assert.deepEqual([...t.machine.cache.pagesOf(id)!.keys()].sort((a, b) => a - b), Array.from({ length: 24 }, (_, i) => i));
  writeFileSync(`${log}.host.json`, '{"version": 2}');
  assert.throws(() => loadProgramFile(log), /r\.strace\.host\.json: expected a host record of iosim record/);
});

test('calibrate: the disk line through per-size medians; one size alone cannot give latency and rate apart', async () => {
  const { fitDisk, calibrationValues } = await import('../../src/cli/calibrate');
  const s = (bytes: number, recordedNs: number) => ({ bytes, recordedNs, modeledNs: 0 });
  // 100 µs + bytes / 1 GB/s: 64 KiB → 165.536 µs, 1 MiB → 1148.576 µs; the slow outlier of 1 MiB is not the median.
  const fit = fitDisk([s(65536, 165_536), s(1048576, 1_148_576), s(1048576, 1_148_576), s(1048576, 9_000_000)]);
  assert.ok(fit);
  assert.ok(Math.abs(fit.latencyNs - 100_000) < 1, `latency ${fit.latencyNs}`);
  assert.ok(Math.abs(fit.bytesPerSec - 1e9) < 1e3, `rate ${fit.bytesPerSec}`);
  assert.deepEqual(calibrationValues(fit).map((v) => `${v.key}=${v.value}`), ['disk=ssd', 'disk_latency=100us', 'disk_rate=1000MB/s']);
  assert.equal(fitDisk([s(4096, 10), s(4096, 20)]), null);
  assert.equal(fit.limited, undefined);
});

test('calibrate of reads of one size only: the message says what it found, truthfully', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'iosim-cal-'));
  const log = path.join(dir, 'd.strace');
  // Two O_DIRECT 1 MiB reads of a 4 MiB file: they wait for the disk, both of one size.
  writeFileSync(log,
    '7 10:00:00.000001 openat(AT_FDCWD, "/data/f", O_RDONLY|O_DIRECT) = 3</data/f> <0.000010>\n' +
    '7 10:00:00.000002 fstat(3</data/f>, {st_mode=S_IFREG|0644, st_size=4194304, ...}) = 0 <0.000005>\n' +
    '7 10:00:00.000003 read(3</data/f>, ""..., 1048576) = 1048576 <0.000900>\n' +
    '7 10:00:00.001000 read(3</data/f>, ""..., 1048576) = 1048576 <0.000900>\n' +
    '7 10:00:00.002000 close(3</data/f>) = 0 <0.000005>\n');
  const r = iosimCli('calibrate', log);
  assert.equal(r.code, 1);
  assert.match(r.err, /; found 2 reads, all of 1 MiB\n$/);
});

test('calibrate: times that do not grow with the size (a virtual disk) give the fastest bandwidth and the least squares latency for it, and say so', async () => {
  const { fitDisk, calibrationValues } = await import('../../src/cli/calibrate');
  const s = (bytes: number, recordedNs: number) => ({ bytes, recordedNs, modeledNs: 0 });
  // The user's dd logs: a cold 32 KiB read in 1.04 ms, 64 O_DIRECT 1 MiB reads of median 0.9 ms (21 of 0.85 ms,
  // 22 of 0.9, 21 of 0.95: the 32nd and 33rd are 0.9). Slope held at 1 / 3 GB/s: 32768 B → 10922.67 ns, 1048576 B →
  // 349525.33 ns; latency = mean(1040000 − 10922.67, 900000 − 349525.33) = (1029077.33 + 550474.67) / 2 = 789776 ns.
  const big = [...Array(21).fill(850_000), ...Array(22).fill(900_000), ...Array(21).fill(950_000)].map((t) => s(1048576, t));
  const fit = fitDisk([s(32768, 1_040_000), ...big]);
  assert.ok(fit);
  assert.equal(fit.bytesPerSec, 3e9);
  assert.ok(Math.abs(fit.latencyNs - 789_776) < 1, `latency ${fit.latencyNs}`);
  assert.deepEqual(calibrationValues(fit).map((v) => `${v.key}=${v.value}`), ['disk=ssd', 'disk_latency=790us', 'disk_rate=3000MB/s']);
  assert.match(fit.limited ?? '', /^the recorded times do not grow with the read size \(32 KiB reads 1\.040 ms, 1 MiB reads 900\.00 µs, medians; /);
});


test('record -o in a directory that does not exist: "cannot write PATH: ENOENT", status 1, no stack trace', { skip: noStrace }, () => {
  const r = iosimCli('record', '-o', '/nonexistent-iosim-dir/r.strace', '--', 'true');
  assert.equal(r.code, 1);
  assert.equal(r.err, 'iosim: cannot write /nonexistent-iosim-dir/r.strace: ENOENT\n');
});

test('record of a command that cannot be run: says so, writes neither the log nor a host record', { skip: noStrace }, () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'iosim-rec-'));
  const log = path.join(dir, 'r1.strace');
  const r = iosimCli('record', '-o', log, '--', 'iosim-no-such-command');
  assert.equal(r.code, 1);
  assert.match(r.err, /^iosim: the command could not be run \(iosim-no-such-command: strace recorded no call; its message is above\)/m);
  assert.doesNotMatch(r.err, /wrote .*host\.json \(/);
  assert.doesNotMatch(r.err, /^\s+at /m);
  assert.equal(existsSync(log), false);
  assert.equal(existsSync(`${log}.host.json`), false);
});

