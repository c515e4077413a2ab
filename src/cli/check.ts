/**
 * `iosim check LOG [--json]`: replays a log made by `iosim record` on its recorded machine (LOG.host.json: profile,
 * kernel, starting page cache) and compares, file by file, the pages the real kernel had resident right after the run
 * (mincore) with the pages the model has cached at its end. Files compared: those whose residency was measured
 * before the run too (the --cold and --watch paths), or that were known absent before it (a --watch path the command
 * created: it started with no page); the others the log touched are listed, not scored, since where they started is
 * not known. A check that compared no file has no score (null), and says so.
 */
import type { Machine } from '../machine/machine';
import { PG_DIRTY } from '../machine/pagecache';
import { toRuns, type HostRecord } from '../program/hostRecord';

export interface FileCheck {
  path: string;
  realPages: number;
  modelPages: number;
  /** Index runs [first, last] resident only in the real kernel / only in the model. */
  onlyReal: [number, number][];
  onlyModel: [number, number][];
  /** Pages both have over pages either has (1 when both have none). */
  match: number;
  /**
   * Of onlyReal, the pages in ranges the log maps (mmap of this file), and the first such mmap's line: pages a program
   * faults in through its mapping, which strace does not see. Absent when none.
   */
  mappedOnlyReal?: { pages: number; line: number };
}

export interface CheckResult {
  files: FileCheck[];
  matchedPages: number;
  /** All files' common pages over all files' pages of either side (1 when they have none); null when no file was compared. */
  score: number | null;
}

/** The extra facts of the text form: dirty pages of the model and the files not compared. */
export interface CheckNotes {
  modelDirty: Map<string, number>;
  notCompared: string[];
}

function expand(runs: readonly (readonly [number, number])[]): Set<number> {
  const s = new Set<number>();
  for (const [a, b] of runs) for (let i = a; i <= b; i++) s.add(i);
  return s;
}

/** The ranges a log maps, as StraceInfo.mapped has them: pages [first, last] of `path`, mapped at `line`. */
export type MappedRange = { path: string; first: number; last: number; line: number };

/**
 * Compares the recorded "after" residency with the machine's page cache at the end of the replay; `mapped`: the file
 * ranges the log maps (its mmap calls), to tell which pages only the real kernel has lie in them.
 */
export function checkResidency(rec: HostRecord, m: Machine, mapped: readonly MappedRange[] = []): { result: CheckResult; notes: CheckNotes } {
  const files: FileCheck[] = [];
  const modelDirty = new Map<string, number>();
  const notCompared: string[] = [];
  let both = 0;
  let either = 0;
  for (const f of rec.files) {
    if (!f.after || !(f.before || f.absentBefore)) {
      notCompared.push(f.path);
      continue;
    }
    const real = expand(f.after.runs);
    const obj = m.files.get(f.path);
    const pages = obj ? m.cache.pagesOf(obj.id) : undefined;
    const model = new Set<number>(pages ? pages.keys() : []);
    let dirty = 0;
    if (pages) for (const p of pages.values()) if (p.flags & PG_DIRTY) dirty++;
    modelDirty.set(f.path, dirty);
    const onlyReal = [...real].filter((i) => !model.has(i));
    const onlyModel = [...model].filter((i) => !real.has(i));
    const common = real.size - onlyReal.length;
    const union = real.size + onlyModel.length;
    both += common;
    either += union;
    const check: FileCheck = { path: f.path, realPages: real.size, modelPages: model.size, onlyReal: toRuns(onlyReal), onlyModel: toRuns(onlyModel), match: union === 0 ? 1 : common / union };
    const maps = mapped.filter((r) => r.path === f.path);
    const inMaps = maps.length === 0 ? [] : onlyReal.filter((i) => maps.some((r) => i >= r.first && i <= r.last));
    if (inMaps.length > 0) check.mappedOnlyReal = { pages: inMaps.length, line: Math.min(...maps.filter((r) => inMaps.some((i) => i >= r.first && i <= r.last)).map((r) => r.line)) };
    files.push(check);
  }
  return { result: { files, matchedPages: both, score: files.length === 0 ? null : either === 0 ? 1 : both / either }, notes: { modelDirty, notCompared } };
}

const runsText = (r: [number, number][]) => (r.length ? r.slice(0, 6).map(([a, b]) => (a === b ? `${a}` : `${a}–${b}`)).join(', ') + (r.length > 6 ? `, … (${r.length} runs)` : '') : '—');

/** The comparison for people; `kernel`: the profile the replay ran (the record's unless --set changed it). */
export function checkText(c: CheckResult, notes: CheckNotes, rec: HostRecord, kernel: string = rec.kernel.profile): string {
  const lines = [`recorded on Linux ${rec.kernel.release} (${rec.fs?.type ?? '?'}), replayed with kernel profile ${kernel}`];
  for (const f of c.files) {
    lines.push(`${f.path}: real ${f.realPages} pages, model ${f.modelPages} (${notes.modelDirty.get(f.path) ?? 0} dirty in the model; the real dirty count is not recorded), match ${(100 * f.match).toFixed(1)}%`);
    lines.push(`  only real:  ${runsText(f.onlyReal)}`);
    lines.push(`  only model: ${runsText(f.onlyModel)}`);
    const mm = f.mappedOnlyReal;
    if (mm) lines.push(`  ${mm.pages} of the ${f.onlyReal.reduce((n, [a, b]) => n + b - a + 1, 0)} pages only real lie in ranges the log maps (mmap at line ${mm.line}): strace sees the mmap call but not the page faults of the program's accesses to the mapped memory (nor the readahead they start), so those pages are not replayed`);
  }
  if (notes.notCompared.length) lines.push(`not compared (no residency measured before the run; name them with --watch): ${notes.notCompared.length} file${notes.notCompared.length === 1 ? '' : 's'}`);
  if (c.score === null) lines.push('nothing compared: no file the run left had its residency measured before the run (name the files with --watch or --cold when recording); no score');
  else lines.push(`matched pages ${c.matchedPages}, score ${(100 * c.score).toFixed(1)}%`);
  return lines.join('\n');
}
