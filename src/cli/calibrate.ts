/**
 * `iosim calibrate LOG... [--save]`: a disk profile that fits the machine the logs were recorded on. Each log is
 * replayed on its recorded machine; the reads that waited for the disk (a page-read I/O wait in the model: cold
 * buffered reads, O_DIRECT reads) give samples (bytes the call read from the disk, the call's recorded time). A least
 * squares line time = latency + bytes / rate over them gives the disk's latency and bandwidth (at least two read sizes
 * are needed: a cold 32 KiB read and O_DIRECT 1 MiB reads, say). The disk is set non-rotational (no seek): a virtual
 * disk often reports rotational = 1 and is not a spinning one. `--save` writes the values into each LOG.host.json's
 * profile, so that replays and `iosim check` use them.
 */
import { writeFileSync } from 'node:fs';
import { DISK_PROFILES } from '../machine/config';
import { Ev, WaitReason } from '../machine/events';
import { formatBytes, formatDuration } from '../machine/units';
import { hostRecordPath, readHostRecord, type HostRecord } from '../program/hostRecord';
import type { AdviseDeps } from './advise';
import { loadProgramFile } from '../program/loadProgram';
import type { ProgramSpec } from '../program/source';
import { Trace } from '../trace/trace';

export interface DiskSample {
  bytes: number;
  recordedNs: number;
  modeledNs: number;
}

/**
 * The reads of a replay that waited for page or direct I/O, with the disk bytes they started. Only reads of `paths`
 * when given (the files whose starting residency was measured: the others may have been cached for real).
 */
export function diskSamples(spec: ProgramSpec, paths?: ReadonlySet<string>): DiskSample[] {
  const t = new Trace(spec, { checkpointEvery: 0 });
  const out: DiskSample[] = [];
  for (;;) {
    const i = t.step();
    if (i < 0) break;
    const r = t.ops.get(i);
    const rec = r.recorded?.durationNs;
    if (rec === undefined || r.dmaBytes === 0 || !['read', 'pread', 'aio_read', 'uring_read'].includes(r.name)) continue;
    if (paths) {
      const o = t.machine.fds.get(r.args[0]);
      if (!o || o.kind !== 'file' || !paths.has(t.machine.filesById[o.fileId].path)) continue;
    }
    // A read that also started async readahead did not wait for all the bytes it sent to the disk: left out.
    let waited = false;
    let async = false;
    for (let p = r.startPos; p <= r.endPos; p++) {
      const kind = t.events.kind(p);
      if (kind === Ev.Block && t.events.b(p) === WaitReason.PageIo) waited = true;
      else if (kind === Ev.ReadaheadAsync) async = true;
    }
    if (waited && !async) out.push({ bytes: r.dmaBytes, recordedNs: rec, modeledNs: r.endNs - r.startNs });
  }
  return out;
}

/** The fastest disk the model has (nvme, bytes/s): the fit's bandwidth is held at or below it. */
export const MAX_DISK_RATE = DISK_PROFILES.nvme.bytesPerSec;

export interface DiskFit {
  latencyNs: number;
  bytesPerSec: number;
  /** Set when the line did not rise steeply enough (bandwidth held at MAX_DISK_RATE): why, for people. */
  limited?: string;
}

/**
 * time = latencyNs + bytes / bytesPerSec by least squares over the median time of each read size (each size counts
 * once: 64 O_DIRECT reads of one size must not outweigh the rest, and a median (the lower of two) ignores the odd
 * slow call), constrained to 0 < bytesPerSec <= MAX_DISK_RATE: when the recorded times do not grow with the size (a
 * virtual disk, whose time is mostly a fixed cost) the slope is held at 1 / MAX_DISK_RATE and the latency is the mean
 * of time - bytes / MAX_DISK_RATE over the sizes (the least squares latency for that slope), and `limited` says so.
 * Latency is at least 0. null with fewer than two distinct sizes.
 */
export function fitDisk(samples: readonly DiskSample[]): DiskFit | null {
  const bySize = new Map<number, number[]>();
  for (const s of samples) bySize.set(s.bytes, [...(bySize.get(s.bytes) ?? []), s.recordedNs]);
  if (bySize.size < 2) return null;
  const pts = [...bySize].sort((a, b) => a[0] - b[0]).map(([x, ys]) => [x, ys.sort((a, b) => a - b)[(ys.length - 1) >> 1]] as const);
  const n = pts.length;
  const mx = pts.reduce((a, [x]) => a + x, 0) / n;
  const my = pts.reduce((a, [, y]) => a + y, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (const [x, y] of pts) {
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) ** 2;
  }
  const slope = sxy / sxx;
  const minSlope = 1e9 / MAX_DISK_RATE;
  if (slope >= minSlope) return { latencyNs: Math.max(0, my - slope * mx), bytesPerSec: 1e9 / slope };
  const [sx, sy] = pts[0];
  const [lx, ly] = pts[n - 1];
  const grows = slope > 0 ? 'grow less with the read size than the fastest disk allows' : 'do not grow with the read size';
  return {
    latencyNs: Math.max(0, my - minSlope * mx),
    bytesPerSec: MAX_DISK_RATE,
    limited: `the recorded times ${grows} (${formatBytes(sx)} reads ${formatDuration(sy)}, ${formatBytes(lx)} reads ${formatDuration(ly)}, medians; ` +
      `a virtual disk's time is mostly a fixed cost): bandwidth held at ${formatBytes(MAX_DISK_RATE)}/s, the model's nvme, latency fitted to it`,
  };
}

/** The --set values of a fit (disk first: it resets latency and rate). */
export function calibrationValues(fit: DiskFit): { key: string; value: string }[] {
  return [
    { key: 'disk', value: 'ssd' },
    { key: 'disk_latency', value: `${Math.round(fit.latencyNs / 1000)}us` },
    { key: 'disk_rate', value: `${Math.round(fit.bytesPerSec / 1e6)}MB/s` },
  ];
}

/** Modeled over recorded time, summed over the waiting reads. */
export function modeledOverRecorded(samples: readonly DiskSample[]): number {
  const rec = samples.reduce((a, s) => a + s.recordedNs, 0);
  return rec > 0 ? samples.reduce((a, s) => a + s.modeledNs, 0) / rec : NaN;
}

/**
 * Calibrates a log just recorded (iosim record on a virtual disk): replays it on its host record's machine, fits the
 * disk to its waiting reads of the files measured before the run, and saves the values into LOG.host.json. null (and
 * nothing saved) when the log cannot be replayed or has no reads of two sizes that waited for the disk.
 */
export function calibrateRecording(logPath: string, rec: HostRecord): { fit: DiskFit; reads: number; values: { key: string; value: string }[] } | null {
  const loaded = loadProgramFile(logPath);
  if (!loaded.spec) return null;
  const samples = diskSamples(loaded.spec, new Set(rec.files.filter((f) => f.before).map((f) => f.path)));
  const fit = fitDisk(samples);
  if (!fit) return null;
  const values = calibrationValues(fit);
  saveCalibration(logPath, rec, values);
  return { fit, reads: samples.length, values };
}

/** Writes the values into a host record's profile (replacing earlier disk values) and saves it. */
export function saveCalibration(logPath: string, rec: HostRecord, values: readonly { key: string; value: string }[]): void {
  const keys = new Set(values.map((v) => v.key));
  rec.profile.values = [...rec.profile.values.filter((v) => !keys.has(v.key)), ...values.map((v) => ({ ...v, from: 'iosim calibrate' }))];
  writeFileSync(hostRecordPath(logPath), JSON.stringify(rec, null, 1).replace(/\[\s*(\d+),\s*(\d+)\s*\]/g, '[$1, $2]') + '\n');
}

/** A line per log for people: its samples and modeled/recorded before and after. */
export function describeRatio(path: string, before: number, after: number, n: number): string {
  return `${path}: ${n} waiting read${n === 1 ? '' : 's'}, modeled/recorded ${before.toFixed(2)}× → ${after.toFixed(2)}×`;
}

/** The files of a recorded log whose residency was measured before the run (undefined: no host record). */
function measured(log: string): Set<string> | undefined {
  const rec = readHostRecord(log);
  return rec ? new Set(rec.files.filter((f) => f.before).map((f) => f.path)) : undefined;
}

/** `iosim calibrate LOG... [--save]`: the fit, its --set values, each log's modeled/recorded ratio before and after. */
export function cmdCalibrate(args: string[], deps: AdviseDeps): number {
  const { err, out } = deps;
  const { flags, rest } = deps.parseFlags(args, { save: 'bool' });
  if (rest.length === 0) throw deps.usage('calibrate needs at least one LOG');
  const per: [string, DiskSample[]][] = [];
  for (const p of rest) {
    const loaded = deps.loadFile(p);
    if (!loaded) return 1;
    let paths: Set<string> | undefined;
    try {
      paths = measured(p);
    } catch (e) {
      err(`iosim: ${(e as Error).message}`);
      return 1;
    }
    per.push([p, diskSamples(loaded.spec!, paths)]);
  }
  const all = per.flatMap(([, s]) => s);
  const fit = fitDisk(all);
  if (!fit) {
    const sizes = [...new Set(all.map((s) => s.bytes))];
    const found = all.length === 0 ? 'found none' : `found ${all.length} read${all.length === 1 ? '' : 's'}, all of ${formatBytes(sizes[0])}`;
    err(`iosim: calibrate needs reads that waited for the disk, of at least two sizes (a cold 32 KiB read and O_DIRECT 1 MiB reads, say); ${found}`);
    return 1;
  }
  const values = calibrationValues(fit);
  out(`disk from ${all.length} reads that waited for it: latency ${formatDuration(fit.latencyNs)}, ${formatBytes(fit.bytesPerSec)}/s`);
  if (fit.limited) out(`  note: ${fit.limited}`);
  out(`  ${values.map((v) => `--set ${v.key}=${v.value}`).join(' ')}`);
  const set = Object.fromEntries(values.map((v) => [v.key, v.value]));
  for (const [p, before] of per) {
    const loaded = deps.loadFile(p, set);
    if (!loaded) return 1;
    out(describeRatio(p, modeledOverRecorded(before), modeledOverRecorded(diskSamples(loaded.spec!, measured(p))), before.length));
  }
  if (flags.has('save')) {
    for (const [p] of per) {
      const rec = readHostRecord(p);
      if (!rec) {
        err(`iosim: ${p} has no host record: not saved`);
        continue;
      }
      try {
        saveCalibration(p, rec, values);
      } catch (e) {
        err(`iosim: cannot write ${hostRecordPath(p)}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
        return 1;
      }
    }
  }
  return 0;
}
