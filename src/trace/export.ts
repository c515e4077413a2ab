/**
 * Chrome Trace Event JSON (read by Perfetto, chrome://tracing and DevTools): one track per program thread, the
 * kernel, the flusher, and one track per transfer in flight on the disk and on the NIC; syscalls and transfers as
 * complete events, copies as instants, flow arrows syscall → DMA transfer → interrupt handler, and counters for the
 * page cache. Events are produced one at a time (see traceFile.ts for the streamed document).
 */
import { hitPercent } from '../machine/counters';
import { Dev, Ev, eventPageCount, LOC_NAMES, Loc, join31, unpackMove, WaitReason } from '../machine/events';
import { findOp } from '../machine/operation';
import { recordedVsModeled } from './summary';
import { Trace } from './trace';

export interface TraceEvent {
  name: string;
  ph: string;
  /** Every event has one: readers such as DevTools' TracingModel split it without checking. */
  cat: string;
  pid: number;
  tid?: number;
  ts?: number;
  dur?: number;
  id?: number;
  s?: string;
  bp?: string;
  args?: Record<string, unknown>;
}

const PID = 1;
export const TRACKS = { kernel: 100, flusher: 104 } as const;
/** A replayed log's own timeline for thread N is track RECORDED_TRACK + N, beside the model's track N. */
export const RECORDED_TRACK = 300;
/**
 * Transfer slot k of a device is track DEVICE_TRACKS[device] + k. Transfers queued together overlap, and slices on
 * one track must nest, so each transfer in flight at once gets its own track (the lowest free one).
 */
export const DEVICE_TRACKS = { disk: 1000, nic: 2000 } as const;
/** The category of a DMA's flow events and of the three slices they bind to. */
export const DMA_CAT = 'dma';
const META = '__metadata';

/**
 * Microseconds from nanoseconds. An integer divided by 1000 is the double nearest to a decimal with at most three
 * decimals, and JSON.stringify prints exactly that decimal; a fractional nanosecond would print as float noise.
 */
export function usOf(ns: number): number {
  return Math.round(ns) / 1000;
}

/**
 * Whether a reader could see a slice [ts, ts + dur] end after `end`, where the next slice on the track may start:
 * DevTools and tracerbench add ts and dur in µs; Perfetto before 2024 truncated each to whole ns. (catapult, the
 * old chrome://tracing, nests within a rounding precision and needs nothing.)
 */
function overruns(ts: number, dur: number, end: number): boolean {
  return ts + dur > end || Math.trunc(ts * 1000) + Math.trunc(dur * 1000) > Math.trunc(end * 1000);
}

/**
 * The duration in µs of a slice from startNs to endNs. When some reader's arithmetic would push its end past the
 * start of a slice that follows it back to back (nesting that one inside it), the slice is a nanosecond shorter.
 */
export function durOf(startNs: number, endNs: number): number {
  const s = Math.round(startNs);
  let d = Math.round(endNs) - s;
  if (d <= 0) return 0;
  if (overruns(s / 1000, d / 1000, (s + d) / 1000)) d -= 1;
  return d / 1000;
}

const DEVICE_KIND: Record<keyof typeof DEVICE_TRACKS, string> = { disk: 'disk', nic: 'NIC' };

interface InFlight {
  startNs: number;
  bytes: number;
  path: string;
  dst: number;
  device: keyof typeof DEVICE_TRACKS;
  slot: number;
}

/**
 * Produces the trace's events in order through `emit` and returns the document's otherData. Nothing is kept per
 * event: memory stays bounded by the transfers in flight, whatever the length of the trace.
 */
export function emitChromeTrace(t: Trace, emit: (e: TraceEvent) => void): Record<string, unknown> {
  const meta = (tid: number, name: string, sort: number) => {
    emit({ name: 'thread_name', ph: 'M', cat: META, pid: PID, tid, args: { name } });
    emit({ name: 'thread_sort_index', ph: 'M', cat: META, pid: PID, tid, args: { sort_index: sort } });
  };
  emit({ name: 'process_name', ph: 'M', cat: META, pid: PID, args: { name: `I/O machine: ${t.spec.path}` } });
  const threads = new Set<number>();
  let anyRecordedTimeline = false;
  for (let i = 0; i < t.ops.length; i++) {
    threads.add(t.ops.threadOf(i));
    if (!anyRecordedTimeline && t.ops.recordedOf(i)?.timestampNs !== undefined) anyRecordedTimeline = true;
  }
  if (threads.size === 0) threads.add(1);
  const names = t.spec.threads;
  const threadName = (th: number) => names?.get(th) ?? (threads.size > 1 ? `thread ${th}` : 'program');
  const sorted = [...threads].sort((a, b) => a - b);
  for (const th of sorted) meta(th, threadName(th), th);
  if (anyRecordedTimeline) for (const th of sorted) meta(RECORDED_TRACK + th, `${threadName(th)} as recorded (strace -tt -T)`, 100 + th);
  meta(TRACKS.kernel, 'kernel (page cache, copies)', 200);
  meta(TRACKS.flusher, 'flusher (wb_workfn)', 30000);

  const slots: Record<keyof typeof DEVICE_TRACKS, boolean[]> = { disk: [], nic: [] };
  const takeSlot = (device: keyof typeof DEVICE_TRACKS): number => {
    const busy = slots[device];
    let k = busy.indexOf(false);
    if (k < 0) {
      k = busy.length;
      meta(DEVICE_TRACKS[device] + k, `${DEVICE_KIND[device]} (transfer slot ${k + 1})`, (device === 'disk' ? 10000 : 20000) + k);
    }
    busy[k] = true;
    return k;
  };
  /** The transfer on its device track, and the step of its flow bound to it (emitted once the end is known). */
  const transfer = (c: number, s: InFlight, endNs: number, done: boolean) => {
    const tid = DEVICE_TRACKS[s.device] + s.slot;
    const kind = s.device === 'nic' ? 'transmit' : s.dst === Loc.Disk ? 'write' : 'read';
    const ts = usOf(s.startNs);
    const args: Record<string, unknown> = { dma: c, bytes: s.bytes, path: s.path };
    if (!done) args.unfinished = true;
    emit({ name: `${kind} DMA #${c}`, ph: 'X', ts, dur: durOf(s.startNs, endNs), pid: PID, tid, cat: DMA_CAT, args });
    emit({ name: 'DMA', ph: 't', ts, pid: PID, tid, cat: DMA_CAT, id: c });
    slots[s.device][s.slot] = false;
  };

  const ev = t.events;
  const inFlight = new Map<number, InFlight>();
  let cached = 0;
  let dirty = 0;
  let hits = 0;
  let misses = 0;
  let op = -1;
  let nextOpStart = t.ops.length ? t.ops.startPosOf(0) : Infinity;
  /**
   * An operation's slice is emitted at its first event at or after its start: a log's call may begin with events of
   * the idle time before it (the flusher, an interrupt), which are earlier than the call.
   */
  let nextOpNs = t.ops.length ? t.ops.startNsOf(0) : Infinity;
  const counter = (ts: number) => {
    emit({ name: 'page cache', ph: 'C', ts, pid: PID, tid: TRACKS.kernel, cat: 'pagecache', args: { cached, dirty } });
  };
  /**
   * A log's call is held until the next call of its process is known: strace's -T time can run past the next
   * call's -tt start (a blocking call returns after the clock read), and slices on a track must not overlap, so
   * the slice stops where the next one starts. Its args keep the log's duration (recordedUs).
   */
  const recordedHeld = new Map<number, { x: TraceEvent; startNs: number; endNs: number }>();
  const recordedSlice = (h: { x: TraceEvent; startNs: number; endNs: number }, nextStartNs?: number) => {
    const end = nextStartNs !== undefined && nextStartNs >= h.startNs && nextStartNs < h.endNs ? nextStartNs : h.endNs;
    emit({ ...h.x, ts: usOf(h.startNs), dur: durOf(h.startNs, end) });
  };
  const operation = (k: number) => {
    const r = t.ops.get(k);
    const spec = findOp(r.name);
    const passThrough = r.name === 'syscall';
    const args: Record<string, unknown> = {
      line: r.line, result: r.result, errno: r.errno, switches: r.contextSwitches, cpuCopies: r.cpuCopies, dmaCopies: r.dmaCopies, position: r.startPos,
    };
    const x: TraceEvent = {
      name: passThrough ? r.text ?? r.name : r.name, ph: 'X', ts: usOf(r.startNs), dur: durOf(r.startNs, r.endNs), pid: PID, tid: r.thread,
      cat: passThrough ? 'syscall,not-modeled' : spec?.nr === null ? 'user' : 'syscall', args,
    };
    const rec = r.recorded;
    if (rec) {
      if (rec.durationNs !== undefined) args.recordedUs = usOf(rec.durationNs);
      if (rec.result !== undefined) args.recordedResult = rec.result;
      if (rec.errno !== undefined) args.recordedErrno = rec.errno;
    }
    emit(x);
    if (rec?.timestampNs !== undefined) {
      const tid = RECORDED_TRACK + r.thread;
      const prev = recordedHeld.get(tid);
      if (prev) recordedSlice(prev, rec.timestampNs);
      recordedHeld.set(tid, { x: { ...x, cat: 'recorded', tid }, startNs: rec.timestampNs, endNs: rec.timestampNs + (rec.durationNs ?? 0) });
    }
  };
  for (let i = 0; i < ev.length; i++) {
    const ns = ev.time(i);
    while (i >= nextOpStart && ns >= nextOpNs) {
      operation(++op);
      nextOpStart = op + 1 < t.ops.length ? t.ops.startPosOf(op + 1) : Infinity;
      nextOpNs = op + 1 < t.ops.length ? t.ops.startNsOf(op + 1) : Infinity;
    }
    const ts = usOf(ns);
    const kind = ev.kind(i);
    const a = ev.a(i);
    const b = ev.b(i);
    const c = ev.c(i);
    const thread = ev.thread(i);
    const tid = thread === 0 ? TRACKS.flusher : thread;
    switch (kind) {
      case Ev.DmaStart: {
        const { src, dst } = unpackMove(b);
        const device = dst === Loc.Nic ? 'nic' : 'disk';
        const path = `${LOC_NAMES[src]} → ${LOC_NAMES[dst]}`;
        inFlight.set(c, { startNs: ns, bytes: a, path, dst, device, slot: takeSlot(device) });
        // A flow event binds to the slice on top of its track when it is read: a slice of its own, just before it,
        // is the submitting syscall's moment, never an earlier child of the syscall still on the stack.
        emit({ name: `submit DMA #${c}`, ph: 'X', ts, dur: 0, pid: PID, tid, cat: DMA_CAT, args: { dma: c, bytes: a, path } });
        emit({ name: 'DMA', ph: 's', ts, pid: PID, tid, cat: DMA_CAT, id: c });
        break;
      }
      case Ev.DmaInterrupt: {
        const s = inFlight.get(c);
        if (s) {
          transfer(c, s, ns, true);
          inFlight.delete(c);
        }
        emit({ name: 'DMA interrupt', ph: 'X', ts, dur: 0, pid: PID, tid, cat: DMA_CAT, args: { dma: c, bytes: a, device: b === Dev.Nic ? 'nic' : 'disk' } });
        if (s) emit({ name: 'DMA', ph: 'f', bp: 'e', ts, pid: PID, tid, cat: DMA_CAT, id: c });
        break;
      }
      case Ev.CpuCopy: {
        const { src, dst } = unpackMove(b);
        emit({ name: 'CPU copy', ph: 'i', s: 't', ts, pid: PID, tid: TRACKS.kernel, cat: 'copy', args: { bytes: a, from: LOC_NAMES[src], to: LOC_NAMES[dst] } });
        break;
      }
      case Ev.PageInsert: cached += c; counter(ts); break;
      case Ev.PageEvict: {
        const n = eventPageCount(kind, c);
        cached -= n;
        emit({ name: 'evict', ph: 'i', s: 't', ts, pid: PID, tid: TRACKS.kernel, cat: 'pagecache', args: { file: t.machine.filesById[a]?.path, page: b, pages: n } });
        counter(ts);
        break;
      }
      case Ev.PageDirty: dirty += c; counter(ts); break;
      case Ev.WritebackStart:
        dirty -= c;
        counter(ts);
        emit({ name: 'writeback', ph: 'i', s: 't', ts, pid: PID, tid, cat: 'writeback', args: { file: t.machine.filesById[a]?.path, first: b, pages: c } });
        break;
      case Ev.PageHit:
      case Ev.PageMiss:
        if (kind === Ev.PageHit) hits += c;
        else misses += c;
        emit({ name: 'hit ratio', ph: 'C', ts, pid: PID, tid: TRACKS.kernel, cat: 'pagecache', args: { percent: Math.round(10 * (hitPercent(hits, misses) ?? 0)) / 10 } });
        break;
      case Ev.FlusherWake:
        emit({ name: 'flusher wakes', ph: 'i', s: 't', ts, pid: PID, tid: TRACKS.flusher, cat: 'writeback', args: { reason: ['periodic', 'background', 'reclaim'][a], dirty: b } });
        break;
      case Ev.ThrottlePause: {
        // The event rounds the pause to µs; the wait that follows it has the exact nanoseconds.
        const exact = i + 1 < ev.length && ev.kind(i + 1) === Ev.Block && ev.b(i + 1) === WaitReason.Throttle;
        const pauseNs = exact ? join31(ev.a(i + 1), ev.c(i + 1)) : a * 1000;
        emit({ name: 'balance_dirty_pages pause', ph: 'X', ts, dur: durOf(ns, ns + pauseNs), pid: PID, tid, cat: 'throttle', args: { dirty: b, limit: c } });
        break;
      }
      case Ev.FaultMajor: case Ev.FaultMinor:
        emit({ name: kind === Ev.FaultMajor ? 'major fault' : 'minor fault', ph: 'i', s: 't', ts, pid: PID, tid, cat: 'fault', args: { file: t.machine.filesById[a]?.path, page: b } });
        break;
    }
  }
  // Operations that recorded no event, and transfers still in flight when the trace was taken (a debug session
  // exports the trace so far): shown up to the last event, their flows without an end.
  while (op + 1 < t.ops.length) operation(++op);
  for (const h of recordedHeld.values()) recordedSlice(h);
  const lastNs = ev.length ? ev.time(ev.length - 1) : 0;
  for (const [c, s] of inFlight) transfer(c, s, Math.max(lastNs, s.startNs), false);

  const otherData: Record<string, unknown> = { source: t.spec.path, events: ev.length, operations: t.ops.length };
  const rvm = recordedVsModeled(t);
  if (rvm) otherData.recordedVsModeled = rvm;
  return otherData;
}

/** The whole document in memory: for small traces (tests); files are written by traceFile.ts, streamed. */
export function exportChromeTrace(t: Trace): { traceEvents: TraceEvent[]; otherData: Record<string, unknown> } {
  const traceEvents: TraceEvent[] = [];
  const otherData = emitChromeTrace(t, (e) => traceEvents.push(e));
  return { traceEvents, otherData };
}
