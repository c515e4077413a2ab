/**
 * How many bytes each pipe of the log holds, as the replay predicts them (Core.fillPipe, drainPipe): by pipe id, the
 * small integers Core.nextPipe hands out (1, 2, ...). A Map's get and set on an array (a pipe read or write asks at
 * every line), and its entries in the order the pipes were first set, which is what a snapshot keeps.
 */
export class PipeLevels {
  /** Bytes held, by id; -1: never set. */
  private held: number[] = [];
  /** Ids in the order first set. */
  private order: number[] = [];
  /** Ids that are no small non-negative integers (none in practice): kept in a Map. */
  private other: Map<number, number> | null = null;

  constructor(entries?: Iterable<readonly [number, number]>) {
    if (entries) for (const [id, bytes] of entries) this.set(id, bytes);
  }

  get(id: number): number | undefined {
    if (!small(id)) return this.other?.get(id);
    const v = id < this.held.length ? this.held[id] : -1;
    return v < 0 ? undefined : v;
  }

  set(id: number, bytes: number): void {
    if (!small(id)) {
      if (this.other === null) this.other = new Map();
      if (!this.other.has(id)) this.order.push(id);
      this.other.set(id, bytes);
      return;
    }
    const held = this.held;
    while (held.length <= id) held.push(-1);
    if (held[id] < 0) this.order.push(id);
    held[id] = bytes;
  }

  /** [id, bytes] in the order the ids were first set, as a Map's entries. */
  entries(): [number, number][] {
    return this.order.map((id) => [id, this.get(id)!]);
  }
}

/** Ids the array holds (pipe ids are counted from 1; anything else goes to the Map). */
function small(id: number): boolean {
  return id >= 0 && id <= 0xffff && Number.isInteger(id);
}
