/**
 * `iosim advise LOG [--json] [--vary KEY=V1,V2,...] [--set KEY=VALUE]... [--profile host]`: the transfer loops of a
 * log, each with the article's table for the methods that could replace it, computed by replaying the log with the
 * loop rewritten. `--vary` runs the advice once per value of a machine setting and shows them side by side.
 */
import { LimitError } from '../machine/limits';
import { errorAt, formatDiagnostic } from '../program/diagnostics';
import type { Loaded, MachineOverrides } from '../program/load';
import { advise, type AdviceReport } from '../trace/advise/advise';
import { printReport, printVary } from '../trace/advise/text';
import { applyMachineFlags, type MachineFlags } from './machineFlags';

export interface AdviseDeps {
  parseFlags(args: string[], known: Record<string, 'bool' | 'value' | 'list'>): { flags: Map<string, string>; lists: Map<string, string[]>; rest: string[] };
  machineOptions(flags: Map<string, string>, lists: Map<string, string[]>): MachineFlags;
  /** Loads the log; its diagnostics go to `report` (stderr when absent). */
  loadFile(path: string, overrides?: MachineOverrides, report?: (line: string) => void): Loaded | null;
  usage(message: string): Error;
  /** One line on stderr (escaped). */
  err(line: string): void;
  /** Text for a person (escaped for the terminal). */
  out(s: string): void;
  /** A JSON document (values exact; only what a terminal would act on is \u-escaped). */
  outJson(value: unknown): void;
}

/** `--vary read_ahead_kb=128,512`: the key and its values, or the usage error's message. */
export function parseVary(v: string): { key: string; values: string[] } | { error: string } {
  const eq = v.indexOf('=');
  const values = eq < 0 ? [] : v.slice(eq + 1).split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (eq <= 0 || values.length === 0) return { error: `--vary: expected KEY=V1,V2,... (such as read_ahead_kb=128,512,8192), got ${v}` };
  return { key: v.slice(0, eq).trim(), values };
}

/** One advice for the log loaded with `overrides`; null when it cannot load (diagnostics already printed). */
function adviseWith(path: string, deps: AdviseDeps, machine: MachineFlags, overrides: MachineOverrides, report?: (line: string) => void): AdviceReport | null {
  const loaded = deps.loadFile(path, overrides, report);
  if (!loaded?.spec) return null;
  applyMachineFlags(loaded.spec, { ...machine, overrides });
  try {
    return advise(loaded.spec);
  } catch (e) {
    // The log asks the model for more than it counts exactly (README "Limits"): as `iosim run`, an error at the line.
    if (!(e instanceof LimitError)) throw e;
    (report ?? deps.err)(formatDiagnostic(path, errorAt(e.line, e.col, e.message)));
    return null;
  } finally {
    loaded.spec.close?.();
  }
}

export function cmdAdvise(args: string[], deps: AdviseDeps): number {
  const { flags, lists, rest } = deps.parseFlags(args, { json: 'bool', set: 'list', profile: 'value', vary: 'value' });
  if (rest.length !== 1) throw deps.usage('advise needs exactly one LOG');
  const machine = deps.machineOptions(flags, lists);
  const path = rest[0];
  const json = flags.has('json');
  const varyText = flags.get('vary');
  if (varyText === undefined) {
    const report = adviseWith(path, deps, machine, machine.overrides);
    if (!report) return 1;
    if (json) deps.outJson(report);
    else printReport(deps.out, path, report);
    return 0;
  }
  const vary = parseVary(varyText);
  if ('error' in vary) throw deps.usage(vary.error);
  const runs: { value: string; report: AdviceReport }[] = [];
  // The log is loaded once per value: what it says about the log (warnings at its lines) is printed once, not per value.
  const said = new Set<string>();
  const once = (line: string) => {
    if (said.has(line)) return;
    said.add(line);
    deps.err(line);
  };
  for (const value of vary.values) {
    const sets = [...(lists.get('set') ?? []), `${vary.key}=${value}`];
    const checked = deps.machineOptions(flags, new Map([['set', sets]]));
    const report = adviseWith(path, deps, machine, checked.overrides, once);
    if (!report) return 1;
    runs.push({ value, report });
  }
  if (json) deps.outJson({ vary: { key: vary.key, values: vary.values }, runs });
  else printVary(deps.out, path, vary.key, runs);
  return 0;
}
