/**
 * Issue 11, kind 9: strace's escapes in -y paths and strings are decoded, so files carry the names their owners
 * know (gr\303\274\303\237e.txt is grüße.txt, a\76b.txt is a>b.txt) and a backslash is never doubled.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fdOf, splitArgs, unquote } from '../../src/program/strace/args';
import { diagnosticsOf, mismatches, runLog } from './realworld';

test('k9: cat of grüße.txt, a>b.txt and c\\d.txt into out>ü.txt: the files have their own names and sizes', () => {
  const { loaded, trace, ops } = runLog('k9-escaped-names.strace');
  assert.deepEqual(diagnosticsOf(loaded), []);
  assert.deepEqual(mismatches(ops), []);
  // The inputs existed with the sizes cat's copies show (5, 100 and 4 bytes); the output was created by the shell.
  assert.deepEqual(loaded.spec!.files.filter((f) => f.path.startsWith('/tmp/')).map((f) => [f.path, f.size]), [
    ['/tmp/iosim-rf/grüße.txt', 5], ['/tmp/iosim-rf/a>b.txt', 100], ['/tmp/iosim-rf/c\\d.txt', 4],
  ]);
  assert.equal('/tmp/iosim-rf/c\\d.txt'.length, '/tmp/iosim-rf/c'.length + 1 + 'd.txt'.length, 'one backslash');
  assert.equal(trace.machine.files.get('/tmp/iosim-rf/out>ü.txt')!.size, 109);
  // copy_file_range from each input into the output, by their decoded names.
  const copies = ops.filter((o) => o.text === 'copy_file_range' && o.result > 0);
  assert.deepEqual(copies.map((o) => [o.path, o.result]), [['/tmp/iosim-rf/grüße.txt', 5], ['/tmp/iosim-rf/a>b.txt', 100], ['/tmp/iosim-rf/c\\d.txt', 4]]);
});

test('escapes: octal bytes are UTF-8, \\76 is >, \\\\ is one backslash, C escapes, -yy nested decorations', () => {
  assert.equal(fdOf('3</tmp/gr\\303\\274\\303\\237e.txt>').deco, '/tmp/grüße.txt');
  assert.equal(fdOf('3</tmp/a\\76b.txt>').deco, '/tmp/a>b.txt');
  assert.equal(fdOf('3</tmp/c\\\\d.txt>').deco, '/tmp/c\\d.txt');
  assert.equal(unquote('"gr\\303\\274\\303\\237e.txt"'), 'grüße.txt');
  assert.equal(unquote('"a\\tb\\nc\\"d\\\\e\\x41"'), 'a\tb\nc"d\\eA');
  // strace prints an octal escape before a digit with three digits: \0001 is NUL then '1'.
  assert.equal(unquote('"\\0001"'), '\u00001');
  // -yy: a terminal's decoration holds its own <...>; the argument list is still split right.
  assert.deepEqual(splitArgs('1</dev/pts/0<char 136:0>>, "x", 1'), ['1</dev/pts/0<char 136:0>>', '"x"', '1']);
  assert.equal(fdOf('1</dev/pts/0<char 136:0>>').deco, '/dev/pts/0<char 136:0>');
  assert.deepEqual(splitArgs('4<TCP:[127.0.0.1:8099->127.0.0.1:53528]>, "x"'), ['4<TCP:[127.0.0.1:8099->127.0.0.1:53528]>', '"x"']);
});
