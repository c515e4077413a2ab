/** In a real VS Code: activation, the configuration provider, and a whole debug session through vscode.debug. */
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { MachineState } from '../../../src/shared/messages';

const EXT_ID = 'io-machine.io-machine-debugger';

interface Api {
  lastState(): MachineState | null;
}

function folder(): string {
  const f = vscode.workspace.workspaceFolders?.[0];
  assert.ok(f, 'the test workspace (a copy of examples/) is open');
  return f.uri.fsPath;
}

function waitFor<T>(event: vscode.Event<T>, pred: (e: T) => boolean, ms = 30_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { sub.dispose(); reject(new Error('timed out waiting for an event')); }, ms);
    const sub = event((e) => {
      if (pred(e)) {
        clearTimeout(timer);
        sub.dispose();
        resolve(e);
      }
    });
  });
}

suite('I/O Machine Debugger in the extension host', () => {
  teardown(async () => {
    await vscode.debug.stopDebugging();
    vscode.debug.removeBreakpoints(vscode.debug.breakpoints);
  });

  test('activates on an .iosim file and contributes its commands', async () => {
    const doc = await vscode.workspace.openTextDocument(join(folder(), 'sendfile.iosim'));
    assert.equal(doc.languageId, 'iosim');
    await vscode.window.showTextDocument(doc);
    const ext = vscode.extensions.getExtension<Api>(EXT_ID);
    assert.ok(ext, 'the extension is installed');
    await ext.activate();
    const commands = await vscode.commands.getCommands(true);
    for (const c of ['iomachine.openPanel', 'iomachine.compare', 'iomachine.exportTrace', 'iomachine.newScenario']) assert.ok(commands.includes(c), c);
  });

  test('reports scenario errors in the Problems panel', async () => {
    const doc = await vscode.workspace.openTextDocument({ language: 'iosim', content: 'buf = alloc(4KiB)\nn = reed(3, buf, 4KiB)\n' });
    await vscode.window.showTextDocument(doc);
    const diags = await new Promise<vscode.Diagnostic[]>((resolve) => {
      const check = () => {
        const d = vscode.languages.getDiagnostics(doc.uri);
        if (d.length) resolve(d);
        else setTimeout(check, 100);
      };
      check();
    });
    assert.equal(diags[0].range.start.line, 1);
    assert.match(diags[0].message, /reed/);
  });

  test('F5 without launch.json: the provider fills in the active scenario', async () => {
    const file = join(folder(), 'read-write.iosim');
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(file));
    const started = waitFor(vscode.debug.onDidStartDebugSession, (s) => s.type === 'iomachine');
    assert.ok(await vscode.debug.startDebugging(undefined, { type: 'iomachine', request: 'launch', name: 'no program' }));
    const session = await started;
    assert.equal(session.configuration.program, file);
  });

  test('a debug session stops at a breakpoint and its state reaches the panel host', async () => {
    const file = join(folder(), 'sendfile.iosim');
    const doc = await vscode.workspace.openTextDocument(file);
    const line = doc.getText().split('\n').findIndex((l) => /^\s*(\w+\s*=\s*)?sendfile\(/.test(l));
    assert.ok(line >= 0, 'the example has a sendfile line');
    vscode.debug.addBreakpoints([new vscode.SourceBreakpoint(new vscode.Location(doc.uri, new vscode.Position(line, 0)))]);
    const stateEvent = waitFor(vscode.debug.onDidReceiveDebugSessionCustomEvent, (e) => e.event === 'iomachine/state' && (e.body as MachineState).position >= 0);
    assert.ok(await vscode.debug.startDebugging(undefined, { type: 'iomachine', request: 'launch', name: 'bp', program: file, stopOnEntry: false }));
    const ev = await stateEvent;
    const state = ev.body as MachineState;
    const session = ev.session;
    const reply = (await session.customRequest('iomachine/state')) as MachineState;
    assert.equal(reply.position, state.position);
    const ext = vscode.extensions.getExtension<Api>(EXT_ID)!;
    assert.equal(ext.exports.lastState()?.position, state.position, 'the panel host got the same state');
    const stack = await session.customRequest('stackTrace', { threadId: 1 });
    assert.equal(stack.stackFrames[0].line, line + 1);
  });
});

suite('The zero-copy advisor in the editor', () => {
  const LOG = join(__dirname, '../../../test/fixtures/advise/tiny.strace');

  test('a CodeLens over the first line of the loop opens its comparison in the panel\'s Compare tab', async () => {
    const doc = await vscode.workspace.openTextDocument(LOG);
    assert.equal(doc.languageId, 'strace');
    await vscode.window.showTextDocument(doc);
    await vscode.extensions.getExtension<Api>(EXT_ID)!.activate();
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', doc.uri);
    const advice = lenses.filter((l) => l.command?.command === 'iomachine.adviseLoop');
    assert.equal(advice.length, 1, 'one loop in the log');
    // Line 494 of the log (0-based 493) is the loop's first read.
    assert.equal(advice[0].range.start.line, 493);
    assert.match(advice[0].command!.title, /^16 read\+write pairs → [a-z+-]+: −\d+ CPU copies, this loop (\d+\.\d\d× (faster|slower)|about the same time), the run (\d+\.\d\d× faster|about the same time) \(model\)$/);
    const result = await vscode.commands.executeCommand<{ rows: { method: string }[]; advice?: { firstLine: number } }>(
      advice[0].command!.command, ...(advice[0].command!.arguments ?? []));
    assert.ok(result?.advice, 'a comparison about the loop');
    assert.equal(result.advice.firstLine, 494);
    assert.deepEqual(result.rows.map((r) => r.method), ['read+write (log)', 'sendfile', 'sendfile+sg-dma', 'splice', 'mmap+write', 'direct+write', 'direct+aio']);
  });

  test('the advise command never throws at the user: a loop that is not there is an error message', async () => {
    const r = await vscode.commands.executeCommand('iomachine.adviseLoop', vscode.Uri.file(LOG).toString(), 7);
    assert.equal(r, undefined);
  });
});
