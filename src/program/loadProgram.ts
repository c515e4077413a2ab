/** Picks the reader for a program file by its kind: `.iosim` scenarios and `.strace` logs. */
import { loadScenario, Loaded, MachineOverrides } from './load';
import { readRegularFile } from './openFile';
import { isStracePath, loadStrace, loadStraceFile, type StraceInfo } from './strace/load';

export type { Loaded, MachineOverrides };

export function loadProgram(text: string, path: string, overrides?: MachineOverrides): Loaded {
  if (isStracePath(path)) return loadStrace(text, path, overrides);
  return loadScenario(text, path, overrides);
}

/**
 * Loads a program from disk. A strace log is streamed from the file (a log of a gigabyte never becomes one string);
 * a scenario is read whole. Throws the file system's error when the file cannot be read, and NotRegularFileError
 * (code 'not a regular file') for a device, a FIFO or a directory.
 */
export function loadProgramFile(path: string, overrides?: MachineOverrides): Loaded & { strace?: StraceInfo } {
  if (isStracePath(path)) return loadStraceFile(path, overrides);
  return loadScenario(readRegularFile(path), path, overrides);
}
