/**
 * The DAP reliability cases (test/debug/fixtures/reliability/*.json, found by fuzzing), one named regression test
 * each: the case's steps are replayed against the standalone adapter as written, then what should have happened is
 * checked, with a few variations of the same fault.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { Answer, DapProcess, frame, hasStackTrace, Message, ROOT } from '../fuzz/dapClient';

const CASES = path.join(ROOT, 'test/debug/fixtures/reliability');

interface Step {
  command?: string;
  arguments?: unknown;
  async?: boolean;
  waitEvent?: string;
  raw?: string;
  sleep?: number;
}

interface Replay {
  dap: DapProcess;
  /** The answer to each step that sent a request (undefined for raw and async steps). */
  answers: (Answer | undefined)[];
  /** Whether each step's awaited event came. */
  events: (Message | null | undefined)[];
}

/** Replays a case as replay-dap.mjs does; the adapter is left running for more checks. */
async function replay(name: string): Promise<Replay> {
  const text = readFileSync(path.join(CASES, `${name}.json`), 'utf8').replaceAll('${caseDir}', CASES);
  const steps = (JSON.parse(text) as { steps: Step[] }).steps;
  const dap = new DapProcess();
  const answers: (Answer | undefined)[] = [];
  const events: (Message | null | undefined)[] = [];
  for (const s of steps) {
    if (s.raw !== undefined) {
      dap.raw(s.raw);
      answers.push(undefined);
      events.push(undefined);
    } else {
      const ev = s.waitEvent ? dap.event(s.waitEvent) : null;
      const answer = dap.request(s.command!, s.arguments);
      answers.push(s.async ? undefined : await answer);
      events.push(ev ? await ev : undefined);
    }
    if (s.sleep) await new Promise((r) => setTimeout(r, s.sleep));
  }
  return { dap, answers, events };
}

function response(a: Answer | undefined): Message {
  assert.ok(a && typeof a === 'object', `a response, not ${String(a)}`);
  return a;
}

function refused(a: Answer | undefined, message: RegExp): void {
  const r = response(a);
  assert.equal(r.success, false, `${r.command} should fail`);
  assert.match(r.message ?? '', message);
  assert.doesNotMatch(r.message ?? '', /internal error/);
}

/** Nothing internal reached the client: no internal error, no stack trace, no empty error message. */
function clean(dap: DapProcess): void {
  for (const m of dap.messages) {
    if (m.type === 'response' && m.success === false) {
      assert.ok(m.message?.trim(), `${m.command}: an error response has a message`);
      assert.doesNotMatch(m.message ?? '', /internal error/, `${m.command}: ${m.message}`);
    }
    assert.ok(!hasStackTrace(m.message ?? ''), `no stack trace: ${m.message}`);
    if (m.type === 'event' && m.event === 'output') assert.ok(!hasStackTrace(String(m.body?.output ?? '')), `no stack trace: ${m.body?.output}`);
  }
  assert.deepEqual(dap.nonDap, []);
}

const open: DapProcess[] = [];
after(async () => {
  for (const d of open) await d.close();
});

async function run(name: string): Promise<Replay> {
  const r = await replay(name);
  open.push(r.dap);
  return r;
}

describe('reliability cases (issue 14)', () => {
  test('dap-malformed-frame-silent-exit: bad frames are reported on stderr and skipped; the adapter goes on', async () => {
    const { dap, answers } = await run('dap-malformed-frame-silent-exit');
    assert.equal(response(answers[2]).success, true, 'threads after the null frame is answered');
    // The other malformed frames of the fault, and the next request after each.
    const bad = [
      frame('{"a":'), frame('[1, 2]'), frame('"text"'), frame('{"seq":1,"type":"response"}'), frame('{"seq":5,"type":"event","event":"x"}'),
      frame('{"seq":6,"type":"bogus"}'), frame('{"type":"request","command":"threads"}'), 'Content-Type: json\r\n\r\n{}', 'garbage without a header end',
      // A Content-Length longer than its body: the request after it must not be swallowed.
      `Content-Length: 500\r\n\r\n{"seq":7,"type":"request","command":"threads"}`,
    ];
    for (const b of bad) {
      dap.raw(b);
      const r = response(await dap.request('threads', undefined, 5000));
      assert.equal(r.success, true, `threads after ${JSON.stringify(b)}`);
    }
    assert.ok(dap.alive);
    // stderr is another pipe: its lines may come after the responses (under load, well after): wait for each.
    for (const re of [/not a JSON object: "null"/, /not JSON/, /response .* to no request/, /longer than its body/]) {
      assert.ok(await dap.stderrMatch(re), `stderr has no ${re} line: ${dap.stderr}`);
    }
    const r = response(await dap.request(''));
    assert.equal(r.success, false);
    assert.match(r.message ?? '', /needs a 'command'/);
    clean(dap);
  });

  test('dap-no-stop-after-terminate-then-restart: after terminate, restart and launch stop again', async () => {
    const { dap, answers, events } = await run('dap-no-stop-after-terminate-then-restart');
    assert.equal(response(answers[4]).success, true, 'restart');
    assert.equal(events[4]?.event, 'stopped', 'restart stops on entry');
    assert.equal(events[5]?.event, 'stopped', 'next after the restart stops');
    // terminate again, then a launch that runs to the end without stopping on entry.
    await Promise.all([dap.request('terminate', {}), dap.event('terminated')]);
    assert.match(response(await dap.request('next', { threadId: 1 })).message ?? '', /session has ended/);
    const stopped = dap.event('stopped');
    const launched = dap.request('launch', { program: 'examples/sendfile.iosim', stopOnEntry: false });
    await dap.request('configurationDone', {});
    assert.equal(response(await launched).success, true);
    assert.equal((await stopped)?.body?.reason, 'end');
    const back = dap.event('stopped');
    assert.equal(response(await dap.request('stepBack', { threadId: 1 })).success, true);
    assert.ok(await back, 'a move after the second launch stops');
    clean(dap);
  });

  test('dap-second-launch-while-running-crash: a launch while a run is going pauses it; the adapter lives', async () => {
    const { dap, answers } = await run('dap-second-launch-while-running-crash');
    assert.ok(dap.alive, `the adapter is running (stderr: ${dap.stderr})`);
    assert.equal(response(answers[4]).success, true, 'threads');
    const launches = dap.messages.filter((m) => m.type === 'response' && m.command === 'launch');
    assert.equal(launches.length, 2);
    assert.ok(launches.every((m) => m.success), 'both launches answered');
    // The second launch's run ends with a stop; the first one's stop was dropped with its program.
    if (!dap.events('stopped').length) assert.ok(await dap.event('stopped', 15_000), 'the second launch stops');
    // Any run in progress: a continue over the long run, then a launch of another program.
    const stop = dap.event('stopped');
    await dap.request('restart', {});
    await stop;
    await dap.request('continue', { threadId: 1 });
    const next = dap.event('stopped');
    const again = response(await dap.request('launch', { program: 'examples/sendfile.iosim', stopOnEntry: true }));
    assert.equal(again.success, true);
    assert.equal((await next)?.body?.reason, 'entry');
    assert.equal(response(await dap.request('stackTrace', { threadId: 1 })).success, true);
    assert.equal(dap.stderr.includes('Unhandled'), false);
    clean(dap);
  });

  test('dap-program-dev-zero-hang: a program that is not a regular file is refused before it is read', async () => {
    const { dap, answers } = await run('dap-program-dev-zero-hang');
    refused(answers[1], /cannot read \/dev\/zero: it is a device, not a regular file/);
    assert.equal(response(answers[2]).success, true);
    const dir = mkdtempSync(path.join(tmpdir(), 'iomachine-fifo-'));
    try {
      const fifo = path.join(dir, 'pipe.iosim');
      execFileSync('mkfifo', [fifo]);
      refused(await dap.request('launch', { program: fifo }, 3000), /it is a FIFO, not a regular file/);
      refused(await dap.request('launch', { program: dir }, 3000), /it is a directory, not a regular file/);
      refused(await dap.request('restart', { arguments: { program: '/dev/zero' } }, 3000), /not a regular file/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    clean(dap);
  });

  test('dap-seek-blocks-adapter: a seek past the history yields; pause stops it where it got to', async () => {
    const { dap, answers } = await run('dap-seek-blocks-adapter');
    const paused = dap.messages.find((m) => m.type === 'event' && m.event === 'stopped' && m.body?.reason === 'pause')
      ?? (await dap.wait((m) => m.event === 'stopped', 3000));
    assert.equal(paused?.body?.reason, 'pause', 'the seek stopped for the pause, not at its goal');
    assert.equal(response(answers[4]).success, true, 'pause answered');
    assert.equal(response(answers[5]).success, true, 'threads answered');
    // Answered while it runs: a threads request sent during a second seek comes back before its stop.
    await dap.request('iomachine/seek', { position: 1e12 });
    const t0 = Date.now();
    assert.equal(response(await dap.request('threads', undefined, 2000)).success, true);
    assert.ok(Date.now() - t0 < 1000, `threads answered in ${Date.now() - t0} ms during a seek`);
    const stop = dap.event('stopped');
    await dap.request('pause', { threadId: 1 });
    assert.equal((await stop)?.body?.reason, 'pause');
    clean(dap);
  });

  test('dap-checkpoint-every-small-memory: checkpointEvery is raised to 1000 with a warning; memory stays bounded', async () => {
    const { dap, events } = await run('dap-checkpoint-every-small-memory');
    assert.equal(events[3]?.body?.reason, 'end', 'the continue reached the end');
    const out = dap.events('output').map((e) => String(e.body?.output)).join('');
    assert.match(out, /checkpointEvery 100 is below the minimum of 1000 events: using 1000/);
    const { peak } = dap.memory();
    assert.ok(peak < 1_200_000, `peak RSS ${Math.round(peak / 1024)} MB`);
    refused(await dap.request('launch', { program: 'examples/sendfile.iosim', checkpointEvery: '50' }), /'checkpointEvery' must be a whole number/);
    refused(await dap.request('launch', { program: 'examples/sendfile.iosim', checkpointEvery: 2.5 }), /'checkpointEvery' must be a whole number/);
    clean(dap);
  });

  test('dap-ill-typed-arguments-internal-error: each bad argument is named, nothing internal is shown', async () => {
    const { dap, answers } = await run('dap-ill-typed-arguments-internal-error');
    refused(answers[3], /^setFunctionBreakpoints: 'breakpoints' must be an array of FunctionBreakpoint objects$/);
    refused(answers[4], /^setFunctionBreakpoints: 'breakpoints\[0\]\.name' must be a string$/);
    refused(answers[5], /^setDataBreakpoints: 'breakpoints' must be an array/);
    refused(answers[6], /^setExceptionBreakpoints: 'filters' must be an array of filter ids$/);
    refused(answers[7], /^setExceptionBreakpoints: 'filterOptions' must be an array/);
    refused(answers[8], /^readMemory needs a 'memoryReference'$/);
    refused(answers[9], /^source: 'sourceReference' must be a whole number/);
    // The other handler/argument pairs fuzzing found.
    refused(await dap.request('setBreakpoints', { source: { path: 'x' }, lines: 'all' }), /'lines' must be an array of line numbers/);
    refused(await dap.request('setBreakpoints', { source: { path: 'x' }, breakpoints: {} }), /'breakpoints' must be an array/);
    refused(await dap.request('setExceptionBreakpoints', { filters: [null] }), /'filters\[0\]' must be a string/);
    refused(await dap.request('setExceptionBreakpoints', { filters: [], filterOptions: [null] }), /'filterOptions\[0\]' must be an object/);
    refused(await dap.request('readMemory', { memoryReference: 5, count: 1 }), /'memoryReference' must be a string/);
    refused(await dap.request('iomachine/export', { path: {} }), /'path' must be a non-empty string/);
    assert.equal(dap.stderr, '', 'nothing to log: no handler failed');
    clean(dap);
  });

  test('dap-stacktrace-without-threadid-null-frame-id: threadId is required and typed; frame ids are integers', async () => {
    const { dap, answers } = await run('dap-stacktrace-without-threadid-null-frame-id');
    refused(answers[3], /^stackTrace needs a numeric 'threadId'$/);
    refused(answers[4], /^stackTrace: 'threadId' must be a whole number/);
    refused(await dap.request('stackTrace', { threadId: 77 }), /there is no thread 77/);
    const frames = (response(await dap.request('stackTrace', { threadId: 1 })).body?.stackFrames ?? []) as { id: unknown }[];
    assert.ok(frames.length > 0 && frames.every((f) => Number.isInteger(f.id)));
    clean(dap);
  });

  test('dap-readmemory-missing-count-null: count is required, offset must be a number', async () => {
    const { dap, answers } = await run('dap-readmemory-missing-count-null');
    refused(answers[4], /^readMemory needs a numeric 'count'$/);
    refused(answers[5], /^readMemory: 'offset' must be a whole number$/);
    const ok = response(await dap.request('readMemory', { memoryReference: 'file:0', offset: 0, count: 16 }));
    if (ok.success) assert.ok(typeof ok.body?.address === 'string' && !/NaN/.test(String(ok.body.address)) && Number.isInteger(ok.body?.unreadableBytes ?? 0));
    clean(dap);
  });

  test('dap-hover-evaluate-empty-error-message: a hover that is not evaluated says why', async () => {
    const { dap, answers } = await run('dap-hover-evaluate-empty-error-message');
    refused(answers[3], /on hover only names and console commands are evaluated/);
    for (const expression of ['', '(((', '16KiB']) {
      refused(await dap.request('evaluate', { expression, context: 'hover' }), /.+/);
    }
    refused(await dap.request('evaluate', { expression: '(((', context: 'repl' }), /.+/);
    clean(dap);
  });

  test('dap-unsupported-requests-answer-success: what is not supported is refused by name, and not announced', async () => {
    const { dap, answers } = await run('dap-unsupported-requests-answer-success');
    const caps = response(answers[0]).body ?? {};
    const names = ['attach', 'loadedSources', 'stepInTargets', 'breakpointLocations', 'setExpression', 'setInstructionBreakpoints'];
    names.forEach((n, i) => refused(answers[i + 1], new RegExp(`^'${n}' is not supported$`)));
    for (const n of ['restartFrame', 'writeMemory', 'disassemble', 'terminateThreads', 'cancel', 'modules']) {
      refused(await dap.request(n, {}), new RegExp(`^'${n}' is not supported$`));
    }
    for (const cap of ['supportsLoadedSourcesRequest', 'supportsStepInTargetsRequest', 'supportsBreakpointLocationsRequest', 'supportsSetExpression',
      'supportsInstructionBreakpoints', 'supportsRestartFrame', 'supportsWriteMemoryRequest', 'supportsDisassembleRequest', 'supportsTerminateThreadsRequest',
      'supportsCancelRequest', 'supportsModulesRequest']) {
      assert.notEqual(caps[cap], true, cap);
    }
    refused(await dap.request('frobnicate', {}), /^unknown request 'frobnicate'$/);
    clean(dap);
  });

  test('dap-setbreakpoints-echoes-ill-typed-line: an ill-typed line is refused, never echoed', async () => {
    const { dap, answers } = await run('dap-setbreakpoints-echoes-ill-typed-line');
    refused(answers[1], /^setBreakpoints: 'breakpoints\[0\]\.line' must be a whole number/);
    const r = response(await dap.request('setBreakpoints', { source: { path: 'examples/sendfile.iosim' }, breakpoints: [{ line: 12 }] }));
    assert.ok(((r.body?.breakpoints ?? []) as { line?: unknown }[]).every((b) => b.line === undefined || Number.isInteger(b.line)));
    clean(dap);
  });

  test('compare-huge-size-blocks-adapter: a comparison too large for the debugger is refused at once', async () => {
    const t0 = Date.now();
    const { dap } = await run('compare-huge-size-blocks-adapter');
    const compare = dap.messages.find((m) => m.command === 'iomachine/compare');
    refused(compare, /64 GiB is more than the 256 MiB compared here/);
    assert.ok(Date.now() - t0 < 5000, `answered in ${Date.now() - t0} ms`);
    clean(dap);
  });

  test('compare-size-not-block-multiple: a size O_DIRECT cannot read is refused with the rule', async () => {
    const { dap, answers } = await run('compare-size-not-block-multiple');
    refused(answers[1], /multiple of 512 bytes/);
    const ok = response(await dap.request('iomachine/compare', { size: '4KiB', disk: 'nvme' }));
    assert.equal(ok.success, true);
    assert.equal((ok.body?.rows as unknown[]).length, 6);
    clean(dap);
  });

  test('export-bad-output-path-stack-trace: an unwritable export path is a plain error', async () => {
    const { dap, answers } = await run('export-bad-output-path-stack-trace');
    refused(answers[3], /^cannot write .*examples: EISDIR$/);
    refused(answers[4], /^cannot write .*no-such-folder\/trace\.json: ENOENT$/);
    clean(dap);
  });
});

describe('faults the DAP fuzzer found (test/fuzz)', () => {
  async function launched(program: string, more: Record<string, unknown> = {}): Promise<DapProcess> {
    const dap = new DapProcess();
    open.push(dap);
    await dap.request('initialize', { adapterID: 'iomachine' });
    const stopped = dap.event('stopped');
    const launch = dap.request('launch', { program, stopOnEntry: true, ...more });
    await dap.request('configurationDone', {});
    assert.equal(response(await launch).success, true);
    assert.ok(await stopped);
    return dap;
  }

  test('a pause sent right after a move was answered stops it (it was lost until the move began, and runs went on for seconds)', async () => {
    const dap = await launched(path.join(CASES, 'long-run.iosim'));
    const stop = dap.event('stopped');
    // Both written at once: the pause reaches the adapter before the continue has started running.
    const cont = dap.request('continue', { threadId: 1 });
    const pause = dap.request('pause', { threadId: 1 });
    assert.equal(response(await cont).success, true);
    assert.equal(response(await pause).success, true);
    const t0 = Date.now();
    assert.equal((await stop)?.body?.reason, 'pause');
    assert.ok(Date.now() - t0 < 2000);
    clean(dap);
  });

  test('two moves at once: the second is refused, never answered with success and then dropped', async () => {
    const dap = await launched('examples/sendfile.iosim');
    const stopped = dap.event('stopped');
    const [a, b] = await Promise.all([dap.request('next', { threadId: 1 }), dap.request('next', { threadId: 1 })]);
    assert.equal(response(a).success, true);
    refused(b, /already running/);
    assert.ok(await stopped);
    clean(dap);
  });

  test('disconnect with a trace file in a folder that does not exist is answered at once, not after exporting the trace', async () => {
    const dap = await launched(path.join(CASES, 'long-run.iosim'), { trace: '/nonexistent/dir/t.json' });
    const end = dap.event('stopped', 20_000);
    await dap.request('continue', { threadId: 1 });
    assert.equal((await end)?.body?.reason, 'end');
    const t0 = Date.now();
    assert.equal(response(await dap.request('disconnect', {})).success, true);
    assert.ok(Date.now() - t0 < 1000, `answered in ${Date.now() - t0} ms`);
    const out = dap.events('output').map((e) => String(e.body?.output)).join('');
    assert.match(out, /could not write the trace: cannot write \/nonexistent\/dir\/t\.json: ENOENT/);
  });

  test('a launch that fails does not take over from the launch before it: that one still stops', async () => {
    const dap = new DapProcess();
    open.push(dap);
    await dap.request('initialize', { adapterID: 'iomachine' });
    const stopped = dap.event('stopped');
    const good = dap.request('launch', { program: 'examples/sendfile.iosim', stopOnEntry: true });
    const bad = dap.request('launch', { program: 'nope.iosim' });
    await dap.request('configurationDone', {});
    assert.equal(response(await good).success, true);
    refused(await bad, /cannot read .*nope\.iosim: ENOENT/);
    assert.equal((await stopped)?.body?.reason, 'entry');
    clean(dap);
  });
});
