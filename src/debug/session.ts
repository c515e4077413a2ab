/**
 * The Debug Adapter Protocol session over the trace. Requests become engine moves and inspections; every stop
 * reports the trace position and sends the machine state for the panel. Nothing here throws at the client:
 * a failing request gets an error response and the adapter keeps running.
 */
import { basename } from 'node:path';
import {
  DebugSession, Event, Handles, InitializedEvent, InvalidatedEvent, OutputEvent, Response, Scope, Source, StackFrame,
  StoppedEvent, TerminatedEvent, Thread,
} from '@vscode/debugadapter';
import { DebugProtocol } from '@vscode/debugprotocol';
import { CONFIG_KEYS, findConfigKey, parseConfigValue } from '../machine/config';
import { C, hitPercent } from '../machine/counters';
import { Machine } from '../machine/machine';
import { pageStateName, PG_ACTIVE } from '../machine/pagecache';
import { formatBytes, formatDuration, hex } from '../machine/units';
import { formatDiagnostic } from '../program/index';
import { Loaded, loadProgramFile, MachineOverrides } from '../program/loadProgram';
import { COMPARE_REQUEST, EXPORT_REQUEST, MachineState, SEEK_REQUEST, STATE_EVENT, STATE_REQUEST } from '../shared/messages';
import { compare } from '../trace/compare';
import { exportChromeTrace } from '../trace/export';
import { Trace } from '../trace/trace';
import { totalsOf } from '../trace/summary';
import { writeFileSync } from 'node:fs';
import { Breakpoints, EXCEPTION_FILTERS, filterOfKind, parseDataId } from './breakpoints';
import { COMMANDS, ConsoleContext, evaluate } from './console';
import { describeEvent } from './describe';
import { Engine, Stop } from './engine';
import {
  allCounters, decodeArgs, diskLabel, machineState, memoryOf, operationAt, REGISTER_NAMES, registerValue, resultText,
  formatRegister,
} from './inspect';
import { entryChain, isBoundaryStep, kernelPath, stepAt } from './kernelPath';
import { DiskKind } from '../machine/config';
import { parseSize } from '../machine/units';

export interface LaunchArgs extends DebugProtocol.LaunchRequestArguments {
  program?: string;
  stopOnEntry?: boolean;
  machine?: MachineOverrides;
  trace?: string;
  /** Events between checkpoints (time travel memory/speed trade-off). */
  checkpointEvery?: number;
}

const PROCESS_THREAD = 1;
const FLUSHER_THREAD_ID = 1000;

type VarRef =
  | { kind: 'registers' }
  | { kind: 'operation' }
  | { kind: 'pagecache' }
  | { kind: 'file'; fileId: number }
  | { kind: 'lru'; list: 'active' | 'inactive' }
  | { kind: 'buffers' }
  | { kind: 'devices' }
  | { kind: 'dma' }
  | { kind: 'counters' }
  | { kind: 'sysctl' }
  | { kind: 'variables' };

/** A failure the user can act on: its message is the whole error response. */
class UserError extends Error {
  override name = 'UserError';
}

/** The code the DebugSession base class uses when a request handler throws. */
const HANDLER_THREW = 1104;

export class IoMachineSession extends DebugSession {
  private trace: Trace | null = null;
  private engine: Engine | null = null;
  private bps = new Breakpoints();
  private handles = new Handles<VarRef>();
  private args: LaunchArgs = {};
  private programPath = '';
  private executableLines: number[] = [];
  private configurationDone: Promise<void>;
  private resolveConfigurationDone!: () => void;
  private previousRegs: Map<string, string> | null = null;
  private lastStop: Stop | null = null;
  private atEndOnce = false;
  private running = false;
  /** Set by disconnect/terminate: a move still finishing reports nothing any more. */
  private ended = false;
  /** While a restart stops a run: the run's stop is kept here instead of being reported. */
  private holdStops = false;
  private heldStop: Stop | null = null;
  /** First position of a flusher-thread event (Infinity: none), searched incrementally up to `flusherScanned`. */
  private flusherFirst = Number.POSITIVE_INFINITY;
  private flusherScanned = 0;

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

  // ───────────────────────────── initialize and launch ─────────────────────────────

  protected override initializeRequest(response: DebugProtocol.InitializeResponse): void {
    response.body = {
      supportsConfigurationDoneRequest: true,
      supportsFunctionBreakpoints: true,
      supportsConditionalBreakpoints: true,
      supportsHitConditionalBreakpoints: true,
      supportsLogPoints: true,
      supportsStepBack: true,
      supportsRestartRequest: true,
      supportsGotoTargetsRequest: true,
      supportsEvaluateForHovers: true,
      supportsSetVariable: true,
      supportsCompletionsRequest: true,
      completionTriggerCharacters: [' '],
      supportsDataBreakpoints: true,
      supportsReadMemoryRequest: true,
      supportsExceptionFilterOptions: true,
      supportsExceptionInfoRequest: true,
      supportsTerminateRequest: true,
      supportsSteppingGranularity: true,
      supportsDelayedStackTraceLoading: false,
      exceptionBreakpointFilters: EXCEPTION_FILTERS.map((f) => ({
        filter: f.filter, label: f.label, description: f.description, default: false, supportsCondition: true,
        conditionDescription: 'e.g. file == "/srv/hot.html" && page < 4',
      })),
    };
    this.sendResponse(response);
  }

  protected override configurationDoneRequest(response: DebugProtocol.ConfigurationDoneResponse): void {
    this.resolveConfigurationDone();
    this.sendResponse(response);
  }

  /** Loads the program; the errors a person can fix are reported as `path:line:col: error: …`. */
  private load(args: LaunchArgs): void {
    if (!args.program || typeof args.program !== 'string') throw new UserError("launch: 'program' must be the path of a .iosim scenario or .strace log");
    if (args.machine !== undefined && (typeof args.machine !== 'object' || args.machine === null || Array.isArray(args.machine))) {
      throw new UserError("launch: 'machine' must be an object such as { \"nic\": \"plain\", \"vm.dirty_ratio\": 5 }");
    }
    if (args.trace !== undefined && typeof args.trace !== 'string') throw new UserError("launch: 'trace' must be the path of the file to write the trace to");
    let loaded: Loaded;
    try {
      loaded = loadProgramFile(args.program, args.machine);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code) throw new UserError(`cannot read ${args.program}: ${code}`);
      throw e;
    }
    const firstError = loaded.diagnostics.find((d) => d.severity === 'error');
    if (!loaded.spec || firstError) {
      const d = firstError ?? loaded.diagnostics[0];
      throw new UserError(d ? formatDiagnostic(args.program, d) : `${args.program}: cannot be run`);
    }
    for (const d of loaded.diagnostics) this.print(formatDiagnostic(args.program, d), 'stderr');
    this.programPath = args.program;
    this.executableLines = loaded.executableLines;
    this.trace = new Trace(loaded.spec, { checkpointEvery: args.checkpointEvery ?? 50_000 });
    this.engine = new Engine(this.trace, this.bps, { print: (line, category) => this.print(line, category ?? 'console') });
    this.previousRegs = null;
    this.atEndOnce = false;
    this.lastStop = null;
    this.flusherFirst = Number.POSITIVE_INFINITY;
    this.flusherScanned = 0;
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
    const s = this.trace!.spec;
    this.print(`I/O machine: ${formatBytes(s.config.ramBytes)} RAM, ${diskLabel(this.engine!.trace.machine)}, NIC ${s.config.nic}, page cache ${this.engine!.trace.machine.cache.capacity} pages; trace positions are event indexes.`);
    if (args.noDebug) {
      await this.runWithoutDebugging();
      return;
    }
    if (args.stopOnEntry !== false) this.reportStop({ pos: -1, reason: 'entry', hitIds: [] });
    else await this.move(() => this.engine!.forward('continue', true));
  }

  /** Run (no debugging): the whole program, its syscall lines and a summary, then the session ends. */
  private async runWithoutDebugging(): Promise<void> {
    const { trace, engine } = this.need();
    engine.bps = new Breakpoints();
    await engine.forward('continue');
    const m = trace.machine;
    const t = runSummaryText(m);
    this.print(t);
    this.writeTraceFile();
    this.sendEvent(new TerminatedEvent());
  }

  protected override async restartRequest(response: DebugProtocol.RestartResponse, args: DebugProtocol.RestartArguments): Promise<void> {
    // A run in progress is stopped first; its stop is held back, and reported only if the restart fails.
    let held: Stop | null = null;
    try {
      const a = (args.arguments as LaunchArgs | undefined) ?? this.args;
      this.holdStops = true;
      if (this.engine) this.engine.pauseRequested = true;
      for (let i = 0; this.running && i < 2000; i++) await new Promise((r) => setTimeout(r, 5));
      this.holdStops = false;
      held = this.heldStop;
      this.heldStop = null;
      // On failure the session goes on with the program it had.
      this.load(a);
      held = null;
      this.args = a;
      this.traceWritten = false;
      this.sendResponse(response);
      this.sendEvent(new InvalidatedEvent(['all']));
      if (a.stopOnEntry !== false) this.reportStop({ pos: -1, reason: 'entry', hitIds: [] });
      else await this.move(() => this.engine!.forward('continue', true));
    } catch (e) {
      this.holdStops = false;
      this.fail(response, e);
      if (held) this.reportStop(held);
    }
  }

  protected override disconnectRequest(response: DebugProtocol.DisconnectResponse): void {
    this.ended = true;
    if (this.engine) this.engine.pauseRequested = true;
    this.writeTraceFile();
    this.sendResponse(response);
    // Standalone, the process exits shortly after (the base class's behaviour); inline, nothing happens.
    this.shutdown();
  }

  protected override terminateRequest(response: DebugProtocol.TerminateResponse): void {
    this.ended = true;
    if (this.engine) this.engine.pauseRequested = true;
    this.writeTraceFile();
    this.sendResponse(response);
    this.sendEvent(new TerminatedEvent());
  }

  private traceWritten = false;

  private writeTraceFile(): void {
    if (!this.args.trace || !this.trace || this.traceWritten) return;
    this.traceWritten = true;
    try {
      writeFileSync(this.args.trace, JSON.stringify(exportChromeTrace(this.trace)));
      this.print(`trace written to ${this.args.trace} (Chrome trace format: open it in Perfetto or chrome://tracing)`);
    } catch (e) {
      this.print(`could not write the trace to ${this.args.trace}: ${(e as Error).message}`, 'stderr');
    }
  }

  // ───────────────────────────── breakpoints ─────────────────────────────

  protected override setBreakPointsRequest(response: DebugProtocol.SetBreakpointsResponse, args: DebugProtocol.SetBreakpointsArguments): void {
    if (!args.source) throw new UserError("setBreakpoints needs a 'source'");
    const specs = (args.breakpoints ?? args.lines?.map((line) => ({ line })) ?? []).map((b) => ({ ...b }));
    const samePath = args.source.path && this.programPath && normalize(args.source.path) === normalize(this.programPath);
    if (!samePath) {
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
    const results = this.bps.setFunctions(args.breakpoints ?? []);
    response.body = { breakpoints: results.map((r) => ({ id: r.id, verified: r.verified, message: r.message })) };
    this.sendResponse(response);
  }

  protected override setExceptionBreakPointsRequest(response: DebugProtocol.SetExceptionBreakpointsResponse, args: DebugProtocol.SetExceptionBreakpointsArguments): void {
    const specs = [
      ...(args.filters ?? []).map((f) => ({ filterId: f })),
      ...(args.filterOptions ?? []).map((o) => ({ filterId: o.filterId, condition: o.condition })),
    ];
    const results = this.bps.setFilters(specs);
    response.body = { breakpoints: results.map((r) => ({ id: r.id, verified: r.verified, message: r.message })) };
    this.sendResponse(response);
  }

  protected override dataBreakpointInfoRequest(response: DebugProtocol.DataBreakpointInfoResponse, args: DebugProtocol.DataBreakpointInfoArguments): void {
    const none = (why: string) => {
      response.body = { dataId: null, description: why };
      this.sendResponse(response);
    };
    if (!this.trace) return none('no program is being debugged');
    const container = args.variablesReference ? this.handles.get(args.variablesReference) : undefined;
    let dataId: string | null = null;
    let description = '';
    if (container?.kind === 'file') {
      const idx = /^\[?(\d+)\]?/.exec(args.name);
      const f = this.trace.machine.filesById[container.fileId];
      if (idx && f) {
        dataId = `page:${f.path}:${idx[1]}`;
        description = `page ${idx[1]} of ${f.path} changes (cached, dirtied, written back, evicted, copied into)`;
      }
    } else if (container?.kind === 'buffers') {
      const m = /^(buffer|socket|pipe) (\d+)/.exec(args.name);
      if (m) {
        dataId = `${m[1]}:${m[2]}`;
        description = `bytes are copied into ${m[1]} ${m[2]}`;
      }
    } else if (parseDataId(args.name)) {
      dataId = args.name;
      description = `${args.name} changes`;
    }
    if (!dataId) return none('data breakpoints can watch a page (Page Cache → file → page) or a buffer (Buffers)');
    response.body = { dataId, description, accessTypes: ['write'], canPersist: true };
    this.sendResponse(response);
  }

  protected override setDataBreakpointsRequest(response: DebugProtocol.SetDataBreakpointsResponse, args: DebugProtocol.SetDataBreakpointsArguments): void {
    const results = this.bps.setData(args.breakpoints ?? []);
    response.body = { breakpoints: results.map((r) => ({ id: r.id, verified: r.verified, message: r.message })) };
    this.sendResponse(response);
  }

  // ───────────────────────────── execution ─────────────────────────────

  /** Runs one engine move, answers nothing itself, and reports the stop. Moves never overlap. */
  private async move(fn: () => Stop | Promise<Stop>): Promise<void> {
    if (this.running) throw new UserError('the machine is already running');
    this.running = true;
    const engine = this.engine;
    try {
      const stop = await fn();
      // A restart or disconnect while running: nobody waits for this stop.
      if (engine === this.engine && !this.ended) {
        if (this.holdStops) this.heldStop = stop;
        else this.reportStop(stop);
      }
    } finally {
      this.running = false;
    }
  }

  private async respondThenMove(response: DebugProtocol.Response, fn: () => Stop | Promise<Stop>): Promise<void> {
    try {
      this.need();
      if (this.running) throw new UserError('the machine is already running; pause it first');
      this.sendResponse(response);
    } catch (e) {
      this.fail(response, e);
      return;
    }
    try {
      // The stop follows the response, never in the same breath: clients wait for the response first.
      await new Promise((r) => setImmediate(r));
      await this.move(fn);
    } catch (e) {
      this.print(`internal error: ${(e as Error).stack ?? e}`, 'stderr');
    }
  }

  protected override continueRequest(response: DebugProtocol.ContinueResponse): void {
    response.body = { allThreadsContinued: true };
    if (this.trace?.finished && this.engine && this.engine.pos >= this.trace.head && this.atEndOnce) {
      // Continuing past the end of the program ends the session, as it would for a real process.
      this.sendResponse(response);
      this.writeTraceFile();
      this.sendEvent(new TerminatedEvent());
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
    if (this.engine) this.engine.pauseRequested = true;
    this.sendResponse(response);
  }

  protected override gotoTargetsRequest(response: DebugProtocol.GotoTargetsResponse, args: DebugProtocol.GotoTargetsArguments): void {
    const { trace } = this.need();
    const targets: DebugProtocol.GotoTarget[] = [];
    const add = (j: number) => {
      if (trace.ops.lineOf(j) !== args.line || trace.isInjected(j)) return;
      const pos = trace.ops.startPosOf(j) - 1;
      targets.push({ id: pos + 2, label: `${trace.ops.nameOf(j)} at line ${args.line}, run #${targets.length + 1} (position ${pos}, ${formatDuration(trace.ops.get(j).startNs)})`, line: args.line });
    };
    for (let j = 0; j < trace.ops.length && targets.length < 50; j++) add(j);
    // A line the recorded history has not reached yet: the program runs ahead (a little while at most) to find it.
    if (!targets.length && !this.running) {
      const deadline = Date.now() + 500;
      while (!targets.length && !trace.finished && Date.now() < deadline) {
        const j = trace.step();
        if (j < 0) break;
        add(j);
      }
    }
    response.body = { targets };
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
    this.handles.reset();
    const atEnd = stop.reason === 'end';
    if (atEnd) {
      this.atEndOnce = true;
      const m = engine.state();
      this.print(`program ended at position ${stop.pos} after ${formatDuration(m.now)} simulated; continue again to end the session, or travel back (step back, reverse continue).`);
    } else {
      this.atEndOnce = false;
    }
    const pos = stop.pos;
    const thread = this.threadAt(trace, engine, pos);
    const reason = atEnd ? 'end' : stop.reason;
    const ev = new StoppedEvent(reason, thread) as DebugProtocol.StoppedEvent;
    const where = pos >= 0 ? `#${pos} · ${formatDuration(trace.events.time(pos))}` : '#-1 · start';
    ev.body.description = `${reasonLabel(reason)} · position ${where}`;
    ev.body.allThreadsStopped = true;
    if (stop.hitIds.length) ev.body.hitBreakpointIds = stop.hitIds;
    if (pos >= 0 && (stop.reason === 'exception' || stop.reason === 'data breakpoint')) ev.body.text = describeEvent(trace, pos);
    this.sendEvent(ev);
    if (stop.reason === 'goto') this.sendEvent(new InvalidatedEvent(['variables', 'stacks']));
    this.sendState();
  }

  private currentState(): MachineState {
    const { engine } = this.need();
    const m = engine.state();
    const state = machineState(engine, m, engine.pos, this.previousRegs);
    return state;
  }

  private sendState(): void {
    const state = this.currentState();
    this.previousRegs = new Map(state.registers.map((r) => [r.name, r.value]));
    this.sendEvent(new Event(STATE_EVENT, state));
  }

  // ───────────────────────────── threads and stacks ─────────────────────────────

  protected override threadsRequest(response: DebugProtocol.ThreadsResponse): void {
    const threads = [...this.programThreads()].map(([id, name]) => new Thread(id, name));
    const t = this.trace;
    if (t && this.engine && this.firstFlusherEvent(t) <= this.engine.pos) {
      threads.push(new Thread(FLUSHER_THREAD_ID, 'kernel flusher (wb_workfn)'));
    }
    response.body = { threads };
    this.sendResponse(response);
  }

  /** The program's threads by DAP id (= the machine's thread index): a strace log's processes, or one process. */
  private programThreads(): Map<number, string> {
    const named = this.trace?.spec.threads;
    if (named && named.size) return new Map([...named].sort((a, b) => a[0] - b[0]));
    return new Map([[PROCESS_THREAD, `process (${this.programPath ? basename(this.programPath) : 'program'})`]]);
  }

  /** The thread a position belongs to: the flusher's events, else the operation's (in progress or next to run). */
  private threadAt(trace: Trace, engine: Engine, pos: number): number {
    if (pos >= 0 && pos <= trace.head && trace.events.thread(pos) === 0) return FLUSHER_THREAD_ID;
    const j = engine.currentOrNextOp(pos);
    if (j < trace.ops.length) return trace.ops.threadOf(j);
    if (trace.ops.length) return trace.ops.threadOf(trace.ops.length - 1);
    return PROCESS_THREAD;
  }

  /** Position of the first event of the flusher thread (Infinity if it has not run); scanned once per event. */
  private firstFlusherEvent(t: Trace): number {
    if (this.flusherScanned > t.events.length) {
      // The trace's future was rewritten.
      this.flusherFirst = Number.POSITIVE_INFINITY;
      this.flusherScanned = 0;
    }
    if (this.flusherFirst >= t.events.length) this.flusherFirst = Number.POSITIVE_INFINITY;
    for (let e = this.flusherScanned; e < t.events.length && this.flusherFirst === Number.POSITIVE_INFINITY; e++) {
      if (t.events.thread(e) === 0) this.flusherFirst = e;
    }
    this.flusherScanned = t.events.length;
    return this.flusherFirst;
  }

  protected override stackTraceRequest(response: DebugProtocol.StackTraceResponse, args: DebugProtocol.StackTraceArguments): void {
    const { trace, engine } = this.need();
    const pos = engine.pos;
    const frames: StackFrame[] = [];
    const userSource = new Source(basename(this.programPath), this.convertDebuggerPathToClient(this.programPath));
    const at = operationAt(engine, pos);
    const onFlusher = pos >= 0 && trace.events.thread(pos) === 0;
    if (args.threadId === FLUSHER_THREAD_ID) {
      if (onFlusher && at) {
        const kp = kernelPath(trace, at.index);
        const step = stepAt(kp, pos);
        frames.push(new StackFrame(frameId(FLUSHER_THREAD_ID, 0), step?.fn ?? 'wb_workfn', this.kernelSource(at.index), step?.line ?? 1));
      }
      frames.push(new StackFrame(frameId(FLUSHER_THREAD_ID, 1), onFlusher ? 'wb_workfn' : 'wb_workfn (sleeping)'));
      frames.push(new StackFrame(frameId(FLUSHER_THREAD_ID, 2), 'kthread'));
    } else if (args.threadId !== this.threadAt(trace, engine, pos) && !onFlusher) {
      // Another process of a log: where it last was (its most recent call), or not started yet.
      const last = lastOpOfThread(trace, Math.min(engine.currentOrNextOp(pos), trace.ops.length) - 1, args.threadId);
      if (last >= 0) {
        const r = trace.ops.get(last);
        frames.push(new StackFrame(frameId(args.threadId, 0), `${r.name} (line ${r.line}, returned)`, userSource, r.line));
      } else {
        frames.push(new StackFrame(frameId(args.threadId, 0), 'not started yet'));
      }
    } else if (at && at.inside) {
      const kp = kernelPath(trace, at.index);
      // While the flusher runs, the process is where it last was (asleep in its own kernel path).
      const step = onFlusher ? [...kp.steps].reverse().find((s) => s.thread !== 0 && s.first <= pos) : stepAt(kp, pos);
      const source = this.kernelSource(at.index);
      frames.push(new StackFrame(frameId(args.threadId, 0), step?.fn ?? at.record.name, source, step?.line ?? 1));
      // Between the step and the user line: the functions the syscall entered through, innermost first (they are
      // listed on line 3 of the generated source).
      if (step && !isBoundaryStep(trace, step)) {
        for (const fn of entryChain(trace, at.index).reverse()) frames.push(new StackFrame(frameId(args.threadId, frames.length), fn, source, 3));
      }
      frames.push(new StackFrame(frameId(args.threadId, frames.length), `${at.record.name} (line ${at.record.line})`, userSource, at.record.line));
    } else {
      // Between operations: the user frame is at the next operation to run.
      const next = this.nextLine(engine, pos);
      const f = new StackFrame(frameId(args.threadId, 0), next ? 'main' : 'main (program ended)', userSource, next?.line ?? lastLine(trace), next?.col ?? 1);
      frames.push(f);
    }
    const start = args.startFrame ?? 0;
    const shown = args.levels ? frames.slice(start, start + args.levels) : frames.slice(start);
    response.body = { stackFrames: shown, totalFrames: frames.length };
    this.sendResponse(response);
  }

  private nextLine(engine: Engine, pos: number): { line: number; col: number } | null {
    const t = engine.trace;
    const j = engine.currentOrNextOp(pos);
    if (j < t.ops.length) {
      const r = t.ops.get(j);
      return { line: r.line, col: r.col };
    }
    return t.peekNext();
  }

  private kernelSource(opIndex: number): Source {
    const name = `${this.trace!.ops.nameOf(opIndex)} #${opIndex} (kernel path)`;
    const s = new Source(name, undefined, opIndex + 1, 'kernel', 'iomachine');
    (s as DebugProtocol.Source).presentationHint = 'emphasize';
    return s;
  }

  protected override sourceRequest(response: DebugProtocol.SourceResponse, args: DebugProtocol.SourceArguments): void {
    const { trace } = this.need();
    const ref = args.sourceReference ?? args.source?.sourceReference ?? 0;
    const opIndex = ref - 1;
    if (opIndex < 0 || opIndex >= trace.ops.length) throw new UserError(`no kernel path for source reference ${ref}`);
    response.body = { content: kernelPath(trace, opIndex).text, mimeType: 'text/plain' };
    this.sendResponse(response);
  }

  // ───────────────────────────── variables ─────────────────────────────

  protected override scopesRequest(response: DebugProtocol.ScopesResponse): void {
    this.need();
    const scope = (name: string, ref: VarRef, hint?: string, expensive = false) => {
      const s = new Scope(name, this.handles.create(ref), expensive) as DebugProtocol.Scope;
      if (hint) s.presentationHint = hint;
      return s;
    };
    response.body = {
      scopes: [
        scope('Registers', { kind: 'registers' }, 'registers'),
        scope('Operation', { kind: 'operation' }, 'arguments'),
        scope('Variables', { kind: 'variables' }, 'locals'),
        scope('Page Cache', { kind: 'pagecache' }),
        scope('Buffers', { kind: 'buffers' }),
        scope('Devices', { kind: 'devices' }),
        scope('Counters', { kind: 'counters' }),
        scope('sysctl', { kind: 'sysctl' }),
      ],
    };
    this.sendResponse(response);
  }

  protected override variablesRequest(response: DebugProtocol.VariablesResponse, args: DebugProtocol.VariablesArguments): void {
    const { engine } = this.need();
    const ref = this.handles.get(args.variablesReference);
    const m = engine.state();
    let vars: DebugProtocol.Variable[] = ref ? this.variablesOf(ref, m, engine) : [];
    if (args.start !== undefined || args.count !== undefined) {
      const start = args.start ?? 0;
      vars = vars.slice(start, args.count ? start + args.count : undefined);
    }
    response.body = { variables: vars };
    this.sendResponse(response);
  }

  private v(name: string, value: string | number, extra: Partial<DebugProtocol.Variable> = {}): DebugProtocol.Variable {
    return { name, value: String(value), variablesReference: 0, ...extra };
  }

  private variablesOf(ref: VarRef, m: Machine, engine: Engine): DebugProtocol.Variable[] {
    const t = engine.trace;
    const pos = engine.pos;
    switch (ref.kind) {
      case 'registers':
        return REGISTER_NAMES.map((n) => {
          const val = registerValue(m, n)!;
          const shown = typeof val === 'string' ? val : n === 'pc' ? `line ${val}` : `${formatRegister(val)} (${val})`;
          return this.v(n, shown, { evaluateName: n, presentationHint: { kind: 'property', attributes: ['readOnly'] } });
        });
      case 'operation': {
        const at = operationAt(engine, pos);
        if (!at) return [this.v('operation', 'none yet (the program has not started)')];
        const r = at.record;
        const out = [
          this.v('call', `${r.name} (line ${r.line})`),
          ...decodeArgs(m, r).map((a) => this.v(a.name, a.value)),
          this.v('state', at.inside ? 'in progress (kernel path)' : 'returned'),
        ];
        if (!at.inside) out.push(this.v('result', resultText(r), { evaluateName: 'result' }));
        out.push(
          this.v('simulated time', `${formatDuration(r.endNs - r.startNs)} (${formatDuration(r.startNs)} → ${formatDuration(r.endNs)})`),
          this.v('user↔kernel switches', r.contextSwitches),
          this.v('CPU copies', `${r.cpuCopies} (${formatBytes(r.cpuBytes)})`),
          this.v('DMA copies', `${r.dmaCopies} (${formatBytes(r.dmaBytes)})`),
          this.v('page faults', r.pageFaults),
          this.v('events', `${r.startPos}–${r.endPos}`),
        );
        return out;
      }
      case 'variables': {
        const vars = pos >= t.head && engine.isBoundary(pos) ? t.headVariables() : t.replayTo(pos).source.variables();
        return [...vars].map(([k, v]) => this.v(k, v >= 4096 ? `${v} (${hex(v)})` : v, { evaluateName: k }));
      }
      case 'pagecache': {
        const hits = m.counters[C.PageCacheHits];
        const misses = m.counters[C.PageCacheMisses];
        const ratio = hitPercent(hits, misses);
        const out = [
          this.v('capacity', `${m.cache.capacity} pages (${formatBytes(m.cache.capacity * 4096)})`),
          this.v('used', `${m.cache.size} pages`),
          this.v('dirty', m.cache.dirty),
          this.v('writeback', m.cache.writeback),
          this.v('active list', m.cache.active.count, { variablesReference: this.handles.create({ kind: 'lru', list: 'active' }) }),
          this.v('inactive list', m.cache.inactive.count, { variablesReference: this.handles.create({ kind: 'lru', list: 'inactive' }) }),
          this.v('hits', hits),
          this.v('misses', misses),
          this.v('hit ratio', ratio === null ? 'n/a' : `${ratio.toFixed(1)}%`),
          this.v('dirty thresholds', (() => { const [bg, th] = m.dirtyLimits(); return `background ${bg} pages, limit ${th} pages`; })()),
        ];
        for (const f of m.filesById) {
          const pages = m.cache.pagesOf(f.id);
          out.push(this.v(f.path, `${pages?.size ?? 0} of ${Math.ceil(f.size / 4096)} pages cached`, {
            variablesReference: pages?.size ? this.handles.create({ kind: 'file', fileId: f.id }) : 0,
            indexedVariables: pages?.size ?? 0,
            memoryReference: `file:${f.id}`,
          }));
        }
        return out;
      }
      case 'file': {
        const pages = m.cache.pagesOf(ref.fileId);
        if (!pages) return [];
        return [...pages.values()].sort((a, b) => a.index - b.index).map((p) => this.v(`[${p.index}]`, pageStateName(p) + (p.readyAt > m.now ? ', I/O in flight' : '')));
      }
      case 'lru': {
        const list = m.lru(ref.list).slice(0, 500);
        return list.map((p, i) => this.v(`${i === 0 ? 'head ' : ''}${i}`, `${m.filesById[p.fileId].path}[${p.index}] ${p.flags & PG_ACTIVE ? '' : ''}${pageStateName(p)}`));
      }
      case 'buffers': {
        const out: DebugProtocol.Variable[] = [];
        for (const r of m.regions) {
          if (r.kind === 'buffer') out.push(this.v(`buffer ${r.id}`, `user buffer at ${hex(r.addr)}, ${formatBytes(r.size)}`, { memoryReference: `buffer:${r.id}` }));
          else out.push(this.v(`mmap ${r.id}`, `${hex(r.addr)} → ${m.filesById[r.fileId].path} @${r.fileOff}, ${formatBytes(r.size)}, ${r.ptes.size} pages mapped`, { memoryReference: `mmap:${r.id}` }));
        }
        m.sockets.forEach((s, i) => out.push(this.v(`socket ${i}`, `send buffer: ${formatBytes(s.queued)} queued, ${formatBytes(s.sentBytes)} sent`, { memoryReference: `socket:${i}` })));
        m.pipes.forEach((p, i) => p && out.push(this.v(`pipe ${i}`, `${formatBytes(p.used)} of ${formatBytes(p.capacity)} (${p.refs.filter((r) => r.kind === 'page').length} page references)`, { memoryReference: `pipe:${i}` })));
        out.push(this.v('controller buffer', m.disk.controllerLen ? `${formatBytes(m.disk.controllerLen)} from ${m.disk.controllerWhat}` : 'empty', { memoryReference: 'controller' }));
        return out;
      }
      case 'devices':
        return [
          this.v('disk', `${diskLabel(m)}, ${m.config.blockSize}-byte blocks, queue ${m.disk.queue}, busy until ${formatDuration(m.disk.busyUntil)}, ${m.disk.requests} requests`),
          this.v('DMA engine', `${m.dma.length} transfers in flight`, { variablesReference: m.dma.length ? this.handles.create({ kind: 'dma' }) : 0 }),
          this.v('NIC', `${m.config.nic === 'sg-dma' ? 'scatter-gather DMA' : 'plain DMA (no scatter-gather)'}, ${formatBytes(m.nic.inflight)} in flight, ${formatBytes(m.nic.sentBytes)} sent`),
          this.v('CPU', `${m.mode} mode, thread ${m.thread === 0 ? 'flusher' : m.thread}`),
          this.v('clock', formatDuration(m.now)),
        ];
      case 'dma':
        return m.dma.map((d) => this.v(`#${d.id}`, `${d.what}: ${formatBytes(d.bytes)}, started ${formatDuration(d.startedAt)}, completes ${formatDuration(d.doneAt)}`));
      case 'counters':
        return [...allCounters(m).map(([n, v]) => this.v(n, n.endsWith('Ns') ? formatDuration(v) : n.endsWith('Bytes') ? `${v} (${formatBytes(v)})` : v)), this.v('simulated time', formatDuration(m.now))];
      case 'sysctl': {
        // A value edited inside an operation applies when the operation returns: shown as pending until then.
        const pending = new Map<string, number>();
        const k = engine.opAt(pos);
        if (!engine.isBoundary(pos)) {
          for (let j = k + 1, op = t.injectedAt(j); op; op = t.injectedAt(++j)) {
            if (op.name === 'sysctl' && op.text) pending.set(op.text, op.args[0]);
          }
        }
        return CONFIG_KEYS.filter((c) => c.sysctl).map((c) => {
          const now = (m.config.sysctl as unknown as Record<string, number>)[c.key];
          const later = pending.get(c.key);
          return this.v(c.key, later === undefined || later === now ? now : `${now} (${later} when this operation returns)`, { evaluateName: c.key });
        });
      }
    }
    return [];
  }

  protected override setVariableRequest(response: DebugProtocol.SetVariableResponse, args: DebugProtocol.SetVariableArguments): void {
    const { trace, engine } = this.need();
    const ref = this.handles.get(args.variablesReference);
    if (ref?.kind !== 'sysctl') throw new UserError('only sysctl values can be changed (they take effect from the current position)');
    const k = findConfigKey(args.name);
    if (!k || !k.sysctl) throw new UserError(`${args.name} is not a sysctl`);
    const v = parseConfigValue(k, args.value);
    if (!v.ok) throw new UserError(`${args.name}: expected ${v.expected}, got ${args.value}`);
    if (this.running) throw new UserError('the machine is running; pause it before changing a sysctl');
    const pos = engine.pos;
    // Operations from the next boundary on (after the one in progress, if any) are re-run with the new value;
    // the past, and the current position, stay as they were.
    const next = pos < 0 ? 0 : engine.opAt(pos) + 1;
    const after = next < trace.ops.length ? trace.ops.get(next) : trace.peekNext();
    const line = after?.line ?? lastLine(trace);
    trace.rewindTo(next, { name: 'sysctl', args: [v.value as number], text: k.key, line, col: 1 });
    engine.resync();
    this.flusherScanned = Number.POSITIVE_INFINITY;
    engine.pos = Math.min(pos, trace.head);
    const between = engine.isBoundary(engine.pos);
    // Between operations the change is made right here: the position moves over the inserted sysctl (two events),
    // so what is shown already has the new value. Inside an operation it is made when the operation returns.
    if (between) engine.runInserted(next);
    engine.invalidate();
    this.handles.reset();
    response.body = { value: String(v.value) };
    this.sendResponse(response);
    this.print(between
      ? `${k.key} = ${v.value} from position ${engine.pos} on; what follows is re-run with it.`
      : `${k.key} = ${v.value} from the end of the current operation (position ${trace.ops.endPosOf(next - 1)}) on; what follows is re-run with it.`);
    this.sendEvent(new InvalidatedEvent(['variables', 'stacks']));
    this.sendState();
  }

  // ───────────────────────────── console, memory, exceptions ─────────────────────────────

  private consoleContext(): ConsoleContext {
    const { engine, trace } = this.need();
    const pos = engine.pos;
    const variables = pos >= trace.head && engine.isBoundary(pos) ? trace.headVariables() : trace.replayTo(pos).source.variables();
    return { engine, machine: engine.state(), pos, variables };
  }

  protected override evaluateRequest(response: DebugProtocol.EvaluateResponse, args: DebugProtocol.EvaluateArguments): void {
    const ctx = this.consoleContext();
    if (typeof args.expression !== 'string') throw new UserError("evaluate needs an 'expression'");
    const text = args.expression.trim();
    if (args.context === 'hover' && !/^[A-Za-z_][\w.]*$/.test(text)) throw new UserError('');
    const r = evaluate(ctx, text);
    if (r.error) throw new UserError(r.error);
    response.body = { result: r.result, variablesReference: 0 };
    this.sendResponse(response);
  }

  protected override completionsRequest(response: DebugProtocol.CompletionsResponse, args: DebugProtocol.CompletionsArguments): void {
    // `column` and the items' `start` are in the client's column base; `text` is indexed from 0.
    const full = typeof args.text === 'string' ? args.text : '';
    const column = typeof args.column === 'number' ? this.convertClientColumnToDebugger(args.column) - 1 : full.length;
    const text = full.slice(0, Math.max(0, column));
    const words = text.trimStart().split(/\s+/);
    const last = words[words.length - 1] ?? '';
    const items: DebugProtocol.CompletionItem[] = [];
    const start = this.convertDebuggerColumnToClient(text.length - last.length + 1);
    const add = (label: string, type: DebugProtocol.CompletionItemType, detail?: string) => {
      if (label.startsWith(last) && !items.some((i) => i.label === label)) items.push({ label, type, detail, start, length: last.length });
    };
    if (words.length <= 1) {
      for (const c of COMMANDS) add(c.name, 'function', c.doc);
      for (const r of REGISTER_NAMES) add(r, 'variable', 'register');
      if (this.trace && this.engine) for (const v of this.consoleContext().variables.keys()) add(v, 'variable', 'program variable');
      for (const n of ['name', 'result', 'errno', 'path', 'line', 'duration', 'position', 'time', 'hits', 'misses', 'cached', 'dirty', 'writeback']) add(n, 'property');
      for (const k of CONFIG_KEYS) if (k.sysctl) add(k.key, 'property', 'sysctl');
    } else if (['vmtouch', 'page', 'why'].includes(words[0]) && words.length === 2 && this.trace) {
      for (const f of this.trace.machine.filesById) add(f.path, 'file');
    } else if (words.length > 1) {
      // Inside an expression: names again.
      for (const r of REGISTER_NAMES) add(r, 'variable', 'register');
      if (this.trace && this.engine) for (const v of this.consoleContext().variables.keys()) add(v, 'variable', 'program variable');
    }
    response.body = { targets: items };
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
    const pos = engine.pos;
    const stop = this.lastStop && this.lastStop.pos === pos ? this.lastStop : null;
    // The filter that stopped here, else the one the event at the position belongs to (after a goto, say).
    const filter = (stop?.reason === 'exception' ? this.bps.filters.find((f) => stop.hitIds.includes(f.id))?.filter : undefined) ??
      (pos >= 0 ? filterOfKind(trace.events.kind(pos)) : undefined);
    response.body = {
      exceptionId: stop?.reason === 'data breakpoint' ? 'data-breakpoint' : filter ?? 'event',
      description: pos >= 0 ? `${describeEvent(trace, pos)} (position ${pos}, ${formatDuration(trace.events.time(pos))})` : 'no event',
      breakMode: 'always',
    };
    this.sendResponse(response);
  }

  protected override customRequest(command: string, response: DebugProtocol.Response, args: Record<string, unknown> | undefined): void {
    switch (command) {
      case STATE_REQUEST:
        response.body = this.currentState();
        this.sendResponse(response);
        return;
      case SEEK_REQUEST: {
        const position = Number(args?.position);
        if (!Number.isFinite(position)) throw new UserError(`${SEEK_REQUEST} needs a numeric 'position'`);
        void this.respondThenMove(response, () => this.engine!.seek(position));
        return;
      }
      case EXPORT_REQUEST: {
        const { trace } = this.need();
        const path = String(args?.path ?? '');
        if (!path) throw new UserError(`${EXPORT_REQUEST} needs a 'path'`);
        writeFileSync(path, JSON.stringify(exportChromeTrace(trace)));
        response.body = { path, events: trace.events.length };
        this.sendResponse(response);
        return;
      }
      case COMPARE_REQUEST: {
        const size = parseSize(String(args?.size ?? '16KiB'));
        const disk = String(args?.disk ?? 'nvme') as DiskKind;
        if (size === null || size <= 0 || !['nvme', 'ssd', 'hdd'].includes(disk)) throw new UserError('compare: size like 16KiB, disk nvme|ssd|hdd');
        response.body = { sizeBytes: size, disk, warm: !!args?.warm, rows: compare({ size, disk, warm: !!args?.warm }) };
        this.sendResponse(response);
        return;
      }
    }
    this.sendErrorResponse(response, { id: 1014, format: escapeFormat(`unknown request '${command}'`), showUser: false });
  }
}

function runSummaryText(m: Machine): string {
  const t = totalsOf(m);
  const ratio = hitPercent(t.pageCacheHits, t.pageCacheMisses);
  return [
    `ran to the end in ${formatDuration(t.simTimeNs)} simulated:`,
    `  ${t.syscalls} syscalls, ${t.contextSwitches} user↔kernel switches`,
    `  ${t.cpuCopies} CPU copies (${formatBytes(t.cpuBytes)}), ${t.dmaCopies} DMA copies (${formatBytes(t.dmaBytes)}), ${t.dmaInterrupts} DMA interrupts`,
    `  page cache: ${t.pageCacheHits} hits, ${t.pageCacheMisses} misses${ratio === null ? '' : ` (${ratio.toFixed(1)}% hits)`}, ${t.evictions} evictions, ${t.writebackPages} pages written back`,
    `  ${t.pageFaults} page faults`,
  ].join('\n');
}

/** DAP messages are format strings: braces in a plain message must not be read as variables. */
function escapeFormat(message: string): string {
  return message.replace(/[{}]/g, (c) => (c === '{' ? '(' : ')'));
}

/** The last operation at or before `from` issued by a thread (bounded scan: a long log's idle process shows none). */
function lastOpOfThread(t: Trace, from: number, thread: number): number {
  for (let j = from; j >= 0 && j > from - 200_000; j--) if (t.ops.threadOf(j) === thread) return j;
  return -1;
}

function frameId(thread: number, level: number): number {
  return thread * 100 + level;
}

function normalize(p: string): string {
  return p.replace(/\\/g, '/').replace(/^([a-z]):/, (_, d: string) => d.toUpperCase() + ':');
}

function lastLine(t: Trace): number {
  return t.ops.length ? t.ops.lineOf(t.ops.length - 1) : 1;
}

function reasonLabel(reason: string): string {
  switch (reason) {
    case 'entry': return 'entry';
    case 'step': return 'step';
    case 'breakpoint': return 'breakpoint';
    case 'function breakpoint': return 'function breakpoint';
    case 'exception': return 'event breakpoint';
    case 'data breakpoint': return 'data breakpoint';
    case 'pause': return 'paused';
    case 'goto': return 'goto';
    case 'end': return 'program ended';
  }
  return reason;
}
