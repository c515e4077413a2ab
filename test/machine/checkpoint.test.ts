/**
 * Checkpoints share nothing mutable with the live machine: after every operation of a program that touches every part
 * of the machine (RICH), neither a clone nor a frozen-and-thawed copy holds an object (array, map, record, content) that
 * the machine holds too (but for a content's chunks, shared and copied on write). A piece of state added without a deep
 * copy in Kernel.copyInto fails here.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Content } from '../../src/machine/content';
import { EventSink } from '../../src/machine/events';
import { Machine } from '../../src/machine/machine';
import { loadScenario } from '../../src/program/load';
import { RICH } from './helpers';

const nullSink: EventSink = { emit() {} };

/** Paths (from the machine) at which `copy` holds the very object `live` holds. */
function sharedObjects(live: unknown, copy: unknown, path: string, seen: Set<object>, out: string[]): void {
  if (typeof live !== 'object' || live === null || seen.has(live)) return;
  seen.add(live);
  if (live === copy) {
    out.push(path);
    return;
  }
  if (typeof copy !== 'object' || copy === null) return;
  if (live instanceof Map) {
    for (const [k, v] of live) sharedObjects(v, (copy as Map<unknown, unknown>).get(k), `${path}[${String(k)}]`, seen, out);
    return;
  }
  if (live instanceof Set || ArrayBuffer.isView(live)) return;
  // A content's chunks are shared on purpose and copied on write (test/machine/extents.test.ts checks that a copy
  // keeps what it read): the content object itself must not be shared, which the test above checks.
  if (live instanceof Content) return;
  const c = copy as Record<string, unknown>;
  for (const [k, v] of Object.entries(live)) {
    // Pages are reached through the cache's maps; following the LRU links as well would only recurse deeper.
    if (k === 'prev' || k === 'next' || k === 'head' || k === 'tail' || k === 'sink') continue;
    // An index node's frozen copy is immutable (nothing writes a FrozenNode once made): a node thawed from it keeps it
    // until the node changes, so that the copy's next checkpoint shares it (the test below checks that it is dropped
    // on a change).
    if (k === 'frozen') continue;
    sharedObjects(v, c[k], `${path}.${k}`, seen, out);
  }
}

test('clone and freeze/fromFrozen share no mutable object with the live machine, after every operation', () => {
  const loaded = loadScenario(RICH, 'checkpoint.iosim');
  assert.ok(loaded.spec, loaded.diagnostics.map((d) => d.message).join('\n'));
  const spec = loaded.spec;
  const m = new Machine(spec.config, spec.files, nullSink);
  const src = spec.createSource();
  let ops = 0;
  for (let i = 0; ; i++) {
    const op = src.next();
    if (!op) break;
    src.complete(m.execute(op, i).result);
    ops++;
    for (const [name, copy] of [['clone', m.clone(nullSink)], ['fromFrozen', Machine.fromFrozen(m.freeze(), nullSink)]] as const) {
      const out: string[] = [];
      sharedObjects(m, copy, 'machine', new Set(), out);
      assert.deepEqual(out, [], `${name} after operation ${i} (${op.name}) shares ${out.join(', ')}`);
    }
  }
  assert.ok(ops > 20);
  // The program did leave state in every part that a checkpoint copies.
  assert.ok(m.sockets.length && m.pipes.length && m.aio.size === 0 && m.mmapRaStates.size && m.regions.length >= 2);
});
