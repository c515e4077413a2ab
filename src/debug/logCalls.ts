/**
 * The calls of a strace log by their own names, for function breakpoints. The replay turns a log's calls into the
 * model's operations (readv and sendto become read and write; fstat, exit_group and every call the model does not
 * simulate become a `syscall` operation that is only shown), so an operation's name does not say which call of the
 * log it came from; its line does. The lines of a name are found by reading the log once for that name.
 */
import { FileSource, LineKind, parseLine } from '../program/strace/index';

export class LogCalls {
  private readonly lines = new Map<string, ReadonlySet<number>>();

  /** `names`: the log's calls by name (the loader counted them). */
  constructor(private readonly path: string, private readonly names: ReadonlyMap<string, number>) {}

  has(name: string): boolean {
    return this.names.has(name);
  }

  /** Names of the log's calls, most frequent first (for messages). */
  commonest(n: number): string[] {
    return [...this.names].sort((a, b) => b[1] - a[1]).slice(0, n).map(([name]) => name);
  }

  /** The 1-based lines where a call of this name starts (a split call: the line of its first half). */
  linesOf(name: string): ReadonlySet<number> {
    const known = this.lines.get(name);
    if (known) return known;
    const found = new Set<number>();
    if (this.names.has(name)) {
      const source = new FileSource(this.path);
      try {
        const cursor = source.open();
        const needle = `${name}(`;
        let n = 0;
        for (let text = cursor.next(); text !== null; text = cursor.next()) {
          n++;
          if (!text.includes(needle)) continue;
          const p = parseLine(text);
          if ((p.kind === LineKind.Call || p.kind === LineKind.Unfinished) && p.name === name) found.add(n);
        }
      } finally {
        source.close();
      }
    }
    this.lines.set(name, found);
    return found;
  }
}
