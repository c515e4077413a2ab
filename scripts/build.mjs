// Bundles the CLI, the standalone debug adapter, the extension and the webview with esbuild.
import { build } from 'esbuild';
import { existsSync, chmodSync, readdirSync } from 'node:fs';

const production = process.argv.includes('--production');
const common = {
  bundle: true,
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
  target: 'node20',
  platform: 'node',
  format: 'cjs',
};

const targets = [
  { entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' } },
  { entryPoints: ['src/debug/standalone.ts'], outfile: 'dist/debugAdapter.js' },
  { entryPoints: ['src/extension/extension.ts'], outfile: 'dist/extension.js', external: ['vscode'] },
  {
    entryPoints: ['webview/main.ts'], outfile: 'dist/webview.js',
    platform: 'browser', format: 'iife', target: 'es2022',
  },
];

for (const t of targets) {
  if (!existsSync(t.entryPoints[0])) continue;
  await build({ ...common, ...t });
}
if (existsSync('dist/cli.js')) chmodSync('dist/cli.js', 0o755);

// The extension-host test runner and suite (run by `npm test`; they skip where VS Code cannot be downloaded).
if (existsSync('test/vscode/runTest.ts')) {
  const suite = ['test/vscode/suite/index.ts', ...readdirSync('test/vscode/suite').filter((f) => f.endsWith('.test.ts')).map((f) => `test/vscode/suite/${f}`)];
  await build({ ...common, entryPoints: ['test/vscode/runTest.ts'], outfile: 'out/vscode-test/runTest.js', external: ['vscode'] });
  await build({ ...common, entryPoints: suite, outdir: 'out/vscode-test/suite', outbase: 'test/vscode/suite', external: ['vscode', 'mocha'] });
}
