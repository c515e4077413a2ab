/**
 * The CPU: the operation being executed, decoded (call, arguments, result, phase, kernel function), and the
 * register file with the registers this step changed highlighted.
 */
import type { DecodedArg, MachineState, RegisterValue } from '../src/shared/messages';
import { el, reconcile, setText, toggleClass } from './dom';

const PHASE_TEXT: Record<string, string> = {
  entry: 'entering the kernel',
  kernel: 'in the kernel',
  exit: 'returning to user space',
  user: 'in user space',
};

export class Registers {
  readonly root: HTMLElement;
  private readonly call: HTMLElement;
  private readonly phase: HTMLElement;
  private readonly kernelStep: HTMLElement;
  private readonly result: HTMLElement;
  private readonly line: HTMLElement;
  private readonly args: HTMLElement;
  private readonly argRows = new Map<string, HTMLElement>();
  private readonly regs: HTMLElement;
  private readonly regRows = new Map<string, HTMLElement>();

  constructor() {
    this.root = el('div', 'registers');
    const op = el('div', 'operation');
    this.call = el('code', 'op-call');
    const meta = el('div', 'op-meta');
    this.line = el('span', 'op-line');
    this.phase = el('span', 'op-phase');
    this.kernelStep = el('code', 'op-kstep');
    meta.append(this.line, this.phase, this.kernelStep);
    this.result = el('div', 'op-result');
    this.args = el('div', 'op-args');
    op.append(this.call, meta, this.args, this.result);
    this.regs = el('div', 'reg-list');
    this.regs.setAttribute('role', 'table');
    this.regs.setAttribute('aria-label', 'Registers');
    this.root.append(op, this.regs);
  }

  update(s: MachineState): void {
    const op = s.operation;
    if (!op) {
      setText(this.call, s.position < 0 ? 'Not started: no operation yet' : 'No operation at this position');
      setText(this.line, '');
      setText(this.phase, '');
      setText(this.kernelStep, '');
      setText(this.result, '');
      this.kernelStep.hidden = true;
    } else {
      setText(this.call, op.call);
      setText(this.line, `#${op.index} · line ${op.line}`);
      setText(this.phase, PHASE_TEXT[op.phase] ?? op.phase);
      this.phase.className = `op-phase phase-${op.phase}`;
      setText(this.kernelStep, op.kernelStep ?? '');
      this.kernelStep.hidden = !op.kernelStep;
      setText(this.result, op.result === null ? 'result: (not returned yet)' : `result: ${op.result}`);
      toggleClass(this.result, 'pending', op.result === null);
    }
    reconcile<DecodedArg, HTMLElement>(
      this.args,
      this.argRows,
      op?.args ?? [],
      (a) => a.name,
      () => {
        const row = el('div', 'arg');
        row.append(el('span', 'arg-name'), el('code', 'arg-value'));
        return row;
      },
      (row, a) => {
        setText(row.children[0], a.name);
        setText(row.children[1], a.value);
      },
    );
    reconcile<RegisterValue, HTMLElement>(
      this.regs,
      this.regRows,
      s.registers,
      (r) => r.name,
      (r) => {
        const row = el('div', 'reg');
        row.setAttribute('role', 'row');
        row.dataset.name = r.name;
        const name = el('span', 'reg-name');
        name.setAttribute('role', 'cell');
        const value = el('code', 'reg-value');
        value.setAttribute('role', 'cell');
        row.append(name, value);
        return row;
      },
      (row, r) => {
        setText(row.children[0], r.name);
        setText(row.children[1], r.value);
        toggleClass(row, 'changed', r.changed);
        row.title = r.changed ? `${r.name} changed at this step` : '';
      },
    );
  }
}
