/**
 * Extension-host tests: downloads VS Code with @vscode/test-electron and runs the mocha suite inside it.
 * Where VS Code cannot be downloaded (machines without internet), says so in one line and exits 0.
 */
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { downloadAndUnzipVSCode, runTests } from '@vscode/test-electron';

const VERSION = process.env.VSCODE_TEST_VERSION ?? '1.90.0';

async function main(): Promise<void> {
  const root = resolve(__dirname, '..', '..');
  let executable: string;
  try {
    executable = await Promise.race([
      downloadAndUnzipVSCode({ version: VERSION, timeout: 30_000 }),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no answer within 60 s')), 60_000)),
    ]);
  } catch (e) {
    const why = e instanceof Error ? e.message.split('\n')[0] : String(e);
    console.log(`extension-host tests skipped: VS Code ${VERSION} could not be downloaded here (${why})`);
    return;
  }
  const workspace = mkdtempSync(join(tmpdir(), 'iomachine-ext-'));
  cpSync(join(root, 'examples'), workspace, { recursive: true });
  await runTests({
    vscodeExecutablePath: executable,
    extensionDevelopmentPath: root,
    extensionTestsPath: join(__dirname, 'suite', 'index.js'),
    launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust'],
  });
}

main().catch((e) => {
  console.error(`extension-host tests failed: ${e instanceof Error ? e.stack : String(e)}`);
  process.exit(1);
});
