/**
 * The least and the greatest of a list of numbers, for lists of any length: `Math.min(...xs)` passes every element as
 * an argument and throws RangeError (call stack) past about 100 k of them, which a loop over a real log reaches.
 */

/** The least of `xs` (Infinity for none), as Math.min would give it. */
export function minOf(xs: readonly number[]): number {
  let m = Infinity;
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i];
    if (x < m || x !== x) m = x;
  }
  return m;
}

/** The greatest of `xs` (-Infinity for none), as Math.max would give it. */
export function maxOf(xs: readonly number[]): number {
  let m = -Infinity;
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i];
    if (x > m || x !== x) m = x;
  }
  return m;
}
