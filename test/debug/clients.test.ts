/**
 * What other DAP clients than VS Code need (issue 13): no state event unless asked for, a state every JSON reader
 * can re-encode, console commands in every evaluate context, relative program paths.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { DebugProtocol } from '@vscode/debugprotocol';
import { MachineState, STATE_EVENT } from '../../src/shared/messages';
import { failure, FIXTURES, fixture, positionOf, Session } from './helpers';

/** Launches without the helper's opt-in and waits for the first stop. */
async function launchPlain(s: Session, args: Record<string, unknown>): Promise<DebugProtocol.StoppedEvent> {
  const stopped = s.dc.waitForEvent('stopped') as Promise<DebugProtocol.StoppedEvent>;
  const launched = s.dc.launchRequest(args as DebugProtocol.LaunchRequestArguments);
  await s.dc.configurationDoneRequest();
  await launched;
  return stopped;
}

/** Paths of arrays inside `value` that hold an array: what Emacs' json.el takes for an alist and cannot write back. */
function nestedArrays(value: unknown, at = '$'): string[] {
  if (Array.isArray(value)) {
    const here = value.some((v) => Array.isArray(v)) ? [at] : [];
    return [...here, ...value.flatMap((v, i) => nestedArrays(v, `${at}[${i}]`))];
  }
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => nestedArrays(v, `${at}.${k}`));
  return [];
}

describe('the state event is sent to a client that asks for it', () => {
  test('without stateEvents no iomachine/state event is sent; the state request still answers', async () => {
    const s = await Session.start();
    try {
      await launchPlain(s, { program: fixture('basic.iosim') });
      for (let i = 0; i < 4; i++) await Promise.all([s.dc.nextRequest({ threadId: 1 }), s.dc.waitForEvent('stopped')]);
      await Promise.all([s.dc.stepBackRequest({ threadId: 1 }), s.dc.waitForEvent('stopped')]);
      // Events are written before the response that follows them: a later answer means none is still coming.
      await s.dc.threadsRequest();
      assert.equal(s.states.length, 0);
      assert.equal(s.stops.length, 6);
      assert.equal((await s.state()).position, positionOf(s.stops.at(-1)!));
    } finally {
      await s.close();
    }
  });

  test('with stateEvents: true, one state per stop; it stays on through a restart without arguments, off when one says false', async () => {
    const s = await Session.start();
    try {
      await launchPlain(s, { program: fixture('basic.iosim'), stateEvents: true });
      await s.dc.threadsRequest();
      assert.equal(s.states.length, 1);
      await s.next();
      assert.equal(s.states.length, 2);
      await Promise.all([s.dc.restartRequest({}), s.dc.waitForEvent('stopped'), s.dc.waitForEvent(STATE_EVENT)]);
      assert.equal(s.states.length, 3);
      const args = { program: fixture('basic.iosim'), stateEvents: false } as DebugProtocol.LaunchRequestArguments;
      await Promise.all([s.dc.restartRequest({ arguments: args }), s.dc.waitForEvent('stopped')]);
      await Promise.all([s.dc.nextRequest({ threadId: 1 }), s.dc.waitForEvent('stopped')]);
      await s.dc.threadsRequest();
      assert.equal(s.states.length, 3);
    } finally {
      await s.close();
    }
  });

  test('the state holds no array of arrays: page runs are objects { start, codes }', async () => {
    const { s } = await Session.open('basic.iosim');
    try {
      for (let i = 0; i < 4; i++) await s.next();
      const state: MachineState = s.states.at(-1)!;
      const file = state.pageCache.files.find((f) => f.path === '/srv/index.html');
      assert.ok(file, 'the read file is in the page cache');
      assert.deepEqual(file.runs, [{ start: 0, codes: 'iiii' }]);
      for (const st of [...s.states, await s.state()]) assert.deepEqual(nestedArrays(st), []);
    } finally {
      await s.close();
    }
  });
});

describe('evaluate in every context', () => {
  test('console commands with arguments answer on hover and in watch; other hover expressions fail with a message', async () => {
    const { s } = await Session.open('basic.iosim');
    try {
      for (let i = 0; i < 4; i++) await s.next();
      for (const context of ['hover', 'watch', 'repl', 'clipboard', 'variables'] as const) {
        const frameId = (await s.frames())[0].id;
        const r = await s.dc.evaluateRequest({ expression: 'vmtouch /srv/index.html', context: context as 'hover', frameId });
        assert.match(r.body.result, /Resident Pages: 4\/4/, context);
      }
      const message = await failure(s.dc.evaluateRequest({ expression: '1 + 1', context: 'hover' }));
      assert.match(message, /hover only names and console commands/);
    } finally {
      await s.close();
    }
  });
});

describe('paths', () => {
  test('a relative program is found in the launch cwd; breakpoints by its absolute path are verified and hit', async () => {
    const s = await Session.start();
    try {
      const first = await s.launch({ program: 'basic.iosim', cwd: FIXTURES }, async (x) => {
        const r = await x.dc.setBreakpointsRequest({ source: { path: fixture('basic.iosim') }, breakpoints: [{ line: 10 }] });
        assert.deepEqual(r.body.breakpoints.map((b) => [b.verified, b.line]), [[true, 10]]);
      });
      assert.equal(first.body.reason, 'entry');
      assert.equal((await s.frames())[0].source?.path, fixture('basic.iosim'), 'frames name the absolute path');
      const hit = await s.cont();
      assert.equal(hit.body.reason, 'breakpoint');
      assert.equal((await s.frames())[0].line, 10);
    } finally {
      await s.close();
    }
  });

  test('breakpoints by a relative path or a symbolic link name the same program', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'iomachine-link-'));
    const link = path.join(dir, 'linked.iosim');
    symlinkSync(fixture('basic.iosim'), link);
    const { s } = await Session.open('basic.iosim', { cwd: FIXTURES });
    try {
      for (const p of ['basic.iosim', `../fixtures/basic.iosim`, link]) {
        const r = await s.dc.setBreakpointsRequest({ source: { path: p }, breakpoints: [{ line: 10 }] });
        assert.equal(r.body.breakpoints[0].verified, true, p);
      }
      const other = await s.dc.setBreakpointsRequest({ source: { path: fixture('loop.iosim') }, breakpoints: [{ line: 10 }] });
      assert.equal(other.body.breakpoints[0].verified, false);
      assert.equal(other.body.breakpoints[0].message, 'this file is not the program being debugged');
      const hit = await s.cont();
      assert.equal(hit.body.reason, 'breakpoint');
      assert.equal((await s.frames())[0].line, 10);
    } finally {
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
