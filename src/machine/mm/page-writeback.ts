/**
 * Dirty page accounting and throttling (mm/page-writeback.c): how much may be dirty (the background and dirty
 * thresholds), what dirtying a page does, and how balance_dirty_pages slows a writer that dirties faster than the disk
 * writes. The flusher itself is in writeback.ts.
 */
import { C } from '../counters';
import { Ev, WaitReason } from '../events';
import { Kernel } from '../kernel';
import { FileObj, TimerKind } from '../state';
import { PAGE_SIZE } from '../units';

const MIN_PAUSE_NS = 10e6;
const MAX_PAUSE_NS = 200e6;
/** One jiffy at HZ=250, the unit balance_dirty_pages computes its pauses in. */
const JIFFY_NS = 4e6;

/** global_dirtyable_memory: free plus reclaimable file pages, i.e. all the page cache may hold. */
function dirtyable(k: Kernel): number {
  return k.cache.capacity;
}

/** [background threshold, dirty threshold] in pages (domain_dirty_limits). */
export function dirtyLimits(k: Kernel): [number, number] {
  return [backgroundThresh(k), dirtyThresh(k)];
}

/** domain_dirty_limits' dirty threshold in pages (at least 1). */
export function dirtyThresh(k: Kernel): number {
  const s = k.config.sysctl;
  const thresh = s['vm.dirty_bytes'] > 0 ? Math.ceil(s['vm.dirty_bytes'] / PAGE_SIZE) : Math.floor((s['vm.dirty_ratio'] * dirtyable(k)) / 100);
  return thresh < 1 ? 1 : thresh;
}

/** domain_dirty_limits' background threshold in pages: below the dirty threshold (half of it if set at or above). */
export function backgroundThresh(k: Kernel): number {
  const s = k.config.sysctl;
  const thresh = dirtyThresh(k);
  const bg = s['vm.dirty_background_bytes'] > 0 ? Math.ceil(s['vm.dirty_background_bytes'] / PAGE_SIZE) : Math.floor((s['vm.dirty_background_ratio'] * dirtyable(k)) / 100);
  return bg >= thresh ? Math.floor(thresh / 2) : bg;
}

/**
 * Pages [index, index+nr) went from clean to dirty (folio_account_dirtied, __mark_inode_dirty): the inode's dirty clock starts with its
 * first dirty page, and the flusher's periodic wakeup is armed.
 */
export function noteDirtied(k: Kernel, f: FileObj, index: number, nr: number): void {
  f.nrDirty += nr;
  k.counters[C.PagesDirtied] += nr;
  if (f.dirtiedWhen < 0) f.dirtiedWhen = k.now;
  k.ev(Ev.PageDirty, f.id, index, nr);
  if (!k.wb.armed) armFlusher(k);
}

/** wb_wakeup_delayed: the flusher wakes dirty_writeback_centisecs from now, unless it is already due to. */
export function armFlusher(k: Kernel): void {
  const cs = k.config.sysctl['vm.dirty_writeback_centisecs'];
  if (cs <= 0 || k.wb.armed) return;
  k.wb.armed = true;
  k.timers.push(k.now + cs * 1e7, TimerKind.FlusherWake);
}

/** wb_start_background_writeback: above the background threshold the flusher starts now, if it is not running. */
export function maybeStartBackground(k: Kernel): void {
  if (k.cache.dirty > backgroundThresh(k) && !k.wb.background) {
    k.wb.background = true;
    k.timers.push(k.now, TimerKind.BackgroundContinue);
  }
}

/**
 * balance_dirty_pages: no pause below the freerun point (background+limit)/2; above it, pauses in proportion to
 * how far dirty memory is past the setpoint, between 10 and 200 ms; at the limit the writer sleeps repeatedly.
 */
export function balanceDirtyPages(k: Kernel, dirtied: number): void {
  const t = k.throttle;
  t.nrDirtied += dirtied;
  if (t.nrDirtied < t.pause) return;
  for (;;) {
    const thresh = dirtyThresh(k);
    const bg = backgroundThresh(k);
    const dirty = k.cache.dirty + k.cache.writeback;
    const freerun = Math.floor((bg + thresh) / 2);
    if (k.cache.dirty > bg && !k.wb.background) maybeStartBackground(k);
    if (dirty <= freerun) {
      // Below the freerun point nobody waits; check again after a number of pages that shrinks near the limit.
      t.nrDirtied = 0;
      t.pausedWhen = k.now;
      t.pause = thresh > dirty ? pauseBelowFreerun(thresh - dirty) : 1;
      return;
    }
    const setpoint = (freerun + thresh) / 2;
    const x = (setpoint - dirty) / Math.max(1, thresh - setpoint);
    const posRatio = Math.max(0, Math.min(2, 1 + x * x * x));
    // The task may dirty pages at the disk's write bandwidth scaled by how far dirty memory is from the setpoint.
    const rate = (k.config.latency.diskBytesPerSec / PAGE_SIZE) * posRatio;
    let pauseNs: number;
    if (rate > 0) {
      // The pause makes up for dirtying faster than `rate` since the last pause (period minus the time spent).
      const periodNs = (t.nrDirtied / rate) * 1e9;
      pauseNs = periodNs - (k.now - t.pausedWhen);
      if (pauseNs < MIN_PAUSE_NS) {
        // Not worth sleeping yet: keep the debt (or forget it if the task has been slow for a second).
        if (pauseNs < -1e9) t.pausedWhen = k.now;
        else t.pausedWhen += periodNs;
        t.nrDirtied = 0;
        t.pause = pollAbove(rate, dirty, thresh);
        return;
      }
    } else {
      pauseNs = Infinity;
    }
    pauseNs = Math.min(maxPause(k, dirty), Math.round(pauseNs));
    k.counters[C.ThrottleNs] += pauseNs;
    k.ev(Ev.ThrottlePause, Math.round(pauseNs / 1000), dirty, thresh);
    k.waitUntil(k.now + pauseNs, WaitReason.Throttle);
    t.nrDirtied = 0;
    t.pausedWhen = k.now;
    t.lastPauseNs = pauseNs;
    t.pause = pollAbove(rate, dirty, thresh);
    // At or over the limit the task may not dirty at all: it sleeps again until writeback makes room.
    if (posRatio > 0) return;
  }
}

/** 2^(⌊log2(gap)⌋ / 2) pages (gap ≥ 1 pages below the dirty threshold): the freerun poll interval. */
function pauseBelowFreerun(gap: number): number {
  // ⌊log2⌋ exactly by counting bits while the gap fits 31 bits; Math.log2 beyond.
  const e = gap < 0x80000000 ? 31 - Math.clz32(gap) : Math.floor(Math.log2(gap));
  return 1 << (e >> 1);
}

/**
 * wb_max_pause: no longer than it takes the disk to write what is dirty (with a safety factor of 8), so a small
 * pool of dirty pages does not run dry and leave the disk idle; between the minimum and 200 ms.
 */
function maxPause(k: Kernel, dirtyPages: number): number {
  const bwPages = k.config.latency.diskBytesPerSec / PAGE_SIZE;
  const jiffies = Math.floor(dirtyPages / (1 + bwPages / 32)) + 1;
  return Math.max(MIN_PAUSE_NS, Math.min(MAX_PAUSE_NS, jiffies * JIFFY_NS));
}

/**
 * Pages a task may dirty before balance_dirty_pages looks again once above the freerun point: enough for a minimum
 * pause at `rate`, but never more than DIRTY_POLL_THRESH (32 pages), and 8 while the limit is exceeded.
 */
function pollAbove(rate: number, dirty: number, thresh: number): number {
  const cap = dirty > thresh ? 8 : 32;
  return Math.min(cap, Math.max(1, Math.ceil((rate * MIN_PAUSE_NS) / 1e9)));
}
