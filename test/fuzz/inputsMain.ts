/**
 * `npm run fuzz:inputs`: the input fuzzer's campaign (inputs.ts) against dist/cli.js (run, run --json, export) and
 * dist/debugAdapter.js (every fifth input).
 *
 *   node out/test/fuzz/inputsMain.js run [--seed N] [--inputs 5000] [--timeout 10000] [--adapter-every 5] [--jobs 2]
 *
 * Prints the counts and the findings by kind; exits 1 on any finding. The findings (with the steps to reproduce
 * them: the corpus file, the mutations, the input itself) go to test-results/fuzz/inputs/.
 * Without `run` (as `node --test` loads every file under out/test) it does nothing.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { ROOT } from './dapClient';
import { INPUT_KINDS, inputCampaign, MEMORY_BOUND_KB } from './inputs';

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

async function main(): Promise<void> {
  const seed = flag('seed', 20240614);
  const inputs = flag('inputs', 5000);
  const out = path.join(ROOT, 'test-results', 'fuzz', 'inputs');
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  console.log(`input fuzz campaign: seed ${seed}, ${inputs} inputs`);
  const r = await inputCampaign({
    seed, inputs, timeoutMs: flag('timeout', 10_000), adapterEvery: flag('adapter-every', 5), jobs: flag('jobs', 2), saveDir: out,
    log: (line) => console.log(line),
  });
  console.log(`${r.inputs} inputs (${r.nonRegular} not regular files, ${r.oracles} with a line that must be named), ${r.cliRuns} CLI runs, ${r.adapterRuns} adapter runs, ${(r.ms / 1000).toFixed(0)} s`);
  console.log(`run --json exits: 0: ${r.exits[0]}, 1: ${r.exits[1]}, other: ${r.exits.other}`);
  console.log(`largest peak RSS of a CLI run: ${(r.maxRssKb / 1024).toFixed(0)} MiB (bound ${MEMORY_BOUND_KB / 1024} MiB), ${r.maxRssAt}`);
  console.log(`findings: ${INPUT_KINDS.map((k) => `${k} ${r.counts[k]}`).join(', ')}`);
  writeFileSync(path.join(out, 'findings.json'), JSON.stringify(r.findings, null, 1));
  console.log(`details in ${path.relative(ROOT, path.join(out, 'findings.json'))}`);
  process.exit(INPUT_KINDS.some((k) => r.counts[k] > 0) ? 1 : 0);
}

if (process.argv[2] === 'run') void main();
