/** Picks the reader for a program file by its kind: `.iosim` scenarios and `.strace` logs. */
import { loadScenario, Loaded, MachineOverrides } from './load';
import { readFileSync } from 'node:fs';
import { isStracePath, loadStrace, loadStraceFile } from './strace/load';
import { applyHostRecord, readHostRecord } from './hostRecord';

export type { Loaded, MachineOverrides };

export function loadProgram(text: string, path: string, overrides?: MachineOverrides): Loaded {
  if (isStracePath(path)) return loadStrace(text, path, overrides);
  return loadScenario(text, path, overrides);
}

/**
 * Loads a program from disk. A strace log is streamed from the file (a log of a gigabyte never becomes one string);
 * a scenario is read whole. Throws the file system's error when the file cannot be read.
 */
export function loadProgramFile(path: string, overrides?: MachineOverrides): Loaded {
  if (isStracePath(path)) {
    const loaded = loadStraceFile(path, overrides);
    // A log made by `iosim record` replays on the machine it was recorded on (LOG.host.json).
    const rec = readHostRecord(path);
    if (rec && loaded.spec) applyHostRecord(loaded.spec, rec, overrides);
    return loaded;
  }
  return loadScenario(readFileSync(path, 'utf8'), path, overrides);
}
