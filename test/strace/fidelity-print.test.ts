/**
 * Issue 11, kind 8: the printed lines are the log's (name, arguments, decorations, result), with the model's
 * figures beside them, and a file mapping is shared or private as the log's mmap says.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import type { MmapRegion } from '../../src/machine/state';
import { logLines, mismatches, realworld, runLog } from './realworld';

const ROOT = path.join(__dirname, '../../..');
const CLI = path.join(ROOT, 'dist/cli.js');

function run(name: string): string {
  const r = spawnSync(process.execPath, [CLI, 'run', realworld(name)], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

/** The CLI's line for log line `n`, without the model's and the log's durations (which are the model's own). */
function printed(out: string, n: number): string {
  const line = out.split('\n').find((l) => new RegExp(`^ *${n}  `).test(l));
  assert.ok(line, `no line ${n}`);
  return line.replace(/ <[\d.]+>/g, '').replace(/ \(log\)/, '');
}

test('case 17: sendto is printed as sendto with its TCP endpoints, and counted as sendto (257) not write', { skip: !existsSync(CLI) && 'dist/cli.js not built' }, () => {
  const name = '17-http-server-sendto-as-write.strace';
  const out = run(name);
  const [sendto] = logLines(name, /^\d+ \S+ (sendto\(4<TCP:\[127\.0\.0\.1:8099->127\.0\.0\.1:53528\]>, .*\) = 65536) </).filter((l) => l.line === 1580);
  assert.ok(sendto, 'line 1580 of the log is a sendto of 65536 bytes');
  // The model's operation beside it: a write to the socket.
  assert.equal(printed(out, 1580), `  1580  [python3 [22924]] ${sendto.m[1]} (modeled as write)`);
  // The per-syscall table: the log's 257 sendto (simulated) and its 1 write (line 1577, to /dev/null: shown only),
  // each under its own name.
  assert.match(out, /^sendto +257 +yes /m);
  assert.match(out, /^write +1 +shown only /m);
  assert.deepEqual(mismatches(runLog(name).ops), []);
});

test('case 18: mmap lines keep their address hint, protection and MAP_PRIVATE|MAP_FIXED; the mappings are private', { skip: !existsSync(CLI) && 'dist/cli.js not built' }, () => {
  const name = '18-mv-indented-mmap-args-rewritten.strace';
  const out = run(name);
  assert.equal(printed(out, 14), '    14  mmap(0x7f6fdd800000, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_FIXED|MAP_DENYWRITE, 3, 0x24000) = 0x7f6fdd800000');
  assert.equal(printed(out, 6), '     6  mmap(NULL, 298800, PROT_READ, MAP_PRIVATE, 3, 0) = 0x7f6fdd806000');
  // The three file mappings of the log (lines 6, 12, 14; 11 and 15 are anonymous, shown only), private as the
  // log's flags: 298800 bytes of ld.so.cache (73 pages: 299008), 2259632 of libselinux (552 pages) and 8192 at
  // 0x24000 = 147456; none unmapped before the end.
  const { trace } = runLog(name);
  const maps = trace.machine.regions.filter((r): r is MmapRegion => r.kind === 'mmap');
  assert.deepEqual(maps.map((r) => [trace.machine.filesById[r.fileId].path, r.size, r.fileOff, r.shared]), [
    ['/etc/ld.so.cache', 299008, 0, false],
    ['/lib/x86_64-linux-gnu/libselinux.so.1', 2260992, 0, false],
    ['/lib/x86_64-linux-gnu/libselinux.so.1', 8192, 147456, false],
  ]);
});
