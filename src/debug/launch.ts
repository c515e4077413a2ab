/**
 * Launch checks: the program a launch (or restart) names, found, refused when it cannot be read safely, and loaded
 * into a trace. The arguments' types were checked at the boundary (protocol/validate.ts, against the launch schema in
 * package.json). The errors a person can fix are reported as `path:line:col: error: …`; warnings are printed and the
 * launch goes on.
 */
import { realpathSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { DebugProtocol } from '@vscode/debugprotocol';
import { formatDiagnostic } from '../program/index';
import { Loaded, loadProgramFile, MachineOverrides } from '../program/loadProgram';
import { applyProfile, describeProfile, hostProfile, type ProfileName } from '../program/profile';
import type { StraceLoaded } from '../program/strace/index';
import { ExtensionLaunchArgs } from '../shared/messages';
import { Trace } from '../trace/trace';
import { UserError } from './errors';

export interface LaunchArgs extends DebugProtocol.LaunchRequestArguments, ExtensionLaunchArgs {
  program?: string;
  stopOnEntry?: boolean;
  machine?: MachineOverrides;
  /** Sets the machine from this computer's settings before `machine` applies (program/profile.ts). */
  profile?: ProfileName;
  trace?: string;
  /** Events between checkpoints (time travel memory/speed trade-off). */
  checkpointEvery?: number;
  /** Where relative paths (program, trace, breakpoint sources) are resolved; the adapter's own directory if absent. */
  cwd?: string;
}

/**
 * Fewer events between checkpoints than this cost more memory than they save time: each checkpoint copies the
 * machine (megabytes once the page cache is full), and 100 of them a second exhausted 7 GB in seconds.
 */
export const MIN_CHECKPOINT_EVERY = 1000;
export const DEFAULT_CHECKPOINT_EVERY = 16_384;

export interface LaunchedProgram {
  /** The program's absolute path (frames and breakpoints name it). */
  path: string;
  executableLines: number[];
  trace: Trace;
  /** A strace log's calls by name (with their counts); absent for a scenario. */
  calls?: ReadonlyMap<string, number>;
}

/** A path of the launch, absolute: relative ones are taken from the launch's `cwd`, or the adapter's. */
export function resolvePath(path: string, args: Pick<LaunchArgs, 'cwd'>): string {
  return isAbsolute(path) ? resolve(path) : resolve(args.cwd ?? process.cwd(), path);
}

/** Checks the arguments and loads the program; `warn` gets the diagnostics that do not stop it. */
export function loadProgram(args: LaunchArgs, warn: (line: string) => void): LaunchedProgram {
  if (typeof args.program !== 'string' || !args.program) throw new UserError("launch: 'program' must be the path of a .iosim scenario or .strace log");
  const path = resolvePath(args.program, args);
  // Only a regular file has an end: /dev/zero would be read until memory runs out, a FIFO would block forever.
  let kind: string;
  try {
    const st = statSync(path);
    kind = st.isFile() ? 'file' : st.isDirectory() ? 'a directory' : st.isFIFO() ? 'a FIFO' : st.isCharacterDevice() || st.isBlockDevice() ? 'a device' : st.isSocket() ? 'a socket' : 'not a regular file';
  } catch (e) {
    throw new UserError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (kind !== 'file') throw new UserError(`cannot read ${path}: ${kind === 'not a regular file' ? kind : `it is ${kind}, not a regular file`}`);
  let loaded: Loaded;
  try {
    loaded = loadProgramFile(path, args.machine);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code) throw new UserError(`cannot read ${path}: ${code}`);
    throw e;
  }
  const firstError = loaded.diagnostics.find((d) => d.severity === 'error');
  if (!loaded.spec || firstError) {
    loaded.spec?.close?.();
    const d = firstError ?? loaded.diagnostics[0];
    throw new UserError(d ? formatDiagnostic(path, d) : `${path}: cannot be run`);
  }
  for (const d of loaded.diagnostics) warn(formatDiagnostic(path, d));
  if (args.profile === 'host') {
    const profile = hostProfile(loaded.spec.files);
    applyProfile(loaded.spec, profile, args.machine);
    warn(describeProfile(profile));
  }
  let every = args.checkpointEvery ?? DEFAULT_CHECKPOINT_EVERY;
  if (every < MIN_CHECKPOINT_EVERY) {
    warn(`launch: checkpointEvery ${every} is below the minimum of ${MIN_CHECKPOINT_EVERY} events: using ${MIN_CHECKPOINT_EVERY}`);
    every = MIN_CHECKPOINT_EVERY;
  }
  const calls = (loaded as Partial<StraceLoaded>).strace?.byName;
  return { path, executableLines: loaded.executableLines, trace: new Trace(loaded.spec, { checkpointEvery: every }), calls };
}

/**
 * Whether a client's path names the program being debugged: relative paths are taken from the launch's `cwd`, and
 * both are compared as real paths (symbolic links, `..`, Windows drive letters in either case).
 */
export function isProgram(path: string | undefined, programPath: string, args: Pick<LaunchArgs, 'cwd'>): boolean {
  if (!path || !programPath) return false;
  return canonical(resolvePath(path, args)) === canonical(programPath);
}

function canonical(p: string): string {
  let real = p;
  try {
    real = realpathSync.native(p);
  } catch {
    // A path that does not exist is compared as written.
  }
  return real.replace(/\\/g, '/').replace(/^([a-z]):/, (_, d: string) => d.toUpperCase() + ':');
}
