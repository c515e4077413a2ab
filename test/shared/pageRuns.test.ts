/**
 * The page map's runs (issue 10): a long stretch of pages in one state travels as one code and a count; the panel
 * reads both forms alike.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FilePages } from '../../src/shared/messages';
import { pageRunCode, pageRunLength } from '../../src/shared/messages';
import { CODE_ORDER, computeLayout, countCodes, pageCode } from '../../webview/pageLayout';

// Pages 0–2 spelt out (clean, clean, dirty), 3–1002 all under writeback, 2000–2001 spelt out again.
const file: FilePages = {
  fileId: 1, path: '/f', sizePages: 4096, cached: 1005, dirty: 1,
  runs: [{ start: 0, codes: 'iid' }, { start: 3, codes: 'w', repeat: 1000 }, { start: 2000, codes: 'ax' }],
};

test('a run is its codes, or one code repeated', () => {
  assert.equal(pageRunLength(file.runs[0]), 3);
  assert.equal(pageRunLength(file.runs[1]), 1000);
  assert.equal(pageRunCode(file.runs[0], 2), 'd');
  assert.equal(pageRunCode(file.runs[1], 0), 'w');
  assert.equal(pageRunCode(file.runs[1], 999), 'w');
});

test('the panel finds each page of a repeated run and counts it', () => {
  assert.equal(pageCode(file, 2), 'd');
  assert.equal(pageCode(file, 3), 'w');
  assert.equal(pageCode(file, 1002), 'w');
  assert.equal(pageCode(file, 1003), '.');
  assert.equal(pageCode(file, 2001), 'x');
  const counts = countCodes([file]);
  const at = (c: (typeof CODE_ORDER)[number]) => counts[CODE_ORDER.indexOf(c)];
  assert.equal(at('i'), 2);
  assert.equal(at('d'), 1);
  assert.equal(at('w'), 1000);
  assert.equal(at('a'), 1);
  assert.equal(at('x'), 1);
});

test('the layout paints a repeated run as the same pages spelt out', () => {
  const spelt: FilePages = { ...file, runs: [{ start: 0, codes: 'iid' }, { start: 3, codes: 'w'.repeat(1000) }, { start: 2000, codes: 'ax' }] };
  for (const [w, h] of [[800, 2000], [300, 120]]) {
    assert.deepEqual(Array.from(computeLayout([file], w, h).blocks[0].codes), Array.from(computeLayout([spelt], w, h).blocks[0].codes));
  }
});
