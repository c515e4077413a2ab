/**
 * The lines `iosim run` prints for a log's calls (opLines.ts): a line built in place from the log's bytes and the
 * model's numbers must be the very line the general path (straceLine, then terminalText) makes, on every call of
 * every fixture log and on calls that carry bytes a terminal would act on.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { OpLines } from '../../src/cli/opLines';
import { Output } from '../../src/cli/output';
import type { RecordedCall } from '../../src/machine/operation';
import { loadProgramFile } from '../../src/program/loadProgram';
import type { CallTexts } from '../../src/program/source';
import { FdNames } from '../../src/trace/strace';
import { Trace } from '../../src/trace/trace';
import { FIXTURE_ROOT, logsUnder } from '../strace/helpers';

/** An Output that keeps what it is given as text (small chunks: many flushes in a long log). */
function collector(): { out: Output; text: () => string } {
  const got: Buffer[] = [];
  const out = new Output((b) => {
    got.push(Buffer.from(b));
    return true;
  }, (s) => s, 4096);
  return { out, text: () => Buffer.concat(got).toString('utf8') };
}

/**
 * Runs `file` and prints each operation both ways: with the log's bytes (as `iosim run` does) and with the call
 * texts only (no bytesOf: every line by straceLine). Returns both texts and how many lines had bytes to copy.
 */
function bothWays(file: string): { fast: string; general: string; copied: number; lines: number } {
  const loaded = loadProgramFile(file);
  if (!loaded.spec) return { fast: '', general: '', copied: 0, lines: 0 };
  const spec = loaded.spec;
  const texts = spec.callTexts?.();
  let copied = 0;
  const counted: CallTexts | undefined = texts && {
    callOf: (rec: RecordedCall) => texts.callOf(rec),
    bytesOf: (rec: RecordedCall) => {
      const span = texts.bytesOf?.(rec) ?? null;
      if (span) copied++;
      return span;
    },
  };
  const general: CallTexts | undefined = texts && { callOf: (rec: RecordedCall) => texts.callOf(rec) };
  const a = collector();
  const b = collector();
  const linesA = new OpLines(true, spec.threads, counted);
  const linesB = new OpLines(true, spec.threads, general);
  const trace = new Trace(spec, { record: false });
  const names = new FdNames();
  let lines = 0;
  for (let i = trace.step(); i >= 0; i = trace.step()) {
    const r = trace.ops.get(i);
    linesA.print(r, names, a.out);
    linesB.print(r, names, b.out);
    names.after(r);
    lines++;
  }
  a.out.flush();
  b.out.flush();
  return { fast: a.text(), general: b.text(), copied, lines };
}

test('on every call of every fixture log, the line built from the bytes is the line the general path makes', () => {
  let copied = 0;
  let lines = 0;
  for (const file of logsUnder(FIXTURE_ROOT)) {
    const r = bothWays(file);
    assert.equal(r.fast, r.general, file);
    copied += r.copied;
    lines += r.lines;
  }
  // The fixtures' commonest lines take the copy: the comparison above looks at it, not only at the general path.
  assert.ok(lines > 1000 && copied > lines / 2, `${copied} of ${lines} lines copied`);
});

test('calls with bytes a terminal acts on, or not ASCII, are printed by the general path (escaped), the same both ways', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'iosim-oplines-'));
  try {
    const log = path.join(dir, 'hostile.strace');
    writeFileSync(log, [
      '100 10:00:00.000001 openat(AT_FDCWD, "/tmp/caf\u00e9", O_RDONLY) = 3</tmp/caf\u00e9> <0.000010>',
      '100 10:00:00.000020 read(3</tmp/caf\u00e9>, "\x1b[2J", 4) = 4 <0.000004>',
      '100 10:00:00.000030 write(1</dev/pts/0>, "ok\\n", 3) = 3 <0.000005>',
      '101 10:00:00.000040 write(1</dev/pts/0>, "\x7f", 1) = 1 <0.000002>',
      '100 10:00:00.000050 close(3</tmp/caf\u00e9>) = 0 <0.000001>',
      // strace's column alignment before '=': the line has one space on each side all the same.
      '100 10:00:00.000060 write(1</dev/pts/0>, "x", 1)        = 1 <0.000001>',
      '',
    ].join('\n'));
    const r = bothWays(log);
    assert.equal(r.fast, r.general);
    assert.ok(r.copied >= 4, `${r.copied} lines had bytes`);
    assert.ok(r.fast.includes('"\\33[2J"') && !r.fast.includes('\x1b'), r.fast);
    assert.ok(r.fast.includes('[process [101]] write(1</dev/pts/0>, "\\177", 1) = 1 <'), r.fast);
    assert.ok(r.fast.includes('[process [100]] write(1</dev/pts/0>, "ok\\n", 3) = 3 <'), r.fast);
    assert.ok(r.fast.includes('[process [100]] write(1</dev/pts/0>, "x", 1) = 1 <'), r.fast);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
