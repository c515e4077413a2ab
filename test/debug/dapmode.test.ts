/**
 * Emacs dap-mode, a DAP client other than VS Code, drives the standalone adapter in `emacs --batch`
 * (test/dapmode/driver.el): launch, a breakpoint, continue, next, step in, variables, a console command with an
 * argument evaluated as dap-eval does, disconnect — with dap-mode's I/O printing on, which re-encodes every message
 * it receives. Skipped where Emacs or dap-mode is not installed (Debian: emacs-nox, elpa-dap-mode).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { ADAPTER, fixture } from './helpers';

const DRIVER = path.join(__dirname, '../../../test/dapmode/driver.el');
const README = path.join(__dirname, '../../../README.md');

/** The dap-mode configuration README.md gives: the elisp block after its marker comment. */
function readmeConfig(): string {
  const text = readFileSync(README, 'utf8');
  const m = /<!-- dap-mode configuration:[^>]*-->\s*```elisp\n([\s\S]*?)```/.exec(text);
  assert.ok(m, 'README.md has the dap-mode configuration block');
  return m[1];
}

function missing(): string | false {
  const probe = spawnSync('emacs', ['--batch', '--eval', "(require 'dap-mode)"], { encoding: 'utf8', timeout: 60_000 });
  if (probe.error) return 'Emacs not found (Debian: apt-get install emacs-nox elpa-dap-mode)';
  if (probe.status !== 0) return 'dap-mode not installed for Emacs (Debian: apt-get install elpa-dap-mode)';
  return false;
}

interface Result {
  entryLine: number;
  breakpointLine: number;
  nextLine: number;
  stepInFrame: string;
  stepInSourceReference: number | null;
  scopes: string[];
  registers: string[];
  evaluate: string;
  disconnected: boolean;
  adapterExited: boolean;
  stops: number;
  received: number;
  noHandler: string[];
  jsonErrors: string[];
  errors: string[];
}

test('Emacs dap-mode with the README configuration: launch, breakpoint, continue, next, step in, variables, dap-eval of vmtouch, disconnect', { skip: missing(), timeout: 120_000 }, (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'iomachine-dapmode-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const config = path.join(dir, 'iomachine-dap.el');
  writeFileSync(config, readmeConfig());
  // basic.iosim: line 8 allocates, 11 reads the 16 KiB file (4 pages), 12 writes it to the socket.
  const run = spawnSync('emacs', ['--batch', '-l', DRIVER, ADAPTER, fixture('basic.iosim'), '11', config], { encoding: 'utf8', timeout: 90_000 });
  const line = run.stdout.split('\n').find((l) => l.startsWith('DAPMODE-RESULT '));
  assert.ok(line, `dap-mode ran to the end (exit ${run.status}):\n${run.stderr.split('\n').filter((l) => !/^(Sending|Received|[ {}[\]])/.test(l)).join('\n').slice(-3000)}`);
  const r = JSON.parse(line.slice('DAPMODE-RESULT '.length)) as Result;
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.jsonErrors, [], 'every message re-encodes (dap-print-io)');
  assert.deepEqual(r.noHandler, [], 'no event dap-mode has no handler for');
  assert.ok(r.received > 10, `dap-mode printed ${r.received} received messages`);
  assert.equal(r.stops, 4);
  assert.equal(r.entryLine, 8);
  assert.equal(r.breakpointLine, 11);
  assert.equal(r.nextLine, 12);
  assert.ok(r.stepInSourceReference && r.stepInSourceReference > 0, 'step in enters the generated kernel path');
  assert.ok(r.scopes.includes('Registers') && r.scopes.includes('Page Cache'));
  assert.ok(r.registers.includes('rax') && r.registers.includes('rdi'));
  assert.match(r.evaluate, /^\/srv\/index\.html\n/);
  assert.match(r.evaluate, /Resident Pages: 4\/4/);
  assert.equal(r.disconnected, true);
  assert.equal(r.adapterExited, true);
});
