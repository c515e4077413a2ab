/**
 * Reads the arguments and results of a call as strace prints them: the list split at its top-level commas, fd
 * decorations (-y), integers, offsets, structure fields, flags, C strings and arrays. The commonest ones (the numbers
 * that end read and write arguments) are read in place, without cutting the text.
 */

export function isNameChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 95 || (c >= 65 && c <= 90);
}

/** A decimal digit's character code (or byte). */
export function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/**
 * Splits an argument list at its top-level commas: strings ("..." with escapes, cut as "..."...), brackets, braces,
 * parentheses and fd decorations (`3</a, b>`, `5<TCP:[1.2.3.4:80->5.6.7.8:9]>`) are kept whole. Each argument is
 * trimmed.
 */
export function splitArgs(s: string): string[] {
  const out: string[] = [];
  const n = s.length;
  let depth = 0;
  let start = 0;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === 34) {
      i = stringEnd(s, i + 1, n);
    } else if (c === 60) {
      i = decorationEnd(s, i + 1, n);
    } else if (c === 40 || c === 91 || c === 123) {
      depth++;
    } else if (c === 41 || c === 93 || c === 125) {
      depth--;
    } else if (c === 44 && depth === 0) {
      out.push(s.slice(start, i).trim());
      start = i + 1;
    }
  }
  const last = s.slice(start).trim();
  if (last !== '' || out.length > 0) out.push(last);
  return out;
}

/**
 * Index of the '"' that closes a C string whose text starts at `from`, or `end` if none comes before it: the first
 * '"' after an even run of backslashes, found with indexOf (a data string is mostly escapes: `"\177ELF\2\1\1..."`),
 * where reading it a character at a time, a backslash taking the next one with it, ends at the same one.
 */
export function stringEnd(s: string, from: number, end: number): number {
  let j = s.indexOf('"', from);
  while (j >= 0 && j < end) {
    let k = j - 1;
    while (k >= from && s.charCodeAt(k) === 92) k--;
    if (((j - 1 - k) & 1) === 0) return j;
    j = s.indexOf('"', j + 1);
  }
  return end;
}

/**
 * Index of the '>' that closes an fd decoration whose text starts at `from`, or `end` if none. A '>' inside
 * brackets does not (`3<TCP:[1.2.3.4:80->5.6.7.8:9]>`), nor one that closes a nested decoration (-yy:
 * `1</dev/pts/0<char 136:0>>`); one in a path is printed escaped (`\76`).
 */
export function decorationEnd(s: string, from: number, end: number): number {
  let i = from;
  let square = 0;
  let angle = 0;
  while (i < end) {
    const c = s.charCodeAt(i);
    if (c === 91) square++;
    else if (c === 93) square--;
    else if (c === 60 && square <= 0) angle++;
    else if (c === 62 && square <= 0) {
      if (angle <= 0) break;
      angle--;
    }
    i++;
  }
  return i;
}

/** A descriptor argument or result: `3`, `3</etc/passwd>`, `AT_FDCWD</tmp>`, `-1`. fd is NaN when not a number. */
export interface FdText {
  fd: number;
  /** What -y printed between '<' and '>', or ''. */
  deco: string;
}

export function fdOf(a: string | undefined): FdText {
  if (a === undefined) return { fd: NaN, deco: '' };
  const lt = a.indexOf('<');
  const head = lt >= 0 ? a.slice(0, lt) : a;
  const raw = lt >= 0 && a.charCodeAt(a.length - 1) === 62 ? a.slice(lt + 1, a.length - 1) : '';
  // -y prints a path's unprintable bytes, '<' and '>' as escapes (`gr\303\274\303\237e.txt`, `a\76b`).
  const deco = raw.indexOf('\\') < 0 ? raw : unescapeC(raw);
  if (head === 'AT_FDCWD') return { fd: -100, deco };
  const v = intOf(head);
  return { fd: v, deco };
}

/**
 * A decimal or hexadecimal integer (`131072`, `-1`, `0x7f3c00000000`); NaN for anything else. Strict, as strace
 * prints numbers: `60abc`, `1e3`, `--60`, `-` are not numbers (parseInt would read 60 and 1). After the number only
 * a decoration (`3</etc/passwd>`) or, after a space, a comment or a parenthesis (`/* 4 entries *\/`, `(flags ...)`).
 */
export function intOf(a: string | undefined): number {
  if (a === undefined) return NaN;
  const n = a.length;
  if (n === 0) return NaN;
  let i = 0;
  let neg = false;
  if (a.charCodeAt(0) === 45) {
    neg = true;
    i = 1;
  }
  let v: number;
  let end: number;
  if (a.charCodeAt(i) === 48 && (a.charCodeAt(i + 1) === 120 || a.charCodeAt(i + 1) === 88)) {
    end = i + 2;
    while (end < n && isHexDigit(a.charCodeAt(end))) end++;
    v = end === i + 2 ? NaN : parseInt(a.slice(i + 2, end), 16);
  } else {
    v = digitsAt(a, i, n);
    end = i;
    while (end < n && a.charCodeAt(end) >= 48 && a.charCodeAt(end) <= 57) end++;
  }
  if (end < n && !tailAllowed(a, end)) return NaN;
  return neg ? -v : v;
}

function isHexDigit(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}

/** What may follow a number in strace's output: a decoration, or a space and a comment or a parenthesis. */
function tailAllowed(a: string, at: number): boolean {
  const c = a.charCodeAt(at);
  if (c === 60) return true;
  if (c !== 32) return false;
  let k = at;
  while (k < a.length && a.charCodeAt(k) === 32) k++;
  return a.startsWith('/*', k) || a.charCodeAt(k) === 40;
}

/**
 * An offset argument as strace prints a pointer to one: `[4096]`, `[0] => [4096]` (value before and after the
 * call), `[0 => 4096]`; NULL gives NaN.
 */
export function offsetOf(a: string | undefined): { before: number; after: number } {
  if (a === undefined || a === 'NULL') return { before: NaN, after: NaN };
  const arrow = a.indexOf('=>');
  const strip = (t: string) => intOf(t.replace(/[[\]\s]/g, ''));
  if (arrow < 0) {
    const v = strip(a);
    return { before: v, after: v };
  }
  return { before: strip(a.slice(0, arrow)), after: strip(a.slice(arrow + 2)) };
}

/** The value of `key=` inside a structure argument (`st_size=1234`, `iov_len=10`); NaN when absent. */
export function fieldOf(a: string, key: string, from = 0): number {
  const k = a.indexOf(key + '=', from);
  if (k < 0) return NaN;
  // The key must start a field, not end another one's name (`aio_nbytes` vs `nbytes`).
  if (k > 0 && isNameChar(a.charCodeAt(k - 1))) return fieldOf(a, key, k + 1);
  return intOf(a.slice(k + key.length + 1, k + key.length + 24).split(/[,}\]\s<]/, 1)[0]);
}

/** Sum of every `iov_len=N` of an iovec array (readv, writev, sendmsg). */
export function iovTotal(a: string): number {
  let total = 0;
  let at = 0;
  let found = false;
  for (;;) {
    const k = a.indexOf('iov_len=', at);
    if (k < 0) break;
    const v = intOf(a.slice(k + 8, k + 30).split(/[,}\s]/, 1)[0]);
    if (!Number.isNaN(v)) {
      total += v;
      found = true;
    }
    at = k + 8;
  }
  return found ? total : NaN;
}

/** The names of a flags argument: `O_RDONLY|O_CLOEXEC` → ['O_RDONLY', 'O_CLOEXEC']. */
export function flagList(a: string | undefined): string[] {
  if (!a) return [];
  return a.split('|').map((f) => f.trim());
}

/**
 * A C string as strace prints it, without its quotes and escapes: `"/tmp/a\"b"` → `/tmp/a"b`. A string cut by -s
 * (`"abc"...`) gives what was printed.
 */
export function unquote(a: string | undefined): string {
  if (!a || a.charCodeAt(0) !== 34) return a ?? '';
  let end = a.lastIndexOf('"');
  if (end <= 0) end = a.length;
  const body = a.slice(1, end);
  return body.indexOf('\\') < 0 ? body : unescapeC(body);
}

const SIMPLE: Record<string, number> = { n: 10, t: 9, r: 13, v: 11, f: 12, a: 7, b: 8, e: 27 };

/**
 * strace's escapes taken out: `\ooo` and `\xHH` are bytes (strace escapes each byte of a multi-byte character, so
 * `\303\274` is one 'ü' once the bytes are read as UTF-8), `\n` and the like their characters, `\\` and `\"` the
 * character itself.
 */
export function unescapeC(s: string): string {
  const bytes: number[] = [];
  const push = (text: string): void => {
    for (const b of Buffer.from(text, 'utf8')) bytes.push(b);
  };
  let plain = 0;
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) !== 92 || i + 1 >= s.length) continue;
    if (i > plain) push(s.slice(plain, i));
    const d = s[i + 1];
    if (d === 'x' && /^[0-9a-fA-F]{2}$/.test(s.slice(i + 2, i + 4))) {
      bytes.push(parseInt(s.slice(i + 2, i + 4), 16));
      i += 3;
    } else if (d >= '0' && d <= '7') {
      let k = i + 1;
      while (k < i + 4 && s[k] >= '0' && s[k] <= '7') k++;
      bytes.push(parseInt(s.slice(i + 1, k), 8) & 255);
      i = k - 1;
    } else {
      if (SIMPLE[d] !== undefined) bytes.push(SIMPLE[d]);
      else push(d);
      i += 1;
    }
    plain = i + 1;
  }
  if (plain < s.length) push(s.slice(plain));
  return Buffer.from(bytes).toString('utf8');
}

/** The elements of a bracketed list: `[3<pipe:[7]>, 4<pipe:[7]>]` → ['3<pipe:[7]>', '4<pipe:[7]>']. */
export function listOf(a: string | undefined): string[] {
  if (!a) return [];
  const s = a.trim();
  if (s.charCodeAt(0) !== 91) return [];
  return splitArgs(s.slice(1, s.lastIndexOf(']')));
}

/** The structures of an array argument: `[{a=1, b=2}, {a=3}]` → ['{a=1, b=2}', '{a=3}']. */
export function structsOf(a: string | undefined): string[] {
  return listOf(a).filter((x) => x.charCodeAt(0) === 123);
}

/** The first argument of a list (or the argument itself). */
export function firstArg(s: string): string {
  return s.indexOf(',') < 0 ? s.trim() : splitArgs(s)[0];
}

/** Index of the last ',' at or before `from` and not before `min` (min - 1 if none): lastIndexOf is slow on V8. */
export function lastComma(s: string, from: number, min = 0): number {
  let i = from;
  while (i >= min && s.charCodeAt(i) !== 44) i--;
  return i < min ? min - 1 : i;
}

/** Index of the first character at or after `from` (before `end`) that is not a space. */
function skipSpaces(s: string, from: number, end: number): number {
  let i = from;
  while (i < end && s.charCodeAt(i) === 32) i++;
  return i;
}

/** The value of the decimal digits at `from` (before `end`); NaN if there are none. */
function digitsAt(s: string, from: number, end: number): number {
  let v = 0;
  let i = from;
  for (; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) break;
    v = v * 10 + (c - 48);
  }
  return i === from ? NaN : v;
}

/** The descriptor number text[from, end) starts with (`3</etc/passwd>, ...` → 3), without slicing; NaN if none. */
export function leadingFd(s: string, from: number, end: number): number {
  const i = skipSpaces(s, from, end);
  // `0x3`: a raw (-e raw=) argument, which strace prints in hex; no decoded descriptor looks so (dispatch.ts warns).
  if (s.charCodeAt(i) === 48 && (s.charCodeAt(i + 1) | 32) === 120) return NaN;
  return digitsAt(s, i, end);
}

/**
 * The integer that is all of s[from, end) but spaces, without slicing: the numbers that end read/write arguments.
 * NaN when anything else is there (`60abc`, `1e3`): as intOf, strictly.
 */
export function numberAt(s: string, from: number, end = s.length): number {
  let i = skipSpaces(s, from, end);
  // A negative number (an offset of -5): read, so that a handler can say it is negative rather than not a number.
  const neg = s.charCodeAt(i) === 45;
  if (neg) i++;
  if (s.charCodeAt(i) === 48 && s.charCodeAt(i + 1) === 120) {
    const v = intOf(s.slice(i, end).trim());
    return neg ? -v : v;
  }
  let j = i;
  while (j < end && s.charCodeAt(j) >= 48 && s.charCodeAt(j) <= 57) j++;
  if (skipSpaces(s, j, end) < end) return NaN;
  const v = digitsAt(s, i, j);
  return neg ? -v : v;
}

/** 2^64 − 1, the largest size_t (strace prints a count unsigned, %lu), as decimal text. */
const SIZE_MAX_TEXT = '18446744073709551615';

/**
 * Whether the decimal number that is all of s[from, end) but spaces is past 2^64 − 1, which no size_t holds (a double
 * cannot tell 2^64 − 1 from 2^64: the digits are compared).
 */
export function pastSizeMax(s: string, from: number, end = s.length): boolean {
  const t = s.slice(from, end).trim().replace(/^0+(?=\d)/, '');
  if (!/^\d+$/.test(t)) return false;
  return t.length > SIZE_MAX_TEXT.length || (t.length === SIZE_MAX_TEXT.length && t > SIZE_MAX_TEXT);
}

/**
 * What is wrong with number `v`, a log's `what` argument (`the offset`), for the model: not a number, negative (`einval`:
 * why Linux refuses it, for a call that says it succeeded), past 2^53; null when it is fine.
 */
export function numberIssue(v: number, what: string, einval = ''): string | null {
  if (Number.isNaN(v)) return `${what} is not a number`;
  if (v < 0 && einval !== '') return `${what} ${v} is negative, which Linux refuses (${einval}): a successful call cannot have it`;
  if (!(Math.abs(v) <= Number.MAX_SAFE_INTEGER)) return `${what} is past 2^53, the largest number the model counts exactly`;
  return null;
}
