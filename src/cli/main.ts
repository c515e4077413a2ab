/** `iosim`: run scenarios, compare transfer methods, export traces — the machine without VS Code. */
import { statSync } from 'node:fs';
import { hitPercent } from '../machine/counters';
import { formatBytes, formatDuration } from '../machine/units';
import { errorAt, formatDiagnostic } from '../program/index';
import type { Loaded, MachineOverrides } from '../program/load';
import { loadProgramFile, type ProgramFormat } from '../program/loadProgram';
import type { StraceInfo } from '../program/strace/load';
import { escapeControls, safeJson, terminalText } from '../shared/escape';
import { checkCompareArgs, compare, warmCachedPages } from '../trace/compare';
import { defaultConfig } from '../machine/config';
import type { OpRecord } from '../trace/opLog';
import { operationJson, opText, RecordedTally, runJsonFrame, runJsonRest } from '../trace/summary';
import { FdNames } from '../trace/strace';
import { Trace } from '../trace/trace';
import { TraceFile, TraceWriteError, writeChromeTrace } from '../trace/traceFile';
import { cmdAdvise, type AdviseDeps } from './advise';
import { applyHostRecord, describeHostRecord, readHostRecord } from '../program/hostRecord';
import { calibrateRecording, cmdCalibrate } from './calibrate';
import { checkResidency, checkText } from './check';
import { applyMachineFlags, machineFlags, type MachineFlags } from './machineFlags';
import { record, RecordError, recordUnavailable } from './record';
import { LogRows, logSummary } from './logRows';
import { OpLines } from './opLines';
import { Output, Spill, stdoutSink } from './output';
import { table } from './table';

const USAGE = `usage:
  iosim run FILE [--json] [--set KEY=VALUE]... [--profile host] [--input strace|iosim]
                                     run a scenario (.iosim) or replay a strace log (.strace, or any file whose
                                     content is strace output: strace.out, trace.12345); print strace-like lines
                                     and a summary (for a log: recorded against modeled time)
  iosim export FILE [--format chrome] [--set KEY=VALUE]... [--profile host] [--input strace|iosim] -o OUT.json
                                     run FILE and write its trace as Chrome Trace Event JSON (Perfetto, chrome://tracing)
    --set KEY=VALUE                  set the machine as a machine { } block would (read_ahead_kb=8192, ram=24GiB)
    --profile host                   set the machine from this computer's disk, RAM and vm.dirty_* (before --set)
  iosim advise LOG [--json] [--vary KEY=V1,V2,...] [--set KEY=VALUE]... [--profile host]
                                     find the log's transfer loops (read then write of the same bytes) and replay
                                     each with sendfile, splice, mmap, copy_file_range, O_DIRECT: the article's table
  iosim record [-o LOG] [--cold PATH]... [--watch PATH]... -- CMD ARGS...
                                     run CMD under strace -f -tt -T -y -yy (Linux); evict the --cold files first; write
                                     LOG (default iosim-record.strace) and LOG.host.json: the machine, the kernel, and
                                     the page-cache residency (mincore) of the files before and after
  iosim check LOG [--json] [--set KEY=VALUE]... [--profile host]
                                     replay a recorded log on its recorded machine and compare, per file, the real
                                     resident pages after the run with the model's
  iosim calibrate LOG... [--save]    fit the disk's latency and bandwidth to the recorded times of the reads that
                                     waited for it; --save writes them into each LOG.host.json
  iosim compare [--size 16KiB] [--disk nvme|ssd|hdd] [--warm] [--json]
                                     the article's comparison of file-to-socket methods, computed by the model
  iosim --help | --version`;

class UsageError extends Error {}

const COMMANDS = ['run', 'export', 'advise', 'record', 'check', 'calibrate', 'compare'];

/**
 * What a usage error prints after its message: the command's synopsis line of USAGE (without its description) and
 * where the rest is; for no command or an unknown one, the commands.
 */
function usageOf(cmd: string | undefined): string {
  const line = cmd && COMMANDS.includes(cmd) ? USAGE.split('\n').find((l) => l.startsWith(`  iosim ${cmd} `)) : undefined;
  if (!line) return `usage: iosim COMMAND ... (commands: ${COMMANDS.join(', ')})\nsee iosim --help`;
  // The synopsis ends where the description's column starts (two spaces or more after it).
  return `usage: ${line.trim().split(/ {2,}/)[0]}\nsee iosim --help`;
}

/** A line (or lines) for a person: names and log text in it are escaped before they reach the terminal. */
function out(s: string): void {
  process.stdout.write(terminalText(s) + '\n');
}

/** JSON on stdout: exact values, nothing a terminal would act on (see shared/escape.ts). */
function outJson(value: unknown): void {
  process.stdout.write(safeJson(JSON.stringify(value, null, 2)) + '\n');
}

/** One line on stderr (a diagnostic, an error): every control character escaped, line breaks included. */
function err(line: string): void {
  process.stderr.write(escapeControls(line) + '\n');
}

/** Options: 'bool' (present or not), 'value' (the last one given), 'list' (every one given, in `lists`). */
function parseFlags(args: string[], known: Record<string, 'bool' | 'value' | 'list'>): { flags: Map<string, string>; lists: Map<string, string[]>; rest: string[] } {
  const flags = new Map<string, string>();
  const lists = new Map<string, string[]>();
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '-o' && known.output) {
      const v = args[++i];
      if (v === undefined) throw new UsageError('-o needs a value');
      flags.set('output', v);
      continue;
    }
    if (a.startsWith('--')) {
      // `--set=read_ahead_kb=8192`: the value is everything after the first '='.
      const eq = a.indexOf('=');
      const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
      const inline = eq < 0 ? undefined : a.slice(eq + 1);
      const kind = known[name];
      if (!kind) throw new UsageError(`unknown option --${name}`);
      if (kind === 'bool') flags.set(name, 'true');
      else {
        const v = inline ?? args[++i];
        if (v === undefined) throw new UsageError(`--${name} needs a value`);
        if (kind === 'list') lists.set(name, [...(lists.get(name) ?? []), v]);
        else flags.set(name, v);
      }
    } else rest.push(a);
  }
  return { flags, lists, rest };
}

/** The checked --set and --profile options of run and export. */
function machineOptions(flags: Map<string, string>, lists: Map<string, string[]>): MachineFlags {
  const m = machineFlags(lists.get('set') ?? [], flags.get('profile'));
  if ('error' in m) throw new UsageError(m.error);
  return m;
}

/** --input: which reader, when the file's name and content should not decide. */
function inputFormat(flags: Map<string, string>): ProgramFormat | undefined {
  const v = flags.get('input');
  if (v === undefined) return undefined;
  if (v !== 'strace' && v !== 'iosim') throw new UsageError(`--input: expected strace or iosim, got ${v}`);
  return v;
}

/**
 * Loads a scenario, or a strace log (streamed from disk) whatever its name; prints diagnostics; null when it cannot
 * run.
 */
/** Loads a program, printing its diagnostics with `report` (stderr unless told). */
function loadFile(path: string, overrides?: MachineOverrides, format?: ProgramFormat, report: (line: string) => void = err): (Loaded & { strace?: StraceInfo }) | null {
  let loaded: Loaded & { strace?: StraceInfo };
  try {
    loaded = loadProgramFile(path, overrides, format);
  } catch (e) {
    report(`iosim: cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    return null;
  }
  for (const d of loaded.diagnostics) report(formatDiagnostic(path, d));
  if (!loaded.spec) return null;
  if (loaded.strace) {
    // A log made by `iosim record` replays on the machine it was recorded on (LOG.host.json).
    try {
      const rec = readHostRecord(path);
      if (rec) {
        applyHostRecord(loaded.spec, rec, overrides);
        report(`iosim: ${describeHostRecord(path, rec)}`);
      }
    } catch (e) {
      report(`iosim: ${(e as Error).message}`);
      return null;
    }
  }
  return loaded;
}

function cmdRun(args: string[]): number {
  const { flags, lists, rest } = parseFlags(args, { json: 'bool', set: 'list', profile: 'value', input: 'value' });
  if (rest.length !== 1) throw new UsageError('run needs exactly one FILE');
  const machine = machineOptions(flags, lists);
  const path = rest[0];
  const loaded = loadFile(path, machine.overrides, inputFormat(flags));
  if (!loaded) return 1;
  const profile = applyMachineFlags(loaded.spec!, machine);
  // Nothing of the run is looked at twice: operations are written as they end, events only counted.
  const trace = new Trace(loaded.spec!, { record: false });
  const json = flags.has('json');
  const names = new FdNames();
  const log = loaded.strace !== undefined;
  const lines = new OpLines(log, loaded.spec!.threads, json ? undefined : loaded.spec!.callTexts?.());
  // Text for a person is escaped (names, log text) line by line; JSON keeps its values exact (shared/escape.ts) and
  // goes in chunks of JSON text, which safeJson takes piece by piece.
  const stdout = new Output(stdoutSink, json ? safeJson : terminalText);
  const operations = json ? new Spill() : null;
  const recorded = new RecordedTally();
  const rows = log && !json ? new LogRows() : null;
  const n = operations ? spillOps(trace, names, recorded, operations) : printOps(trace, names, recorded, rows, lines, stdout);
  if (trace.error) {
    stdout.flush();
    // No document for a run that did not end: the operations kept for it are dropped (a temporary file, maybe).
    operations?.drain(new Output(() => true));
    return stopped(path, trace);
  }
  const rvm = recorded.result(trace.machine.now);
  const doc = runJsonRest(trace, rvm, { diagnostics: loaded.diagnostics, profile: profile ?? undefined });
  if (operations) {
    const frame = runJsonFrame(doc);
    if (n === 0) stdout.line(frame.empty);
    else {
      stdout.write(frame.head);
      operations.drain(stdout);
      stdout.line(frame.tail);
    }
    stdout.flush();
    return 0;
  }
  const t = doc.totals;
  const pc = doc.pageCache;
  const hitRatio = hitPercent(t.pageCacheHits, t.pageCacheMisses) ?? 0;
  stdout.line('');
  stdout.line(`summary of ${path} (simulated ${formatDuration(t.simTimeNs)}, ${trace.events.length} events)`);
  stdout.line(table(['', 'count', 'bytes'], [
    ['syscalls', t.syscalls, ''],
    ['user/kernel switches', t.contextSwitches, ''],
    ['CPU copies', t.cpuCopies, formatBytes(t.cpuBytes)],
    ['DMA copies', t.dmaCopies, formatBytes(t.dmaBytes)],
    ['DMA interrupts', t.dmaInterrupts, ''],
    ['page faults', t.pageFaults, ''],
    ['page cache hits / misses', `${t.pageCacheHits} / ${t.pageCacheMisses}`, `${hitRatio.toFixed(1)}% hits`],
    ['evictions', t.evictions, ''],
    ['pages written back', t.writebackPages, ''],
  ], [false, true, true]));
  stdout.line(`page cache: ${pc.pages}/${pc.capacityPages} pages (${pc.active} active, ${pc.inactive} inactive), ${pc.dirty} dirty, ${pc.writeback} under writeback`);
  if (loaded.strace) logSummary(stdout, rows!, rvm, loaded.strace);
  stdout.flush();
  return 0;
}

/*
 * The run's loop, one function for each output: a small loop of its own is compiled with the printing inlined (in
 * cmdRun's body, which formats the summary too, print and copy stayed calls, issue 10).
 */

/** Runs `trace` to its end, printing each operation's line as it ends; the number of operations. */
function printOps(trace: Trace, names: FdNames, recorded: RecordedTally, rows: LogRows | null, lines: OpLines, out: Output): number {
  let n = 0;
  for (let i = trace.step(); i >= 0; i = trace.step()) {
    const r = trace.ops.get(i);
    recorded.add(r);
    rows?.add(r);
    // A log's operations say where they come from: its line, and its process when there are several.
    lines.print(r, names, out);
    names.after(r);
    n++;
  }
  return n;
}

/** Runs `trace` to its end, keeping each operation's JSON for the document; the number of operations. */
function spillOps(trace: Trace, names: FdNames, recorded: RecordedTally, operations: Spill): number {
  let n = 0;
  for (let i = trace.step(); i >= 0; i = trace.step()) {
    const r = trace.ops.get(i);
    recorded.add(r);
    operations.write((n++ ? ',\n' : '') + opText(operationJson(trace, r, names)));
  }
  return n;
}

/** A run that stopped at a value or a time past the model's limits: the error at its line, exit status 1. */
function stopped(path: string, trace: Trace): number {
  const e = trace.error!;
  err(formatDiagnostic(path, errorAt(e.line, e.col, e.message)));
  return 1;
}

function cmdExport(args: string[]): number {
  const { flags, lists, rest } = parseFlags(args, { format: 'value', output: 'value', set: 'list', profile: 'value', input: 'value' });
  if (rest.length !== 1) throw new UsageError('export needs exactly one FILE');
  const format = flags.get('format') ?? 'chrome';
  if (format !== 'chrome' && format !== 'perfetto') throw new UsageError(`--format: expected chrome, got ${format}`);
  const output = flags.get('output');
  const machine = machineOptions(flags, lists);
  const loaded = loadFile(rest[0], machine.overrides, inputFormat(flags));
  if (!loaded) return 1;
  applyMachineFlags(loaded.spec!, machine);
  try {
    const file = output === undefined || output === '-' ? null : new TraceFile(output);
    const trace = new Trace(loaded.spec!);
    trace.runToEnd();
    if (file) file.write(trace);
    else writeChromeTrace(trace, (chunk) => process.stdout.write(safeJson(chunk)));
    // What ran is exported all the same (a valid trace); the status says it stopped early.
    if (trace.error) return stopped(rest[0], trace);
  } catch (e) {
    if (!(e instanceof TraceWriteError)) throw e;
    err(`iosim: ${e.message}`);
    return 1;
  }
  return 0;
}

function cmdCompare(args: string[]): number {
  const { flags, rest } = parseFlags(args, { size: 'value', disk: 'value', warm: 'bool', json: 'bool' });
  if (rest.length) throw new UsageError(`compare takes no FILE (got ${rest[0]})`);
  const check = checkCompareArgs({ size: flags.get('size'), disk: flags.get('disk'), warm: flags.has('warm') });
  if (!check.ok) {
    throw new UsageError(check.field === 'disk'
      ? `--disk: expected nvme, ssd or hdd, got ${check.value}`
      : `--size: ${check.reason ?? `expected a size such as 16KiB or 1MiB, got ${check.value}`}`);
  }
  const { size, disk, warm } = check.options;
  const rows = compare(check.options);
  // A "warm" file larger than the page cache is mostly cold again when the measured calls start: say what was cached.
  if (warm) {
    const w = warmCachedPages(check.options);
    if (w.cached < w.pages) {
      err(`iosim: warning: the ${formatBytes(size)} file does not fit the page cache of the compared machine (${formatBytes(defaultConfig(disk).ramBytes)} of RAM less the ${formatBytes(size)} buffer the methods read into: ${w.capacity} pages): ` +
        `after the warming read ${w.cached} of its ${w.pages} pages were cached (${(100 * w.cached / w.pages).toFixed(1)}%), so the warm rows read the rest from the disk`);
    }
  }
  if (flags.has('json')) {
    outJson({ methods: rows });
    return 0;
  }
  out(`Sending a ${formatBytes(size)} file to a socket, ${warm ? 'warm' : 'cold'} page cache, ${disk} disk (transfer calls only):`);
  out(table(
    ['method', 'syscalls', 'switches', 'DMA copies', 'CPU copies', 'CPU bytes', 'time', 'speed-up'],
    rows.map((r) => [r.method, r.syscalls, r.contextSwitches, r.dmaCopies, r.cpuCopies, formatBytes(r.cpuBytes), formatDuration(r.simTimeNs), `${r.speedup.toFixed(2)}x`]),
    [false, true, true, true, true, true, true, true],
  ));
  out('switches are user↔kernel mode transitions (~50 ns each), not process switches.');
  return 0;
}

function cmdRecord(args: string[]): number {
  const dash = args.indexOf('--');
  if (dash < 0 || dash === args.length - 1) throw new UsageError('record needs -- CMD ARGS... (the command to record)');
  const { flags, lists, rest } = parseFlags(args.slice(0, dash), { output: 'value', cold: 'list', watch: 'list' });
  if (rest.length) throw new UsageError(`record: unexpected ${rest[0]} before --`);
  const missing = recordUnavailable();
  if (missing) {
    err(`iosim: ${missing}`);
    return 1;
  }
  const log = flags.get('output') ?? 'iosim-record.strace';
  try {
    const { status, host } = record({ log, cold: lists.get('cold') ?? [], watch: lists.get('watch') ?? [], command: args.slice(dash + 1), say: (l) => err(`iosim: ${l}`) });
    err(`iosim: wrote ${log} and ${log}.host.json (Linux ${host.kernel.release}, kernel profile ${host.kernel.profile}, ${host.files.length} file${host.files.length === 1 ? '' : 's'})`);
    if (host.profile.diskWarning) {
      // A virtual disk's rotational flag says nothing of its speed: the log's own reads, when it has them, say more.
      let cal: ReturnType<typeof calibrateRecording> = null;
      try {
        cal = calibrateRecording(log, host);
      } catch (e) {
        err(`iosim: calibration skipped: ${(e as Error).message}`);
      }
      if (cal) err(`iosim: ${host.profile.device?.name ?? 'the disk'} is a virtio disk that reports rotational=1: calibrated from the log's ${cal.reads} reads that waited for it instead (${cal.values.map((v) => `${v.key}=${v.value}`).join(', ')})${cal.fit.limited ? `; ${cal.fit.limited}` : ''}`);
      else err(`iosim: ${host.profile.diskWarning}`);
    }
    return status;
  } catch (e) {
    if (!(e instanceof RecordError)) throw e;
    err(`iosim: ${e.message}`);
    return 1;
  }
}

/** Why `path` is no log to read (missing, a directory, a device), or null for a regular file. */
function notRegularFile(path: string): string | null {
  try {
    return statSync(path).isFile() ? null : `cannot read ${path}: not a regular file`;
  } catch (e) {
    return `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`;
  }
}

function cmdCheck(args: string[]): number {
  const { flags, lists, rest } = parseFlags(args, { json: 'bool', set: 'list', profile: 'value' });
  if (rest.length !== 1) throw new UsageError('check needs exactly one LOG');
  const machine = machineOptions(flags, lists);
  const path = rest[0];
  // The log itself first: a directory or a missing file is that, not a missing host record.
  const notLog = notRegularFile(path);
  if (notLog) {
    err(`iosim: ${notLog}`);
    return 1;
  }
  let rec;
  try {
    rec = readHostRecord(path);
  } catch (e) {
    err(`iosim: ${(e as Error).message}`);
    return 1;
  }
  if (!rec) {
    err(`iosim: ${path}.host.json not found: check needs a log made by iosim record`);
    return 1;
  }
  const loaded = loadFile(path, machine.overrides);
  if (!loaded) return 1;
  applyMachineFlags(loaded.spec!, machine);
  const trace = new Trace(loaded.spec!, { record: false });
  while (trace.step() >= 0);
  const { result, notes } = checkResidency(rec, trace.machine, loaded.strace?.mapped);
  if (flags.has('json')) outJson(result);
  else out(checkText(result, notes, rec, loaded.spec!.config.kernel));
  return 0;
}

export function main(argv: string[]): number {
  const [cmd, ...args] = argv;
  const deps: AdviseDeps = { parseFlags, machineOptions, loadFile: (p, o, report) => loadFile(p, o, undefined, report), usage: (m) => new UsageError(m), out, outJson, err };
  try {
    switch (cmd) {
      case 'run': return cmdRun(args);
      case 'compare': return cmdCompare(args);
      case 'advise': return cmdAdvise(args, deps);
      case 'record': return cmdRecord(args);
      case 'check': return cmdCheck(args);
      case 'calibrate': return cmdCalibrate(args, deps);
      case 'export': return cmdExport(args);
      case '--version': out('iosim 0.1.0'); return 0;
      case '--help': case '-h': case 'help': out(USAGE); return 0;
      default: throw new UsageError(cmd ? `unknown command '${cmd}'` : 'no command given');
    }
  } catch (e) {
    if (e instanceof UsageError) {
      err(`iosim: ${e.message}`);
      process.stderr.write(usageOf(cmd) + '\n');
      return 2;
    }
    // A file the system refused (EACCES, ENOSPC, EISDIR, ...) on a path no command caught: a line, never a stack.
    if (isSystemError(e)) {
      err(`iosim: ${e.path ? `${e.path}: ` : ''}${e.code} (${e.syscall})`);
      return 1;
    }
    throw e;
  }
}

function isSystemError(e: unknown): e is NodeJS.ErrnoException & { code: string; syscall: string } {
  return e instanceof Error && typeof (e as NodeJS.ErrnoException).code === 'string' && typeof (e as NodeJS.ErrnoException).syscall === 'string';
}

// `iosim run big.iosim | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

process.exitCode = main(process.argv.slice(2));
