/**
 * Breakpoint conditions, logpoint templates and watch expressions: a small expression language over registers,
 * operation and event fields (`rdx > 4096`, `name == "read" && result < rdx`, `file == "/srv/hot.html"`).
 */
import { parseSize } from '../machine/units';

export type Value = number | string | boolean | null;
export type Env = (name: string) => Value | undefined;

type Node =
  | { t: 'lit'; v: Value }
  | { t: 'id'; name: string }
  | { t: 'un'; op: '!' | '-'; e: Node }
  | { t: 'bin'; op: string; l: Node; r: Node };

export class ExprError extends Error {}

const TOKEN = /\s*(?:(\d+(?:\.\d+)?[a-zA-Z]*|0x[0-9a-fA-F]+)|("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')|([A-Za-z_][\w.]*)|(==|!=|<=|>=|&&|\|\||[-+*/%<>!()]))/y;

function tokenize(src: string): string[] {
  const out: string[] = [];
  TOKEN.lastIndex = 0;
  let pos = 0;
  while (pos < src.length) {
    if (/^\s*$/.test(src.slice(pos))) break;
    TOKEN.lastIndex = pos;
    const m = TOKEN.exec(src);
    if (!m) throw new ExprError(`unexpected '${src.slice(pos).trim()[0]}' at column ${pos + 1}`);
    out.push(m[1] ?? m[2] ?? m[3] ?? m[4]);
    pos = TOKEN.lastIndex;
  }
  return out;
}

const PREC: Record<string, number> = { '||': 1, '&&': 2, '==': 3, '!=': 3, '<': 4, '<=': 4, '>': 4, '>=': 4, '+': 5, '-': 5, '*': 6, '/': 6, '%': 6 };

export function parseExpr(src: string): Node {
  const toks = tokenize(src);
  let i = 0;
  const primary = (): Node => {
    const t = toks[i++];
    if (t === undefined) throw new ExprError('expression ends too early');
    if (t === '(') {
      const e = binary(0);
      if (toks[i++] !== ')') throw new ExprError("expected ')'");
      return e;
    }
    if (t === '!' || t === '-') return { t: 'un', op: t, e: primary() };
    if (/^0x/.test(t)) return { t: 'lit', v: parseInt(t, 16) };
    if (/^\d/.test(t)) {
      const v = parseSize(t);
      if (v === null) throw new ExprError(`'${t}' is not a number or size`);
      return { t: 'lit', v };
    }
    if (t[0] === '"' || t[0] === "'") return { t: 'lit', v: t.slice(1, -1).replace(/\\(.)/g, '$1') };
    if (t === 'true' || t === 'false') return { t: 'lit', v: t === 'true' };
    if (t === 'null') return { t: 'lit', v: null };
    if (/^[A-Za-z_]/.test(t)) return { t: 'id', name: t };
    throw new ExprError(`unexpected '${t}'`);
  };
  const binary = (min: number): Node => {
    let left = primary();
    for (;;) {
      const op = toks[i];
      const p = PREC[op];
      if (p === undefined || p <= min - 1 || p < min) break;
      i++;
      const right = binary(p + 1);
      left = { t: 'bin', op, l: left, r: right };
    }
    return left;
  };
  const e = binary(0);
  if (i < toks.length) throw new ExprError(`unexpected '${toks[i]}'`);
  return e;
}

export function evaluate(n: Node, env: Env): Value {
  switch (n.t) {
    case 'lit': return n.v;
    case 'id': {
      const v = env(n.name);
      if (v === undefined) throw new ExprError(`unknown name '${n.name}'`);
      return v;
    }
    case 'un': {
      const v = evaluate(n.e, env);
      return n.op === '!' ? !truthy(v) : -(v as number);
    }
    case 'bin': {
      if (n.op === '&&') return truthy(evaluate(n.l, env)) && truthy(evaluate(n.r, env));
      if (n.op === '||') return truthy(evaluate(n.l, env)) || truthy(evaluate(n.r, env));
      const l = evaluate(n.l, env);
      const r = evaluate(n.r, env);
      switch (n.op) {
        case '==': return l === r;
        case '!=': return l !== r;
        case '<': return (l as number) < (r as number);
        case '<=': return (l as number) <= (r as number);
        case '>': return (l as number) > (r as number);
        case '>=': return (l as number) >= (r as number);
        case '+': return typeof l === 'string' || typeof r === 'string' ? `${l}${r}` : (l as number) + (r as number);
        case '-': return (l as number) - (r as number);
        case '*': return (l as number) * (r as number);
        case '/': return (l as number) / (r as number);
        case '%': return (l as number) % (r as number);
      }
    }
  }
  throw new ExprError('bad expression');
}

export function truthy(v: Value): boolean {
  return v !== null && v !== false && v !== 0 && v !== '';
}

export function compile(src: string): (env: Env) => Value {
  const n = parseExpr(src);
  return (env) => evaluate(n, env);
}

/** A logpoint message: text with `{expression}` parts. Checked once; evaluated per hit. */
export function compileTemplate(src: string): (env: Env) => string {
  const parts: (string | ((env: Env) => Value))[] = [];
  const re = /\{([^}]*)\}/g;
  let last = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(src))) {
    parts.push(src.slice(last, m.index));
    parts.push(compile(m[1]));
    last = re.lastIndex;
  }
  parts.push(src.slice(last));
  return (env) => parts.map((p) => {
    if (typeof p === 'string') return p;
    try {
      return format(p(env));
    } catch (e) {
      return `<${(e as Error).message}>`;
    }
  }).join('');
}

export function format(v: Value): string {
  if (typeof v === 'string') return v;
  if (v === null) return 'null';
  return String(v);
}

/** hitCondition: "5" (the 5th time), ">= 5", "> 5", "== 5", "% 5" (every 5th). */
export function compileHitCondition(src: string): (n: number) => boolean {
  const m = /^\s*(>=|>|==|=|%|<|<=)?\s*(\d+)\s*$/.exec(src);
  if (!m) throw new ExprError(`hit count '${src}': expected a number, '>= N', '> N', '% N'`);
  const n = Number(m[2]);
  switch (m[1]) {
    case '>=': return (k) => k >= n;
    case '>': return (k) => k > n;
    case '<': return (k) => k < n;
    case '<=': return (k) => k <= n;
    case '%': return (k) => n > 0 && k % n === 0;
    default: return (k) => k === n;
  }
}
