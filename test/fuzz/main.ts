/**
 * `npm run fuzz`: the DAP fuzzer's campaign against dist/debugAdapter.js.
 *
 *   node out/test/fuzz/main.js run [--seed N] [--sequences 10000] [--long 2000] [--timeout 10000]
 *
 * Prints the findings by kind, then runs a long single-process session and prints its memory curve. Exits 1 on any
 * finding; the details (with the steps of each finding's sequence) go to test-results/fuzz/findings.json.
 * Without `run` (as `node --test` loads every file under out/test) it does nothing.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { corpus } from './corpus';
import { campaign, CampaignResult, KINDS } from './dapFuzz';
import { ROOT } from './dapClient';

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

function summary(title: string, r: CampaignResult): string {
  const counts = KINDS.map((k) => `${k} ${r.counts[k]}`).join(', ');
  return `${title}: ${r.sequences} sequences, ${r.requests} requests, ${r.processes} adapter processes, ${(r.ms / 1000).toFixed(0)} s — ${counts}`;
}

async function main(): Promise<void> {
  const seed = flag('seed', 20240601);
  const sequences = flag('sequences', 10_000);
  const long = flag('long', 2000);
  const timeoutMs = flag('timeout', 10_000);
  const c = corpus();
  const log = (line: string) => console.log(line);
  const out = path.join(ROOT, 'test-results', 'fuzz');
  mkdirSync(out, { recursive: true });
  let failed = false;
  try {
    console.log(`DAP fuzz campaign: seed ${seed}, ${sequences} sequences`);
    const main = await campaign(c, { seed, sequences, timeoutMs, log });
    console.log(summary('campaign', main));
    const findings = [...main.findings];
    if (long > 0) {
      console.log(`long session: seed ${seed + 1}, ${long} sequences in one adapter process`);
      const session = await campaign(c, { seed: seed + 1, sequences: long, timeoutMs, longSession: true, sampleEvery: 100, log });
      console.log(summary('long session', session));
      console.log('RSS (MiB) after N sequences:');
      for (const [n, kb] of session.rss) console.log(`  ${String(n).padStart(5)}  ${(kb / 1024).toFixed(1)}`);
      findings.push(...session.findings);
      failed ||= KINDS.some((k) => session.counts[k] > 0);
    }
    failed ||= KINDS.some((k) => main.counts[k] > 0);
    writeFileSync(path.join(out, 'findings.json'), JSON.stringify(findings, null, 1));
    console.log(`findings: ${findings.length} (details in ${path.relative(ROOT, path.join(out, 'findings.json'))})`);
  } finally {
    rmSync(c.tmp, { recursive: true, force: true });
  }
  process.exit(failed ? 1 : 0);
}

if (process.argv[2] === 'run') void main();
