/** The parsed form of a scenario. Plain data: the debugger and the extension read it as well as the interpreter. */
import type { Diagnostic } from './diagnostics';

interface Span {
  line: number;
  col: number;
  endCol: number;
}

/** Literals are already resolved to numbers by their context: a size in bytes, a duration in nanoseconds. */
export type Expr =
  | (Span & { kind: 'num'; value: number })
  /** An O_* or SEEK_* constant. */
  | (Span & { kind: 'const'; name: string; value: number })
  | (Span & { kind: 'var'; name: string })
  | (Span & { kind: 'neg'; operand: Expr })
  | (Span & { kind: 'binary'; op: '+' | '-' | '*' | '|'; left: Expr; right: Expr });

/** One operation: a call (`n = read(fd, buf, 4KiB)`) or one of the statements sleep, sysctl, drop_caches. */
export interface OpStatement {
  kind: 'op';
  /** The OPS name. */
  name: string;
  /** The variable that receives the result, if any. */
  target: string | null;
  /** The numeric arguments in the order the Operation carries them (open: [flags]; sysctl: [value]). */
  args: Expr[];
  /** open: the path; sysctl: the key. */
  text?: string;
  /** open: the flag names as written (absent when the flags are computed from variables at run time). */
  flagNames?: string[];
  /** Where the statement starts: the target of an assignment, otherwise the call name or keyword. */
  line: number;
  col: number;
  /** The call name or keyword. */
  callCol: number;
}

export interface RepeatStatement {
  kind: 'repeat';
  count: Expr;
  body: Statement[];
  /** The `repeat` keyword. */
  line: number;
  col: number;
  /** The line of the closing '}' (the same line for the one-line form). */
  endLine: number;
}

export type Statement = OpStatement | RepeatStatement;

export interface FileDecl {
  path: string;
  size: number;
  line: number;
  col: number;
}

export interface MachineSetting {
  key: string;
  value: number | string | null;
  line: number;
  col: number;
}

export interface Scenario {
  path: string;
  machine: MachineSetting[];
  files: FileDecl[];
  body: Statement[];
  diagnostics: Diagnostic[];
  /** 1-based lines that hold an executable statement (for breakpoint verification), ascending. */
  executableLines: number[];
}

/** Combines two integers bit by bit without the 32-bit truncation of JavaScript's `|`. */
export function bitOr(a: number, b: number): number {
  if (a >= 0 && b >= 0 && a <= 0x7fffffff && b <= 0x7fffffff) return a | b;
  const hi = Math.floor(a / 2 ** 32) | Math.floor(b / 2 ** 32);
  return (hi >>> 0) * 2 ** 32 + ((a | b) >>> 0);
}

/** The value of an expression that involves no variable, or null. */
export function constValue(e: Expr): number | null {
  switch (e.kind) {
    case 'num':
    case 'const':
      return e.value;
    case 'var':
      return null;
    case 'neg': {
      const v = constValue(e.operand);
      return v === null ? null : -v;
    }
    case 'binary': {
      const l = constValue(e.left);
      if (l === null) return null;
      const r = constValue(e.right);
      if (r === null) return null;
      switch (e.op) {
        case '+':
          return l + r;
        case '-':
          return l - r;
        case '*':
          return l * r;
        case '|':
          return bitOr(l, r);
      }
    }
  }
}
