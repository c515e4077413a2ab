/**
 * The DAP fuzzer's requests: each step is drawn from what the session has answered so far (threads, frames,
 * variable references, goto targets, data ids), so valid flows go deep, and from the hostile side of every request.
 */
import * as path from 'node:path';
import { ROOT } from './dapClient';
import {
  anyValue, COMPARE_SIZES, CONDITIONS, Corpus, EXPRESSIONS, FILTERS, HIT_CONDITIONS, HOSTILE_STRINGS, LOG_MESSAGES, MACHINES,
  malformedFrame, Program, RAW_SEQ, Rng, UNSUPPORTED,
} from './corpus';

export type Step =
  | { kind: 'request'; command: string; args?: unknown; async?: boolean }
  | { kind: 'raw'; bytes: string }
  | { kind: 'fire'; command: string; args: unknown; seq: unknown }
  | { kind: 'sleep'; ms: number }
  | { kind: 'waitStop' }
  | { kind: 'waitEvent'; event: string; ms: number }
  | { kind: 'drain' };

export interface Knowledge {
  initialized: boolean;
  launched: boolean;
  stopped: boolean;
  program: Program | null;
  threads: number[];
  frames: number[];
  sources: number[];
  refs: number[];
  memory: string[];
  dataIds: string[];
  targets: number[];
  sysctlRef: number;
  fileIds: number[];
}

const req = (command: string, args?: unknown, async = false): Step => ({ kind: 'request', command, args, async });

/** A launch as a client does it: launch, breakpoints once initialized, configurationDone, the first stop. */
export function launchSteps(r: Rng, c: Corpus, k: Knowledge): Step[] {
  const roll = r.next();
  const prog = roll < 0.9 ? r.pick(c.programs) : roll < 0.93 ? r.pick(c.long) : null;
  const args: Record<string, unknown> = { program: prog ? prog.path : r.pick(c.refused) };
  if (prog && r.chance(0.1)) {
    // The same program by a path relative to the launch's cwd.
    args.cwd = c.cwd;
    args.program = path.relative(c.cwd, prog.path);
  }
  if (r.chance(0.7)) args.stopOnEntry = r.chance(0.75);
  if (r.chance(0.15)) args.machine = r.pick(MACHINES);
  if (r.chance(0.08)) args.checkpointEvery = r.pick([100, 1000, 50_000, '50', 2.5, -1, 0, 1e12]);
  if (r.chance(0.04)) args.noDebug = true;
  // A trace of millions of events takes long to write by nature: the long programs are not given one.
  if (r.chance(0.04) && !prog?.long) args.trace = r.pick([path.join(c.tmp, `trace-${r.int(0, 9)}.json`), c.tmp, '/nonexistent/dir/t.json']);
  if (r.chance(0.03)) args.cwd = r.pick(['/nonexistent', c.cwd, 5]);
  if (r.chance(0.05)) args.stateEvents = r.pick([true, false, 'yes']);
  k.program = prog;
  k.stopped = false;
  const command = k.launched && r.chance(0.2) ? 'restart' : 'launch';
  const steps: Step[] = [];
  if (command === 'restart') steps.push(req('restart', r.chance(0.8) ? { arguments: args } : {}));
  else {
    steps.push(req('launch', args, true), { kind: 'waitEvent', event: 'initialized', ms: 2000 });
    for (let i = r.int(0, 3); i > 0; i--) steps.push(...breakpointSteps(r, k));
    steps.push(req('configurationDone', r.chance(0.9) ? {} : undefined), { kind: 'drain' });
  }
  steps.push({ kind: 'waitStop' });
  return steps;
}

function thread(r: Rng, k: Knowledge): number {
  return r.chance(0.9) ? r.pick(k.threads.length ? k.threads : [1]) : r.pick([1, 1000, 2, 0, 99, 2 ** 31 - 1]);
}

function frame(r: Rng, k: Knowledge): number {
  return k.frames.length && r.chance(0.9) ? r.pick(k.frames) : r.pick([100, 0, 101, 100000, 2 ** 31 - 1]);
}

function ref(r: Rng, k: Knowledge): number {
  return k.refs.length && r.chance(0.85) ? r.pick(k.refs) : r.pick([0, 1, 2, 999, 2 ** 31 - 1]);
}

function file(r: Rng, k: Knowledge): string {
  const files = k.program?.files ?? [];
  return files.length && r.chance(0.85) ? r.pick(files) : r.pick(['/srv/index.html', '/nope', '', '/data/a']);
}

function sourcePath(r: Rng, k: Knowledge): string {
  const p = k.program?.path ?? path.join(ROOT, 'examples/sendfile.iosim');
  return r.weighted<string>([[7, p], [1, path.basename(p)], [1, 'examples/read-write.iosim'], [1, '/nope.iosim'], [1, '']]);
}

function breakpointSteps(r: Rng, k: Knowledge): Step[] {
  const opts = () => {
    const o: Record<string, unknown> = {};
    if (r.chance(0.25)) o.condition = r.pick(CONDITIONS);
    if (r.chance(0.15)) o.hitCondition = r.pick(HIT_CONDITIONS);
    if (r.chance(0.1)) o.logMessage = r.pick(LOG_MESSAGES);
    return o;
  };
  const lines = k.program?.lines ?? 30;
  switch (r.int(0, 3)) {
    case 0:
      return [req('setBreakpoints', {
        source: { path: sourcePath(r, k) },
        breakpoints: Array.from({ length: r.int(0, 5) }, () => ({ line: r.chance(0.9) ? r.int(1, lines + 3) : r.pick([0, -4, 2 ** 31 - 1]), ...opts() })),
      })];
    case 1:
      return [req('setFunctionBreakpoints', { breakpoints: Array.from({ length: r.int(0, 3) }, () => ({ name: r.pick(k.program?.calls ?? ['read']), ...opts() })) })];
    case 2: {
      const filters = FILTERS.filter(() => r.chance(0.3));
      const args: Record<string, unknown> = { filters };
      if (r.chance(0.4)) args.filterOptions = [{ filterId: r.pick(FILTERS), condition: r.pick(CONDITIONS) }];
      return [req('setExceptionBreakpoints', args)];
    }
    default: {
      const ids = [...k.dataIds, `page:${file(r, k)}:${r.int(0, 8)}`, `buffer:${r.int(0, 3)}`, 'nonsense'];
      return [req('setDataBreakpoints', { breakpoints: ids.filter(() => r.chance(0.4)).map((dataId) => ({ dataId, accessType: 'write', ...opts() })) })];
    }
  }
}

/** Well-formed arguments for a request, from what the session knows. */
function validArgs(command: string, r: Rng, k: Knowledge): unknown {
  switch (command) {
    case 'threads': return undefined;
    case 'stackTrace': return { threadId: thread(r, k), ...(r.chance(0.3) ? { startFrame: r.int(0, 3), levels: r.int(0, 5) } : {}) };
    case 'scopes': return { frameId: frame(r, k) };
    case 'variables': return { variablesReference: ref(r, k), ...(r.chance(0.2) ? { start: r.int(0, 20), count: r.int(0, 50) } : {}) };
    case 'evaluate': return { expression: r.chance(0.9) ? r.pick(EXPRESSIONS) : r.pick(HOSTILE_STRINGS), context: r.pick(['repl', 'hover', 'watch', 'clipboard', 'variables', undefined]), frameId: frame(r, k) };
    case 'completions': {
      const text = r.pick(['me', 'vmtouch ', 'page /s', 'r', '', 'why /srv/index.html ', 'vm.', 'x'.repeat(200)]);
      return { text, column: r.chance(0.9) ? text.length + 1 : r.pick([0, 1, 500]) };
    }
    case 'source': return { sourceReference: k.sources.length && r.chance(0.8) ? r.pick(k.sources) : r.pick([0, 1, 999]) };
    case 'readMemory': return { memoryReference: k.memory.length && r.chance(0.8) ? r.pick(k.memory) : r.pick(['buffer:1', 'file:0', 'nothing:1', '']), offset: r.pick([0, 0, 16, -16, 4096, 2 ** 40]), count: r.pick([16, 4096, 0, 1 << 21, 2 ** 40]) };
    case 'exceptionInfo': return { threadId: thread(r, k) };
    case 'dataBreakpointInfo': return { name: r.pick(['[0]', '[3]', 'buffer 1', `page:${file(r, k)}:0`, 'rax', '']), variablesReference: r.chance(0.7) ? ref(r, k) : undefined };
    case 'gotoTargets': return { source: { path: sourcePath(r, k) }, line: r.int(0, (k.program?.lines ?? 30) + 2) };
    case 'goto': return { threadId: thread(r, k), targetId: k.targets.length && r.chance(0.8) ? r.pick(k.targets) : r.pick([1, 3, 0, -5, 2 ** 31 - 1]) };
    case 'setVariable': return { variablesReference: k.sysctlRef && r.chance(0.7) ? k.sysctlRef : ref(r, k), name: r.pick(['vm.dirty_ratio', 'vm.dirty_background_ratio', 'vm.dirty_expire_centisecs', 'rax', 'vm.nope']), value: r.pick(['5', '40', '0', '-1', 'lots', '1e9', '']) };
    case 'iomachine/state': return undefined;
    case 'iomachine/seek': return { position: r.pick([-5, -1, 0, 3, 10, 40, 1000, 1e12, 1.5, -1e12, r.int(0, 200)]) };
    case 'iomachine/why': return { fileId: k.fileIds.length && r.chance(0.8) ? r.pick(k.fileIds) : r.int(-1, 5), index: r.int(-1, 8) };
    case 'iomachine/compare': return { size: r.pick(COMPARE_SIZES), disk: r.pick(['nvme', 'ssd', 'hdd', 'floppy', undefined]), warm: r.chance(0.5) };
    case 'iomachine/export': return { path: r.pick(['export.json', '/nonexistent/x.json', ROOT, 'no-such-dir/export.json']) };
    case 'pause': return { threadId: thread(r, k) };
    case 'next': case 'stepIn': case 'stepOut': case 'stepBack': case 'continue': case 'reverseContinue':
      return { threadId: thread(r, k), ...(r.chance(0.2) ? { granularity: r.pick(['statement', 'line', 'instruction']) } : {}) };
  }
  return {};
}

const INSPECT = ['threads', 'stackTrace', 'scopes', 'variables', 'variables', 'evaluate', 'evaluate', 'completions', 'source', 'readMemory', 'exceptionInfo',
  'dataBreakpointInfo', 'gotoTargets', 'iomachine/state', 'iomachine/why'];
const MOVE = ['next', 'next', 'stepIn', 'stepOut', 'stepBack', 'stepBack', 'continue', 'reverseContinue'];

/** Arguments a broken client might send instead: a key dropped, a value of another type, no object at all. */
function mutate(args: unknown, r: Rng): unknown {
  if (!args || typeof args !== 'object' || r.chance(0.12)) return anyValue(r);
  const a = JSON.parse(JSON.stringify(args)) as Record<string, unknown>;
  const keys = Object.keys(a);
  const which = r.int(0, 3);
  if (which === 0 && keys.length) delete a[r.pick(keys)];
  else if (which === 1 && keys.length) a[r.pick(keys)] = anyValue(r);
  else if (which === 2) {
    const arr = keys.map((key) => a[key]).find((v) => Array.isArray(v) && v.length && typeof v[0] === 'object') as Record<string, unknown>[] | undefined;
    if (arr) {
      const item = arr[r.int(0, arr.length - 1)];
      const ks = Object.keys(item ?? {});
      if (item && ks.length) item[r.pick(ks)] = anyValue(r);
    } else if (keys.length) a[r.pick(keys)] = anyValue(r);
  } else a[r.pick(['__proto__', 'extra', 'threadId', 'arguments'])] = anyValue(r);
  return a;
}

/** The next group of steps. */
export function nextStep(r: Rng, c: Corpus, k: Knowledge, longSession: boolean): Step[] {
  const kind = r.weighted<string>([
    [22, 'move'], [25, 'inspect'], [8, 'breakpoints'], [4, 'goto'], [4, 'custom'], [12, 'hostile'], [4, 'refused'], [4, 'malformed'],
    [2, 'fire'], [3, 'burst'], [3, 'poke'], [5, 'lifecycle'],
  ]);
  switch (kind) {
    case 'move': {
      const m = r.pick(MOVE);
      return [req(m, validArgs(m, r, k)), { kind: 'waitStop' }];
    }
    case 'inspect': {
      const m = r.pick(INSPECT);
      return [req(m, validArgs(m, r, k))];
    }
    case 'breakpoints':
      return breakpointSteps(r, k);
    case 'goto':
      return r.chance(0.5) ? [req('gotoTargets', validArgs('gotoTargets', r, k))] : [req(r.pick(['goto', 'iomachine/seek']), validArgs(r.pick(['goto', 'iomachine/seek']), r, k)), { kind: 'waitStop' }];
    case 'custom': {
      const m = r.pick(['iomachine/compare', 'iomachine/seek', 'setVariable', 'iomachine/state', ...(k.program?.long ? [] : ['iomachine/export'])]);
      return [req(m, validArgs(m, r, k)), { kind: 'waitStop' }];
    }
    case 'hostile': {
      const m = r.pick([...INSPECT, ...MOVE, 'setBreakpoints', 'setFunctionBreakpoints', 'setExceptionBreakpoints', 'setDataBreakpoints', 'launch', 'restart',
        'goto', 'iomachine/seek', 'iomachine/compare', 'setVariable', 'initialize', 'pause', 'disconnect', 'terminate',
        // Exporting a long trace takes long by nature (JSON of millions of events): left to the short programs.
        ...(k.program?.long ? [] : ['iomachine/export'])]);
      const base = m.startsWith('set') && m.endsWith('Breakpoints') ? (breakpointSteps(r, k)[0] as { args: unknown }).args
        : m === 'launch' || m === 'restart' ? { program: k.program?.path ?? path.join(ROOT, 'examples/sendfile.iosim') } : validArgs(m, r, k);
      const command = m === 'disconnect' && (longSession || r.chance(0.7)) ? 'terminate' : m;
      return [req(command, mutate(base, r)), { kind: 'waitStop' }];
    }
    case 'refused':
      return [req(r.pick(UNSUPPORTED), r.chance(0.7) ? {} : anyValue(r))];
    case 'malformed':
      return [{ kind: 'raw', bytes: malformedFrame(r) }];
    case 'fire':
      return [{ kind: 'fire', command: r.pick(['threads', 'evaluate', 'next']), args: { threadId: 1, expression: 'rax' }, seq: r.pick([0, -1, 'x', null, 1.5, 2 ** 40, RAW_SEQ + 1]) }];
    case 'burst': {
      const steps: Step[] = [];
      for (let i = r.int(3, 8); i > 0; i--) {
        const m = r.pick([...INSPECT, ...MOVE]);
        steps.push(req(m, validArgs(m, r, k), true));
      }
      return [...steps, { kind: 'drain' }, { kind: 'waitStop' }];
    }
    case 'poke': {
      const steps: Step[] = [req('continue', { threadId: 1 }, true)];
      for (let i = r.int(1, 4); i > 0; i--) {
        const m = r.pick([...INSPECT, 'pause', 'next', 'setBreakpoints', 'iomachine/seek', 'launch']);
        steps.push(m === 'launch' ? req('launch', { program: r.pick(c.programs).path, stopOnEntry: r.chance(0.5) }, true) : req(m, validArgs(m, r, k), true));
      }
      if (r.chance(0.7)) steps.push(req('pause', { threadId: 1 }, true));
      return [...steps, { kind: 'drain' }, { kind: 'waitStop' }];
    }
    default: {
      const what = r.weighted<string>([[4, 'restart'], [3, 'terminate'], [4, 'launch'], [longSession ? 0 : 1, 'disconnect']]);
      if (what === 'launch') return launchSteps(r, c, k);
      if (what === 'restart') return [req('restart', r.chance(0.5) ? {} : { arguments: { program: r.pick(c.programs).path, stopOnEntry: r.chance(0.6) } }), { kind: 'waitStop' }];
      return [req(what, r.chance(0.8) ? {} : { restart: r.chance(0.5), terminateDebuggee: true })];
    }
  }
}
