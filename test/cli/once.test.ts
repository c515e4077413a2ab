/**
 * Two faults a new user met in the command line's summaries: `iosim advise --vary` printed the log's warnings once per
 * value, and `iosim run`'s per-syscall table said a sleep was "shown only" and took 100 µs while the machine's clock
 * slept through it (elapsed matched). Logs written here, times chosen by hand.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';

const ROOT = path.join(__dirname, '../../..');
const CLI = path.join(ROOT, 'dist/cli.js');

function iosim(...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('iosim advise --vary prints each of the log\'s warnings once, not once per value', () => {
  // http4m.strace warns twice: fd 2 open before the log begins (line 619), a call never finished (the last line).
  const r = iosim('advise', 'test/fixtures/advise/http4m.strace', '--vary', 'read_ahead_kb=128,512,8192');
  assert.equal(r.code, 0, r.err);
  const lines = r.err.trim().split('\n');
  assert.equal(lines.length, 2, r.err);
  assert.match(lines[0], /http4m\.strace:619:1: warning: fd 2 .* was open before the log begins/);
  assert.match(lines[1], /http4m\.strace:10845:1: warning: skipped: a call without ' = result'/);
  // The three runs are still made: one column a value.
  assert.match(r.out, /read_ahead_kb=128 +read_ahead_kb=512 +read_ahead_kb=8192/);
});

test('iosim run: a sleep another thread\'s calls overlap is "as a sleep" and takes its recorded 1.5 s in the model', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'iosim-sleep-'));
  const log = path.join(dir, 'sleep.strace');
  // Thread 100 sleeps 1.5 s from 0.0001 s; thread 101 sleeps 1.4 s from 0.1 s meanwhile. The model's one clock reaches
  // 1.5001 s through 101's sleep; 100's sleep still ran from its recorded start 0.0001 s to 1.5001 s: 1.500 s.
  writeFileSync(log, `100 10:00:00.000000 clone(child_stack=NULL, flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM) = 101 <0.000050>
100 10:00:00.000100 clock_nanosleep(CLOCK_REALTIME, 0, {tv_sec=1, tv_nsec=500000000},  <unfinished ...>
101 10:00:00.100000 nanosleep({tv_sec=1, tv_nsec=400000000}, NULL) = 0 <1.400000>
100 10:00:01.500100 <... clock_nanosleep resumed>NULL) = 0 <1.500000>
100 10:00:01.500200 exit_group(0) = ?
`);
  const r = iosim('run', log);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^clock_nanosleep +1 +as a sleep +1\.500 s +1\.500 s$/m);
  assert.match(r.out, /^nanosleep +1 +as a sleep +1\.400 s +1\.400 s$/m);
  assert.match(r.out, /^clone +1 +shown only /m);
  // 1.5 s + 1.4 s + 50 µs recorded; the model's: the two sleeps and the clone's 100 ns.
  assert.match(r.out, /time in syscalls: recorded 2\.900 s, modeled 2\.900 s \(3 timed calls\)/);
  assert.match(r.out, /elapsed: recorded 1\.500 s \(first to last call\), modeled 1\.500 s/);
  assert.match(r.out, /"as a sleep": not simulated, but the time the log shows it sleeping passes on the machine/);
});
