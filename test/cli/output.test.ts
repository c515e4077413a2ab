/**
 * The CLI's streamed output: operations held back until the totals are known, in memory while small and in a
 * temporary file beyond that, come out whole and in order, multi-byte characters included, and the file goes. A log's
 * call line copied from the log's bytes is written only when all of it is printable ASCII.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { test } from 'node:test';
import { Output, Spill } from '../../src/cli/output';
import { terminalText } from '../../src/shared/escape';

function drained(parts: string[], memoryLimit: number): { text: string; writes: number } {
  const got: string[] = [];
  const out = new Output((b) => got.push(Buffer.from(b).toString('utf8')));
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

/** What an Output with `escape` writes when `fill` has been given it and flushed, as text, and in how many chunks. */
function written(fill: (out: Output) => void, escape?: (s: string) => string): { text: string; chunks: number } {
  const got: Buffer[] = [];
  const out = new Output((b) => got.push(Buffer.from(b)), escape);
  fill(out);
  out.flush();
  return { text: Buffer.concat(got).toString('utf8'), chunks: got.length };
}

test('callLine copies a call and its result from the log between the prefix and the tail, with " = " between', () => {
  const log = Buffer.from('4242  10:00:00.000001 read(3</f>, "a\\0"..., 5) = 5 <0.000001>\n', 'latin1');
  const callStart = log.indexOf('read');
  const callEnd = log.indexOf(' = ');
  const retStart = callEnd + 3;
  const retEnd = log.indexOf(' <');
  const { text } = written((out) => {
    out.line('first');
    assert.equal(out.callLine('    12  ', log, callStart, callEnd, retStart, retEnd, ' <0.000002000> (log <0.000001000>)'), true);
    out.line('last');
  });
  assert.equal(text, 'first\n    12  read(3</f>, "a\\0"..., 5) = 5 <0.000002000> (log <0.000001000>)\nlast\n');
});

test('callLine writes nothing and says false when any part is not printable ASCII: the caller escapes the line', () => {
  const cases: { head: string; bytes: Buffer; tail: string }[] = [
    // A raw ESC in the arguments (strace would have escaped it; a hostile log need not), at each place of a word.
    ...[0, 1, 2, 3, 4, 5].map((k) => ({ head: '1  ', bytes: Buffer.from(`write(1, "${'x'.repeat(k)}\x1b[2J", 4)`, 'latin1'), tail: '' })),
    { head: '1  ', bytes: Buffer.from('write(1, "\x7f", 1)', 'latin1'), tail: '' },
    // UTF-8 (a name in another script, a bidi override): printed through the escape, not copied.
    { head: '1  ', bytes: Buffer.from('openat(AT_FDCWD, "/tmp/caf\u00e9", O_RDONLY)', 'utf8'), tail: '' },
    { head: '1  ', bytes: Buffer.from('openat(AT_FDCWD, "/tmp/\u202etxt", O_RDONLY)', 'utf8'), tail: '' },
    { head: '1  [caf\u00e9] ', bytes: Buffer.from('read(3, "", 1)', 'latin1'), tail: '' },
    { head: '1  ', bytes: Buffer.from('read(3, "", 1)', 'latin1'), tail: ' <\u2028>' },
    { head: '1\t ', bytes: Buffer.from('read(3, "", 1)', 'latin1'), tail: '' },
  ];
  for (const c of cases) {
    const { text } = written((out) => {
      out.line('before');
      assert.equal(out.callLine(c.head, c.bytes, 0, c.bytes.length, 0, 1, c.tail), false, JSON.stringify(c));
      out.line('after');
    });
    assert.equal(text, 'before\nafter\n', JSON.stringify(c));
  }
});

test('lines, escaped and as they are, come out in order across chunks, each chunk whole characters', () => {
  const call = Buffer.from('read(3</data/src.bin>, "\\177ELF"..., 131072) = 131072', 'latin1');
  const want: string[] = [];
  const { text, chunks } = written((out) => {
    for (let i = 0; i < 3000; i++) {
      if (i % 3 === 0) {
        out.line(`${i} \x1b[31m日本語`);
        want.push(`${i} \\33[31m日本語`);
      } else if (i % 3 === 1) {
        out.lineAsIs(`${i} plain`);
        want.push(`${i} plain`);
      } else {
        assert.ok(out.callLine(`${i}  `, call, 0, 44, 47, 53, ' <0.000001000>'));
        want.push(`${i}  read(3</data/src.bin>, "\\177ELF"..., 131072) = 131072 <0.000001000>`);
      }
    }
  }, terminalText);
  assert.equal(text, want.join('\n') + '\n');
  assert.ok(chunks > 1, 'more than one chunk');
});
