/** Picks the reader for a program file by its kind: `.iosim` scenarios and `.strace` logs. */
import { loadScenario, Loaded, MachineOverrides } from './load';
import { isStracePath, loadStrace } from './strace/load';

export type { Loaded, MachineOverrides };

export function loadProgram(text: string, path: string, overrides?: MachineOverrides): Loaded {
  if (isStracePath(path)) return loadStrace(text, path, overrides);
  return loadScenario(text, path, overrides);
}
