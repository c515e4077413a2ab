/**
 * A node of a file's page-cache index (mapping.ts; the xarray's struct xa_node): up to NODE_MAX folios in index order,
 * with counts of its folios that carry each tagged flag (the node's mark bits), and the helpers that read and keep
 * them.
 */
import { Folio, FolioNode, FrozenNode, PG_DIRTY, PG_READAHEAD, PG_WRITEBACK } from './folio';

export class MapNode implements FolioNode {
  /**
   * Its folios in index order from `lo` on; the slots before `lo` are stale (folios that left from the front). Reclaim
   * takes a file's lowest pages first, so a node loses its first folio far more often than any other: moving the rest
   * down each time (Array.prototype.shift) was the costliest line of eviction (issue 10).
   */
  folios: Folio[] = [];
  lo = 0;
  dirtyTags = 0;
  writebackTags = 0;
  readaheadTags = 0;
  frozen: FrozenNode | null = null;
}

/** The place of a tagged flag in TAGGED, -1 for other flags. */
export function tagSlot(flag: number): number {
  // TAGGED's order, spelt out: a lookup per search costs more than the search's first step.
  return flag === PG_DIRTY ? 0 : flag === PG_WRITEBACK ? 1 : flag === PG_READAHEAD ? 2 : -1;
}

/** Adds `d` (±1) to the node's tag counts for each tagged flag in `flags` (TAGGED's order). */
export function countTags(node: FolioNode, flags: number, d: number): void {
  if ((flags & TAG_MASK) === 0) return;
  if (flags & PG_DIRTY) node.dirtyTags += d;
  if (flags & PG_WRITEBACK) node.writebackTags += d;
  if (flags & PG_READAHEAD) node.readaheadTags += d;
}

/** The first folio of a node (one with folios). */
export function first(node: MapNode): Folio {
  return node.folios[node.lo];
}

/** Drops a node's stale slots: its folios from slot 0 on. */
export function compact(node: MapNode): void {
  const fs = node.folios;
  const lo = node.lo;
  if (lo === 0) return;
  const n = fs.length - lo;
  for (let i = 0; i < n; i++) fs[i] = fs[i + lo];
  fs.length = n;
  node.lo = 0;
}

/** Stale slots a node may keep at its front before they are dropped (compact). */
export const STALE_MAX = 32;

/** What a stale slot holds: a folio of no file, that no lookup can match. */
export const STALE = new Folio(-1, -1, 0, 0, 0, -1, 0, 0, 0, 0);

/** How many folios of `node` carry TAGGED[t]. */
export function tagCount(node: FolioNode, t: number): number {
  return t === 0 ? node.dirtyTags : t === 1 ? node.writebackTags : node.readaheadTags;
}

export const TAG_MASK = PG_DIRTY | PG_WRITEBACK | PG_READAHEAD;
