/**
 * A short fixed-seed campaign of the DAP fuzzer (test/fuzz/): a few hundred sequences of valid flows mixed with
 * wrong-state, ill-typed, hostile requests and malformed frames. `npm run fuzz` runs the long campaign.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { test } from 'node:test';
import { corpus } from '../fuzz/corpus';
import { campaign, KINDS } from '../fuzz/dapFuzz';

test('fuzz: 250 seeded sequences, no exit, hang, internal error, empty error message or wrong-shaped message', { timeout: 240_000 }, async () => {
  const c = corpus();
  try {
    const r = await campaign(c, { seed: 20240601, sequences: 250, timeoutMs: 10_000 });
    const none = Object.fromEntries(KINDS.map((k) => [k, 0]));
    assert.deepEqual(r.counts, none, JSON.stringify(r.findings.slice(0, 5), null, 1));
    assert.equal(r.sequences, 250);
    assert.ok(r.requests > 2500, `${r.requests} requests`);
  } finally {
    rmSync(c.tmp, { recursive: true, force: true });
  }
});
