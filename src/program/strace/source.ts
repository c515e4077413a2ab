/**
 * The operations of a strace log, one line after the other, as an OperationSource: the debugger and the CLI run
 * it like a scenario. Its state is the position in the text plus the replay's small tables.
 */
import type { Operation } from '../../machine/operation';
import type { OperationSource } from '../source';
import type { Knowledge } from './evidence';
import type { LineCursor, LineSource } from './lines';
import type { LastCall } from './logText';
import { Replayer, type ReplayState } from './replay';

export class StraceSource implements OperationSource {
  private cursor: LineCursor;
  private r: Replayer;

  /**
   * `know`: what the first pass learnt of the log (load.ts); `last`: where the replay leaves the complete call line it
   * read last (shared with the log's LogText, which prints from it).
   */
  constructor(lines: LineSource, know: Knowledge, last: LastCall | null = null) {
    this.cursor = lines.open();
    this.r = new Replayer(know, null, last);
    this.r.openInherited();
  }

  next(): Operation | null {
    const r = this.r;
    // An operation handed out and never answered (a source used without complete()) counts as failed.
    r.q.done(-1);
    while (!r.q.queued) {
      if (r.ended) return null;
      if (!r.feed(this.cursor)) r.end();
    }
    return r.q.take();
  }

  complete(result: number): void {
    this.r.q.done(result);
  }

  snapshot(): ReplayState {
    return this.r.save(this.cursor.offset);
  }

  restore(state: unknown): void {
    const s = state as ReplayState;
    this.r.load(s);
    this.cursor.seek(s.offset);
  }

  peek(): { line: number; col: number } | null {
    const saved = this.snapshot();
    const op = this.next();
    this.restore(saved);
    return op ? { line: op.line, col: op.col } : null;
  }

  /** The processes of the log so far, as `pid N` → thread index (for hover and evaluate). */
  variables(): ReadonlyMap<string, number> {
    const m = new Map<string, number>();
    for (const p of this.r.t.procs.values()) if (p.pid >= 0) m.set(`pid ${p.pid}${p.name ? ` (${p.name})` : ''}`, p.thread);
    return m;
  }
}
