/**
 * How Perfetto's trace processor reads a JSON trace, reduced to what decides slices and flow arrows (after
 * src/trace_processor/importers/json/json_trace_parser_impl.cc, common/slice_tracker.cc and flow_tracker.cc):
 *  - timestamps become integer ns: today rounded (llround of µs × 1000), before 2024 truncated;
 *  - events are sorted by ts; at one ts, E first, then X longest first, then the rest in file order;
 *  - X and thread-scoped instants are slices on their thread's track; a slice starting inside the one on top of
 *    the stack but ending after it partially overlaps: Perfetto drops it; zero-length slices at one ts stack up;
 *  - the stack is cleaned only when a slice starts, so a flow event binds to the slice last pushed on its track
 *    ('s' and 't' always, 'f' with bp "e"; 'f' without bp binds to the next slice that starts on the track).
 */

export interface RawEvent {
  name?: string;
  ph?: string;
  cat?: string;
  pid?: number;
  tid?: number;
  ts?: number;
  dur?: number;
  id?: number | string;
  s?: string;
  bp?: string;
  args?: Record<string, unknown>;
}

export interface Slice {
  /** Index of the event in traceEvents. */
  index: number;
  event: RawEvent;
  track: string;
  ts: number;
  dur: number;
  depth: number;
  parent: Slice | null;
}

export interface Flow {
  key: string;
  from: Slice;
  to: Slice;
}

export type NsReading = 'rounded' | 'truncated';

const MAX = Number.MAX_SAFE_INTEGER;
/** SliceTracker::kMaxDepth: deeper slices are dropped. */
const MAX_DEPTH = 512;

export function readAsPerfetto(events: readonly RawEvent[], reading: NsReading = 'rounded'): { slices: Slice[]; flows: Flow[]; problems: string[] } {
  const toNs = reading === 'rounded' ? (us: number) => Math.round(us * 1000) : (us: number) => Math.trunc(us * 1000);
  const problems: string[] = [];
  const order = events
    .map((e, index) => ({ e, index, ts: typeof e.ts === 'number' ? toNs(e.ts) : NaN, dur: typeof e.dur === 'number' ? toNs(e.dur) : 0 }))
    .filter((x) => x.e.ph !== 'M' && Number.isFinite(x.ts));
  const key = (x: { e: RawEvent; dur: number }) => (x.e.ph === 'E' ? -1 : x.e.ph === 'X' ? MAX - x.dur : MAX);
  order.sort((a, b) => a.ts - b.ts || key(a) - key(b) || a.index - b.index);

  const stacks = new Map<string, Slice[]>();
  const flowHead = new Map<string, Slice>();
  const pending = new Map<string, string[]>();
  const slices: Slice[] = [];
  const flows: Flow[] = [];
  const link = (k: string, to: Slice) => {
    const from = flowHead.get(k);
    if (!from) return problems.push(`flow ${k} continues without a start`);
    flows.push({ key: k, from, to });
    flowHead.set(k, to);
  };
  for (const x of order) {
    const { e, index, ts } = x;
    const track = `${e.pid}/${e.tid}`;
    const stack = stacks.get(track) ?? [];
    stacks.set(track, stack);
    const top = stack[stack.length - 1];
    const flowKey = `${e.cat}/${e.name}/${String(e.id)}`;
    const isSlice = e.ph === 'X' || ((e.ph === 'i' || e.ph === 'I') && (e.s === undefined || e.s === 't'));
    if (isSlice) {
      const dur = e.ph === 'X' ? x.dur : 0;
      while (stack.length) {
        const t = stack[stack.length - 1];
        const end = t.ts + t.dur;
        if (end < ts || (end === ts && !(t.dur === 0 && dur === 0))) stack.pop();
        else break;
      }
      const parent = stack[stack.length - 1] ?? null;
      if (stack.length >= MAX_DEPTH) {
        problems.push(`${e.name} at ${ts} on ${track} is deeper than Perfetto keeps (${MAX_DEPTH})`);
        continue;
      }
      if (parent && ts < parent.ts + parent.dur && ts + dur > parent.ts + parent.dur) {
        problems.push(`${reading} ns: ${e.name} [${ts}, ${ts + dur}] on ${track} partially overlaps ${parent.event.name} [${parent.ts}, ${parent.ts + parent.dur}]`);
        continue;
      }
      const slice: Slice = { index, event: e, track, ts, dur, depth: stack.length, parent };
      stack.push(slice);
      slices.push(slice);
      for (const k of pending.get(track) ?? []) link(k, slice);
      pending.delete(track);
    } else if (e.ph === 'B' || e.ph === 'E') {
      problems.push(`${e.ph} events are not modelled here`);
    } else if (e.ph === 's') {
      if (!top) problems.push(`flow ${flowKey} starts on ${track} with no slice`);
      else if (flowHead.has(flowKey)) problems.push(`flow ${flowKey} starts twice`);
      else flowHead.set(flowKey, top);
    } else if (e.ph === 't' || (e.ph === 'f' && e.bp === 'e')) {
      if (!top) problems.push(`flow ${flowKey} ${e.ph} on ${track} with no slice`);
      else link(flowKey, top);
    } else if (e.ph === 'f') {
      pending.set(track, [...(pending.get(track) ?? []), flowKey]);
    }
  }
  return { slices, flows, problems };
}
