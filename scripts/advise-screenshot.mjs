// Screenshots of the zero-copy advisor in a real VS Code (code-server, as npm run e2e installs it into .cache/):
// the CodeLens over the first loop of test/fixtures/advise/http.strace, then its comparison in the panel. Not a
// test; run after npm run package (it installs io-machine-debugger-0.1.0.vsix). Writes test-results/advise/.
//   node scripts/advise-screenshot.mjs
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { ensureCodeServer, freePort, installExtension, startCodeServer } = await import(join(root, 'scripts/e2e/codeServer.mjs'));
const { Workbench } = await import(join(root, 'scripts/e2e/workbench.mjs'));
const cs = ensureCodeServer(join(root, '.cache'));
const OUT = join(root, 'test-results', 'advise');
mkdirSync(OUT, { recursive: true });
const work = mkdtempSync(join(tmpdir(), 'iom-adv-'));
const userData = join(work, 'user'); const ext = join(work, 'ext'); const ws = join(work, 'logs');
mkdirSync(join(userData, 'User'), { recursive: true }); mkdirSync(ext); mkdirSync(ws);
cpSync(join(root, 'test/fixtures/advise/http.strace'), join(ws, 'http.strace'));
writeFileSync(join(userData, 'User', 'settings.json'), JSON.stringify({
  'security.workspace.trust.enabled': false, 'workbench.startupEditor': 'none', 'workbench.colorTheme': 'Default Dark Modern',
  'workbench.tips.enabled': false, 'git.enabled': false, 'telemetry.telemetryLevel': 'off', 'update.mode': 'none',
  'editor.minimap.enabled': false, 'chat.commandCenter.enabled': false, 'extensions.ignoreRecommendations': true,
}));
const config = join(work, 'config.yaml');
writeFileSync(config, 'auth: none\ncert: false\n');
console.log(installExtension(cs, join(root, 'io-machine-debugger-0.1.0.vsix'), userData, ext, config).split('\n').pop());
const port = await freePort();
const server = await startCodeServer(cs, { port, userDataDir: userData, extensionsDir: ext, folder: ws, logFile: join(work, 'cs.log'), config });
const { chromium } = await import(join(root, 'node_modules/playwright-core/index.mjs'));
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
try {
  const page = await (await browser.newContext({ viewport: { width: 1600, height: 1000 } })).newPage();
  await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(ws)}`);
  await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
  const wb = new Workbench(page);
  await page.waitForTimeout(3000);
  await wb.quickOpen('http.strace');
  await wb.goToLine(1888);
  const lens = page.locator('.codelens-decoration a', { hasText: 'read+write pairs' }).first();
  await lens.waitFor({ state: 'visible', timeout: 60_000 });
  await page.waitForTimeout(1000);
  await page.screenshot({ path: join(OUT, 'advise-codelens-only.png') });
  console.log('lens:', await lens.innerText());
  await lens.click();
  const panel = wb.panel();
  await panel.locator('.cmp-summary').first().waitFor({ state: 'visible', timeout: 60_000 });
  await page.waitForTimeout(1500);
  await page.screenshot({ path: join(OUT, 'advise-codelens.png') });
  console.log('summary:', await wb.panelText('.cmp-summary'));
  console.log(`screenshots in ${OUT}`);
} finally {
  await browser.close();
  await server.stop();
  rmSync(work, { recursive: true, force: true });
}
