/** The status bar item during a session: trace position, simulated time, CPU mode. */
import * as vscode from 'vscode';
import { formatDuration } from '../machine/units';
import { MachineState } from '../shared/messages';

export class StatusBar implements vscode.Disposable {
  private item = vscode.window.createStatusBarItem('iomachine.position', vscode.StatusBarAlignment.Left, 10);

  constructor() {
    this.item.name = vscode.l10n.t('I/O Machine position');
    this.item.command = 'iomachine.openPanel';
  }

  show(state: MachineState): void {
    this.item.text = `$(history) #${state.position} · ${formatDuration(state.timeNs)} · ${state.mode}`;
    this.item.tooltip = new vscode.MarkdownString(
      vscode.l10n.t('**I/O Machine** — trace position {0} of {1} events', state.position, state.length) + '\n\n' +
      vscode.l10n.t('simulated time {0}, CPU in {1} mode', formatDuration(state.timeNs), state.mode) + '\n\n' +
      vscode.l10n.t('{0} user↔kernel mode switches (not process switches), {1} CPU copies, {2} DMA copies', state.counters.contextSwitches, state.counters.cpuCopies, state.counters.dmaCopies) +
      '\n\n' + vscode.l10n.t('_Click to open the I/O Machine panel._'),
    );
    this.item.show();
  }

  hide(): void {
    this.item.hide();
  }

  dispose(): void {
    this.item.dispose();
  }
}
