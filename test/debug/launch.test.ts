/** Launching, bad launches, requests in the wrong state, unknown requests, restart, terminate, the trace file. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { DebugProtocol } from '@vscode/debugprotocol';
import { ADAPTER, adapterProcess, failure, fixture, kill, positionOf, Session } from './helpers';
import { Layout } from './positions';

/** Positions in basic.iosim by what happens there (positions.ts). */
const BASIC = new Layout('basic.iosim');

const FILTER_IDS = ['dma-interrupt', 'page-cache-eviction', 'writeback', 'page-fault', 'readahead', 'dirty-throttle'];

describe('initialize and launch', () => {
  test('initialize announces the capabilities the issue lists, with the six exception filters', async () => {
    const s = await Session.start();
    try {
      const c = s.capabilities;
      for (const k of [
        'supportsConfigurationDoneRequest', 'supportsFunctionBreakpoints', 'supportsConditionalBreakpoints',
        'supportsHitConditionalBreakpoints', 'supportsLogPoints', 'supportsStepBack', 'supportsRestartRequest',
        'supportsGotoTargetsRequest', 'supportsEvaluateForHovers', 'supportsSetVariable', 'supportsCompletionsRequest',
        'supportsDataBreakpoints', 'supportsReadMemoryRequest', 'supportsExceptionFilterOptions', 'supportsExceptionInfoRequest',
        'supportsTerminateRequest', 'supportsSteppingGranularity',
      ] as const) {
        assert.equal(c[k], true, k);
      }
      assert.deepEqual(c.exceptionBreakpointFilters?.map((f) => f.filter), FILTER_IDS);
      for (const f of c.exceptionBreakpointFilters ?? []) {
        assert.equal(f.supportsCondition, true, f.filter);
        assert.ok(f.label.length > 0);
      }
    } finally {
      await s.close();
    }
  });

  test('initialize without pathFormat (optional in DAP) is accepted', async () => {
    const s = await Session.start();
    try {
      const r = await s.dc.initializeRequest({ adapterID: 'iomachine' });
      assert.equal(r.success, true);
    } finally {
      await s.close();
    }
  });

  test('stopOnEntry defaults to true: stopped at position -1 before line 8, state event at -1', async () => {
    const { s, first } = await Session.open('basic.iosim');
    try {
      assert.equal(first.body.reason, 'entry');
      assert.equal(first.body.threadId, 1);
      assert.match(first.body.description ?? '', /position #-1/);
      assert.equal(positionOf(first), -1);
      const frames = await s.frames();
      assert.equal(frames.length, 1);
      assert.equal(frames[0].name, 'main');
      assert.equal(frames[0].line, 8);
      assert.equal(frames[0].source?.path, fixture('basic.iosim'));
      assert.equal(s.states.at(-1)?.position, -1);
      assert.equal(await s.position(), -1);
      assert.match(s.output('console'), /I\/O machine: 1 GiB RAM, NVMe SSD, NIC plain/);
      const threads = (await s.dc.threadsRequest()).body.threads;
      assert.deepEqual(threads.map((t) => t.id), [1]);
    } finally {
      await s.close();
    }
  });

  test('stopOnEntry false runs to the end and prints every syscall strace-like with its simulated duration', async () => {
    const { s, first } = await Session.open('basic.iosim', { stopOnEntry: false });
    try {
      assert.equal(first.body.reason, 'end');
      assert.equal(positionOf(first), BASIC.head);
      const out = s.output('stdout');
      const lines = out.trim().split('\n');
      assert.deepEqual(lines.map((l) => l.replace(/ <[\d.]+>$/, '')), [
        '# alloc(16384) = 0x10000000',
        'openat(AT_FDCWD, "/srv/index.html", O_RDONLY) = 3',
        'socket(AF_INET, SOCK_STREAM, IPPROTO_TCP) = 4',
        'read(3</srv/index.html>, 0x10000000, 16384) = 16384',
        'write(4<TCP:[1000]>, 0x10000000, 16384) = 16384',
        'pread64(3</srv/index.html>, 0x10000000, 16384, 0) = 16384',
        'pread64(3</srv/index.html>, 0x10000000, 4096, 0) = 4096',
        'close(3</srv/index.html>) = 0',
      ]);
      // The duration, as strace -T prints it: seconds with 9 decimals. The cold read takes 28.6 µs.
      assert.match(out, /^read\(3<\/srv\/index.html>, 0x10000000, 16384\) = 16384 <0\.000028601>$/m);
      for (const l of lines.slice(1)) assert.match(l, / <\d+\.\d{9}>$/);
      assert.match(s.output('console'), new RegExp(`program ended at position ${BASIC.head}`));
    } finally {
      await s.close();
    }
  });

  test('stopOnEntry false stops at a breakpoint on the first line', async () => {
    const { s, first } = await Session.open('basic.iosim', { stopOnEntry: false }, async (x) => {
      await x.dc.setBreakpointsRequest({ source: { path: fixture('basic.iosim') }, breakpoints: [{ line: 8 }] });
    });
    try {
      assert.equal(first.body.reason, 'breakpoint');
      assert.equal(positionOf(first), -1);
      assert.equal((await s.frames())[0].line, 8);
    } finally {
      await s.close();
    }
  });

  test('machine overrides the scenario\'s machine block', async () => {
    const { s } = await Session.open('basic.iosim', { machine: { nic: 'sg-dma', 'vm.dirty_ratio': 5, disk: 'hdd' } });
    try {
      const devices = await s.scope('Devices');
      assert.match(devices.get('NIC')!.value, /scatter-gather DMA/);
      assert.match(devices.get('disk')!.value, /HDD|hard/i);
      const sysctl = await s.scope('sysctl');
      assert.equal(sysctl.get('vm.dirty_ratio')!.value, '5');
      assert.equal(sysctl.get('vm.dirty_background_ratio')!.value, '10');
    } finally {
      await s.close();
    }
  });
});

describe('bad launches keep the adapter alive', () => {
  const cases: { name: string; args: Record<string, unknown>; message: RegExp | string }[] = [
    { name: 'missing program', args: {}, message: "launch: 'program' must be the path of a .iosim scenario" },
    { name: 'program of the wrong type', args: { program: 42 }, message: "'program' must be the path" },
    { name: 'program that does not exist', args: { program: fixture('nope.iosim') }, message: /cannot read .*nope\.iosim: ENOENT/ },
    { name: 'parse error', args: { program: fixture('bad.iosim') }, message: `${fixture('bad.iosim')}:5:38: error: expected ')' after the arguments of open` },
    { name: 'unknown machine key', args: { program: fixture('basic.iosim'), machine: { nope: 1 } }, message: `${fixture('basic.iosim')}:1:1: error: launch configuration: unknown machine key 'nope'` },
    { name: 'bad machine value', args: { program: fixture('basic.iosim'), machine: { nic: 'fast' } }, message: /machine key 'nic': expected .*got "fast"/ },
    { name: 'machine not an object', args: { program: fixture('basic.iosim'), machine: 'plain' }, message: "'machine' must be an object" },
    { name: 'unknown profile', args: { program: fixture('basic.iosim'), profile: 'cloud' }, message: /'profile' must be .*host/ },
  ];
  for (const c of cases) {
    test(`${c.name}: an error response, then disconnect is answered`, async () => {
      const s = await Session.start();
      try {
        const message = await failure(s.dc.launchRequest(c.args as DebugProtocol.LaunchRequestArguments));
        if (typeof c.message === 'string') assert.ok(message.includes(c.message), `'${message}' should contain '${c.message}'`);
        else assert.match(message, c.message);
        // Still alive: another request is answered, and the error is the not-launched one.
        assert.match(await failure(s.dc.nextRequest({ threadId: 1 })), /launch first/);
        const threads = await s.dc.threadsRequest();
        assert.equal(threads.success, true);
        const d = await s.dc.disconnectRequest({});
        assert.equal(d.success, true);
      } finally {
        kill(s.dc);
      }
    });
  }

  test('after a failed launch, a good launch in the same session works', async () => {
    const s = await Session.start();
    try {
      await failure(s.dc.launchRequest({ program: fixture('bad.iosim') } as DebugProtocol.LaunchRequestArguments));
      const first = await s.launch({ program: fixture('basic.iosim') });
      assert.equal(first.body.reason, 'entry');
      const ev = await s.next();
      assert.equal(positionOf(ev), 0);
    } finally {
      await s.close();
    }
  });
});

describe('requests in the wrong state and unknown requests', () => {
  test('every request before launch gets an error response, never a crash', async () => {
    const s = await Session.start();
    try {
      const dc = s.dc;
      const attempts: [string, Promise<unknown>][] = [
        ['next', dc.nextRequest({ threadId: 1 })],
        ['continue', dc.continueRequest({ threadId: 1 })],
        ['stepIn', dc.stepInRequest({ threadId: 1 })],
        ['stepOut', dc.stepOutRequest({ threadId: 1 })],
        ['stepBack', dc.stepBackRequest({ threadId: 1 })],
        ['reverseContinue', dc.reverseContinueRequest({ threadId: 1 })],
        ['stackTrace', dc.stackTraceRequest({ threadId: 1 })],
        ['scopes', dc.scopesRequest({ frameId: 100 })],
        ['variables', dc.variablesRequest({ variablesReference: 1 })],
        ['evaluate', dc.evaluateRequest({ expression: 'rax' })],
        ['setVariable', dc.setVariableRequest({ variablesReference: 1, name: 'vm.dirty_ratio', value: '5' })],
        ['gotoTargets', dc.gotoTargetsRequest({ source: { path: fixture('basic.iosim') }, line: 9 })],
        ['goto', dc.gotoRequest({ threadId: 1, targetId: 3 })],
        ['readMemory', dc.send('readMemory', { memoryReference: 'buffer:1', count: 16 })],
        ['exceptionInfo', dc.exceptionInfoRequest({ threadId: 1 })],
        ['source', dc.sourceRequest({ sourceReference: 1 })],
        ['iomachine/state', dc.customRequest('iomachine/state')],
        ['iomachine/seek', dc.customRequest('iomachine/seek', { position: 3 })],
      ];
      for (const [name, p] of attempts) {
        const message = await failure(p);
        assert.match(message, /launch first|no program/, `${name}: ${message}`);
        assert.doesNotMatch(message, /\n\s+at /, `${name}: no stack trace in the message`);
      }
      // Still alive and able to debug.
      const first = await s.launch({ program: fixture('basic.iosim') });
      assert.equal(first.body.reason, 'entry');
    } finally {
      await s.close();
    }
  });

  test('an unknown request gets an error response and the adapter goes on', async () => {
    const { s } = await Session.open('basic.iosim');
    try {
      const message = await failure(s.dc.customRequest('frobnicate', { x: 1 }));
      assert.equal(message, "unknown request 'frobnicate'");
      const ev = await s.next();
      assert.equal(positionOf(ev), 0);
    } finally {
      await s.close();
    }
  });

  test('bad arguments get error responses: seek without a position, an unknown source reference, memory', async () => {
    const { s } = await Session.open('basic.iosim');
    try {
      assert.match(await failure(s.dc.customRequest('iomachine/seek', {})), /numeric 'position'/);
      assert.match(await failure(s.dc.sourceRequest({ sourceReference: 999 })), /no kernel path for source reference 999/);
      assert.match(await failure(s.dc.send('readMemory', { memoryReference: 'nothing:1', count: 4 })), /unknown memory reference nothing:1/);
      assert.match(await failure(s.dc.evaluateRequest({ expression: 'rax +', context: 'repl' })), /expression ends too early/);
      const scopes = await s.scopes();
      const regs = scopes.find((x) => x.name === 'Registers')!;
      assert.match(await failure(s.dc.setVariableRequest({ variablesReference: regs.variablesReference, name: 'rax', value: '1' })), /only sysctl values can be changed/);
      assert.equal((await s.next()).body.reason, 'step');
    } finally {
      await s.close();
    }
  });
});

describe('malformed requests', () => {
  test('missing or wrong arguments get answers (an error or an empty result), never a crash', async () => {
    const { s } = await Session.open('basic.iosim');
    try {
      const requests: [string, Record<string, unknown>][] = [
        ['setBreakpoints', {}], ['variables', { variablesReference: 'x' }], ['evaluate', {}], ['readMemory', { memoryReference: 'buffer:1', count: -5 }],
        ['gotoTargets', {}], ['dataBreakpointInfo', {}], ['setDataBreakpoints', {}], ['setFunctionBreakpoints', {}],
        ['setExceptionBreakpoints', {}], ['completions', {}], ['scopes', {}], ['stackTrace', {}], ['source', {}], ['setVariable', {}],
        ['goto', {}], ['stepBack', { granularity: 5 }], ['exceptionInfo', {}], ['iomachine/seek', { position: 'abc' }],
        ['iomachine/compare', { size: 'huge' }], ['next', { threadId: 'one' }], ['launch', { program: fixture('nope.iosim') }],
      ];
      const answers: string[] = [];
      for (const [command, args] of requests) {
        try {
          await s.dc.send(command, args);
          answers.push(`${command}: ok`);
          // A move that was accepted reports its stop: wait for it before the next request.
          if (['stepBack', 'next'].includes(command)) await s.dc.waitForEvent('stopped');
        } catch (e) {
          const message = (e as Error).message;
          assert.doesNotMatch(message, /\n\s+at /, `${command}: no stack trace`);
          answers.push(`${command}: ${message}`);
        }
      }
      assert.ok(answers.includes("setBreakpoints: setBreakpoints needs a 'source'"), answers.join('\n'));
      assert.ok(answers.includes("evaluate: evaluate needs an 'expression'"));
      // Arguments are checked against the protocol's schema: what it requires is asked for, ill-typed values refused.
      assert.ok(answers.includes("goto: goto needs a numeric 'threadId'"), answers.join('\n'));
      assert.ok(answers.includes("setFunctionBreakpoints: setFunctionBreakpoints needs a 'breakpoints'"));
      assert.ok(answers.includes("completions: completions needs a 'text'"));
      assert.ok(answers.includes("next: next: 'threadId' must be a whole number (32-bit)"));
      assert.ok(answers.includes("stepBack: stepBack needs a numeric 'threadId'"));
      assert.equal(s.output('stderr'), '', 'no internal error');
      // The failed launch left the running session alone (and the refused moves did not move it).
      const ev = await s.next();
      assert.equal(ev.body.reason, 'step');
      assert.equal(positionOf(ev), BASIC.end(0));
    } finally {
      await s.close();
    }
  });

  test('a restart that fails keeps the session as it was', async () => {
    const { s } = await Session.open('basic.iosim');
    try {
      await s.next();
      assert.match(await failure(s.dc.restartRequest({ arguments: { program: fixture('bad.iosim') } as DebugProtocol.LaunchRequestArguments })), /bad\.iosim:5:38: error:/);
      assert.equal(await s.position(), 0);
      assert.equal(positionOf(await s.next()), BASIC.end(1));
      assert.equal((await s.frames())[0].source?.path, fixture('basic.iosim'));
    } finally {
      await s.close();
    }
  });
});

describe('ending a session', () => {
  test('continue at the end sends terminated', async () => {
    const { s } = await Session.open('basic.iosim');
    try {
      const end = await s.cont();
      assert.equal(end.body.reason, 'end');
      assert.match(end.body.description ?? '', new RegExp(`program ended · position #${BASIC.head}`));
      const terminated = s.dc.waitForEvent('terminated');
      await s.dc.continueRequest({ threadId: 1 });
      await terminated;
      assert.equal(s.terminated, true);
      // After terminated no move starts: a stepBack is refused, with the reason, and no stop follows.
      const stops = s.stops.length;
      await assert.rejects(s.dc.stepBackRequest({ threadId: 1 }), /the session has ended \(the program ran to its end/);
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(s.stops.length, stops);
    } finally {
      await s.close();
    }
  });

  test('the launch is answered before configurationDone; the first stop waits for it', async () => {
    const s = await Session.start();
    try {
      const initialized = s.dc.waitForEvent('initialized');
      const t0 = Date.now();
      const launched = await s.dc.launchRequest({ program: fixture('basic.iosim'), stopOnEntry: true } as DebugProtocol.LaunchRequestArguments);
      // A client that waits for this response before it configures loses no time (it used to wait 2 s).
      assert.equal(launched.success, true);
      assert.ok(Date.now() - t0 < 1500, `answered in ${Date.now() - t0} ms`);
      await initialized;
      assert.equal(s.stops.length, 0, 'no stop before the configuration is done');
      const stopped = s.dc.waitForEvent('stopped');
      await s.dc.configurationDoneRequest();
      assert.equal((await stopped).body.reason, 'entry');
    } finally {
      await s.close();
    }
  });

  test('terminate answers and sends terminated; disconnect then answers', async () => {
    const { s } = await Session.open('basic.iosim');
    try {
      await s.next();
      const [r] = await Promise.all([s.dc.terminateRequest({}), s.dc.waitForEvent('terminated')]);
      assert.equal(r.success, true);
      const d = await s.dc.disconnectRequest({});
      assert.equal(d.success, true);
    } finally {
      kill(s.dc);
    }
  });

  test('the trace launch argument writes a Chrome trace JSON file on disconnect', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'iomachine-'));
    const file = path.join(dir, 'out.json');
    try {
      const { s } = await Session.open('basic.iosim', { trace: file });
      await s.cont();
      assert.equal(existsSync(file), false, 'written on exit, not before');
      await s.dc.disconnectRequest({});
      kill(s.dc);
      const json = JSON.parse(readFileSync(file, 'utf8')) as { traceEvents: { name: string; ph: string }[] };
      assert.ok(Array.isArray(json.traceEvents));
      assert.ok(json.traceEvents.some((e) => e.ph === 'X' && /read/.test(e.name)), 'the read syscall is a complete event');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('iomachine/export writes the trace recorded so far', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'iomachine-'));
    const file = path.join(dir, 'export.json');
    const { s } = await Session.open('basic.iosim');
    try {
      for (let i = 0; i < 4; i++) await s.next();
      const r = await s.dc.customRequest('iomachine/export', { path: file });
      // Four operations ran: the events up to the end of the read.
      assert.deepEqual(r.body, { path: file, events: BASIC.end(3) + 1 });
      const json = JSON.parse(readFileSync(file, 'utf8')) as { traceEvents: unknown[] };
      assert.ok(json.traceEvents.length > 0);
      assert.match(await failure(s.dc.customRequest('iomachine/export', {})), /needs a 'path'/);
    } finally {
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('noDebug runs the whole program, prints its lines and a summary, and ends the session', async () => {
    const s = await Session.start();
    try {
      const terminated = s.dc.waitForEvent('terminated');
      const initialized = s.dc.waitForEvent('initialized');
      const launched = s.dc.launchRequest({ program: fixture('basic.iosim'), noDebug: true } as DebugProtocol.LaunchRequestArguments);
      await initialized;
      await s.dc.configurationDoneRequest();
      await launched;
      await terminated;
      assert.equal(s.stops.length, 0, 'no stop');
      assert.equal(s.output('stdout').trim().split('\n').length, 8);
      assert.match(s.output('console'), /ran to the end in 44\.60 µs simulated:\n  7 syscalls, 14 user↔kernel switches/);
    } finally {
      await s.close();
    }
  });

  test('disconnect ends the adapter process', async () => {
    const { s } = await Session.open('basic.iosim');
    const proc = adapterProcess(s.dc);
    assert.ok(proc);
    const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
    await s.dc.disconnectRequest({});
    assert.equal(await exited, 0);
    kill(s.dc);
  });
});

describe('restart', () => {
  test('restart goes back to the entry, invalidates, and counts hits afresh', async () => {
    const { s } = await Session.open('loop.iosim', {}, async (x) => {
      await x.dc.setBreakpointsRequest({ source: { path: fixture('loop.iosim') }, breakpoints: [{ line: 10, hitCondition: '2' }] });
    });
    try {
      const hit = await s.cont();
      assert.equal(hit.body.reason, 'breakpoint');
      const p2 = positionOf(hit);
      await s.cont();
      const before = s.invalidated.length;
      const [r, entry] = await Promise.all([s.dc.restartRequest({}), s.dc.waitForEvent('stopped') as Promise<DebugProtocol.StoppedEvent>]);
      assert.equal(r.success, true);
      assert.equal(entry.body.reason, 'entry');
      assert.equal(positionOf(entry), -1);
      assert.ok(s.invalidated.length > before);
      assert.equal((await s.frames())[0].line, 7);
      const again = await s.cont();
      assert.equal(again.body.reason, 'breakpoint');
      assert.equal(positionOf(again), p2, 'the 2nd occurrence again');
    } finally {
      await s.close();
    }
  });
});

describe('stdout carries nothing but DAP', () => {
  test('every byte the standalone adapter writes to stdout is a Content-Length framed DAP message', async () => {
    const child = spawn(process.execPath, [ADAPTER], { stdio: ['pipe', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => chunks.push(b));
    let seq = 1;
    const send = (command: string, args: unknown) => {
      const json = JSON.stringify({ seq: seq++, type: 'request', command, arguments: args });
      child.stdin.write(`Content-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}`);
    };
    send('initialize', { adapterID: 'iomachine', pathFormat: 'path', linesStartAt1: true, columnsStartAt1: true });
    send('launch', { program: fixture('basic.iosim'), stopOnEntry: false });
    // Waits (20 s at most: a loaded machine is slow, never a fixed delay) until stdout has shown `text`, `n` times.
    const seen = (text: string, n = 1) => new Promise<void>((resolve, reject) => {
      const count = () => Buffer.concat(chunks).toString('utf8').split(text).length - 1;
      const t0 = Date.now();
      const poll = () => {
        if (count() >= n) resolve();
        else if (Date.now() - t0 > 20_000) reject(new Error(`no ${text} on stdout within 20 s`));
        else setTimeout(poll, 20);
      };
      poll();
    });
    send('configurationDone', {});
    // The run to the end of the program: its stop.
    await seen('"event":"stopped"');
    send('evaluate', { expression: 'meminfo', context: 'repl' });
    send('frobnicate', {});
    send('launch', { program: fixture('bad.iosim') });
    // The second launch's answer (the first launch's is the first).
    await seen('"command":"launch"', 2);
    send('disconnect', {});
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    assert.equal(code, 0);
    const all = Buffer.concat(chunks);
    let at = 0;
    const messages: { type: string; command?: string; event?: string }[] = [];
    while (at < all.length) {
      const headerEnd = all.indexOf('\r\n\r\n', at);
      assert.ok(headerEnd > at, `a header at byte ${at}`);
      const header = all.subarray(at, headerEnd).toString('ascii');
      const m = /^Content-Length: (\d+)$/.exec(header);
      assert.ok(m, `'${header}' is a DAP header`);
      const len = Number(m[1]);
      const body = all.subarray(headerEnd + 4, headerEnd + 4 + len);
      assert.equal(body.length, len);
      messages.push(JSON.parse(body.toString('utf8')) as { type: string });
      at = headerEnd + 4 + len;
    }
    assert.ok(messages.length > 10);
    for (const msg of messages) assert.ok(['response', 'event'].includes(msg.type));
    assert.ok(messages.some((msg) => msg.event === 'stopped'));
    assert.ok(messages.some((msg) => msg.type === 'response' && msg.command === 'disconnect'));
  });
});
