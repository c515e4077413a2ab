/**
 * `--profile host` (and `"profile": "host"` in a launch configuration): the machine set from this computer's own
 * settings, for replaying a log recorded here. The disk's queue settings come from the block device under the
 * program's files (stat → /sys/dev/block/MAJ:MIN, a partition's parent disk), or under / when none of them is on
 * one; RAM from /proc/meminfo; the dirty-page sysctls from /proc/sys/vm; the kernel profile from the release
 * (/proc/sys/kernel/osrelease). Each value says where it was read, and what
 * could not be read or used is said too (notes). Explicit settings (--set, the launch's `machine`) apply after it.
 */
import { readFileSync, realpathSync, statSync } from 'node:fs';
import { applyOverrides, type KernelProfile } from '../machine/config';
import { checkOverrides, type MachineOverrides } from './load';
import type { ProgramSpec } from './source';

export const PROFILES = ['host'] as const;
export type ProfileName = (typeof PROFILES)[number];

export interface ProfileValue {
  key: string;
  value: string;
  /** Where it was read: a file of /sys or /proc, with the raw value when it was translated. */
  from: string;
}

export interface MachineProfile {
  name: ProfileName;
  /** The disk the values of /sys/block came from, and the file (or /) that led to it; null when none was found. */
  device: { name: string; under: string } | null;
  values: ProfileValue[];
  /** What could not be read or used, and why. */
  notes: string[];
  /**
   * A warning about the disk kind read: a virtual disk (virtio) that reports rotational = 1 is taken as hdd, which it
   * is not. Absent when there is nothing to say (and in profiles made before this field).
   */
  diskWarning?: string;
}

/** What the profile reads of the computer: files' text and devices. Tests give their own. */
export interface HostView {
  /** A file's text, or null when it cannot be read. */
  read(path: string): string | null;
  /** st_dev of a path, or null when it cannot be stat'ed. */
  dev(path: string): number | null;
  /** The path with links resolved, or null. */
  realpath(path: string): string | null;
}

const REAL_HOST: HostView = {
  read: (p) => {
    try {
      return readFileSync(p, 'utf8');
    } catch {
      return null;
    }
  },
  dev: (p) => {
    try {
      return statSync(p).dev;
    } catch {
      return null;
    }
  },
  realpath: (p) => {
    try {
      return realpathSync(p);
    } catch {
      return null;
    }
  },
};

/** Major and minor numbers of a dev_t (glibc's gnu_dev_major/minor; 64-bit dev_t in a double). */
export function majorMinor(dev: number): [number, number] {
  const d = BigInt(dev);
  const major = ((d >> 8n) & 0xfffn) | ((d >> 32n) & 0xfffff000n);
  const minor = (d & 0xffn) | ((d >> 12n) & 0xffffff00n);
  return [Number(major), Number(minor)];
}

/** The disk (not partition) that holds `path`: its name in /sys/block; null if it is on no block device. */
function diskOf(path: string, host: HostView): string | null {
  const dev = host.dev(path);
  if (dev === null) return null;
  const [major, minor] = majorMinor(dev);
  const sys = host.realpath(`/sys/dev/block/${major}:${minor}`);
  if (!sys) return null;
  // A partition's directory sits in its disk's and has a `partition` file; the queue settings are the disk's.
  const disk = host.read(`${sys}/partition`) !== null ? sys.slice(0, sys.lastIndexOf('/')) : sys;
  const name = disk.slice(disk.lastIndexOf('/') + 1);
  return host.read(`/sys/block/${name}/queue/read_ahead_kb`) !== null ? name : null;
}

/**
 * A virtio block device (a virtual machine's disk): its driver is virtio_blk (/sys/block/DEV/device/driver), or, when
 * that link cannot be read, its name is vdX (virtio_blk's naming, drivers/block/virtio_blk.c).
 */
export function isVirtio(disk: string, host: HostView): boolean {
  const driver = host.realpath(`/sys/block/${disk}/device/driver`);
  if (driver !== null) return driver.endsWith('/virtio_blk');
  return /^vd[a-z]+$/.test(disk);
}

/** Vm sysctls in the order they must be applied: a ratio before its bytes form (setting one zeroes the other). */
const VM_KEYS = ['dirty_background_ratio', 'dirty_background_bytes', 'dirty_ratio', 'dirty_bytes', 'dirty_expire_centisecs', 'dirty_writeback_centisecs'];

/**
 * This computer's settings for a program whose files are `files` (the largest first decides the device). Values
 * the model would refuse are left out with a note.
 */
export function hostProfile(files: readonly { path: string; size: number }[], host: HostView = REAL_HOST): MachineProfile {
  const values: ProfileValue[] = [];
  const notes: string[] = [];
  const add = (key: string, value: string, from: string) => {
    const { errors } = checkOverrides({ [key]: value });
    if (errors.length) notes.push(`${key} not set from ${from}: ${errors[0]}`);
    else values.push({ key, value, from });
  };
  const text = (p: string) => host.read(p)?.trim() ?? null;

  let disk: string | null = null;
  let under = '';
  let diskWarning: string | undefined;
  for (const f of [...files].sort((a, b) => b.size - a.size)) {
    disk = diskOf(f.path, host);
    if (disk) {
      under = f.path;
      break;
    }
  }
  if (!disk) {
    disk = diskOf('/', host);
    under = '/';
    notes.push(files.length ? 'none of the program\'s files is on a block device here: the disk is the root file system\'s' : 'the program names no file: the disk is the root file system\'s');
  }
  if (disk) {
    const q = `/sys/block/${disk}/queue`;
    const ra = text(`${q}/read_ahead_kb`);
    if (ra !== null) add('read_ahead_kb', ra, `${q}/read_ahead_kb`);
    const ms = text(`${q}/max_sectors_kb`);
    if (ms !== null) add('max_sectors_kb', ms, `${q}/max_sectors_kb`);
    const rot = text(`${q}/rotational`);
    if (rot !== null) add('disk', rot === '1' ? 'hdd' : disk.startsWith('nvme') ? 'nvme' : 'ssd', `${q}/rotational = ${rot}${rot === '1' ? '' : `, device ${disk}`}`);
    if (rot === '1' && isVirtio(disk, host)) {
      diskWarning = `${disk} is a virtio disk that reports rotational=1: modeled as hdd; \`iosim calibrate\` or --set disk=nvme fits it better`;
    }
    const lbs = text(`${q}/logical_block_size`);
    if (lbs !== null) add('block_size', lbs, `${q}/logical_block_size`);
  } else {
    notes.push('no block device found (not even under /): the disk keeps the model\'s defaults');
  }

  const meminfo = host.read('/proc/meminfo') ?? '';
  const kb = (field: string) => {
    const m = new RegExp(`^${field.replace(/[()]/g, '\\$&')}:\\s+(\\d+)\\s*kB`, 'm').exec(meminfo);
    return m ? Number(m[1]) : null;
  };
  const total = kb('MemTotal');
  if (total !== null) add('ram', `${total}KiB`, '/proc/meminfo MemTotal');
  else notes.push('MemTotal not found in /proc/meminfo: ram keeps its default');
  // global_dirtyable_memory (mm/page-writeback.c): free pages plus file LRU pages, not all of RAM; what other
  // programs hold (anonymous memory, the kernel's) is neither dirtyable nor the page cache's. The model's page cache
  // is what the rest of RAM leaves: capping it there gives the dirty thresholds (and reclaim) this computer has.
  const free = kb('MemFree');
  const active = kb('Active(file)');
  const inactive = kb('Inactive(file)');
  if (free !== null && active !== null && inactive !== null && total !== null && free + active + inactive < total) {
    add('page_cache_limit', `${free + active + inactive}KiB`, '/proc/meminfo MemFree + Active(file) + Inactive(file)');
  }

  for (const k of VM_KEYS) {
    const v = text(`/proc/sys/vm/${k}`);
    if (v === null) notes.push(`/proc/sys/vm/${k} not readable: vm.${k} keeps its default`);
    // A bytes form of 0 means "use the ratio", which the ratio's own line already said.
    else if (!(k.endsWith('_bytes') && v === '0')) add(`vm.${k}`, v, `/proc/sys/vm/${k}`);
  }
  const rel = text('/proc/sys/kernel/osrelease');
  if (rel !== null) add('kernel', profileForRelease(rel), `/proc/sys/kernel/osrelease = ${rel}`);
  else notes.push('/proc/sys/kernel/osrelease not readable: the kernel profile keeps its default');
  return { name: 'host', device: disk ? { name: disk, under } : null, values, notes, ...(diskWarning ? { diskWarning } : {}) };
}

/**
 * The model's kernel profile for a Linux release such as "6.18.0-rc3": 6.18 from 6.10 on (page_cache_sync_ra and
 * page_cache_ra_order of that era; exact for 6.17+, which keep ra->order), classic before.
 */
export function profileForRelease(release: string): KernelProfile {
  const m = /^(\d+)\.(\d+)/.exec(release);
  if (!m) return 'classic';
  const [maj, min] = [Number(m[1]), Number(m[2])];
  return maj > 6 || (maj === 6 && min >= 10) ? '6.18' : 'classic';
}

/** One line for people: which values the profile used and where it read them. */
export function describeProfile(p: MachineProfile): string {
  const used = p.values.map((v) => `${v.key}=${v.value} (${v.from})`).join(', ');
  const dev = p.device ? ` (disk ${p.device.name}, under ${p.device.under})` : '';
  const notes = [...p.notes, ...(p.diskWarning ? [p.diskWarning] : [])];
  return `profile ${p.name}${dev}: ${used || 'nothing could be read'}${notes.length ? `; ${notes.join('; ')}` : ''}`;
}

/**
 * Sets `spec`'s machine from `profile`, then the explicit `overrides` again on top (they were applied by the load,
 * before the profile was known, and must win). The overrides were checked by the load.
 */
export function applyProfile(spec: ProgramSpec, profile: MachineProfile, overrides?: MachineOverrides): void {
  const withProfile = applyOverrides(spec.config, profile.values.map((v): [string, number | string | null] => {
    const { entries } = checkOverrides({ [v.key]: v.value });
    return entries[0];
  }));
  spec.config = applyOverrides(withProfile, checkOverrides(overrides).entries);
}
