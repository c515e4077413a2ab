/**
 * Checkpoints share nothing mutable with the live machine: after every operation of a program that fills every part of
 * the kernel state, neither a clone nor a frozen-and-thawed copy holds an object (array, map, record, content) that
 * the machine holds too. A piece of state added without a deep copy in Kernel.copyInto fails here.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EventSink } from '../../src/machine/events';
import { Machine } from '../../src/machine/machine';
import { loadScenario } from '../../src/program/load';

const PROGRAM = `machine {
  page_cache_limit = 512KiB
  vm.dirty_background_bytes = 64KiB
  vm.dirty_bytes = 256KiB
  disk = hdd
}
file "/srv/a.html" size 96KiB
file "/srv/b.bin" size 2MiB
file "/var/log" size 0
buf = alloc(64KiB)
sock = socket()
a = open("/srv/a.html")
b = open("/srv/b.bin", O_RDWR)
read(a, buf, 16KiB)
write(sock, buf, 16KiB)
m = mmap(b, 256KiB)
touch(m, 0, 8KiB)
sendfile(sock, a, 16KiB, 64KiB)
p = pipe()
splice(b, p, 64KiB)
write(p, buf, 4KiB)
log = open("/var/log", O_WRONLY | O_CREAT | O_APPEND)
repeat 8 { write(log, buf, 64KiB) }
d = open("/srv/b.bin", O_RDONLY | O_DIRECT)
id = aio_read(d, buf, 32KiB, 1MiB)
u = uring_read(b, buf, 32KiB, 1536KiB)
aio_wait(id)
uring_wait(u)
fsync(log)
`;

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
  const c = copy as Record<string, unknown>;
  for (const [k, v] of Object.entries(live)) {
    // Pages are reached through the cache's maps; following the LRU links as well would only recurse deeper.
    if (k === 'prev' || k === 'next' || k === 'head' || k === 'tail' || k === 'sink') continue;
    sharedObjects(v, c[k], `${path}.${k}`, seen, out);
  }
}

test('clone and freeze/fromFrozen share no mutable object with the live machine, after every operation', () => {
  const loaded = loadScenario(PROGRAM, 'checkpoint.iosim');
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
