/**
 * Picks the reader for a program file: `.iosim` scenarios, strace logs. A log is known by its extension (.strace)
 * or, whatever its name (strace.out, trace.log, trace.12345), by its content; `format` forces one reader.
 */
import { loadScenario, Loaded, MachineOverrides } from './load';
import { readRegularFile } from './openFile';
import { isStracePath, loadStrace, loadStraceFile, type StraceInfo } from './strace/load';
import { fileHead, looksLikeStrace } from './strace/sniff';
import { applyHostRecord, readHostRecord } from './hostRecord';

export type { Loaded, MachineOverrides };

/** Which reader a program needs: given, or from the path, or from the start of its text. */
export type ProgramFormat = 'iosim' | 'strace';

function isScenarioPath(path: string): boolean {
  return /\.iosim$/i.test(path);
}

/** The format of a program by its path and, when the path does not say, by the start of its text. */
export function formatOf(path: string, head: () => string): ProgramFormat {
  if (isStracePath(path)) return 'strace';
  if (isScenarioPath(path)) return 'iosim';
  return looksLikeStrace(head()) ? 'strace' : 'iosim';
}

export function loadProgram(text: string, path: string, overrides?: MachineOverrides, format?: ProgramFormat): Loaded {
  const f = format ?? formatOf(path, () => text.slice(0, 64 * 1024));
  return f === 'strace' ? loadStrace(text, path, overrides) : loadScenario(text, path, overrides);
}

/**
 * Loads a program from disk. A strace log is streamed from the file (a log of a gigabyte never becomes one string);
 * a scenario is read whole. Throws the file system's error when the file cannot be read, and NotRegularFileError
 * (code 'not a regular file') for a device, a FIFO or a directory.
 */
export function loadProgramFile(path: string, overrides?: MachineOverrides, format?: ProgramFormat): Loaded & { strace?: StraceInfo } {
  const f = format ?? formatOf(path, () => fileHead(path));
  if (f === 'strace') {
    const loaded = loadStraceFile(path, overrides);
    // A log made by `iosim record` replays on the machine it was recorded on (LOG.host.json).
    const rec = readHostRecord(path);
    if (rec && loaded.spec) applyHostRecord(loaded.spec, rec, overrides);
    return loaded;
  }
  return loadScenario(readRegularFile(path), path, overrides);
}
