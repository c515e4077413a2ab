/**
 * Trace.release (issue 10): a machine the debugger moved away from gives its page cache's folios to the next rebuild.
 * Every state rebuilt from reused folios is the state a trace that never releases rebuilds, at operation boundaries
 * and inside operations, going back and forth over the checkpoints; the live machine is never taken.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Machine } from '../../src/machine/machine';
import { loadScenario } from '../../src/program/load';
import { Trace } from '../../src/trace/trace';
import { RICH } from '../machine/helpers';

// 128 KiB copies through a 1 MiB cache: it fills, then every call evicts, and the flusher writes back as it goes.
const COPY = `machine {
  page_cache_limit = 1MiB
}
file "/src" size 64MiB
file "/dst" size 0
buf = alloc(128KiB)
i = open("/src", O_RDONLY)
o = open("/dst", O_WRONLY)
repeat 150 {
  read(i, buf, 128KiB)
  pread(i, buf, 4KiB, 0)
  write(o, buf, 128KiB)
}
`;

/** Every page of the cache, by file, and both lists from their heads, with the machine's time and counters. */
function state(m: Machine): unknown {
  const files: unknown[] = [];
  for (let id = 0; id < m.filesById.length; id++) {
    const pages = m.cache.pagesOf(id);
    files.push(pages ? [...pages.values()] : null);
  }
  return {
    now: m.now, counters: Array.from(m.counters), files, active: m.lru('active'), inactive: m.lru('inactive'),
    size: m.cache.size, dirty: m.cache.dirty, writeback: m.cache.writeback,
  };
}

const LRU = readFileSync(join(__dirname, '../../../examples/page-cache-lru.iosim'), 'utf8');

for (const [name, text] of [['copy', COPY], ['page-cache-lru.iosim', LRU], ['rich', RICH]] as const) {
  test(`${name}: states rebuilt from the folios of released machines equal those of a trace that releases none`, () => {
    const loaded = loadScenario(text, `${name}.iosim`);
    assert.ok(loaded.spec, loaded.diagnostics.map((d) => d.message).join('\n'));
    const t = new Trace(loaded.spec, { checkpointEvery: 200 });
    t.runToEnd();
    const plain = new Trace(loaded.spec, { checkpointEvery: 200 });
    plain.runToEnd();
    const head = t.head;
    // Positions all over the run, forwards and back, mid-operation and at boundaries, a stepBack after each seek.
    const positions: number[] = [];
    for (let k = 1; k <= 24; k++) {
      const p = Math.floor((head * ((k * 7) % 25)) / 25);
      positions.push(p, p - 1, t.ops.endPosOf(t.ops.opAt(Math.max(0, p))));
    }
    positions.push(head, -1, head - 3);
    let prev: Machine | null = null;
    const spare = (t as unknown as { spare: unknown[] }).spare;
    let reused = 0;
    for (const pos of positions) {
      if (prev) t.release(prev);
      const had = spare.length;
      prev = t.stateAt(pos);
      reused += had - spare.length;
      assert.deepEqual(state(prev), state(plain.stateAt(pos)), `state at ${pos}`);
    }
    assert.ok(reused > 100, `${reused} folios reused`);
    // The live machine is never taken.
    const live = state(t.machine);
    t.release(t.machine);
    assert.deepEqual(state(t.machine), live);
    assert.deepEqual(state(t.machine), state(plain.machine));
  });
}
