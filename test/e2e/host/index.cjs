// Runs inside VS Code's remote extension host (code-server), loaded through the workbench URL's test payload:
//   ?folder=<ws>&payload=[["extensionDevelopmentPath","<project>"],["extensionTestsPath","<this file>"]]
// It runs the mocha suites beside it, then the extension issue's own extension-host suite (test/vscode, bundled by
// the build into out/vscode-test/suite, which skips under @vscode/test-electron on machines that cannot download
// VS Code), and writes what happened to <workspace>/.e2e-host-results.json, which scripts/e2e.mjs reads (the
// extension host's console is not the test's stdout).
const path = require('node:path');
const fs = require('node:fs');
const vscode = require('vscode');

const root = path.resolve(__dirname, '..', '..', '..');

function runSuite(Mocha, ui, files, prefix, results, save) {
  const mocha = new Mocha({ ui, timeout: 60_000, color: false, reporter: 'spec' });
  for (const f of files) mocha.addFile(f);
  return new Promise((resolve) => {
    const runner = mocha.run((failures) => resolve(failures));
    runner.on('pass', (t) => {
      results.passed++;
      results.tests.push({ title: `${prefix}${t.fullTitle()}`, ok: true, ms: t.duration });
      save();
    });
    runner.on('fail', (t, err) => {
      results.failed++;
      results.tests.push({ title: `${prefix}${t.fullTitle()}`, ok: false, error: String(err && (err.stack || err.message) || err).split('\n').slice(0, 6).join('\n') });
      save();
    });
  });
}

exports.run = async function run() {
  const Mocha = require(path.join(root, 'node_modules', 'mocha'));
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? require('node:os').tmpdir();
  const out = path.join(folder, '.e2e-host-results.json');
  const results = { tests: [], passed: 0, failed: 0, done: false };
  const save = () => fs.writeFileSync(out, JSON.stringify(results, null, 2));
  save();
  const own = fs.readdirSync(__dirname).filter((n) => n.endsWith('.test.cjs')).sort().map((f) => path.join(__dirname, f));
  let failures = await runSuite(Mocha, 'bdd', own, '', results, save);
  const suiteDir = path.join(root, 'out', 'vscode-test', 'suite');
  const issueSuite = fs.existsSync(suiteDir) ? fs.readdirSync(suiteDir).filter((n) => n.endsWith('.test.js')).sort().map((f) => path.join(suiteDir, f)) : [];
  if (issueSuite.length) failures += await runSuite(Mocha, 'tdd', issueSuite, '[test/vscode] ', results, save);
  else {
    results.failed++;
    results.tests.push({ title: '[test/vscode] suite present', ok: false, error: `no bundled suite in ${suiteDir} (npm run build makes it)` });
  }
  results.done = true;
  save();
  if (failures) throw new Error(`${failures} extension host test(s) failed`);
};
