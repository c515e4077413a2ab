/**
 * Text that reaches a terminal comes from files anyone can write: a file name in a log, a bad log line echoed in a
 * warning, a string in a scenario. Printed raw, `\33]0;pwned\7` retitles the terminal, `\33[2J` clears it, a bidi
 * override (U+202E) shows a line in another order than it is read. So every path that prints for a person (the CLI's
 * lines and its diagnostics on stderr, the adapter's output events in the Debug Console, which renders ANSI
 * sequences) passes its text through escapeControls, which prints such characters the way strace prints them:
 *
 * - `\t \n \v \f \r` by name, the other C0 controls and DEL in octal (`\33`, `\7`, `\177`), three digits when an
 *   octal digit follows (`\0331`), as strace's string_quote() does;
 * - the C1 controls (U+0080–U+009F: some terminals take U+009B as CSI), the bidi controls (U+061C, U+200E, U+200F,
 *   U+202A–U+202E, U+2066–U+2069) and the line and paragraph separators (U+2028, U+2029) as the octal of their UTF-8
 *   bytes (U+202E → `\342\200\256`), which is how strace prints bytes it does not print as text, and what the log
 *   reader decodes back.
 *
 * Everything else (letters of every script, emoji) is printed as it is; so is the backslash, which is harmless to a
 * terminal (a name holding a literal `\33` reads the same as one holding ESC: the price of keeping names readable).
 * JSON (`--json`, `export`) is never escaped this way: JSON.stringify escapes C0 itself and safeJson adds the rest as
 * `\u` escapes, so values stay exact.
 */

/** The characters escaped (a character class, so `test` on a clean string costs one scan). */
const UNSAFE = /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/;
const UNSAFE_ALL = /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g;
const NAMED: Record<number, string> = { 9: '\\t', 10: '\\n', 11: '\\v', 12: '\\f', 13: '\\r' };

/** Octal of one byte, minimal unless an octal digit follows (then three digits, so it cannot swallow it). */
function octal(byte: number, next: number): string {
  const digits = byte.toString(8);
  return '\\' + (next >= 48 && next <= 55 ? digits.padStart(3, '0') : digits);
}

function escapeChar(s: string, i: number, extra: string): string {
  const c = s.charCodeAt(i);
  const next = i + 1 < s.length ? s.charCodeAt(i + 1) : -1;
  if (extra.includes(s[i])) return '\\' + s[i];
  const named = NAMED[c];
  if (named !== undefined) return named;
  if (c < 0x80) return octal(c, next);
  // UTF-8 of a character below U+0800 (two bytes) or of the BMP (three): every escaped one is one of these.
  const bytes = c < 0x800 ? [0xc0 | (c >> 6), 0x80 | (c & 63)] : [0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63)];
  let out = '';
  for (let k = 0; k < bytes.length; k++) out += octal(bytes[k], k + 1 < bytes.length ? bytes[k + 1] : next);
  return out;
}

function escapeWith(s: string, re: RegExp, extra: string): string {
  let out = '';
  let last = 0;
  re.lastIndex = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    out += s.slice(last, m.index) + escapeChar(s, m.index, extra);
    last = m.index + 1;
  }
  return out + s.slice(last);
}

/** `s` with every control, C1, bidi and separator character escaped as strace would print it (one line of text). */
export function escapeControls(s: string): string {
  return UNSAFE.test(s) ? escapeWith(s, UNSAFE_ALL, '') : s;
}

/** A C string as strace prints one: in quotes, `"` and `\` escaped, controls as escapeControls. */
export function quoteC(s: string): string {
  return '"' + escapeWith(s, /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069"\\]/g, '"\\') + '"';
}

/** What escapeControls escapes but a line break, which terminalText keeps. */
const UNSAFE_BUT_NL = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/;

/**
 * Text of several lines the program composed itself (a table, a summary): each line escaped, the breaks kept. Text
 * with nothing to escape but its breaks (the common case) is scanned once and given back as it is.
 */
export function terminalText(s: string): string {
  return UNSAFE_BUT_NL.test(s) ? s.split('\n').map(escapeControls).join('\n') : s;
}

/**
 * JSON text (from JSON.stringify, which escapes C0 itself) with DEL, the C1 controls, the bidi controls and the
 * separators written as `\u` escapes: the same values once parsed, and nothing a terminal acts on when printed.
 * They can only occur inside strings, where an escape means the very same character.
 */
export function safeJson(json: string): string {
  return json.replace(/[\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}
