/**
 * The folio page cache against a naive one that keeps one record per page on plain arrays: random sequences of range
 * operations (insert, activate, deactivate, rotate, flag changes, dirtying with per-page times, mapping, eviction,
 * trimming the tail folio, freeze/thaw) must leave every page with the same state in the same LRU position, and the index's searches (find,
 * ceil, tag search, next miss) must answer as a scan of the pages does. Then a few worked cases of splitting and joining.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Folio, joinStep, PG_ACTIVE, PG_DIRTY, PG_READAHEAD, PG_REFERENCED, PG_WRITEBACK, PG_YOUNG } from '../../src/machine/folio';
import { Page, PageCache } from '../../src/machine/pagecache';

interface NaivePage extends Page {}

/** The reference: one record per page, lists as arrays from the head. */
class Naive {
  pages = new Map<string, NaivePage>();
  active: NaivePage[] = [];
  inactive: NaivePage[] = [];
  key = (f: number, i: number) => `${f}:${i}`;
  get(f: number, i: number): NaivePage | undefined {
    return this.pages.get(this.key(f, i));
  }
  listOf(p: NaivePage): NaivePage[] {
    return p.flags & PG_ACTIVE ? this.active : this.inactive;
  }
  unlink(p: NaivePage): void {
    const l = this.listOf(p);
    l.splice(l.indexOf(p), 1);
  }
  insert(f: number, index: number, nr: number, readyAt: number, step: number, bornOp: number, flags: number): void {
    for (let i = 0; i < nr; i++) {
      const p: NaivePage = { fileId: f, index: index + i, flags, readyAt: readyAt + step * i, dirtiedAt: 0, mapcount: 0, bornOp };
      this.pages.set(this.key(f, index + i), p);
      this.inactive.unshift(p);
    }
  }
  relink(p: NaivePage, flags: number): void {
    this.unlink(p);
    p.flags = flags;
    this.listOf(p).unshift(p);
  }
  remove(p: NaivePage): void {
    this.unlink(p);
    this.pages.delete(this.key(p.fileId, p.index));
  }
}

/** A small deterministic generator (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Applies `fn` to the cached pages of [a, b) folio by folio in ascending order, as mm/ code walks a range. */
function eachFolio(c: PageCache, file: number, a: number, b: number, fn: (f: Folio) => void): void {
  for (let i = a; ;) {
    const g = c.mapping(file)?.ceil(i);
    if (!g || g.index >= b) return;
    const end = Math.min(b, g.end);
    fn(c.take(file, Math.max(i, g.index), b)!);
    i = end;
  }
}

function snapshot(c: PageCache): string[] {
  const out: string[] = [];
  for (const list of [c.active, c.inactive]) {
    out.push(list === c.active ? 'active' : 'inactive');
    for (const p of c.lruPages(list)) out.push(`${p.fileId}:${p.index} f${p.flags} m${p.mapcount} b${p.bornOp} r${p.readyAt} d${p.dirtiedAt}`);
  }
  return out;
}

function naiveSnapshot(n: Naive): string[] {
  const out: string[] = [];
  for (const [name, list] of [['active', n.active], ['inactive', n.inactive]] as const) {
    out.push(name);
    for (const p of list) out.push(`${p.fileId}:${p.index} f${p.flags} m${p.mapcount} b${p.bornOp} r${p.readyAt} d${p.dirtiedAt}`);
  }
  return out;
}

/** The first line that differs (a deepEqual diff of thousands of lines takes minutes to print). */
function sameLines(a: string[], b: string[], what: string): void {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) assert.fail(`${what}: LRU line ${i}: folio cache has ${a[i]}, naive cache ${b[i]}`);
  }
}

function checkIndex(c: PageCache, n: Naive, rand: () => number, files: number, span: number): void {
  let size = 0;
  let dirty = 0;
  let writeback = 0;
  for (const p of n.pages.values()) {
    size++;
    if (p.flags & PG_DIRTY) dirty++;
    if (p.flags & PG_WRITEBACK) writeback++;
  }
  assert.deepEqual([c.size, c.dirty, c.writeback, c.active.count, c.inactive.count], [size, dirty, writeback, n.active.length, n.inactive.length]);
  for (let q = 0; q < 8; q++) {
    const file = Math.floor(rand() * files);
    const from = Math.floor(rand() * span);
    const to = from + Math.floor(rand() * span);
    const m = c.mapping(file);
    const cached = (i: number) => n.get(file, i) !== undefined;
    assert.equal(m?.nrpages ?? 0, [...n.pages.values()].filter((p) => p.fileId === file).length);
    assert.equal(!!c.find(file, from), cached(from));
    let ceil = -1;
    for (let i = from; i < span * 3; i++) if (cached(i)) { ceil = i; break; }
    const g = m?.ceil(from);
    assert.equal(g ? Math.max(from, g.index) : -1, ceil, `ceil(${from}) of file ${file}`);
    let miss = from;
    while (miss < to && cached(miss)) miss++;
    assert.equal(m ? m.nextMiss(from, to) : from, Math.min(miss, to));
    for (const flag of [PG_DIRTY, PG_WRITEBACK, PG_READAHEAD]) {
      let want = -1;
      for (let i = from; i < to; i++) if (n.get(file, i) && n.get(file, i)!.flags & flag) { want = i; break; }
      const t = m?.findTagged(from, to, flag);
      assert.equal(t ? Math.max(from, t.index) : -1, want, `findTagged(${from}, ${to}, ${flag}) of file ${file}`);
    }
  }
}

function differential(seed: number, steps: number): void {
  const rand = rng(seed);
  const FILES = 3;
  const SPAN = 1500;
  let c = new PageCache(1 << 20);
  const n = new Naive();
  let op = 0;
  for (let s = 0; s < steps; s++) {
    // Each step is an operation of its own, as Machine.execute begins them: folios that left in earlier steps are
    // reused by this one's inserts and splits.
    c.recycle();
    const file = Math.floor(rand() * FILES);
    const a = Math.floor(rand() * SPAN);
    const len = 1 + Math.floor(rand() * (rand() < 0.7 ? 8 : 256));
    const b = a + len;
    const what = Math.floor(rand() * 12);
    if (what === 0 || n.pages.size < 50) {
      // insert the uncached gaps of [a, b), each gap in one call, ascending
      const t = rand() < 0.5 ? 1000 * Math.floor(rand() * 5) : Infinity;
      const step = t !== Infinity && rand() < 0.5 ? 100 : 0;
      op++;
      for (let i = a; i < b;) {
        if (n.get(file, i)) { i++; continue; }
        let e = i;
        while (e < b && !n.get(file, e)) e++;
        const flags = rand() < 0.1 ? PG_READAHEAD : 0;
        c.insert(file, i, e - i, t + step * (i - a), step, op, flags);
        n.insert(file, i, e - i, t + step * (i - a), step, op, flags);
        i = e;
      }
    } else {
      const pages: NaivePage[] = [];
      for (let i = a; i < b; i++) if (n.get(file, i)) pages.push(n.get(file, i)!);
      switch (what) {
        case 1: // activate
          eachFolio(c, file, a, b, (f) => c.activate(f));
          for (const p of pages) n.relink(p, (p.flags | PG_ACTIVE) & ~PG_REFERENCED);
          break;
        case 2: // deactivate
          eachFolio(c, file, a, b, (f) => c.deactivate(f));
          for (const p of pages) n.relink(p, p.flags & ~(PG_ACTIVE | PG_REFERENCED));
          break;
        case 3: // rotate
          eachFolio(c, file, a, b, (f) => c.rotate(f));
          for (const p of pages) n.relink(p, p.flags);
          break;
        case 4: { // set or clear a flag
          const flag = [PG_REFERENCED, PG_WRITEBACK, PG_READAHEAD, PG_YOUNG][Math.floor(rand() * 4)];
          const set = rand() < 0.6;
          eachFolio(c, file, a, b, (f) => c.update(f, set ? flag : 0, set ? 0 : flag));
          for (const p of pages) p.flags = set ? p.flags | flag : p.flags & ~flag;
          break;
        }
        case 5: { // dirty the clean pages, in time order (page i at t0 + 100 (i - a))
          const t0 = 5000 + 1000 * s;
          eachFolio(c, file, a, b, (f) => { if (!(f.flags & PG_DIRTY)) c.setDirty(f, t0 + 100 * (f.index - a), 100); });
          for (const p of pages) if (!(p.flags & PG_DIRTY)) { p.flags |= PG_DIRTY; p.dirtiedAt = t0 + 100 * (p.index - a); }
          break;
        }
        case 6: // writeback starts: dirty → writeback
          eachFolio(c, file, a, b, (f) => { if (f.flags & PG_DIRTY) c.update(f, PG_WRITEBACK, PG_DIRTY); });
          for (const p of pages) if (p.flags & PG_DIRTY) p.flags = (p.flags | PG_WRITEBACK) & ~PG_DIRTY;
          break;
        case 7: { // reads complete
          const t = 2000 * s;
          eachFolio(c, file, a, b, (f) => c.setReadyAt(f, t));
          for (const p of pages) p.readyAt = t;
          break;
        }
        case 8: { // map or unmap
          const d = rand() < 0.5 ? 1 : -1;
          eachFolio(c, file, a, b, (f) => { if (f.mapcount + d >= 0) c.addMapcount(f, d, d > 0); });
          for (const p of pages) if (p.mapcount + d >= 0) { p.mapcount += d; if (d > 0) p.flags |= PG_YOUNG; }
          break;
        }
        case 9: // evict
          eachFolio(c, file, a, b, (f) => c.remove(f));
          for (const p of pages) n.remove(p);
          break;
        case 11: { // reclaim's trim: the first pages of the inactive tail folio leave, the rest stays in place
          const t = c.inactive.tail;
          if (!t || t.nr < 2) break;
          const k = 1 + Math.floor(rand() * (t.nr - 1));
          for (let j = 0; j < k; j++) n.remove(n.inactive[n.inactive.length - 1]);
          c.removeFront(t, k);
          break;
        }
        case 10: { // reclaim-like: from the inactive tail, rotate or evict a few pages one by one
          for (let k = 0; k < len && c.inactive.tail; k++) {
            const t = c.inactive.tail;
            const p = n.inactive[n.inactive.length - 1];
            assert.deepEqual([t.fileId, t.index], [p.fileId, p.index]);
            const one = c.take(t.fileId, t.index, t.index + 1)!;
            if (rand() < 0.5) { c.rotate(one); n.relink(p, p.flags); } else { c.remove(one); n.remove(p); }
          }
          break;
        }
      }
    }
    if (rand() < 0.05) c = PageCache.thaw(c.freeze());
    if (rand() < 0.05) c = c.clone();
    sameLines(snapshot(c), naiveSnapshot(n), `after step ${s} (seed ${seed})`);
    checkIndex(c, n, rand, FILES, SPAN);
  }
  // Identical neighbours were joined: far fewer folios than pages.
  assert.ok(c.active.folios + c.inactive.folios <= c.size);
}

for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
  test(`folio page cache = naive per-page cache over 400 random range operations (seed ${seed})`, () => differential(seed, 400));
}

test('pages inserted one by one in ascending order form one folio; a read time per page survives the join', () => {
  const c = new PageCache(1000);
  for (let i = 0; i < 32; i++) c.insert(7, i, 1, 1000 + 100 * i, 0, 1);
  assert.equal(c.inactive.folios, 1);
  const f = c.find(7, 5)!;
  assert.deepEqual([f.index, f.nr, f.readyStep, f.readyAtOf(31)], [0, 32, 100, 4100]);
  // Descending order would put page 0 at the head: no join, 32 folios.
  const d = new PageCache(1000);
  for (let i = 31; i >= 0; i--) d.insert(7, i, 1, 0, 0, 1);
  assert.equal(d.inactive.folios, 32);
});

test('activating the middle of a folio splits it in three; activating the rest joins it again on the active list', () => {
  const c = new PageCache(1000);
  c.insert(1, 0, 30, 0, 0, 1);
  c.activate(c.take(1, 10, 20)!);
  assert.deepEqual([...c.inactive.fromHead()].map((f) => [f.index, f.nr]), [[20, 10], [0, 10]]);
  assert.deepEqual([...c.active.fromHead()].map((f) => [f.index, f.nr]), [[10, 10]]);
  assert.deepEqual([...c.lruPages(c.inactive)].map((p) => p.index), [...Array(10).keys()].map((i) => 29 - i).concat([...Array(10).keys()].map((i) => 9 - i)));
  // Pages 20–29 then 0–9 activated: 20–29 go on top of 10–19 and join them; 0–9 go on top and stay apart (0–9 is not
  // next to 20 in the file).
  c.activate(c.take(1, 20, 30)!);
  c.activate(c.take(1, 0, 10)!);
  assert.deepEqual([...c.active.fromHead()].map((f) => [f.index, f.nr]), [[0, 10], [10, 20]]);
  assert.equal(c.inactive.folios, 0);
});

test('tag search skips nodes with no tagged folio and finds the first dirty page of a range', () => {
  const c = new PageCache(1 << 20);
  // 1000 folios of 1 page with distinct read times (no joins), every 7th of them dirty from page 3500 on.
  for (let i = 0; i < 1000; i++) c.insert(2, 5 * i, 1, i, 0, i);
  for (let i = 700; i < 1000; i += 7) c.setDirty(c.take(2, 5 * i, 5 * i + 1)!, 1, 0);
  const m = c.mapping(2)!;
  assert.equal(m.nrFolios, 1000);
  assert.equal(m.findTagged(0, Infinity, PG_DIRTY)!.index, 3500);
  assert.equal(m.findTagged(3501, Infinity, PG_DIRTY)!.index, 3535);
  assert.equal(m.findTagged(0, 3500, PG_DIRTY), undefined);
  assert.equal(m.findTagged(0, Infinity, PG_WRITEBACK), undefined);
  assert.equal(m.nextMiss(0, 100), 1);
  assert.equal(c.dirty, 43);
  // One dirty folio alone in its node, the nodes around it without any: found across them.
  for (let i = 700; i < 1000; i += 7) c.update(c.take(2, 5 * i, 5 * i + 1)!, 0, PG_DIRTY);
  c.setDirty(c.take(2, 2500, 2501)!, 1, 0);
  assert.equal(m.findTagged(0, Infinity, PG_DIRTY)!.index, 2500);
  assert.equal(m.findTagged(2501, Infinity, PG_DIRTY), undefined);
});

test('a folio that left the cache keeps its fields until the next operation, then makes a new one', () => {
  const c = new PageCache(1000);
  const gone = c.insert(0, 0, 8, 0, 0, 1);
  c.remove(gone);
  // During the operation it left in, its fields are what they were (a caller may still read them).
  const same = c.insert(0, 100, 4, 0, 0, 1);
  assert.notEqual(same, gone);
  assert.deepEqual([gone.fileId, gone.index, gone.nr, gone.node], [0, 0, 8, null]);
  c.recycle();
  // The next operation's insert reuses it, with nothing of its old state.
  const reused = c.insert(1, 50, 2, 700, 0, 2, PG_READAHEAD);
  assert.equal(reused, gone);
  assert.deepEqual(
    [reused.fileId, reused.index, reused.nr, reused.flags, reused.mapcount, reused.bornOp, reused.readyAt, reused.dirtiedAt],
    [1, 50, 2, PG_READAHEAD, 0, 2, 700, 0],
  );
  assert.equal(c.find(1, 51), reused);
  assert.equal(c.find(0, 0), undefined);
  assert.equal(c.size, 6);
});

test('joinStep: one step describes two runs only when the second continues the first', () => {
  assert.equal(joinStep(100, 0, 1, 200, 0, 1), 100);
  assert.equal(joinStep(100, 100, 3, 400, 100, 2), 100);
  assert.equal(joinStep(100, 100, 3, 400, 50, 2), null);
  assert.equal(joinStep(100, 100, 3, 500, 0, 1), null);
  assert.equal(joinStep(Infinity, 0, 4, Infinity, 0, 1), 0);
  assert.equal(joinStep(5, 0, 1, Infinity, 0, 1), null);
  assert.equal(joinStep(300, 0, 1, 200, 0, 1), null);
  assert.equal(joinStep(0.5, 0, 1, 1.5, 0, 1), null);
});
