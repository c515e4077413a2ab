/** Picks the reader for a program file by its kind: `.iosim` scenarios (and, later, `.strace` logs). */
import { loadScenario, Loaded, MachineOverrides } from './load';

export type { Loaded, MachineOverrides };

export function loadProgram(text: string, path: string, overrides?: MachineOverrides): Loaded {
  return loadScenario(text, path, overrides);
}
