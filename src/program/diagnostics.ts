/** Problems found in a scenario, positioned for an editor and printed the way compilers print them. */

export interface Diagnostic {
  severity: 'error' | 'warning';
  /** 1-based. */
  line: number;
  /** 1-based column of the first character. */
  col: number;
  endLine: number;
  /** 1-based column just after the last character (equal to col for a point such as the end of a line). */
  endCol: number;
  message: string;
}

/** An error at one point of a line (1-based): a run stopped there (a value past the model's limits, say). */
export function errorAt(line: number, col: number, message: string): Diagnostic {
  return { severity: 'error', line: Math.max(1, line), col: Math.max(1, col), endLine: Math.max(1, line), endCol: Math.max(1, col), message };
}

export function formatDiagnostic(path: string, d: Diagnostic): string {
  return `${path}:${d.line}:${d.col}: ${d.severity}: ${d.message}`;
}

/** Optimal string alignment distance: a swapped pair of letters ("rma" for "ram") counts as one edit. */
export function editDistance(a: string, b: string): number {
  const m = a.length;
  const n = b.length;
  let prev2: number[] = new Array<number>(n + 1).fill(0);
  let prev: number[] = Array.from({ length: n + 1 }, (_, j) => j);
  for (let i = 1; i <= m; i++) {
    const cur: number[] = [i];
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, prev2[j - 2] + 1);
      cur.push(v);
    }
    prev2 = prev;
    prev = cur;
  }
  return prev[n];
}

/** The closest candidate, if it is close enough that suggesting it would not puzzle the reader. */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  const lower = word.toLowerCase();
  // Short names differ from everything by a couple of edits, so the allowance grows with the length.
  const limit = lower.length <= 2 ? 0 : lower.length <= 3 ? 1 : lower.length <= 6 ? 2 : 3;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const cl = c.toLowerCase();
    // "dirty_ratio" for "vm.dirty_ratio": the prefix is what people forget, not a typo.
    const d = cl.endsWith('.' + lower) ? 1 : editDistance(lower, cl);
    if (d < bestDistance) {
      bestDistance = d;
      best = c;
    }
  }
  return bestDistance <= limit ? best : undefined;
}

export function didYouMean(word: string, candidates: Iterable<string>): string {
  const s = closest(word, candidates);
  return s === undefined ? '' : `; did you mean '${s}'?`;
}

/**
 * The lines of diagnostics left out past a cap, as ranges, so that the summary can still say where they are:
 * "5 more warnings not shown (lines 201–205)". Keeps at most `maxRanges` ranges (a log with a warning on every
 * other line of a million would otherwise keep them all) and counts the rest.
 */
export class LineRanges {
  /** [first, last] line, 1-based, in the order first seen. */
  readonly ranges: [number, number][] = [];
  /** Ranges past maxRanges: counted, not kept. */
  moreRanges = 0;
  count = 0;
  /** The largest line added. */
  maxLine = 0;

  constructor(readonly maxRanges = 20) {}

  add(line: number): void {
    this.count++;
    this.maxLine = Math.max(this.maxLine, line);
    const last = this.ranges[this.ranges.length - 1];
    if (last && line >= last[0] && line <= last[1] + 1) {
      last[1] = Math.max(last[1], line);
      return;
    }
    if (this.ranges.length < this.maxRanges) this.ranges.push([line, line]);
    else this.moreRanges++;
  }

  /** "201–205, 300" and, when some were not kept, "… and 12 more ranges up to line 980". */
  text(): string {
    const shown = [...this.ranges].sort((a, b) => a[0] - b[0]).map(([a, b]) => (a === b ? `${a}` : `${a}–${b}`)).join(', ');
    return this.moreRanges ? `${shown} and ${this.moreRanges} more range${this.moreRanges === 1 ? '' : 's'} up to line ${this.maxLine}` : shown;
  }
}
