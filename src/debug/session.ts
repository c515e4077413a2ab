/**
 * The Debug Adapter Protocol session over the trace: DAP requests only. Each becomes an engine move or a question
 * answered by the module that knows (launch, variables, threads, completions, sysctl, stops, summary, console);
 * every stop reports the trace position and sends the machine state for the panel. Nothing here throws at the
 * client: a failing request gets an error response and the adapter keeps running.
 */
import { basename } from 'node:path';
import { DebugSession, Event, InitializedEvent, InvalidatedEvent, OutputEvent, Response, Source, TerminatedEvent } from '@vscode/debugadapter';
import { DebugProtocol } from '@vscode/debugprotocol';
import { hex } from '../machine/units';
import { COMPARE_REQUEST, EXPORT_REQUEST, MachineState, SEEK_REQUEST, STATE_EVENT, STATE_REQUEST, WHY_REQUEST } from '../shared/messages';
import { Trace } from '../trace/trace';
import { Breakpoints } from './breakpoints';
import { capabilities } from './capabilities';
import { completionItems } from './completions';
import { consoleContext, evaluate } from './console';
import { compareMethods, exportTrace, seekPosition, whyPage } from './customRequests';
import { Engine, Stop } from './engine';
import { escapeFormat, UserError } from './errors';
import { machineState, memoryOf } from './inspect';
import { isProgram, LaunchArgs, loadProgram } from './launch';
import { Moves } from './moves';
import { exceptionInfo, gotoTargets, stoppedEvent } from './stops';
import { endedMessage, launchBanner, runSummaryText, writeTraceFile } from './summary';
import { applySysctl, parseSysctl } from './sysctl';
import { kernelSourceText, stackFrames, threadAt, Threads } from './threads';
import { Variables } from './variables';

/** The code the DebugSession base class uses when a request handler throws. */
const HANDLER_THREW = 1104;

export class IoMachineSession extends DebugSession {
  private trace: Trace | null = null;
  private engine: Engine | null = null;
  private bps = new Breakpoints();
  private variables = new Variables();
  private threads = new Threads();
  private args: LaunchArgs = {};
  private programPath = '';
  private executableLines: number[] = [];
  private configurationDone: Promise<void>;
  private resolveConfigurationDone!: () => void;
  private previousRegs: Map<string, string> | null = null;
  private lastStop: Stop | null = null;
  private atEndOnce = false;
  private moves = new Moves(() => this.engine, (stop) => this.reportStop(stop));
  private traceWritten = false;

  constructor() {
    super();
    this.setDebuggerLinesStartAt1(true);
    this.setDebuggerColumnsStartAt1(true);
    this.configurationDone = new Promise((r) => (this.resolveConfigurationDone = r));
  }

  /** Every request goes through here: an exception becomes an error response, never a crash. */
  protected override dispatchRequest(request: DebugProtocol.Request): void {
    // Arguments are optional for many requests; handlers read them as an object.
    if (request.arguments === undefined || request.arguments === null || typeof request.arguments !== 'object') request.arguments = {};
    // pathFormat is optional in DAP and means 'path' when absent; the base class would refuse it.
    if (request.command === 'initialize') {
      const a = (request.arguments ?? {}) as DebugProtocol.InitializeRequestArguments;
      request.arguments = { ...a, pathFormat: a.pathFormat ?? 'path' };
    }
    try {
      super.dispatchRequest(request);
    } catch (e) {
      this.fail(new Response(request), e);
    }
  }

  /**
   * The base class answers a handler that threw with its stack trace as the message: a user's mistake gets its
   * own message instead, anything else `internal error: …` (and the stack goes to the console).
   */
  protected override sendErrorResponse(
    response: DebugProtocol.Response, codeOrMessage: number | DebugProtocol.Message, format?: string,
    variables?: Record<string, unknown>, dest?: number,
  ): void {
    if (codeOrMessage === HANDLER_THREW && variables) {
      const stack = String(variables._stack ?? '');
      const message = String(variables._exception ?? 'error');
      if (!stack.startsWith('UserError')) this.print(`internal error in ${response.command}: ${stack}`, 'stderr');
      super.sendErrorResponse(response, { id: 1001, format: escapeFormat(stack.startsWith('UserError') ? message : `internal error: ${message}`), showUser: true });
      return;
    }
    super.sendErrorResponse(response, codeOrMessage as number, format, variables, dest);
  }

  private fail(response: DebugProtocol.Response, e: unknown): void {
    const message = e instanceof UserError ? e.message : e instanceof Error ? `internal error: ${e.message}` : String(e);
    if (!(e instanceof UserError)) this.print(`internal error in ${response.command}: ${(e as Error)?.stack ?? e}`, 'stderr');
    this.sendErrorResponse(response, { id: 1001, format: escapeFormat(message), showUser: true });
  }

  private need(): { trace: Trace; engine: Engine } {
    if (!this.trace || !this.engine) throw new UserError('no program is being debugged (launch first)');
    return { trace: this.trace, engine: this.engine };
  }

  private print(text: string, category: 'stdout' | 'console' | 'stderr' = 'console'): void {
    this.sendEvent(new OutputEvent(text + '\n', category));
  }

  // ───────────────────────────── initialize, launch, the end ─────────────────────────────

  protected override initializeRequest(response: DebugProtocol.InitializeResponse): void {
    response.body = capabilities();
    this.sendResponse(response);
  }

  protected override configurationDoneRequest(response: DebugProtocol.ConfigurationDoneResponse): void {
    this.resolveConfigurationDone();
    this.sendResponse(response);
  }

  /** Loads the program and starts over with it; on failure the session keeps what it had. */
  private load(args: LaunchArgs): void {
    const program = loadProgram(args, (line) => this.print(line, 'stderr'));
    this.programPath = program.path;
    this.executableLines = program.executableLines;
    this.trace = program.trace;
    this.engine = new Engine(this.trace, this.bps, { print: (line, category) => this.print(line, category ?? 'console') });
    this.previousRegs = null;
    this.atEndOnce = false;
    this.lastStop = null;
    this.threads.reset();
    // Hit counts were counted over the previous trace.
    this.bps.resetCounts();
  }

  protected override async launchRequest(response: DebugProtocol.LaunchResponse, args: LaunchArgs | undefined): Promise<void> {
    try {
      // A client may send no arguments at all.
      args = args ?? {};
      this.args = args;
      this.traceWritten = false;
      this.load(args);
    } catch (e) {
      this.fail(response, e);
      return;
    }
    this.sendEvent(new InitializedEvent());
    // Clients send breakpoints before configurationDone; a client that never sends it is not kept waiting long.
    await Promise.race([this.configurationDone, new Promise((r) => setTimeout(r, 2000))]);
    this.sendResponse(response);
    this.print(launchBanner(this.trace!));
    if (args.noDebug) {
      await this.runWithoutDebugging();
      return;
    }
    await this.firstStop(args);
  }

  /** The first stop of a launch or restart: on entry, or wherever the first run stops. */
  private async firstStop(args: LaunchArgs): Promise<void> {
    if (args.stopOnEntry !== false) this.reportStop({ pos: -1, reason: 'entry', hitIds: [] });
    else await this.moves.run(() => this.engine!.forward('continue', true));
  }

  /** Run (no debugging): the whole program, its syscall lines and a summary, then the session ends. */
  private async runWithoutDebugging(): Promise<void> {
    const { trace, engine } = this.need();
    engine.bps = new Breakpoints();
    await engine.forward('continue');
    this.print(runSummaryText(trace.machine));
    this.endSession();
  }

  protected override async restartRequest(response: DebugProtocol.RestartResponse, args: DebugProtocol.RestartArguments): Promise<void> {
    // A run in progress is stopped first; its stop is held back, and reported only if the restart fails.
    let held: Stop | null = null;
    try {
      const a = (args.arguments as LaunchArgs | undefined) ?? this.args;
      held = await this.moves.pauseAndHold();
      this.load(a);
      held = null;
      this.args = a;
      this.traceWritten = false;
      this.sendResponse(response);
      this.sendEvent(new InvalidatedEvent(['all']));
      await this.firstStop(a);
    } catch (e) {
      this.fail(response, e);
      if (held) this.reportStop(held);
    }
  }

  /** Disconnect and terminate alike: a run still going is stopped and reports nothing, the trace file is written. */
  private stopAndAnswer(response: DebugProtocol.Response): void {
    this.moves.end();
    this.writeTraceFile();
    this.sendResponse(response);
  }

  protected override disconnectRequest(response: DebugProtocol.DisconnectResponse): void {
    this.stopAndAnswer(response);
    // Standalone, the process exits shortly after (the base class's behaviour); inline, nothing happens.
    this.shutdown();
  }

  protected override terminateRequest(response: DebugProtocol.TerminateResponse): void {
    this.stopAndAnswer(response);
    this.sendEvent(new TerminatedEvent());
  }

  /** The program has run to its end and the session ends with it (run without debugging, continue past the end). */
  private endSession(): void {
    this.writeTraceFile();
    this.sendEvent(new TerminatedEvent());
  }

  private writeTraceFile(): void {
    if (!this.args.trace || !this.trace || this.traceWritten) return;
    this.traceWritten = true;
    writeTraceFile(this.args.trace, this.trace, (line, category) => this.print(line, category));
  }

  // ───────────────────────────── breakpoints ─────────────────────────────

  protected override setBreakPointsRequest(response: DebugProtocol.SetBreakpointsResponse, args: DebugProtocol.SetBreakpointsArguments): void {
    if (!args.source) throw new UserError("setBreakpoints needs a 'source'");
    const specs = (args.breakpoints ?? args.lines?.map((line) => ({ line })) ?? []).map((b) => ({ ...b }));
    if (!isProgram(args.source.path, this.programPath)) {
      response.body = { breakpoints: specs.map((b) => ({ verified: false, line: b.line, message: 'this file is not the program being debugged' })) };
      this.sendResponse(response);
      return;
    }
    const results = this.bps.setLines(specs, this.executableLines);
    response.body = {
      breakpoints: results.map((r) => ({ id: r.id, verified: r.verified, line: r.line, message: r.message, source: args.source })),
    };
    this.sendResponse(response);
  }

  protected override setFunctionBreakPointsRequest(response: DebugProtocol.SetFunctionBreakpointsResponse, args: DebugProtocol.SetFunctionBreakpointsArguments): void {
    response.body = { breakpoints: unplaced(this.bps.setFunctions(args.breakpoints ?? [])) };
    this.sendResponse(response);
  }

  protected override setExceptionBreakPointsRequest(response: DebugProtocol.SetExceptionBreakpointsResponse, args: DebugProtocol.SetExceptionBreakpointsArguments): void {
    const specs = [
      ...(args.filters ?? []).map((f) => ({ filterId: f })),
      ...(args.filterOptions ?? []).map((o) => ({ filterId: o.filterId, condition: o.condition })),
    ];
    response.body = { breakpoints: unplaced(this.bps.setFilters(specs)) };
    this.sendResponse(response);
  }

  protected override dataBreakpointInfoRequest(response: DebugProtocol.DataBreakpointInfoResponse, args: DebugProtocol.DataBreakpointInfoArguments): void {
    const data = this.trace ? this.variables.dataBreakpoint(this.trace, args.variablesReference, args.name) : null;
    if (!data) {
      const why = this.trace ? 'data breakpoints can watch a page (Page Cache → file → page) or a buffer (Buffers)' : 'no program is being debugged';
      response.body = { dataId: null, description: why };
    } else {
      response.body = { ...data, accessTypes: ['write'], canPersist: true };
    }
    this.sendResponse(response);
  }

  protected override setDataBreakpointsRequest(response: DebugProtocol.SetDataBreakpointsResponse, args: DebugProtocol.SetDataBreakpointsArguments): void {
    response.body = { breakpoints: unplaced(this.bps.setData(args.breakpoints ?? [])) };
    this.sendResponse(response);
  }

  // ───────────────────────────── execution ─────────────────────────────

  private async respondThenMove(response: DebugProtocol.Response, fn: () => Stop | Promise<Stop>): Promise<void> {
    try {
      this.need();
      if (this.moves.running) throw new UserError('the machine is already running; pause it first');
      this.sendResponse(response);
    } catch (e) {
      this.fail(response, e);
      return;
    }
    try {
      // The stop follows the response, never in the same breath: clients wait for the response first.
      await new Promise((r) => setImmediate(r));
      await this.moves.run(fn);
    } catch (e) {
      this.print(`internal error: ${(e as Error).stack ?? e}`, 'stderr');
    }
  }

  protected override continueRequest(response: DebugProtocol.ContinueResponse): void {
    response.body = { allThreadsContinued: true };
    if (this.trace?.finished && this.engine && this.engine.pos >= this.trace.head && this.atEndOnce) {
      // Continuing past the end of the program ends the session, as it would for a real process.
      this.sendResponse(response);
      this.endSession();
      return;
    }
    void this.respondThenMove(response, () => this.engine!.forward('continue'));
  }

  protected override nextRequest(response: DebugProtocol.NextResponse, args: DebugProtocol.NextArguments): void {
    void this.respondThenMove(response, () => {
      const e = this.engine!;
      // Inside a kernel path, "next" is the next kernel line; between operations it runs one operation.
      if (args.granularity === 'instruction' || !e.isBoundary(e.pos)) return e.stepIn();
      return e.forward('next');
    });
  }

  protected override stepInRequest(response: DebugProtocol.StepInResponse): void {
    void this.respondThenMove(response, () => this.engine!.stepIn());
  }

  protected override stepOutRequest(response: DebugProtocol.StepOutResponse): void {
    void this.respondThenMove(response, () => this.engine!.forward('stepOut'));
  }

  protected override stepBackRequest(response: DebugProtocol.StepBackResponse, args: DebugProtocol.StepBackArguments): void {
    void this.respondThenMove(response, () => this.engine!.stepBack(args.granularity === 'instruction'));
  }

  protected override reverseContinueRequest(response: DebugProtocol.ReverseContinueResponse): void {
    void this.respondThenMove(response, () => this.engine!.backward());
  }

  protected override pauseRequest(response: DebugProtocol.PauseResponse): void {
    this.moves.pause();
    this.sendResponse(response);
  }

  protected override gotoTargetsRequest(response: DebugProtocol.GotoTargetsResponse, args: DebugProtocol.GotoTargetsArguments): void {
    const { trace } = this.need();
    response.body = { targets: gotoTargets(trace, args.line, !this.moves.running) };
    this.sendResponse(response);
  }

  protected override gotoRequest(response: DebugProtocol.GotoResponse, args: DebugProtocol.GotoArguments): void {
    if (!Number.isFinite(args.targetId)) throw new UserError("goto needs a 'targetId' from gotoTargets");
    void this.respondThenMove(response, () => this.engine!.seek(args.targetId - 2));
  }

  private reportStop(stop: Stop): void {
    const { trace, engine } = this.need();
    engine.pos = stop.pos;
    this.lastStop = stop;
    this.variables.reset();
    this.atEndOnce = stop.reason === 'end';
    if (this.atEndOnce) this.print(endedMessage(stop.pos, engine.state()));
    this.sendEvent(stoppedEvent(trace, stop, threadAt(trace, engine, stop.pos)));
    if (stop.reason === 'goto') this.sendEvent(new InvalidatedEvent(['variables', 'stacks']));
    this.sendState();
  }

  private currentState(): MachineState {
    const { engine } = this.need();
    return machineState(engine, engine.state(), engine.pos, this.previousRegs);
  }

  private sendState(): void {
    const state = this.currentState();
    this.previousRegs = new Map(state.registers.map((r) => [r.name, r.value]));
    this.sendEvent(new Event(STATE_EVENT, state));
  }

  // ───────────────────────────── threads and stacks ─────────────────────────────

  protected override threadsRequest(response: DebugProtocol.ThreadsResponse): void {
    response.body = { threads: this.threads.list(this.trace, this.engine, this.programPath) };
    this.sendResponse(response);
  }

  protected override stackTraceRequest(response: DebugProtocol.StackTraceResponse, args: DebugProtocol.StackTraceArguments): void {
    const { trace, engine } = this.need();
    const userSource = new Source(basename(this.programPath), this.convertDebuggerPathToClient(this.programPath));
    const frames = stackFrames(trace, engine, args.threadId, userSource);
    const start = args.startFrame ?? 0;
    const shown = args.levels ? frames.slice(start, start + args.levels) : frames.slice(start);
    response.body = { stackFrames: shown, totalFrames: frames.length };
    this.sendResponse(response);
  }

  protected override sourceRequest(response: DebugProtocol.SourceResponse, args: DebugProtocol.SourceArguments): void {
    const { trace } = this.need();
    const ref = args.sourceReference ?? args.source?.sourceReference ?? 0;
    response.body = { content: kernelSourceText(trace, ref), mimeType: 'text/plain' };
    this.sendResponse(response);
  }

  // ───────────────────────────── variables ─────────────────────────────

  protected override scopesRequest(response: DebugProtocol.ScopesResponse): void {
    this.need();
    response.body = { scopes: this.variables.scopes() };
    this.sendResponse(response);
  }

  protected override variablesRequest(response: DebugProtocol.VariablesResponse, args: DebugProtocol.VariablesArguments): void {
    const { engine } = this.need();
    response.body = { variables: this.variables.list(engine, args) };
    this.sendResponse(response);
  }

  protected override setVariableRequest(response: DebugProtocol.SetVariableResponse, args: DebugProtocol.SetVariableArguments): void {
    const { trace, engine } = this.need();
    if (this.variables.get(args.variablesReference)?.kind !== 'sysctl') throw new UserError('only sysctl values can be changed (they take effect from the current position)');
    const change = parseSysctl(args.name, args.value);
    if (this.moves.running) throw new UserError('the machine is running; pause it before changing a sysctl');
    const message = applySysctl(trace, engine, change);
    this.threads.rewritten();
    this.variables.reset();
    response.body = { value: String(change.value) };
    this.sendResponse(response);
    this.print(message);
    this.sendEvent(new InvalidatedEvent(['variables', 'stacks']));
    this.sendState();
  }

  // ───────────────────────────── console, memory, exceptions ─────────────────────────────

  protected override evaluateRequest(response: DebugProtocol.EvaluateResponse, args: DebugProtocol.EvaluateArguments): void {
    const ctx = consoleContext(this.need().engine);
    if (typeof args.expression !== 'string') throw new UserError("evaluate needs an 'expression'");
    const text = args.expression.trim();
    if (args.context === 'hover' && !/^[A-Za-z_][\w.]*$/.test(text)) throw new UserError('');
    const r = evaluate(ctx, text);
    if (r.error) throw new UserError(r.error);
    response.body = { result: r.result, variablesReference: 0 };
    this.sendResponse(response);
  }

  protected override completionsRequest(response: DebugProtocol.CompletionsResponse, args: DebugProtocol.CompletionsArguments): void {
    const { trace, engine } = this;
    const targets = completionItems(args, {
      variables: trace && engine ? () => consoleContext(engine).variables.keys() : null,
      files: trace ? trace.machine.filesById.map((f) => f.path) : null,
    }, {
      toDebugger: (c) => this.convertClientColumnToDebugger(c),
      toClient: (c) => this.convertDebuggerColumnToClient(c),
    });
    response.body = { targets };
    this.sendResponse(response);
  }

  protected override readMemoryRequest(response: DebugProtocol.ReadMemoryResponse, args: DebugProtocol.ReadMemoryArguments): void {
    const { engine } = this.need();
    const m = engine.state();
    const mem = memoryOf(m, args.memoryReference);
    if (!mem) throw new UserError(`unknown memory reference ${args.memoryReference}`);
    const start = Math.max(0, (args.offset ?? 0));
    const count = Math.max(0, Math.min(args.count, 1 << 20, mem.size - start));
    const bytes = count > 0 ? mem.content.read(start, count, m.nameOf) : new Uint8Array(0);
    response.body = {
      address: hex(mem.base + start),
      data: Buffer.from(bytes).toString('base64'),
      unreadableBytes: Math.max(0, args.count - count),
    };
    this.sendResponse(response);
  }

  protected override exceptionInfoRequest(response: DebugProtocol.ExceptionInfoResponse): void {
    const { trace, engine } = this.need();
    response.body = exceptionInfo(trace, this.bps, engine.pos, this.lastStop);
    this.sendResponse(response);
  }

  // ───────────────────────────── the extension's requests (src/shared/messages.ts) ─────────────────────────────

  protected override customRequest(command: string, response: DebugProtocol.Response, args: Record<string, unknown> | undefined): void {
    switch (command) {
      case STATE_REQUEST:
        response.body = this.currentState();
        this.sendResponse(response);
        return;
      case SEEK_REQUEST: {
        const position = seekPosition(args);
        void this.respondThenMove(response, () => this.engine!.seek(position));
        return;
      }
      case EXPORT_REQUEST:
        response.body = exportTrace(this.need().trace, args);
        this.sendResponse(response);
        return;
      case COMPARE_REQUEST:
        response.body = compareMethods(args);
        this.sendResponse(response);
        return;
      case WHY_REQUEST: {
        const { trace, engine } = this.need();
        response.body = whyPage(trace, engine.pos, args);
        this.sendResponse(response);
        return;
      }
    }
    this.sendErrorResponse(response, { id: 1014, format: escapeFormat(`unknown request '${command}'`), showUser: false });
  }
}

/** Breakpoints that have no place in a source (function, exception and data breakpoints) as DAP reports them. */
function unplaced(results: { id: number; verified: boolean; message?: string }[]): DebugProtocol.Breakpoint[] {
  return results.map((r) => ({ id: r.id, verified: r.verified, message: r.message }));
}
