/** Debugging a real strace log: processes as threads, line breakpoints on log lines, time travel, the panel state. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Session } from './helpers';

const LOGS = path.join(__dirname, '../../../test/fixtures/strace');

test('a multi-process log: each process is a thread, a breakpoint on a log line stops on that process', async () => {
  const program = path.join(LOGS, 'pipeline.strace');
  // Line 203 is wc (pid 9977) reading the pipe: `read(0<pipe:[135548]>, ..., 16384) = 16384`.
  const s = await Session.start();
  try {
    await s.launch({ program, stopOnEntry: false }, async (x) => {
      const r = await x.dc.setBreakpointsRequest({ source: { path: program }, breakpoints: [{ line: 203 }] });
      assert.equal(r.body.breakpoints[0].verified, true);
      assert.equal(r.body.breakpoints[0].line, 203);
    });
    const stop = s.stops[s.stops.length - 1];
    assert.equal(stop.body.reason, 'breakpoint');
    const threads = (await s.dc.threadsRequest()).body.threads;
    const names = threads.map((t) => t.name).join(' | ');
    assert.ok(threads.length >= 3, `the shell, cat and wc are threads: ${names}`);
    assert.match(names, /9976/);
    assert.match(names, /9977/);
    const wc = threads.find((t) => /9977/.test(t.name))!;
    assert.equal(stop.body.threadId, wc.id, 'the stop is on the process that makes the call');
    const frames = await s.frames(wc.id);
    assert.equal(frames[0].line, 203);
    const cat = threads.find((t) => /9976/.test(t.name))!;
    const catFrames = await s.frames(cat.id);
    assert.ok(catFrames[0].line! < 203, `cat's last call is before line 203 (${catFrames[0].name} at ${catFrames[0].line})`);
    // Step into the read and back out: the kernel path is there for a log too.
    const into = await s.stepIn();
    assert.equal(into.body.reason, 'step');
    const kernel = await s.frames(wc.id);
    assert.ok(kernel[0].source?.sourceReference, 'a generated kernel-path source');
    const back = await s.stepBack();
    assert.equal(back.body.reason, 'step');
    assert.equal((await s.frames(wc.id))[0].line, 203);
    const state = await s.state();
    assert.ok(state.counters.syscalls > 0);
  } finally {
    await s.close();
  }
});

test('a log replays to the end and the console speaks cachestat about it', async () => {
  const s = await Session.start();
  await s.launch({ program: path.join(LOGS, 'cat.strace'), stopOnEntry: true });
  try {
    const end = await s.cont();
    assert.equal(end.body.reason, 'end');
    const r = await s.dc.evaluateRequest({ expression: 'cachestat', context: 'repl' });
    const [, values] = r.body.result.split('\n');
    const [hits, misses] = values.trim().split(/\s+/).map(Number);
    assert.ok(misses > 0 && hits > 0, `cat's first read misses, later reads hit: ${values}`);
    const printed = s.outputs.map((o) => o.body.output).join('');
    assert.match(printed, /read\(3</);
  } finally {
    await s.close();
  }
});

test('function breakpoints on any call of a log stop at each of its lines, simulated or only shown', async () => {
  const program = path.join(LOGS, 'cat.strace');
  // What the log says, read here from its text: the lines where each call starts.
  const text = readFileSync(program, 'utf8').split('\n');
  const linesOf = (name: string) => text.flatMap((l, i) => (new RegExp(`^\\d+\\s+[\\d:.]+\\s+${name}\\(`).test(l) ? [i + 1] : []));
  const expected = [...linesOf('mmap'), ...linesOf('newfstatat'), ...linesOf('exit_group')].sort((a, b) => a - b);
  assert.ok(linesOf('mmap').length >= 2 && linesOf('exit_group').length === 1 && linesOf('newfstatat').length >= 2);
  const s = await Session.start();
  try {
    await s.launch({ program, stopOnEntry: true }, async (x) => {
      const r = await x.dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'mmap' }, { name: 'newfstatat' }, { name: 'exit_group' }, { name: 'frobnicate' }] });
      assert.deepEqual(r.body.breakpoints.map((b) => b.verified), [true, true, true, false]);
      assert.match(r.body.breakpoints[3].message ?? '', /'frobnicate' is not a syscall the machine models nor a call of this log; this log's calls include .*read/);
    });
    const stopped: number[] = [];
    for (let i = 0; i < 100; i++) {
      const ev = await s.cont();
      if (ev.body.reason === 'end') break;
      assert.equal(ev.body.reason, 'function breakpoint');
      stopped.push((await s.frames())[0].line);
    }
    assert.deepEqual(stopped, expected);
    // Backwards too: reverse-continue from the end meets them in the opposite order.
    const back: number[] = [];
    for (let i = 0; i < 100; i++) {
      const ev = await s.reverse();
      if (ev.body.reason === 'entry') break;
      back.push((await s.frames())[0].line);
    }
    assert.deepEqual(back, [...expected].reverse());
  } finally {
    await s.close();
  }
});

test('a log takes the launch configuration\'s machine block, and "profile": "host" sets the machine from this computer first', async () => {
  const program = path.join(LOGS, 'cat.strace');
  const set = await Session.start();
  try {
    await set.launch({ program, stopOnEntry: true, machine: { disk: 'hdd', 'vm.dirty_expire_centisecs': 1000 } });
    assert.match((await set.scope('Devices')).get('disk')!.value, /HDD|hard/i);
    assert.equal((await set.scope('sysctl')).get('vm.dirty_expire_centisecs')!.value, '1000');
  } finally {
    await set.close();
  }
  const host = await Session.start();
  try {
    // The machine block applies after the profile, whatever this computer says.
    await host.launch({ program, stopOnEntry: true, profile: 'host', machine: { 'vm.dirty_writeback_centisecs': 700 } });
    const printed = host.output();
    assert.match(printed, /profile host/);
    assert.equal((await host.scope('sysctl')).get('vm.dirty_writeback_centisecs')!.value, '700');
    if (process.platform === 'linux') {
      const expire = readFileSync('/proc/sys/vm/dirty_expire_centisecs', 'utf8').trim();
      assert.equal((await host.scope('sysctl')).get('vm.dirty_expire_centisecs')!.value, expire, 'read from /proc/sys/vm');
      assert.match(printed, /vm\.dirty_expire_centisecs=\d+ \(\/proc\/sys\/vm\/dirty_expire_centisecs\)/);
    }
  } finally {
    await host.close();
  }
});

test('at a function breakpoint the Operation scope shows the pending call; another process\'s frame shows its own last call', async () => {
  const program = path.join(LOGS, 'pipeline.strace');
  // Line 200: cat (pid 9976) writes its first 128 KiB block into the pipe: `write(1<pipe:[135548]>, ..., 131072`.
  const s = await Session.start();
  try {
    await s.launch({ program, stopOnEntry: false }, async (x) => {
      await x.dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'write' }] });
    });
    const stop = s.stops[s.stops.length - 1];
    assert.equal(stop.body.reason, 'function breakpoint');
    const threads = (await s.dc.threadsRequest()).body.threads;
    const cat = threads.find((t) => /9976/.test(t.name))!;
    const wc = threads.find((t) => /9977/.test(t.name))!;
    assert.equal(stop.body.threadId, cat.id);
    const catFrame = (await s.frames(cat.id))[0];
    assert.equal(catFrame.line, 200);
    const scopesOf = async (frameId: number) => (await s.dc.scopesRequest({ frameId })).body.scopes;
    const varsOf = async (frameId: number, name: string) => {
      const sc = (await scopesOf(frameId)).find((x) => x.name === name)!;
      return new Map((await s.variables(sc.variablesReference)).map((v) => [v.name, v.value]));
    };
    // The frame is at the write, not yet run: the scope names it with its arguments (it used to show only the call
    // before, as if the stop were after that one).
    const op = await varsOf(catFrame.id, 'Operation');
    assert.match(op.get('next call') ?? '', /^write \(line 200\): fd=\d+<pipe:\[\d+\] write end>, buf=0x[0-9a-f]+, count=131072 \(128 KiB\); not run yet$/);
    // The call before is cat's own (its read of lines 194/196), not wc's fadvise64 of line 202 that ran last; the
    // registers were last set by wc's call, and the scope says they are the CPU's.
    assert.equal(op.get('call'), 'read (line 194)');
    assert.equal(op.get('in the log'), 'read(3</tmp/iosim/notes.txt>, "rxL1F4oUvW0qBwS6+2/3xPDcXdve6OrX"..., 131072) = 131072');
    assert.equal((await scopesOf(catFrame.id))[0].name, 'Registers (of the CPU, not this process)');
    // The machine's descriptor numbers are its own (one table for the log's processes); the log's text is beside them.
    assert.equal(op.get('next call in the log'), 'write(1<pipe:[135548]>, "rxL1F4oUvW0qBwS6+2/3xPDcXdve6OrX"..., 131072)');
    // wc's frame is where its own last call returned; its Operation scope shows that call, not cat's.
    const wcFrame = (await s.frames(wc.id))[0];
    // cat's write is replayed where it completes (after line 203), so wc has run up to its fadvise64 of line 202.
    assert.equal(wcFrame.line, 202);
    const names = (await scopesOf(wcFrame.id)).map((x) => x.name);
    assert.equal(names[0], 'Registers (of the CPU, not this process)');
    const wcOp = await varsOf(wcFrame.id, 'Operation');
    assert.equal(wcOp.get('call'), wcFrame.name.replace(', returned)', ')'));
    assert.equal(wcOp.get('state'), 'returned');
    assert.equal(wcOp.get('in the log'), 'fadvise64(0<pipe:[135548]>, 0, 0, POSIX_FADV_SEQUENTIAL) = -1 ESPIPE (Illegal seek)');
    assert.equal(wcOp.get('next call'), undefined);
  } finally {
    await s.close();
  }
});

test('next and stepBack on one process of a log step over that process\'s calls, and the stop is that process\'s', async () => {
  const program = path.join(LOGS, 'pipeline.strace');
  const s = await Session.start();
  try {
    // Stopped at wc's read of line 203; cat (pid 9976) has written its first block and reads its next at line 209.
    await s.launch({ program, stopOnEntry: false }, async (x) => {
      await x.dc.setBreakpointsRequest({ source: { path: program }, breakpoints: [{ line: 203 }] });
    });
    const threads = (await s.dc.threadsRequest()).body.threads;
    const cat = threads.find((t) => /9976/.test(t.name))!;
    const wc = threads.find((t) => /9977/.test(t.name))!;
    assert.equal(s.thread, wc.id);
    // Stepping cat runs wc's reads of lines 203–206 and 208 on the way and stops after cat's read of line 209 (resumed
    // at 211). A plain step would have stopped after wc's read of line 203. wc's read of line 212 comes next (not run
    // yet: the step ended at the head), so wc's frame is at line 212 and cat's at its read, returned; cat's frame
    // showed wc's line 212 as its own while the next call's process was taken from the call before.
    const over = await s.move(() => s.dc.nextRequest({ threadId: cat.id }));
    assert.equal(over.body.reason, 'step');
    assert.equal(over.body.threadId, cat.id);
    assert.deepEqual([(await s.frames(cat.id))[0].name, (await s.frames(cat.id))[0].line], ['read (line 209, returned)', 209]);
    assert.deepEqual([(await s.frames(wc.id))[0].name, (await s.frames(wc.id))[0].line], ['main', 212]);
    // Back over cat's read: cat is before line 209 again, and it is cat's stop.
    const back = await s.move(() => s.dc.stepBackRequest({ threadId: cat.id }));
    assert.equal(back.body.threadId, cat.id);
    assert.equal((await s.frames(cat.id))[0].line, 209);
  } finally {
    await s.close();
  }
});

test('next on a process of a log that has exited is refused with the reason (it ran the whole log to its end)', async () => {
  const program = path.join(LOGS, 'pipeline.strace');
  const s = await Session.start();
  try {
    await s.launch({ program, stopOnEntry: false }, async (x) => {
      await x.dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'exit_group' }] });
    });
    // The first exit_group stop; run on to the next one, so that the first process to exit has done so.
    const first = s.stops[s.stops.length - 1].body.threadId!;
    await s.cont();
    const exited = (await s.dc.threadsRequest()).body.threads.find((t) => t.id === first)!;
    const stops = s.stops.length;
    await assert.rejects(s.dc.nextRequest({ threadId: exited.id }), new RegExp(`${exited.name.replace(/[[\]]/g, '\\$&')} has exited \\(exit_group at line \\d+\\): it makes no more calls to step over`));
    assert.equal(s.stops.length, stops, 'no move');
    // Stepping back over its calls is still possible.
    const back = await s.move(() => s.dc.stepBackRequest({ threadId: exited.id }));
    assert.equal(back.body.threadId, exited.id);
  } finally {
    await s.close();
  }
});
