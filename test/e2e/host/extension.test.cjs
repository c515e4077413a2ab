// Mocha suite run in the remote extension host of code-server (see index.cjs): the extension's API surface as VS
// Code sees it, and one debug session driven through vscode.debug.
const assert = require('node:assert/strict');
const path = require('node:path');
const vscode = require('vscode');

const ID = 'io-machine.io-machine-debugger';

function folder() {
  const f = vscode.workspace.workspaceFolders?.[0];
  assert.ok(f, 'a workspace folder is open');
  return f;
}

function waitFor(subscribe, test, ms, what) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      d.dispose();
      reject(new Error(`timed out after ${ms} ms waiting for ${what}`));
    }, ms);
    const d = subscribe((e) => {
      if (!test(e)) return;
      clearTimeout(timer);
      d.dispose();
      resolve(e);
    });
  });
}

describe('I/O Machine Debugger in the extension host', () => {
  it('is installed and activates', async () => {
    const ext = vscode.extensions.getExtension(ID);
    assert.ok(ext, `${ID} is known to the extension host`);
    // The copy installed from the VSIX (it has the manifest the installer writes), not the source folder.
    assert.ok(require('node:fs').existsSync(path.join(ext.extensionPath, '.vsixmanifest')), `${ext.extensionPath} is an installed VSIX`);
    await ext.activate();
    assert.equal(ext.isActive, true);
  });

  it('registers its commands', async () => {
    const all = await vscode.commands.getCommands(true);
    for (const c of ['iomachine.openPanel', 'iomachine.compare', 'iomachine.exportTrace', 'iomachine.newScenario', 'iomachine.runScenario', 'iomachine.debugScenario']) {
      assert.ok(all.includes(c), `command ${c} is registered`);
    }
  });

  it('recognises .iosim files', async () => {
    const doc = await vscode.workspace.openTextDocument(path.join(folder().uri.fsPath, 'sendfile.iosim'));
    assert.equal(doc.languageId, 'iosim');
  });

  it('debugs sendfile.iosim: stops on entry, sends machine state, answers the console, ends', async () => {
    const program = path.join(folder().uri.fsPath, 'sendfile.iosim');
    const state = waitFor((f) => vscode.debug.onDidReceiveDebugSessionCustomEvent(f), (e) => e.event === 'iomachine/state', 20_000, 'the first iomachine/state event');
    const started = await vscode.debug.startDebugging(folder(), { type: 'iomachine', request: 'launch', name: 'e2e host test', program, stopOnEntry: true });
    assert.equal(started, true, 'startDebugging resolves true');
    const ev = await state;
    const session = ev.session;
    assert.equal(session.type, 'iomachine');
    assert.equal(ev.body.position, -1, 'stopped on entry (before the first event)');
    const threads = await session.customRequest('threads');
    assert.ok(threads.threads.length >= 1);
    const r = await session.customRequest('evaluate', { expression: 'cachestat', context: 'repl' });
    assert.match(r.result, /HITS\s+MISSES/);
    const next = waitFor((f) => vscode.debug.onDidReceiveDebugSessionCustomEvent(f), (e) => e.event === 'iomachine/state' && e.body.position >= 0, 20_000, 'a state after a step');
    await session.customRequest('next', { threadId: threads.threads[0].id });
    const after = await next;
    assert.ok(after.body.position > 0, 'the step moved the trace position');
    const ended = waitFor((f) => vscode.debug.onDidTerminateDebugSession(f), (s) => s.id === session.id, 20_000, 'the session to end');
    await vscode.debug.stopDebugging(session);
    await ended;
  });
});
