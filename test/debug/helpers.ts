/**
 * Drives the standalone adapter (dist/debugAdapter.js) over stdio with DebugClient. Every move awaits the request
 * and the stopped event it causes together, so the event cannot be missed.
 */
import * as path from 'node:path';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import { DebugProtocol } from '@vscode/debugprotocol';
import { MachineState, STATE_EVENT, STATE_REQUEST } from '../../src/shared/messages';

export const ADAPTER = path.join(__dirname, '../../../dist/debugAdapter.js');
export const FIXTURES = path.join(__dirname, '../../../test/debug/fixtures');

export function fixture(name: string): string {
  return path.join(FIXTURES, name);
}

export type Stopped = DebugProtocol.StoppedEvent;

export interface LaunchOptions {
  program?: string;
  stopOnEntry?: boolean;
  machine?: Record<string, string | number | boolean | null>;
  trace?: string;
  [key: string]: unknown;
}

/** Nested variables of a scope: a leaf's value, or a child's own map under `name` (its value under `name=`). */
export type VarTree = { [name: string]: string | VarTree };

export class Session {
  readonly outputs: DebugProtocol.OutputEvent[] = [];
  readonly states: MachineState[] = [];
  readonly invalidated: DebugProtocol.InvalidatedEvent[] = [];
  readonly stops: Stopped[] = [];
  terminated = false;
  capabilities: DebugProtocol.Capabilities = {};

  private constructor(readonly dc: DebugClient) {
    dc.on('output', (e: DebugProtocol.OutputEvent) => this.outputs.push(e));
    dc.on(STATE_EVENT, (e: DebugProtocol.Event) => this.states.push(e.body as MachineState));
    dc.on('invalidated', (e: DebugProtocol.InvalidatedEvent) => this.invalidated.push(e));
    dc.on('stopped', (e: Stopped) => this.stops.push(e));
    dc.on('terminated', () => (this.terminated = true));
  }

  /** Starts the adapter process and initializes it. */
  static async start(): Promise<Session> {
    const dc = new DebugClient('node', ADAPTER, 'iomachine');
    dc.defaultTimeout = 10_000;
    await dc.start();
    const s = new Session(dc);
    const init = await dc.initializeRequest({ adapterID: 'iomachine', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
    s.capabilities = init.body ?? {};
    return s;
  }

  /**
   * Starts a session on a fixture: launch, `configure` (breakpoints) between `initialized` and configurationDone,
   * and resolves with the first stopped event.
   */
  static async open(name: string, options: LaunchOptions = {}, configure?: (s: Session) => Promise<void>): Promise<{ s: Session; first: Stopped }> {
    const s = await Session.start();
    const first = await s.launch({ program: fixture(name), ...options }, configure);
    return { s, first };
  }

  async launch(args: LaunchOptions, configure?: (s: Session) => Promise<void>): Promise<Stopped> {
    const initialized = this.dc.waitForEvent('initialized');
    const stopped = this.dc.waitForEvent('stopped') as Promise<Stopped>;
    const state = this.dc.waitForEvent(STATE_EVENT);
    // These tests follow the state as the extension does, so they ask for it as the extension does.
    const launched = this.dc.launchRequest({ stateEvents: true, ...args } as DebugProtocol.LaunchRequestArguments);
    await initialized;
    if (configure) await configure(this);
    await this.dc.configurationDoneRequest();
    await launched;
    const [ev] = await Promise.all([stopped, state]);
    return ev;
  }

  /** Sends a request and waits for the stopped event it causes (and the state event that follows every stop). */
  async move(request: () => Promise<unknown>): Promise<Stopped> {
    const [, ev] = await Promise.all([request(), this.dc.waitForEvent('stopped'), this.dc.waitForEvent(STATE_EVENT)]);
    return ev as Stopped;
  }

  /** The thread of the last stop, as an editor steps the thread it stopped on (1 before any). */
  get thread(): number {
    return this.stops[this.stops.length - 1]?.body.threadId ?? 1;
  }

  next(granularity?: DebugProtocol.SteppingGranularity): Promise<Stopped> {
    return this.move(() => this.dc.nextRequest({ threadId: this.thread, granularity }));
  }
  stepIn(): Promise<Stopped> {
    return this.move(() => this.dc.stepInRequest({ threadId: 1 }));
  }
  stepOut(): Promise<Stopped> {
    return this.move(() => this.dc.stepOutRequest({ threadId: 1 }));
  }
  stepBack(granularity?: DebugProtocol.SteppingGranularity): Promise<Stopped> {
    return this.move(() => this.dc.stepBackRequest({ threadId: this.thread, granularity }));
  }
  cont(): Promise<Stopped> {
    return this.move(() => this.dc.continueRequest({ threadId: 1 }));
  }
  reverse(): Promise<Stopped> {
    return this.move(() => this.dc.reverseContinueRequest({ threadId: 1 }));
  }
  seek(position: number): Promise<Stopped> {
    return this.move(() => this.dc.customRequest('iomachine/seek', { position }));
  }

  /** The current trace position, as the adapter's state request reports it. */
  async state(): Promise<MachineState> {
    const r = await this.dc.customRequest(STATE_REQUEST);
    return r.body as MachineState;
  }

  async position(): Promise<number> {
    return (await this.state()).position;
  }

  async frames(threadId = 1): Promise<DebugProtocol.StackFrame[]> {
    return (await this.dc.stackTraceRequest({ threadId })).body.stackFrames;
  }

  async scopes(): Promise<DebugProtocol.Scope[]> {
    const frames = await this.frames();
    return (await this.dc.scopesRequest({ frameId: frames[0].id })).body.scopes;
  }

  async variables(ref: number): Promise<DebugProtocol.Variable[]> {
    return (await this.dc.variablesRequest({ variablesReference: ref })).body.variables;
  }

  /** One scope's variables by name. */
  async scope(name: string): Promise<Map<string, DebugProtocol.Variable>> {
    const sc = (await this.scopes()).find((x) => x.name === name);
    if (!sc) throw new Error(`no scope ${name}`);
    return new Map((await this.variables(sc.variablesReference)).map((v) => [v.name, v]));
  }

  /** Every scope with its variables, children expanded (depth 3), as plain data to compare. */
  async snapshot(): Promise<VarTree> {
    const out: VarTree = {};
    for (const sc of await this.scopes()) out[sc.name] = await this.tree(sc.variablesReference, 3);
    return out;
  }

  private async tree(ref: number, depth: number): Promise<VarTree> {
    const out: VarTree = {};
    for (const v of await this.variables(ref)) {
      out[v.name] = v.value;
      if (v.variablesReference > 0 && depth > 0) out[`${v.name}/`] = await this.tree(v.variablesReference, depth - 1);
    }
    return out;
  }

  async evaluate(expression: string, context: 'repl' | 'hover' | 'watch' = 'repl'): Promise<string> {
    const frames = await this.frames();
    return (await this.dc.evaluateRequest({ expression, context, frameId: frames[0]?.id })).body.result;
  }

  /** The text of output events (joined), optionally from index `from` and of one category. */
  output(category?: string, from = 0): string {
    return this.outputs.slice(from).filter((o) => !category || o.body.category === category).map((o) => o.body.output).join('');
  }

  /** Disconnects (the adapter answers, then exits by itself) and makes sure the process is gone. */
  async close(): Promise<void> {
    try {
      await Promise.race([this.dc.disconnectRequest({}), new Promise((r) => setTimeout(r, 2000))]);
    } catch {
      // The adapter may already be gone.
    }
    kill(this.dc);
  }
}

/**
 * Ends the adapter process. DebugClient.stop() sends another disconnect first and waits for its answer forever
 * when the adapter has already exited, so tests end it directly.
 */
export function kill(dc: DebugClient): void {
  (dc as unknown as { stopAdapter(): void }).stopAdapter();
}

/** The adapter child process DebugClient spawned (null once stopped). */
export function adapterProcess(dc: DebugClient): import('node:child_process').ChildProcess | null {
  return (dc as unknown as { _adapterProcess: import('node:child_process').ChildProcess | null })._adapterProcess;
}

/** Resolves with the error response of a request expected to fail. */
export async function failure(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('the request succeeded but was expected to fail');
}

/** Continues until the program ends; returns every stop on the way (the final 'end' stop included). */
export async function runToEnd(s: Session, limit = 200): Promise<Stopped[]> {
  const stops: Stopped[] = [];
  for (let i = 0; i < limit; i++) {
    const ev = await s.cont();
    stops.push(ev);
    if (ev.body.reason === 'end') return stops;
  }
  throw new Error(`no end after ${limit} stops`);
}

/** Reverse-continues until the start; returns every stop on the way (the final 'entry' stop included). */
export async function reverseToStart(s: Session, limit = 200): Promise<Stopped[]> {
  const stops: Stopped[] = [];
  for (let i = 0; i < limit; i++) {
    const ev = await s.reverse();
    stops.push(ev);
    if (ev.body.reason === 'entry') return stops;
  }
  throw new Error(`no start after ${limit} stops`);
}

/** The position a stopped event's description carries (`position #N`). */
export function positionOf(ev: Stopped): number {
  const m = /position #(-?\d+)/.exec(ev.body.description ?? '');
  if (!m) throw new Error(`no position in '${ev.body.description}'`);
  return Number(m[1]);
}
