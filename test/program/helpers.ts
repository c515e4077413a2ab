import assert from 'node:assert/strict';
import type { Operation } from '../../src/machine/operation';
import { hasErrors, parseScenario, ScenarioCursor, type Diagnostic, type Scenario } from '../../src/program';

/** Parses and insists on a clean program, showing the diagnostics if it is not. */
export function parseOk(text: string): Scenario {
  const s = parseScenario(text, 'test.iosim');
  assert.equal(hasErrors(s), false, s.diagnostics.map((d) => `${d.line}:${d.col}: ${d.message}`).join('\n'));
  return s;
}

/** Runs a program to the end, answering each operation with result(op, index). */
export function runAll(s: Scenario, result: (op: Operation, i: number) => number = () => 0): Operation[] {
  const c = new ScenarioCursor(s);
  const ops: Operation[] = [];
  for (let op = c.next(); op !== null; op = c.next()) {
    c.complete(result(op, ops.length));
    ops.push(op);
  }
  return ops;
}

/** name(args) per operation: a compact way to compare sequences. */
export function brief(ops: Operation[]): string[] {
  return ops.map((o) => `${o.name}(${o.args.join(',')})`);
}

export function errorsOf(text: string): Diagnostic[] {
  return parseScenario(text, 'test.iosim').diagnostics.filter((d) => d.severity === 'error');
}

/** The one error of a program: its position and message. */
export function onlyError(text: string): Diagnostic {
  const errors = errorsOf(text);
  assert.equal(errors.length, 1, `expected exactly one error, got:\n${errors.map((d) => `${d.line}:${d.col}: ${d.message}`).join('\n')}`);
  return errors[0];
}

/** Prefix shared by programs that need a file, a buffer and a descriptor. */
export const PRELUDE = 'file "/f" size 64KiB\nbuf = alloc(4KiB)\nfd = open("/f", O_RDWR)\n';
