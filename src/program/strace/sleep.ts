/**
 * Calls that sleep: nanosleep and clock_nanosleep, and the waits with a timeout (poll, ppoll, select, pselect6,
 * epoll_wait, epoll_pwait, epoll_pwait2). The model does not simulate them, but the time they slept passes on the
 * machine (the flusher writes expired dirty pages meanwhile, as it did while the program slept): how long is the
 * call's recorded duration (-T) when the log has one; otherwise what the arguments ask, for a sleep that completed
 * or a wait that timed out (result 0). An absolute clock_nanosleep (TIMER_ABSTIME) says nothing without -T.
 */
import { fieldOf, intOf, splitArgs } from './args';
import type { Call, Core } from './core';
import type { Proc } from './tables';

/** Names of the sleeping calls, and which argument holds the time: [index, unit]. */
const TIMEOUT: Record<string, [number, 'timespec' | 'timeval' | 'ms']> = {
  nanosleep: [0, 'timespec'],
  clock_nanosleep: [2, 'timespec'],
  clock_nanosleep_time64: [2, 'timespec'],
  poll: [2, 'ms'],
  ppoll: [2, 'timespec'],
  select: [4, 'timeval'],
  _newselect: [4, 'timeval'],
  pselect6: [4, 'timespec'],
  epoll_wait: [3, 'ms'],
  epoll_pwait: [3, 'ms'],
  epoll_pwait2: [3, 'timespec'],
};

export function isSleeping(name: string): boolean {
  return name in TIMEOUT;
}

/** A sleeping call: shown as a pass-through that lets the time it slept pass. */
export function sleeping(r: Core, proc: Proc, c: Call): void {
  if (!r.live || c.early) return;
  r.pass(proc, c, sleptNs(c));
}

/** How long the call slept, in ns; 0 when the log does not say. */
export function sleptNs(c: Call): number {
  if (c.durNs >= 0) return c.durNs;
  const spec = TIMEOUT[c.name];
  if (!spec) return 0;
  const a = splitArgs(c.args);
  const sleep = c.name === 'nanosleep' || c.name.startsWith('clock_nanosleep');
  // A sleep asks for its whole time unless interrupted; a wait sleeps its timeout only when nothing came (result 0).
  if (sleep ? c.r !== 0 : c.r !== 0 || c.failed) return 0;
  if (c.name.startsWith('clock_nanosleep') && (a[1] ?? '').includes('TIMER_ABSTIME')) return 0;
  const [i, unit] = spec;
  const t = a[i];
  if (t === undefined) return 0;
  if (unit === 'ms') {
    const ms = intOf(t);
    return ms > 0 ? ms * 1e6 : 0;
  }
  const sec = fieldOf(t, 'tv_sec');
  const frac = fieldOf(t, unit === 'timespec' ? 'tv_nsec' : 'tv_usec');
  if (!(sec >= 0)) return 0;
  return sec * 1e9 + (frac >= 0 ? (unit === 'timespec' ? frac : frac * 1e3) : 0);
}
