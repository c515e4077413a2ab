/**
 * The fast path (fast.ts) reads the commonest lines from their bytes; the general parser reads every line. Whatever
 * the fast path takes, it must take to the same values, and a log must load and replay to the same program and the
 * same operations with the fast path on and off.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { Operation } from '../../src/machine/operation';
import { FastCall, FastKind, fastPath, parseFast } from '../../src/program/strace/fast';
import { textSource } from '../../src/program/strace/lines';
import { loadStrace, type StraceLoaded } from '../../src/program/strace/load';
import { LineKind, parseLine } from '../../src/program/strace/parse';
import { Replayer } from '../../src/program/strace/replay';
import { FIXTURES, fixture } from './helpers';

/** The number replay.ts reads at `from` in the arguments (numberAt: spaces, then digits; NaN without). */
function numberAt(s: string): number {
  const m = /^ *(\d+)/.exec(s);
  return m ? Number(m[1]) : NaN;
}

function fast(line: string): FastCall | null {
  const b = Buffer.from(`garbage\n${line}\n9999 more`, 'utf8');
  const f = new FastCall();
  const s = 8;
  return parseFast(b, s, b.length - 10, f) ? f : null;
}

/** A line the fast path takes must read as the general parser (and replay.ts) read it. */
function agree(line: string): boolean {
  const f = fast(line);
  if (!f) return false;
  const p = parseLine(line);
  const where = `on ${JSON.stringify(line)}`;
  assert.equal(p.kind, f.kind === FastKind.Call ? LineKind.Call : f.kind === FastKind.Unfinished ? LineKind.Unfinished : LineKind.Resumed, where);
  assert.equal(f.name, p.name, where);
  assert.equal(f.pid, p.pid, where);
  assert.ok(Object.is(f.tsSec, p.tsSec), where);
  assert.ok(Object.is(f.tsNs, p.tsNs), where);
  assert.equal(f.tsTod, p.tsTod, where);
  assert.equal(f.col, p.col, where);
  if (f.kind === FastKind.Unfinished) {
    assert.equal(f.bytes!.toString('utf8', f.argsStart, f.argsEnd), p.args, where);
    return true;
  }
  assert.equal(p.errno, '', where);
  assert.equal(p.retText, '', where);
  assert.equal(f.r, p.r, where);
  assert.ok(Object.is(f.durNs, p.durNs), where);
  if (f.kind === FastKind.Resumed) {
    assert.equal(p.args, '', where);
    return true;
  }
  const args = p.args;
  assert.equal(f.fd, numberAt(args), where);
  const lc = args.lastIndexOf(',');
  if (p.name === 'read' || p.name === 'pwrite64') assert.ok(Object.is(f.last, numberAt(args.slice(lc + 1))), where);
  if (p.name === 'pread64') {
    assert.ok(Object.is(f.last, numberAt(args.slice(lc + 1))), where);
    assert.ok(Object.is(f.prev, numberAt(args.slice(args.lastIndexOf(',', lc - 1) + 1))), where);
  }
  return true;
}

test('the fast path takes the plain shapes of read, write, pread64 and pwrite64, to the general parser\'s values', () => {
  const taken = [
    '4242  10:00:00.000123 read(5</data/f0.bin>, "\\177ELF\\2\\1\\1\\0"..., 131072) = 131072 <0.000021>',
    '[pid  4242] 10:20:30.123456 read(3</etc/passwd>, "root:x:0:0:root:/root:/bin/bash\\n"..., 4096) = 1294 <0.000035>',
    '17409 19:17:16.815877 write(4<pipe:[91]>, "a, b) = 3"..., 3) = 3 <0.000037>',
    'read(3, "", 65536) = 0',
    'write(1, "hi\\n", 3)                    = 3',
    '9985  1700000000.123456789 pread64(7</x/é.db>, "\\0"..., 4096, 8192) = 4096 <0.000004>',
    '     0.000123 pwrite64(7, "\\0"..., 4096, 12288) = 4096 <1.5>',
    '1000 read(3, "x", 1) = 1 <0.>',
    '12:00:00 read(3, "x", 1) = 1',
    '4242  10:00:00.000123 write(4<pipe:[91]>, "x"..., 131072 <unfinished ...>',
    '[pid 7] pread64(3</é>, <unfinished ...>',
    'write( <unfinished ...>',
    '4242  10:00:00.000123 <... write resumed>) = 131072 <0.000040>',
    '<... pread64 resumed>)   = 5',
  ];
  for (const l of taken) assert.ok(agree(l), `not taken: ${l}`);
  const f = fast(taken[0])!;
  assert.deepEqual([f.name, f.pid, f.tsSec, f.tsNs, f.col, f.fd, f.last, f.r, f.durNs], ['read', 4242, 36000, 123000, 23, 5, 131072, 131072, 21000]);
  const p = fast(taken[5])!;
  assert.deepEqual([p.name, p.fd, p.prev, p.last, p.tsSec, p.tsNs, p.tsTod], ['pread64', 7, 4096, 8192, 1700000000, 123456789, false]);
  const left = [
    'read(3, "x", 1) = -1 EAGAIN (Resource temporarily unavailable) <0.000004>',
    '4242  10:00:00.000123 <... write resumed>, "x", 5) = 5 <0.000040>',
    '4242  10:00:00.000123 <... write resumed>) = -1 EPIPE (Broken pipe) <0.000040>',
    '<... writev resumed>) = 5',
    '<... read resumed>  ) = 5',
    '<...  write resumed>) = 5',
    'read(3, "x", 0x1000) = 1',
    '[00007f3c1a2b3c4d] write(1, "hi\\n", 3) = 3',
    'read(3, "x", 1) = 1 <unavailable>',
    'read(3, "x", 1) = 1 <0.1234567891>',
    'readv(3, [{iov_base="x", iov_len=1}], 1) = 1',
    'read(AT_FDCWD, "x", 1) = 1',
    'read(3, "x", 1 ) = 1',
    'read(3, "x", 1) = 0x1',
    'read(3, "x", 1) = 1 (something)',
    '',
    '   ',
    'read(',
  ];
  for (const l of left) assert.equal(fast(l), null, `taken: ${l}`);
});

test('fuzzed lines: whatever the fast path takes reads as the general parser reads it', () => {
  const base = [
    '4242  10:00:00.000123 read(5</data/f0.bin>, "\\177ELF\\2"..., 131072) = 131072 <0.000021>',
    '[pid 12] 23:59:59.999999 pread64(3</a>, "x"..., 4096, 0) = 4096 <0.000001>',
    '1700000000.5 pwrite64(3, "x", 1, 77) = 1 <0.000001>',
    'write(1</dev/pts/0>, "abc", 3) = 3',
    '4242  10:00:00.000123 write(4<pipe:[91]>, "x"..., 131072 <unfinished ...>',
    '[pid 3] 10:00:00.000123 <... read resumed>) = 131072 <0.000040>',
  ];
  let seed = 4242;
  const rnd = (n: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
    return seed % n;
  };
  const alphabet = ' 0123456789<>[](),.=:"\\x-Ea';
  let takenCount = 0;
  for (let round = 0; round < 20000; round++) {
    let l = base[rnd(base.length)];
    const edits = 1 + rnd(3);
    for (let k = 0; k < edits; k++) {
      const at = rnd(l.length + 1);
      const what = rnd(3);
      const ch = alphabet[rnd(alphabet.length)];
      if (what === 0) l = l.slice(0, at) + ch + l.slice(at);
      else if (what === 1) l = l.slice(0, at) + l.slice(at + 1);
      else l = l.slice(0, at) + ch + l.slice(at + 1);
    }
    if (agree(l)) takenCount++;
  }
  assert.ok(takenCount > 2000, `only ${takenCount} fuzzed lines were taken`);
});

/** The operations a source hands out, answered as a machine would. */
function collect(loaded: StraceLoaded): Operation[] {
  const src = loaded.spec!.createSource();
  const ops: Operation[] = [];
  let fd = 3;
  let addr = 0x10000000;
  for (let op = src.next(); op !== null; op = src.next()) {
    ops.push(op);
    src.complete(op.name === 'alloc' ? (addr += 1 << 20) : op.name === 'open' || op.name === 'socket' || op.name === 'pipe' ? fd++ : op.args[2] ?? 0);
  }
  return ops;
}

/** Loads and replays `text` with the fast path on and off; returns how many lines the fast path took (both passes). */
function bothWays(text: string, what: string): number {
  let taken = 0;
  const lineFast = Replayer.prototype.lineFast;
  const run = (on: boolean) => {
    fastPath.enabled = on;
    Replayer.prototype.lineFast = function (this: Replayer, ...a: Parameters<Replayer['lineFast']>) {
      const ok = lineFast.apply(this, a);
      if (ok) taken++;
      return ok;
    };
    try {
      const loaded = loadStrace(text, 'x.strace');
      return { loaded, ops: loaded.spec ? collect(loaded) : [] };
    } finally {
      fastPath.enabled = true;
      Replayer.prototype.lineFast = lineFast;
    }
  };
  const a = run(true);
  const b = run(false);
  assert.deepEqual(a.loaded.diagnostics, b.loaded.diagnostics, `${what}: diagnostics`);
  assert.deepEqual(a.loaded.executableLines, b.loaded.executableLines, `${what}: executable lines`);
  assert.deepEqual(a.loaded.spec?.files, b.loaded.spec?.files, `${what}: files`);
  assert.deepEqual(a.loaded.spec?.config, b.loaded.spec?.config, `${what}: config`);
  assert.deepEqual({ ...a.loaded.strace, byName: [...a.loaded.strace.byName] }, { ...b.loaded.strace, byName: [...b.loaded.strace.byName] }, `${what}: info`);
  assert.deepEqual(a.ops, b.ops, `${what}: operations`);
  return taken;
}

/** A log in the benchmark's shape (a cat to a pipe, a reader, split calls), with the other prefixes too. */
function generated(lines: number, prefix: (pid: number, n: number) => string): string {
  const out: string[] = [];
  const P = 4242;
  const C = 4243;
  const data = '"\\177ELF\\2\\1\\1\\0"...';
  const emit = (pid: number, s: string) => out.push(prefix(pid, out.length) + s);
  emit(P, 'execve("/usr/bin/cat", ["cat"], 0x7ffd /* 24 vars */) = 0 <0.000231>');
  emit(P, 'pipe2([3<pipe:[91]>, 4<pipe:[91]>], 0) = 0 <0.000012>');
  emit(P, `clone(child_stack=NULL, flags=SIGCHLD, child_tidptr=0x7f1a2b3c4a10) = ${C} <0.000081>`);
  emit(C, 'close(4<pipe:[91]>) = 0 <0.000006>');
  emit(P, 'close(3<pipe:[91]>) = 0 <0.000006>');
  let file = 0;
  let off = 1 << 20;
  let round = 0;
  while (out.length < lines) {
    round++;
    if (off >= 1 << 20) {
      if (file > 0) emit(P, `close(5</data/f${(file - 1) % 4}.bin>) = 0 <0.000009>`);
      const name = `/data/f${file % 4}.bin`;
      emit(P, `openat(AT_FDCWD</home/user>, "${name}", O_RDONLY) = 5<${name}> <0.000014>`);
      emit(P, `pread64(5<${name}>, ${data}, 512, 0) = 512 <0.000003>`);
      file++;
      off = 0;
    }
    const name = `/data/f${(file - 1) % 4}.bin`;
    emit(P, `read(5<${name}>, ${data}, 131072) = 131072 <0.000021>`);
    // an fd the log never opened: its description comes from the text (the general path), then the fast one
    if (round % 97 === 0) emit(P, `write(7</var/log/x.log>, ${data}, 100) = 100 <0.000002>`);
    if (round % 89 === 0) emit(P, `pwrite64(9, ${data}, 100, 4096) = 100 <0.000002>`);
    off += 131072;
    if (round % 10 === 0) {
      emit(P, `write(4<pipe:[91]>, ${data}, 131072 <unfinished ...>`);
      emit(C, `read(3<pipe:[91]>, ${data}, 65536) = 65536 <0.000011>`);
      emit(P, '<... write resumed>) = 131072 <0.000040>');
      emit(C, `read(3<pipe:[91]>, ${data}, 65536) = 65536 <0.000009>`);
    } else {
      emit(P, `write(4<pipe:[91]>, ${data}, 131072) = 131072 <0.000018>`);
      emit(C, `read(3<pipe:[91]>, ${data}, 65536) = 65536 <0.000011>`);
      emit(C, `read(3<pipe:[91]>, ${data}, 65536) = 65536 <0.000009>`);
    }
  }
  emit(P, 'close(4<pipe:[91]>) = 0 <0.000006>');
  emit(C, 'read(3<pipe:[91]>, "", 65536) = 0 <0.000006>');
  emit(C, '+++ exited with 0 +++');
  emit(P, '+++ exited with 0 +++');
  return out.join('\n') + '\n';
}

test('fast path on and off: the fixtures load and replay to the same program and operations', () => {
  let taken = 0;
  for (const name of readdirSync(FIXTURES).filter((n) => n.endsWith('.strace'))) {
    taken += bothWays(readFileSync(fixture(name), 'utf8'), name);
  }
  assert.ok(taken > 200, `the fast path took ${taken} lines`);
});

test('fast path on and off: generated logs with every prefix, and mutated ones, give the same operations', () => {
  const tod = (n: number) => {
    const us = 1000 + n * 17;
    return `10:00:${String(Math.floor(us / 1e6)).padStart(2, '0')}.${String(us % 1e6).padStart(6, '0')}`;
  };
  const lines = 3000;
  // most lines take the fast path, in the load and in the replay
  assert.ok(bothWays(generated(lines, (pid, n) => `${pid}  ${tod(n)} `), '-f -o -tt') > 1.6 * lines);
  assert.ok(bothWays(generated(lines, (pid, n) => `[pid ${pid}] ${1700000000 + n}.${String(n % 1000).padStart(6, '0')} `), '[pid N] -ttt') > 1.6 * lines);
  assert.ok(bothWays(generated(lines, (pid, n) => `${pid} ${((n % 7) / 1000).toFixed(6)} `), '-r') > 1.6 * lines);
  // one process, no prefix at all (the child's lines folded in: a nonsense log, replayed the same both ways)
  assert.ok(bothWays(generated(1500, () => ''), 'no prefix') > 1000);
  // mutated: lines cut, doubled, characters changed
  const log = generated(1500, (pid, n) => `${pid}  ${tod(n)} `).split('\n');
  let seed = 99;
  const rnd = (n: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
    return seed % n;
  };
  for (let round = 0; round < 6; round++) {
    const mutated = log.map((l) => {
      const k = rnd(12);
      if (k === 0) return l.slice(0, rnd(l.length + 1));
      if (k === 1) return l + l;
      if (k === 2) {
        const a = l.split('');
        for (let i = 0; i < 3 && a.length; i++) a[rnd(a.length)] = ' <>[](),.=:0123456789'[rnd(21)];
        return a.join('');
      }
      return l;
    });
    bothWays(mutated.join('\n'), `mutation ${round}`);
  }
  // the generated logs hold every shape the fast path must hand back: split calls, unopened fds, pread64
  const text = generated(3000, (pid, n) => `${pid}  ${tod(n)} `);
  for (const shape of ['<unfinished ...>', 'resumed>', 'write(7<', 'pwrite64(9,', 'pread64(5<']) {
    assert.ok(text.includes(shape), shape);
  }
});

test('a log in memory and the same bytes through textSource agree line by line, CRLF and UTF-8 included', () => {
  const text = 'read(3</é>, "x", 1) = 1\r\nwrite(1, "ü", 2) = 2\n\nclose(3) = 0';
  const cur = textSource(text).open();
  const got: string[] = [];
  for (let s = cur.next(); s !== null; s = cur.next()) got.push(s);
  assert.deepEqual(got, ['read(3</é>, "x", 1) = 1', 'write(1, "ü", 2) = 2', '', 'close(3) = 0']);
  cur.seek(0);
  assert.ok(cur.advance());
  assert.equal(cur.text(), got[0]);
  assert.equal(cur.end - cur.start, Buffer.byteLength(got[0]));
});
