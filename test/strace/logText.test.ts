/**
 * A log's call text read back for printing (logText.ts): the fast path that cuts a complete call from its bytes must
 * give the very texts the general parser gives, on every line of every fixture log and on lines made to sit at the
 * edges of its shape; the bytes it hands the CLI are those texts' UTF-8.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import type { RecordedCall } from '../../src/machine/operation';
import { FastCall, FastKind, parseFast } from '../../src/program/strace/fast';
import { FileSource, textSource } from '../../src/program/strace/lines';
import { LastCall, LogText, logTextFast } from '../../src/program/strace/logText';
import type { LogCall } from '../../src/program/source';
import { FIXTURE_ROOT, logsUnder } from './helpers';

/** Byte offsets where the lines of `bytes` start. */
function lineStarts(bytes: Buffer): number[] {
  const starts = [0];
  for (let i = bytes.indexOf(10); i >= 0 && i + 1 < bytes.length; i = bytes.indexOf(10, i + 1)) starts.push(i + 1);
  return starts;
}

function withFast<T>(on: boolean, f: () => T): T {
  const was = logTextFast.enabled;
  logTextFast.enabled = on;
  try {
    return f();
  } finally {
    logTextFast.enabled = was;
  }
}

/**
 * Compares the fast and the general path on every line of `text` (each read as a call of its own, as an operation
 * that starts there would be); returns how many lines the fast path took.
 */
function compareAll(text: string, where: string): number {
  const bytes = Buffer.from(text, 'utf8');
  const fast = new LogText(textSource(text));
  const general = new LogText(textSource(text));
  const cur = textSource(text).open();
  const f = new FastCall();
  let taken = 0;
  for (const at of lineStarts(bytes)) {
    const rec: RecordedCall = { at };
    const want: LogCall | null = withFast(false, () => general.callOf(rec));
    const got = withFast(true, () => fast.callOf(rec));
    const line = bytes.toString('utf8', at, Math.max(at, bytes.indexOf(10, at)));
    assert.deepEqual(got, want, `${where}: ${JSON.stringify(line)}`);
    const span = withFast(true, () => fast.bytesOf(rec));
    if (span) {
      taken++;
      assert.ok(want && want.ret !== null, `${where}: the fast path took a line the general one does not read as a call: ${JSON.stringify(line)}`);
      assert.equal(span.bytes.toString('utf8', span.callStart, span.callEnd), want.call, `${where}: ${JSON.stringify(line)}`);
      assert.equal(span.bytes.toString('utf8', span.retStart, span.retEnd), want.ret, `${where}: ${JSON.stringify(line)}`);
    }
    assert.equal(withFast(false, () => fast.bytesOf(rec)), null, 'off means off');
    // The ranges the replay's reader (fast.ts) finds in the line, which the printer takes instead (LastCall), are
    // exactly completeCall's, whenever it gives them.
    cur.seek(at);
    if (cur.advance() && parseFast(cur.bytes, cur.start, cur.end, f) && f.kind === FastKind.Call && f.callEnd >= 0) {
      assert.ok(span, `${where}: the replay's reader gives ranges completeCall does not: ${JSON.stringify(line)}`);
      assert.deepEqual([f.callStart, f.callEnd, f.retStart, f.retEnd], [span.callStart, span.callEnd, span.retStart, span.retEnd], `${where}: ${JSON.stringify(line)}`);
      spans++;
    }
  }
  return taken;
}

/** Lines whose ranges came from the replay's reader (compareAll), to show the comparison is not empty. */
let spans = 0;

test('on every line of every fixture log, the fast path gives the texts of the general parser', () => {
  const logs = logsUnder(FIXTURE_ROOT);
  assert.ok(logs.length >= 60, `the fixture logs are found (${logs.length})`);
  let taken = 0;
  let lines = 0;
  for (const log of logs) {
    const text = readFileSync(log, 'utf8');
    lines += lineStarts(Buffer.from(text, 'utf8')).length;
    taken += compareAll(text, path.relative(FIXTURE_ROOT, log));
  }
  // Most lines of the fixtures are complete calls printed plainly: the fast path is not a dead branch.
  assert.ok(taken > lines / 3, `the fast path took ${taken} of ${lines} lines`);
});

test('lines at the edges of the plain shape read the same both ways', () => {
  const lines = [
    // The plain shapes: pid, timestamps of each kind, none.
    '4242  10:00:00.000123 read(3</data/src.bin>, "\\177ELF\\2\\1"..., 131072) = 131072 <0.000021>',
    '10:00:00.000123 read(3, "abc", 3) = 3 <0.000021>',
    '10:00:00 read(3, "abc", 3) = 3',
    '1700000000.000123 read(3, "abc", 3) = 3 <0.000021>',
    '4242 read(3, "abc", 3) = 3',
    'read(3, "abc", 3) = 3',
    '   read(3, "abc", 3) = 3 <0.1>',
    '4242  10:00:00.000123 openat(AT_FDCWD, "/etc/passwd", O_RDONLY) = 3</etc/passwd> <0.000010>',
    '4242  10:00:00.000123 openat(AT_FDCWD, "/nope", O_RDONLY) = -1 ENOENT (No such file or directory) <0.000010>',
    '4242  10:00:00.000123 mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, 3, 0) = 0x7f3c1a2b3000 <0.000010>',
    // " = " and ")" inside the arguments, and a result with spaces inside its decoration.
    '4242  10:00:00.000123 write(1, "a = b) = c", 10) = 10 <0.000010>',
    '4242  10:00:00.000123 accept4(3, NULL, NULL, SOCK_CLOEXEC) = 4<TCP:[10.0.0.1:80->10.0.0.2:5 x]> <0.000010>',
    // Not the plain shape: left to the general parser, which must still read them the same.
    '[pid  4243] 10:00:00.000123 read(3, "abc", 3) = 3 <0.000021>',
    '4242  10:00:00.000123 [00007f3c1a2b3c4d] read(3, "abc", 3) = 3 <0.000021>',
    '4242  10:00:00.000123 read(3,  <unfinished ...>',
    '4242  10:00:00.000130 <... read resumed>"abc", 3) = 3 <0.000021>',
    '4242  10:00:00.000123 exit_group(0) = ?',
    '4242  10:00:00.000123 +++ exited with 0 +++',
    '4242  10:00:00.000123 --- SIGCHLD {si_signo=SIGCHLD} ---',
    '4242  10:00:00.000123 read(3, "abc", 3) = 3 <unavailable>',
    '4242  10:00:00.000123 read(3, "abc", 3) = 3 <0.1.2>',
    '4242  10:00:00.000123 read(3, "abc", 3) = 3 <.5>',
    '4242  10:00:00.000123 read(3, "abc", 3) = 3   <0.000021>',
    '4242  10:00:00.000123 read(3, "abc", 3) = 3   ',
    '4242  10:00:00.000123 read(3, "abc", 3) = ',
    '4242  10:00:00.000123 read(3, "abc", 3) = <0.000021>',
    '4242  10:00:00.000123 read(3, "abc", 3) = <3',
    '4242  10:00:00.000123 read(3, "abc", 3 = 3 <0.000021>',
    '4242  10:00:00.000123 read(3, "abc", 3)    = 3 <0.000021>',
    '4242  10:00:00.000123 read() = 0 <0.000021>',
    '4242  10:00:00.000123 read( ) = 0 <0.000021>',
    '4242  10:00:00.000123 read(3, "abc", 3) = 3 <0.000021> ',
    '4242  10:00:00.000123 read(3, "abc", 3) = 3<0.000021>',
    '4242  10:00:00.000123 read(3, "abc", 3) = 33<0.000021>',
    '4242  10:00:00.000123 openat(AT_FDCWD, "/x", O_RDONLY) = 3</x <0.5>',
    '4242  10:00:00.000123read(3, "abc", 3) = 3',
    '4242 10:00 read(3, "abc", 3) = 3',
    '4242 12abc(3) = 3',
    '12abc(3) = 3',
    '4242 5678 read(3) = 3',
    '4242  10:00:00.000123 strace: Process 4243 attached',
    '',
    '    ',
    // Text beyond ASCII: the same characters cut either way (bytes ≠ characters), long arguments cut the same.
    '4242  10:00:00.000123 openat(AT_FDCWD, "/tmp/café/日本語/🙂", O_RDONLY) = 3</tmp/café/日本語/🙂> <0.000010>',
    '4242  10:00:00.000123 openat(AT_FDCWD, "/tmp/evil\u202etxt", O_RDONLY) = 3 <0.000010>',
    '4242  10:00:00.000123 write(1, "\x1b]0;pwned\x07", 11) = 11 <0.000010>',
    '4242  10:00:00.000123 read(3, "\xff\xfe", 2) = 2\u00a0',
    `4242  10:00:00.000123 write(1, "${'x'.repeat(394)}", 400) = 400 <0.000010>`,
    `4242  10:00:00.000123 write(1, "${'x'.repeat(395)}", 400) = 400 <0.000010>`,
    `4242  10:00:00.000123 write(1, "${'é'.repeat(300)}", 600) = 600 <0.000010>`,
  ];
  const before = spans;
  assert.ok(compareAll(lines.join('\n') + '\n', 'edge lines') >= 12, 'the plain shapes take the fast path');
  // read(...) = 3 in its plain shapes: the pid, the three timestamps, none, leading spaces, " = " inside.
  assert.ok(spans - before >= 7, `the replay's reader gave ranges for ${spans - before} edge lines`);
  // The same lines with CR LF endings, with a byte order mark before the first, and with no newline after the last.
  compareAll('\ufeff' + lines.join('\r\n'), 'CR LF and BOM');
  for (const l of lines) compareAll(l, 'a log of one line');
});

test("the printer takes the replay's ranges of the line it read last, while the replay's buffer holds it", () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'iosim-lastcall-'));
  try {
    const line = (n: number) => `4242  10:00:00.${String(n).padStart(6, '0')} read(3</d/f>, "ab", 2) = 2 <0.000010>\n`;
    const text = Array.from({ length: 40 }, (_, n) => line(n)).join('');
    const file = path.join(dir, 'x.strace');
    writeFileSync(file, text);
    const src = new FileSource(file);
    // A buffer of a few lines: the cursor refills it as it goes.
    const cur = src.open(3 * line(0).length);
    const last = new LastCall();
    const texts = new LogText(src, last);
    const f = new FastCall();
    const at = cur.offset;
    assert.ok(cur.advance() && parseFast(cur.bytes, cur.start, cur.end, f) && f.callEnd >= 0);
    last.set(at, cur, f);
    const span = texts.bytesOf({ at });
    assert.equal(span, last.span, "the line just read: the replay's ranges");
    assert.equal(span!.bytes.toString('utf8', span!.callStart, span!.callEnd), 'read(3</d/f>, "ab", 2)');
    assert.equal(span!.bytes.toString('utf8', span!.retStart, span!.retEnd), '2');
    assert.equal(last.spanAt(at + 1), null, 'another line: not these ranges');
    cur.advance();
    assert.equal(last.spanAt(at), last.span, 'a later line of the same buffer: the bytes are still there');
    for (let k = 0; k < 5; k++) cur.advance();
    assert.equal(last.spanAt(at), null, 'the buffer refilled since: not these ranges');
    // LogText reads the line itself then, to the same text.
    const again = texts.bytesOf({ at });
    assert.ok(again && again !== last.span);
    assert.equal(again.bytes.toString('utf8', again.callStart, again.callEnd), 'read(3</d/f>, "ab", 2)');
    src.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
