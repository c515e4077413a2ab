/**
 * Splits one line of a scenario into tokens. The language is line-oriented (one statement per line), so the
 * lexer works a line at a time and ends every line with an 'eol' token; the parser never looks across lines.
 */

/** 'other' is a character the language does not use; 'error' is an unterminated string. */
export type TokenKind = 'ident' | 'number' | 'string' | 'punct' | 'other' | 'eol' | 'error';

export interface Token {
  kind: TokenKind;
  /** The source text; for a string, its contents with escapes resolved. */
  text: string;
  line: number;
  /** 1-based. */
  col: number;
  /** 1-based, just after the last character. */
  endCol: number;
  /** For an 'error' token: what is wrong, as the diagnostic should say it. */
  message?: string;
}

export interface LexedLine {
  /** Always ends with an 'eol' token. */
  tokens: Token[];
  /** The line without its comment and trailing blanks; machine values are read from it as raw text. */
  code: string;
}

const PUNCT = '(){},=+-*|';
const IDENT_START = /[A-Za-z_]/;
// Dotted names (vm.dirty_ratio) are single tokens: they only ever appear as configuration keys.
const IDENT = /[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*/y;
// A number swallows its unit and anything glued to it ("16KiB", "0x1000", "35s", "16KX"); the parser decides
// what it means in context, so that "16KX" is reported as a bad size rather than as a number and a name.
const NUMBER = /[0-9][0-9A-Za-z_.µ]*/y;

export function lexLine(src: string, line: number): LexedLine {
  const tokens: Token[] = [];
  let i = 0;
  let codeEnd = 0;
  const push = (kind: TokenKind, text: string, start: number, end: number, message?: string) => {
    const t: Token = { kind, text, line, col: start + 1, endCol: end + 1 };
    if (message !== undefined) t.message = message;
    tokens.push(t);
    codeEnd = end;
  };
  while (i < src.length) {
    const c = src[i];
    if (c === ' ' || c === '\t' || c === '\f' || c === '\v') {
      i++;
      continue;
    }
    if (c === '#') break;
    if (c === '"') {
      let j = i + 1;
      let text = '';
      let closed = false;
      while (j < src.length) {
        const d = src[j];
        if (d === '\\' && j + 1 < src.length && (src[j + 1] === '"' || src[j + 1] === '\\')) {
          text += src[j + 1];
          j += 2;
          continue;
        }
        if (d === '"') {
          closed = true;
          j++;
          break;
        }
        text += d;
        j++;
      }
      if (closed) {
        push('string', text, i, j);
        i = j;
        continue;
      }
      // Everything up to the end of the line belongs to the broken string, '#' included.
      push('error', src.slice(i).trimEnd(), i, src.trimEnd().length, `unterminated string: expected a closing '"' before the end of the line`);
      i = src.length;
      break;
    }
    if (c >= '0' && c <= '9') {
      NUMBER.lastIndex = i;
      const m = NUMBER.exec(src)!;
      push('number', m[0], i, i + m[0].length);
      i += m[0].length;
      continue;
    }
    if (IDENT_START.test(c)) {
      IDENT.lastIndex = i;
      const m = IDENT.exec(src)!;
      push('ident', m[0], i, i + m[0].length);
      i += m[0].length;
      continue;
    }
    if (PUNCT.includes(c)) {
      push('punct', c, i, i + 1);
      i++;
      continue;
    }
    // Not an error by itself: machine values such as 10GB/s are read as raw text around such characters.
    push('other', c, i, i + 1);
    i++;
  }
  tokens.push({ kind: 'eol', text: '', line, col: codeEnd + 1, endCol: codeEnd + 1 });
  return { tokens, code: src.slice(0, codeEnd) };
}

/** How a token is named in "found ..." messages. */
export function describeToken(t: Token): string {
  switch (t.kind) {
    case 'eol':
      return 'end of line';
    case 'string':
      return `string "${t.text}"`;
    default:
      return `'${t.text}'`;
  }
}
