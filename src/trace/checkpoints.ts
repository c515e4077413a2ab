/**
 * Where a trace keeps its checkpoints and when it takes the next one. As rr places them, so that going back costs a
 * bounded replay: one every `every` events (events are the unit of replay work, a run of pages being one event), but
 * never closer than a checkpoint's own cost warrants: at least one event apart for each folio the last one froze anew
 * and each index node it listed, and CHECKPOINT_EVENTS more (a checkpoint shares the nodes that did not change, so a
 * large cache that changes in few places is checkpointed as often as a small one; one that changes everywhere is not
 * frozen whole every few events), and within a memory budget: past it, every other checkpoint goes and the spacing
 * doubles, so memory stays bounded while the longest replay grows by half the spacing at a time.
 */
import { EXTENT_BYTES } from '../machine/content';
import { frozenNodeBytes } from '../machine/folio';
import type { Machine } from '../machine/machine';
import type { FrozenPageCache } from '../machine/pagecache';

export interface Checkpoint {
  /** Index of the next operation to execute. */
  op: number;
  /** Number of events recorded before it. */
  pos: number;
  /** The machine, its page cache frozen (index nodes shared with the previous checkpoint where unchanged). */
  frozen: { machine: Machine; pages: FrozenPageCache };
  cursor: unknown;
  /** Bytes of the machine copy besides its page cache and its contents' extents (an estimate). */
  machineBytes: number;
  /**
   * Bytes of the extents in content chunks that checkpoints alone hold since the one before (the live machine replaced
   * them: Kernel.retiredContentBytes); the chunks it shares with the live machine cost it nothing of its own.
   */
  contentBytes: number;
}

/** Bytes a checkpoint holds of its own: the machine copy and the list of its nodes. */
function ownBytes(cp: Checkpoint): number {
  return cp.machineBytes + 8 * cp.frozen.pages.nodes.length;
}

/** Adds each content chunk of `m` not in `seen` to it; returns their extents' bytes. */
function unseenChunkBytes(m: Machine, seen: Set<object>): number {
  let n = 0;
  m.forEachContent((c) => {
    c.forEachChunk((chunk, extents) => {
      if (seen.has(chunk)) return;
      seen.add(chunk);
      n += extents;
    });
  });
  return EXTENT_BYTES * n;
}

/** What a checkpoint costs besides its page cache (the machine's copy), in events' worth of replay. */
const CHECKPOINT_EVENTS = 64;

/** Memory the checkpoints may hold unless told otherwise. */
export const DEFAULT_BUDGET = 192 * 1024 * 1024;

export class Checkpoints {
  private list: Checkpoint[] = [];
  /** The current spacing in events: `every`, doubled each time the budget was exceeded. */
  private spacing: number;
  /** Bytes held: each distinct frozen index node once, every LRU order and machine copy. */
  bytes = 0;

  /** `every`: events between checkpoints (0: only the first); `budget`: bytes they may hold. */
  constructor(private readonly every: number, private readonly budget = DEFAULT_BUDGET) {
    this.spacing = every;
  }

  get count(): number {
    return this.list.length;
  }

  /** Whether a checkpoint is due once `events` are recorded. */
  due(events: number): boolean {
    if (this.every <= 0 || this.list.length === 0) return false;
    const last = this.list[this.list.length - 1];
    // Freezing costs about a folio's worth of work per folio frozen anew and a little per node listed: spaced at least
    // as far as the last one cost, checkpoints take a bounded share of the run however small `every` is. Not the
    // whole cache's folios (issue 10): the dd log's full 1 GiB cache (262k folios, few of them changed between two
    // checkpoints) spaced them 262k events apart, and a seek replayed up to that many.
    const pages = last.frozen.pages;
    return events - last.pos >= Math.max(this.spacing, CHECKPOINT_EVENTS + pages.nodes.length + pages.folios);
  }

  /** Adds `cp`, taken of the machine `live` (which goes on running). */
  add(cp: Checkpoint, live: Machine): void {
    this.list.push(cp);
    this.bytes += ownBytes(cp) + cp.frozen.pages.bytes + cp.contentBytes;
    while (this.bytes > this.budget && this.list.length > 2) this.thin(live);
  }

  /** Drops every other checkpoint but the first, doubles the spacing, and counts what is still held. */
  private thin(live: Machine): void {
    this.list = this.list.filter((_, i) => i % 2 === 0);
    this.spacing = Math.max(this.spacing, 1) * 2;
    this.recount(live);
  }

  /**
   * Bytes held now: shared frozen nodes and content chunks once each (one lives as long as a checkpoint holds it),
   * but for the content chunks the live machine holds too (they would be held without checkpoints).
   */
  private recount(live: Machine): void {
    const seen = new Set<object>();
    unseenChunkBytes(live, seen);
    let bytes = 0;
    for (const cp of this.list) {
      bytes += ownBytes(cp) + unseenChunkBytes(cp.frozen.machine, seen);
      for (const node of cp.frozen.pages.nodes) {
        if (seen.has(node)) continue;
        seen.add(node);
        bytes += frozenNodeBytes(node);
      }
    }
    this.bytes = bytes;
  }

  /** The last checkpoint at or before operation `op` and event position `pos` (the first always qualifies). */
  before(op: number, pos: number): Checkpoint {
    let lo = 0;
    let hi = this.list.length - 1;
    let ans = 0;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const c = this.list[mid];
      if (c.op <= op && c.pos <= pos) {
        ans = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return this.list[ans];
  }

  /** Forgets the checkpoints past operation `op` or event position `pos` (the future is re-run from there by `live`). */
  truncate(op: number, pos: number, live: Machine): void {
    this.list = this.list.filter((c) => c.op <= op && c.pos <= pos);
    this.recount(live);
  }
}
