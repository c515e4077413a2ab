/**
 * The examples in examples/ are teaching texts: their comments state numbers (switches, copies, hits, evictions,
 * times). These tests run each example and check that it parses cleanly and that the model does what its
 * comments say, with the numbers they give.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { Ev, EvictReason, SwitchCause, WaitReason, WakeReason, eventPageCount, evictReason } from '../../src/machine/events';
import { Machine } from '../../src/machine/machine';
import { PG_ACTIVE, PG_DIRTY, PG_READAHEAD, PG_WRITEBACK } from '../../src/machine/pagecache';
import { loadScenario } from '../../src/program/load';
import type { OpRecord } from '../../src/trace/opLog';
import { runJson, totalsOf, type OperationJson, type RunJson, type Totals } from '../../src/trace/summary';
import { Trace } from '../../src/trace/trace';

/** From out/test/examples/ (compiled) back to the project root's examples/. */
const EXAMPLES = path.join(__dirname, '../../../examples');

const KiB = 1024;
const MiB = 1024 * KiB;
const MS = 1e6;
const S = 1e9;

const EXPECTED = [
  'direct-aio.iosim',
  'mmap-write.iosim',
  'page-cache-lru.iosim',
  'read-write.iosim',
  'readahead.iosim',
  'sendfile-sg-dma.iosim',
  'sendfile.iosim',
  'splice.iosim',
  'writeback.iosim',
];

function source(name: string): string {
  return readFileSync(path.join(EXAMPLES, name), 'utf8');
}

function traceOf(name: string): Trace {
  const text = source(name);
  const loaded = loadScenario(text, path.join('examples', name));
  assert.deepEqual(loaded.diagnostics.map((d) => `${d.line}:${d.col}: ${d.message}`), [], `${name} has diagnostics`);
  assert.ok(loaded.spec, `${name} did not load`);
  return new Trace(loaded.spec);
}

/** The 1-based lines whose code (the part before '#') contains `snippet`. */
function linesOf(name: string, snippet: string): number[] {
  const lines = source(name).split('\n');
  const found: number[] = [];
  lines.forEach((l, i) => {
    if (l.split('#')[0].includes(snippet)) found.push(i + 1);
  });
  assert.ok(found.length > 0, `${name}: no line contains ${JSON.stringify(snippet)}`);
  return found;
}

/** The one line whose code contains `snippet`. */
function lineOf(name: string, snippet: string): number {
  const found = linesOf(name, snippet);
  assert.equal(found.length, 1, `${name}: ${JSON.stringify(snippet)} is on lines ${found.join(', ')}`);
  return found[0];
}

/** What one executed operation did, with the machine's totals around it and the page cache after it. */
interface Step {
  index: number;
  rec: OpRecord;
  before: Totals;
  after: Totals;
  /** Per file: [cached, dirty, writeback, active] pages after the operation. */
  files: Map<string, { cached: number; dirty: number; writeback: number; active: number }>;
  active: number;
  inactive: number;
}

function fileCounts(m: Machine): Step['files'] {
  const out: Step['files'] = new Map();
  for (const f of m.filesById) {
    let cached = 0;
    let dirty = 0;
    let writeback = 0;
    let active = 0;
    for (const p of m.cache.pagesOf(f.id)?.values() ?? []) {
      cached++;
      if (p.flags & PG_DIRTY) dirty++;
      if (p.flags & PG_WRITEBACK) writeback++;
      if (p.flags & PG_ACTIVE) active++;
    }
    out.set(f.path, { cached, dirty, writeback, active });
  }
  return out;
}

/** Runs an example one operation at a time, recording each step. */
function stepsOf(name: string): { trace: Trace; steps: Step[]; json: RunJson } {
  const trace = traceOf(name);
  const steps: Step[] = [];
  for (;;) {
    const before = totalsOf(trace.machine);
    const i = trace.step();
    if (i < 0) break;
    const m = trace.machine;
    steps.push({
      index: i, rec: trace.ops.get(i), before, after: totalsOf(m), files: fileCounts(m),
      active: m.cache.active.count, inactive: m.cache.inactive.count,
    });
  }
  return { trace, steps, json: runJson(trace) };
}

function runOf(name: string): { trace: Trace; json: RunJson } {
  const trace = traceOf(name);
  trace.runToEnd();
  return { trace, json: runJson(trace) };
}

/** The operations executed from a line, in order. */
function opsAt(json: RunJson, line: number): OperationJson[] {
  const ops = json.operations.filter((o) => o.line === line);
  assert.ok(ops.length > 0, `nothing ran on line ${line}`);
  return ops;
}

function onlyOpAt(json: RunJson, line: number): OperationJson {
  const ops = opsAt(json, line);
  assert.equal(ops.length, 1, `line ${line} ran ${ops.length} times`);
  return ops[0];
}

function stepsAt(steps: Step[], line: number): Step[] {
  const s = steps.filter((x) => x.rec.line === line);
  assert.ok(s.length > 0, `nothing ran on line ${line}`);
  return s;
}

/** The article's four counters of one operation. */
function cost(o: OperationJson): { switches: number; dma: number; cpu: number } {
  return { switches: o.contextSwitches, dma: o.dmaCopies, cpu: o.cpuCopies };
}

interface EvRec {
  pos: number;
  kind: Ev;
  time: number;
  a: number;
  b: number;
  c: number;
}

/** Events about a run of pages [b, b + count): read here one record per page, as the machine once reported them. */
const PAGE_RUNS = new Set<Ev>([Ev.PageHit, Ev.PageMiss, Ev.PageInsert, Ev.PageActivate, Ev.PageDeactivate, Ev.PageEvict, Ev.PageDirty, Ev.PageMap]);

/** Events of some kinds in [from, to]; a page-run event as one record per page (b the page, c the eviction reason or 0). */
function eventsOf(t: Trace, kinds: readonly Ev[], from = 0, to = t.events.length - 1): EvRec[] {
  const out: EvRec[] = [];
  for (let i = from; i <= to; i++) {
    const k = t.events.kind(i);
    if (!kinds.includes(k)) continue;
    const rec = { pos: i, kind: k, time: t.events.time(i), a: t.events.a(i), b: t.events.b(i), c: t.events.c(i) };
    if (!PAGE_RUNS.has(k)) {
      out.push(rec);
      continue;
    }
    for (let j = 0; j < eventPageCount(k, rec.c); j++) out.push({ ...rec, b: rec.b + j, c: k === Ev.PageEvict ? evictReason(rec.c) : 0 });
  }
  return out;
}

function opEventsOf(t: Trace, rec: OpRecord, kinds: readonly Ev[]): EvRec[] {
  return eventsOf(t, kinds, rec.startPos, rec.endPos);
}

function fileIdOf(t: Trace, p: string): number {
  const f = t.machine.files.get(p);
  assert.ok(f, `no file ${p}`);
  return f.id;
}

// ───────────────────────────── every example ─────────────────────────────

test('examples/ holds the expected examples', () => {
  const found = readdirSync(EXAMPLES).filter((f) => f.endsWith('.iosim')).sort();
  for (const name of EXPECTED) assert.ok(found.includes(name), `missing examples/${name}`);
});

test('every example parses without any diagnostic and runs to the end without a failed call', () => {
  const names = readdirSync(EXAMPLES).filter((f) => f.endsWith('.iosim')).sort();
  assert.ok(names.length >= EXPECTED.length);
  for (const name of names) {
    const { trace, json } = runOf(name);
    assert.ok(trace.finished, name);
    assert.ok(json.operations.length > 0, name);
    const failed = json.operations.filter((o) => o.errno !== null).map((o) => `line ${o.line}: ${o.name} ${o.errno}`);
    assert.deepEqual(failed, [], `${name}: failed calls`);
  }
});

test('every example starts with a header comment that says what to watch in the debugger', () => {
  for (const name of EXPECTED) {
    const text = source(name);
    assert.ok(text.startsWith(`# ${name} — `), `${name}: the first line names the example`);
    assert.match(text, /What to (watch|try) in the debugger:/, name);
    assert.match(text, /breakpoint/, name);
  }
});

// ───────────────────────────── read-write ─────────────────────────────

test('read-write: the read + write pair costs 4 switches, 2 DMA copies and 2 CPU copies', () => {
  const name = 'read-write.iosim';
  const { json } = runOf(name);
  const read = onlyOpAt(json, lineOf(name, 'n = read(fd, buf, 16KiB)'));
  const write = onlyOpAt(json, lineOf(name, 'write(sock, buf, n)'));
  assert.deepEqual(cost(read), { switches: 2, dma: 1, cpu: 1 });
  assert.deepEqual([read.dmaBytes, read.cpuBytes, read.result], [16 * KiB, 16 * KiB, 16 * KiB]);
  assert.deepEqual(cost(write), { switches: 2, dma: 1, cpu: 1 });
  assert.deepEqual([write.dmaBytes, write.cpuBytes, write.result], [16 * KiB, 16 * KiB, 16 * KiB]);
  assert.equal(read.contextSwitches + write.contextSwitches, 4);
  assert.equal(read.dmaCopies + write.dmaCopies, 2);
  assert.equal(read.cpuCopies + write.cpuCopies, 2);
  // The warm re-read: a hit, no DMA.
  const again = onlyOpAt(json, lineOf(name, 'pread(fd, buf, 16KiB, 0)'));
  assert.deepEqual(cost(again), { switches: 2, dma: 0, cpu: 1 });
  const t = json.totals;
  assert.deepEqual([t.syscalls, t.contextSwitches, t.cpuCopies, t.dmaCopies, t.dmaInterrupts], [6, 12, 3, 2, 2]);
  assert.deepEqual([t.pageCacheHits, t.pageCacheMisses], [4, 4]);
});

test('read-write: the disk interrupt comes inside the read, the NIC interrupt after the write returned', () => {
  const name = 'read-write.iosim';
  const { trace, steps } = stepsOf(name);
  const read = stepsAt(steps, lineOf(name, 'n = read(fd, buf, 16KiB)'))[0].rec;
  const write = stepsAt(steps, lineOf(name, 'write(sock, buf, n)'))[0].rec;
  const irqs = eventsOf(trace, [Ev.DmaInterrupt]);
  assert.equal(irqs.length, 2);
  assert.ok(irqs[0].pos > read.startPos && irqs[0].pos < read.endPos, 'disk interrupt inside the read');
  assert.ok(irqs[1].pos > write.endPos, 'NIC interrupt after the write');
});

// ───────────────────────────── mmap-write ─────────────────────────────

test('mmap-write part 1: mmap + write costs 4 switches, 2 DMA copies, 1 CPU copy; the fault is inside the kernel', () => {
  const name = 'mmap-write.iosim';
  const { trace, steps, json } = stepsOf(name);
  const mmap = onlyOpAt(json, lineOf(name, 'addr = mmap(fd, 16KiB)'));
  const write = onlyOpAt(json, lineOf(name, 'write(sock, addr, 16KiB)'));
  assert.deepEqual(cost(mmap), { switches: 2, dma: 0, cpu: 0 });
  assert.deepEqual(cost(write), { switches: 2, dma: 2, cpu: 1 });
  assert.equal(write.pageFaults, 1);
  assert.equal(mmap.contextSwitches + write.contextSwitches, 4);
  assert.equal(mmap.cpuCopies + write.cpuCopies, 1);
  const rec = stepsAt(steps, write.line)[0].rec;
  assert.equal(opEventsOf(trace, rec, [Ev.FaultMajor]).length, 1);
  // Every mode switch of the write is the syscall's own: no exception.
  const switches = opEventsOf(trace, rec, [Ev.ModeSwitch]);
  assert.deepEqual(switches.map((e) => e.b), [SwitchCause.Syscall, SwitchCause.Syscall]);
});

test('mmap-write part 2: user-space faults add 2 switches each, minor for cached pages, major for the disk', () => {
  const name = 'mmap-write.iosim';
  const { trace, steps, json } = stepsOf(name);
  const at = (snippet: string) => onlyOpAt(json, lineOf(name, snippet));
  const kinds = (snippet: string) => {
    const rec = stepsAt(steps, lineOf(name, snippet))[0].rec;
    return {
      minor: opEventsOf(trace, rec, [Ev.FaultMinor]).length,
      major: opEventsOf(trace, rec, [Ev.FaultMajor]).length,
      exceptionSwitches: opEventsOf(trace, rec, [Ev.ModeSwitch]).filter((e) => e.b === SwitchCause.Exception).length,
    };
  };
  // Minor: the page is cached from part 1.
  assert.deepEqual({ ...cost(at('touch(addr2, 0, 4KiB)')), pf: at('touch(addr2, 0, 4KiB)').pageFaults }, { switches: 2, dma: 0, cpu: 0, pf: 1 });
  assert.deepEqual(kinds('touch(addr2, 0, 4KiB)'), { minor: 1, major: 0, exceptionSwitches: 2 });
  // Fault-around mapped the neighbours.
  assert.deepEqual({ ...cost(at('touch(addr2, 4KiB, 12KiB)')), pf: at('touch(addr2, 4KiB, 12KiB)').pageFaults }, { switches: 0, dma: 0, cpu: 0, pf: 0 });
  assert.deepEqual({ ...cost(at('write(sock, addr2, 16KiB)')), pf: at('write(sock, addr2, 16KiB)').pageFaults }, { switches: 2, dma: 1, cpu: 1, pf: 0 });
  // Major: a cold file; read-around of 128 KiB.
  const major = at('touch(m, 0, 4KiB)');
  assert.deepEqual({ ...cost(major), pf: major.pageFaults, dmaBytes: major.dmaBytes }, { switches: 2, dma: 1, cpu: 0, pf: 1, dmaBytes: 128 * KiB });
  assert.deepEqual(kinds('touch(m, 0, 4KiB)'), { minor: 0, major: 1, exceptionSwitches: 2 });
  const readAround = opEventsOf(trace, stepsAt(steps, major.line)[0].rec, [Ev.ReadAround]);
  assert.deepEqual(readAround.map((e) => [e.b, e.c]), [[0, 32]]);
  const marks = opEventsOf(trace, stepsAt(steps, major.line)[0].rec, [Ev.ReadaheadMark]);
  assert.deepEqual(marks.map((e) => e.b), [24]);
  assert.ok(major.endNs - major.startNs > 60_000 && major.endNs - major.startNs < 70_000, 'a major fault waits ~65 us');
  const minor = at('touch(addr2, 0, 4KiB)');
  assert.ok(minor.endNs - minor.startNs < 1_000, 'a minor fault costs well under a microsecond');
  assert.deepEqual(cost(at('touch(m, 4KiB, 60KiB)')), { switches: 0, dma: 0, cpu: 0 });
  assert.deepEqual(kinds('touch(m, 64KiB, 4KiB)'), { minor: 1, major: 0, exceptionSwitches: 2 });
  assert.deepEqual(kinds('touch(m, 512KiB, 4KiB)'), { minor: 0, major: 1, exceptionSwitches: 2 });
  assert.deepEqual({ ...cost(at('write(sock, m, 64KiB)')), pf: at('write(sock, m, 64KiB)').pageFaults }, { switches: 2, dma: 1, cpu: 1, pf: 0 });
  // In all: 5 faults, 4 from user space, 8 exception switches.
  assert.equal(json.totals.pageFaults, 5);
  assert.equal(eventsOf(trace, [Ev.ModeSwitch]).filter((e) => e.b === SwitchCause.Exception).length, 8);
  assert.equal(eventsOf(trace, [Ev.FaultMajor]).length, 3);
  assert.equal(eventsOf(trace, [Ev.FaultMinor]).length, 2);
});

// ───────────────────────────── sendfile ─────────────────────────────

test('sendfile (plain NIC): 1 syscall, 2 switches, 2 DMA copies, 1 CPU copy', () => {
  const name = 'sendfile.iosim';
  const { json } = runOf(name);
  const line = lineOf(name, 'sendfile(sock, fd, 0, 16KiB)');
  const s = onlyOpAt(json, line);
  assert.equal(s.name, 'sendfile');
  assert.deepEqual(cost(s), { switches: 2, dma: 2, cpu: 1 });
  assert.deepEqual([s.cpuBytes, s.dmaBytes, s.result], [16 * KiB, 32 * KiB, 16 * KiB]);
  assert.deepEqual(json.totals.cpuCopies, 1);
});

test('sendfile is fit for the end-to-end test: short, at least 3 syscalls, a breakpoint line on sendfile', () => {
  const name = 'sendfile.iosim';
  const text = source(name);
  assert.ok(text.split('\n').length <= 30, 'short');
  const loaded = loadScenario(text, name);
  assert.equal(loaded.spec?.config.nic, 'plain');
  const { json } = runOf(name);
  const syscalls = json.operations.filter((o) => o.contextSwitches === 2);
  assert.ok(syscalls.length >= 3, 'at least 3 syscalls to step through');
  assert.equal(json.totals.syscalls, 4);
  const line = lineOf(name, 'sendfile(');
  assert.ok(loaded.executableLines.includes(line), 'the sendfile line takes a breakpoint');
  assert.match(text.split('\n')[line - 1], /breakpoint/);
  // Stepping into it shows something: a miss, readahead, the disk DMA and its interrupt, a copy, the NIC DMA.
  const trace = traceOf(name);
  trace.runToEnd();
  let rec: OpRecord | null = null;
  for (let i = 0; i < trace.ops.length; i++) if (trace.ops.get(i).line === line) rec = trace.ops.get(i);
  assert.ok(rec);
  const inside = opEventsOf(trace, rec, [Ev.PageMiss, Ev.ReadaheadSync, Ev.DmaStart, Ev.DmaInterrupt, Ev.CpuCopy]);
  assert.deepEqual([...new Set(inside.map((e) => e.kind))].sort(), [Ev.CpuCopy, Ev.DmaStart, Ev.DmaInterrupt, Ev.PageMiss, Ev.ReadaheadSync].sort());
});

test('sendfile-sg-dma: zero CPU copies, cold and warm', () => {
  const name = 'sendfile-sg-dma.iosim';
  const { json } = runOf(name);
  const lines = linesOf(name, 'sendfile(sock, fd, 0, 64KiB)');
  assert.equal(lines.length, 2);
  const [cold, warm] = lines.map((l) => onlyOpAt(json, l));
  assert.deepEqual(cost(cold), { switches: 2, dma: 2, cpu: 0 });
  assert.deepEqual([cold.cpuBytes, cold.dmaBytes], [0, 128 * KiB]);
  assert.deepEqual(cost(warm), { switches: 2, dma: 1, cpu: 0 });
  assert.deepEqual([warm.cpuBytes, warm.dmaBytes], [0, 64 * KiB]);
  assert.deepEqual([json.totals.cpuCopies, json.totals.cpuBytes], [0, 0]);
  assert.deepEqual([json.totals.pageCacheHits, json.totals.pageCacheMisses], [16, 16]);
});

// ───────────────────────────── splice ─────────────────────────────

test('splice: file -> pipe -> socket costs 4 switches, 2 DMA copies, 0 CPU copies', () => {
  const name = 'splice.iosim';
  const { json } = runOf(name);
  const [in1, in2] = linesOf(name, 'splice(fd, p + 1, 64KiB)').map((l) => onlyOpAt(json, l));
  const [out1, out2] = linesOf(name, 'splice(p, sock, 64KiB)').map((l) => onlyOpAt(json, l));
  assert.deepEqual(cost(in1), { switches: 2, dma: 1, cpu: 0 });
  assert.equal(in1.dmaBytes, 128 * KiB, 'readahead reads the whole 128 KiB file');
  assert.deepEqual(cost(out1), { switches: 2, dma: 1, cpu: 0 });
  assert.equal(out1.dmaBytes, 64 * KiB);
  assert.equal(in1.contextSwitches + out1.contextSwitches, 4);
  assert.equal(in1.dmaCopies + out1.dmaCopies, 2);
  assert.deepEqual(cost(in2), { switches: 2, dma: 0, cpu: 0 }, 'warm: no I/O');
  assert.deepEqual(cost(out2), { switches: 2, dma: 1, cpu: 0 });
  assert.deepEqual([in1.result, out1.result, in2.result, out2.result], [64 * KiB, 64 * KiB, 64 * KiB, 64 * KiB]);
  assert.deepEqual([json.totals.cpuCopies, json.totals.cpuBytes], [0, 0]);
});

// ───────────────────────────── page-cache-lru ─────────────────────────────

test('page-cache-lru: the hot file becomes active and survives a cold stream while the active list is small', () => {
  const name = 'page-cache-lru.iosim';
  const { trace, steps } = stepsOf(name);
  const HOT = '/srv/index.html';
  const COLD = '/var/log/big.log';
  const hotReads = linesOf(name, 'pread(hot, buf, 64KiB, 0)').map((l) => stepsAt(steps, l)[0]);
  assert.equal(hotReads.length, 5);
  const hm = (s: Step) => [s.after.pageCacheHits - s.before.pageCacheHits, s.after.pageCacheMisses - s.before.pageCacheMisses, s.rec.dmaCopies];
  // Part 1
  assert.deepEqual(hm(hotReads[0]), [0, 16, 1]);
  assert.deepEqual(hm(hotReads[1]), [16, 0, 0]);
  assert.deepEqual(hm(hotReads[2]), [16, 0, 0]);
  assert.equal(hotReads[0].files.get(HOT)!.active, 0, 'read once: inactive');
  assert.equal(hotReads[1].files.get(HOT)!.active, 16, 'read twice: active');
  // Part 2: the stream.
  const stream = stepsAt(steps, linesOf(name, 'read(cold, buf, 64KiB)')[0]);
  assert.equal(stream.length, 32);
  const last = stream[stream.length - 1];
  assert.equal(last.after.evictions - stream[0].before.evictions, 400);
  assert.deepEqual(last.files.get(HOT), { cached: 16, dirty: 0, writeback: 0, active: 16 });
  assert.deepEqual([last.active, last.inactive], [16, 112]);
  assert.equal(last.files.get(COLD)!.cached, 112);
  // Every eviction so far was a big.log page, and the first one is in this loop: big.log page 0, by reclaim.
  const evicts = eventsOf(trace, [Ev.PageEvict]);
  const coldId = fileIdOf(trace, COLD);
  const inStream = evicts.filter((e) => e.pos <= last.rec.endPos);
  assert.equal(inStream.length, 400);
  assert.ok(inStream.every((e) => e.a === coldId));
  assert.ok(inStream[0].pos >= stream[0].rec.startPos);
  assert.deepEqual([inStream[0].a, inStream[0].b, inStream[0].c], [coldId, 0, EvictReason.Reclaim]);
  const firstEvictOp = trace.ops.opAt(inStream[0].pos);
  assert.equal(trace.ops.get(firstEvictOp).line, stream[0].rec.line);
  // The hot file survived: all hits.
  assert.deepEqual(hm(hotReads[3]), [16, 0, 0]);
});

test('page-cache-lru: once the active list is larger than the inactive one, the hot file is demoted and evicted', () => {
  const name = 'page-cache-lru.iosim';
  const { trace, steps } = stepsOf(name);
  const HOT = '/srv/index.html';
  const CAT = '/srv/catalog.db';
  const catReads = stepsAt(steps, lineOf(name, 'read(cat, buf, 64KiB)'));
  assert.equal(catReads.length, 14);
  const endOfPart3 = catReads[catReads.length - 1];
  assert.deepEqual([endOfPart3.active, endOfPart3.inactive], [128, 0]);
  assert.equal(endOfPart3.files.get(CAT)!.active, 112);
  assert.equal(endOfPart3.files.get(HOT)!.active, 16);
  assert.equal(endOfPart3.after.evictions - catReads[0].before.evictions, 112);
  // Part 4
  const stream = stepsAt(steps, linesOf(name, 'read(cold, buf, 64KiB)')[1]);
  assert.equal(stream.length, 8);
  const last = stream[stream.length - 1];
  assert.equal(last.after.evictions - stream[0].before.evictions, 160);
  assert.equal(last.files.get(HOT)!.cached, 0, 'the hot file is gone');
  const from = stream[0].rec.startPos;
  const to = last.rec.endPos;
  const hotId = fileIdOf(trace, HOT);
  const catId = fileIdOf(trace, CAT);
  const demoted = eventsOf(trace, [Ev.PageDeactivate], from, to);
  assert.equal(demoted.filter((e) => e.a === hotId).length, 16);
  assert.equal(demoted.filter((e) => e.a === catId).length, 48);
  // index.html, activated first, is at the tail of the active list: it is demoted first.
  assert.deepEqual(demoted.slice(0, 16).map((e) => e.a), Array(16).fill(hotId));
  const evicted = eventsOf(trace, [Ev.PageEvict], from, to);
  assert.equal(evicted.filter((e) => e.a === hotId).length, 16);
  assert.equal(evicted.filter((e) => e.a === catId).length, 48);
  // The last read of the hot file goes to the disk again.
  const final = stepsAt(steps, linesOf(name, 'pread(hot, buf, 64KiB, 0)')[4])[0];
  assert.deepEqual([final.after.pageCacheMisses - final.before.pageCacheMisses, final.rec.dmaCopies], [16, 1]);
  assert.equal(final.index, steps.length - 1, 'it is the last operation');
  assert.equal(steps[steps.length - 1].after.evictions, 688);
});

// ───────────────────────────── readahead ─────────────────────────────

test('readahead: the worked example of model-spec §4', () => {
  const name = 'readahead.iosim';
  const { trace, steps } = stepsOf(name);
  const movie = fileIdOf(trace, '/data/movie.mkv');
  const reads = stepsAt(steps, linesOf(name, 'read(fd, buf, 32KiB)')[0])
    .concat(stepsAt(steps, linesOf(name, 'read(fd, buf, 32KiB)')[1]))
    .concat(stepsAt(steps, linesOf(name, 'read(fd, buf, 32KiB)')[2]));
  assert.equal(reads.length, 3);
  const ra = (s: Step) => opEventsOf(trace, s.rec, [Ev.ReadaheadSync, Ev.ReadaheadAsync]).map((e) => [e.kind === Ev.ReadaheadSync ? 'sync' : 'async', e.a, e.b, e.c]);
  const marks = (s: Step) => opEventsOf(trace, s.rec, [Ev.ReadaheadMark]).map((e) => e.b);
  const waits = (s: Step) => opEventsOf(trace, s.rec, [Ev.Block]).filter((e) => e.b === WaitReason.PageIo).length;
  // 1. 32 KiB at 0: pages 0-15, marker on page 8, waits for the DMA.
  assert.deepEqual(ra(reads[0]), [['sync', movie, 0, 16]]);
  assert.deepEqual(marks(reads[0]), [8]);
  assert.equal(reads[0].rec.dmaBytes, 64 * KiB);
  assert.equal(waits(reads[0]), 1);
  assert.deepEqual(reads[0].files.get('/data/movie.mkv')!.cached, 16);
  // 2. Reaching page 8: async readahead of 16-47, no wait.
  assert.deepEqual(ra(reads[1]), [['async', movie, 16, 32]]);
  assert.deepEqual(marks(reads[1]), [16]);
  assert.equal(reads[1].rec.dmaBytes, 128 * KiB);
  assert.equal(waits(reads[1]), 0);
  assert.equal(reads[1].after.pageCacheHits - reads[1].before.pageCacheHits, 8);
  assert.equal(reads[1].files.get('/data/movie.mkv')!.cached, 48);
  // 3. Reaching page 16: the next window 48-79; waits for step 2's DMA (~60 us).
  assert.deepEqual(ra(reads[2]), [['async', movie, 48, 32]]);
  assert.deepEqual(marks(reads[2]), [48]);
  assert.equal(reads[2].rec.dmaBytes, 128 * KiB);
  assert.equal(waits(reads[2]), 1);
  const waited = opEventsOf(trace, reads[2].rec, [Ev.Block])[0].a;
  assert.ok(waited > 55_000 && waited < 65_000, `waited ${waited} ns`);
  // Before the marker page is read, it carries the marker.
  const m1 = trace.stateAt(reads[0].rec.endPos);
  assert.ok(m1.cache.get(movie, 8)!.flags & PG_READAHEAD);
  assert.equal(m1.cache.get(movie, 7)!.flags & PG_READAHEAD, 0);
});

test('readahead: small random reads read only the page asked for', () => {
  const name = 'readahead.iosim';
  const { trace, steps } = stepsOf(name);
  const db = fileIdOf(trace, '/data/index.db');
  const small = [lineOf(name, 'pread(db, buf, 4KiB, 512KiB)'), lineOf(name, 'pread(db, buf, 4KiB, 128KiB)')].map((l) => stepsAt(steps, l)[0]);
  for (const s of small) {
    assert.equal(s.rec.dmaBytes, 4 * KiB);
    assert.deepEqual(opEventsOf(trace, s.rec, [Ev.ReadaheadSync, Ev.ReadaheadAsync]).map((e) => [e.a, e.c]), [[db, 1]]);
    assert.deepEqual(opEventsOf(trace, s.rec, [Ev.ReadaheadMark]), []);
  }
  assert.equal(small[0].files.get('/data/index.db')!.cached, 1);
  assert.equal(small[1].files.get('/data/index.db')!.cached, 2);
  assert.deepEqual(opEventsOf(trace, small[0].rec, [Ev.PageMiss]).map((e) => e.b), [128]);
  assert.deepEqual(opEventsOf(trace, small[1].rec, [Ev.PageMiss]).map((e) => e.b), [32]);
});

// ───────────────────────────── writeback ─────────────────────────────

test('writeback part 1: dirty at 29 s, clean after the flusher wake-up at 30 s', () => {
  const name = 'writeback.iosim';
  const { trace, steps } = stepsOf(name);
  const NOTES = '/data/notes.txt';
  const write = stepsAt(steps, lineOf(name, 'write(notes, buf, 64KiB)'))[0];
  const sleep29 = stepsAt(steps, lineOf(name, 'sleep 29s'))[0];
  const sleep2 = stepsAt(steps, lineOf(name, 'sleep 2s'))[0];
  assert.deepEqual(write.files.get(NOTES), { cached: 16, dirty: 16, writeback: 0, active: 0 });
  assert.equal(write.rec.dmaCopies, 0, 'write() does no disk I/O');
  assert.ok(sleep29.rec.endNs >= 29 * S && sleep29.rec.endNs < 30 * S);
  assert.equal(sleep29.files.get(NOTES)!.dirty, 16, 'still dirty at 29 s');
  assert.equal(sleep29.after.writebackPages, 0);
  assert.deepEqual(sleep2.files.get(NOTES), { cached: 16, dirty: 0, writeback: 0, active: 0 });
  assert.equal(sleep2.after.writebackPages, 16);
  const notesId = fileIdOf(trace, NOTES);
  const firstDirty = eventsOf(trace, [Ev.PageDirty]).find((e) => e.a === notesId)!;
  const wbStart = eventsOf(trace, [Ev.WritebackStart]).filter((e) => e.a === notesId);
  assert.equal(wbStart.length, 1);
  assert.deepEqual([wbStart[0].b, wbStart[0].c], [0, 16]);
  assert.equal(wbStart[0].time - firstDirty.time, 30 * S, 'written exactly 30 s after it was dirtied');
  // Periodic wake-ups every 5 s before it found nothing old enough.
  const wakes = eventsOf(trace, [Ev.FlusherWake]).filter((e) => e.a === WakeReason.Periodic && e.time <= wbStart[0].time);
  assert.deepEqual(wakes.map((e) => Math.round((e.time - firstDirty.time) / S)), [5, 10, 15, 20, 25, 30]);
});

test('writeback part 2: over the background threshold the flusher writes a 4 MiB chunk and stops below it', () => {
  const name = 'writeback.iosim';
  const { trace, steps } = stepsOf(name);
  const BULK = '/data/bulk.bin';
  const bulkId = fileIdOf(trace, BULK);
  const writes = stepsAt(steps, lineOf(name, 'write(bulk, buf, 1MiB)'));
  assert.equal(writes.length, 8);
  const starts = (s: Step) => opEventsOf(trace, s.rec, [Ev.WritebackStart]).filter((e) => e.a === bulkId).map((e) => e.c);
  for (let i = 0; i < 6; i++) assert.deepEqual(starts(writes[i]), [], `write ${i + 1}`);
  assert.deepEqual(starts(writes[6]), [256, 256, 256, 256]);
  assert.deepEqual(starts(writes[7]), []);
  const bg = opEventsOf(trace, writes[6].rec, [Ev.FlusherWake]);
  assert.deepEqual(bg.map((e) => [e.a, e.b, e.c]), [[WakeReason.Background, 1648, 1638]]);
  const sleep = stepsAt(steps, lineOf(name, 'sleep 100ms'))[0];
  assert.equal(sleep.files.get(BULK)!.dirty, 1024);
  assert.equal(eventsOf(trace, [Ev.ThrottlePause], 0, sleep.rec.endPos).length, 0, 'no writer was paused');
});

test('writeback part 3: fsync writes the rest and waits (~8.5 ms at 500 MB/s)', () => {
  const name = 'writeback.iosim';
  const { steps } = stepsOf(name);
  const fsync = stepsAt(steps, lineOf(name, 'fsync(bulk)'))[0];
  assert.deepEqual(fsync.files.get('/data/bulk.bin'), { cached: 2048, dirty: 0, writeback: 0, active: 0 });
  assert.equal(fsync.after.writebackPages - fsync.before.writebackPages, 1024);
  const ms = (fsync.rec.endNs - fsync.rec.startNs) / MS;
  assert.ok(ms > 8.4 && ms < 8.6, `fsync took ${ms} ms`);
});

test('writeback part 4: small dirty limits throttle the writer with 10 ms pauses at the limit', () => {
  const name = 'writeback.iosim';
  const { trace, steps } = stepsOf(name);
  const writes = stepsAt(steps, lineOf(name, 'write(flood, buf, 1MiB)'));
  assert.equal(writes.length, 16);
  assert.deepEqual(trace.machine.dirtyLimits(), [256, 1024], 'background 1 MiB, limit 4 MiB, in pages');
  const paused = writes.map((s, i) => [i + 1, opEventsOf(trace, s.rec, [Ev.ThrottlePause]).map((e) => e.a)]).filter(([, p]) => (p as number[]).length > 0);
  assert.deepEqual(paused, [[5, [10_000]], [8, [10_000]], [11, [10_000]], [14, [10_000]]]);
  for (const s of writes) for (const e of opEventsOf(trace, s.rec, [Ev.ThrottlePause])) assert.ok(e.b >= e.c, 'each pause comes at the limit');
  const loop = (writes[15].rec.endNs - writes[0].rec.startNs) / MS;
  assert.ok(loop > 41.5 && loop < 42.5, `the loop took ${loop} ms`);
  const unthrottled = writes.filter((s) => opEventsOf(trace, s.rec, [Ev.ThrottlePause]).length === 0).map((s) => s.rec.endNs - s.rec.startNs);
  assert.ok(unthrottled.every((ns) => ns < 0.2 * MS), 'a write that is not paused takes ~0.13 ms');
});

// ───────────────────────────── direct-aio ─────────────────────────────

test('direct-aio: O_DIRECT + aio keeps the hot file cached and is faster; buffered reads evict it', () => {
  const name = 'direct-aio.iosim';
  const { trace, steps } = stepsOf(name);
  const HOT = '/srv/hot.db';
  const hotLine = linesOf(name, 'pread(hot, hbuf, 3MiB, 0)');
  assert.equal(hotLine.length, 4);
  const warm = [stepsAt(steps, hotLine[0])[0], stepsAt(steps, hotLine[1])[0]];
  assert.equal(warm[1].files.get(HOT)!.active, 768);
  const tally = (ss: Step[]) => ss.reduce((acc, s) => [acc[0] + s.after.pageCacheHits - s.before.pageCacheHits, acc[1] + s.after.pageCacheMisses - s.before.pageCacheMisses], [0, 0]);
  const hotA = stepsAt(steps, hotLine[2]);
  const hotB = stepsAt(steps, hotLine[3]);
  assert.equal(hotA.length, 8);
  assert.equal(hotB.length, 8);
  assert.deepEqual(tally(hotA), [6144, 0], 'part A: 100% hits');
  assert.deepEqual(tally(hotB), [4096, 2048], 'part B: 66.7% hits');
  // The hot set after each big read: whole in part A, 512 of 768 pages in part B.
  const waits = stepsAt(steps, lineOf(name, 'aio_wait(id)'));
  assert.ok(waits.every((s) => s.files.get(HOT)!.cached === 768));
  const buffered = stepsAt(steps, lineOf(name, 'read(bfd, chunk, 4MiB)'));
  assert.ok(buffered.every((s) => s.files.get(HOT)!.cached === 512));
  // Part A never evicts anything and makes no CPU copy for the big file.
  const openA = stepsAt(steps, lineOf(name, 'dfd = open('))[0];
  const closeA = stepsAt(steps, lineOf(name, 'close(dfd)'))[0];
  assert.equal(closeA.after.evictions - openA.before.evictions, 0);
  for (const s of stepsAt(steps, lineOf(name, 'id = aio_read('))) {
    assert.deepEqual([s.rec.cpuCopies, s.rec.dmaCopies, s.rec.dmaBytes, s.rec.contextSwitches], [0, 1, 4 * MiB, 2]);
    assert.ok(s.rec.endNs - s.rec.startNs < 1000, 'io_submit returns at once');
  }
  // The first evictions of part B: 256 backup pages, then 256 hot.db pages.
  const openB = stepsAt(steps, lineOf(name, 'bfd = open('))[0];
  const evB = eventsOf(trace, [Ev.PageEvict], openB.rec.startPos);
  const hotId = fileIdOf(trace, HOT);
  assert.ok(evB.slice(0, 256).every((e) => e.a !== hotId));
  assert.ok(evB.slice(256, 512).every((e) => e.a === hotId));
  // Time of each part.
  const last = steps[steps.length - 1];
  const timeA = (closeA.rec.endNs - openA.rec.startNs) / MS;
  const timeB = (last.rec.endNs - openB.rec.startNs) / MS;
  assert.equal(timeA.toFixed(2), '11.35');
  assert.equal(timeB.toFixed(2), '20.55');
});
