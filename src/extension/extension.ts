/** Activation: the debugger, the languages, the panel and the commands. Every handler reports errors to the user. */
import * as vscode from 'vscode';
import { registerAdvise } from './advise';
import { registerCommands } from './commands';
import { registerDebugger } from './debugger';
import { registerLanguageFeatures } from './language';
import { PanelHost } from './panel';
import { StatusBar } from './statusBar';
import { MachineState } from '../shared/messages';

/** What the extension exposes to its own extension-host tests. */
export interface ExtensionApi {
  lastState(): MachineState | null;
}

export function activate(context: vscode.ExtensionContext): ExtensionApi {
  const panel = new PanelHost(context);
  const status = new StatusBar();
  context.subscriptions.push(status);
  registerDebugger(context, panel, status);
  registerLanguageFeatures(context);
  registerCommands(context, panel);
  registerAdvise(context, panel);
  context.subscriptions.push(vscode.window.registerWebviewPanelSerializer(PanelHost.viewType, panel.serializer()));
  return { lastState: () => panel.state() };
}

export function deactivate(): void {
  // Nothing to release beyond the subscriptions VS Code disposes.
}
