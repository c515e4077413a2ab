/**
 * The CLI's streamed output: operations held back until the totals are known, in memory while small and in a
 * temporary file beyond that, come out whole and in order, multi-byte characters included, and the file goes.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { test } from 'node:test';
import { Output, Spill } from '../../src/cli/output';

function drained(parts: string[], memoryLimit: number): { text: string; writes: number } {
  const got: string[] = [];
  const out = new Output((s) => got.push(s));
  const spill = new Spill(memoryLimit);
  for (const p of parts) spill.write(p);
  spill.drain(out);
  out.flush();
  return { text: got.join(''), writes: got.length };
}

test('a spill in memory and a spill to a temporary file give back the same text; the file is removed', () => {
  const parts: string[] = [];
  // Each part carries 2-, 3- and 4-byte characters, so that file chunks of 1 MiB end inside characters.
  for (let i = 0; i < 60_000; i++) parts.push(`{"n": ${i}, "path": "/données/файл-${i}-日本語-😀"},\n`);
  const want = parts.join('');
  const before = readdirSync(tmpdir()).filter((f) => f.startsWith('iosim-run-')).length;
  const inMemory = drained(parts, 1 << 30);
  const onDisk = drained(parts, 4096);
  assert.equal(inMemory.text, want);
  assert.equal(onDisk.text, want);
  assert.ok(want.length > 2 << 20, 'more than one file chunk');
  assert.ok(onDisk.writes >= 3, 'written in chunks of the file');
  assert.equal(readdirSync(tmpdir()).filter((f) => f.startsWith('iosim-run-')).length, before, 'the temporary file is gone');
});
