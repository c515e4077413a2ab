/**
 * Reverse execution restores the exact state: every scope's variables (registers, operation, program variables,
 * page cache with its files and LRU lists, buffers, devices, counters, sysctl) are identical after a step forward
 * and a step back, after a reverseContinue back to a stop, and after a seek; and a sysctl edited with setVariable
 * changes what happens from the current position on.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DebugProtocol } from '@vscode/debugprotocol';
import { MachineState } from '../../src/shared/messages';
import { Ev, evictReason } from '../../src/machine/events';
import { failure, positionOf, Session, VarTree } from './helpers';
import { Layout } from './positions';

/** Positions in basic.iosim by what happens there (positions.ts). */
const BASIC = new Layout('basic.iosim');

/** What of the panel's state must come back exactly (the timeline and the 'changed' marks depend on history). */
function essential(st: MachineState): Partial<MachineState> & { registerValues: string[] } {
  return {
    position: st.position, timeNs: st.timeNs, thread: st.thread, mode: st.mode, operation: st.operation, counters: st.counters,
    movement: st.movement, pageCache: st.pageCache, hex: st.hex, devices: st.devices, sysctl: st.sysctl,
    registerValues: st.registers.map((r) => `${r.name}=${r.value}`),
  };
}

async function capture(s: Session): Promise<{ vars: VarTree; state: ReturnType<typeof essential>; frames: [string, number][] }> {
  return {
    vars: await s.snapshot(),
    state: essential(await s.state()),
    frames: (await s.frames()).map((f) => [f.name, f.line]),
  };
}

/**
 * At each position the walk reaches, one step forward and one back (of the same granularity) must give back the
 * same variables in every scope, the same panel state and the same stack.
 */
async function checkRoundTrips(program: string, walk: (s: Session) => Promise<DebugProtocol.StoppedEvent | null>, options = {}): Promise<number> {
  const { s } = await Session.open(program, options);
  let checked = 0;
  try {
    for (;;) {
      const ev = await walk(s);
      if (!ev || ev.body.reason === 'end') break;
      const pos = positionOf(ev);
      const before = await capture(s);
      const boundary = before.frames.length === 1;
      // Forward one operation (or one kernel line inside a syscall), then back.
      await s.next();
      const back = await s.stepBack(boundary ? undefined : 'instruction');
      assert.equal(positionOf(back), pos, `back at ${pos}`);
      assert.deepEqual(await capture(s), before, `state at ${pos} after next + stepBack`);
      // One kernel step in and back.
      await s.stepIn();
      assert.equal(positionOf(await s.stepBack('instruction')), pos);
      assert.deepEqual(await capture(s), before, `state at ${pos} after stepIn + stepBack`);
      checked++;
    }
  } finally {
    await s.close();
  }
  return checked;
}

describe('a step forward and a step back restore the exact state', () => {
  test('at every boundary of basic.iosim (live machine before, replay after)', async () => {
    const n = await checkRoundTrips('basic.iosim', (s) => s.next());
    assert.equal(n, 8);
  });

  test('at every kernel line of the read and the write (mid-syscall states: DMA in flight, pages locked)', async () => {
    let started = false;
    const n = await checkRoundTrips('basic.iosim', async (s) => {
      if (!started) {
        started = true;
        for (let i = 0; i < 3; i++) await s.next();
      }
      const ev = await s.stepIn();
      return positionOf(ev) >= BASIC.end(4) ? null : ev;
    });
    assert.ok(n >= 18, `${n} positions checked`);
  });

  test('through page-cache evictions and LRU lists (lru.iosim), at each eviction of hot.html', async () => {
    const lru = new Layout('lru.iosim');
    const ev = lru.trace.events;
    const hot = lru.trace.machine.files.get('/srv/hot.html')!.id;
    const pagesAt = new Map<number, number[]>();
    for (const e of lru.all(Ev.PageEvict, undefined, (x) => ev.a(x) === hot)) {
      const first = ev.b(e);
      pagesAt.set(e, Array.from({ length: ev.c(e) >> 2 }, (_, i) => first + i).filter((p) => p % 4 === 0));
      assert.equal(evictReason(ev.c(e)), 0, 'by reclaim');
    }
    const stops: number[] = [];
    const n = await checkRoundTrips('lru.iosim', async (s) => {
      if (!s.stops.some((e) => e.body.reason === 'exception')) {
        await s.dc.setExceptionBreakpointsRequest({ filters: [], filterOptions: [{ filterId: 'page-cache-eviction', condition: 'file == "/srv/hot.html" && page % 4 == 0' }] });
      }
      const stop = await s.cont();
      if (stop.body.reason === 'exception') stops.push(positionOf(stop));
      return stop;
    });
    // One stop per eviction event that takes a page meeting the condition; the pages those events take are 0, 4, 8, 12.
    assert.equal(n, stops.length);
    assert.deepEqual(stops.flatMap((e) => pagesAt.get(e) ?? []), [0, 4, 8, 12], 'pages 0, 4, 8 and 12, evicted by reclaim');
  });

  test('while the flusher writes back and dirty pages expire (writeback.iosim)', async () => {
    const n = await checkRoundTrips('writeback.iosim', async (s) => {
      if (!s.stops.some((e) => e.body.reason === 'exception' || e.body.reason === 'data breakpoint')) {
        await s.dc.setExceptionBreakpointsRequest({ filters: ['writeback', 'dma-interrupt'] });
      }
      return s.cont();
    });
    assert.equal(n, 5, 'writeback and interrupt of the flusher\'s run, of the fsync');
  });

  test('around page faults of mmap\'d memory (mmap.iosim)', async () => {
    const n = await checkRoundTrips('mmap.iosim', async (s) => {
      if (!s.stops.some((e) => e.body.reason === 'exception')) await s.dc.setExceptionBreakpointsRequest({ filters: ['page-fault', 'readahead'] });
      return s.cont();
    });
    assert.equal(n, 6);
  });
});

describe('reverseContinue and seek restore the exact state', () => {
  test('the state at a stop is the same when reached forwards, backwards (reverseContinue) and by seek', async () => {
    const { s } = await Session.open('lru.iosim', {}, async (x) => {
      await x.dc.setExceptionBreakpointsRequest({ filters: [], filterOptions: [{ filterId: 'page-cache-eviction', condition: 'file == "/srv/hot.html" && page == 3' }] });
      await x.dc.setDataBreakpointsRequest({ breakpoints: [{ dataId: 'buffer:1' }], });
    });
    try {
      // Forward: the data breakpoint (bytes into the user buffer) stops first, then the eviction.
      let ev = await s.cont();
      while (ev.body.reason !== 'exception') ev = await s.cont();
      const pos = positionOf(ev);
      const forward = await capture(s);
      const pagesBefore = await s.evaluate('vmtouch /srv/hot.html');
      // To the end and back: reverseContinue stops at each buffer copy on the way, then here.
      await s.dc.setDataBreakpointsRequest({ breakpoints: [] });
      assert.equal((await s.cont()).body.reason, 'end');
      const back = await s.reverse();
      assert.equal(back.body.reason, 'exception');
      assert.equal(positionOf(back), pos);
      assert.deepEqual(await capture(s), forward);
      assert.equal(await s.evaluate('vmtouch /srv/hot.html'), pagesBefore);
      // Seek away and back.
      await s.seek(0);
      await s.seek(pos);
      assert.deepEqual(await capture(s), forward);
    } finally {
      await s.close();
    }
  });

  test('readMemory gives the same bytes after travelling back', async () => {
    const { s } = await Session.open('basic.iosim');
    try {
      for (let i = 0; i < 4; i++) await s.next();
      const at26 = (await s.dc.send('readMemory', { memoryReference: 'buffer:1', offset: 0, count: 64 })) as DebugProtocol.ReadMemoryResponse;
      await s.cont();
      await s.seek(BASIC.end(3));
      const again = (await s.dc.send('readMemory', { memoryReference: 'buffer:1', offset: 0, count: 64 })) as DebugProtocol.ReadMemoryResponse;
      assert.equal(again.body?.data, at26.body?.data);
      // Before the read the buffer held zeros.
      await s.seek(BASIC.end(2));
      const zeros = (await s.dc.send('readMemory', { memoryReference: 'buffer:1', offset: 0, count: 64 })) as DebugProtocol.ReadMemoryResponse;
      assert.deepEqual([...Buffer.from(zeros.body!.data!, 'base64')], new Array(64).fill(0));
      assert.notEqual(at26.body?.data, zeros.body?.data);
    } finally {
      await s.close();
    }
  });
});

describe('setVariable on a sysctl', () => {
  async function firstWriteback(s: Session): Promise<{ pos: number; line: number; text: string; time: string }> {
    await s.dc.setExceptionBreakpointsRequest({ filters: ['writeback'] });
    const ev = await s.cont();
    assert.equal(ev.body.reason, 'exception');
    const frames = await s.frames(1);
    return { pos: positionOf(ev), line: frames.at(-1)!.line, text: ev.body.text ?? '', time: /· ([^·]+)$/.exec(ev.body.description ?? '')![1] };
  }

  test('vm.dirty_expire_centisecs = 500 at the start: the flusher writes the notes at 5 s, in `sleep 29s` (line 12) instead of at 30 s (line 13)', async () => {
    const base = await Session.open('writeback.iosim');
    const normal = await firstWriteback(base.s);
    await base.s.close();
    assert.equal(normal.line, 13);
    assert.equal(normal.time, '30.000 s');

    const { s } = await Session.open('writeback.iosim');
    try {
      const sysctl = (await s.scopes()).find((x) => x.name === 'sysctl')!;
      const vars = await s.variables(sysctl.variablesReference);
      assert.equal(vars.find((v) => v.name === 'vm.dirty_expire_centisecs')?.value, '3000');
      const invalidated = s.invalidated.length;
      const states = s.states.length;
      const from = s.outputs.length;
      const r = await s.dc.setVariableRequest({ variablesReference: sysctl.variablesReference, name: 'vm.dirty_expire_centisecs', value: '500' });
      assert.equal(r.body.value, '500');
      // The state event follows the response: wait for it (20 s at most under load), not a fixed 0.5 s.
      for (let i = 0; i < 2000 && s.states.length === states; i++) await new Promise((res) => setTimeout(res, 10));
      assert.ok(s.invalidated.length > invalidated, 'an invalidated event');
      assert.ok(s.invalidated.at(-1)!.body.areas?.includes('variables'));
      assert.equal(s.states.length, states + 1, 'a state event');
      assert.equal(s.states.at(-1)!.sysctl['vm.dirty_expire_centisecs'], 500);
      assert.match(s.output(undefined, from), /# sysctl vm\.dirty_expire_centisecs = 500\nvm\.dirty_expire_centisecs = 500 from position 1 on/);
      // The variable shows the new value from here on; the user line is still the first one.
      assert.equal((await s.scope('sysctl')).get('vm.dirty_expire_centisecs')?.value, '500');
      assert.deepEqual((await s.frames()).map((f) => [f.name, f.line]), [['main', 9]]);
      const changed = await firstWriteback(s);
      assert.equal(changed.line, 12);
      assert.equal(changed.time, '5.000 s');
      assert.equal(changed.text, normal.text);
      // Going back to the start and forward again replays the edited history.
      await s.seek(-1);
      assert.equal((await s.cont()).body.reason, 'exception');
      assert.equal(await s.position(), changed.pos);
    } finally {
      await s.close();
    }
  });

  test('set at a later position: the past is kept, the position and its state stay, the future is re-run', async () => {
    const { s } = await Session.open('writeback.iosim');
    try {
      for (let i = 0; i < 3; i++) await s.next();
      const pos = await s.position();
      const before = await capture(s);
      assert.equal(before.frames[0][1], 12);
      const sysctl = (await s.scopes()).find((x) => x.name === 'sysctl')!;
      await s.dc.setVariableRequest({ variablesReference: sysctl.variablesReference, name: 'vm.dirty_expire_centisecs', value: '1000' });
      // Two events later (the inserted sysctl operation), the same line, the same machine but for the sysctl.
      assert.equal(await s.position(), pos + 2);
      const after = await capture(s);
      assert.deepEqual(after.frames, before.frames);
      assert.equal((after.vars.sysctl as VarTree)['vm.dirty_expire_centisecs'], '1000');
      assert.deepEqual(after.vars['Page Cache'], before.vars['Page Cache']);
      assert.deepEqual(after.vars.Buffers, before.vars.Buffers);
      assert.deepEqual(after.vars.Variables, before.vars.Variables);
      // next runs the sleep (the sysctl is already behind); stepBack comes back to where the edit was made.
      assert.equal((await s.frames())[0].line, 12);
      const slept = await s.next();
      assert.equal((await s.frames())[0].line, 13);
      assert.ok(positionOf(slept) > pos + 2);
      await s.stepBack();
      assert.equal(await s.position(), pos + 2);
      assert.equal((await s.scope('sysctl')).get('vm.dirty_expire_centisecs')?.value, '1000');
      // Before the edit the old value is there; the earlier history did not change.
      await s.stepBack();
      assert.equal((await s.scope('sysctl')).get('vm.dirty_expire_centisecs')?.value, '3000');
      await s.seek(pos + 2);
      const wb = await firstWriteback(s);
      assert.equal(wb.time, '10.000 s');
      assert.equal(wb.line, 12);
    } finally {
      await s.close();
    }
  });

  test('set inside a syscall: pending until it returns, then in effect', async () => {
    const { s } = await Session.open('writeback.iosim');
    try {
      for (let i = 0; i < 2; i++) await s.next();
      await s.stepIn();
      await s.stepIn();
      const pos = await s.position();
      const sysctl = (await s.scopes()).find((x) => x.name === 'sysctl')!;
      await s.dc.setVariableRequest({ variablesReference: sysctl.variablesReference, name: 'vm.dirty_expire_centisecs', value: '500' });
      assert.equal(await s.position(), pos, 'the position stays inside the write');
      assert.equal((await s.scope('sysctl')).get('vm.dirty_expire_centisecs')?.value, '3000 (500 when this operation returns)');
      await s.stepOut();
      assert.equal((await s.scope('sysctl')).get('vm.dirty_expire_centisecs')?.value, '3000');
      // Stepping in goes into the program's next operation (the sleep); the inserted sysctl runs on the way.
      await s.stepIn();
      assert.equal((await s.frames()).at(-1)?.name, 'sleep (line 12)');
      assert.equal((await s.scope('sysctl')).get('vm.dirty_expire_centisecs')?.value, '500');
      await s.stepBack('instruction');
      // next runs the inserted sysctl and the sleep, and meets the writeback at 5 s.
      await s.dc.setExceptionBreakpointsRequest({ filters: ['writeback'] });
      const ev = await s.next();
      assert.equal(ev.body.reason, 'exception');
      assert.match(ev.body.description ?? '', /· 5\.000 s$/);
      assert.equal((await s.scope('sysctl')).get('vm.dirty_expire_centisecs')?.value, '500');
    } finally {
      await s.close();
    }
  });

  test('vm.dirty_ratio = 5 makes the writer of dirty.iosim throttled (it is not at the default 20%)', async () => {
    const throttles = async (ratio: string | null): Promise<DebugProtocol.StoppedEvent[]> => {
      const { s } = await Session.open('dirty.iosim');
      try {
        if (ratio) {
          const sysctl = (await s.scopes()).find((x) => x.name === 'sysctl')!;
          await s.dc.setVariableRequest({ variablesReference: sysctl.variablesReference, name: 'vm.dirty_ratio', value: ratio });
        }
        await s.dc.setExceptionBreakpointsRequest({ filters: ['dirty-throttle'] });
        const stops: DebugProtocol.StoppedEvent[] = [];
        for (;;) {
          const ev = await s.cont();
          if (ev.body.reason === 'end') break;
          stops.push(ev);
        }
        return stops;
      } finally {
        await s.close();
      }
    };
    assert.equal((await throttles(null)).length, 0, '2048 dirty pages stay below the default limits');
    const stops = await throttles('5');
    assert.ok(stops.length > 0, 'with vm.dirty_ratio = 5 the writer is paused');
    assert.match(stops[0].body.text ?? '', /writer throttled for .* \(dirty \d+ pages, limit 819\)/);
  });

  test('set after the program ended: the end phase is re-run after the change', async () => {
    const { s } = await Session.open('basic.iosim');
    try {
      const end = await s.cont();
      assert.equal(positionOf(end), BASIC.head, 'the NIC interrupt after the last operation');
      const sysctl = (await s.scopes()).find((x) => x.name === 'sysctl')!;
      await s.dc.setVariableRequest({ variablesReference: sysctl.variablesReference, name: 'vm.dirty_ratio', value: '5' });
      // The end phase was forgotten; the sysctl ran after the last operation: two events.
      const last = BASIC.end(7);
      assert.equal(await s.position(), last + 2);
      assert.equal((await s.scope('sysctl')).get('vm.dirty_ratio')?.value, '5');
      const again = await s.cont();
      assert.equal(again.body.reason, 'end');
      assert.equal(positionOf(again), last + 3);
      assert.match(await s.evaluate('events 1'), new RegExp(`#${last + 3} .*DMA #2 complete: NIC interrupt`));
    } finally {
      await s.close();
    }
  });

  test('bad values and unknown keys are refused, and nothing changes', async () => {
    const { s } = await Session.open('writeback.iosim');
    try {
      const sysctl = (await s.scopes()).find((x) => x.name === 'sysctl')!;
      assert.match(await failure(s.dc.setVariableRequest({ variablesReference: sysctl.variablesReference, name: 'vm.dirty_ratio', value: 'lots' })), /vm\.dirty_ratio: expected/);
      assert.match(await failure(s.dc.setVariableRequest({ variablesReference: sysctl.variablesReference, name: 'vm.nope', value: '1' })), /vm\.nope is not a sysctl/);
      assert.equal(await s.position(), -1);
      assert.equal((await s.scope('sysctl')).get('vm.dirty_ratio')?.value, '20');
    } finally {
      await s.close();
    }
  });
});

describe('reverseContinue with a hit count costs what the run forwards costs', () => {
  // hits.iosim: alloc (operation 0), open (1), then for i = 1..10000 a 4 KiB pread (operation 2i) and a 1 KiB pread
  // (operation 2i + 1), close. `rdx < 4096` holds for the 1 KiB ones only; `% 2500` stops at the 2500th, 5000th, 7500th
  // and 10000th of those: before operations 5001, 10001, 15001, 20001, that is at the end of 5000, 10000, 15000, 20000.
  const HITS = new Layout('hits.iosim');
  const stopBefore = (i: number) => HITS.end(2 * i);

  test('`pread` with `rdx < 4096` and `% 2500`: the same stops backwards as forwards, each in bounded time', async () => {
    const { s } = await Session.open('hits.iosim', { stopOnEntry: true });
    try {
      await s.dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'pread', condition: 'rdx < 4096', hitCondition: '% 2500' }] });
      const forward: number[] = [];
      let slowest = 0;
      for (;;) {
        const t0 = Date.now();
        const st = await s.cont();
        slowest = Math.max(slowest, Date.now() - t0);
        if (st.body.reason === 'end') break;
        forward.push(positionOf(st));
      }
      assert.deepEqual(forward, [2500, 5000, 7500, 10000].map(stopBefore));
      // Back from the end: each reverseContinue passes 2500 candidate stops (1 KiB preads whose count is not a
      // multiple of 2500). Counting each one's hits afresh from the start took seconds; one pass takes milliseconds.
      const backward: number[] = [];
      for (let k = 0; k < 4; k++) {
        const t0 = Date.now();
        const st = await s.reverse();
        const took = Date.now() - t0;
        assert.equal(st.body.reason, 'function breakpoint');
        backward.push(positionOf(st));
        assert.ok(took < 1500 + 3 * slowest, `reverseContinue #${k + 1} took ${took} ms (slowest continue: ${slowest} ms)`);
      }
      assert.deepEqual(backward, [10000, 7500, 5000, 2500].map(stopBefore));
      assert.equal((await s.reverse()).body.reason, 'entry');
    } finally {
      await s.close();
    }
  });
});
