/**
 * Editing sysctl values while debugging rewrites the future: the trace is cut at the next operation boundary, a
 * sysctl operation is inserted there, and what follows is re-run with the new value.
 */
import { ConfigKey, findConfigKey, parseConfigValue } from '../machine/config';
import { Trace } from '../trace/trace';
import { Engine } from './engine';
import { UserError } from './errors';
import { lastLine } from './inspect';

/**
 * sysctl values edited inside the operation at the position: they apply when it returns, so until then they are
 * pending (key → the value it will have).
 */
export function pendingSysctls(engine: Engine): Map<string, number> {
  const t = engine.trace;
  const pos = engine.pos;
  const pending = new Map<string, number>();
  const k = engine.opAt(pos);
  if (!engine.isBoundary(pos)) {
    for (let j = k + 1, op = t.injectedAt(j); op; op = t.injectedAt(++j)) {
      if (op.name === 'sysctl' && op.text) pending.set(op.text, op.args[0]);
    }
  }
  return pending;
}

export interface SysctlChange {
  key: ConfigKey;
  value: number;
}

/** Reads `name = value` as a person typed it into the sysctl scope. */
export function parseSysctl(name: string, value: string): SysctlChange {
  const k = findConfigKey(name);
  if (!k || !k.sysctl) throw new UserError(`${name} is not a sysctl`);
  const v = parseConfigValue(k, value);
  if (!v.ok) throw new UserError(`${name}: expected ${v.expected}, got ${value}`);
  return { key: k, value: v.value as number };
}

/**
 * Makes the change from the next boundary on and re-runs what follows; returns what to tell the person. The past,
 * and the current position, stay as they were.
 */
export function applySysctl(trace: Trace, engine: Engine, change: SysctlChange): string {
  const { key, value } = change;
  const pos = engine.pos;
  // Operations from the next boundary on (after the one in progress, if any) are re-run with the new value.
  const next = pos < 0 ? 0 : engine.opAt(pos) + 1;
  const after = next < trace.ops.length ? trace.ops.get(next) : trace.peekNext();
  const line = after?.line ?? lastLine(trace);
  trace.rewindTo(next, { name: 'sysctl', args: [value], text: key.key, line, col: 1 });
  engine.resync();
  engine.pos = Math.min(pos, trace.head);
  const between = engine.isBoundary(engine.pos);
  // Between operations the change is made right here: the position moves over the inserted sysctl (two events),
  // so what is shown already has the new value. Inside an operation it is made when the operation returns.
  if (between) engine.runInserted(next);
  engine.invalidate();
  return between
    ? `${key.key} = ${value} from position ${engine.pos} on; what follows is re-run with it.`
    : `${key.key} = ${value} from the end of the current operation (position ${trace.ops.endPosOf(next - 1)}) on; what follows is re-run with it.`;
}
