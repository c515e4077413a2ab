// Runs inside VS Code's remote extension host (code-server), loaded through the workbench URL's test payload:
//   ?folder=<ws>&payload=[["extensionDevelopmentPath","<project>"],["extensionTestsPath","<this file>"]]
// It runs the mocha suites beside it and writes what happened to <workspace>/.e2e-host-results.json, which
// scripts/e2e.mjs reads (the extension host's console is not the test's stdout).
const path = require('node:path');
const fs = require('node:fs');
const vscode = require('vscode');

const root = path.resolve(__dirname, '..', '..', '..');

exports.run = function run() {
  const Mocha = require(path.join(root, 'node_modules', 'mocha'));
  const mocha = new Mocha({ ui: 'bdd', timeout: 30_000, color: false, reporter: 'spec' });
  for (const f of fs.readdirSync(__dirname).filter((n) => n.endsWith('.test.cjs')).sort()) mocha.addFile(path.join(__dirname, f));
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? require('node:os').tmpdir();
  const out = path.join(folder, '.e2e-host-results.json');
  const results = { tests: [], passed: 0, failed: 0, done: false };
  const save = () => fs.writeFileSync(out, JSON.stringify(results, null, 2));
  save();
  return new Promise((resolve, reject) => {
    const runner = mocha.run((failures) => {
      results.done = true;
      save();
      if (failures) reject(new Error(`${failures} extension host test(s) failed`));
      else resolve();
    });
    runner.on('pass', (t) => {
      results.passed++;
      results.tests.push({ title: t.fullTitle(), ok: true, ms: t.duration });
      save();
    });
    runner.on('fail', (t, err) => {
      results.failed++;
      results.tests.push({ title: t.fullTitle(), ok: false, error: String(err && (err.stack || err.message) || err).split('\n').slice(0, 6).join('\n') });
      save();
    });
  });
};
