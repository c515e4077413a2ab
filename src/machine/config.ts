/**
 * The machine's configuration: every key a scenario's `machine { }` block or a launch configuration may set,
 * with the Linux (or model-spec §7) default, and the parsing rules for its value.
 */
import { GiB, KiB, MiB, parseDuration, parseSize } from './units';

export type DiskKind = 'hdd' | 'ssd' | 'nvme';
export type NicKind = 'plain' | 'sg-dma';
/**
 * Which kernel's page-cache rules run (model-spec §4, docs/kernel-profiles.md): `classic`, the textbook algorithms
 * (ondemand_readahead of Linux 2.6.31–6.9, 4 KiB folios), the default; `6.18`, today's (page_cache_sync_ra /
 * page_cache_async_ra with large folios, ractl_max_pages).
 */
export type KernelProfile = 'classic' | '6.18';
export const KERNEL_PROFILES: readonly KernelProfile[] = ['classic', '6.18'];

export interface Sysctls {
  'vm.dirty_background_ratio': number;
  'vm.dirty_ratio': number;
  'vm.dirty_background_bytes': number;
  'vm.dirty_bytes': number;
  'vm.dirty_expire_centisecs': number;
  'vm.dirty_writeback_centisecs': number;
  'vm.swappiness': number;
}

export type SysctlKey = keyof Sysctls;

export interface Latencies {
  modeSwitchNs: number;
  memcpyBytesPerSec: number;
  dramNs: number;
  minorFaultNs: number;
  dmaSetupNs: number;
  nicBytesPerSec: number;
  /** Per request: fixed latency of the device (HDD: average seek). */
  diskLatencyNs: number;
  /** HDD only: average rotational delay, paid with the seek. */
  diskRotationNs: number;
  diskBytesPerSec: number;
}

export interface MachineConfig {
  kernel: KernelProfile;
  ramBytes: number;
  disk: DiskKind;
  blockSize: 512 | 4096;
  nic: NicKind;
  readAheadKb: number;
  /** Largest single disk request in KiB (max_sectors_kb); larger transfers are split into several. */
  maxSectorsKb: number;
  pageCacheLimit: number | null;
  socketBufferBytes: number;
  pipeBytes: number;
  sysctl: Sysctls;
  latency: Latencies;
}

export const DISK_PROFILES: Record<DiskKind, { latencyNs: number; rotationNs: number; bytesPerSec: number; label: string }> = {
  nvme: { latencyNs: 20_000, rotationNs: 0, bytesPerSec: 3e9, label: 'NVMe SSD' },
  ssd: { latencyNs: 80_000, rotationNs: 0, bytesPerSec: 500e6, label: 'SATA SSD' },
  hdd: { latencyNs: 4_000_000, rotationNs: 4_170_000, bytesPerSec: 150e6, label: '7200 rpm HDD' },
};

export function defaultConfig(disk: DiskKind = 'nvme'): MachineConfig {
  const p = DISK_PROFILES[disk];
  return {
    kernel: 'classic',
    ramBytes: 1 * GiB,
    disk,
    blockSize: 512,
    nic: 'sg-dma',
    readAheadKb: 128,
    maxSectorsKb: 1024,
    pageCacheLimit: null,
    socketBufferBytes: 212_992,
    pipeBytes: 64 * KiB,
    sysctl: {
      'vm.dirty_background_ratio': 10,
      'vm.dirty_ratio': 20,
      'vm.dirty_background_bytes': 0,
      'vm.dirty_bytes': 0,
      'vm.dirty_expire_centisecs': 3000,
      'vm.dirty_writeback_centisecs': 500,
      'vm.swappiness': 60,
    },
    latency: {
      modeSwitchNs: 50,
      memcpyBytesPerSec: 10e9,
      dramNs: 100,
      minorFaultNs: 250,
      dmaSetupNs: 1000,
      nicBytesPerSec: 1.25e9,
      diskLatencyNs: p.latencyNs,
      diskRotationNs: p.rotationNs,
      diskBytesPerSec: p.bytesPerSec,
    },
  };
}

export function cloneConfig(c: MachineConfig): MachineConfig {
  // Built on the default's literal and overwritten, so that every machine's config (and checkpoint copies') has one
  // hidden class: the model reads it on every step.
  const d = defaultConfig(c.disk);
  const { sysctl, latency, ...rest } = c;
  Object.assign(d, rest);
  Object.assign(d.sysctl, sysctl);
  Object.assign(d.latency, latency);
  return d;
}

type ValueKind = 'size' | 'int' | 'duration' | 'rate' | 'enum' | 'size-or-none';

export interface ConfigKey {
  key: string;
  kind: ValueKind;
  choices?: readonly string[];
  /** What a person types, for messages and completions. */
  example: string;
  doc: string;
  /** A sysctl may also be changed while the program runs (`sysctl key = value`). */
  sysctl?: boolean;
  /** The range accepted, in the value's unit (bytes, ns, bytes/s); see RANGES below for where each comes from. */
  min?: number;
  max?: number;
  apply(config: MachineConfig, value: number | string | null): void;
}

const lat = (field: keyof Latencies) => (c: MachineConfig, v: number | string | null) => {
  c.latency[field] = v as number;
};
const sys = (field: SysctlKey) => (c: MachineConfig, v: number | string | null) => {
  c.sysctl[field] = v as number;
  // Linux: writing one of a ratio/bytes pair zeroes the other (mm/page-writeback.c handlers).
  if (field === 'vm.dirty_background_bytes' && (v as number) > 0) c.sysctl['vm.dirty_background_ratio'] = 0;
  if (field === 'vm.dirty_background_ratio') c.sysctl['vm.dirty_background_bytes'] = 0;
  if (field === 'vm.dirty_bytes' && (v as number) > 0) c.sysctl['vm.dirty_ratio'] = 0;
  if (field === 'vm.dirty_ratio') c.sysctl['vm.dirty_bytes'] = 0;
};

/**
 * Ranges. Past them a value is refused at its line: a latency of 99999999h or a rate of 0.001B/s made one transfer
 * take longer than the clock counts exactly (2^53 ns, limits.ts), and the times of a run rounded (a cached read in 0
 * ns). Linux's own bounds where it has them:
 * - memory: 64 TiB, what x86-64 with 4-level page tables addresses (MAX_PHYSMEM_BITS = 46);
 * - the socket buffer: INT_MAX (sk_sndbuf is an int); a pipe: 2 GiB (round_pipe_size refuses more than 1 << 31);
 * - the *_centisecs sysctls: INT_MAX (ints, proc_dointvec_minmax);
 * and the model's: latencies up to 10 s, rates from 1 kB/s to 10 TB/s (a 2 GiB call then takes at most 25 days).
 */
const MAX_RAM = 64 * 1024 * GiB;
const INT_MAX = 2 ** 31 - 1;
const MAX_LATENCY = 10e9;
const MIN_RATE = 1e3;
const MAX_RATE = 1e13;
const latency = { min: 0, max: MAX_LATENCY };
const rate = { min: MIN_RATE, max: MAX_RATE };

export const CONFIG_KEYS: readonly ConfigKey[] = [
  { key: 'kernel', kind: 'enum', choices: KERNEL_PROFILES, example: 'classic', doc: 'Which kernel\'s page-cache rules run: classic (the textbook readahead, 4 KiB folios) or 6.18 (large folios in readahead, ractl_max_pages). See docs/kernel-profiles.md.', apply: (c, v) => { c.kernel = v as KernelProfile; } },
  { key: 'ram', kind: 'size', example: '1GiB', min: 16 * MiB, max: MAX_RAM, doc: 'Physical memory. The page cache may use what the program\'s buffers leave.', apply: (c, v) => { c.ramBytes = v as number; } },
  {
    key: 'disk', kind: 'enum', choices: ['hdd', 'ssd', 'nvme'], example: 'nvme', doc: 'Block device kind; sets latency and bandwidth (model-spec §7).',
    apply: (c, v) => {
      const p = DISK_PROFILES[v as DiskKind];
      c.disk = v as DiskKind;
      c.latency.diskLatencyNs = p.latencyNs;
      c.latency.diskRotationNs = p.rotationNs;
      c.latency.diskBytesPerSec = p.bytesPerSec;
    },
  },
  { key: 'block_size', kind: 'enum', choices: ['512', '4096'], example: '512', doc: 'Logical block size of the disk; O_DIRECT buffers, lengths and offsets must be multiples of it.', apply: (c, v) => { c.blockSize = Number(v) as 512 | 4096; } },
  { key: 'nic', kind: 'enum', choices: ['plain', 'sg-dma'], example: 'sg-dma', doc: 'Network card: sg-dma gathers straight from page-cache pages (sendfile needs no CPU copy).', apply: (c, v) => { c.nic = v as NicKind; } },
  { key: 'read_ahead_kb', kind: 'int', example: '128', min: 0, max: 65536, doc: 'Maximum readahead window (/sys/block/<dev>/queue/read_ahead_kb).', apply: (c, v) => { c.readAheadKb = v as number; } },
  { key: 'max_sectors_kb', kind: 'int', example: '1024', min: 4, max: 1048576, doc: 'Largest single disk request in KiB (/sys/block/<dev>/queue/max_sectors_kb); larger transfers are split.', apply: (c, v) => { c.maxSectorsKb = v as number; } },
  { key: 'page_cache_limit', kind: 'size-or-none', example: '64MiB', min: 16 * 4 * KiB, max: MAX_RAM, doc: 'Caps the page cache (as a memory cgroup limit would); default: what RAM leaves. At least 64KiB: 16 pages, the smallest page cache the model runs.', apply: (c, v) => { c.pageCacheLimit = v as number | null; } },
  { key: 'socket_buffer', kind: 'size', example: '208KiB', min: 4 * KiB, max: INT_MAX, doc: 'Socket send buffer (net.core.wmem_default).', apply: (c, v) => { c.socketBufferBytes = v as number; } },
  { key: 'pipe_size', kind: 'size', example: '64KiB', min: 4 * KiB, max: 2 * GiB, doc: 'Pipe capacity (16 pages by default).', apply: (c, v) => { c.pipeBytes = v as number; } },
  { key: 'vm.dirty_background_ratio', kind: 'int', example: '10', min: 0, max: 100, sysctl: true, doc: '% of dirtyable memory above which the flusher starts background writeback.', apply: sys('vm.dirty_background_ratio') },
  { key: 'vm.dirty_ratio', kind: 'int', example: '20', min: 0, max: 100, sysctl: true, doc: '% of dirtyable memory at which writers are throttled hardest (gradual from the freerun point).', apply: sys('vm.dirty_ratio') },
  { key: 'vm.dirty_background_bytes', kind: 'size', example: '0', sysctl: true, doc: 'Byte form of dirty_background_ratio; setting it zeroes the ratio.', apply: sys('vm.dirty_background_bytes') },
  { key: 'vm.dirty_bytes', kind: 'size', example: '0', sysctl: true, doc: 'Byte form of dirty_ratio; setting it zeroes the ratio.', apply: sys('vm.dirty_bytes') },
  { key: 'vm.dirty_expire_centisecs', kind: 'int', example: '3000', min: 0, max: INT_MAX, sysctl: true, doc: 'Dirty data older than this (3000 = 30 s) is written at the next flusher wake-up.', apply: sys('vm.dirty_expire_centisecs') },
  { key: 'vm.dirty_writeback_centisecs', kind: 'int', example: '500', min: 0, max: INT_MAX, sysctl: true, doc: 'Flusher period (500 = 5 s); 0 disables periodic writeback.', apply: sys('vm.dirty_writeback_centisecs') },
  { key: 'vm.swappiness', kind: 'int', example: '60', min: 0, max: 200, sysctl: true, doc: 'Reclaim balance between anonymous and file pages; shown, not modeled (no anonymous memory here).', apply: sys('vm.swappiness') },
  { key: 'mode_switch', kind: 'duration', example: '50ns', ...latency, doc: 'One user↔kernel mode transition (a syscall round trip is two).', apply: lat('modeSwitchNs') },
  { key: 'memcpy_rate', kind: 'rate', example: '10GB/s', ...rate, doc: 'CPU copy bandwidth.', apply: lat('memcpyBytesPerSec') },
  { key: 'dram_latency', kind: 'duration', example: '100ns', ...latency, doc: 'One DRAM access (charged per page-cache lookup).', apply: lat('dramNs') },
  { key: 'minor_fault', kind: 'duration', example: '250ns', ...latency, doc: 'Handling a minor page fault.', apply: lat('minorFaultNs') },
  { key: 'dma_setup', kind: 'duration', example: '1us', ...latency, doc: 'Programming a DMA transfer and taking its completion interrupt.', apply: lat('dmaSetupNs') },
  { key: 'nic_rate', kind: 'rate', example: '1.25GB/s', ...rate, doc: 'Network link bandwidth (10 GbE).', apply: lat('nicBytesPerSec') },
  { key: 'disk_latency', kind: 'duration', example: '20us', ...latency, doc: 'Per-request device latency (HDD: average seek).', apply: lat('diskLatencyNs') },
  { key: 'disk_rotation', kind: 'duration', example: '4.17ms', ...latency, doc: 'HDD average rotational delay, paid with each seek.', apply: lat('diskRotationNs') },
  { key: 'disk_rate', kind: 'rate', example: '3GB/s', ...rate, doc: 'Disk transfer bandwidth.', apply: lat('diskBytesPerSec') },
];

const BY_KEY = new Map(CONFIG_KEYS.map((k) => [k.key, k]));

export function findConfigKey(key: string): ConfigKey | undefined {
  return BY_KEY.get(key);
}

const RATE_UNITS: Record<string, number> = { 'b/s': 1, 'kb/s': 1e3, 'mb/s': 1e6, 'gb/s': 1e9, 'tb/s': 1e12, 'kib/s': 1024, 'mib/s': 1024 ** 2, 'gib/s': 1024 ** 3 };

/** Parses a rate such as "3GB/s" (decimal units, as drive and NIC makers state them) into bytes per second. */
export function parseRate(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)\s*([a-zA-Z]+\/s)$/.exec(text.trim());
  if (!m) return null;
  const mult = RATE_UNITS[m[2].toLowerCase()];
  return mult === undefined ? null : Number(m[1]) * mult;
}

export type ParsedValue = { ok: true; value: number | string | null } | { ok: false; expected: string };

/** Checks a raw value text against a key; the error names what was expected. */
export function parseConfigValue(k: ConfigKey, raw: string | number | boolean): ParsedValue {
  const text = String(raw).trim();
  const fail = (expected: string): ParsedValue => ({ ok: false, expected });
  let value: number | string | null;
  switch (k.kind) {
    case 'enum':
      if (!k.choices!.includes(text)) return fail(`one of ${k.choices!.join(' | ')}`);
      return { ok: true, value: text };
    case 'int':
      if (!/^\d+$/.test(text)) return fail('a whole number');
      value = Number(text);
      break;
    case 'size':
      value = parseSize(text);
      if (value === null) return fail('a size such as 64MiB, 4KiB or 512');
      break;
    case 'size-or-none':
      if (text === 'none') return { ok: true, value: null };
      value = parseSize(text);
      if (value === null) return fail('a size such as 64MiB, or none');
      break;
    case 'duration':
      value = parseDuration(text);
      if (value === null) return fail('a duration such as 50ns, 20us, 4ms or 1s');
      break;
    case 'rate':
      value = parseRate(text);
      if (value === null || value <= 0) return fail('a rate such as 3GB/s or 500MB/s');
      break;
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return fail('a finite value');
    if (k.min !== undefined && value < k.min) return fail(`at least ${showValue(k, k.min)}`);
    if (k.max !== undefined && value > k.max) return fail(`at most ${showValue(k, k.max)}`);
  }
  return { ok: true, value };
}

/** A bound as a person writes it for the key: 16MiB, 10s, 1kB/s; a plain number for counts. */
function showValue(k: ConfigKey, v: number): string {
  switch (k.kind) {
    case 'size':
    case 'size-or-none':
      // Whole units only (16 MiB, 64 TiB); an odd bound such as INT_MAX is given in bytes.
      for (const [unit, size] of [['TiB', 1024 * GiB], ['GiB', GiB], ['MiB', MiB], ['KiB', KiB]] as const) {
        if (v >= size && v % size === 0) return `${v / size}${unit}`;
      }
      return `${v} bytes`;
    case 'duration':
      return v >= 1e9 && v % 1e9 === 0 ? `${v / 1e9}s` : v >= 1e6 && v % 1e6 === 0 ? `${v / 1e6}ms` : v >= 1e3 && v % 1e3 === 0 ? `${v / 1e3}us` : `${v}ns`;
    case 'rate':
      return v >= 1e12 ? `${v / 1e12}TB/s` : v >= 1e9 ? `${v / 1e9}GB/s` : v >= 1e6 ? `${v / 1e6}MB/s` : v >= 1e3 ? `${v / 1e3}kB/s` : `${v}B/s`;
    default:
      return String(v);
  }
}

/** The disk kind must be applied before latency overrides, whatever order they were written in. */
export function applyOverrides(base: MachineConfig, entries: Iterable<[string, number | string | null]>): MachineConfig {
  const c = cloneConfig(base);
  const list = [...entries];
  const rank = (key: string) => (key === 'disk' ? 0 : 1);
  list.sort((a, b) => rank(a[0]) - rank(b[0]));
  for (const [key, value] of list) {
    const k = findConfigKey(key);
    if (k) k.apply(c, value);
  }
  return c;
}
