/**
 * Seeking into the middle of a long run (issue 10): the debugger's state at a position, rebuilt from a checkpoint
 * (a thawed page cache), is the state the live run had there. The reference comes from runs that never seek: a
 * second trace stepped one operation at a time (its live machine between two operations) and, inside an
 * operation, a fresh machine stopped at the event.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { C } from '../../src/machine/counters';
import { Ev, EventSink, StopAtEvent, eventPageCount } from '../../src/machine/events';
import { PG_ACTIVE, PG_DIRTY, PG_READAHEAD, PG_WRITEBACK } from '../../src/machine/pagecache';
import { Machine } from '../../src/machine/machine';
import { Breakpoints } from '../../src/debug/breakpoints';
import { Engine } from '../../src/debug/engine';
import { pageCacheView, timeline } from '../../src/debug/inspect';
import { PAGE_CODES, pageRunCode, pageRunLength } from '../../src/shared/messages';
import { EVENT_CHUNK } from '../../src/trace/eventLog';
import { OpLog, opNameMask } from '../../src/trace/opLog';
import { Trace } from '../../src/trace/trace';
import { traceOf } from '../machine/helpers';

// 128 KiB copies through a 4 MiB cache: it fills, then every call evicts, and the flusher writes back as it goes.
const COPY = `machine {
  page_cache_limit = 4MiB
}
file "/src" size 256MiB
file "/dst" size 0
buf = alloc(128KiB)
i = open("/src", O_RDONLY)
o = open("/dst", O_WRONLY)
repeat 700 {
  read(i, buf, 128KiB)
  write(o, buf, 128KiB)
}
`;

/** What the panel and the variables show of a machine: time, counters, the page map, both LRU lists. */
function view(m: Machine) {
  return {
    now: m.now,
    counters: Array.from(m.counters),
    pageMap: pageCacheView(m, []),
    active: m.lru('active'),
    inactive: m.lru('inactive'),
  };
}

/** A fresh machine run from the start that stops as it emits event `pos` (the state a replay to `pos` stops in). */
function freshAfter(t: Trace, pos: number): Machine {
  let n = 0;
  const sink: EventSink = {
    emit() {
      if (n++ === pos) throw new StopAtEvent();
    },
  };
  const m = new Machine(t.spec.config, t.spec.files, sink);
  const src = t.spec.createSource();
  try {
    for (let i = 0; ; i++) {
      const op = src.next();
      if (!op) break;
      src.complete(m.execute(op, i).result);
    }
  } catch (e) {
    if (!(e instanceof StopAtEvent)) throw e;
  }
  return m;
}

test('a seek into the middle of a long run shows the page map and counters the live run had there', async () => {
  const t = traceOf(COPY, 1000);
  t.runToEnd();
  assert.ok(t.checkpointCount() > 10, `${t.checkpointCount()} checkpoints`);
  const ops = t.ops.length;
  // Operation boundaries all over the run, in an order that goes back and forth between checkpoints.
  const wanted = [1200, 3, 700, 701, 1399, 40, 1000, 555, 556, 250, 1300, 2].filter((k) => k < ops);
  const reference = new Map<number, ReturnType<typeof view>>();
  const stepped = traceOf(COPY, 0);
  const keep = new Set(wanted.flatMap((k) => [k, k - 1]));
  for (let k = 0; stepped.step() >= 0; k++) if (keep.has(k)) reference.set(k, view(stepped.machine));
  assert.equal(stepped.ops.length, ops);
  assert.equal(stepped.events.length, t.events.length);

  const engine = new Engine(t, new Breakpoints(), { print() {} });
  for (const k of wanted) {
    const end = t.ops.endPosOf(k);
    await engine.seek(end);
    assert.equal(engine.pos, end);
    const got = view(engine.state());
    assert.deepEqual(got, reference.get(k), `state after operation ${k} (position ${end})`);
    // And one operation back, from there.
    const back = engine.stepBack(false);
    assert.equal(back.pos, t.ops.endPosOf(k - 1));
    assert.deepEqual(view(engine.state()), reference.get(k - 1), `state after operation ${k - 1}, stepping back`);
  }
  // The run does what the test is about: by its middle the cache is full (4 MiB: 1,024 pages less what the buffer
  // takes) and has evicted and written back pages.
  const mid = reference.get(701)!;
  assert.ok(mid.pageMap.pages > 900, `${mid.pageMap.pages} pages cached`);
  assert.ok(mid.counters[C.Evictions] > 10_000, `${mid.counters[C.Evictions]} evictions`);
  assert.ok(mid.counters[C.WritebackPages] > 1000, `${mid.counters[C.WritebackPages]} pages written back`);
});

test('inside an operation, a seek gives the state a fresh run stopped at that event has', async () => {
  const t = traceOf(COPY, 1000);
  t.runToEnd();
  const engine = new Engine(t, new Breakpoints(), { print() {} });
  const positions = [0.9, 0.1, 0.5, 0.52, 0.3, 0.75].map((f) => {
    const k = Math.floor(f * t.ops.length);
    return Math.floor((t.ops.startPosOf(k) + t.ops.endPosOf(k)) / 2);
  });
  for (const pos of positions) {
    assert.ok(!engine.isBoundary(pos), `${pos} is inside an operation`);
    await engine.seek(pos);
    const got = engine.state();
    const want = freshAfter(t, pos);
    assert.equal(got.now, want.now, `time at ${pos}`);
    assert.deepEqual(Array.from(got.counters), Array.from(want.counters), `counters at ${pos}`);
    assert.deepEqual(pageCacheView(got, []), pageCacheView(want, []), `page map at ${pos}`);
    assert.deepEqual(got.lru('inactive'), want.lru('inactive'), `inactive list at ${pos}`);
    assert.deepEqual(got.lru('active'), want.lru('active'), `active list at ${pos}`);
  }
});

test('a state handed out by stateAt stays intact while others are rebuilt', () => {
  const t = traceOf(COPY, 1000);
  t.runToEnd();
  const a = t.stateAt(Math.floor(t.head / 3));
  const before = view(a);
  t.stateAt(Math.floor(t.head / 2));
  t.stateAt(Math.floor(t.head / 4));
  assert.deepEqual(view(a), before);
  // Nor is the live machine touched by a replay.
  const live = view(t.machine);
  t.stateAt(Math.floor(t.head / 5));
  assert.deepEqual(view(t.machine), live);
});

test('the page map sends a long run of pages in one state as one repeated code', () => {
  const t = traceOf(COPY, 0);
  t.runToEnd();
  const map = pageCacheView(t.machine, []);
  const dst = map.files.find((f) => f.path === '/dst')!;
  const src = map.files.find((f) => f.path === '/src')!;
  // Expanded, the runs give each cached page the code of its own state, page by page.
  const now = t.machine.now;
  for (const f of [src, dst]) {
    let pages = 0;
    for (const run of f.runs) {
      if (run.repeat !== undefined) assert.equal(run.codes.length, 1, 'a repeated run has one code');
      for (let j = 0; j < pageRunLength(run); j++) {
        const p = t.machine.cache.get(f.fileId, run.start + j);
        assert.ok(p, `page ${run.start + j} of ${f.path} is cached`);
        const code = p.flags & PG_WRITEBACK ? PAGE_CODES.writeback : p.flags & PG_DIRTY ? PAGE_CODES.dirty
          : p.readyAt > now ? PAGE_CODES.locked : p.flags & PG_READAHEAD ? PAGE_CODES.readahead
            : p.flags & PG_ACTIVE ? PAGE_CODES.cleanActive : PAGE_CODES.cleanInactive;
        assert.equal(pageRunCode(run, j), code, `page ${run.start + j} of ${f.path}`);
        pages++;
      }
    }
    assert.equal(pages, f.cached, `${f.path}: every cached page is in a run`);
  }
  // 4 MiB of cache: about 1,000 pages, a few runs.
  assert.ok(src.cached + dst.cached > 900);
  assert.ok(src.runs.length + dst.runs.length < 20, `${src.runs.length + dst.runs.length} runs`);
  assert.ok(JSON.stringify(map).length < 4000, `${JSON.stringify(map).length} bytes`);
});

test('operations that repeat their arguments share them, whatever their lines', () => {
  const base = {
    col: 1, thread: 1, result: 0, errno: null, startPos: 0, endPos: 0, startNs: 0, endNs: 0, contextSwitches: 0,
    cpuCopies: 0, dmaCopies: 0, cpuBytes: 0, dmaBytes: 0, pageFaults: 0, text: undefined,
  };
  // A log's copy loop: every call on a line of its own, reads and writes alternating; `distinct` gives each call
  // arguments of its own.
  const copyLoop = (distinct: boolean) => {
    const log = new OpLog();
    for (let i = 0; i < 1000; i++) {
      const fd = i % 2 === 0 ? 3 : 4;
      log.add({ ...base, name: fd === 3 ? 'read' : 'write', line: i + 1, args: [fd, distinct ? i : 4096, 131072] });
    }
    return log;
  };
  const log = copyLoop(false);
  log.add({ ...base, name: 'read', line: 1001, args: [3, 4096, 65536] });
  log.add({ ...base, name: 'write', line: 1002, args: [4, 4096, 131072] });
  assert.deepEqual(log.get(0).args, [3, 4096, 131072]);
  assert.deepEqual(log.get(999).args, [4, 4096, 131072]);
  assert.deepEqual(log.get(1000).args, [3, 4096, 65536]);
  assert.deepEqual(log.get(1001).args, [4, 4096, 131072]);
  // Stored once each, not once a call: 3,000 numbers of 8 bytes (in an array grown to 4,096) are not there.
  assert.ok(copyLoop(true).memoryBytes() - log.memoryBytes() >= 3 * 8 * 1024, `${copyLoop(true).memoryBytes()} vs ${log.memoryBytes()}`);
  // Forgetting the later operations keeps the earlier ones' arguments.
  log.truncate(3);
  log.add({ ...base, name: 'write', line: 4, args: [5, 1, 2] });
  assert.deepEqual(log.get(2).args, [3, 4096, 131072]);
  assert.deepEqual(log.get(3).args, [5, 1, 2]);
  log.add({ ...base, name: 'write', line: 5, args: [4, 4096, 131072] });
  assert.deepEqual(log.get(4).args, [4, 4096, 131072]);
});

test('nextNamed finds the operations of the names asked for, across chunks of the table', () => {
  const base = {
    line: 1, col: 1, thread: 1, result: 0, errno: null, startPos: 0, endPos: 0, startNs: 0, endNs: 0, contextSwitches: 0,
    cpuCopies: 0, dmaCopies: 0, cpuBytes: 0, dmaBytes: 0, pageFaults: 0, args: [], text: undefined,
  };
  const log = new OpLog();
  // Opens at 5, 16383 and 16384 (the first of the second chunk), a close at 40000; reads everywhere else.
  const named = new Map([[5, 'open'], [16383, 'open'], [16384, 'open'], [40000, 'close']]);
  for (let i = 0; i < 40010; i++) log.add({ ...base, name: named.get(i) ?? 'read' });
  const mask = opNameMask(['open', 'close']);
  const found: number[] = [];
  for (let i = log.nextNamed(0, log.length, mask); i >= 0; i = log.nextNamed(i + 1, log.length, mask)) found.push(i);
  assert.deepEqual(found, [5, 16383, 16384, 40000]);
  assert.equal(log.nextNamed(6, 16383, mask), -1);
  assert.equal(log.nextNamed(16384, 16385, mask), 16384);
  assert.equal(log.nextNamed(40001, 1e9, mask), -1);
  assert.equal(log.nextNamed(0, 1e9, opNameMask(['close'])), 40000);
});

test('the timeline counts the events of each bucket as a walk over them one by one does', () => {
  // Long enough for buckets to cross event chunks and the spans timeline counts at a time.
  const t = traceOf(COPY.replace('repeat 700', 'repeat 6000'), 0);
  t.runToEnd();
  const ev = t.events;
  for (const n of [1, 7, 120]) {
    const got = timeline(t, n);
    const per = Math.ceil(ev.length / n);
    assert.equal(got.length, Math.ceil(ev.length / per));
    let dirty = 0;
    let cached = 0;
    for (const b of got) {
      const want = { syscalls: 0, dma: 0, interrupts: 0, faults: 0, writeback: 0, evictions: 0 };
      for (let e = b.from; e <= b.to; e++) {
        const kind = ev.kind(e);
        if (kind === Ev.SyscallEnter) want.syscalls++;
        if (kind === Ev.DmaStart) want.dma++;
        if (kind === Ev.DmaInterrupt) want.interrupts++;
        if (kind === Ev.FaultMinor || kind === Ev.FaultMajor) want.faults++;
        if (kind === Ev.WritebackStart) {
          want.writeback++;
          dirty -= ev.c(e);
        }
        if (kind === Ev.PageEvict) {
          want.evictions += eventPageCount(kind, ev.c(e));
          cached -= eventPageCount(kind, ev.c(e));
        }
        if (kind === Ev.PageInsert) cached += ev.c(e);
        if (kind === Ev.PageDirty) dirty += ev.c(e);
      }
      assert.deepEqual(
        { syscalls: b.syscalls, dma: b.dma, interrupts: b.interrupts, faults: b.faults, writeback: b.writeback, evictions: b.evictions },
        want, `bucket ${b.from}–${b.to} of ${n}`,
      );
      assert.equal(b.dirtyPages, Math.max(0, dirty));
      assert.equal(b.cachedPages, Math.max(0, cached));
      assert.equal(b.startNs, ev.time(b.from));
    }
    assert.ok(got.reduce((s, b) => s + b.evictions, 0) > 10_000);
    assert.ok(ev.length > 2 * EVENT_CHUNK, `${ev.length} events`);
  }
});
