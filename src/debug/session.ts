/**
 * The Debug Adapter Protocol session over the trace: DAP requests only. Each becomes an engine move or a question
 * answered by the module that knows (launch, variables, threads, completions, sysctl, stops, summary, console);
 * every stop reports the trace position and sends the machine state for the panel. The requests reach these
 * handlers through the boundary (protocol/guarded.ts): served, with arguments of the protocol's types.
 */
import { basename } from 'node:path';
import { Event, InitializedEvent, InvalidatedEvent, OutputEvent, Source, TerminatedEvent } from '@vscode/debugadapter';
import { DebugProtocol } from '@vscode/debugprotocol';
import {
  COMPARE_REQUEST, CompareArgs, EXPORT_REQUEST, ExportArgs, MachineState, SEEK_REQUEST, SeekArgs, STATE_EVENT, STATE_REQUEST, WHY_REQUEST, WhyArgs,
} from '../shared/messages';
import { terminalText } from '../shared/escape';
import { Trace } from '../trace/trace';
import { Breakpoints } from './breakpoints';
import { capabilities } from './capabilities';
import { completionItems } from './completions';
import { consoleContext, evaluate, isCommand } from './console';
import { compareMethods, exportTrace, seekPosition, whyPage } from './customRequests';
import { Engine, Stop } from './engine';
import { UserError } from './errors';
import { machineState, readMemory } from './inspect';
import { isProgram, LaunchArgs, loadProgram, resolvePath } from './launch';
import { LogCalls } from './logCalls';
import { Moves } from './moves';
import { GuardedSession } from './protocol/guarded';
import { exceptionInfo, gotoTargets, stoppedEvent } from './stops';
import { endedMessage, launchBanner, runSummaryText, writeTraceFile } from './summary';
import { applySysctl, parseSysctl } from './sysctl';
import { frameContext, isThread, kernelSourceText, stackFrames, steppedThread, threadAt, Threads } from './threads';
import { Variables } from './variables';

export class IoMachineSession extends GuardedSession {
  private trace: Trace | null = null;
  private engine: Engine | null = null;
  private bps = new Breakpoints();
  private variables = new Variables();
  private threads = new Threads();
  private args: LaunchArgs = {};
  private programPath = '';
  private executableLines: number[] = [];
  /** A strace log's calls, for function breakpoints on them; null for a scenario. */
  private logCalls: LogCalls | null = null;
  private configurationDone: Promise<void>;
  private resolveConfigurationDone!: () => void;
  private previousRegs: Map<string, string> | null = null;
  private lastStop: Stop | null = null;
  private atEndOnce = false;
  private moves = new Moves(() => this.engine, (stop) => this.reportStop(stop));
  private traceWritten = false;
  /** Whether the client asked for STATE_EVENT on every stop (ExtensionLaunchArgs.stateEvents): the extension does. */
  private stateEvents = false;
  /** Counts launches and restarts: a launch still waiting for configurationDone knows when a later one took over. */
  private generation = 0;

  constructor() {
    super();
    this.setDebuggerLinesStartAt1(true);
    this.setDebuggerColumnsStartAt1(true);
    this.configurationDone = new Promise((r) => (this.resolveConfigurationDone = r));
  }

  private need(): { trace: Trace; engine: Engine } {
    if (!this.trace || !this.engine) throw new UserError('no program is being debugged (launch first)');
    return { trace: this.trace, engine: this.engine };
  }

  private print(text: string, category: 'stdout' | 'console' | 'stderr' = 'console'): void {
    // The Debug Console renders ANSI sequences: names and log lines in the text are escaped (shared/escape.ts).
    this.sendEvent(new OutputEvent(terminalText(text) + '\n', category));
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
    // The program it replaces is released: its log's descriptor closed, its trace left to the collector.
    this.trace?.spec.close?.();
    this.programPath = program.path;
    this.executableLines = program.executableLines;
    this.logCalls = program.calls ? new LogCalls(program.path, program.calls) : null;
    this.bps.rebindFunctions(this.logCalls);
    this.trace = program.trace;
    this.engine = new Engine(this.trace, this.bps, { print: (line, category) => this.print(line, category ?? 'console') });
    this.previousRegs = null;
    this.atEndOnce = false;
    this.lastStop = null;
    this.threads.reset();
    this.variables.reset();
    // Hit counts were counted over the previous trace.
    this.bps.resetCounts();
    this.moves.begin();
  }

  /**
   * Stops a run in progress and loads the program; false (and the request answered) when it cannot be loaded. The
   * session then keeps what it had, and the stop of the run it paused is reported after all.
   */
  private async replaceProgram(response: DebugProtocol.Response, args: LaunchArgs): Promise<boolean> {
    let held: Stop | null = null;
    try {
      held = await this.moves.pauseAndHold();
      this.load(args);
      this.args = args;
      this.traceWritten = false;
      if (args.stateEvents !== undefined) this.stateEvents = args.stateEvents;
      return true;
    } catch (e) {
      this.fail(response, e);
      if (held && !this.moves.ended) this.reportStop(held);
      return false;
    }
  }

  protected override async launchRequest(response: DebugProtocol.LaunchResponse, args: LaunchArgs): Promise<void> {
    if (!(await this.replaceProgram(response, args))) return;
    // Counted once loaded: a later launch that fails to load takes nothing over.
    const generation = ++this.generation;
    this.sendEvent(new InitializedEvent());
    // The launch is answered at once: a client may wait for this response before it configures (the protocol lets
    // it). The first run waits for the configuration (breakpoints come before configurationDone); a client that
    // never sends configurationDone is not kept waiting long.
    this.sendResponse(response);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.configurationDone, new Promise((r) => (timer = setTimeout(r, 2000)))]);
    clearTimeout(timer);
    if (generation !== this.generation || !this.trace) return;
    this.print(launchBanner(this.trace));
    await this.firstRun(args);
  }

  /** The first stop of a launch or restart: on entry, or wherever the first run stops; without debugging, the end. */
  private async firstRun(args: LaunchArgs): Promise<void> {
    try {
      if (args.noDebug) await this.runWithoutDebugging();
      else if (args.stopOnEntry !== false) this.reportStop({ pos: -1, reason: 'entry', hitIds: [] });
      else await this.moves.run(() => this.engine!.forward('continue', true));
    } catch (e) {
      this.log(`the first run of ${this.programPath} failed: ${(e as Error)?.stack ?? e}`);
    }
  }

  /** Run (no debugging): the whole program, its syscall lines and a summary, then the session ends. */
  private async runWithoutDebugging(): Promise<void> {
    const { trace, engine } = this.need();
    engine.bps = new Breakpoints();
    await this.moves.run(() => engine.forward('continue'), () => {
      this.print(runSummaryText(trace.machine, trace.error));
      this.endSession();
    });
  }

  protected override async restartRequest(response: DebugProtocol.RestartResponse, args: DebugProtocol.RestartArguments): Promise<void> {
    // A run in progress is stopped first; its stop is held back, and reported only if the restart fails.
    const a = (args.arguments as LaunchArgs | undefined) ?? this.args;
    if (!(await this.replaceProgram(response, a))) return;
    const generation = ++this.generation;
    this.sendResponse(response);
    this.sendEvent(new InvalidatedEvent(['all']));
    if (generation === this.generation) await this.firstRun(a);
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
    // No move may start after the terminated event (a stepBack would report a stop the client no longer expects).
    this.moves.end();
    this.writeTraceFile();
    this.sendEvent(new TerminatedEvent());
  }

  private writeTraceFile(): void {
    if (!this.args.trace || !this.trace || this.traceWritten) return;
    this.traceWritten = true;
    // The writer opens the file first (trace/traceFile.ts): a path that cannot be written fails at once, before the
    // export of millions of events (the fuzzer found a disconnect unanswered for 10 s when it came after).
    const path = resolvePath(this.args.trace, this.args);
    writeTraceFile(path, this.trace, (line, category) => this.print(line, category));
  }

  /** An inline adapter is disposed of when its session ends: nothing of the program is kept. */
  override dispose(): void {
    this.moves.end();
    this.trace?.spec.close?.();
    this.trace = null;
    this.engine = null;
    super.dispose();
  }

  // ───────────────────────────── breakpoints ─────────────────────────────

  protected override setBreakPointsRequest(response: DebugProtocol.SetBreakpointsResponse, args: DebugProtocol.SetBreakpointsArguments): void {
    const specs = (args.breakpoints ?? args.lines?.map((line) => ({ line })) ?? []).map((b) => ({ ...b }));
    if (!isProgram(args.source.path, this.programPath, this.args)) {
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
    response.body = { breakpoints: unplaced(this.bps.setFunctions(args.breakpoints, this.logCalls)) };
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
      if (this.moves.ended) throw new UserError('the session has ended (the program ran to its end, or terminate or disconnect): launch or restart to debug again');
      // Claimed before the response: a move answered with success always runs, and a pause sent after it counts.
      this.moves.reserve();
      this.sendResponse(response);
    } catch (e) {
      this.fail(response, e);
      return;
    }
    try {
      // The stop follows the response, never in the same breath: clients wait for the response first.
      await new Promise((r) => setImmediate(r));
      await this.moves.run(fn, undefined, true);
    } catch (e) {
      this.log(`internal error in '${response.command}' after its response: ${(e as Error)?.stack ?? e}`);
    }
  }

  protected override continueRequest(response: DebugProtocol.ContinueResponse): void {
    response.body = { allThreadsContinued: true };
    if (this.trace?.finished && this.engine && this.engine.pos >= this.trace.head && this.atEndOnce && !this.moves.ended && !this.moves.running) {
      // Continuing past the end of the program ends the session, as it would for a real process.
      this.sendResponse(response);
      this.endSession();
      return;
    }
    void this.respondThenMove(response, () => this.engine!.forward('continue'));
  }

  protected override nextRequest(response: DebugProtocol.NextResponse, args: DebugProtocol.NextArguments): void {
    const e = this.engine;
    // Inside a kernel path, "next" is the next kernel line; between operations it runs one operation (a process's).
    const inside = !e || args.granularity === 'instruction' || !e.isBoundary(e.pos);
    const thread = inside ? undefined : steppedThread(this.trace, e, args.threadId, true);
    void this.respondThenMove(response, () => (inside ? this.engine!.stepIn() : this.engine!.forward('next', false, thread)));
  }

  protected override stepInRequest(response: DebugProtocol.StepInResponse): void {
    void this.respondThenMove(response, () => this.engine!.stepIn());
  }

  protected override stepOutRequest(response: DebugProtocol.StepOutResponse): void {
    void this.respondThenMove(response, () => this.engine!.forward('stepOut'));
  }

  protected override stepBackRequest(response: DebugProtocol.StepBackResponse, args: DebugProtocol.StepBackArguments): void {
    const thread = args.granularity === 'instruction' ? undefined : steppedThread(this.trace, this.engine, args.threadId);
    void this.respondThenMove(response, () => this.engine!.stepBack(args.granularity === 'instruction', thread));
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
    void this.respondThenMove(response, () => this.engine!.seek(args.targetId - 2));
  }

  private reportStop(stop: Stop): void {
    const { trace, engine } = this.need();
    engine.pos = stop.pos;
    this.lastStop = stop;
    this.variables.reset();
    this.atEndOnce = stop.reason === 'end';
    if (this.atEndOnce) this.print(endedMessage(stop.pos, engine.state(), trace.error));
    // The panel's state is worked out before the stop is announced (and sent right after it): the stop's own work
    // is done when the client hears of it, and is not left running into the client's next request (issue 10).
    const state = this.stateEvents ? this.currentState() : null;
    this.sendEvent(stoppedEvent(trace, stop, stop.thread ?? threadAt(trace, engine, stop.pos)));
    if (stop.reason === 'goto') this.sendEvent(new InvalidatedEvent(['variables', 'stacks']));
    if (state) this.sendStateEvent(state);
  }

  private currentState(): MachineState {
    const { engine } = this.need();
    return machineState(engine, engine.state(), engine.pos, this.previousRegs);
  }

  /** The state for the panel, to a client that asked for it (others would get kilobytes with no handler on each stop). */
  private sendState(): void {
    if (this.stateEvents) this.sendStateEvent(this.currentState());
  }

  private sendStateEvent(state: MachineState): void {
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
    if (!isThread(trace, this.programPath, args.threadId)) throw new UserError(`stackTrace: there is no thread ${args.threadId} (the threads request lists them)`);
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

  protected override scopesRequest(response: DebugProtocol.ScopesResponse, args: DebugProtocol.ScopesArguments): void {
    const { trace, engine } = this.need();
    response.body = { scopes: this.variables.scopes(frameContext(trace, engine, args.frameId)) };
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
    const text = args.expression.trim();
    // An editor hovers over any text (`read(fd, buf`): only names are worth a value there. Console commands run in
    // every context, as some clients (Emacs dap-mode's dap-eval) send everything as a hover.
    if (args.context === 'hover' && !isCommand(text) && !/^[A-Za-z_][\w.]*$/.test(text)) {
      throw new UserError('on hover only names and console commands are evaluated; evaluate expressions in the debug console');
    }
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
    const body = readMemory(this.need().engine.state(), args.memoryReference, args.offset ?? 0, args.count);
    if (!body) throw new UserError(`unknown memory reference ${args.memoryReference}`);
    response.body = body;
    this.sendResponse(response);
  }

  protected override exceptionInfoRequest(response: DebugProtocol.ExceptionInfoResponse): void {
    const { trace, engine } = this.need();
    response.body = exceptionInfo(trace, this.bps, engine.pos, this.lastStop);
    this.sendResponse(response);
  }

  // ───────────────────────────── the extension's requests (src/shared/messages.ts) ─────────────────────────────

  protected override customRequest(command: string, response: DebugProtocol.Response, args: unknown): void {
    // The boundary checked the arguments against the shapes in src/shared/messages.ts.
    switch (command) {
      case STATE_REQUEST:
        response.body = this.currentState();
        this.sendResponse(response);
        return;
      case SEEK_REQUEST: {
        const position = seekPosition(args as SeekArgs);
        void this.respondThenMove(response, () => this.engine!.seek(position));
        return;
      }
      case EXPORT_REQUEST:
        response.body = exportTrace(this.need().trace, { path: resolvePath((args as ExportArgs).path, this.args) });
        this.sendResponse(response);
        return;
      case COMPARE_REQUEST:
        response.body = compareMethods(args as CompareArgs);
        this.sendResponse(response);
        return;
      case WHY_REQUEST: {
        const { trace, engine } = this.need();
        response.body = whyPage(trace, engine.pos, args as WhyArgs);
        this.sendResponse(response);
        return;
      }
    }
    // The boundary refuses commands it does not know (protocol/commands.ts); this is the one place that must agree.
    this.answerError(response, `unknown request '${command}'`);
  }
}

/** Breakpoints that have no place in a source (function, exception and data breakpoints) as DAP reports them. */
function unplaced(results: { id: number; verified: boolean; message?: string }[]): DebugProtocol.Breakpoint[] {
  return results.map((r) => ({ id: r.id, verified: r.verified, message: r.message }));
}
