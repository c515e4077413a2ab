/**
 * What reaches a terminal is escaped the way strace escapes what it prints (string_quote in strace's util.c): the
 * expected strings are written out by hand from those rules.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { escapeControls, quoteC, safeJson, terminalText } from '../../src/shared/escape';

test('C0 controls: \\t \\n \\v \\f \\r by name, the others in octal, three digits before an octal digit', () => {
  assert.equal(escapeControls('/srv/\x1b]0;pwned\x07\x1b[31mred'), '/srv/\\33]0;pwned\\7\\33[31mred');
  assert.equal(escapeControls('a\tb\nc\vd\fe\rf'), 'a\\tb\\nc\\vd\\fe\\rf');
  assert.equal(escapeControls('\x1b1'), '\\0331');
  assert.equal(escapeControls('\x008'), '\\08', '8 is not an octal digit: the short form stays unambiguous');
  assert.equal(escapeControls('\x007'), '\\0007');
  assert.equal(escapeControls('\x7f'), '\\177');
});

test('C1 controls, bidi controls and line separators: the octal of their UTF-8 bytes', () => {
  assert.equal(escapeControls('\u009b2J'), '\\302\\2332J');
  assert.equal(escapeControls('\u0085'), '\\302\\205');
  assert.equal(escapeControls('evil\u202Etxt.exe'), 'evil\\342\\200\\256txt.exe');
  assert.equal(escapeControls('\u2066\u2069\u200e\u200f\u061c'), '\\342\\201\\246\\342\\201\\251\\342\\200\\216\\342\\200\\217\\330\\234');
  assert.equal(escapeControls('a\u2028b\u2029'), 'a\\342\\200\\250b\\342\\200\\251');
});

test('everything else is printed as it is: other scripts, emoji, backslashes, quotes', () => {
  for (const s of ['/srv/index.html', 'café', '日本語', '🙂', 'a\\33b', '"quoted"', '<img src=x>', '%s%n{0}']) assert.equal(escapeControls(s), s);
});

test('quoteC: a C string as strace prints it, quotes and backslashes escaped', () => {
  assert.equal(quoteC('/tmp/a"b\\c'), '"/tmp/a\\"b\\\\c"');
  assert.equal(quoteC('/srv/\x1b[2J'), '"/srv/\\33[2J"');
  assert.equal(quoteC(''), '""');
});

test('terminalText keeps the line breaks of text the program composed and escapes the rest of each line', () => {
  assert.equal(terminalText('summary\n  \x1b[2Jx\nend'), 'summary\n  \\33[2Jx\nend');
  assert.equal(terminalText('plain\ntext'), 'plain\ntext');
  assert.equal(terminalText('a\r\nb\n\x1b1\n'), 'a\\r\nb\n\\0331\n', 'a break is kept, a CR before it is not');
});

test('safeJson: DEL, C1, bidi and separators as \\u escapes; the parsed values are the same', () => {
  const value = { name: '/srv/\x1b]0;x\x07\u009b\u202e\x7f\u2028é' };
  const json = safeJson(JSON.stringify(value));
  assert.equal(json, '{"name":"/srv/\\u001b]0;x\\u0007\\u009b\\u202e\\u007f\\u2028é"}');
  assert.deepEqual(JSON.parse(json), value);
});
