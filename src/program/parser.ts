/**
 * Parses a `.iosim` scenario and checks it, reporting every problem it can find in one pass. Each statement
 * sits on one line, so an error abandons the rest of its line and parsing resumes on the next one.
 */
import { CONFIG_KEYS, findConfigKey, parseConfigValue, type ConfigKey } from '../machine/config';
import { MAX_FILE_SIZE } from '../machine/limits';
import { OPEN_FLAGS, OPS, findOp, flagNames as flagNamesOf, type OpSpec } from '../machine/operation';
import { constValue, type Expr, type FileDecl, type MachineSetting, type OpStatement, type RepeatStatement, type Scenario, type Statement } from './ast';
import { didYouMean } from './diagnostics';
import { BAIL, CONSTANTS, isPunct, LineParser, MAX_NESTING } from './exprParser';
import { describeToken, lexLine, type Token } from './lexer';

/** A call argument: open's path is the only place a string is allowed. */
type Arg = { kind: 'expr'; expr: Expr; tok: Token } | { kind: 'str'; value: string; tok: Token };

interface RepeatBlock {
  kind: 'repeat';
  open: Token;
  stmt: RepeatStatement;
}
interface MachineBlock {
  kind: 'machine';
  open: Token;
  keys: Map<string, number>;
}
type Block = RepeatBlock | MachineBlock;

const KEYWORDS = new Set(['machine', 'file', 'repeat', 'sleep', 'sysctl', 'drop_caches']);
const STATEMENT_OPS = new Set(['sleep', 'sysctl', 'drop_caches']);
const SYSCTL_KEYS = CONFIG_KEYS.filter((k) => k.sysctl).map((k) => k.key);
const O_CREAT = OPEN_FLAGS.O_CREAT;

const STATEMENT_HELP = 'a call such as read(fd, buf, 4KiB), an assignment, repeat, sleep, sysctl, drop_caches, file or machine';

export function parseScenario(text: string, path: string): Scenario {
  // A UTF-8 byte order mark (as some Windows editors save) is not part of the first line; editors do not show it.
  return new Parser(path).parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
}

export function hasErrors(s: Scenario): boolean {
  return s.diagnostics.some((d) => d.severity === 'error');
}

class Parser extends LineParser {
  private readonly machine: MachineSetting[] = [];
  private readonly files: FileDecl[] = [];
  private readonly fileByPath = new Map<string, FileDecl>();
  private readonly body: Statement[] = [];
  private readonly blocks: Block[] = [];
  private readonly executable = new Set<number>();
  /** The first `machine` keyword, for "only one machine block". */
  private machineAt: Token | null = null;
  /** The line of the first statement other than the machine block, for "machine block must come first". */
  private firstStatementLine = 0;
  /** Where each name is first assigned, anywhere in the program (to tell "used too early" from "unknown"). */
  private readonly firstAssignment = new Map<string, number>();
  /** Paths created by an earlier open with O_CREAT, which later opens may use without a `file` line. */
  private readonly created = new Set<string>();
  /** Opens of paths neither created before nor (yet) declared; `file` lines count wherever they are. */
  private readonly pendingOpens: { path: string; tok: Token; flagsKnown: boolean }[] = [];
  /** The body a one-line repeat is filling, which takes precedence over the open blocks. */
  private oneLineBody: Statement[] | null = null;

  private code = '';
  private blockPushedThisLine = false;
  /** A machine block ended by a statement instead of '}': the next stray '}' is probably its own. */
  private machineClosedImplicitly = false;

  constructor(private readonly path: string) {
    super();
  }

  parse(text: string): Scenario {
    const lines = text.split(/\r\n|\n|\r/);
    for (let i = 0; i < lines.length; i++) {
      const lexed = lexLine(lines[i], i + 1);
      this.toks = lexed.tokens;
      this.code = lexed.code;
      this.pos = 0;
      // A line abandoned deep inside an expression leaves its levels behind: every line starts at depth 0.
      this.depth = 0;
      this.blockPushedThisLine = false;
      this.oneLineBody = null;
      if (this.toks[0].kind === 'eol') continue;
      try {
        this.line();
      } catch (e) {
        if (e !== BAIL) throw e;
        this.recoverBlock();
      }
    }
    this.finish();
    const diagnostics = this.diagnostics
      .map((d, i) => ({ d, i }))
      .sort((a, b) => a.d.line - b.d.line || a.d.col - b.d.col || a.i - b.i)
      .map((x) => x.d);
    return {
      path: this.path,
      machine: this.machine,
      files: this.files,
      body: this.body,
      diagnostics,
      executableLines: [...this.executable].sort((a, b) => a - b),
    };
  }

  // ---- lines and blocks ----

  private line(): void {
    const first = this.peek();
    if (isPunct(first, '}')) {
      this.next();
      this.closeBlock(first);
      this.expectEol(`'}'`);
      return;
    }
    const top = this.blocks[this.blocks.length - 1];
    if (top?.kind === 'machine') {
      if (!this.looksLikeStatement()) {
        this.machineSetting(top);
        return;
      }
      // A statement inside the machine block most likely means its '}' was forgotten: say so once and go on
      // as if it had been there, rather than reporting every later line as an unknown setting.
      this.blocks.pop();
      this.machineClosedImplicitly = true;
      this.error(top.open, `expected '}' to close the machine block opened at line ${top.open.line} before the statement at line ${first.line}, found a statement`);
    }
    const label = this.statement();
    this.expectEol(label);
  }

  /** A line whose header failed but which opens a block still owns the '}' that closes it. */
  private recoverBlock(): void {
    if (this.blockPushedThisLine) return;
    const first = this.toks[0];
    const last = this.toks[this.toks.length - 2];
    if (!last || !isPunct(last, '{') || first.kind !== 'ident' || (first.text !== 'repeat' && first.text !== 'machine')) return;
    if (first.text === 'machine') {
      this.blocks.push({ kind: 'machine', open: last, keys: new Map() });
      return;
    }
    // The body is parsed for its diagnostics but belongs to no program: the program will not run anyway.
    const stmt: RepeatStatement = { kind: 'repeat', count: { kind: 'num', value: 0, line: last.line, col: last.col, endCol: last.col }, body: [], line: last.line, col: last.col, endLine: last.line };
    this.blocks.push({ kind: 'repeat', open: last, stmt });
  }

  private closeBlock(brace: Token): void {
    const block = this.blocks.pop();
    if (!block && this.machineClosedImplicitly) {
      // The forgotten '}' of the machine block, already reported: this one was merely misplaced.
      this.machineClosedImplicitly = false;
      return;
    }
    if (!block) this.fail(brace, `found '}' but no block is open`);
    if (block.kind === 'repeat') {
      block.stmt.endLine = brace.line;
      // A block whose header failed (recoverBlock) has no body on purpose: its error is enough.
      if (block.stmt.body.length === 0 && block.stmt.col !== block.open.col) this.warning(block.open, `this repeat has an empty body`);
    }
  }

  private finish(): void {
    for (let i = this.blocks.length - 1; i >= 0; i--) {
      const b = this.blocks[i];
      this.error(b.open, `expected '}' to close the ${b.kind} block opened at line ${b.open.line}, found end of file`);
    }
    for (const u of this.unresolved) {
      const at = this.firstAssignment.get(u.name);
      if (at !== undefined) {
        this.error(u.tok, `'${u.name}' is used before it is assigned (first assigned at line ${at})`);
      } else {
        this.error(u.tok, `unknown name '${u.name}': not a variable assigned above, an O_* flag or a SEEK_* constant${didYouMean(u.name, u.candidates)}`);
      }
    }
    for (const o of this.pendingOpens) {
      if (this.fileByPath.has(o.path)) continue;
      if (o.flagsKnown) {
        this.error(o.tok, `file "${o.path}" is not declared; add \`file "${o.path}" size N\` or open with O_CREAT`);
      } else {
        this.warning(o.tok, `file "${o.path}" is not declared and the flags are computed, so O_CREAT cannot be checked; add \`file "${o.path}" size N\` or open with O_CREAT`);
      }
    }
  }

  private currentBody(): Statement[] {
    if (this.oneLineBody) return this.oneLineBody;
    for (let i = this.blocks.length - 1; i >= 0; i--) {
      const b = this.blocks[i];
      if (b.kind === 'repeat') return b.stmt.body;
    }
    return this.body;
  }

  private insideRepeat(): boolean {
    return this.oneLineBody !== null || this.blocks.some((b) => b.kind === 'repeat');
  }

  private noteStatement(t: Token): void {
    if (this.firstStatementLine === 0) this.firstStatementLine = t.line;
  }

  /** Within a machine block, tells a forgotten '}' from a setting: settings never call anything. */
  private looksLikeStatement(): boolean {
    const [a, b, c, d] = this.toks;
    if (a.kind !== 'ident') return false;
    if (isPunct(b, '(')) return true;
    if (KEYWORDS.has(a.text) && !isPunct(b, '=')) return a.text !== 'machine';
    return isPunct(b, '=') && c?.kind === 'ident' && d !== undefined && isPunct(d, '(');
  }

  // ---- statements ----

  /** Parses one statement and returns how it is named in "expected end of line after ..." messages. */
  private statement(): string {
    const t = this.next();
    if (t.kind !== 'ident') this.fail(t, `expected a statement (${STATEMENT_HELP}), found ${describeToken(t)}`);
    const after = this.peek();
    if (isPunct(after, '=') && t.text !== 'sysctl') {
      this.noteStatement(t);
      return this.assignment(t);
    }
    if (t.text !== 'machine') this.noteStatement(t);
    switch (t.text) {
      case 'machine':
        return this.machineHeader(t);
      case 'file':
        return this.fileDecl(t);
      case 'repeat':
        return this.repeat(t);
      case 'sleep':
        if (isPunct(after, '(')) return this.call(t, null);
        return this.sleep(t);
      case 'sysctl':
        return this.sysctl(t);
      case 'drop_caches':
        if (isPunct(after, '(')) return this.call(t, null);
        this.addOp({ kind: 'op', name: 'drop_caches', target: null, args: [], line: t.line, col: t.col, callCol: t.col });
        return 'drop_caches';
    }
    if (isPunct(after, '(')) return this.call(t, null);
    if (findOp(t.text)) this.fail(after, `expected '(' after ${t.text}, found ${describeToken(after)}`);
    this.fail(t, `unknown statement '${t.text}': expected ${STATEMENT_HELP}${didYouMean(t.text, [...KEYWORDS, ...OPS.map((o) => o.name)])}`);
  }

  private assignment(target: Token): string {
    this.next(); // '='
    const name = target.text;
    if (CONSTANTS.has(name)) this.fail(target, `cannot assign to ${name}: it is a constant`);
    if (KEYWORDS.has(name) || findOp(name)) this.fail(target, `cannot use '${name}' as a variable name: it names ${findOp(name) ? 'an operation' : 'a statement'}`);
    const call = this.next();
    const paren = this.peek();
    try {
      if (call.kind !== 'ident' || !isPunct(paren, '(')) {
        if (call.kind === 'ident' && STATEMENT_OPS.has(call.text)) this.fail(call, `${call.text} returns nothing, so its result cannot be assigned to '${name}'`);
        this.fail(call, `expected a call such as read(fd, buf, 4KiB) after '${name} =', found ${describeToken(call)}`);
      }
      return this.call(call, target);
    } finally {
      // Even a faulty assignment defines the name, so that its later uses do not pile up more errors.
      this.assigned.add(name);
      if (!this.firstAssignment.has(name)) this.firstAssignment.set(name, target.line);
    }
  }

  private call(nameTok: Token, target: Token | null): string {
    const name = nameTok.text;
    const spec = findOp(name);
    if (!spec) this.fail(nameTok, `unknown operation '${name}'${didYouMean(name, OPS.map((o) => o.name)) || `: expected one of ${OPS.map((o) => o.name).join(', ')}`}`);
    if (name === 'sysctl') this.fail(nameTok, `sysctl is a statement, not a call: write it as \`sysctl vm.dirty_ratio = 5\``);
    if (target && spec.returns === 'none') this.fail(nameTok, `${name} returns nothing, so its result cannot be assigned to '${target.text}'`);
    this.next(); // '('
    const args: Arg[] = [];
    let close: Token;
    if (isPunct(this.peek(), ')')) {
      close = this.next();
    } else {
      for (;;) {
        const at = this.peek();
        // Surplus arguments (an arity error to come) are read like the last declared one, so that
        // `sleep(1s, 2s)` is reported for its count rather than for a "bad size".
        const kind = spec.args[Math.min(args.length, spec.args.length - 1)]?.kind;
        if (at.kind === 'string') {
          this.next();
          args.push({ kind: 'str', value: at.text, tok: at });
        } else {
          args.push({ kind: 'expr', expr: this.checkedExpr(kind === 'duration' ? 'duration' : 'size'), tok: at });
        }
        const sep = this.next();
        if (isPunct(sep, ',')) continue;
        if (isPunct(sep, ')')) {
          close = sep;
          break;
        }
        if (sep.kind === 'eol') this.fail(sep, `expected ')' after the arguments of ${name}, found end of line`);
        this.fail(sep, `expected ',' or ')' after argument ${args.length} of ${name}, found ${describeToken(sep)}`);
      }
    }
    this.checkArity(spec, args.length, nameTok, close);
    for (let i = 0; i < args.length; i++) {
      const a = args[i];
      const argSpec = spec.args[i];
      if (argSpec.kind === 'path') {
        if (a.kind !== 'str') this.fail(a.tok, `argument ${i + 1} of ${name} (${argSpec.name}) must be a path string such as "/srv/index.html", found ${describeToken(a.tok)}`);
      } else if (a.kind === 'str') {
        this.fail(a.tok, `argument ${i + 1} of ${name} (${argSpec.name}) must be a number, found ${describeToken(a.tok)}`);
      }
    }
    const start = target ?? nameTok;
    const stmt: OpStatement = { kind: 'op', name, target: target ? target.text : null, args: [], line: start.line, col: start.col, callCol: nameTok.col };
    if (name === 'open') {
      const pathArg = args[0] as Extract<Arg, { kind: 'str' }>;
      const flagsArg = args[1] as Extract<Arg, { kind: 'expr' }> | undefined;
      const flags: Expr = flagsArg ? flagsArg.expr : { kind: 'const', name: 'O_RDONLY', value: 0, line: nameTok.line, col: close.col, endCol: close.col };
      this.checkOpen(pathArg.value, pathArg.tok, flags);
      stmt.text = pathArg.value;
      stmt.args = [flags];
      const names = writtenFlagNames(flags);
      const value = constValue(flags);
      if (names) stmt.flagNames = names;
      else if (value !== null) stmt.flagNames = flagNamesOf(value);
    } else {
      // Path arguments (unlink, truncate, rename, inherit) go in the text, NUL-separated (no path holds a NUL).
      const paths = args.filter((a): a is Extract<Arg, { kind: 'str' }> => a.kind === 'str');
      if (paths.length > 0) stmt.text = paths.map((a) => a.value).join('\0');
      if (name === 'rename' && paths.length === 2) this.created.add(paths[1].value);
      stmt.args = args.filter((a) => a.kind !== 'str').map((a) => (a as Extract<Arg, { kind: 'expr' }>).expr);
    }
    this.addOp(stmt);
    return `${name}(...)`;
  }

  private checkArity(spec: OpSpec, found: number, nameTok: Token, close: Token): void {
    const max = spec.args.length;
    const min = spec.args.filter((a) => !a.optional).length;
    if (found >= min && found <= max) return;
    const names = spec.args.map((a) => (a.optional ? `[${a.name}]` : a.name)).join(', ');
    const takes = max === 0 ? 'no arguments' : min === max ? `${max} argument${max === 1 ? '' : 's'} (${names})` : `${min} to ${max} arguments (${names})`;
    this.fail(nameTok, `${spec.name} takes ${takes}, found ${found}`, close);
  }

  private checkOpen(path: string, pathTok: Token, flags: Expr): void {
    if (path === '') this.fail(pathTok, `expected a path such as "/srv/index.html", found an empty string`);
    const value = constValue(flags);
    if (value !== null && (value & O_CREAT) === O_CREAT) {
      this.created.add(path);
      return;
    }
    if (this.created.has(path)) return;
    this.pendingOpens.push({ path, tok: pathTok, flagsKnown: value !== null });
  }

  private addOp(stmt: OpStatement): void {
    this.currentBody().push(stmt);
    this.executable.add(stmt.line);
  }

  private sleep(t: Token): string {
    const at = this.peek();
    if (at.kind === 'eol') this.fail(at, `expected a duration after sleep, such as 35s, found end of line`);
    const e = this.checkedExpr('duration');
    this.addOp({ kind: 'op', name: 'sleep', target: null, args: [e], line: t.line, col: t.col, callCol: t.col });
    return 'sleep';
  }

  private sysctl(t: Token): string {
    if (isPunct(this.peek(), '(')) this.fail(t, `sysctl is a statement, not a call: write it as \`sysctl vm.dirty_ratio = 5\``);
    const keyTok = this.next();
    if (keyTok.kind !== 'ident') this.fail(keyTok, `expected a sysctl name such as vm.dirty_ratio after sysctl, found ${describeToken(keyTok)}`);
    const eq = this.next();
    if (!isPunct(eq, '=')) this.fail(eq, `expected '=' after ${keyTok.text}, found ${describeToken(eq)}`);
    const k = findConfigKey(keyTok.text);
    if (!k) this.fail(keyTok, `unknown sysctl '${keyTok.text}'${didYouMean(keyTok.text, SYSCTL_KEYS) || `: expected one of ${SYSCTL_KEYS.join(', ')}`}`);
    if (!k.sysctl) this.fail(keyTok, `${k.key} is not a sysctl, so it cannot change while the program runs; set it in the machine block (sysctls: ${SYSCTL_KEYS.join(', ')})`);
    const value = this.rawValue(k, eq);
    this.addOp({ kind: 'op', name: 'sysctl', target: null, text: k.key, args: [{ kind: 'num', value: value as number, line: t.line, col: eq.endCol, endCol: eq.endCol }], line: t.line, col: t.col, callCol: t.col });
    return 'the sysctl';
  }

  /**
   * Reads the value after `=` as raw text (rates such as 10GB/s and words such as sg-dma are not expressions)
   * and checks it against its key. Leaves the token position at the end of the value.
   */
  private rawValue(k: ConfigKey, eq: Token): number | string | null {
    let end = this.toks.length - 1; // the eol
    // In a one-line repeat the closing '}' is not part of the value.
    if (this.oneLineBody !== null && end > this.pos && isPunct(this.toks[end - 1], '}')) end--;
    const endTok = this.toks[end];
    const raw = this.code.slice(eq.endCol - 1, endTok.kind === 'eol' ? undefined : endTok.col - 1).trim();
    const rawCol = eq.endCol + (this.code.slice(eq.endCol - 1).length - this.code.slice(eq.endCol - 1).trimStart().length);
    if (raw === '') this.fail(endTok, `expected a value for ${k.key} after '=', such as ${k.example}, found ${describeToken(endTok)}`);
    const r = parseConfigValue(k, raw);
    if (!r.ok) {
      this.error({ line: eq.line, col: rawCol, endCol: rawCol + raw.length }, `bad value for ${k.key}: expected ${r.expected}, found '${raw}'`);
      throw BAIL;
    }
    this.pos = end;
    return r.value;
  }

  private repeat(t: Token): string {
    // Open blocks and one-line repeats alike: the interpreter compiles each level by recursion. Said once: the
    // blocks opened past the limit are read (for their '}') but not reported again.
    this.nest(t);
    if (this.blocks.length + this.depth > MAX_NESTING) {
      if (this.blocks.length > MAX_NESTING) throw BAIL;
      this.fail(t, `nesting too deep (limit ${MAX_NESTING})`);
    }
    const count = this.checkedExpr('count');
    const brace = this.next();
    if (!isPunct(brace, '{')) this.fail(brace, `expected '{' after the repeat count, found ${describeToken(brace)}`);
    const stmt: RepeatStatement = { kind: 'repeat', count, body: [], line: t.line, col: t.col, endLine: t.line };
    const c = constValue(count);
    if (c !== null && c <= 0) this.warning(count, `repeat ${c} never runs its body`);
    this.currentBody().push(stmt);
    if (this.peek().kind === 'eol') {
      if (this.oneLineBody !== null) this.fail(brace, `a one-line repeat holds one statement on its own line; put this repeat's body on the same line or make the outer repeat multi-line`);
      this.blocks.push({ kind: 'repeat', open: brace, stmt });
      this.blockPushedThisLine = true;
      return `'repeat ... {'`;
    }
    const outer = this.oneLineBody;
    this.oneLineBody = stmt.body;
    try {
      if (isPunct(this.peek(), '}')) this.warning(brace, `this repeat has an empty body`);
      else this.statement();
    } finally {
      this.oneLineBody = outer;
    }
    const close = this.next();
    if (close.kind === 'eol') this.fail(close, `expected '}' to close the one-line repeat, found end of line`);
    if (!isPunct(close, '}')) this.fail(close, `expected '}' after the statement (a one-line repeat holds exactly one statement), found ${describeToken(close)}`);
    return 'the repeat';
  }

  private fileDecl(t: Token): string {
    if (this.insideRepeat()) this.fail(t, `file declarations belong at the top level, not inside a repeat`);
    const pathTok = this.next();
    if (pathTok.kind !== 'string') this.fail(pathTok, `expected the file's path as a string such as "/srv/index.html" after file, found ${describeToken(pathTok)}`);
    if (pathTok.text === '') this.fail(pathTok, `expected a path such as "/srv/index.html", found an empty string`);
    const kw = this.next();
    if (kw.kind !== 'ident' || kw.text !== 'size') this.fail(kw, `expected 'size' after the path, as in file "${pathTok.text}" size 16KiB, found ${describeToken(kw)}`);
    const sizeTok = this.next();
    if (sizeTok.kind !== 'number') this.fail(sizeTok, `expected the file's size such as 16KiB after 'size', found ${describeToken(sizeTok)}`);
    const size = this.literal(sizeTok, 'size');
    const prev = this.fileByPath.get(pathTok.text);
    if (prev) this.fail(pathTok, `file "${pathTok.text}" is already declared at line ${prev.line}`);
    const decl: FileDecl = { path: pathTok.text, size, line: t.line, col: t.col };
    this.files.push(decl);
    this.fileByPath.set(decl.path, decl);
    // Declared all the same, so that its opens are not reported too; the program will not run.
    if (size > MAX_FILE_SIZE) this.fail(sizeTok, `file size '${sizeTok.text}' is larger than the largest file of ext4 with 4 KiB blocks (16 TiB less 4 KiB, ${MAX_FILE_SIZE} bytes)`);
    return 'the file declaration';
  }

  private machineHeader(t: Token): string {
    const brace = this.next();
    if (!isPunct(brace, '{')) this.fail(brace, `expected '{' after machine, found ${describeToken(brace)}`);
    const empty = isPunct(this.peek(), '}');
    if (empty) this.next();
    else if (this.peek().kind !== 'eol') this.fail(this.peek(), `expected end of line after 'machine {' (settings go one per line), found ${describeToken(this.peek())}`);
    if (!empty) {
      this.blocks.push({ kind: 'machine', open: brace, keys: new Map() });
      this.blockPushedThisLine = true;
    }
    // The block is still read (above) so that its settings and '}' are not mistaken for statements.
    if (this.insideRepeat()) this.fail(t, `the machine block belongs at the top level, before any statement`);
    if (this.machineAt) this.fail(t, `only one machine block is allowed; the first is at line ${this.machineAt.line}`);
    this.machineAt = t;
    if (this.firstStatementLine !== 0) this.fail(t, `the machine block must come before any other statement (line ${this.firstStatementLine} holds one)`);
    return `'machine {'`;
  }

  private machineSetting(block: MachineBlock): void {
    const keyTok = this.next();
    if (keyTok.kind !== 'ident') this.fail(keyTok, `expected a setting such as ram = 1GiB, or '}' to close the machine block, found ${describeToken(keyTok)}`);
    const eq = this.next();
    if (!isPunct(eq, '=')) this.fail(eq, `expected '=' after ${keyTok.text}, found ${describeToken(eq)}`);
    const k = findConfigKey(keyTok.text);
    if (!k) this.fail(keyTok, `unknown machine setting '${keyTok.text}'${didYouMean(keyTok.text, CONFIG_KEYS.map((c) => c.key)) || `: expected one of ${CONFIG_KEYS.map((c) => c.key).join(', ')}`}`);
    const value = this.rawValue(k, eq);
    const prev = block.keys.get(k.key);
    if (prev !== undefined) this.warning(keyTok, `${k.key} is already set at line ${prev}; this later value wins`);
    block.keys.set(k.key, keyTok.line);
    this.machine.push({ key: k.key, value, line: keyTok.line, col: keyTok.col });
  }
}

/** The O_* names of a flags expression written as `A | B | ...`, or null when it is anything else. */
function writtenFlagNames(e: Expr): string[] | null {
  if (e.kind === 'const' && e.name.startsWith('O_')) return [e.name];
  if (e.kind === 'binary' && e.op === '|') {
    const l = writtenFlagNames(e.left);
    const r = writtenFlagNames(e.right);
    return l && r ? [...l, ...r] : null;
  }
  return null;
}
