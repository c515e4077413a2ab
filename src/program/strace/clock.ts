/**
 * The log's timestamps as one clock: ns since the log's first timestamp. -t/-tt print a time of day that wraps at
 * midnight; -r prints deltas that add up; -ttt prints seconds since the epoch.
 */
import type { Knowledge } from './evidence';

export class Clock {
  /** Days added to -t/-tt timestamps that wrapped past midnight; last timestamp seen; sum of -r deltas. */
  private day = 0;
  private lastSec = -1;
  private accSec = 0;
  private accNs = 0;
  /** know.base once set (it never changes then): one field read a line instead of two. */
  private base: Knowledge['base'] = null;

  /** `know.base` is set by the first timestamp the first pass sees, and shared with the replay. */
  constructor(private readonly know: Knowledge) {}

  /** The time tick() computed last, in ns since the log's first timestamp. */
  now = NaN;

  /** A line's timestamp (whole seconds, ns, whether a time of day) in ns since the log's first. */
  at(tsSec: number, tsNs: number, tsTod: boolean): number {
    return this.tick(tsSec, tsNs, tsTod).now;
  }

  /** As at(), the time left in `now` (read in place: a time returned from a call costs an allocation). */
  tick(tsSec: number, tsNs: number, tsTod: boolean): this {
    let base = this.base;
    if (base === null) {
      base = this.know.base;
      if (!base) {
        // The first timestamp of the log. Deltas (-r) start near zero; epoch seconds (-ttt) are large.
        base = { sec: tsSec, ns: tsNs, tod: tsTod, delta: !tsTod && tsSec < 1e6 };
        this.know.base = base;
      }
      this.base = base;
    }
    if (base.delta) {
      this.accSec += tsSec;
      this.accNs += tsNs;
      this.now = this.accSec * 1e9 + this.accNs;
      return this;
    }
    let s = tsSec;
    if (base.tod) {
      s += this.day * 86400;
      if (this.lastSec >= 0 && s < this.lastSec - 43200) {
        this.day++;
        s += 86400;
      }
      this.lastSec = s;
    }
    this.now = (s - base.sec) * 1e9 + (tsNs - base.ns);
    return this;
  }

  /** As ReplayState.time: [day, lastSec, accSec, accNs]. */
  save(): number[] {
    return [this.day, this.lastSec, this.accSec, this.accNs];
  }

  load(time: readonly number[]): void {
    [this.day, this.lastSec, this.accSec, this.accNs] = time;
  }
}
