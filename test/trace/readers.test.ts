/**
 * Every example and every strace fixture, exported as a file would be and read back three ways: by tracerbench's
 * trace model and by the DevTools trace engine (two independent readers from npm), and by a model of Perfetto's
 * importer (perfettoModel.ts). What each of them must see: every event has a category, slices on a track nest
 * (never partially overlap), every flow arrow joins two different slices, and timestamps have at most 3 decimals.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { buildModel } from '@tracerbench/trace-model';
import { loadProgram } from '../../src/program/loadProgram';
import { DEVICE_TRACKS, exportChromeTrace, TRACKS } from '../../src/trace/export';
import { writeChromeTrace } from '../../src/trace/traceFile';
import { Trace } from '../../src/trace/trace';
import { EXAMPLES, FIXTURES, runText } from '../strace/helpers';
import { readAsPerfetto, type RawEvent, type Slice } from './perfettoModel';

const programs = [
  ...readdirSync(EXAMPLES).filter((f) => f.endsWith('.iosim')).map((f) => path.join(EXAMPLES, f)),
  ...readdirSync(FIXTURES).filter((f) => f.endsWith('.strace')).map((f) => path.join(FIXTURES, f)),
];

/** The JSON text exactly as `iosim export` writes it. */
function exportText(file: string): string {
  const loaded = loadProgram(readFileSync(file, 'utf8'), file);
  assert.ok(loaded.spec, file);
  const t = new Trace(loaded.spec);
  t.runToEnd();
  let text = '';
  writeChromeTrace(t, (chunk) => (text += chunk));
  return text;
}

// The DevTools trace engine is an ES module; the tests are CommonJS (a plain import() would become require()).
const importEsm = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<unknown>;

interface EngineEvent {
  name: string;
  ph: string;
  cat: string;
  ts: number;
  dur?: number;
  pid: number;
  tid: number;
  args?: Record<string, unknown>;
}
interface EngineData {
  Flows: { flows: EngineEvent[][] };
  Renderer: {
    processes: Map<number, { threads: Map<number, { name: string | null; entries: EngineEvent[] }> }>;
    entryToNode: Map<EngineEvent, unknown>;
  };
}
interface TraceEngine {
  TraceModel: { Model: { createWithAllHandlers(): { parse(events: unknown[]): Promise<void>; parsedTrace(): { data: EngineData } | null } } };
}

const SYSCALL_CATS = new Set(['syscall', 'user', 'syscall,not-modeled']);
const isDeviceTrack = (tid: number | undefined) => tid !== undefined && tid >= DEVICE_TRACKS.disk && tid < DEVICE_TRACKS.nic + 1000;
const dmaOf = (s: Slice) => s.event.args?.dma;

/** The flows of one reading, checked against what the exporter means: syscall → transfer → interrupt handler. */
function checkPerfettoFlows(name: string, events: RawEvent[], reading: 'rounded' | 'truncated'): number {
  const { slices, flows, problems } = readAsPerfetto(events, reading);
  assert.deepEqual(problems, [], `${name}: ${reading}`);
  assert.equal(slices.length, events.filter((e) => e.ph === 'X' || (e.ph === 'i' && e.s === 't')).length, `${name}: every slice kept`);
  const interrupts = events.filter((e) => e.name === 'DMA interrupt').length;
  assert.equal(flows.length, 2 * interrupts, `${name}: two arrows per finished transfer`);
  for (const f of flows) {
    assert.notEqual(f.from, f.to, `${name}: flow ${f.key} joins a slice to itself`);
    const dma = dmaOf(f.from);
    assert.equal(dmaOf(f.to), dma, `${name}: flow ${f.key} joins slices of different transfers`);
    if (f.from.event.name === `submit DMA #${dma}`) {
      // Submitted from a syscall (the marker sits inside it, perhaps on instants of the same moment) or by the flusher.
      let up = f.from.parent;
      while (up && up.dur === 0) up = up.parent;
      const inSyscall = up !== null && SYSCALL_CATS.has(up.event.cat ?? '');
      assert.ok(inSyscall || f.from.event.tid === TRACKS.flusher, `${name}: DMA #${dma} submitted outside a syscall`);
      assert.ok(isDeviceTrack(f.to.event.tid) && /^(read|write|transmit) DMA #\d+$/.test(f.to.event.name ?? ''), `${name}: ${f.key} → ${f.to.event.name}`);
    } else {
      assert.ok(isDeviceTrack(f.from.event.tid), `${name}: ${f.key} from ${f.from.event.name}`);
      assert.equal(f.to.event.name, 'DMA interrupt', `${name}: ${f.key} ends on ${f.to.event.name}`);
      assert.ok(f.to.ts >= f.from.ts + f.from.dur - 1, `${name}: the interrupt comes when the transfer ends`);
    }
  }
  return flows.length;
}

/** Slices of one thread, in the reader's order and numbers: each ends before the next starts or contains it. */
function partialOverlaps(slices: { name: string; start: number; end: number }[]): string[] {
  const stack: { name: string; start: number; end: number }[] = [];
  const out: string[] = [];
  for (const s of slices) {
    while (stack.length && stack[stack.length - 1].end <= s.start) stack.pop();
    const top = stack[stack.length - 1];
    if (top && s.end > top.end) out.push(`${s.name} [${s.start}, ${s.end}] across the end of ${top.name} [${top.start}, ${top.end}]`);
    else stack.push(s);
  }
  return out;
}

let engine: Promise<TraceEngine> | null = null;

for (const file of programs) {
  const name = path.basename(file);
  test(`${name}: the exported trace reads the same in tracerbench, DevTools and Perfetto`, async () => {
    const text = exportText(file);
    const doc = JSON.parse(text) as { traceEvents: RawEvent[] };
    const events = doc.traceEvents;

    // Every event has a category: readers split it without checking.
    assert.deepEqual(events.filter((e) => typeof e.cat !== 'string' || e.cat === '').map((e) => `${e.ph} ${e.name}`), [], name);
    // Timestamps and durations are printed with at most 3 decimals (whole nanoseconds), never float noise.
    const numbers = [...text.matchAll(/"(ts|dur)":([^,}]*)/g)].map((m) => m[2]);
    assert.ok(numbers.length > events.length / 2);
    assert.deepEqual(numbers.filter((n) => !/^\d+(\.\d{1,3})?$/.test(n)), [], name);

    // Perfetto, as it reads today (rounded) and as it did before 2024 (truncated to ns): nothing dropped, arrows bound.
    const flows = checkPerfettoFlows(name, events, 'rounded');
    checkPerfettoFlows(name, events, 'truncated');
    if (events.some((e) => e.name?.startsWith('submit DMA'))) assert.ok(flows > 0);

    // tracerbench: builds its model (it used to throw on a missing cat); complete events nest on every thread.
    const model = buildModel(doc as unknown as Parameters<typeof buildModel>[0]);
    let complete = 0;
    for (const p of model.processes) {
      for (const th of p.threads) {
        const slices = th.events.filter((e) => e.isComplete()).map((e) => ({ name: e.name, start: e.start, end: e.end }));
        complete += slices.length;
        assert.deepEqual(partialOverlaps(slices), [], `${name}: tracerbench, ${th.name}`);
      }
    }
    assert.equal(complete, events.filter((e) => e.ph === 'X').length);

    // The DevTools trace engine: every complete event finds its place in its thread's tree, and its flows join
    // different events (it binds a flow event to the slice with the same ts, pid, tid and cat).
    engine ??= importEsm('@paulirish/trace_engine') as Promise<TraceEngine>;
    const m = (await engine).TraceModel.Model.createWithAllHandlers();
    await m.parse(events);
    const data = m.parsedTrace()!.data;
    let entries = 0;
    for (const proc of data.Renderer.processes.values()) {
      for (const th of proc.threads.values()) {
        const dropped = th.entries.filter((e) => !data.Renderer.entryToNode.has(e)).map((e) => `${e.name}@${e.ts}`);
        assert.deepEqual(dropped, [], `${name}: DevTools, ${th.name}`);
        entries += th.entries.length;
      }
    }
    assert.equal(entries, events.filter((e) => e.ph === 'X').length, `${name}: DevTools sees every complete event`);
    const interrupts = events.filter((e) => e.name === 'DMA interrupt').length;
    assert.equal(data.Flows.flows.length, interrupts, `${name}: DevTools, one flow per finished transfer`);
    for (const flow of data.Flows.flows) {
      assert.ok(flow.length >= 2 && new Set(flow).size === flow.length, `${name}: DevTools flow ${flow.map((e) => e.name).join(' → ')}`);
      assert.equal(flow[flow.length - 1].name, 'DMA interrupt');
    }
  });
}

test("a logged call whose -T time runs past the next call's start stops there on the recorded track", () => {
  const log = [
    '100  10:00:00.000000 openat(AT_FDCWD, "/tmp/a", O_RDONLY) = 3 <0.000010>',
    '100  10:00:00.000100 read(3, "hello", 4096) = 5 <0.000500>',
    '100  10:00:00.000400 close(3) = 0 <0.000010>',
    '',
  ].join('\n');
  const { trace } = runText(log, false);
  const recorded = exportChromeTrace(trace).traceEvents.filter((e) => e.cat === 'recorded');
  assert.deepEqual(recorded.map((e) => e.name), ['open', 'read', 'close']);
  const t0 = recorded[0].ts!;
  // µs from the first call: openat (the model's open) 0 +10, read 100 +300 (the log says 500, but close starts at 400), close 400 +10.
  assert.deepEqual(recorded.map((e) => [Math.round((e.ts! - t0) * 1000) / 1000, e.dur]), [[0, 10], [100, 300], [400, 10]]);
  assert.equal(recorded[1].args?.recordedUs, 500);
});
