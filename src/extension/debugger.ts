/** The `iomachine` debugger: configurations (F5 without launch.json), the adapter (inline or a process), events. */
import { mkdirSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import * as vscode from 'vscode';
import { record, RecordError, recordUnavailable } from '../cli/record';
import { IoMachineSession } from '../debug/session';
import { ExtensionLaunchArgs, MachineState, STATE_EVENT } from '../shared/messages';
import { PanelHost } from './panel';
import { StatusBar } from './statusBar';

export const DEBUG_TYPE = 'iomachine';

function isProgramDocument(doc: vscode.TextDocument | undefined): doc is vscode.TextDocument {
  return !!doc && (doc.languageId === 'iosim' || doc.languageId === 'strace');
}

/**
 * A launch configuration's `command` (with optional `cold` and `watch` paths): runs iosim record in the
 * configuration's cwd and returns the log's path (.iosim/recordings/NAME-TIME.strace), or undefined after telling why.
 */
function recordForLaunch(config: vscode.DebugConfiguration, folder: vscode.WorkspaceFolder | undefined): string | undefined {
  const command = (config.command as unknown[]).map(String);
  const missing = recordUnavailable();
  if (missing) {
    void vscode.window.showErrorMessage(missing);
    return undefined;
  }
  const cwd = typeof config.cwd === 'string' ? config.cwd : folder?.uri.fsPath ?? process.cwd();
  const dir = join(cwd, '.iosim', 'recordings');
  mkdirSync(dir, { recursive: true });
  const name = basename(command[0] ?? 'command').replace(/[^\w.-]/g, '_');
  const log = join(dir, `${name}-${new Date().toISOString().replace(/[:.]/g, '-')}.strace`);
  const paths = (v: unknown) => (Array.isArray(v) ? v.map((p) => resolve(cwd, String(p))) : []);
  try {
    const prev = process.cwd();
    process.chdir(cwd);
    try {
      record({ log, cold: paths(config.cold), watch: paths(config.watch), command, say: (l) => void vscode.window.showWarningMessage(l) });
    } finally {
      process.chdir(prev);
    }
  } catch (e) {
    if (!(e instanceof RecordError)) throw e;
    void vscode.window.showErrorMessage(e.message);
    return undefined;
  }
  return log;
}

export class ConfigurationProvider implements vscode.DebugConfigurationProvider {
  /** F5 with no launch.json, or a launch.json entry without a program: debug the active scenario. */
  resolveDebugConfiguration(folder: vscode.WorkspaceFolder | undefined, config: vscode.DebugConfiguration): vscode.ProviderResult<vscode.DebugConfiguration> {
    if (!config.type && !config.request && !config.name) {
      const doc = vscode.window.activeTextEditor?.document;
      if (!isProgramDocument(doc)) {
        void vscode.window.showInformationMessage(vscode.l10n.t('Open an .iosim scenario (or a .strace log) to debug it on the I/O machine.'));
        return undefined;
      }
      config.type = DEBUG_TYPE;
      config.name = 'Debug I/O scenario';
      config.request = 'launch';
      config.program = doc.uri.fsPath;
      config.stopOnEntry = true;
    }
    if (Array.isArray(config.command) && !config.program) {
      // "command": record the program here (iosim record) and debug the log on the recorded machine.
      const log = recordForLaunch(config, folder);
      if (!log) return undefined;
      config.program = log;
    }
    if (!config.program) {
      const doc = vscode.window.activeTextEditor?.document;
      if (isProgramDocument(doc)) config.program = doc.uri.fsPath;
      else {
        void vscode.window.showErrorMessage(vscode.l10n.t("The launch configuration needs a 'program' (an .iosim scenario)."));
        return undefined;
      }
    }
    // The panel and the status bar follow every stop: the adapter sends its state only to a client that asks.
    const own: ExtensionLaunchArgs = { stateEvents: true };
    config.stateEvents ??= own.stateEvents;
    // Relative paths in launch.json are the workspace folder's, as everywhere in VS Code.
    if (folder && config.cwd === undefined) config.cwd = folder.uri.fsPath;
    return config;
  }

  provideDebugConfigurations(): vscode.DebugConfiguration[] {
    return [{ type: DEBUG_TYPE, request: 'launch', name: 'Debug I/O scenario', program: '${file}', stopOnEntry: true }];
  }
}

export class AdapterFactory implements vscode.DebugAdapterDescriptorFactory {
  constructor(private context: vscode.ExtensionContext) {}

  createDebugAdapterDescriptor(): vscode.ProviderResult<vscode.DebugAdapterDescriptor> {
    const mode = vscode.workspace.getConfiguration('iomachine').get<string>('adapterMode', 'inline');
    if (mode === 'process' && vscode.workspace.isTrusted) {
      const adapter = this.context.asAbsolutePath('dist/debugAdapter.js');
      // The extension host's own runtime runs the adapter, so no Node installation is needed.
      return new vscode.DebugAdapterExecutable(process.execPath, [adapter], { env: { ELECTRON_RUN_AS_NODE: '1' } });
    }
    return new vscode.DebugAdapterInlineImplementation(new IoMachineSession() as unknown as vscode.DebugAdapter);
  }
}

export function registerDebugger(context: vscode.ExtensionContext, panel: PanelHost, status: StatusBar): void {
  const provider = new ConfigurationProvider();
  context.subscriptions.push(
    vscode.debug.registerDebugConfigurationProvider(DEBUG_TYPE, provider),
    vscode.debug.registerDebugConfigurationProvider(DEBUG_TYPE, { provideDebugConfigurations: () => provider.provideDebugConfigurations() }, vscode.DebugConfigurationProviderTriggerKind.Dynamic),
    vscode.debug.registerDebugAdapterDescriptorFactory(DEBUG_TYPE, new AdapterFactory(context)),
    vscode.debug.onDidReceiveDebugSessionCustomEvent((e) => {
      if (e.session.type !== DEBUG_TYPE || e.event !== STATE_EVENT) return;
      const state = e.body as MachineState;
      status.show(state);
      panel.showState(state, e.session);
    }),
    vscode.debug.onDidStartDebugSession((s) => {
      if (s.type !== DEBUG_TYPE) return;
      if (vscode.workspace.getConfiguration('iomachine').get<boolean>('openPanelOnDebugStart', true) && !s.configuration.noDebug) panel.open(true);
    }),
    vscode.debug.onDidTerminateDebugSession((s) => {
      if (s.type !== DEBUG_TYPE) return;
      status.hide();
      panel.sessionEnded(s);
    }),
  );
}
