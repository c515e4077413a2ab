// `npm run bench`: the speed and memory figures of the machine, the debug adapter and the strace replay.
// Each benchmark runs in its own process so its peak RSS is its own. Targets are reported, not asserted.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';

mkdirSync('out/bench', { recursive: true });
const benches = [
  { name: 'machine', entry: 'scripts/bench/machine.ts', target: 'whole run < 2 s, RSS < 400 MiB' },
  { name: 'dap', entry: 'scripts/bench/dap.ts', target: 'continue → stop < 3 s, stepBack < 50 ms, adapter RSS < 600 MiB' },
];
for (const b of benches) {
  await build({ entryPoints: [b.entry], bundle: true, platform: 'node', target: 'node20', format: 'cjs', outfile: `out/bench/${b.name}.js`, logLevel: 'warning' });
}
for (const b of benches) {
  console.log(`\n== ${b.name} (target: ${b.target})`);
  execFileSync(process.execPath, ['--max-old-space-size=4096', `out/bench/${b.name}.js`], { stdio: 'inherit', cwd: process.cwd(), env: { ...process.env } });
}
if (existsSync('scripts/bench-strace.mjs')) {
  console.log('\n== strace replay (target: within 3x of a bare line split, memory flat in the log size)');
  execFileSync(process.execPath, ['scripts/bench-strace.mjs'], { stdio: 'inherit' });
}
