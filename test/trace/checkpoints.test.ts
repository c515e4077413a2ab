/**
 * Checkpoints cost what changed and stay within their budget: a page cache frozen again shares every index node that
 * did not change; a trace with a tiny budget thins its checkpoints (spacing doubles) and still rebuilds every past
 * state exactly; what the last checkpoint froze spaces them out so that freezing stays a bounded share of the run.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { PG_REFERENCED, freezeNode } from '../../src/machine/folio';
import { Machine } from '../../src/machine/machine';
import { PageCache } from '../../src/machine/pagecache';
import { loadScenario } from '../../src/program/load';
import { Trace } from '../../src/trace/trace';
import { RICH } from '../machine/helpers';

function cacheOf(files: number, foliosPerFile: number): PageCache {
  const c = new PageCache(1 << 30);
  // Distinct read times keep every inserted page a folio of its own.
  for (let f = 0; f < files; f++) for (let i = 0; i < foliosPerFile; i++) c.insert(f, 2 * i, 1, i, 0, 1);
  return c;
}

test('freezing again shares every unchanged index node; a change costs its node only', () => {
  const c = cacheOf(3, 1000);
  const a = c.freeze();
  // 1000 folios a file in nodes of at most 128 (split in halves as they fill).
  assert.ok(a.nodes.length >= 3 * 8);
  assert.ok(a.bytes > 3000 * 50);
  const b = c.freeze();
  assert.equal(b.bytes, 0, 'nothing changed: nothing new');
  assert.deepEqual(b.nodes.map((n, i) => n === a.nodes[i]), a.nodes.map(() => true));
  // One page of file 1 referenced: one node frozen anew, the others shared.
  c.update(c.take(1, 500, 501)!, PG_REFERENCED);
  const d = c.freeze();
  assert.equal(d.nodes.filter((n, i) => n !== b.nodes[i]).length, 1);
  assert.ok(d.bytes > 0 && d.bytes < 128 * 60 + 256);
  // And the copy is exact.
  const t = PageCache.thaw(d);
  assert.deepEqual([...t.lruPages(t.inactive)], [...c.lruPages(c.inactive)]);
  assert.equal(t.find(1, 500)!.flags, PG_REFERENCED);
  // A thawed copy keeps the frozen nodes it came from: frozen again, it shares all of them.
  const e = t.freeze();
  assert.equal(e.bytes, 0);
  assert.equal(e.folios, 0);
  assert.deepEqual(e.nodes.map((n, i) => n === d.nodes[i]), d.nodes.map(() => true));
  // Until one changes: the copy's change costs that node only, and the original's checkpoint is untouched.
  t.update(t.take(2, 10, 11)!, PG_REFERENCED);
  const g = t.freeze();
  assert.equal(g.nodes.filter((n, i) => n !== d.nodes[i]).length, 1);
  assert.equal(PageCache.thaw(d).find(2, 10)!.flags, 0);
  assert.equal(PageCache.thaw(g).find(2, 10)!.flags, PG_REFERENCED);
});

test('a list whose stamps are too large to sort as stamp × folios is rebuilt in the same order', () => {
  const c = new PageCache(1 << 30);
  // Past 2^53 / 2^4 the thaw's numeric keys would not be exact: it compares the folios instead.
  c.inactive.stamp = 2 ** 50;
  c.active.stamp = 2 ** 50;
  for (let i = 0; i < 20; i++) c.insert(1, 4 * i, 4, i, 0, 1);
  c.insert(2, 0, 64, 100, 0, 2);
  // Pieces of one folio share its stamp (cut out of the middle), and moves to the active list's head.
  c.update(c.take(2, 10, 12)!, PG_REFERENCED);
  c.activate(c.take(1, 8, 12)!);
  c.activate(c.take(1, 40, 44)!);
  const t = PageCache.thaw(c.freeze());
  assert.ok(c.inactive.folios + c.active.folios >= 16);
  assert.deepEqual([...t.lruPages(t.inactive)], [...c.lruPages(c.inactive)]);
  assert.deepEqual([...t.lruPages(t.active)], [...c.lruPages(c.active)]);
  assert.equal(t.active.count, 8);
});

const PROGRAM = `machine {
  page_cache_limit = 2MiB
}
file "/a" size 64MiB
file "/b" size 0
buf = alloc(64KiB)
i = open("/a", O_RDONLY)
o = open("/b", O_WRONLY)
repeat 300 {
  read(i, buf, 64KiB)
  write(o, buf, 64KiB)
}
`;

function traceOf(options: ConstructorParameters<typeof Trace>[1]): Trace {
  const loaded = loadScenario(PROGRAM, 'cp.iosim');
  assert.ok(loaded.spec);
  const t = new Trace(loaded.spec, options);
  t.runToEnd();
  return t;
}

test('a tiny budget thins the checkpoints and bounds their memory; every past state is still rebuilt exactly', () => {
  const free = traceOf({ checkpointEvery: 1 });
  const tight = traceOf({ checkpointEvery: 1, checkpointBudget: 256 * 1024 });
  const none = traceOf({});
  assert.ok(free.checkpointCount() > 20, `${free.checkpointCount()} checkpoints`);
  assert.ok(tight.checkpointBytes() <= 256 * 1024, `${tight.checkpointBytes()} bytes`);
  assert.ok(tight.checkpointCount() < free.checkpointCount());
  assert.ok(tight.checkpointCount() >= 2);
  for (let pos = 0; pos <= none.head; pos += Math.floor(none.head / 37)) {
    const want = none.stateAt(pos);
    for (const t of [free, tight]) {
      const got = t.stateAt(pos);
      assert.equal(got.now, want.now, `time at ${pos}`);
      assert.deepEqual(Array.from(got.counters), Array.from(want.counters), `counters at ${pos}`);
      assert.deepEqual(got.lru('inactive'), want.lru('inactive'), `inactive list at ${pos}`);
      assert.deepEqual(got.lru('active'), want.lru('active'), `active list at ${pos}`);
    }
  }
});

test('checkpoints are spaced at least as far as the last one cost, so that freezing is not repeated every event', () => {
  const t = traceOf({ checkpointEvery: 1 });
  // The cache holds at most 512 pages; spaced by 1 event, the 300 reads and writes would take thousands.
  assert.ok(t.checkpointCount() < t.events.length / 8, `${t.checkpointCount()} checkpoints for ${t.events.length} events`);
});

/** 12,000 pages written one by one (a folio each: each write inserts its own), then 2,000 more appended. */
const APPEND = `machine {
  page_cache_limit = 1GiB
}
file "/out" size 0
buf = alloc(4KiB)
o = open("/out", O_WRONLY)
repeat 12000 {
  write(o, buf, 4KiB)
}
repeat 2000 {
  write(o, buf, 4KiB)
}
`;

test('a large cache that changes in few places is checkpointed as often as asked, not one event a folio apart (issue 10)', () => {
  const loaded = loadScenario(APPEND, 'append.iosim');
  assert.ok(loaded.spec, loaded.diagnostics.map((d) => d.message).join('\n'));
  const every = 2000;
  const t = new Trace(loaded.spec, { checkpointEvery: every });
  t.runToEnd();
  const folios = t.machine.cache.active.folios + t.machine.cache.inactive.folios;
  assert.ok(folios >= 12000, `${folios} folios`);
  // Past the first 12,000 writes each checkpoint freezes the nodes the appends touched and lists the others: spaced by
  // about \`every\` events, not by the 12,000 folios.
  const cps = (t as unknown as { checkpoints: { list: { pos: number; op: number }[] } }).checkpoints.list;
  const late = cps.filter((c) => c.op > 12000);
  assert.ok(late.length >= 2, `${late.length} checkpoints among the last 2,000 writes (${t.events.length} events)`);
  for (let i = 1; i < late.length; i++) assert.ok(late[i].pos - late[i - 1].pos < folios / 2, `spacing ${late[i].pos - late[i - 1].pos}`);
  // And the past is rebuilt exactly from them.
  const plain = new Trace(loaded.spec, { checkpointEvery: 0 });
  plain.runToEnd();
  for (const op of [12001, 12999, 13500]) {
    const pos = t.ops.endPosOf(op);
    assert.deepEqual(lists(t.stateAt(pos)), lists(plain.stateAt(pos)), `after operation ${op}`);
  }
});

/** 4 KiB reads inside readahead folios (each cut out of its folio), rereads (activation) and a cache four times too small. */
const SPLITS = `machine {
  page_cache_limit = 256KiB
}
file "/a" size 4MiB
file "/b" size 1MiB
buf = alloc(64KiB)
a = open("/a", O_RDONLY)
b = open("/b", O_RDWR)
repeat 3 {
  pread(a, buf, 4KiB, 40KiB)
  pread(a, buf, 4KiB, 8KiB)
  pread(a, buf, 4KiB, 200KiB)
  pread(a, buf, 4KiB, 44KiB)
  pread(b, buf, 4KiB, 12KiB)
  pwrite(b, buf, 8KiB, 16KiB)
  repeat 6 { read(a, buf, 16KiB) }
  pread(b, buf, 4KiB, 12KiB)
}
fsync(b)
repeat 12 { read(a, buf, 64KiB) }
pread(a, buf, 4KiB, 8KiB)
`;

/** Both LRU lists of `m` from their heads, every page's state (flags, times, mapcount, the operation that cached it). */
function lists(m: Machine): unknown {
  return { active: m.lru('active'), inactive: m.lru('inactive'), now: m.now, counters: Array.from(m.counters) };
}

for (const [name, text] of [['page-cache-lru.iosim', readFileSync(join(__dirname, '../../../examples/page-cache-lru.iosim'), 'utf8')], ['splits', SPLITS], ['rich', RICH]] as const) {
  test(`${name}: checkpoints frozen incrementally (LRU order in stamps) rebuild both lists exactly as a plain run has them`, () => {
    const loaded = loadScenario(text, `${name}.iosim`);
    assert.ok(loaded.spec, loaded.diagnostics.map((d) => d.message).join('\n'));
    // The reference: the machine run operation after operation, never frozen, its lists read after each one.
    const live = new Machine(loaded.spec.config, loaded.spec.files, { emit() {} });
    const src = loaded.spec.createSource();
    const want: unknown[] = [];
    let moved = 0;
    // A machine thawed after every operation from its own checkpoint and run on from there: its index nodes keep the
    // frozen copies they were thawed from until they change, and each freeze shares those.
    let chain = Machine.fromFrozen(live.freeze(), { emit() {} });
    const chainSrc = loaded.spec.createSource();
    for (let i = 0; ; i++) {
      const op = src.next();
      if (!op) break;
      src.complete(live.execute(op, i).result);
      want.push(lists(live));
      // A copy frozen after every operation: each freeze shares the nodes that did not change with the one before.
      assert.deepEqual(lists(Machine.fromFrozen(live.freeze(), { emit() {} })), want[i], `frozen after operation ${i} (${op.name})`);
      chainSrc.complete(chain.execute(chainSrc.next()!, i).result);
      assert.deepEqual(lists(chain), want[i], `thawed and run on, after operation ${i} (${op.name})`);
      // Every frozen copy a node still holds is the node as it is now.
      for (let fileId = 0; fileId < 64; fileId++) {
        for (const node of chain.cache.mapping(fileId)?.nodeList() ?? []) {
          if (node.frozen) assert.deepEqual(node.frozen, freezeNode(fileId, node.folios), `file ${fileId}'s node after operation ${i}`);
        }
      }
      chain = Machine.fromFrozen(chain.freeze(), { emit() {} });
      assert.deepEqual(lists(chain), want[i], `thawed again after operation ${i} (${op.name})`);
      if (live.cache.activeCount() > 0) moved++;
    }
    assert.ok(moved > 0, 'some pages were activated');
    // A trace with a checkpoint as often as allowed, asked for the state after each operation in turn.
    const t = new Trace(loaded.spec, { checkpointEvery: 1 });
    t.runToEnd();
    assert.ok(t.checkpointCount() > 3, `${t.checkpointCount()} checkpoints`);
    for (let i = 0; i < want.length; i++) {
      const m = t.stateAt(t.ops.endPosOf(i));
      if (i === want.length - 1) break; // the head: the program's end phase ran too
      assert.deepEqual(lists(m), want[i], `state after operation ${i} (${t.ops.nameOf(i)})`);
    }
  });
}

/** dd: one 4 KiB buffer, filled once from a file, written block after block: one extent a block in the output file. */
const DD = `machine {
  page_cache_limit = 256KiB
}
file "/in" size 4KiB
file "/out" size 0
buf = alloc(4KiB)
i = open("/in", O_RDONLY)
o = open("/out", O_WRONLY)
read(i, buf, 4KiB)
repeat 4000 {
  write(o, buf, 4KiB)
}
`;

test('a file written block after block is not charged to every checkpoint: they share its extents with the live machine', () => {
  // Issue 10: each checkpoint held a copy of every extent of the output file and of its disk image, and the budget
  // charged them all to each: at 64 bytes an extent, the k-th of 25 checkpoints over 4,000 blocks about
  // 64 × 2 × 160k bytes, 6.4 MB in all, so a budget of 2 MiB thinned them. Now a checkpoint shares the chunks of
  // extents with the live machine and is charged those the live machine copied since (the last chunk of each, where
  // the writes append): about 40 KB.
  const loaded = loadScenario(DD, 'dd.iosim');
  assert.ok(loaded.spec, loaded.diagnostics.map((d) => d.message).join('\n'));
  const budget = 2 * 1024 * 1024;
  const t = new Trace(loaded.spec, { checkpointEvery: 1500, checkpointBudget: budget });
  t.runToEnd();
  const out = t.machine.files.get('/out')!;
  assert.equal(out.content.extentCount, 4000, 'one extent a block');
  assert.ok(out.disk.extentCount > 1000, `written back: ${out.disk.extentCount} extents on the disk`);
  const free = new Trace(loaded.spec, { checkpointEvery: 1500, checkpointBudget: Infinity });
  free.runToEnd();
  assert.equal(t.checkpointCount(), free.checkpointCount(), 'none thinned');
  assert.ok(t.checkpointCount() >= 20, `${t.checkpointCount()} checkpoints`);
  assert.ok(t.checkpointBytes() <= 100_000 * t.checkpointCount(), `${t.checkpointBytes()} bytes`);
  // Every past state is rebuilt with the output file's bytes as a run without checkpoints has them.
  const none = new Trace(loaded.spec, {});
  none.runToEnd();
  for (let pos = 0; pos <= none.head; pos += Math.floor(none.head / 23)) {
    const want = none.stateAt(pos).files.get('/out')!;
    const got = t.stateAt(pos).files.get('/out')!;
    assert.equal(got.size, want.size, `size at ${pos}`);
    assert.deepEqual(got.content.pieces(0, want.size), want.content.pieces(0, want.size), `bytes at ${pos}`);
    assert.deepEqual(got.disk.pieces(0, want.size), want.disk.pieces(0, want.size), `disk at ${pos}`);
  }
});
