/**
 * The article's comparison, computed by the model: the same file sent to a socket by each transfer method.
 * Only the transfer calls are counted (not open, socket, pipe or close), as the article counts.
 */
import { C } from '../machine/counters';
import { DiskKind, MachineConfig, NicKind, defaultConfig } from '../machine/config';
import { EventSink } from '../machine/events';
import { Machine } from '../machine/machine';
import { OPEN_FLAGS, Operation } from '../machine/operation';
import { MAX_RW_COUNT } from '../machine/limits';
import { formatBytes, parseSize } from '../machine/units';

export type MethodName = 'read+write' | 'mmap+write' | 'sendfile' | 'sendfile+sg-dma' | 'splice' | 'direct+write';

export const METHODS: readonly MethodName[] = ['read+write', 'mmap+write', 'sendfile', 'sendfile+sg-dma', 'splice', 'direct+write'];

/** What a way of moving the bytes costs: the article's table columns (counts; bytes; ns of simulated time). */
export interface MethodCost {
  syscalls: number;
  contextSwitches: number;
  dmaCopies: number;
  cpuCopies: number;
  cpuBytes: number;
  simTimeNs: number;
}

export interface MethodRow extends MethodCost {
  method: MethodName;
  speedup: number;
}

export interface CompareOptions {
  size: number;
  disk: DiskKind;
  warm: boolean;
  config?: MachineConfig;
}

const PATH = '/srv/file.bin';

interface Step {
  op: Operation;
  measured: boolean;
}

const nullSink: EventSink = { emit() {} };

/** The operations of one method; `$n` arguments are results of earlier steps. */
function plan(method: MethodName, size: number, warm: boolean): { steps: (string | number)[][]; nic: NicKind } {
  const steps: (string | number)[][] = [];
  const direct = method === 'direct+write';
  steps.push(['sock', 'socket']);
  steps.push(['buf', 'alloc', size]);
  if (warm) {
    steps.push(['wfd', 'open', OPEN_FLAGS.O_RDONLY]);
    steps.push(['', 'read', '$wfd', '$buf', size]);
    steps.push(['', 'close', '$wfd']);
  }
  steps.push(['fd', 'open', direct ? OPEN_FLAGS.O_DIRECT : OPEN_FLAGS.O_RDONLY]);
  let nic: NicKind = 'sg-dma';
  switch (method) {
    case 'read+write':
    case 'direct+write':
      steps.push(['n', '*read', '$fd', '$buf', size]);
      steps.push(['', '*write', '$sock', '$buf', '$n']);
      break;
    case 'mmap+write':
      steps.push(['addr', '*mmap', '$fd', size]);
      steps.push(['', '*write', '$sock', '$addr', size]);
      break;
    case 'sendfile':
      nic = 'plain';
      steps.push(['', '*sendfile', '$sock', '$fd', 0, size]);
      break;
    case 'sendfile+sg-dma':
      steps.push(['', '*sendfile', '$sock', '$fd', 0, size]);
      break;
    case 'splice':
      // One call of each, as the article counts: the pipe is sized to the file (fcntl F_SETPIPE_SZ).
      steps.push(['p', 'pipe']);
      steps.push(['', '*splice', '$fd', '$p', size]);
      steps.push(['', '*splice', '$p', '$sock', size]);
      break;
  }
  return { steps, nic };
}

export function runMethod(method: MethodName, opts: CompareOptions): Omit<MethodRow, 'speedup'> {
  const base = opts.config ?? defaultConfig(opts.disk);
  const { steps, nic } = plan(method, opts.size, opts.warm);
  const pipeBytes = method === 'splice' ? Math.max(base.pipeBytes, Math.ceil(opts.size / 4096) * 4096) : base.pipeBytes;
  const config: MachineConfig = { ...base, nic, pipeBytes, sysctl: { ...base.sysctl }, latency: { ...base.latency } };
  const m = new Machine(config, [{ path: PATH, size: opts.size }], nullSink);
  const vars = new Map<string, number>();
  const sum = new Float64Array(C.Count);
  let first = -1;
  let last = 0;
  steps.forEach((s, i) => {
    const [target, rawName, ...rawArgs] = s as [string, string, ...(string | number)[]];
    const measured = rawName.startsWith('*');
    const name = measured ? rawName.slice(1) : rawName;
    const args = rawArgs.map((a) => (typeof a === 'string' ? vars.get(a.slice(1))! : a));
    const op: Operation = name === 'open'
      ? { name, args, text: PATH, line: i + 1, col: 1 }
      : { name, args, line: i + 1, col: 1 };
    const step: Step = { op, measured };
    const before = m.counters.slice();
    const t0 = m.now;
    const r = m.execute(step.op, i);
    if (r.errno) throw new Error(`compare: ${method}: ${name} failed with ${r.errno}`);
    if (target) vars.set(target, r.result);
    if (measured) {
      for (let k = 0; k < C.Count; k++) sum[k] += m.counters[k] - before[k];
      if (first < 0) first = t0;
      last = m.now;
    }
  });
  return {
    method,
    syscalls: sum[C.Syscalls],
    contextSwitches: sum[C.ContextSwitches],
    dmaCopies: sum[C.DmaCopies],
    cpuCopies: sum[C.CpuCopies],
    cpuBytes: sum[C.CpuBytes],
    simTimeNs: last - first,
  };
}

export function compare(opts: CompareOptions): MethodRow[] {
  const rows = METHODS.map((m) => runMethod(m, opts));
  const baseTime = rows[0].simTimeNs;
  return rows.map((r) => ({ ...r, speedup: Math.round((baseTime / r.simTimeNs) * 100) / 100 }));
}

/**
 * What a warm comparison really starts with: the file's pages (4 KiB) cached after the warming read and close, and
 * the file's size in pages, and the page cache's capacity in pages (RAM less the buffer), on the machine the read+write row runs (the file, a buffer of its size, a socket). A file
 * larger than the page cache leaves only part of it cached (reclaim evicted the rest while it was read), so the
 * "warm" rows then read most of it from the disk. Follows the same steps as runMethod's warm prefix.
 */
export function warmCachedPages(opts: CompareOptions): { cached: number; pages: number; capacity: number } {
  const config = opts.config ?? defaultConfig(opts.disk);
  const m = new Machine({ ...config, sysctl: { ...config.sysctl }, latency: { ...config.latency } }, [{ path: PATH, size: opts.size }], nullSink);
  const run = (name: string, args: number[], line: number): number => {
    const r = m.execute(name === 'open' ? { name, args, text: PATH, line, col: 1 } : { name, args, line, col: 1 }, line - 1);
    if (r.errno) throw new Error(`compare: warming: ${name} failed with ${r.errno}`);
    return r.result;
  };
  run('socket', [], 1);
  const buf = run('alloc', [opts.size], 2);
  const fd = run('open', [OPEN_FLAGS.O_RDONLY], 3);
  run('read', [fd, buf, opts.size], 4);
  run('close', [fd], 5);
  const file = m.files.get(PATH)!;
  return { cached: m.cache.pagesOf(file.id)?.size ?? 0, pages: Math.ceil(opts.size / 4096), capacity: m.cache.capacity };
}

/** The disks a comparison can run on, in the order they are offered. */
export const COMPARE_DISKS: readonly DiskKind[] = ['nvme', 'ssd', 'hdd'];

/** A comparison's arguments as a person gives them (command line, DAP request, dialog); absent ones take defaults. */
export interface CompareInput {
  size?: string;
  disk?: string;
  warm?: boolean;
}

/**
 * Which argument is wrong and what it was: each caller words the refusal its own way (usage, DAP error, dialog).
 * A size that is one but cannot be compared carries the rule it breaks (`reason`), which every caller shows.
 */
export type CompareCheck =
  | { ok: true; options: CompareOptions }
  | { ok: false; field: 'size' | 'disk'; value: string | undefined; reason?: string };

/** O_DIRECT moves whole blocks of the compared machine (512 bytes): the direct+write row needs a multiple of it. */
export const DIRECT_BLOCK = 512;

/**
 * The largest comparison: each method moves the file in one call of each (one read, one sendfile, one splice), and
 * one call moves at most MAX_RW_COUNT bytes in Linux, 2 GiB less 4 KiB.
 */
export const MAX_COMPARE_SIZE = MAX_RW_COUNT;

/** The command line's limit, and what it is, as the refusal says it ("64 GiB is more than ..."). */
const ONE_CALL = { bytes: MAX_COMPARE_SIZE, what: `one call moves in Linux (MAX_RW_COUNT: 2 GiB less 4 KiB, ${MAX_COMPARE_SIZE} bytes), and each method sends the file in one call` };

/**
 * `max`: the largest size this caller computes, and what it is (the debugger and the panel stop lower than the
 * command line: they compute on the thread that answers everything else).
 */
export function checkCompareArgs(input: CompareInput, max = ONE_CALL): CompareCheck {
  const size = parseSize(input.size ?? '16KiB');
  if (size === null || size <= 0) return { ok: false, field: 'size', value: input.size };
  if (size > max.bytes) return { ok: false, field: 'size', value: input.size, reason: `${formatBytes(size)} is more than ${max.what}` };
  if (size % DIRECT_BLOCK !== 0) {
    return { ok: false, field: 'size', value: input.size, reason: `the size must be a multiple of ${DIRECT_BLOCK} bytes, the block O_DIRECT reads (${Math.ceil(size / DIRECT_BLOCK) * DIRECT_BLOCK} is)` };
  }
  const disk = input.disk ?? 'nvme';
  if (!(COMPARE_DISKS as readonly string[]).includes(disk)) return { ok: false, field: 'disk', value: disk };
  return { ok: true, options: { size, disk: disk as DiskKind, warm: input.warm ?? false } };
}

/** The comparison with the arguments it ran with, as the panel and the `iomachine/compare` request show it. */
export function comparison(opts: CompareOptions): { sizeBytes: number; disk: DiskKind; warm: boolean; rows: MethodRow[] } {
  return { sizeBytes: opts.size, disk: opts.disk, warm: opts.warm, rows: compare(opts) };
}
