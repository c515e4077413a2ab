/**
 * Runs a checked scenario one operation at a time. The statement tree is compiled once into a flat instruction
 * list with jumps; loops are counters on a small stack, so `repeat 1000000` costs two numbers, and the whole
 * state is a handful of numbers and short arrays that snapshot() copies cheaply.
 */
import { LimitError } from '../machine/limits';
import { flagNames, type Operation } from '../machine/operation';
import { bitOr, type Expr, type Scenario, type Statement } from './ast';
import { hasErrors } from './parser';

// Opcodes of the small stack machine that evaluates expressions involving variables.
const PUSH = 0;
const LOAD = 1;
const ADD = 2;
const SUB = 3;
const MUL = 4;
const OR = 5;
const NEG = 6;

/**
 * An expression, precompiled: a constant (slot < 0, rpn null), a variable (slot >= 0), or stack code. The first
 * two cover nearly every argument, and cost no interpretation at all.
 */
interface CExpr {
  c: number;
  slot: number;
  rpn: number[] | null;
}

const INS_OP = 0;
const INS_LOOP = 1;
const INS_END = 2;

/** One shape for every instruction keeps the dispatch in next() monomorphic. */
interface Ins {
  t: typeof INS_OP | typeof INS_LOOP | typeof INS_END;
  name: string;
  /** Op: its arguments; loop: [count]. */
  args: CExpr[];
  /** Op: the variable slot that receives the result, or -1. */
  target: number;
  line: number;
  col: number;
  text: string | undefined;
  flagNames: string[] | undefined;
  /** open with flags computed from variables: names must be derived from the value at run time. */
  runtimeFlags: boolean;
  /** Loop: the instruction after its end; end: the first instruction of its body. */
  jump: number;
}

interface Compiled {
  code: Ins[];
  /** Variable names by slot, in order of first assignment. */
  names: string[];
}

/** Plain data only, so that the debugger can keep thousands of these and compare or serialise them. */
export interface CursorState {
  pc: number;
  /** Iterations left in each enclosing loop, outermost first. */
  loopsLeft: number[];
  /** Iteration counts of the same loops, for display. */
  loopsTotal: number[];
  /** Variable values by slot; null until assigned. */
  vars: (number | null)[];
  /** The slot awaiting the result of the operation last returned, or -1. */
  pending: number;
}

export interface LoopPosition {
  /** The line of the `repeat`. */
  line: number;
  /** 1-based. */
  iteration: number;
  count: number;
}

const compiledCache = new WeakMap<Scenario, Compiled>();

function compile(s: Scenario): Compiled {
  const cached = compiledCache.get(s);
  if (cached) return cached;
  const slots = new Map<string, number>();
  const names: string[] = [];
  const code: Ins[] = [];

  const slotOf = (name: string): number => {
    const slot = slots.get(name);
    if (slot === undefined) throw new Error(`internal: variable ${name} has no slot (the scenario was not checked)`);
    return slot;
  };
  const cexpr = (e: Expr): CExpr => {
    if (e.kind === 'num' || e.kind === 'const') return { c: e.value, slot: -1, rpn: null };
    if (e.kind === 'var') return { c: 0, slot: slotOf(e.name), rpn: null };
    const rpn: number[] = [];
    emit(e, rpn);
    // Folding keeps constant arithmetic such as `4KiB * 2` out of the loop.
    if (!rpn.includes(LOAD)) return { c: evalRpn(rpn, []), slot: -1, rpn: null };
    return { c: 0, slot: -1, rpn };
  };
  const emit = (e: Expr, out: number[]): void => {
    switch (e.kind) {
      case 'num':
      case 'const':
        out.push(PUSH, e.value);
        return;
      case 'var':
        out.push(LOAD, slotOf(e.name));
        return;
      case 'neg':
        emit(e.operand, out);
        out.push(NEG);
        return;
      case 'binary':
        emit(e.left, out);
        emit(e.right, out);
        out.push(e.op === '+' ? ADD : e.op === '-' ? SUB : e.op === '*' ? MUL : OR);
        return;
    }
  };
  const hasOp = (from: number): boolean => {
    for (let i = from; i < code.length; i++) if (code[i].t === INS_OP) return true;
    return false;
  };
  const walk = (body: readonly Statement[]): void => {
    for (const st of body) {
      if (st.kind === 'op') {
        const ins: Ins = {
          t: INS_OP, name: st.name, args: st.args.map(cexpr), target: -1, line: st.line, col: st.col,
          text: st.text, flagNames: st.flagNames, runtimeFlags: st.name === 'open' && st.flagNames === undefined, jump: -1,
        };
        // The slot is taken after the arguments: `fd = close(fd)` reads the old fd.
        if (st.target !== null) {
          let slot = slots.get(st.target);
          if (slot === undefined) {
            slot = names.length;
            slots.set(st.target, slot);
            names.push(st.target);
          }
          ins.target = slot;
        }
        code.push(ins);
        continue;
      }
      const start = code.length;
      const loop: Ins = { t: INS_LOOP, name: 'repeat', args: [cexpr(st.count)], target: -1, line: st.line, col: st.col, text: undefined, flagNames: undefined, runtimeFlags: false, jump: -1 };
      code.push(loop);
      walk(st.body);
      // A body without operations would spin without yielding anything: leave the loop out entirely.
      if (!hasOp(start + 1)) {
        code.length = start;
        continue;
      }
      code.push({ t: INS_END, name: 'end', args: [], target: -1, line: st.endLine, col: 1, text: undefined, flagNames: undefined, runtimeFlags: false, jump: start + 1 });
      loop.jump = code.length;
    }
  };
  walk(s.body);
  const compiled = { code, names };
  compiledCache.set(s, compiled);
  return compiled;
}

const stack: number[] = [];

/** A value computed while the program runs that no literal could have had: the run stops at its line. */
function outOfRange(ins: Ins, what: string, v: number): LimitError {
  return new LimitError(`value out of range: ${what} is ${v}, past 2^53 (${Number.MAX_SAFE_INTEGER}), the largest the model counts exactly`, ins.line, ins.col);
}

function value(e: CExpr, vars: number[]): number {
  return e.rpn !== null ? evalRpn(e.rpn, vars) : e.slot >= 0 ? vars[e.slot] : e.c;
}

function evalRpn(rpn: number[], vars: number[]): number {
  let sp = 0;
  for (let i = 0; i < rpn.length; i++) {
    switch (rpn[i]) {
      case PUSH:
        stack[sp++] = rpn[++i];
        break;
      case LOAD:
        stack[sp++] = vars[rpn[++i]];
        break;
      case ADD:
        sp--;
        stack[sp - 1] += stack[sp];
        break;
      case SUB:
        sp--;
        stack[sp - 1] -= stack[sp];
        break;
      case MUL:
        sp--;
        stack[sp - 1] *= stack[sp];
        break;
      case OR:
        sp--;
        stack[sp - 1] = bitOr(stack[sp - 1], stack[sp]);
        break;
      case NEG:
        stack[sp - 1] = -stack[sp - 1];
        break;
    }
  }
  return stack[0];
}

export class ScenarioCursor {
  private readonly code: Ins[];
  private readonly names: string[];
  private pc = 0;
  private loopsLeft: number[] = [];
  private loopsTotal: number[] = [];
  /** NaN marks a variable not yet assigned (kept out of the state as null). */
  private vars: number[];
  private pending = -1;

  constructor(scenario: Scenario) {
    // Checking is the caller's duty, but running a broken program would only produce confusing traces.
    if (hasErrors(scenario)) throw new Error(`${scenario.path}: cannot run a scenario that has errors`);
    const c = compile(scenario);
    this.code = c.code;
    this.names = c.names;
    this.vars = new Array<number>(c.names.length).fill(NaN);
  }

  /** The next operation, with every argument evaluated, or null when the program has ended. */
  next(): Operation | null {
    const code = this.code;
    const vars = this.vars;
    while (this.pc < code.length) {
      const ins = code[this.pc];
      if (ins.t === INS_OP) {
        this.pc++;
        const src = ins.args;
        const args: number[] = [];
        for (let i = 0; i < src.length; i++) {
          const v = value(src[i], vars);
          // As a literal is checked when parsed (constant expressions too): past 2^53 nothing is exact any more.
          if (!(Math.abs(v) <= Number.MAX_SAFE_INTEGER)) throw outOfRange(ins, `argument ${i + 1} of ${ins.name}`, v);
          args.push(v);
        }
        this.pending = ins.target;
        if (ins.text === undefined) return { name: ins.name, args, line: ins.line, col: ins.col, thread: 1 };
        const names = ins.runtimeFlags ? flagNames(args[0]) : ins.flagNames;
        const op: Operation = { name: ins.name, args, text: ins.text, line: ins.line, col: ins.col, thread: 1 };
        // Copied so that a consumer editing one operation's names cannot change the next one's.
        if (names !== undefined) op.flagNames = names.slice();
        return op;
      }
      if (ins.t === INS_LOOP) {
        const n = value(ins.args[0], vars);
        if (n > Number.MAX_SAFE_INTEGER) throw outOfRange(ins, 'the repeat count', n);
        // A count read from a failed call is -1 (or never assigned): such a loop runs zero times.
        if (!(n >= 1)) {
          this.pc = ins.jump;
          continue;
        }
        const count = Math.floor(n);
        this.loopsLeft.push(count);
        this.loopsTotal.push(count);
        this.pc++;
        continue;
      }
      const top = this.loopsLeft.length - 1;
      const left = this.loopsLeft[top] - 1;
      if (left > 0) {
        this.loopsLeft[top] = left;
        this.pc = ins.jump;
      } else {
        this.loopsLeft.pop();
        this.loopsTotal.pop();
        this.pc++;
      }
    }
    this.pending = -1;
    return null;
  }

  /** Gives the result of the operation last returned by next(); binds it to its target variable if any. */
  complete(result: number): void {
    if (this.pending >= 0) this.vars[this.pending] = result;
    this.pending = -1;
  }

  snapshot(): CursorState {
    const vars: (number | null)[] = [];
    for (const v of this.vars) vars.push(Number.isNaN(v) ? null : v);
    return { pc: this.pc, loopsLeft: this.loopsLeft.slice(), loopsTotal: this.loopsTotal.slice(), vars, pending: this.pending };
  }

  restore(state: CursorState): void {
    if (state.vars.length !== this.vars.length || state.pc > this.code.length) throw new Error('restore: the state belongs to a different scenario');
    this.pc = state.pc;
    this.loopsLeft = state.loopsLeft.slice();
    this.loopsTotal = state.loopsTotal.slice();
    this.vars = state.vars.map((v) => (v === null ? NaN : v));
    this.pending = state.pending;
  }

  /** Current variable values (name -> number), in order of first assignment in the source. */
  variables(): ReadonlyMap<string, number> {
    const m = new Map<string, number>();
    for (let i = 0; i < this.names.length; i++) if (!Number.isNaN(this.vars[i])) m.set(this.names[i], this.vars[i]);
    return m;
  }

  /** The enclosing repeats of the position reached, outermost first (for the debugger's call stack). */
  loops(): LoopPosition[] {
    const out: LoopPosition[] = [];
    let depth = 0;
    // The loop instructions enclosing pc are those whose body range contains it, found in source order.
    for (let i = 0; i < this.code.length && depth < this.loopsLeft.length; i++) {
      const ins = this.code[i];
      if (ins.t !== INS_LOOP || this.pc <= i || this.pc >= ins.jump) continue;
      out.push({ line: ins.line, iteration: this.loopsTotal[depth] - this.loopsLeft[depth] + 1, count: this.loopsTotal[depth] });
      depth++;
    }
    return out;
  }

  /** Where the next operation comes from, or null when the program has ended. Does not move the cursor. */
  peek(): { line: number; col: number } | null {
    const code = this.code;
    let pc = this.pc;
    // Only the loop counters can change on the way to the next operation; a copy of them is enough.
    const left = this.loopsLeft.slice();
    while (pc < code.length) {
      const ins = code[pc];
      if (ins.t === INS_OP) return { line: ins.line, col: ins.col };
      if (ins.t === INS_LOOP) {
        const n = value(ins.args[0], this.vars);
        if (!(n >= 1)) {
          pc = ins.jump;
        } else {
          left.push(Math.floor(n));
          pc++;
        }
        continue;
      }
      const l = left[left.length - 1] - 1;
      if (l > 0) {
        left[left.length - 1] = l;
        pc = ins.jump;
      } else {
        left.pop();
        pc++;
      }
    }
    return null;
  }
}
