/** Determinism and time travel: the same program gives the same events; any past state can be rebuilt exactly. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Ev, EventSink, StopAtEvent } from '../../src/machine/events';
import { Machine } from '../../src/machine/machine';
import { Trace } from '../../src/trace/trace';
import { RICH, eventHash, events, jsonHash, run, traceOf } from './helpers';

/** A fresh machine run from the start that stops while emitting event `pos` (as Trace.stateAt replays do). */
function freshStoppedAt(t: Trace, pos: number): { machine: Machine; emitted: number[][] } {
  const emitted: number[][] = [];
  const sink: EventSink = {
    emit(kind, thread, time, a, b, c) {
      if (emitted.length === pos) throw new StopAtEvent();
      emitted.push([kind, thread, time, a, b, c]);
    },
  };
  const m = new Machine(t.spec.config, t.spec.files, sink);
  const src = t.spec.createSource();
  try {
    for (let i = 0; ; i++) {
      const op = src.next();
      if (!op) {
        m.finish();
        break;
      }
      const r = m.execute(op, i);
      src.complete(r.result);
    }
  } catch (e) {
    if (!(e instanceof StopAtEvent)) throw e;
  }
  return { machine: m, emitted };
}

/** Everything observable about a machine, as plain data. */
function snapshot(m: Machine) {
  const pages = (list: 'active' | 'inactive') => m.lru(list).map((p) => [p.fileId, p.index, p.flags, p.readyAt, p.mapcount]);
  return {
    now: m.now,
    mode: m.mode,
    regs: { ...m.regs },
    counters: Array.from(m.counters),
    active: pages('active'),
    inactive: pages('inactive'),
    dirty: m.cache.dirty,
    writeback: m.cache.writeback,
    capacity: m.cache.capacity,
    files: m.filesById.map((f) => [f.path, f.size, f.nrDirty, f.dirtiedWhen, JSON.stringify(f.content.extents), JSON.stringify(f.disk.extents)]),
    fds: [...m.fds.entries()].map(([k, v]) => [k, JSON.stringify(v)]),
    regions: m.regions.map((r) => (r.kind === 'buffer' ? [r.id, r.addr, JSON.stringify(r.content.extents)] : [r.id, r.addr, [...r.ptes].sort((x, y) => x - y)])),
    timers: m.timers.items.map((x) => [x.t, x.kind, x.a, x.b, x.c]).sort((x, y) => x[0] - y[0] || x[1] - y[1] || x[2] - y[2]),
    dma: m.dma.map((d) => ({ ...d })),
    sysctl: { ...m.config.sysctl },
    wb: { ...m.wb },
    throttle: { ...m.throttle },
  };
}

test('the same program twice: identical event streams (every field of every event) and identical JSON', () => {
  const t1 = run(RICH);
  const t2 = run(RICH);
  assert.ok(t1.events.length > 1000, `${t1.events.length} events`);
  assert.equal(t1.events.length, t2.events.length);
  assert.equal(eventHash(t1), eventHash(t2));
  assert.equal(jsonHash(t1), jsonHash(t2));
  // and checkpoints do not change what is recorded
  const t3 = run(RICH, 64);
  assert.ok(t3.checkpointCount() > 10);
  assert.equal(eventHash(t3), eventHash(t1));
  assert.equal(jsonHash(t3), jsonHash(t1));
  // the hash sees every field: a different program gives a different one
  assert.notEqual(eventHash(run(RICH.replace('sleep 12s', 'sleep 13s'))), eventHash(t1));
  // the program does exercise what it is meant to
  const kinds = [Ev.ReadaheadSync, Ev.ReadaheadAsync, Ev.ReadAround, Ev.FaultMinor, Ev.FaultMajor, Ev.PageEvict, Ev.WritebackStart,
    Ev.WritebackEnd, Ev.ThrottlePause, Ev.FlusherWake, Ev.AioComplete, Ev.PageActivate, Ev.PageDeactivate];
  for (const kind of kinds) {
    assert.ok(events(t1, [kind]).length > 0, `event kind ${kind} occurs`);
  }
});

test('stateAt(pos) equals a fresh run stopped at pos: at op boundaries, mid-operation, across checkpoints', () => {
  const t = run(RICH, 50);
  const n = t.events.length;
  const positions = new Set<number>([-1, 0, 1, 2, n - 1]);
  for (let i = 0; i < t.ops.length; i++) {
    const r = t.ops.get(i);
    positions.add(r.startPos);
    positions.add(r.endPos);
    positions.add(Math.floor((r.startPos + r.endPos) / 2));
  }
  for (let p = 0; p < n; p += 97) positions.add(p);
  for (const pos of [...positions].sort((x, y) => x - y)) {
    if (pos < -1 || pos >= n) continue;
    const replayed = t.stateAt(pos);
    const fresh = pos === -1 ? { machine: new Machine(t.spec.config, t.spec.files, { emit() {} }), emitted: [] } : freshStoppedAt(t, pos);
    assert.deepEqual(snapshot(replayed), snapshot(fresh.machine), `state at event ${pos}`);
    // the fresh run emitted exactly the recorded events before pos
    const k = Math.min(fresh.emitted.length, 3);
    for (let j = fresh.emitted.length - k; j < fresh.emitted.length; j++) {
      assert.deepEqual(fresh.emitted[j], [t.events.kind(j), t.events.thread(j), t.events.time(j), t.events.a(j), t.events.b(j), t.events.c(j)]);
    }
  }
});

test('stateAt does not depend on where the checkpoints are', () => {
  const dense = run(RICH, 7);
  const none = run(RICH, 0);
  const n = none.events.length;
  for (let pos = 0; pos < n; pos += 13) {
    assert.deepEqual(snapshot(dense.stateAt(pos)), snapshot(none.stateAt(pos)), `state at event ${pos}`);
  }
  // every op boundary as well
  for (let i = 0; i < none.ops.length; i++) {
    const e = none.ops.get(i).endPos;
    assert.deepEqual(snapshot(dense.stateAt(e)), snapshot(none.stateAt(e)), `state at the end of op ${i} (${none.ops.get(i).name})`);
  }
});

test('rewindTo + running again reproduces the same events and JSON', () => {
  const t = run(RICH, 100);
  const h = eventHash(t);
  const j = jsonHash(t);
  for (const opIndex of [t.ops.length - 1, Math.floor(t.ops.length / 2), 5, 0]) {
    t.rewindTo(opIndex);
    assert.equal(t.ops.length, opIndex);
    t.runToEnd();
    assert.equal(eventHash(t), h, `after rewinding to op ${opIndex}`);
    assert.equal(jsonHash(t), j);
  }
  // stepping one operation at a time gives the same as runToEnd
  const s = traceOf(RICH);
  while (s.step() >= 0);
  assert.equal(eventHash(s), h);
});
