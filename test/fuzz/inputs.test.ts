/**
 * A short, fixed-seed campaign of the input fuzzer (inputs.ts) inside `npm test`: 100 mutated scenarios and logs
 * through `iosim run --json`, `iosim run`, `iosim export`, for logs `iosim advise --json`, and (every fourth) the adapter, with no finding.
 * `npm run fuzz:inputs` runs 5,000.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { INPUT_KINDS, inputCampaign, MEMORY_BOUND_KB } from './inputs';

test('input fuzzing, 100 inputs (seed 14): no crash, hang, memory past its bound, bad JSON, stack trace, raw control character or undiagnosed line', { timeout: 300_000 }, async () => {
  const r = await inputCampaign({ seed: 14, inputs: 100, timeoutMs: 10_000, adapterEvery: 4, jobs: 2 });
  assert.deepEqual(r.findings.map((f) => `${f.kind} (${f.via}) #${f.input} ${f.source} [${f.mutations.join(', ')}]: ${f.detail}`), []);
  assert.deepEqual(INPUT_KINDS.filter((k) => r.counts[k] > 0), []);
  // The campaign did what it says: inputs that ran and inputs that were refused, through every door.
  assert.equal(r.inputs, 100);
  // run --json, run and export for each, advise --json for each log.
  assert.ok(r.cliRuns > 300 && r.cliRuns < 400, String(r.cliRuns));
  assert.ok(r.maxRssKb > 0 && r.maxRssKb <= MEMORY_BOUND_KB, `peak RSS ${r.maxRssKb} KiB`);
  assert.equal(r.adapterRuns, 25);
  assert.ok(r.exits[0] > 0 && r.exits[1] > 0, JSON.stringify(r.exits));
  assert.ok(r.oracles > 0, 'some inputs carry a line that must be named');
});
