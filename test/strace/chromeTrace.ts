/**
 * Checks a Chrome Trace Event document against the format's rules (the "Trace Event Format" document that
 * chrome://tracing and Perfetto follow): required fields, durations, matched duration and async pairs, flows that
 * start and finish, timestamps that never go back on a track. Returns the problems found, empty when none.
 */

interface Ev {
  name?: unknown;
  ph?: unknown;
  ts?: unknown;
  dur?: unknown;
  pid?: unknown;
  tid?: unknown;
  id?: unknown;
  cat?: unknown;
  s?: unknown;
  args?: unknown;
}

const PHASES = new Set(['B', 'E', 'X', 'i', 'I', 'C', 'b', 'n', 'e', 's', 't', 'f', 'M', 'P', 'O', 'N', 'D', 'R', 'c']);
/** Metadata events that describe a process (no thread). */
const PROCESS_META = new Set(['process_name', 'process_labels', 'process_sort_index']);

export function validateChromeTrace(doc: unknown, maxProblems = 20): string[] {
  const problems: string[] = [];
  const fail = (i: number, msg: string) => {
    if (problems.length < maxProblems) problems.push(`event ${i}: ${msg}`);
  };
  if (typeof doc !== 'object' || doc === null) return ['not an object'];
  const events = (doc as { traceEvents?: unknown }).traceEvents;
  if (!Array.isArray(events)) return ['traceEvents is not an array'];
  const lastTs = new Map<string, number>();
  const stacks = new Map<string, string[]>();
  const async = new Map<string, number>();
  const flows = new Map<string, number>();
  events.forEach((raw: unknown, i: number) => {
    const e = raw as Ev;
    if (typeof e !== 'object' || e === null) return fail(i, 'not an object');
    if (typeof e.name !== 'string' || e.name === '') fail(i, 'no name');
    if (typeof e.ph !== 'string' || !PHASES.has(e.ph)) return fail(i, `unknown phase ${String(e.ph)}`);
    if (typeof e.pid !== 'number' || !Number.isFinite(e.pid)) fail(i, 'no pid');
    const processMeta = e.ph === 'M' && PROCESS_META.has(e.name as string);
    if (!processMeta && (typeof e.tid !== 'number' || !Number.isFinite(e.tid))) fail(i, `${e.ph} without tid`);
    if (e.ph === 'M') return;
    if (typeof e.ts !== 'number' || !Number.isFinite(e.ts)) return fail(i, `${e.ph} without a numeric ts`);
    const track = `${e.pid}/${e.tid}`;
    const prev = lastTs.get(track);
    if (prev !== undefined && e.ts < prev) fail(i, `ts ${e.ts} goes back on track ${track} (after ${prev})`);
    lastTs.set(track, e.ts);
    switch (e.ph) {
      case 'X':
        if (typeof e.dur !== 'number' || !Number.isFinite(e.dur) || e.dur < 0) fail(i, `X with dur ${String(e.dur)}`);
        break;
      case 'B': {
        const st = stacks.get(track) ?? [];
        st.push(e.name as string);
        stacks.set(track, st);
        break;
      }
      case 'E': {
        const st = stacks.get(track);
        if (!st || st.length === 0) fail(i, `E without B on track ${track}`);
        else st.pop();
        break;
      }
      case 'b':
      case 'e':
      case 'n': {
        if (e.id === undefined) {
          fail(i, `${e.ph} without id`);
          break;
        }
        const key = `${String(e.cat)}/${String(e.id)}`;
        const open = async.get(key) ?? 0;
        if (e.ph === 'b') async.set(key, open + 1);
        else if (e.ph === 'e') {
          if (open === 0) fail(i, `e without b for id ${key}`);
          else async.set(key, open - 1);
        } else if (open === 0) fail(i, `n outside b/e for id ${key}`);
        break;
      }
      case 's':
      case 't':
      case 'f': {
        if (e.id === undefined) {
          fail(i, `${e.ph} without id`);
          break;
        }
        const key = `${String(e.cat)}/${String(e.id)}`;
        const open = flows.get(key) ?? 0;
        if (e.ph === 's') flows.set(key, open + 1);
        else if (open === 0) fail(i, `${e.ph} without s for flow ${key}`);
        else if (e.ph === 'f') flows.set(key, open - 1);
        break;
      }
      case 'i':
      case 'I':
        if (e.s !== undefined && !['g', 'p', 't'].includes(e.s as string)) fail(i, `instant with scope ${String(e.s)}`);
        break;
      case 'C':
        if (typeof e.args !== 'object' || e.args === null) fail(i, 'counter without args');
        break;
    }
  });
  for (const [track, st] of stacks) if (st.length) problems.push(`B without E on track ${track}: ${st.join(', ')}`);
  for (const [key, n] of async) if (n) problems.push(`b without e for id ${key}`);
  for (const [key, n] of flows) if (n) problems.push(`flow ${key} started but not finished`);
  return problems;
}
