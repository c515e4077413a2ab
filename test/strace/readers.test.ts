/**
 * The log readers on input no well-behaved strace writes: a line past the 1 MiB bound (skipped with a diagnostic,
 * never buffered), a UTF-8 byte order mark (not part of the first line) — the same in memory and streamed from disk,
 * whatever the chunk size — and what is not a regular file (refused).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { NotRegularFileError } from '../../src/program/openFile';
import { loadProgramFile } from '../../src/program/loadProgram';
import { FileSource, MAX_LINE, textSource, type LineCursor } from '../../src/program/strace/lines';
import { loadStrace, loadStraceFile } from '../../src/program/strace/load';

const DIR = mkdtempSync(path.join(tmpdir(), 'iosim-readers-'));
after(() => rmSync(DIR, { recursive: true, force: true }));

function lines(cur: LineCursor): { text: string; long: number }[] {
  const out: { text: string; long: number }[] = [];
  while (cur.advance()) out.push({ text: cur.text(), long: cur.long });
  return out;
}

function file(name: string, text: string | Buffer): string {
  const p = path.join(DIR, name);
  writeFileSync(p, text);
  return p;
}

const LONG = `read(3, "${'x'.repeat(MAX_LINE)}", 4096) = 4096`;
const TEXT = `close(3) = 0\r\n${LONG}\r\nclose(4) = 0\n${'y'.repeat(MAX_LINE)}\n${'z'.repeat(MAX_LINE + 1)}`;
const EXPECTED = [
  { text: 'close(3) = 0', long: -1 },
  { text: '', long: LONG.length + 1 },
  { text: 'close(4) = 0', long: -1 },
  { text: 'y'.repeat(MAX_LINE), long: -1 },
  { text: '', long: MAX_LINE + 1 },
];

test('a line longer than MAX_LINE is skipped, with its length: in memory, and streamed in chunks of any size', () => {
  // In memory the CR of a CRLF line is cut before the length is judged; on disk it is counted (the line is cut
  // where the newline is): both say "longer than 1 MiB", which is what matters.
  const mem = lines(textSource(TEXT).open());
  assert.deepEqual(mem.map((l) => l.text), EXPECTED.map((l) => l.text));
  assert.deepEqual(mem.map((l) => l.long), [-1, LONG.length, -1, -1, MAX_LINE + 1]);
  const src = new FileSource(file('long.strace', TEXT));
  for (const chunk of [64, 4096, 1 << 20]) assert.deepEqual(lines(src.open(chunk)), EXPECTED, `chunk ${chunk}`);
  src.close();
});

test('the replay reports the long line and goes on with the next one, in memory and from disk alike', () => {
  const log = `openat(AT_FDCWD, "/d", O_RDONLY) = 3</d>\n${LONG}\nread(3</d>, "a", 1) = 1\n`;
  const message = `skipped: a line of ${LONG.length} bytes, longer than the ${MAX_LINE} a line may have`;
  for (const loaded of [loadStrace(log, 'x.strace'), loadStraceFile(file('replay.strace', log))]) {
    assert.deepEqual(loaded.diagnostics.map((d) => `${d.line}: ${d.message}`), [`2: ${message}`]);
    assert.equal(loaded.strace.badLines, 1);
    assert.deepEqual(loaded.executableLines, [1, 3]);
  }
});

test('a UTF-8 byte order mark is not part of the first line, in memory and on disk, even split across chunks', () => {
  const log = '\ufeffopenat(AT_FDCWD, "/d", O_RDONLY) = 3</d>\nread(3</d>, "a", 1) = 1\n';
  assert.deepEqual(lines(textSource(log).open()).map((l) => l.text), ['openat(AT_FDCWD, "/d", O_RDONLY) = 3</d>', 'read(3</d>, "a", 1) = 1']);
  const src = new FileSource(file('bom.strace', log));
  for (const chunk of [2, 8, 4096]) {
    const cur = src.open(chunk);
    assert.deepEqual(lines(cur).map((l) => l.text)[0], 'openat(AT_FDCWD, "/d", O_RDONLY) = 3</d>', `chunk ${chunk}`);
    // Coming back to the start (the debugger's time travel) skips it again.
    cur.seek(0);
    assert.ok(cur.advance());
    assert.equal(cur.text(), 'openat(AT_FDCWD, "/d", O_RDONLY) = 3</d>');
  }
  src.close();
  const loaded = loadStraceFile(file('bom2.strace', log));
  assert.deepEqual(loaded.diagnostics, []);
  assert.deepEqual(loaded.executableLines, [1, 2]);
  // Only at the very start: the same bytes later are a bad line's own.
  assert.equal(loadStrace('close(3) = 0\n\ufeffclose(4) = 0\n', 'x.strace').strace.badLines, 1);
});

test('a device, a FIFO or a directory is refused by the file readers with NotRegularFileError', () => {
  const fifo = path.join(DIR, 'fifo.strace');
  assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
  for (const p of ['/dev/zero', fifo, DIR, '/dev/null']) {
    for (const read of [() => loadProgramFile(p), () => loadStraceFile(p), () => new FileSource(p)]) {
      assert.throws(read, (e: unknown) => e instanceof NotRegularFileError && e.code === 'not a regular file', p);
    }
  }
  assert.throws(() => loadProgramFile(path.join(DIR, 'missing.iosim')), { code: 'ENOENT' });
});
