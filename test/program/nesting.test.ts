/** Nesting past MAX_NESTING is a diagnostic at the token that goes one level too deep, not a stack overflow. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_NESTING } from '../../src/program/exprParser';
import { parseScenario } from '../../src/program/index';
import { loadScenario } from '../../src/program/load';
import { Trace } from '../../src/trace/trace';

const HEAD = 'file "/x" size 4KiB\nbuf = alloc(4KiB)\nfd = open("/x", O_RDONLY)\n';

function errors(text: string): string[] {
  return parseScenario(text, 't.iosim').diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.line}:${d.col}: ${d.message}`);
}

test('parentheses and unary minuses: MAX_NESTING levels are fine, one more is an error at its column', () => {
  const ok = `${HEAD}read(fd, buf, ${'('.repeat(MAX_NESTING)}4KiB${')'.repeat(MAX_NESTING)})\n`;
  assert.deepEqual(errors(ok), []);
  // It runs: the interpreter folds the constant by recursion, as deep.
  const t = new Trace(loadScenario(ok, 't.iosim').spec!);
  t.runToEnd();
  assert.equal(t.ops.get(t.ops.length - 1).result, 4096);
  const deep = `${HEAD}read(fd, buf, ${'('.repeat(MAX_NESTING + 1)}4KiB${')'.repeat(MAX_NESTING + 1)})\n`;
  assert.deepEqual(errors(deep), [`4:${15 + MAX_NESTING}: nesting too deep (limit ${MAX_NESTING})`]);
  const minus = `${HEAD}lseek(fd, ${'-'.repeat(MAX_NESTING + 1)}1, SEEK_SET)\n`;
  assert.deepEqual(errors(minus), [`4:${11 + MAX_NESTING}: nesting too deep (limit ${MAX_NESTING})`]);
});

test('repeats, one-line or blocks, count toward the same limit; the lines after the error are not reported again', () => {
  const oneLine = `${HEAD}${'repeat 1 { '.repeat(MAX_NESTING)}read(fd, buf, 4KiB)${' }'.repeat(MAX_NESTING)}\n`;
  assert.deepEqual(errors(oneLine), []);
  const blocks = `${HEAD}${'repeat 2 {\n'.repeat(MAX_NESTING + 5)}read(fd, buf, 4KiB)\n${'}\n'.repeat(MAX_NESTING + 5)}`;
  assert.deepEqual(errors(blocks), [`${4 + MAX_NESTING}:1: nesting too deep (limit ${MAX_NESTING})`]);
  // A one-line repeat inside the deepest block goes one level too deep.
  const both = `${HEAD}${'repeat 1 {\n'.repeat(MAX_NESTING)}repeat 1 { read(fd, buf, 4KiB) }\n${'}\n'.repeat(MAX_NESTING)}`;
  assert.deepEqual(errors(both), [`${4 + MAX_NESTING}:1: nesting too deep (limit ${MAX_NESTING})`]);
});
