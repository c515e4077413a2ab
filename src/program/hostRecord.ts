/**
 * The machine a log was recorded on: `LOG.host.json`, written by `iosim record` beside the log. It holds the
 * `--profile host` values of that computer, its kernel release and the profile that models it, the file system, and
 * the page-cache residency (mincore) of the files before and after the run. A replay of the log applies it
 * automatically: the recorded profile (then the explicit settings on top) and the "before" residency as the page
 * cache the program starts with. `iosim check` compares the "after" residency with the model's.
 */
import { existsSync, readFileSync } from 'node:fs';
import { applyOverrides, KERNEL_PROFILES, type KernelProfile } from '../machine/config';
import type { FileSpec } from '../machine/kernel';
import { checkOverrides, type MachineOverrides } from './load';
import { profileForRelease, type MachineProfile } from './profile';
import type { ProgramSpec } from './source';

/** Resident pages of one file as mincore saw them: index runs [first, last], inclusive. */
export interface Residency {
  /** The file's size in bytes when it was measured. */
  size: number;
  pages: number;
  runs: [number, number][];
}

export interface HostFile {
  path: string;
  /** Measured before the command ran (the --cold and --watch paths); null when not measured or absent then. */
  before: Residency | null;
  /**
   * True when the path did not exist before the run (a --watch path the command created): it started with no page,
   * though `before` is null. Absent in records made before this field.
   */
  absentBefore?: true;
  /** Measured right after it ended; null when the file no longer existed. */
  after: Residency | null;
  /** Why the file is listed: 'cold' (evicted first), 'watch', 'log' (the log touched it). */
  why: ('cold' | 'watch' | 'log')[];
}

export interface HostRecord {
  version: 1;
  command: string[];
  recordedAt: string;
  /** uname -r, and the model's profile for it (6.18 for 6.10 and later, classic before). */
  kernel: { release: string; profile: KernelProfile };
  /** The file system under the program's largest file (from /proc/self/mountinfo). */
  fs: { type: string; source: string; mount: string } | null;
  profile: MachineProfile;
  files: HostFile[];
}

export { profileForRelease };

/** Sorted page indexes → inclusive runs. */
export function toRuns(pages: Iterable<number>): [number, number][] {
  const runs: [number, number][] = [];
  for (const i of [...pages].sort((a, b) => a - b)) {
    const r = runs[runs.length - 1];
    if (r && r[1] === i - 1) r[1] = i;
    else if (!r || r[1] < i) runs.push([i, i]);
  }
  return runs;
}

/** One line for people: where the machine came from. */
export function describeHostRecord(logPath: string, rec: HostRecord): string {
  const before = rec.files.filter((f) => f.before).length;
  // A disk warning stands unless a calibration replaced the disk it is about.
  const calibrated = rec.profile.values.some((v) => v.key === 'disk' && v.from === 'iosim calibrate');
  const warning = rec.profile.diskWarning && !calibrated ? `; ${rec.profile.diskWarning}` : '';
  return `machine from ${hostRecordPath(logPath)}: Linux ${rec.kernel.release} → kernel ${rec.kernel.profile}, ${rec.profile.values.map((v) => `${v.key}=${v.value}`).join(', ')}; starting page cache of ${before} file${before === 1 ? '' : 's'}${warning}`;
}

export function hostRecordPath(logPath: string): string {
  return `${logPath}.host.json`;
}

/**
 * Reads `LOG.host.json`; null when there is none. A file that is there but not a host record is an error naming it
 * and what was expected.
 */
export function readHostRecord(logPath: string): HostRecord | null {
  const p = hostRecordPath(logPath);
  if (!existsSync(p)) return null;
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(p, 'utf8'));
  } catch (e) {
    throw new Error(`${p}: not JSON (${(e as Error).message})`);
  }
  const r = doc as Partial<HostRecord>;
  if (r.version !== 1 || !r.kernel || !KERNEL_PROFILES.includes(r.kernel.profile) || !r.profile || !Array.isArray(r.files)) {
    throw new Error(`${p}: expected a host record of iosim record (version 1, kernel.profile one of ${KERNEL_PROFILES.join(' | ')}, profile, files)`);
  }
  return r as HostRecord;
}

/**
 * Sets a loaded log's machine from its host record: the recorded profile's values and kernel, then `overrides`
 * again on top; each file's size and starting page cache from its "before" residency (files measured before the run
 * that the log does not name are added).
 */
export function applyHostRecord(spec: ProgramSpec, rec: HostRecord, overrides?: MachineOverrides): void {
  const entries = [...rec.profile.values.map((v) => [v.key, v.value] as const), ['kernel', rec.kernel.profile] as const];
  const checked = checkOverrides(Object.fromEntries(entries));
  const withRecord = applyOverrides(spec.config, checked.entries);
  spec.config = applyOverrides(withRecord, checkOverrides(overrides).entries);
  const byPath = new Map(rec.files.map((f) => [f.path, f]));
  const files: FileSpec[] = spec.files.map((f) => {
    const b = byPath.get(f.path)?.before;
    return b ? { path: f.path, size: b.size, cached: b.runs } : f;
  });
  // A measured file the log never names (a --watch path) is on the machine too, with its pages.
  const named = new Set(spec.files.map((f) => f.path));
  for (const f of rec.files) if (f.before && !named.has(f.path)) files.push({ path: f.path, size: f.before.size, cached: f.before.runs });
  spec.files = files;
}
