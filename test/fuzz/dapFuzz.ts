/**
 * A seeded fuzzer for the standalone debug adapter. Each sequence mixes what a real client does (launch a program,
 * set breakpoints of every kind, step both ways, inspect, ask the extension's requests) with what a broken or
 * hostile one might (requests in the wrong state, ill-typed, huge, negative and hostile arguments, unsupported and
 * unknown commands, bursts, requests while a run goes on, malformed frames). One adapter process serves sequences
 * until a sequence disconnects it (or, in a long session, for the whole campaign). A finding is any exit, hang
 * (no response, or a move that never stops), internal error or stack trace shown to the client, error response
 * without a message, or message that does not fit the DAP schema.
 */
import { checkMessage } from '../../src/debug/protocol/validate';
import { Answer, DapProcess, hasStackTrace, Message } from './dapClient';
import { Corpus, Rng } from './corpus';
import { Knowledge, launchSteps, nextStep, Step } from './generate';

export type FindingKind = 'exit' | 'hang' | 'internal' | 'emptyMessage' | 'wrongShape';
export const KINDS: readonly FindingKind[] = ['exit', 'hang', 'internal', 'emptyMessage', 'wrongShape'];

export interface Finding {
  kind: FindingKind;
  sequence: number;
  detail: string;
  /** The sequence's steps up to the finding (to reproduce it). */
  steps: string[];
}

export interface CampaignOptions {
  seed: number;
  sequences: number;
  /** How long a response (or a move's stop) may take. */
  timeoutMs: number;
  /** One process for the whole campaign (disconnect becomes terminate); memory is sampled. */
  longSession?: boolean;
  /** Sample the adapter's memory every this many sequences. */
  sampleEvery?: number;
  log?: (line: string) => void;
}

export interface CampaignResult {
  sequences: number;
  requests: number;
  processes: number;
  counts: Record<FindingKind, number>;
  findings: Finding[];
  /** [sequence, RSS KiB] samples of the long session. */
  rss: [number, number][];
  ms: number;
}

const MOVES = new Set(['next', 'stepIn', 'stepOut', 'stepBack', 'continue', 'reverseContinue', 'goto', 'iomachine/seek', 'launch', 'restart']);

export async function campaign(corpus: Corpus, o: CampaignOptions): Promise<CampaignResult> {
  const f = new Fuzzer(corpus, o);
  return f.run();
}

class Fuzzer {
  private dap: DapProcess | null = null;
  private know: Knowledge = freshKnowledge();
  private readonly result: CampaignResult;
  private seqIndex = 0;
  private steps: string[] = [];
  /** A move (or launch) succeeded and its stopped/terminated event has not come yet. */
  private awaitingStop = false;
  private disconnecting = false;
  private pendingAsync: { command: string; p: Promise<Answer> }[] = [];

  constructor(private readonly corpus: Corpus, private readonly o: CampaignOptions) {
    const counts = Object.fromEntries(KINDS.map((k) => [k, 0])) as Record<FindingKind, number>;
    this.result = { sequences: 0, requests: 0, processes: 0, counts, findings: [], rss: [], ms: 0 };
  }

  async run(): Promise<CampaignResult> {
    const t0 = Date.now();
    try {
      for (this.seqIndex = 0; this.seqIndex < this.o.sequences; this.seqIndex++) {
        const rng = new Rng((this.o.seed * 1_000_003 + this.seqIndex) >>> 0);
        await this.sequence(rng);
        this.result.sequences++;
        const every = this.o.sampleEvery ?? 0;
        if (every && this.dap && (this.seqIndex + 1) % every === 0) this.result.rss.push([this.seqIndex + 1, this.dap.memory().rss]);
        if ((this.seqIndex + 1) % 500 === 0) {
          this.o.log?.(`${this.seqIndex + 1} sequences, ${this.result.requests} requests, ${this.result.processes} processes, findings ${JSON.stringify(this.result.counts)}`);
        }
      }
    } finally {
      await this.dap?.close();
    }
    this.result.ms = Date.now() - t0;
    return this.result;
  }

  private find(kind: FindingKind, detail: string): void {
    this.result.counts[kind]++;
    if (this.result.findings.length < 200) this.result.findings.push({ kind, sequence: this.seqIndex, detail, steps: [...this.steps] });
    this.o.log?.(`FINDING ${kind} in sequence ${this.seqIndex}: ${detail}\n  last steps:\n    ${this.steps.slice(-12).join('\n    ')}`);
  }

  private async process(): Promise<DapProcess> {
    if (this.dap?.alive) return this.dap;
    if (this.dap && !this.disconnecting) this.find('exit', `the adapter exited (${JSON.stringify(this.dap.exit)}): ${this.dap.stderr.slice(-600)}`);
    // In a scratch directory: a hostile relative path (an export to 'abc') lands there, not in the project.
    const dap = new DapProcess(this.corpus.cwd);
    this.result.processes++;
    dap.onMessage = (m) => this.judge(m);
    this.dap = dap;
    this.know = freshKnowledge();
    this.awaitingStop = false;
    this.disconnecting = false;
    return dap;
  }

  /** Every message the adapter writes is checked, whichever request it answers. */
  private judge(m: Message): void {
    // In the order the adapter wrote them: a move's response comes before its stop.
    if (m.type === 'response' && m.success && MOVES.has(m.command ?? '')) this.awaitingStop = true;
    if (m.type === 'response' && m.success && (m.command === 'terminate' || m.command === 'disconnect')) this.awaitingStop = false;
    if (m.type === 'event' && (m.event === 'stopped' || m.event === 'terminated')) {
      this.awaitingStop = false;
      if (m.event === 'stopped') this.know.stopped = true;
    }
    const shape = checkMessage(m);
    if (shape) this.find('wrongShape', `${m.type} ${m.command ?? m.event}: ${shape}`);
    if (m.type === 'response' && m.success === false) {
      if (!m.message?.trim()) this.find('emptyMessage', `${m.command}: ${JSON.stringify(m).slice(0, 300)}`);
      if (/internal error/i.test(m.message ?? '')) this.find('internal', `${m.command}: ${m.message}`);
    }
    const texts = [m.message ?? '', m.type === 'event' && m.event === 'output' ? String(m.body?.output ?? '') : ''];
    if (texts.some(hasStackTrace)) this.find('internal', `stack trace shown to the client in ${m.command ?? m.event}: ${texts.join(' ').slice(0, 400)}`);
  }

  private async sequence(rng: Rng): Promise<void> {
    this.steps = [];
    const dap = await this.process();
    if (!this.know.initialized || rng.chance(0.05)) await this.exec(rng, { kind: 'request', command: 'initialize', args: { adapterID: 'iomachine', pathFormat: rng.chance(0.9) ? 'path' : undefined, linesStartAt1: true } });
    if (!this.know.launched && rng.chance(0.8)) for (const s of launchSteps(rng, this.corpus, this.know)) await this.exec(rng, s);
    const n = rng.int(4, 30);
    for (let i = 0; i < n && dap.alive && !this.disconnecting; i++) {
      for (const s of nextStep(rng, this.corpus, this.know, !!this.o.longSession)) {
        const t = Date.now();
        await this.exec(rng, s);
        if (process.env.FUZZ_SLOW && Date.now() - t > Number(process.env.FUZZ_SLOW)) this.o.log?.(`slow ${Date.now() - t} ms: ${JSON.stringify(s).slice(0, 200)} (program ${this.know.program?.path})`);
      }
    }
    await this.drain();
    await this.awaitStop();
    if (this.disconnecting && this.dap) {
      // The adapter exits shortly after answering disconnect.
      await new Promise((r) => setTimeout(r, 50));
      if (this.dap.alive) await this.dap.close();
    }
  }

  /**
   * Waits for the stop of a move that was answered. A run may legitimately take long (a log replayed to its end):
   * after half the timeout it is paused, as a person would; a move that does not stop even then hangs.
   */
  private async awaitStop(): Promise<void> {
    const dap = this.dap;
    if (!this.awaitingStop || !dap?.alive || this.disconnecting) return;
    const isStop = (m: Message) => m.type === 'event' && (m.event === 'stopped' || m.event === 'terminated');
    if (await dap.wait(isStop, this.o.timeoutMs / 2)) return;
    if (!this.awaitingStop || !dap.alive) return;
    this.steps.push('(waited long for a stop: pause)');
    const stop = dap.wait(isStop, this.o.timeoutMs);
    this.answered('pause', await dap.request('pause', { threadId: 1 }, this.o.timeoutMs));
    if (!(await stop) && this.awaitingStop && dap.alive) this.hang(`a move was answered but did not stop, even when paused, in ${(this.o.timeoutMs * 1.5) / 1000} s`);
  }

  private hang(detail: string): void {
    this.find('hang', detail);
    // Whatever it is doing, the next sequence gets a fresh adapter.
    void this.dap?.close();
    this.disconnecting = true;
  }

  private async drain(): Promise<void> {
    const all = this.pendingAsync.splice(0);
    for (const a of all) this.answered(a.command, await a.p);
  }

  private answered(command: string, r: Answer): void {
    if (r === 'timeout') this.hang(`no response to ${command} in ${this.o.timeoutMs} ms`);
    else if (r === 'exited') {
      if (command !== 'disconnect' && !this.disconnecting) this.find('exit', `the adapter exited during ${command}: ${this.dap?.stderr.slice(-600)}`);
    } else {
      if (r.command !== command && command !== '') this.find('wrongShape', `response to '${command}' says command '${r.command}'`);
      learn(this.know, command, r);
    }
  }

  private async exec(rng: Rng, s: Step): Promise<void> {
    const dap = this.dap;
    if (!dap?.alive) return;
    this.steps.push(JSON.stringify(s).slice(0, 400));
    switch (s.kind) {
      case 'raw':
        dap.raw(s.bytes);
        return;
      case 'fire':
        this.result.requests++;
        dap.fire(s.command, s.args, s.seq);
        return;
      case 'sleep':
        await new Promise((r) => setTimeout(r, s.ms));
        return;
      case 'waitStop':
        await this.awaitStop();
        return;
      case 'drain':
        await this.drain();
        return;
      case 'waitEvent':
        // A launch that fails sends no initialized event: its answer ends the wait.
        await dap.wait((m) => (m.type === 'event' && m.event === s.event) || (m.type === 'response' && m.command === 'launch' && !m.success), s.ms);
        return;
      case 'request': {
        this.result.requests++;
        if (s.command === 'disconnect') {
          if (this.o.longSession) return this.exec(rng, { ...s, command: 'terminate' });
          this.disconnecting = true;
        }
        if (s.command === 'launch' || s.command === 'restart') this.know.launched = false;
        const p = dap.request(s.command, s.args, this.o.timeoutMs);
        if (s.async) {
          this.pendingAsync.push({ command: s.command, p });
          return;
        }
        this.answered(s.command, await p);
      }
    }
  }
}

function freshKnowledge(): Knowledge {
  return {
    initialized: false, launched: false, stopped: false, program: null, threads: [1], frames: [], sources: [], refs: [], memory: [], dataIds: [],
    targets: [], sysctlRef: 0, fileIds: [],
  };
}

/** What a response tells the generator about the session, for the requests that follow. */
function learn(k: Knowledge, command: string, r: Message): void {
  if (command === 'initialize' && r.success) k.initialized = true;
  if (!r.success || !r.body) return;
  const b = r.body as Record<string, unknown>;
  const list = <T>(v: unknown): T[] => (Array.isArray(v) ? (v as T[]) : []);
  const cap = <T>(arr: T[], n = 40) => arr.slice(-n);
  switch (command) {
    case 'launch': case 'restart':
      k.launched = true;
      break;
    case 'threads':
      k.threads = list<{ id: number }>(b.threads).map((t) => t.id);
      break;
    case 'stackTrace':
      k.frames = list<{ id: number; source?: { sourceReference?: number } }>(b.stackFrames).map((f) => f.id);
      k.sources = cap([...k.sources, ...list<{ source?: { sourceReference?: number } }>(b.stackFrames).map((f) => f.source?.sourceReference ?? 0).filter((x) => x > 0)]);
      break;
    case 'scopes':
      for (const sc of list<{ name: string; variablesReference: number }>(b.scopes)) {
        k.refs = cap([...k.refs, sc.variablesReference]);
        if (sc.name === 'sysctl') k.sysctlRef = sc.variablesReference;
      }
      break;
    case 'variables':
      for (const v of list<{ name: string; variablesReference: number; memoryReference?: string }>(b.variables)) {
        if (v.variablesReference > 0) k.refs = cap([...k.refs, v.variablesReference]);
        if (v.memoryReference) k.memory = cap([...k.memory, v.memoryReference], 20);
      }
      break;
    case 'dataBreakpointInfo':
      if (typeof b.dataId === 'string') k.dataIds = cap([...k.dataIds, b.dataId], 10);
      break;
    case 'gotoTargets':
      k.targets = list<{ id: number }>(b.targets).map((t) => t.id).slice(0, 20);
      break;
    case 'iomachine/state': {
      const files = ((b.pageCache as { files?: { fileId: number }[] } | undefined)?.files ?? []).map((f) => f.fileId);
      if (files.length) k.fileIds = files.slice(0, 10);
      break;
    }
  }
}
