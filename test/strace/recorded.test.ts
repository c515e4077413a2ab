/**
 * Real programs recorded here and now with `strace -f -tt -T -y`, then replayed by `iosim run --json`: every call the
 * model simulates returns what Linux returned. Runs where strace is installed (Linux; CI installs it in .ci/run).
 *
 * Results that are identities the model hands out itself (descriptors of open, pipe and socket, mmap addresses, aio
 * ids) are its own by design and not compared; every other operation with a recorded result is.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { RunJson } from '../../src/trace/summary';

const ROOT = path.join(__dirname, '../../..');
const CLI = path.join(ROOT, 'dist/cli.js');
const ENV = { PATH: '/usr/bin:/bin:/usr/sbin:/sbin', LC_ALL: 'C' };

/** Why the recordings cannot run here (one message for all), or false. */
function missing(): string | false {
  const why = 'recording real programs needs Linux and a working strace';
  if (process.platform !== 'linux') return `${why} (this is ${process.platform})`;
  const v = spawnSync('strace', ['-o', '/dev/null', 'true'], { env: ENV, encoding: 'utf8' });
  if (v.error) return `${why} (strace is not installed)`;
  // A container may forbid ptrace.
  if (v.status !== 0) return `${why} (strace cannot trace here: ${v.stderr.trim().split('\n')[0]})`;
  return false;
}

/** Identities the model hands out itself. */
const OWN = new Set(['open', 'pipe', 'socket', 'mmap', 'aio_read', 'uring_read']);

let dir = '';

/** Records `args` (a command and its arguments) in the temp dir; returns the log's path. */
function record(name: string, args: string[]): string {
  const log = path.join(dir, `${name}.strace`);
  const r = spawnSync('strace', ['-f', '-tt', '-T', '-y', '-o', log, ...args], { cwd: dir, env: ENV, stdio: ['ignore', 'ignore', 'pipe'], timeout: 20_000 });
  assert.equal(r.status, 0, `strace ${args.join(' ')}: ${r.stderr?.toString()}`);
  return log;
}

function replay(log: string, ...options: string[]): RunJson {
  const r = spawnSync(process.execPath, [CLI, 'run', log, '--json', ...options], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as RunJson;
}

/** Operations whose result differs from the log's: "line N syscall: model X, log Y". */
function disagreements(doc: RunJson): string[] {
  return doc.operations
    .filter((o) => o.recordedResult !== undefined && !OWN.has(o.name) && o.result !== o.recordedResult)
    .map((o) => `line ${o.line} ${o.syscall ?? o.name}: model ${o.result}, log ${o.recordedResult}`);
}

/** cachestat(2) of a file (Linux 6.5+), read by python3: [cached, dirty, writeback], or null when unavailable. */
function cachestat(file: string): [number, number, number] | null {
  const py = `import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
r = (ctypes.c_uint64 * 2)(0, 0); cs = (ctypes.c_uint64 * 5)()
fd = os.open(sys.argv[1], os.O_RDONLY)
if libc.syscall(451, fd, r, cs, 0) != 0: sys.exit(3)
print(cs[0], cs[1], cs[2])`;
  const r = spawnSync('python3', ['-c', py, file], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return null;
  const [c, d, w] = r.stdout.trim().split(/\s+/).map(Number);
  return [c, d, w];
}

describe('real programs recorded with strace replay to the results Linux gave', { skip: missing() }, () => {
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'iosim-recorded-'));
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('a pipeline over 3 MiB: head | gzip -1 > out.gz', () => {
    const log = record('pipeline', ['sh', '-c', 'head -c 3M /dev/urandom | gzip -1 > out.gz']);
    const doc = replay(log);
    assert.deepEqual(disagreements(doc), []);
    const reads = doc.operations.filter((o) => o.name === 'read' && o.path?.startsWith('pipe:'));
    assert.equal(reads.reduce((s, o) => s + (o.result ?? 0), 0), 3 * 1024 * 1024, 'gzip reads the 3 MiB from the pipe');
  });

  test('dd of a 1,000,000-byte file with oflag=direct (bs=64k: the last 16960 bytes are not a whole block)', () => {
    writeFileSync(path.join(dir, 'in'), Buffer.alloc(1_000_000, 7));
    const log = record('dd', ['dd', 'if=in', 'of=out', 'bs=64k', 'oflag=direct']);
    const doc = replay(log);
    assert.deepEqual(disagreements(doc), []);
    const writes = doc.operations.filter((o) => o.name === 'write' && o.path?.endsWith('/out'));
    assert.equal(writes.reduce((s, o) => s + (o.result ?? 0), 0), 1_000_000);
  });

  test('write 4 MiB, then sleep 2 s: the model sleeps too, and its pages are as dirty as Linux\'s (cachestat) at exit', () => {
    const log = record('sleep', ['sh', '-c', 'head -c 4M /dev/zero > f; sleep 2']);
    const linux = cachestat(path.join(dir, 'f'));
    // This computer's dirty-page settings (vm.dirty_*, RAM, its disk), so that expiry and thresholds are its own.
    const doc = replay(log, '--profile', 'host');
    assert.deepEqual(disagreements(doc), []);
    const f = doc.pageCache.files[path.join(dir, 'f')];
    assert.ok(f, 'the file is in the page cache');
    assert.equal(f.cached, 1024);
    assert.deepEqual(f.residentRuns, [[0, 1024]]);
    const sleep = doc.operations.find((o) => o.syscall === 'clock_nanosleep' || o.syscall === 'nanosleep');
    assert.ok(sleep && sleep.endNs - sleep.startNs >= 2e9, 'the sleep lasts its recorded 2 s in the model');
    if (linux) assert.equal(f.dirty, linux[1], `dirty pages: model ${f.dirty}, Linux ${linux[1]} (cachestat)`);
    else if (existsSync('/proc/sys/vm/dirty_expire_centisecs')) {
      // Without cachestat: younger than the expiry (30 s by default) and far below the thresholds, all are dirty.
      assert.equal(f.dirty, 1024);
    }
  });
});
