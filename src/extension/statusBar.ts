/** The status bar item during a session: trace position, simulated time, CPU mode. */
import * as vscode from 'vscode';
import { formatDuration } from '../machine/units';
import { MachineState } from '../shared/messages';

export class StatusBar implements vscode.Disposable {
  private item = vscode.window.createStatusBarItem('iomachine.position', vscode.StatusBarAlignment.Left, 10);

  constructor() {
    this.item.name = 'I/O Machine position';
    this.item.command = 'iomachine.openPanel';
  }

  show(state: MachineState): void {
    this.item.text = `$(history) #${state.position} · ${formatDuration(state.timeNs)} · ${state.mode}`;
    this.item.tooltip = new vscode.MarkdownString(
      `**I/O Machine** — trace position ${state.position} of ${state.length} events\n\n` +
      `simulated time ${formatDuration(state.timeNs)}, CPU in ${state.mode} mode\n\n` +
      `${state.counters.contextSwitches} user↔kernel mode switches (not process switches), ${state.counters.cpuCopies} CPU copies, ${state.counters.dmaCopies} DMA copies\n\n_Click to open the I/O Machine panel._`,
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
