/**
 * The replay reads a line the first pass marked as repeating the line four before from its timestamp and duration
 * only (repeat.ts): it must come to what parseFast reads of that line, field by field, on every line of the fixtures,
 * of generated loops and of mutated ones, and after a seek.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { Operation } from '../../src/machine/operation';
import { FastCall, FastKind, fastPath, parseFast } from '../../src/program/strace/fast';
import { textSource } from '../../src/program/strace/lines';
import { loadStrace, type StraceLoaded } from '../../src/program/strace/load';
import { Repeats } from '../../src/program/strace/repeat';
import { FIXTURES, fixture } from './helpers';

const FIELDS = ['kind', 'op', 'name', 'pid', 'tsSec', 'tsNs', 'tsTod', 'col', 'fd', 'decoStart', 'last', 'prev', 'r', 'durNs', 'callStart', 'callEnd', 'retStart', 'retEnd', 'start', 'end'] as const;

/** What the first pass reads besides (where parseFast read a line, for the first pass's next line). */
const SCAN_FIELDS = [...FIELDS, 'frontEnd', 'tailStart', 'argsAt', 'closeAt', 'callOk'] as const;

/**
 * Both passes of repeat.ts over `text`, each checked line by line against parseFast; returns how many lines the second
 * one read again (from the line four before), and how many the first one read from the line four before's bytes.
 */
function check(text: string, what: string): number {
  return checkBoth(text, what).again;
}

function checkBoth(text: string, what: string): { again: number; same: number } {
  const source = textSource(text);
  const marks = new Repeats();
  const ref = new FastCall();
  let cur = source.open();
  let same = 0;
  const spareOf = (r: Repeats): FastCall => (r as unknown as { spare: FastCall }).spare;
  for (let n = 1; cur.advance(); n++) {
    const want = parseFast(cur.bytes, cur.start, cur.end, ref);
    const before = spareOf(marks);
    const got = marks.scan(cur.bytes, cur.start, cur.end, n);
    assert.equal(got !== null, want, `${what}: line ${n}: first pass takes it ${got !== null}, parseFast ${want}`);
    if (got === null || ref.kind !== FastKind.Call) continue;
    // Read from the line four before's bytes, not by parseFast (which reads into the spare call and returns it).
    if (got !== before) same++;
    for (const k of SCAN_FIELDS) assert.ok(Object.is(got[k], ref[k]), `${what}: line ${n} (first pass): ${k} ${String(got[k])}, parseFast ${String(ref[k])}`);
  }
  const replay = new Repeats(marks.bits);
  let again = 0;
  cur = source.open();
  for (let n = 1; cur.advance(); n++) {
    const want = parseFast(cur.bytes, cur.start, cur.end, ref);
    let got = replay.again(cur.bytes, cur.start, cur.end, n);
    if (got !== null) {
      again++;
      assert.ok(want && ref.kind === FastKind.Call, `${what}: line ${n} read again but parseFast does not take it`);
    } else {
      got = replay.into(n);
      const ok = parseFast(cur.bytes, cur.start, cur.end, got);
      replay.read(n, ok);
      assert.equal(ok, want);
      if (!ok) continue;
    }
    if (ref.kind !== FastKind.Call) continue;
    for (const k of FIELDS) assert.ok(Object.is(got[k], ref[k]), `${what}: line ${n}: ${k} ${String(got[k])}, parseFast ${String(ref[k])}`);
  }
  return { again, same };
}

/**
 * The data a call shows, different from line to line as a real copy's is, and of different lengths (strace escapes
 * each byte as it can: `\\0`, `\\177`, `\\n` or itself), which moves the result and the duration.
 */
function data(n: number): string {
  const pieces = ['\\177', 'E', '\\0', 'LF', '\\2', '\\n', '\\"', '\\\\', 'x'];
  let d = '';
  for (let k = 0; k < 4 + (n % 7); k++) d += pieces[(n * 7 + k * 3) % pieces.length];
  return `"${d}"...`;
}

/** A cp-style loop: `read` then `write`, `-tt -T` clocks moving on (past the hour), durations of every width, data of every length. */
function copyLog(lines: number): string[] {
  const out: string[] = [];
  let us = 3599_000_000 - 5000;
  for (let n = 0; out.length < lines; n++) {
    us += 7 + (n % 13) * 1111;
    const s = Math.floor(us / 1e6);
    const clock = `${String(10 + Math.floor(s / 3600)).padStart(2, '0')}:${String(Math.floor(s / 60) % 60).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}.${String(us % 1e6).padStart(6, '0')}`;
    const dur = n % 50 === 49 ? '12.000021' : `0.0000${String(n % 100).padStart(2, '0')}`;
    out.push(`4242  ${clock} read(3</data/src.bin>, ${data(n)}, 131072) = 131072 <${dur}>`);
    out.push(`4242  ${clock} write(4</data/dst.bin>, ${data(n)}, 131072) = 131072 <${dur}>`);
  }
  return out;
}

test('lines read again from the line four before read as parseFast reads them: fixtures, loops, mutated loops', () => {
  for (const name of readdirSync(FIXTURES).filter((n) => n.endsWith('.strace'))) check(readFileSync(fixture(name), 'utf8'), name);
  const log = copyLog(4000);
  const plain = checkBoth(log.join('\n'), 'copy loop');
  assert.ok(plain.again > 3500, `${plain.again} lines read again`);
  // The first pass reads most of them from the line four before's bytes (not where the arguments' length crosses MAX_ARGS).
  assert.ok(plain.same > 3500, `${plain.same} lines read from the bytes of the line four before`);
  const long = checkBoth(copyLog(2000).map((l, n) => l.replace('"...', `${'\\0'.repeat(170 + (n % 11))}"...`)).join('\n'), 'long arguments');
  assert.ok(long.same > 900 && long.again > 900, `long arguments: ${long.same}, ${long.again}`);
  let seed = 7;
  const rnd = (n: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
    return seed % n;
  };
  let again = 0;
  for (let round = 0; round < 8; round++) {
    const mutated = log.map((l) => {
      const k = rnd(10);
      if (k === 0) return l.slice(0, rnd(l.length + 1));
      if (k === 1) {
        const a = l.split('');
        for (let i = 0; i < 2; i++) a[rnd(a.length)] = ' <>(),.=:0123456789'[rnd(19)];
        return a.join('');
      }
      if (k === 2) return l.replace('131072)', '13107)').replace('= 131072', '= 13107');
      if (k === 3) return l.replace('(3<', '(5<').replace('4242 ', '4243 ');
      return l;
    });
    again += check(mutated.join('\n'), `mutation ${round}`);
  }
  assert.ok(again > 10000, `only ${again} mutated lines read again`);
});

test('a replay reads a loop\'s lines again, and restored to an earlier point hands out the same operations again', () => {
  const loaded = loadStrace(copyLog(2000).join('\n'), 'copy.strace');
  const src = loaded.spec!.createSource();
  const ops: Operation[] = [];
  let saved: unknown = null;
  const answer = (op: Operation) => (op.name === 'alloc' ? 0x10000000 : op.name === 'open' ? 3 : op.args[2] ?? 0);
  // The replay itself (not only the Repeats above) takes most lines from the line four before.
  const again = Repeats.prototype.again;
  let read = 0;
  Repeats.prototype.again = function (this: Repeats, ...a: Parameters<Repeats['again']>) {
    const f = again.apply(this, a);
    if (f !== null) read++;
    return f;
  };
  try {
    for (let op = src.next(); op !== null; op = src.next()) {
      ops.push(op);
      src.complete(answer(op));
      if (ops.length === 1001) saved = src.snapshot();
    }
  } finally {
    Repeats.prototype.again = again;
  }
  assert.ok(read > 1800, `${read} lines read again`);
  src.restore(saved);
  const rest: Operation[] = [];
  for (let op = src.next(); op !== null; op = src.next()) {
    rest.push(op);
    src.complete(answer(op));
  }
  assert.ok(rest.length > 900);
  assert.deepEqual(rest, ops.slice(1001));
});

/** The operations of `loaded`, answered as a machine would. */
function collect(loaded: StraceLoaded): Operation[] {
  const src = loaded.spec!.createSource();
  const ops: Operation[] = [];
  for (let op = src.next(); op !== null; op = src.next()) {
    ops.push(op);
    src.complete(op.name === 'alloc' ? 0x10000000 : op.name === 'open' ? 3 : op.args[2] ?? 0);
  }
  return ops;
}

test('a copy loop (and a mutated one) loads and replays to the same program and operations with the fast path on and off', () => {
  const log = copyLog(3000);
  const cut = log.map((l, n) => (n % 37 === 5 ? l.replace(' = 131072', ' = 4096') : n % 41 === 7 ? l.slice(0, 40) : l));
  for (const text of [log.join('\n'), cut.join('\n')]) {
    const run = (on: boolean) => {
      fastPath.enabled = on;
      try {
        const loaded = loadStrace(text, 'copy.strace');
        return { loaded, ops: collect(loaded) };
      } finally {
        fastPath.enabled = true;
      }
    };
    const a = run(true);
    const b = run(false);
    assert.deepEqual(a.loaded.diagnostics, b.loaded.diagnostics);
    assert.deepEqual(a.loaded.spec?.files, b.loaded.spec?.files);
    assert.deepEqual({ ...a.loaded.strace, byName: [...a.loaded.strace.byName] }, { ...b.loaded.strace, byName: [...b.loaded.strace.byName] });
    assert.ok(a.ops.length > 2900);
    assert.deepEqual(a.ops, b.ops);
  }
});
