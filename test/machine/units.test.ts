/** formatSeconds prints what toFixed(9) prints (strace -T's nine decimals), by whole-number arithmetic where exact. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatSeconds } from '../../src/machine/units';

test('formatSeconds equals (ns / 1e9).toFixed(9) for whole nanoseconds of every magnitude, and beyond', () => {
  let x = 12345;
  const next = () => (x = (Math.imul(x, 1103515245) + 12345) >>> 0);
  for (let i = 0; i < 200_000; i++) {
    const digits = 1 + (next() % 16);
    const ns = Math.floor((next() / 2 ** 32) * 10 ** digits);
    assert.equal(formatSeconds(ns), (ns / 1e9).toFixed(9), String(ns));
  }
  for (const ns of [0, 1, 100, 999_999_999, 1e9, 1e9 + 1, 28_601, 1e15 - 1, 1e15, 2 ** 53, 0.5, 1234.5, -7]) {
    assert.equal(formatSeconds(ns), (ns / 1e9).toFixed(9), String(ns));
  }
  assert.equal(formatSeconds(28_601), '0.000028601');
});
