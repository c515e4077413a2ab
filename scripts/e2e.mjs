// End-to-end test in a real VS Code: code-server (VS Code 1.99 in the browser, from the npm registry) driven in
// headless Chromium by playwright-core, with the extension installed from its VSIX.
//
//   npm run e2e                   install code-server once (.cache/), package and install the VSIX, run the story
//   npm run e2e -- --no-package   use the io-machine-debugger-0.1.0.vsix already in the project root
//   npm run e2e -- --keep         leave the workspace and code-server's logs in place even when everything passes
//   npm run e2e -- --no-readme    do not refresh media/screenshots/ (README images) after a green run
//
// The story is test/e2e/debugging.e2e.mjs. Screenshots of every stage go to test-results/e2e/; after a run where
// every stage passed, the ones the README shows are copied to media/screenshots/. A failure prints what was
// expected, what was on screen, and the screenshot taken at that moment. code-server listens on 127.0.0.1 only,
// on a random free port, and is stopped at the end, whatever happened.
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureCodeServer, freePort, installExtension, serverLogFiles, startCodeServer } from './e2e/codeServer.mjs';
import { E2EFailure } from './e2e/harness.mjs';
import { Workbench } from './e2e/workbench.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = new Set(process.argv.slice(2));
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const OUT = join(root, 'test-results', 'e2e');
const README_SHOTS = join(root, 'media', 'screenshots');
const VSIX = join(root, 'io-machine-debugger-0.1.0.vsix');
/** The whole run, install included, must stay under 10 minutes. */
const BUDGET_MS = 9.5 * 60_000;

const t0 = Date.now();
const secs = () => `${((Date.now() - t0) / 1000).toFixed(1)} s`;
const log = (s) => console.log(`[e2e ${secs()}] ${s}`);

let cleanup = async () => {};
const watchdog = setTimeout(async () => {
  console.error(`\ne2e: FAILED: the run took longer than ${BUDGET_MS / 60_000} minutes; stopping.`);
  await cleanup();
  console.log('0 passed, 1 failed');
  process.exit(1);
}, BUDGET_MS);
watchdog.unref();

for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, async () => {
    await cleanup();
    process.exit(130);
  });
}

async function main() {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });

  // 1. code-server, once.
  const codeServer = ensureCodeServer(join(root, '.cache'));
  log(`code-server ready in ${codeServer}`);

  // 2. The VSIX, as a person gets it.
  if (!args.has('--no-package')) {
    const r = spawnSync('npm', ['run', 'package'], { cwd: root, encoding: 'utf8' });
    if (r.status !== 0) {
      const out = `${r.stdout}\n${r.stderr}`.trim();
      const hint = /Couldn't detect the repository/.test(out)
        ? '\n(vsce rewrites relative links of the packaged README and needs a repository URL for that: package.json\'s vsce.readmePath names dist/README.md, which vscode:prepublish writes without them)'
        : '';
      throw new Error(`npm run package failed (exit ${r.status}):\n${out}${hint}`);
    }
    log('packaged the VSIX (npm run package)');
  }
  if (!existsSync(VSIX)) throw new Error(`${VSIX} is missing (npm run package makes it)`);

  // 3. A fresh user, extensions folder and workspace (a copy of examples/). Short paths: code-server puts a unix
  // socket in the user-data-dir.
  const work = mkdtempSync(join(tmpdir(), 'iom-e2e-'));
  const userData = join(work, 'user');
  const extensions = join(work, 'ext');
  const ws = join(work, 'examples');
  mkdirSync(join(userData, 'User'), { recursive: true });
  mkdirSync(extensions);
  cpSync(join(root, 'examples'), ws, { recursive: true });
  writeFileSync(join(userData, 'User', 'settings.json'), JSON.stringify({
    'security.workspace.trust.enabled': false,
    'workbench.startupEditor': 'none',
    'workbench.colorTheme': 'Default Dark Modern',
    'workbench.tips.enabled': false,
    'workbench.enableExperiments': false,
    'git.enabled': false,
    'git.openRepositoryInParentFolders': 'never',
    'extensions.ignoreRecommendations': true,
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'telemetry.telemetryLevel': 'off',
    'update.mode': 'none',
    'editor.minimap.enabled': false,
    // Sticky rows cover the rows they stand for: clicks would land on the copy.
    'workbench.tree.enableStickyScroll': false,
    'chat.commandCenter.enabled': false,
  }, null, 2));
  const config = join(work, 'config.yaml');
  writeFileSync(config, 'auth: none\ncert: false\n');
  log(`workspace ${ws}`);
  const installed = installExtension(codeServer, VSIX, userData, extensions, config);
  log(installed.split('\n').pop());

  const port = await freePort();
  const server = await startCodeServer(codeServer, { port, userDataDir: userData, extensionsDir: extensions, folder: ws, logFile: join(OUT, 'code-server.log'), config });
  let browser = null;
  let finished = false;
  cleanup = async () => {
    if (finished) return;
    finished = true;
    await browser?.close().catch(() => {});
    await server.stop();
    // code-server's own logs (the extension host's among them) next to the screenshots.
    const logsOut = join(OUT, 'logs');
    mkdirSync(logsOut, { recursive: true });
    for (const f of serverLogFiles(userData)) {
      try {
        copyFileSync(f, join(logsOut, `${basename(dirname(f))}-${basename(f)}`));
      } catch { /* gone */ }
    }
  };
  log(`code-server listening on 127.0.0.1:${port}`);

  const { chromium } = await import('playwright-core');
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });

  const context = await browser.newContext({ viewport: { width: 1600, height: 1000 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const browserErrors = [];
  page.on('console', (m) => {
    if (m.type() === 'error') browserErrors.push(`[${m.location()?.url?.split('/').pop() ?? ''}] ${m.text()}`);
  });
  page.on('pageerror', (e) => browserErrors.push(`page error: ${e.message}`));

  await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(ws)}`);
  await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
  log('workbench loaded');

  const { stages } = await import(join(root, 'test', 'e2e', 'debugging.e2e.mjs'));
  const wb = new Workbench(page);
  const ctx = {};
  const readme = [];
  const shot = async (name, opts = {}) => {
    const path = join(OUT, `${name}.png`);
    await page.screenshot({ path });
    if (opts.readme) readme.push({ path, name: opts.readme });
    return path;
  };
  const notes = [];
  const note = (text) => {
    notes.push(text);
    console.log(`    note: ${text}`);
  };
  let passed = 0;
  let failed = 0;
  for (const [i, stage] of stages.entries()) {
    const ts = Date.now();
    try {
      await stage.run({ wb, page, ws, ctx, shot, note });
      passed++;
      console.log(`  ok ${i + 1} - ${stage.name} (${((Date.now() - ts) / 1000).toFixed(1)} s)`);
    } catch (e) {
      failed++;
      const path = await shot(`FAILED-${String(i + 1).padStart(2, '0')}`).catch(() => '(no screenshot: the page is gone)');
      console.log(`  not ok ${i + 1} - ${stage.name}`);
      console.log(`    ${e instanceof E2EFailure ? e.message : (e.stack ?? String(e)).split('\n').slice(0, 8).join('\n    ')}`);
      console.log(`    screenshot: ${path}`);
      break; // Each stage needs the one before it.
    }
  }
  const skipped = stages.length - passed - failed;

  // VS Code's own way to test an extension: the workbench URL's test payload makes the remote extension host load
  // the installed extension as the one under development and run the mocha suites of test/e2e/host/ in it.
  await page.close();
  const host = await runHostTests(context, port, ws, extensions);
  passed += host.passed;
  failed += host.failed;

  // The extension host's word on the extension: it activated, and nothing of it failed.
  await cleanup();
  const exthost = serverLogFiles(userData).filter((f) => /exthost/.test(f) && f.endsWith('exthost.log')).map((f) => readFileSync(f, 'utf8')).join('\n');
  const activated = /_doActivateExtension io-machine\.io-machine-debugger/.test(exthost);
  const activationFailed = exthost.split('\n').filter((l) => /io-machine/.test(l) && /\[error\]|failed/i.test(l));
  if (!activated || activationFailed.length) {
    failed++;
    console.log('  not ok - the extension host activated io-machine.io-machine-debugger without errors');
    console.log(`    expected: an activation line and no error lines for io-machine\n    in the log: ${activated ? 'activated' : 'no activation line'}${activationFailed.length ? `; errors:\n      ${activationFailed.join('\n      ')}` : ''}`);
    console.log(`    logs: ${join(OUT, 'logs')}`);
  } else {
    passed++;
    console.log('  ok - the extension host activated io-machine.io-machine-debugger without errors');
  }
  const ours = browserErrors.filter((e) => /io-machine|iomachine|webview\.js|Content Security Policy|Refused to/i.test(e));
  if (ours.length) {
    console.log(`  browser console errors from the extension or its panel:\n    ${ours.join('\n    ')}`);
    if (!failed) {
      failed++;
      console.log('  not ok - no browser console errors from the extension or its panel');
    }
  }
  if (failed && browserErrors.length) {
    console.log(`  browser console errors (all ${browserErrors.length}, last 15):\n    ${browserErrors.slice(-15).join('\n    ')}`);
  }

  if (!failed && !args.has('--no-readme')) {
    mkdirSync(README_SHOTS, { recursive: true });
    for (const r of readme) copyFileSync(r.path, join(README_SHOTS, r.name));
    log(`README screenshots refreshed in media/screenshots/: ${readme.map((r) => r.name).join(', ')}`);
  }
  if (!failed && !args.has('--keep')) rmSync(work, { recursive: true, force: true });
  else log(`kept the workspace and code-server's user data in ${work}`);
  for (const n of notes) console.log(`note: ${n}`);
  console.log(`screenshots: ${OUT}  (${readdirSync(OUT).filter((f) => f.endsWith('.png')).length} files)`);
  console.log(`e2e ${failed ? 'FAILED' : 'passed'} in ${secs()}${skipped > 0 ? ` (${skipped} later stage(s) not run)` : ''}`);
  console.log(`${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`);
  return failed ? 1 : 0;
}

/** Loads the workbench with the test payload and waits for test/e2e/host/index.cjs to write its results. */
async function runHostTests(context, port, ws, extensionsDir) {
  const ext = readdirSync(extensionsDir).find((d) => d.startsWith('io-machine.io-machine-debugger-'));
  const remote = (p) => `vscode-remote://127.0.0.1:${port}${p}`;
  const payload = JSON.stringify([
    ['extensionDevelopmentPath', remote(join(extensionsDir, ext ?? 'missing'))],
    ['extensionTestsPath', remote(join(root, 'test', 'e2e', 'host', 'index.cjs'))],
  ]);
  const resultsFile = join(ws, '.e2e-host-results.json');
  rmSync(resultsFile, { force: true });
  const page = await context.newPage();
  const hostLog = [];
  page.on('console', (m) => hostLog.push(m.text()));
  const t = Date.now();
  await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(ws)}&payload=${encodeURIComponent(payload)}`);
  let results = null;
  while (Date.now() - t < 90_000) {
    try {
      results = JSON.parse(readFileSync(resultsFile, 'utf8'));
      if (results.done) break;
    } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 250));
  }
  await page.close().catch(() => {});
  console.log('  extension host tests (mocha in code-server\'s remote extension host, via the test payload):');
  if (!results || !results.done) {
    console.log(`  not ok - the extension host ran test/e2e/host/ and reported within 90 s\n    results: ${results ? JSON.stringify(results) : '(none)'}\n    browser console (last 10):\n      ${hostLog.slice(-10).join('\n      ')}`);
    return { passed: results?.passed ?? 0, failed: (results?.failed ?? 0) + 1 };
  }
  for (const r of results.tests) {
    console.log(`  ${r.ok ? 'ok' : 'not ok'} - [host] ${r.title}${r.ok ? ` (${r.ms} ms)` : `\n    ${r.error.split('\n').join('\n    ')}`}`);
  }
  return { passed: results.passed, failed: results.failed };
}

main().then(
  (code) => {
    clearTimeout(watchdog);
    process.exit(code);
  },
  async (e) => {
    console.error(`\ne2e: FAILED before the story could run: ${e instanceof Error ? e.message : e}`);
    await cleanup();
    console.log('0 passed, 1 failed');
    process.exit(1);
  },
);
