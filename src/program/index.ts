/** The `.iosim` scenario language: parsing with diagnostics, and a resumable cursor that runs a program. */
import { applyOverrides, defaultConfig, type MachineConfig } from '../machine/config';
import type { Scenario } from './ast';

export type { Expr, FileDecl, MachineSetting, OpStatement, RepeatStatement, Scenario, Statement } from './ast';
export { constValue } from './ast';
export { errorAt, formatDiagnostic, type Diagnostic } from './diagnostics';
export { lexLine, type Token, type TokenKind } from './lexer';
export { hasErrors, parseScenario } from './parser';
export { ScenarioCursor, type CursorState, type LoopPosition } from './interpreter';

/** The machine a scenario asks for: its `machine { }` settings over `base` (the Linux defaults). */
export function configFromScenario(s: Scenario, base: MachineConfig = defaultConfig()): MachineConfig {
  return applyOverrides(base, s.machine.map((m): [string, number | string | null] => [m.key, m.value]));
}
