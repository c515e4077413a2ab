/**
 * The input fuzzer (issues 14 and 16): mutated scenarios and strace logs (mutate.ts) from examples/,
 * test/debug/fixtures/, test/fixtures/strace/, test/fixtures/realworld/ and test/fixtures/reliability/ (copies of
 * ../shared/cases/reliability), plus what is not a regular file at all (a FIFO, /dev/zero, a directory), through
 * `iosim run --json`, `iosim run`, `iosim export -o`, for a log `iosim advise --json`, and (every n-th) the standalone adapter (launch, run to the end,
 * disconnect). Each CLI run is measured by /usr/bin/time. A finding is any of:
 *
 * - crash: an exit status other than 0 or 1 (an abort, a signal), or the adapter exiting before disconnect;
 * - hang: no end within the timeout (10 s), or an adapter request or run without an answer;
 * - memory: a CLI run whose peak resident set passed the bound (MEMORY_BOUND_KB, 1 GiB; an input is at most 8 MB);
 * - invalidJson, nullNumber: `--json` or an exported trace that does not parse, or null/NaN where a number belongs
 *   (errno may be null, and the result of a call shown only whose log gave none the model holds);
 * - stackTrace: a Node stack trace on stderr or in the adapter's output, or an `internal error` response;
 * - rawControl: a control character (C0 but the line break, DEL, C1), bidi control or separator printed raw;
 * - badStderr: a stderr line that is neither a `path:line:col: error|warning:` diagnostic nor an `iosim:` message;
 * - mismatch: `run`, `run --json` and `export` ending with different statuses;
 * - undiagnosed: a line the input is known to have made bad (mutate.ts's oracle) without a diagnostic naming it.
 */
import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { constants as osConstants, tmpdir } from 'node:os';
import * as path from 'node:path';
import { Rng } from './corpus';
import { DapProcess, hasStackTrace, Message, ROOT } from './dapClient';
import { mutate } from './mutate';

export type InputFindingKind = 'crash' | 'hang' | 'memory' | 'invalidJson' | 'nullNumber' | 'stackTrace' | 'rawControl' | 'badStderr' | 'mismatch' | 'undiagnosed';
export const INPUT_KINDS: readonly InputFindingKind[] = ['crash', 'hang', 'memory', 'invalidJson', 'nullNumber', 'stackTrace', 'rawControl', 'badStderr', 'mismatch', 'undiagnosed'];

export interface InputFinding {
  kind: InputFindingKind;
  input: number;
  /** The corpus file it was made from, and how. */
  source: string;
  mutations: string[];
  /** Which run found it: json, text, export, advise or adapter. */
  via: string;
  detail: string;
  /** Where the input was saved (when the campaign saves them). */
  saved?: string;
}

export interface InputCampaignOptions {
  seed: number;
  inputs: number;
  timeoutMs: number;
  /** Every n-th input also goes through the adapter (1: all of them; 0: none). */
  adapterEvery: number;
  /** Inputs handled at once. */
  jobs: number;
  /** Where the inputs of findings are saved; none when absent. */
  saveDir?: string;
  log?: (line: string) => void;
}

export interface InputCampaignResult {
  inputs: number;
  cliRuns: number;
  adapterRuns: number;
  /** Inputs by how `run --json` ended: 0, 1, other. */
  exits: Record<string, number>;
  /** Inputs that were not regular files, and inputs with a line the reader had to name. */
  nonRegular: number;
  oracles: number;
  /** The largest peak resident set of a CLI run (KiB), and the run it was. */
  maxRssKb: number;
  maxRssAt: string;
  counts: Record<InputFindingKind, number>;
  findings: InputFinding[];
  ms: number;
}

/** The CLI under test; FUZZ_CLI points the fuzzer at another build (an older one, to see what it finds). */
const CLI = process.env.FUZZ_CLI ?? path.join(ROOT, 'dist/cli.js');
/** What may not be printed raw (the line break may). */
const RAW = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/;
/** How much of a run's output is kept to judge it (a line duplicated a thousand times prints a lot). */
const MAX_OUTPUT = 32 << 20;
const DIAGNOSTIC = /^.*:\d+:\d+: (error|warning): /;
/** The most a CLI run may hold (peak RSS, KiB): `run` streams, `export` keeps the events of at most 8 MB of input. */
export const MEMORY_BOUND_KB = 1 << 20;
/** An exported trace larger than this is judged by its ends only (parsing it would cost the fuzzer that memory). */
const MAX_PARSED_EXPORT = 64 << 20;

/** The corpus: every example and fixture a person or a test runs (long.iosim is a two-million-step run on purpose). */
export function inputSources(): string[] {
  const list = (dir: string, ext: string) => readdirSync(path.join(ROOT, dir)).filter((f) => f.endsWith(ext)).sort().map((f) => `${dir}/${f}`);
  return [
    ...list('examples', '.iosim'),
    ...list('test/debug/fixtures', '.iosim').filter((p) => !p.endsWith('long.iosim')),
    ...list('test/fixtures/strace', '.strace'),
    ...list('test/fixtures/realworld', '.strace'),
    ...list('test/fixtures/reliability', '.strace'),
    ...list('test/fixtures/reliability', '.iosim'),
  ];
}

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  err: string;
  timedOut: boolean;
  truncated: boolean;
  /** Peak resident set (KiB), as /usr/bin/time reports it; 0 when unknown (killed at the timeout). */
  rssKb: number;
}

function signalName(n: number): NodeJS.Signals {
  const entry = Object.entries(osConstants.signals).find(([, v]) => v === n);
  return (entry?.[0] ?? 'SIGKILL') as NodeJS.Signals;
}

/**
 * Runs dist/cli.js under /usr/bin/time (peak RSS to `rssFile`), in its own process group so that a timeout kills
 * the CLI and not only time(1).
 */
function runCli(args: string[], timeoutMs: number, rssFile: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn('/usr/bin/time', ['-f', '%M', '-o', rssFile, process.execPath, CLI, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let size = 0;
    let truncated = false;
    const keep = (into: Buffer[]) => (d: Buffer) => {
      if (size + d.length > MAX_OUTPUT) truncated = true;
      else {
        into.push(d);
        size += d.length;
      }
    };
    child.stdout.on('data', keep(out));
    child.stderr.on('data', keep(err));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      // time(1) writes "Command exited with non-zero status N" or "Command terminated by signal N" before the figure.
      let rssKb = 0;
      let sig: NodeJS.Signals | null = signal;
      try {
        const report = readFileSync(rssFile, 'utf8').trim().split('\n');
        rssKb = Number(report[report.length - 1]) || 0;
        const by = /terminated by signal (\d+)/.exec(report[0]);
        if (by) sig = signalName(Number(by[1]));
        rmSync(rssFile, { force: true });
      } catch {
        // No report: killed at the timeout.
      }
      // time(1)'s own stderr line about the status does not go to the CLI's stderr (-o), so err is the CLI's.
      resolve({ code: sig && sig !== signal ? null : code, signal: sig, out: Buffer.concat(out).toString('utf8'), err: Buffer.concat(err).toString('utf8'), timedOut, truncated, rssKb });
    });
  });
}

/**
 * Paths of null values in a JSON document, but errno's (null when there is none) and the result of a log's call shown
 * only whose log gave no result the model holds (`= ?`, never resumed, past 2^53: summary.ts operationJson).
 */
function nulls(v: unknown, at = ''): string[] {
  if (v === null) return at.endsWith('.errno') ? [] : [at];
  if (typeof v === 'number' && !Number.isFinite(v)) return [at];
  if (!v || typeof v !== 'object') return [];
  const noResult = shownWithoutResult(v);
  return Object.entries(v).flatMap(([k, x]) => (noResult && k === 'result' && x === null ? [] : nulls(x, `${at}.${k}`)));
}

/** An operation of `iosim run --json` that shows a log's call (name `syscall`) with no recorded result or errno. */
export function shownWithoutResult(o: object): boolean {
  const r = o as Record<string, unknown>;
  return r.name === 'syscall' && typeof r.syscall === 'string' && !('recordedResult' in r) && !('recordedErrno' in r);
}

/**
 * Whether `line` is among the lines a "N more warnings not shown …, at lines 201–205, 300" summary names; a summary
 * that stopped listing ("and K more ranges up to line L") names every line up to L.
 */
function inLeftOut(diagnostic: string, line: number): boolean {
  const m = /more warnings? not shown .*, at lines (.*)$/.exec(diagnostic);
  if (!m) return false;
  const upTo = /and \d+ more ranges? up to line (\d+)$/.exec(m[1]);
  if (upTo && line <= Number(upTo[1])) return true;
  return m[1].split(/, | and /).some((r) => {
    const [a, b = a] = r.split('–').map(Number);
    return line >= a && line <= b;
  });
}

function rawAt(s: string): string {
  const m = RAW.exec(s);
  return m ? `U+${m[0].charCodeAt(0).toString(16).padStart(4, '0')} at ${JSON.stringify(s.slice(Math.max(0, m.index - 30), m.index + 10))}` : '';
}

interface Input {
  index: number;
  source: string;
  file: string;
  bytes: Buffer | null;
  mutations: string[];
  mustName: number;
  mustNameWhy: string;
  nonRegular: boolean;
}

export async function inputCampaign(o: InputCampaignOptions): Promise<InputCampaignResult> {
  const t0 = Date.now();
  const sources = inputSources();
  const texts = new Map(sources.map((s) => [s, readFileSync(path.join(ROOT, s))]));
  const tmp = mkdtempSync(path.join(tmpdir(), 'iomachine-inputs-'));
  const counts = Object.fromEntries(INPUT_KINDS.map((k) => [k, 0])) as Record<InputFindingKind, number>;
  const result: InputCampaignResult = { inputs: 0, cliRuns: 0, adapterRuns: 0, exits: { 0: 0, 1: 0, other: 0 }, nonRegular: 0, oracles: 0, maxRssKb: 0, maxRssAt: '', counts, findings: [], ms: 0 };
  if (o.saveDir) mkdirSync(o.saveDir, { recursive: true });

  const find = (input: Input, kind: InputFindingKind, via: string, detail: string): void => {
    counts[kind]++;
    const f: InputFinding = { kind, input: input.index, source: input.source, mutations: input.mutations, via, detail: detail.slice(0, 600) };
    if (o.saveDir && input.bytes && result.findings.length < 200) {
      f.saved = path.join(o.saveDir, `${kind}-${input.index}${path.extname(input.file)}`);
      writeFileSync(f.saved, input.bytes);
    }
    if (result.findings.length < 200) result.findings.push(f);
    o.log?.(`FINDING ${kind} (${via}) input ${input.index} from ${input.source} [${input.mutations.join(', ')}]: ${detail.slice(0, 300)}`);
  };

  const make = (index: number): Input => {
    const r = new Rng((o.seed * 1_000_003 + index) >>> 0);
    const source = r.pick(sources);
    const strace = source.endsWith('.strace');
    const file = path.join(tmp, `in-${index}${strace ? '.strace' : '.iosim'}`);
    if (r.chance(0.03)) {
      // Not a regular file at all, under a program's name.
      const kind = r.pick(['fifo', 'devzero', 'dir']);
      if (kind === 'fifo') execFileSync('mkfifo', [file]);
      else if (kind === 'devzero') symlinkSync('/dev/zero', file);
      else mkdirSync(file);
      return { index, source, file, bytes: null, mutations: [`nonRegular:${kind}`], mustName: 0, mustNameWhy: '', nonRegular: true };
    }
    const m = mutate(texts.get(source)!, r, strace);
    writeFileSync(file, m.bytes);
    return { index, source, file, bytes: m.bytes, mutations: m.kinds, mustName: m.mustName, mustNameWhy: m.mustNameWhy, nonRegular: false };
  };

  const judgeCli = (input: Input, via: string, run: Run): void => {
    result.cliRuns++;
    if (run.rssKb > result.maxRssKb) {
      result.maxRssKb = run.rssKb;
      result.maxRssAt = `${via} of input ${input.index} (${input.source} [${input.mutations.join(', ')}])`;
    }
    if (run.rssKb > MEMORY_BOUND_KB) find(input, 'memory', via, `peak RSS ${(run.rssKb / 1024).toFixed(0)} MiB, past ${MEMORY_BOUND_KB / 1024} MiB`);
    if (run.timedOut) return find(input, 'hang', via, `no end within ${o.timeoutMs} ms`);
    if (run.code !== 0 && run.code !== 1) find(input, 'crash', via, `exit ${run.code ?? run.signal}: ${run.err.slice(-400)}`);
    if (hasStackTrace(run.err)) find(input, 'stackTrace', via, run.err.slice(0, 600));
    const raw = rawAt(run.out) || rawAt(run.err);
    if (raw) find(input, 'rawControl', via, raw);
    const bad = run.err.split('\n').find((l) => l !== '' && !DIAGNOSTIC.test(l) && !l.startsWith('iosim: '));
    if (bad !== undefined) find(input, 'badStderr', via, bad.slice(0, 300));
    if (input.nonRegular && !(run.code === 1 && run.err.includes(': not a regular file'))) find(input, 'crash', via, `a non-regular file was not refused: exit ${run.code}, ${run.err.slice(0, 200)}`);
    if (input.mustName > 0 && !run.err.startsWith('iosim: cannot read')) {
      const named = run.err.split('\n').some((l) => DIAGNOSTIC.test(l) && (l.startsWith(`${input.file}:${input.mustName}:`) || inLeftOut(l, input.mustName)));
      if (!named) find(input, 'undiagnosed', via, `line ${input.mustName} (${input.mustNameWhy}) has no diagnostic; stderr: ${run.err.slice(0, 300)}`);
    }
  };

  const one = async (index: number): Promise<void> => {
    const input = make(index);
    if (input.nonRegular) result.nonRegular++;
    if (input.mustName > 0) result.oracles++;
    const rss = `${input.file}.rss`;
    const json = await runCli(['run', input.file, '--json'], o.timeoutMs, rss);
    judgeCli(input, 'json', json);
    const code = json.code === 0 || json.code === 1 ? String(json.code) : 'other';
    result.exits[code]++;
    if (json.code === 0 && !json.truncated && !json.timedOut) {
      try {
        const bad = nulls(JSON.parse(json.out));
        if (bad.length) find(input, 'nullNumber', 'json', `null or non-finite at ${bad.slice(0, 5).join(', ')}`);
      } catch (e) {
        find(input, 'invalidJson', 'json', `${(e as Error).message}: ${json.out.slice(0, 200)}`);
      }
    }
    const text = await runCli(['run', input.file], o.timeoutMs, rss);
    judgeCli(input, 'text', text);
    if (!text.timedOut && !json.timedOut && text.code !== json.code) find(input, 'mismatch', 'text', `run exits ${text.code}, run --json ${json.code}`);
    if (/\bNaN\b/.test(text.out) && !(input.bytes?.includes('NaN'))) find(input, 'nullNumber', 'text', `NaN printed: ${text.out.slice(Math.max(0, text.out.indexOf('NaN') - 100), text.out.indexOf('NaN') + 20)}`);
    // The same input exported: the status of `run`, and a trace that parses whenever one was written (a run that
    // stopped at a limit exports what ran).
    const traceOut = `${input.file}.trace.json`;
    const exp = await runCli(['export', input.file, '-o', traceOut], o.timeoutMs, rss);
    judgeCli(input, 'export', exp);
    if (!exp.timedOut && !json.timedOut && exp.code !== json.code) find(input, 'mismatch', 'export', `export exits ${exp.code}, run --json ${json.code}`);
    if (!exp.timedOut && existsSync(traceOut)) {
      const size = statSync(traceOut).size;
      if (exp.code !== 0 && exp.code !== 1) {
        // A crash: already a finding.
      } else if (size <= MAX_PARSED_EXPORT) {
        try {
          const bad = nulls(JSON.parse(readFileSync(traceOut, 'utf8')));
          if (bad.length) find(input, 'nullNumber', 'export', `null or non-finite at ${bad.slice(0, 5).join(', ')}`);
        } catch (e) {
          find(input, 'invalidJson', 'export', `${(e as Error).message} (${size} bytes)`);
        }
      } else {
        const fd = openSync(traceOut, 'r');
        const ends = Buffer.alloc(64);
        readSync(fd, ends, 0, 32, 0);
        readSync(fd, ends, 32, 32, size - 32);
        closeSync(fd);
        const text = ends.toString('utf8');
        if (!text.trimStart().startsWith('{') || !text.trimEnd().endsWith('}')) find(input, 'invalidJson', 'export', `a ${size}-byte trace that is not one JSON object: ${JSON.stringify(text)}`);
      }
    }
    rmSync(traceOut, { force: true });
    // A log is also advised on (`advise --json`: the log replayed with its transfer loops rewritten).
    if (input.file.endsWith('.strace')) {
      const adv = await runCli(['advise', input.file, '--json'], o.timeoutMs, rss);
      judgeCli(input, 'advise', adv);
      if (adv.code === 0 && !adv.truncated) {
        try {
          const bad = nulls(JSON.parse(adv.out));
          if (bad.length) find(input, 'nullNumber', 'advise', `null or non-finite at ${bad.slice(0, 5).join(', ')}`);
        } catch (e) {
          find(input, 'invalidJson', 'advise', `${(e as Error).message}: ${adv.out.slice(0, 200)}`);
        }
      }
    }
    if (o.adapterEvery > 0 && index % o.adapterEvery === 0) {
      result.adapterRuns++;
      await throughAdapter(input, o.timeoutMs, tmp, find);
    }
    result.inputs++;
    if (o.log && result.inputs % 250 === 0) o.log(`${result.inputs} inputs, ${result.cliRuns} CLI runs, ${result.adapterRuns} adapter runs, findings ${JSON.stringify(counts)}`);
    if (input.bytes) rmSync(input.file, { force: true });
  };

  try {
    let next = 0;
    const worker = async () => {
      while (next < o.inputs) await one(next++);
    };
    await Promise.all(Array.from({ length: Math.max(1, o.jobs) }, worker));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  result.ms = Date.now() - t0;
  return result;
}

type Find = (input: Input, kind: InputFindingKind, via: string, detail: string) => void;

/** Launch the input, let it run to its end, disconnect: every answer in time, no crash, nothing raw on the console. */
async function throughAdapter(input: Input, timeoutMs: number, cwd: string, find: Find): Promise<void> {
  const dap = new DapProcess(cwd);
  const via = 'adapter';
  try {
    const init = await dap.request('initialize', { adapterID: 'iomachine', pathFormat: 'path' }, timeoutMs);
    if (typeof init !== 'object') return find(input, init === 'timeout' ? 'hang' : 'crash', via, `initialize: ${init}`);
    const end = dap.wait((m: Message) => m.type === 'event' && (m.event === 'terminated' || (m.event === 'stopped' && (m.body as { reason?: string }).reason === 'end')), timeoutMs);
    const launched = dap.request('launch', { program: input.file, stopOnEntry: false, noDebug: false }, timeoutMs);
    await dap.request('configurationDone', {}, timeoutMs);
    const launch = await launched;
    if (typeof launch !== 'object') return find(input, launch === 'timeout' ? 'hang' : 'crash', via, `launch: ${launch}; stderr ${dap.stderr.slice(-300)}`);
    if (!launch.success) {
      if (/internal error/i.test(launch.message ?? '')) find(input, 'stackTrace', via, `launch: ${launch.message}`);
      if (input.nonRegular && !/not a regular file/.test(launch.message ?? '')) find(input, 'crash', via, `a non-regular file was not refused: ${launch.message}`);
    } else if (!(await end)) {
      find(input, dap.alive ? 'hang' : 'crash', via, dap.alive ? `no end of the run within ${timeoutMs} ms` : `the adapter exited: ${JSON.stringify(dap.exit)} ${dap.stderr.slice(-300)}`);
    }
    if (!dap.alive) return find(input, 'crash', via, `the adapter exited before disconnect: ${JSON.stringify(dap.exit)} ${dap.stderr.slice(-300)}`);
    const bye = await dap.request('disconnect', {}, timeoutMs);
    if (bye === 'timeout') find(input, 'hang', via, 'disconnect: no answer');
    const output = dap.events('output').map((m) => String((m.body as { output?: unknown }).output ?? '')).join('');
    if (hasStackTrace(output) || hasStackTrace(dap.stderr)) find(input, 'stackTrace', via, (output + dap.stderr).slice(0, 600));
    const raw = rawAt(output);
    if (raw) find(input, 'rawControl', via, raw);
    const internal = dap.messages.find((m) => m.type === 'response' && !m.success && /internal error/i.test(m.message ?? ''));
    if (internal) find(input, 'stackTrace', via, `${internal.command}: ${internal.message}`);
  } finally {
    await dap.close();
  }
}
