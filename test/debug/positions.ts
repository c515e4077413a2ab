/**
 * Trace positions of a fixture by what happens there, from the same program run in this process: where each
 * operation ends, where the n-th event of a kind is, the kernel steps of an operation. The adapter tests assert that a
 * stop lands on the event that means something (the end of the read, the DMA interrupt, the eviction of page 3)
 * rather than on a number that depends on how many events the machine reports for a step.
 */
import assert from 'node:assert/strict';
import { Ev } from '../../src/machine/events';
import { loadProgramFile } from '../../src/program/loadProgram';
import { kernelPath } from '../../src/debug/kernelPath';
import { Trace } from '../../src/trace/trace';
import { fixture } from './helpers';

export class Layout {
  readonly trace: Trace;

  /** `machine`: the launch's overrides (disk = hdd), as the adapter applies them. */
  constructor(name: string, machine?: Record<string, string | number>) {
    const loaded = loadProgramFile(fixture(name), machine);
    assert.ok(loaded.spec, `${name} did not load`);
    this.trace = new Trace(loaded.spec);
    this.trace.runToEnd();
  }

  /** The last position of operation k (a boundary). */
  end(k: number): number {
    return this.trace.ops.endPosOf(k);
  }

  start(k: number): number {
    return this.trace.ops.startPosOf(k);
  }

  /** -1, then the end of every operation. */
  boundaries(): number[] {
    return [-1, ...Array.from({ length: this.trace.ops.length }, (_, k) => this.end(k))];
  }

  /** The last recorded position (the end phase included). */
  get head(): number {
    return this.trace.head;
  }

  /** Positions of the events of `kind` (optionally only within operation `op` and meeting `where`), in order. */
  all(kind: Ev, op?: number, where: (e: number) => boolean = () => true): number[] {
    const from = op === undefined ? 0 : this.start(op);
    const to = op === undefined ? this.head : this.end(op);
    const out: number[] = [];
    for (let e = from; e <= to; e++) if (this.trace.events.kind(e) === kind && where(e)) out.push(e);
    return out;
  }

  /** The n-th (0-based) event of `kind`, as `all` selects them. */
  nth(kind: Ev, n = 0, op?: number, where?: (e: number) => boolean): number {
    const list = this.all(kind, op, where);
    assert.ok(n < list.length, `no event ${kind} #${n}`);
    return list[n];
  }

  /** The last position of each kernel step of operation k (where stepIn stops). */
  steps(k: number): number[] {
    return kernelPath(this.trace, k).steps.map((s) => s.last);
  }

  /** The index of the n-th operation named `name`. */
  op(name: string, n = 0): number {
    let seen = 0;
    for (let i = 0; i < this.trace.ops.length; i++) {
      if (this.trace.ops.nameOf(i) === name && seen++ === n) return i;
    }
    throw new Error(`no operation ${name} #${n}`);
  }
}
