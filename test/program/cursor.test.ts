import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Operation } from '../../src/machine/operation';
import { parseScenario, ScenarioCursor, type CursorState } from '../../src/program';
import { brief, parseOk, PRELUDE, runAll } from './helpers';

test('a one-line repeat runs its statement N times, all at the statement position', () => {
  const ops = runAll(parseOk(PRELUDE + 'repeat 3 { read(fd, buf, 4KiB) }\nclose(fd)\n'), (op) => (op.name === 'open' ? 3 : 0));
  assert.deepEqual(brief(ops.slice(2)), ['read(3,0,4096)', 'read(3,0,4096)', 'read(3,0,4096)', 'close(3)']);
  assert.deepEqual(ops.slice(2, 5).map((o) => [o.line, o.col]), [[4, 12], [4, 12], [4, 12]]);
});

test('multi-line and nested repeats yield the right sequence', () => {
  const text = [
    'repeat 2 {', //            1
    '  sleep 1s', //            2
    '  repeat 3 {', //          3
    '    alloc(1)', //          4
    '    repeat 2 { alloc(2) }', // 5
    '  }', //                   6
    '  sleep 2s', //            7
    '}', //                     8
    'drop_caches', //           9
  ].join('\n');
  const ops = runAll(parseOk(text));
  const inner = ['alloc(1)', 'alloc(2)', 'alloc(2)'];
  const once = ['sleep(1000000000)', ...inner, ...inner, ...inner, 'sleep(2000000000)'];
  assert.deepEqual(brief(ops), [...once, ...once, 'drop_caches()']);
  assert.deepEqual(ops.slice(0, 4).map((o) => o.line), [2, 4, 5, 5]);
});

test('repeat 0, an empty body and a count read from a variable', () => {
  const s = parseScenario('repeat 0 { alloc(1) }\nrepeat 5 {\n}\nn = alloc(1)\nrepeat n { alloc(7) }\ndrop_caches\n', 't');
  assert.deepEqual(
    s.diagnostics.map((d) => [d.severity, d.line, d.col, d.message]),
    [
      ['warning', 1, 8, 'repeat 0 never runs its body'],
      ['warning', 2, 10, 'this repeat has an empty body'],
    ],
  );
  // alloc returns 3, so the loop runs three times; a failed call (-1) would run it zero times.
  assert.deepEqual(brief(runAll(s, () => 3)), ['alloc(1)', 'alloc(7)', 'alloc(7)', 'alloc(7)', 'drop_caches()']);
  assert.deepEqual(brief(runAll(s, () => -1)), ['alloc(1)', 'drop_caches()']);
});

test('complete() binds results to variables; a reassignment reads the old value first', () => {
  const c = new ScenarioCursor(parseOk(PRELUDE + 'n = read(fd, buf, 10)\nn = pread(fd, buf, n, n)\nwrite(fd, buf, n)\n'));
  const step = (result: number): Operation => {
    const op = c.next()!;
    c.complete(result);
    return op;
  };
  assert.deepEqual([...c.variables()], []);
  step(0x5000); // alloc
  assert.deepEqual([...c.variables()], [['buf', 0x5000]]);
  step(3); // open
  step(7); // read
  assert.deepEqual([...c.variables()], [['buf', 0x5000], ['fd', 3], ['n', 7]]);
  assert.deepEqual(step(-1).args, [3, 0x5000, 7, 7]);
  assert.equal(c.variables().get('n'), -1);
  assert.deepEqual(step(0).args, [3, 0x5000, -1]);
  assert.equal(c.next(), null);
  assert.equal(c.next(), null);
});

test('an operation without a target leaves the variables alone', () => {
  const c = new ScenarioCursor(parseOk('a = alloc(1)\nalloc(2)\n'));
  c.next();
  c.complete(11);
  c.next();
  c.complete(22);
  assert.deepEqual([...c.variables()], [['a', 11]]);
});

test('snapshot and restore mid-loop resume identically', () => {
  const text = PRELUDE + 'repeat 3 {\n  n = read(fd, buf, 4KiB)\n  repeat 2 { pwrite(fd, buf, n, n * 2) }\n}\nclose(fd)\n';
  const s = parseOk(text);
  let k = 0;
  const results = () => ++k;
  const c = new ScenarioCursor(s);
  const before: Operation[] = [];
  for (let i = 0; i < 7; i++) {
    const op = c.next()!;
    c.complete(results());
    before.push(op);
  }
  // In the middle of the second outer iteration, inside the inner loop.
  assert.deepEqual(brief(before), ['alloc(4096)', 'open(2)', 'read(2,1,4096)', 'pwrite(2,1,3,6)', 'pwrite(2,1,3,6)', 'read(2,1,4096)', 'pwrite(2,1,6,12)']);
  const state = c.snapshot();
  const kAt = k;
  const rest = (): string[] => {
    const out: Operation[] = [];
    for (let op = c.next(); op !== null; op = c.next()) {
      c.complete(results());
      out.push(op);
    }
    return brief(out);
  };
  const first = rest();
  assert.deepEqual(first, ['pwrite(2,1,6,12)', 'read(2,1,4096)', 'pwrite(2,1,9,18)', 'pwrite(2,1,9,18)', 'close(2)']);
  // Mutating the cursor after the snapshot must not have touched the snapshot.
  c.restore(state);
  k = kAt;
  assert.deepEqual(rest(), first);
  // A fresh cursor restored from the snapshot does the same.
  const d = new ScenarioCursor(s);
  d.restore(state);
  k = kAt;
  const out: Operation[] = [];
  for (let op = d.next(); op !== null; op = d.next()) {
    d.complete(results());
    out.push(op);
  }
  assert.deepEqual(brief(out), first);
});

test('snapshot state is plain data and independent of later mutation', () => {
  const c = new ScenarioCursor(parseOk('a = alloc(1)\nrepeat 4 { b = alloc(2) }\n'));
  c.next();
  c.complete(5);
  c.next();
  const s1: CursorState = c.snapshot();
  const copy = JSON.parse(JSON.stringify(s1)) as CursorState;
  assert.deepEqual(copy, s1);
  c.complete(9);
  c.next();
  c.complete(10);
  assert.deepEqual(s1, copy);
  assert.deepEqual(s1.vars, [5, null]);
  // Restoring a JSON round-tripped state works as well as the original.
  c.restore(copy);
  c.complete(8);
  assert.deepEqual([...c.variables()], [['a', 5], ['b', 8]]);
  assert.deepEqual(c.loops(), [{ line: 2, iteration: 1, count: 4 }]);
  let n = 0;
  while (c.next() !== null) n++;
  assert.equal(n, 3);
});

test('loops() and peek() report the position without moving the cursor', () => {
  const c = new ScenarioCursor(parseOk('repeat 2 {\n  repeat 3 { alloc(1) }\n}\ndrop_caches\n'));
  assert.deepEqual(c.peek(), { line: 2, col: 14 });
  assert.deepEqual(c.loops(), []);
  c.next();
  c.next();
  assert.deepEqual(c.loops(), [{ line: 1, iteration: 1, count: 2 }, { line: 2, iteration: 2, count: 3 }]);
  c.next();
  c.next();
  assert.deepEqual(c.loops(), [{ line: 1, iteration: 2, count: 2 }, { line: 2, iteration: 1, count: 3 }]);
  c.next();
  c.next();
  // The last alloc has been returned; the loops are still open until the next call leaves them.
  assert.deepEqual(c.peek(), { line: 4, col: 1 });
  assert.deepEqual(c.loops(), [{ line: 1, iteration: 2, count: 2 }, { line: 2, iteration: 3, count: 3 }]);
  assert.equal(c.next()!.name, 'drop_caches');
  assert.deepEqual(c.loops(), []);
  assert.equal(c.peek(), null);
  assert.equal(c.next(), null);
});

test('a cursor refuses a scenario with errors', () => {
  assert.throws(() => new ScenarioCursor(parseScenario('frob()\n', 'bad.iosim')), /bad\.iosim: cannot run a scenario that has errors/);
});

test('a million iterations cost O(1) memory and run fast', () => {
  const s = parseOk(PRELUDE + 'n = pread(fd, buf, 1, 0)\nrepeat 1000 {\n  repeat 1000 {\n    n = pread(fd, buf + 512, 4KiB, n * 2)\n  }\n}\n');
  const c = new ScenarioCursor(s);
  for (let i = 0; i < 3; i++) {
    c.next();
    c.complete(i);
  }
  const t0 = process.hrtime.bigint();
  let count = 0;
  let last: Operation | null = null;
  for (let op = c.next(); op !== null; op = c.next()) {
    c.complete(count & 7);
    last = op;
    count++;
  }
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  assert.equal(count, 1_000_000);
    // buf = 0 and fd = 1 from the first results; n comes from the previous call's result, 999_998 & 7 = 6.
  assert.deepEqual(last!.args, [1, 512, 4096, 12]);
  assert.ok(ms < 1000, `took ${ms} ms`);
  // The whole state stays a handful of numbers.
  assert.ok(JSON.stringify(c.snapshot()).length < 200);
});
