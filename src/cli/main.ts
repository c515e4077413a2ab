/** `iosim`: run scenarios, compare transfer methods, export traces — the machine without VS Code. */
import { readFileSync } from 'node:fs';
import { DiskKind } from '../machine/config';
import { formatBytes, formatDuration, parseSize } from '../machine/units';
import { formatDiagnostic } from '../program/index';
import { loadScenario } from '../program/load';
import { compare } from '../trace/compare';
import { runJson, totalsOf } from '../trace/summary';
import { FdNames, straceLine } from '../trace/strace';
import { Trace } from '../trace/trace';
import { table } from './table';

const USAGE = `usage:
  iosim run FILE [--json]            run a scenario (.iosim); print strace-like lines and a summary
  iosim compare [--size 16KiB] [--disk nvme|ssd|hdd] [--warm] [--json]
                                     the article's comparison of file-to-socket methods, computed by the model
  iosim --help | --version`;

class UsageError extends Error {}

function out(s: string): void {
  process.stdout.write(s + '\n');
}

function parseFlags(args: string[], known: Record<string, 'bool' | 'value'>): { flags: Map<string, string>; rest: string[] } {
  const flags = new Map<string, string>();
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a.startsWith('--')) {
      const [name, inline] = a.slice(2).split('=', 2);
      const kind = known[name];
      if (!kind) throw new UsageError(`unknown option --${name}`);
      if (kind === 'bool') flags.set(name, 'true');
      else {
        const v = inline ?? args[++i];
        if (v === undefined) throw new UsageError(`--${name} needs a value`);
        flags.set(name, v);
      }
    } else rest.push(a);
  }
  return { flags, rest };
}

function cmdRun(args: string[]): number {
  const { flags, rest } = parseFlags(args, { json: 'bool' });
  if (rest.length !== 1) throw new UsageError('run needs exactly one FILE');
  const path = rest[0];
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    process.stderr.write(`iosim: cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}\n`);
    return 1;
  }
  const loaded = loadScenario(text, path);
  for (const d of loaded.diagnostics) process.stderr.write(formatDiagnostic(path, d) + '\n');
  if (!loaded.spec) return 1;
  const trace = new Trace(loaded.spec);
  const json = flags.has('json');
  const names = new FdNames();
  for (;;) {
    const i = trace.step();
    if (i < 0) break;
    if (!json) {
      const r = trace.ops.get(i);
      out(straceLine(r, names));
      names.after(r);
    }
  }
  if (json) {
    out(JSON.stringify(runJson(trace), null, 2));
    return 0;
  }
  const t = totalsOf(trace.machine);
  const pc = runJson(trace).pageCache;
  const hitRatio = t.pageCacheHits + t.pageCacheMisses > 0 ? (100 * t.pageCacheHits) / (t.pageCacheHits + t.pageCacheMisses) : 0;
  out('');
  out(`summary of ${path} (simulated ${formatDuration(t.simTimeNs)}, ${trace.events.length} events)`);
  out(table(['', 'count', 'bytes'], [
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
  out(`page cache: ${pc.pages}/${pc.capacityPages} pages (${pc.active} active, ${pc.inactive} inactive), ${pc.dirty} dirty, ${pc.writeback} under writeback`);
  return 0;
}

function cmdCompare(args: string[]): number {
  const { flags, rest } = parseFlags(args, { size: 'value', disk: 'value', warm: 'bool', json: 'bool' });
  if (rest.length) throw new UsageError(`compare takes no FILE (got ${rest[0]})`);
  const size = parseSize(flags.get('size') ?? '16KiB');
  if (size === null || size <= 0) throw new UsageError(`--size: expected a size such as 16KiB or 1MiB, got ${flags.get('size')}`);
  const disk = (flags.get('disk') ?? 'nvme') as DiskKind;
  if (!['nvme', 'ssd', 'hdd'].includes(disk)) throw new UsageError(`--disk: expected nvme, ssd or hdd, got ${disk}`);
  const warm = flags.has('warm');
  const rows = compare({ size, disk, warm });
  if (flags.has('json')) {
    out(JSON.stringify({ methods: rows }, null, 2));
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

export function main(argv: string[]): number {
  const [cmd, ...args] = argv;
  try {
    switch (cmd) {
      case 'run': return cmdRun(args);
      case 'compare': return cmdCompare(args);
      case '--version': out('iosim 0.1.0'); return 0;
      case '--help': case '-h': case 'help': out(USAGE); return 0;
      default: throw new UsageError(cmd ? `unknown command '${cmd}'` : 'no command given');
    }
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`iosim: ${e.message}\n${USAGE}\n`);
      return 2;
    }
    throw e;
  }
}

// `iosim run big.iosim | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

process.exitCode = main(process.argv.slice(2));
