/**
 * Loads a strace log as a program: a first pass over the whole log learns what the replay needs before the machine
 * starts (which paths are regular files and how large they were, which are directories or devices, how big the
 * pipes must be, the processes and their names, the lines that hold calls) and reports lines it cannot read; the
 * replay itself (source.ts) then streams the log again, as many times as the debugger asks. Both passes are the
 * same replay (replay.ts) over the same lines: the first one without a machine, watched by the Scan (scan.ts).
 */
import { applyOverrides, defaultConfig, type MachineConfig } from '../../machine/config';
import type { Diagnostic } from '../diagnostics';
import { checkOverrides, type Loaded, type MachineOverrides } from '../load';
import type { ProgramSpec } from '../source';
import type { Knowledge } from './evidence';
import { FileSource, textSource, type LineSource } from './lines';
import { LastCall, LogText } from './logText';
import { endNotes } from './notes';
import { Replayer } from './replay';
import { provisionalKind, Scan, type StraceInfo } from './scan';
import { StraceSource } from './source';
import { DK } from './tables';

export type { StraceInfo };

export interface StraceLoaded extends Loaded {
  strace: StraceInfo;
}

function nextPow2(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/** Reads a log (in memory or on disk) into a program the trace layer runs. */
export function loadStraceLines(lines: LineSource, path: string, overrides?: MachineOverrides): StraceLoaded {
  const scan = new Scan();
  const scanKnow: Knowledge = { kindOf: provisionalKind, pipeCapacity: Number.MAX_SAFE_INTEGER, base: null, inherited: [], abandoned: new Set(), resumed: new Map(), repeats: null, named: null };
  const r = new Replayer(scanKnow, scan);
  const cursor = lines.open();
  while (r.feed(cursor));
  r.end();
  const lineNo = r.lineNo;
  scan.flush();
  scan.info.lines = lineNo;
  scan.diagnostics.push(...endNotes(scan, lineNo));
  // The list of the lines where calls start is made when first asked for: only the debugger asks (its breakpoints),
  // `iosim run` never does, and a million-line log's list is a million numbers (8 MB, 20 ms) where its bits are 128 KiB.
  let executable: number[] | null = null;
  const executableLines = (): number[] => {
    if (executable === null) {
      executable = scan.executableLines();
      scan.callLines = new Int32Array(0);
    }
    return executable;
  };
  const { entries, errors } = checkOverrides(overrides);
  // A log with nothing to replay (endNotes says so as an error) makes no program either.
  if (errors.length || scan.diagnostics.some((d) => d.severity === 'error')) {
    const diagnostics = errors.map((message): Diagnostic => ({ severity: 'error', line: 1, col: 1, endLine: 1, endCol: 1, message: `launch configuration: ${message}` }));
    // No program comes of it, so nothing will read the log again.
    if (lines instanceof FileSource) lines.close();
    return { spec: null, diagnostics: [...diagnostics, ...scan.diagnostics], scenario: null, get executableLines() { return executableLines(); }, strace: scan.info };
  }
  const base: MachineConfig = defaultConfig();
  // A pipe must hold what the replay's order puts in it at once (see Scan.maxPipeFill), or a write the log shows
  // whole would come out short and a later read would find bytes missing.
  base.pipeBytes = Math.max(base.pipeBytes, nextPow2(scan.maxPipeFill));
  const config = applyOverrides(base, entries);
  scan.info.pipeBytes = config.pipeBytes;
  const files = scan.files();
  const know: Knowledge = {
    kindOf: (p) => scan.kindOf(p), pipeCapacity: config.pipeBytes, base: scanKnow.base, existing: files.map((f) => f.path),
    inherited: scan.info.inherited.filter((p) => scan.kindOf(p) === DK.File), late: scan.late,
    abandoned: scan.abandonedAt, resumed: scan.resumedAt, repeats: r.repeats.bits, named: r.repeats.named,
  };
  const threads = new Map<number, string>();
  for (const [t, { pid, name }] of scan.info.threads) threads.set(t, `${name || 'process'} [${pid >= 0 ? pid : '?'}]`);
  // The replay's last complete call line, which the log's texts print from while its bytes are at hand.
  const last = new LastCall();
  const spec: ProgramSpec = {
    path,
    config,
    files,
    createSource: () => new StraceSource(lines, know, last),
    callTexts: () => new LogText(lines, last),
    threads,
    close: () => {
      if (lines instanceof FileSource) lines.close();
    },
  };
  return { spec, diagnostics: scan.diagnostics, scenario: null, get executableLines() { return executableLines(); }, strace: scan.info };
}

/** A strace log already in memory (what an editor or a test has). */
export function loadStrace(text: string, path: string, overrides?: MachineOverrides): StraceLoaded {
  return loadStraceLines(textSource(text), path, overrides);
}

/**
 * A strace log on disk, streamed: memory follows the trace, not the size of the text (a log of a gigabyte is read a
 * chunk at a time, on each pass).
 */
export function loadStraceFile(path: string, overrides?: MachineOverrides): StraceLoaded {
  return loadStraceLines(new FileSource(path), path, overrides);
}

/** Whether a path names a strace log (by its extension). */
export function isStracePath(path: string): boolean {
  return /\.(strace|straces)$/i.test(path) || /\.strace\.(txt|log)$/i.test(path);
}
