/**
 * Launch checks: the arguments of a launch (or restart) and the program they name, loaded into a trace. The
 * errors a person can fix are reported as `path:line:col: error: …`; warnings are printed and the launch goes on.
 */
import { DebugProtocol } from '@vscode/debugprotocol';
import { formatDiagnostic } from '../program/index';
import { Loaded, loadProgramFile, MachineOverrides } from '../program/loadProgram';
import { Trace } from '../trace/trace';
import { UserError } from './errors';

export interface LaunchArgs extends DebugProtocol.LaunchRequestArguments {
  program?: string;
  stopOnEntry?: boolean;
  machine?: MachineOverrides;
  trace?: string;
  /** Events between checkpoints (time travel memory/speed trade-off). */
  checkpointEvery?: number;
}

export interface LaunchedProgram {
  path: string;
  executableLines: number[];
  trace: Trace;
}

/** Refuses arguments of the wrong type before anything is read (a client may send any JSON). */
function checkLaunchArgs(args: LaunchArgs): asserts args is LaunchArgs & { program: string } {
  if (!args.program || typeof args.program !== 'string') throw new UserError("launch: 'program' must be the path of a .iosim scenario or .strace log");
  if (args.machine !== undefined && (typeof args.machine !== 'object' || args.machine === null || Array.isArray(args.machine))) {
    throw new UserError("launch: 'machine' must be an object such as { \"nic\": \"plain\", \"vm.dirty_ratio\": 5 }");
  }
  if (args.trace !== undefined && typeof args.trace !== 'string') throw new UserError("launch: 'trace' must be the path of the file to write the trace to");
}

/** Checks the arguments and loads the program; `warn` gets the diagnostics that do not stop it. */
export function loadProgram(args: LaunchArgs, warn: (line: string) => void): LaunchedProgram {
  checkLaunchArgs(args);
  let loaded: Loaded;
  try {
    loaded = loadProgramFile(args.program, args.machine);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code) throw new UserError(`cannot read ${args.program}: ${code}`);
    throw e;
  }
  const firstError = loaded.diagnostics.find((d) => d.severity === 'error');
  if (!loaded.spec || firstError) {
    const d = firstError ?? loaded.diagnostics[0];
    throw new UserError(d ? formatDiagnostic(args.program, d) : `${args.program}: cannot be run`);
  }
  for (const d of loaded.diagnostics) warn(formatDiagnostic(args.program, d));
  return {
    path: args.program,
    executableLines: loaded.executableLines,
    trace: new Trace(loaded.spec, { checkpointEvery: args.checkpointEvery ?? 16_384 }),
  };
}

/** Whether a client's path names the program being debugged (Windows drive letters in either case). */
export function isProgram(path: string | undefined, programPath: string): boolean {
  return !!path && !!programPath && normalize(path) === normalize(programPath);
}

function normalize(p: string): string {
  return p.replace(/\\/g, '/').replace(/^([a-z]):/, (_, d: string) => d.toUpperCase() + ':');
}
