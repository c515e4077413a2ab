/**
 * The CLI's streamed output: operations held back until the totals are known, in memory while small and in a
 * temporary file beyond that, come out whole and in order, multi-byte characters included, and the file goes. A log's
 * call line copied from the log's bytes is written only when all of it is printable ASCII.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { test } from 'node:test';
import { asciiPiece, Output, Spill } from '../../src/cli/output';
import { terminalText } from '../../src/shared/escape';

function drained(parts: string[], memoryLimit: number): { text: string; writes: number } {
  const got: string[] = [];
  const out = new Output((b) => {
    got.push(Buffer.from(b).toString('utf8'));
    return true;
  });
  const spill = new Spill(memoryLimit);
  for (const p of parts) spill.write(p);
  spill.drain(out);
  out.flush();
  return { text: got.join(''), writes: got.length };
}

test('a spill in memory and a spill to a temporary file give back the same text; the file is removed', () => {
  const parts: string[] = [];
  // Each part carries 2-, 3- and 4-byte characters, so that file chunks of 1 MiB end inside characters.
  for (let i = 0; i < 60_000; i++) parts.push(`{"n": ${i}, "path": "/données/файл-${i}-日本語-😀"},\n`);
  const want = parts.join('');
  const before = readdirSync(tmpdir()).filter((f) => f.startsWith('iosim-run-')).length;
  const inMemory = drained(parts, 1 << 30);
  const onDisk = drained(parts, 4096);
  assert.equal(inMemory.text, want);
  assert.equal(onDisk.text, want);
  assert.ok(want.length > 2 << 20, 'more than one file chunk');
  assert.ok(onDisk.writes >= 3, 'written in chunks of the file');
  assert.equal(readdirSync(tmpdir()).filter((f) => f.startsWith('iosim-run-')).length, before, 'the temporary file is gone');
});

/**
 * What an Output with `escape` (and chunks of `chunk` bytes) writes when `fill` has been given it and flushed, as
 * text, and in how many chunks. `keep`: the sink keeps the chunks it is given as they are (a stream that writes them
 * later), else it copies them and lets the Output write over them.
 */
function written(fill: (out: Output) => void, escape?: (s: string) => string, chunk?: number, keep = false): { text: string; chunks: number; buffers: number } {
  const got: Uint8Array[] = [];
  /** The memory of the chunks given. */
  const buffers = new Set<ArrayBufferLike>();
  const out = new Output((b) => {
    buffers.add(b.buffer);
    got.push(keep ? b : Buffer.from(b));
    return !keep;
  }, escape, chunk);
  fill(out);
  out.flush();
  return { text: Buffer.concat(got).toString('utf8'), chunks: got.length, buffers: buffers.size };
}

/** A call line built in place as OpLines builds it: the prefix, the call and result bytes, the tail; false if taken back. */
function callLine(out: Output, lineNo: number, label: string, bytes: Buffer, s1: number, e1: number, s2: number, e2: number, tail: string): boolean {
  assert.ok(out.begin(40 + label.length + (e1 - s1) + (e2 - s2) + tail.length));
  if (out.decimal(lineNo, 6) && out.ascii('  ') && out.ascii(label) && out.copy(bytes, s1, e1) && out.ascii(' = ') && out.copy(bytes, s2, e2) && out.ascii(tail)) {
    out.end();
    return true;
  }
  out.undo();
  return false;
}

test('a line built in place: a padded line number, a call and its result copied from the log, the tail', () => {
  const log = Buffer.from('4242  10:00:00.000001 read(3</f>, "a\\0"..., 5) = 5 <0.000001>\n', 'latin1');
  const callStart = log.indexOf('read');
  const callEnd = log.indexOf(' = ');
  const retStart = callEnd + 3;
  const retEnd = log.indexOf(' <');
  const { text } = written((out) => {
    out.line('first');
    assert.equal(callLine(out, 12, '', log, callStart, callEnd, retStart, retEnd, ' <0.000002000> (log <0.000001000>)'), true);
    assert.equal(callLine(out, 1234567, '[4243] ', log, callStart, callEnd, retStart, retEnd, ''), true);
    assert.equal(callLine(out, 0, '', log, callStart, callEnd, retStart, retEnd, ''), true);
    out.line('last');
  });
  assert.equal(text, [
    'first',
    '    12  read(3</f>, "a\\0"..., 5) = 5 <0.000002000> (log <0.000001000>)',
    '1234567  [4243] read(3</f>, "a\\0"..., 5) = 5',
    '     0  read(3</f>, "a\\0"..., 5) = 5',
    'last',
    '',
  ].join('\n'));
  // Not a whole number: not written (String() and padStart would print it; the caller does).
  for (const n of [-1, 1.5, NaN, Infinity]) written((out) => assert.equal(out.decimal(n, 6), false));
});

test('numbers written in place: line numbers past 2^31, durations as seconds with nine decimals', () => {
  const { text } = written((out) => {
    for (const n of [0, 9, 10, 100, 1000, 10010, 99999, 100000, 999999, 1000000, 2147483647, 2147483648, 12345678901, 9007199254740991]) {
      assert.ok(out.begin(40) && out.decimal(n, 6));
      out.end();
    }
    for (const n of [0, 7, 1234]) {
      assert.ok(out.begin(40) && out.decimal(n, 0) && out.decimal(n, 3));
      out.end();
    }
    // ns: 0, 1 ns, 24 µs, 1 s - 1 ns, 1 s, 1.000000001 s, 61.5 s, 10^15 - 1 (the largest written in place)
    for (const ns of [0, 1, 24000, 1e9 - 1, 1e9, 1e9 + 1, 61.5e9, 1e15 - 1]) {
      assert.ok(out.begin(40) && out.seconds(ns));
      out.end();
    }
  });
  assert.equal(text, [
    '     0', '     9', '    10', '   100', '  1000', ' 10010', ' 99999', '100000', '999999', '1000000',
    '2147483647', '2147483648', '12345678901', '9007199254740991', '0  0', '7  7', '12341234',
    '0.000000000', '0.000000001', '0.000024000', '0.999999999', '1.000000000', '1.000000001', '61.500000000', '999999.999999999', '',
  ].join('\n'));
  // Not a whole number of ns below 10^15: not written (the caller writes formatSeconds' text).
  for (const ns of [-1, 0.5, NaN, 1e15, Infinity]) {
    const w = written((out) => {
      assert.ok(out.begin(40));
      assert.equal(out.seconds(ns), false);
      out.end();
    });
    assert.equal(w.text, '\n', String(ns));
  }
});

test('a line built in place is taken back whole when any piece is not printable ASCII: the caller escapes the line', () => {
  const cases: { label: string; bytes: Buffer; tail: string }[] = [
    // A raw ESC in the arguments (strace would have escaped it; a hostile log need not), at each place of a word.
    ...[0, 1, 2, 3, 4, 5].map((k) => ({ label: '', bytes: Buffer.from(`write(1, "${'x'.repeat(k)}\x1b[2J", 4)`, 'latin1'), tail: '' })),
    { label: '', bytes: Buffer.from('write(1, "\x7f", 1)', 'latin1'), tail: '' },
    { label: '', bytes: Buffer.from('write(1, "\x00", 1)', 'latin1'), tail: '' },
    // UTF-8 (a name in another script, a bidi override): printed through the escape, not copied.
    { label: '', bytes: Buffer.from('openat(AT_FDCWD, "/tmp/caf\u00e9", O_RDONLY)', 'utf8'), tail: '' },
    { label: '', bytes: Buffer.from('openat(AT_FDCWD, "/tmp/\u202etxt", O_RDONLY)', 'utf8'), tail: '' },
    { label: '[caf\u00e9] ', bytes: Buffer.from('read(3, "", 1)', 'latin1'), tail: '' },
    { label: '[\t] ', bytes: Buffer.from('read(3, "", 1)', 'latin1'), tail: '' },
    { label: '', bytes: Buffer.from('read(3, "", 1)', 'latin1'), tail: ' <\u2028>' },
  ];
  for (const c of cases) {
    const { text } = written((out) => {
      out.line('before');
      assert.equal(callLine(out, 7, c.label, c.bytes, 0, c.bytes.length, 0, 1, c.tail), false, JSON.stringify(c));
      out.line('after');
    });
    assert.equal(text, 'before\nafter\n', JSON.stringify(c));
  }
});

test('lines, escaped, as they are and built in place, come out in order across chunks, each chunk whole characters', () => {
  const call = Buffer.from('read(3</data/src.bin>, "\\177ELF"..., 131072) = 131072', 'latin1');
  const want: string[] = [];
  const fill = (out: Output) => {
    want.length = 0;
    for (let i = 0; i < 3000; i++) {
      if (i % 3 === 0) {
        out.line(`${i} \x1b[31m日本語`);
        want.push(`${i} \\33[31m日本語`);
      } else if (i % 3 === 1) {
        out.lineAsIs(`${i} plain`);
        want.push(`${i} plain`);
      } else {
        assert.ok(callLine(out, i, '', call, 0, 44, 47, 53, ' <0.000001000>'));
        want.push(`${String(i).padStart(6)}  read(3</data/src.bin>, "\\177ELF"..., 131072) = 131072 <0.000001000>`);
      }
    }
  };
  // The default chunk (one), small chunks written over once the sink copied them, small chunks the sink keeps.
  const whole = written(fill, terminalText);
  const reused = written(fill, terminalText, 4096);
  const kept = written(fill, terminalText, 4096, true);
  assert.equal(whole.text, want.join('\n') + '\n');
  assert.equal(whole.chunks, 1);
  for (const w of [reused, kept]) {
    assert.equal(w.text, whole.text);
    assert.ok(w.chunks > 20, 'many chunks');
  }
  assert.equal(reused.buffers, 1, 'a chunk the sink is done with is written over');
  assert.equal(kept.buffers, kept.chunks, 'a chunk the sink keeps is never written over');
});

test("a line's fixed pieces: printable ASCII of at most 8 characters, written as they are, whatever follows", () => {
  assert.throws(() => asciiPiece('a\tb'), /not a piece/);
  assert.throws(() => asciiPiece('caf\u00e9'), /not a piece/);
  assert.throws(() => asciiPiece('123456789'), /not a piece/);
  const { text } = written((out) => {
    for (const p of ['', '>', ' = ', '> (log <', '12345678']) {
      assert.ok(out.begin(40));
      out.piece(asciiPiece(p));
      out.piece(asciiPiece('|'));
      out.end();
    }
    // A line whose room ends the chunk: a piece's eight bytes still fit.
    for (let i = 0; i < 3; i++) {
      assert.ok(out.begin(28));
      out.piece(asciiPiece('>)'));
      out.end();
    }
  }, undefined, 64);
  assert.equal(text, '|\n>|\n = |\n> (log <|\n12345678|\n>)\n>)\n>)\n');
});

test('a copy of any length and alignment: written whole when all its bytes are printable ASCII, else false', () => {
  const src = Buffer.from('0123456789abcdefghijklmnopqrstuvwxyz!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~ ', 'latin1');
  for (let s = 0; s < 8; s++) {
    for (let e = s; e <= s + 40; e++) {
      const { text } = written((out) => {
        assert.ok(out.begin(60));
        // The line starts at several offsets, so that the copy's words sit at each alignment.
        out.piece(asciiPiece('x'.repeat(e % 5)));
        assert.ok(out.copy(src, s, e));
        out.end();
      });
      assert.equal(text, 'x'.repeat(e % 5) + src.toString('latin1', s, e) + '\n', `${s}..${e}`);
      // One byte outside 0x20-0x7e anywhere in the range: false.
      for (const bad of [0x00, 0x1f, 0x7f, 0x80, 0xff]) {
        for (let k = s; k < e; k++) {
          const b = Buffer.from(src);
          b[k] = bad;
          written((out) => {
            assert.ok(out.begin(60));
            assert.equal(out.copy(b, s, e), false, `${s}..${e}, ${bad} at ${k}`);
            out.undo();
          });
        }
      }
    }
  }
});
