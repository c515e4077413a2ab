/**
 * Chrome Trace Event JSON (opened by Perfetto and chrome://tracing): one track per program thread, the kernel, the
 * DMA engine, the disk, the NIC and the flusher; syscalls as complete events, DMA transfers as async events (they
 * overlap), copies and interrupts as instants, flow arrows syscall → DMA → interrupt, counters for the page cache.
 */
import { hitPercent } from '../machine/counters';
import { Dev, Ev, LOC_NAMES, Loc, unpackMove } from '../machine/events';
import { findOp } from '../machine/operation';
import { recordedVsModeled } from './summary';
import { Trace } from './trace';

export interface TraceEvent {
  name: string;
  ph: string;
  ts?: number;
  dur?: number;
  pid: number;
  tid?: number;
  cat?: string;
  id?: number | string;
  s?: string;
  bp?: string;
  args?: Record<string, unknown>;
}

const PID = 1;
export const TRACKS = { kernel: 100, dma: 101, disk: 102, nic: 103, flusher: 104 } as const;
/** A replayed log's own timeline for thread N is track RECORDED_TRACK + N, beside the model's track N. */
export const RECORDED_TRACK = 300;

const us = (ns: number) => ns / 1000;

export function exportChromeTrace(t: Trace): { traceEvents: TraceEvent[]; displayTimeUnit: string; otherData: Record<string, unknown> } {
  const out: TraceEvent[] = [];
  const meta = (tid: number, name: string, sort: number) => {
    out.push({ name: 'thread_name', ph: 'M', pid: PID, tid, args: { name } });
    out.push({ name: 'thread_sort_index', ph: 'M', pid: PID, tid, args: { sort_index: sort } });
  };
  out.push({ name: 'process_name', ph: 'M', pid: PID, args: { name: `I/O machine: ${t.spec.path}` } });
  const threads = new Set<number>();
  for (let i = 0; i < t.ops.length; i++) threads.add(t.ops.get(i).thread);
  if (threads.size === 0) threads.add(1);
  const names = t.spec.threads;
  for (const th of [...threads].sort((a, b) => a - b)) meta(th, names?.get(th) ?? (threads.size > 1 ? `thread ${th}` : 'program'), th);
  meta(TRACKS.kernel, 'kernel (page cache, copies)', 200);
  meta(TRACKS.dma, 'DMA engine', 201);
  meta(TRACKS.disk, 'disk', 202);
  meta(TRACKS.nic, 'NIC', 203);
  meta(TRACKS.flusher, 'flusher (wb_workfn)', 204);

  const ev = t.events;
  /** The log's own timeline (strace -tt -T), placed beside the model's. */
  const recorded: TraceEvent[] = [];
  const dmaStart = new Map<number, { ts: number; bytes: number; src: number; dst: number; tid: number }>();
  let cached = 0;
  let dirty = 0;
  let hits = 0;
  let misses = 0;
  let op = -1;
  let nextOpStart = t.ops.length ? t.ops.startPosOf(0) : Infinity;
  const counter = (ts: number) => {
    out.push({ name: 'page cache', ph: 'C', ts, pid: PID, tid: TRACKS.kernel, args: { cached, dirty } });
  };
  for (let i = 0; i < ev.length; i++) {
    while (i >= nextOpStart) {
      op++;
      const r = t.ops.get(op);
      const spec = findOp(r.name);
      const passThrough = r.name === 'syscall';
      const x: TraceEvent = {
        name: passThrough ? r.text ?? r.name : r.name, ph: 'X', ts: us(r.startNs), dur: us(r.endNs - r.startNs), pid: PID, tid: r.thread,
        cat: passThrough ? 'syscall,not-modeled' : spec?.nr === null ? 'user' : 'syscall',
        args: { line: r.line, result: r.result, errno: r.errno, switches: r.contextSwitches, cpuCopies: r.cpuCopies, dmaCopies: r.dmaCopies, position: r.startPos },
      };
      const rec = r.recorded;
      if (rec) {
        if (rec.durationNs !== undefined) x.args!.recordedUs = us(rec.durationNs);
        if (rec.result !== undefined) x.args!.recordedResult = rec.result;
        if (rec.errno !== undefined) x.args!.recordedErrno = rec.errno;
        if (rec.timestampNs !== undefined) recorded.push({ ...x, cat: 'recorded', ts: us(rec.timestampNs), dur: us(rec.durationNs ?? 0), tid: RECORDED_TRACK + r.thread });
      }
      out.push(x);
      nextOpStart = op + 1 < t.ops.length ? t.ops.startPosOf(op + 1) : Infinity;
    }
    const ts = us(ev.time(i));
    const kind = ev.kind(i);
    const a = ev.a(i);
    const b = ev.b(i);
    const c = ev.c(i);
    const thread = ev.thread(i);
    const tid = thread === 0 ? TRACKS.flusher : thread;
    switch (kind) {
      case Ev.DmaStart: {
        const { src, dst } = unpackMove(b);
        const device = dst === Loc.Nic ? TRACKS.nic : TRACKS.disk;
        dmaStart.set(c, { ts, bytes: a, src, dst, tid: device });
        const name = `${LOC_NAMES[src]} → ${LOC_NAMES[dst]}`;
        out.push({ name: `DMA #${c}`, ph: 'b', ts, pid: PID, tid: TRACKS.dma, cat: 'dma', id: c, args: { bytes: a, path: name } });
        out.push({ name: 'submit', ph: 's', ts, pid: PID, tid, cat: 'flow', id: c });
        out.push({ name: 'submit', ph: 't', ts, pid: PID, tid: TRACKS.dma, cat: 'flow', id: c });
        break;
      }
      case Ev.DmaInterrupt: {
        const s = dmaStart.get(c);
        if (s) {
          out.push({ name: `DMA #${c}`, ph: 'e', ts, pid: PID, tid: TRACKS.dma, cat: 'dma', id: c });
          out.push({ name: b === Dev.Nic ? 'transmit' : s.dst === Loc.Disk ? 'write' : 'read', ph: 'X', ts: s.ts, dur: ts - s.ts, pid: PID, tid: s.tid, cat: 'device', args: { bytes: s.bytes } });
          dmaStart.delete(c);
        }
        out.push({ name: 'submit', ph: 'f', bp: 'e', ts, pid: PID, tid, cat: 'flow', id: c });
        out.push({ name: 'DMA interrupt', ph: 'i', s: 't', ts, pid: PID, tid, cat: 'interrupt', args: { dma: c, bytes: a, device: b === Dev.Nic ? 'nic' : 'disk' } });
        break;
      }
      case Ev.CpuCopy: {
        const { src, dst } = unpackMove(b);
        out.push({ name: 'CPU copy', ph: 'i', s: 't', ts, pid: PID, tid: TRACKS.kernel, cat: 'copy', args: { bytes: a, from: LOC_NAMES[src], to: LOC_NAMES[dst] } });
        break;
      }
      case Ev.PageInsert: cached++; counter(ts); break;
      case Ev.PageEvict:
        cached--;
        out.push({ name: 'evict', ph: 'i', s: 't', ts, pid: PID, tid: TRACKS.kernel, cat: 'pagecache', args: { file: t.machine.filesById[a]?.path, page: b } });
        counter(ts);
        break;
      case Ev.PageDirty: dirty++; counter(ts); break;
      case Ev.WritebackStart:
        dirty -= c;
        counter(ts);
        out.push({ name: 'writeback', ph: 'i', s: 't', ts, pid: PID, tid, cat: 'writeback', args: { file: t.machine.filesById[a]?.path, first: b, pages: c } });
        break;
      case Ev.PageHit:
      case Ev.PageMiss:
        if (kind === Ev.PageHit) hits++;
        else misses++;
        out.push({ name: 'hit ratio', ph: 'C', ts, pid: PID, tid: TRACKS.kernel, args: { percent: Math.round(10 * (hitPercent(hits, misses) ?? 0)) / 10 } });
        break;
      case Ev.FlusherWake:
        out.push({ name: 'flusher wakes', ph: 'i', s: 't', ts, pid: PID, tid: TRACKS.flusher, cat: 'writeback', args: { reason: ['periodic', 'background', 'reclaim'][a], dirty: b } });
        break;
      case Ev.ThrottlePause:
        out.push({ name: 'balance_dirty_pages pause', ph: 'X', ts, dur: a, pid: PID, tid, cat: 'throttle', args: { dirty: b, limit: c } });
        break;
      case Ev.FaultMajor: case Ev.FaultMinor:
        out.push({ name: kind === Ev.FaultMajor ? 'major fault' : 'minor fault', ph: 'i', s: 't', ts, pid: PID, tid, cat: 'fault', args: { file: t.machine.filesById[a]?.path, page: b } });
        break;
    }
  }
  const otherData: Record<string, unknown> = { source: t.spec.path, events: ev.length, operations: t.ops.length };
  if (recorded.length) {
    // One track per process; the log's order is per process already, a stable sort makes sure of it.
    recorded.sort((x, y) => x.tid! - y.tid! || x.ts! - y.ts!);
    for (const th of [...threads].sort((a, b) => a - b)) meta(RECORDED_TRACK + th, `${names?.get(th) ?? (threads.size > 1 ? `thread ${th}` : 'program')} as recorded (strace -tt -T)`, 100 + th);
    out.push(...recorded);
  }
  const rvm = recordedVsModeled(t);
  if (rvm) otherData.recordedVsModeled = rvm;
  return { traceEvents: out, displayTimeUnit: 'ns', otherData };
}
