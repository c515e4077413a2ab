/** Turns a program's text into what the trace layer runs, or into diagnostics. */
import { applyOverrides, findConfigKey, parseConfigValue } from '../machine/config';
import { Diagnostic } from './diagnostics';
import { configFromScenario, hasErrors, parseScenario, ScenarioCursor } from './index';
import type { Scenario } from './ast';
import { ProgramSpec } from './source';

export interface Loaded {
  spec: ProgramSpec | null;
  diagnostics: Diagnostic[];
  scenario: Scenario | null;
  /** 1-based lines that hold an operation (for verifying line breakpoints). */
  executableLines: number[];
}

/** Values a launch configuration may give to override the scenario's machine block. */
export type MachineOverrides = Record<string, string | number | boolean | null>;

/** Checks launch-time overrides; returns messages naming the key and what was expected. */
export function checkOverrides(overrides: MachineOverrides | undefined): { entries: [string, number | string | null][]; errors: string[] } {
  const entries: [string, number | string | null][] = [];
  const errors: string[] = [];
  for (const [key, raw] of Object.entries(overrides ?? {})) {
    const k = findConfigKey(key);
    if (!k) {
      errors.push(`unknown machine key '${key}'`);
      continue;
    }
    if (raw === null && k.kind === 'size-or-none') {
      entries.push([key, null]);
      continue;
    }
    const v = parseConfigValue(k, raw as string | number | boolean);
    if (!v.ok) errors.push(`machine key '${key}': expected ${v.expected}, got ${JSON.stringify(raw)}`);
    else entries.push([key, v.value]);
  }
  return { entries, errors };
}

export function loadScenario(text: string, path: string, overrides?: MachineOverrides): Loaded {
  const scenario = parseScenario(text, path);
  if (hasErrors(scenario)) return { spec: null, diagnostics: scenario.diagnostics, scenario, executableLines: scenario.executableLines };
  const { entries, errors } = checkOverrides(overrides);
  if (errors.length) {
    const diagnostics = errors.map((message): Diagnostic => ({ severity: 'error', line: 1, col: 1, endLine: 1, endCol: 1, message: `launch configuration: ${message}` }));
    return { spec: null, diagnostics, scenario, executableLines: scenario.executableLines };
  }
  const config = applyOverrides(configFromScenario(scenario), entries);
  const spec: ProgramSpec = {
    path,
    config,
    files: scenario.files.map((f) => ({ path: f.path, size: f.size })),
    createSource: () => new ScenarioCursor(scenario),
  };
  return { spec, diagnostics: scenario.diagnostics, scenario, executableLines: scenario.executableLines };
}
