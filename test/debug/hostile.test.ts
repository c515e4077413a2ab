/**
 * The adapter on hostile programs: a run that stops at the model's limits says so at its line and ends like any
 * other run; names and log lines reach the Debug Console (which renders ANSI sequences) escaped.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { DapProcess, hasStackTrace, Message, ROOT } from '../fuzz/dapClient';

const TMP = mkdtempSync(path.join(tmpdir(), 'iosim-dap-hostile-'));
after(() => rmSync(TMP, { recursive: true, force: true }));

function outputs(dap: DapProcess): string {
  return dap.events('output').map((m) => String((m.body as { output?: unknown }).output)).join('');
}

async function runToEnd(program: string, noDebug: boolean): Promise<DapProcess> {
  const dap = new DapProcess(ROOT);
  await dap.request('initialize', { adapterID: 'iomachine', pathFormat: 'path' });
  const end = dap.wait((m: Message) => m.type === 'event' && (m.event === 'terminated' || (m.event === 'stopped' && (m.body as { reason?: string }).reason === 'end')));
  const launched = dap.request('launch', { program, stopOnEntry: false, noDebug });
  await dap.request('configurationDone');
  assert.equal((await launched as Message).success, true);
  assert.ok(await end, 'the run ended');
  return dap;
}

test('a run whose clock would pass 2^53 ns ends with the error at its line, debugging or not', async () => {
  const program = path.join(TMP, 'clock.iosim');
  writeFileSync(program, 'buf = alloc(4KiB)\nrepeat 3 { sleep 1000h }\n');
  for (const noDebug of [false, true]) {
    const dap = await runToEnd(program, noDebug);
    const text = outputs(dap);
    assert.match(text, /stopped at line 2: error: simulated time would reach 10800000000\d+ ns \(125 days\), past the 2\^53 ns \(104 days\) the clock counts exactly\n/);
    assert.ok(!hasStackTrace(text + dap.stderr), text + dap.stderr);
    assert.ok(dap.alive, 'the adapter keeps running');
    await dap.close();
  }
});

test('the Debug Console gets names and log lines escaped: no ESC, BEL, C1 or bidi control raw', async () => {
  const program = path.join(ROOT, 'test/fixtures/reliability/cli-terminal-escape-injection.strace');
  const dap = await runToEnd(program, true);
  try {
    const text = outputs(dap);
    // The call as the log has it, its path escaped the way strace escapes it.
    assert.match(text, /openat\(AT_FDCWD, "\/srv\/\\33\]0;pwned\\7\\33\[31mred", O_RDONLY\) = 3 /);
    assert.match(text, /:3:1: warning: skipped: not a call, a signal or an exit: \\33\[2Jnot a call\n/);
    assert.doesNotMatch(text, /[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/);
  } finally {
    await dap.close();
  }
});
