/** Sizes and durations as people write them in scenarios, and back. Binary units only (K = KiB). */

export const KiB = 1024;
export const MiB = 1024 * KiB;
export const GiB = 1024 * MiB;
export const PAGE_SIZE = 4096;
export const PAGE_SHIFT = 12;

export function roundUp(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}

const SIZE_UNITS: Record<string, number> = {
  b: 1, k: KiB, kb: KiB, kib: KiB, m: MiB, mb: MiB, mib: MiB, g: GiB, gb: GiB, gib: GiB, t: 1024 * GiB, tib: 1024 * GiB,
};

const TIME_UNITS: Record<string, number> = {
  ns: 1, us: 1e3, 'µs': 1e3, ms: 1e6, s: 1e9, m: 60e9, min: 60e9, h: 3600e9,
};

/** Parses "16KiB", "4k", "512" (bytes). Returns null when the text is not a size. */
export function parseSize(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)\s*([a-zA-Z]*)$/.exec(text.trim());
  if (!m) return null;
  const unit = m[2].toLowerCase();
  const mult = unit === '' ? 1 : SIZE_UNITS[unit];
  if (mult === undefined) return null;
  const value = Number(m[1]) * mult;
  return Number.isSafeInteger(value) ? value : null;
}

/** Parses "35s", "250ms", "20us" into nanoseconds. Returns null when the text is not a duration. */
export function parseDuration(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)\s*([a-zA-Zµ]+)$/.exec(text.trim());
  if (!m) return null;
  const mult = TIME_UNITS[m[2].toLowerCase()];
  if (mult === undefined) return null;
  return Math.round(Number(m[1]) * mult);
}

export function isSizeUnit(unit: string): boolean {
  return unit.toLowerCase() in SIZE_UNITS;
}

export function isTimeUnit(unit: string): boolean {
  return unit.toLowerCase() in TIME_UNITS;
}

export function formatBytes(n: number): string {
  // One rule for every amount: the largest unit it reaches, whole when it is a whole number of them, else with
  // decimals (65555 KiB is 64.02 MiB, as 65546 KiB + 100 bytes is: not 65555 KiB beside 64.01 MiB).
  if (n >= GiB) return n % GiB === 0 ? `${n / GiB} GiB` : `${(n / GiB).toFixed(2)} GiB`;
  if (n >= MiB) return n % MiB === 0 ? `${n / MiB} MiB` : `${(n / MiB).toFixed(2)} MiB`;
  if (n >= KiB) return n % KiB === 0 ? `${n / KiB} KiB` : `${(n / KiB).toFixed(1)} KiB`;
  return `${n} B`;
}

export function formatDuration(ns: number): string {
  if (ns >= 1e9) return `${(ns / 1e9).toFixed(3)} s`;
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(3)} ms`;
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(2)} µs`;
  return `${Math.round(ns)} ns`;
}

/** Seconds with nanosecond precision, as `strace -T --syscall-times=ns` prints them. */
export function formatSeconds(ns: number): string {
  // Whole nanoseconds below 10^15 print exactly as toFixed(9) rounds them (the quotient's error is far below half a
  // nanosecond there), without toFixed's cost: two of these a line of `iosim run`, and durations repeat (a loop's
  // calls take the same time): the last answers are kept, in a small table by the low bits of ns.
  if (Number.isSafeInteger(ns) && ns >= 0 && ns < 1e15) {
    const slot = (ns ^ (ns >>> 8)) & (SECONDS_SLOTS - 1);
    if (secondsNs[slot] === ns) return secondsText[slot];
    const s = Math.floor(ns / 1e9);
    const frac = String(ns - s * 1e9);
    const text = `${s}.${'000000000'.slice(frac.length)}${frac}`;
    secondsNs[slot] = ns;
    secondsText[slot] = text;
    return text;
  }
  return (ns / 1e9).toFixed(9);
}

const SECONDS_SLOTS = 256;
const secondsNs = new Float64Array(SECONDS_SLOTS).fill(-1);
const secondsText: string[] = new Array<string>(SECONDS_SLOTS).fill('');

export function hex(n: number): string {
  return '0x' + n.toString(16);
}
