/**
 * The part of the scenario parser that reads within one line: the token cursor, diagnostics and the expression
 * grammar (`|`, `+ -`, `*`, unary minus, parentheses, literals read as sizes, durations or counts). The statement
 * parser (parser.ts) extends it.
 */
import { FADV, OPEN_FLAGS, SEEK } from '../machine/operation';
import { parseDuration, parseSize } from '../machine/units';
import { constValue, type Expr } from './ast';
import type { Diagnostic } from './diagnostics';
import { describeToken, type Token } from './lexer';

/** Thrown once the line's diagnostic is recorded, to abandon the rest of the line. */
class Bail {}
export const BAIL = new Bail();

/**
 * How a number literal is read where it appears. 'factor' is an operand of `*` in a duration: `1s * 3` scales,
 * so a plain number is allowed there, and one standing alone is then reported as a duration without a unit.
 */
export type LiteralKind = 'size' | 'duration' | 'factor' | 'count';

/**
 * How deep parentheses, unary minuses and repeats may nest. The parser and the interpreter recurse once per level:
 * 3,000 levels overflowed the stack ("Maximum call stack size exceeded" with no line), 200 is far below that in any
 * host (the extension host included) and far above what a person writes.
 */
export const MAX_NESTING = 200;

export const CONSTANTS: ReadonlyMap<string, number> = new Map([...Object.entries(OPEN_FLAGS), ...Object.entries(SEEK), ...Object.entries(FADV)]);
export const SIZE_HELP = 'a number with an optional unit (B, KiB, MiB, GiB, TiB, or K, M, G, T), such as 16KiB';
export const DURATION_HELP = 'a number with a unit ns, us, ms, s or m, such as 35s';

export abstract class LineParser {
  protected readonly diagnostics: Diagnostic[] = [];
  /** Names assigned so far, in program order. */
  protected readonly assigned = new Set<string>();
  /** Uses of a name not yet assigned at that point; judged at the end, once every assignment is known. */
  protected readonly unresolved: { name: string; tok: Token; candidates: string[] }[] = [];
  protected toks: Token[] = [];
  protected pos = 0;
  /** Plain-number literals read as duration factors, with their text, until they turn out to stand alone. */
  protected readonly unitless = new WeakMap<Expr, string>();
  /** Levels of nesting open on the current line (parentheses, unary minuses, one-line repeats): see MAX_NESTING. */
  protected depth = 0;

  /** Enters one more level of nesting at `t`, or fails the line when that is one too many. */
  protected nest(t: Token): void {
    if (++this.depth > MAX_NESTING) this.fail(t, `nesting too deep (limit ${MAX_NESTING})`);
  }

  // ---- expressions ----

  /**
   * A whole argument, repeat count or sleep: when it is constant, its value is checked as a literal is (an
   * expression such as `8000TiB * 8000TiB` is as far past 2^53 as a literal the lexer refuses). Values computed
   * from variables are checked when they are computed (interpreter.ts).
   */
  protected checkedExpr(kind: LiteralKind): Expr {
    const e = this.expr(kind);
    const v = constValue(e);
    if (v !== null && !(Math.abs(v) <= Number.MAX_SAFE_INTEGER)) {
      this.error(e, `value out of range: this ${kind === 'count' ? 'count' : kind === 'size' ? 'value' : 'duration'} is ${v}${kind === 'duration' ? ' ns' : ''}, past 2^53 (${Number.MAX_SAFE_INTEGER}), the largest the model counts exactly`);
      throw BAIL;
    }
    return e;
  }

  protected expr(kind: LiteralKind): Expr {
    let left = this.additive(kind);
    while (isPunct(this.peek(), '|')) {
      this.next();
      const right = this.additive(kind);
      left = { kind: 'binary', op: '|', left, right, line: left.line, col: left.col, endCol: right.endCol };
    }
    return left;
  }

  protected additive(kind: LiteralKind): Expr {
    let left = this.multiplicative(kind);
    for (;;) {
      const t = this.peek();
      if (!isPunct(t, '+') && !isPunct(t, '-')) return left;
      this.next();
      const right = this.multiplicative(kind);
      left = { kind: 'binary', op: t.text as '+' | '-', left, right, line: left.line, col: left.col, endCol: right.endCol };
    }
  }

  protected multiplicative(kind: LiteralKind): Expr {
    const operandKind = kind === 'duration' ? 'factor' : kind;
    let left = this.unary(operandKind);
    const bare = this.unitless.get(left);
    let product = false;
    while (isPunct(this.peek(), '*')) {
      this.next();
      const right = this.unary(operandKind);
      left = { kind: 'binary', op: '*', left, right, line: left.line, col: left.col, endCol: right.endCol };
      product = true;
    }
    if (kind === 'duration' && !product && bare !== undefined) {
      this.error(left, `bad duration '${bare}': expected ${DURATION_HELP}`);
      throw BAIL;
    }
    return left;
  }

  protected unary(kind: LiteralKind): Expr {
    const t = this.peek();
    if (isPunct(t, '-')) {
      this.next();
      this.nest(t);
      const operand = this.unary(kind);
      this.depth--;
      return { kind: 'neg', operand, line: t.line, col: t.col, endCol: operand.endCol };
    }
    return this.primary(kind);
  }

  protected primary(kind: LiteralKind): Expr {
    const t = this.next();
    if (t.kind === 'number') {
      const e: Expr = { kind: 'num', value: this.literal(t, kind), line: t.line, col: t.col, endCol: t.endCol };
      if (kind === 'factor' && isUnitless(t.text)) this.unitless.set(e, t.text);
      return e;
    }
    if (isPunct(t, '(')) {
      this.nest(t);
      const inner = this.expr(kind);
      this.depth--;
      const close = this.next();
      if (!isPunct(close, ')')) this.fail(close, `expected ')' to close the '(' at column ${t.col}, found ${describeToken(close)}`);
      return { ...inner, col: t.col, endCol: close.endCol };
    }
    if (t.kind === 'ident') {
      if (isPunct(this.peek(), '(')) this.fail(t, `calls cannot be nested: ${t.text}(...) must be a statement of its own; assign its result to a name first`);
      const c = CONSTANTS.get(t.text);
      if (c !== undefined) return { kind: 'const', name: t.text, value: c, line: t.line, col: t.col, endCol: t.endCol };
      if (!this.assigned.has(t.text)) this.unresolved.push({ name: t.text, tok: t, candidates: [...this.assigned, ...CONSTANTS.keys()] });
      return { kind: 'var', name: t.text, line: t.line, col: t.col, endCol: t.endCol };
    }
    const what = kind === 'duration' ? 'a duration such as 35s' : kind === 'count' ? 'a count such as 1000' : 'a value (a number, a size such as 4KiB, or a name)';
    this.fail(t, `expected ${what}, found ${describeToken(t)}`);
  }

  /** Reads a number token as its context wants it: a size in bytes, a duration in nanoseconds, or a count. */
  protected literal(t: Token, kind: LiteralKind): number {
    const text = t.text;
    const hex = /^0[xX][0-9a-fA-F]+$/.test(text) ? Number.parseInt(text.slice(2), 16) : null;
    let value: number | null;
    switch (kind) {
      case 'size':
        value = hex ?? parseSize(text);
        if (value === null || !Number.isSafeInteger(value)) this.fail(t, `bad size '${text}': expected ${SIZE_HELP}`);
        return value;
      case 'count':
        value = hex ?? (/^\d+$/.test(text) ? Number(text) : null);
        if (value === null || !Number.isSafeInteger(value)) this.fail(t, `bad repeat count '${text}': expected a whole number such as 1000`);
        return value;
      case 'factor':
      case 'duration':
        if (kind === 'factor' && isUnitless(text)) {
          value = hex ?? Number(text);
          if (!Number.isFinite(value)) this.fail(t, `bad number '${text}': expected a plain number such as 3`);
          return value;
        }
        // A bare number would be ambiguous (shell sleep counts seconds, nanosleep nanoseconds), so a unit is required.
        value = isUnitless(text) ? null : parseDuration(text);
        if (value === null) this.fail(t, `bad duration '${text}': expected ${DURATION_HELP}`);
        return value;
    }
  }

  // ---- tokens and diagnostics ----

  protected peek(): Token {
    return this.toks[this.pos];
  }

  protected next(): Token {
    const t = this.toks[this.pos];
    if (t.kind !== 'eol') this.pos++;
    return t;
  }

  protected expectEol(after: string): void {
    const t = this.peek();
    if (t.kind !== 'eol') this.fail(t, `expected end of line after ${after}, found ${describeToken(t)} (one statement per line)`);
  }

  protected error(at: { line: number; col: number; endCol: number }, message: string, end?: Token): void {
    this.diagnostics.push({ severity: 'error', line: at.line, col: at.col, endLine: end ? end.line : at.line, endCol: end ? end.endCol : at.endCol, message });
  }

  protected warning(at: { line: number; col: number; endCol: number }, message: string): void {
    this.diagnostics.push({ severity: 'warning', line: at.line, col: at.col, endLine: at.line, endCol: at.endCol, message });
  }

  /** Records an error and abandons the line. A lexical error at that spot is the real cause, so it wins. */
  protected fail(at: Token, message: string, end?: Token): never {
    if (at.kind === 'error' && at.message !== undefined) this.error(at, at.message);
    else this.error(at, message, end);
    throw BAIL;
  }
}

export function isUnitless(text: string): boolean {
  return /^(?:\d+(?:\.\d+)?|0[xX][0-9a-fA-F]+)$/.test(text);
}

export function isPunct(t: Token, p: string): boolean {
  return t.kind === 'punct' && t.text === p;
}
