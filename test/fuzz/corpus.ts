/**
 * What the DAP fuzzer draws from: a seeded random source, the programs it launches (every example and debugger
 * fixture, strace logs, a long run, and paths that are not programs at all), and values, good and hostile.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ROOT } from './dapClient';

/** mulberry32: a small 32-bit PRNG; the same seed gives the same campaign. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }
  /** One of `choices` by weight. */
  weighted<T>(choices: readonly (readonly [number, T])[]): T {
    const total = choices.reduce((s, c) => s + c[0], 0);
    let x = this.next() * total;
    for (const [w, v] of choices) if ((x -= w) < 0) return v;
    return choices[choices.length - 1][1];
  }
}

export interface Program {
  /** Absolute: the fuzzed adapter runs in a scratch directory, where hostile relative paths can do no harm. */
  path: string;
  strace: boolean;
  lines: number;
  /** Paths of files the program knows (for vmtouch, page, why, data breakpoints). */
  files: string[];
  /** Calls a function breakpoint may name. */
  calls: string[];
  /** A long run: kept rare, and never exported. */
  long: boolean;
}

const COMMON_CALLS = ['read', 'write', 'pread', 'pread64', 'open', 'openat', 'close', 'sendfile', 'splice', 'mmap', 'fsync', 'socket', 'exit_group', 'fstat', 'bogus'];

function program(p: string, long = false): Program {
  const abs = path.isAbsolute(p) ? p : path.join(ROOT, p);
  const text = readFileSync(abs, 'utf8');
  const strace = /\.strace$/.test(p);
  const files = new Set<string>();
  for (const m of text.matchAll(strace ? /"(\/[^"]{1,80})"/g : /file\s+"([^"]+)"/g)) files.add(m[1]);
  const calls = new Set<string>(COMMON_CALLS);
  if (strace) for (const m of text.matchAll(/\b([a-z_][a-z0-9_]*)\(/g)) if (calls.size < 40) calls.add(m[1]);
  return { path: abs, strace, lines: text.split('\n').length, files: [...files].slice(0, 20), calls: [...calls], long };
}

export interface Corpus {
  programs: Program[];
  long: Program[];
  /** Paths that must be refused: not found, a device, a directory, a FIFO, a bad scenario. */
  refused: string[];
  /** The campaign's scratch directory (removed at the end). */
  tmp: string;
  /**
   * Where the fuzzed adapter runs and relative launches are resolved: inside `tmp`, so whatever a hostile relative
   * path (an export to `abc`) writes stays there. No value the fuzzer draws contains `..`.
   */
  cwd: string;
}

export function corpus(): Corpus {
  const list = (dir: string, ext: string) => readdirSync(path.join(ROOT, dir)).filter((f) => f.endsWith(ext)).map((f) => `${dir}/${f}`);
  const small = (p: string) => statSync(path.join(ROOT, p)).size < 60_000;
  const programs = [
    ...list('examples', '.iosim'),
    ...list('test/debug/fixtures', '.iosim').filter((p) => !p.endsWith('bad.iosim') && !p.endsWith('long.iosim')),
    ...list('test/fixtures/strace', '.strace').filter(small),
    ...list('test/fixtures/realworld', '.strace').filter(small).slice(0, 6),
  ].map((p) => program(p));
  const tmp = mkdtempSync(path.join(tmpdir(), 'iomachine-fuzz-'));
  const fifo = path.join(tmp, 'fifo.iosim');
  try {
    execFileSync('mkfifo', [fifo]);
  } catch {
    // Without mkfifo the FIFO case is left out.
  }
  mkdirSync(path.join(tmp, 'dir.iosim'));
  const cwd = path.join(tmp, 'cwd');
  mkdirSync(cwd);
  const refused = [path.join(ROOT, 'test/debug/fixtures/bad.iosim'), 'nope.iosim', '/dev/zero', path.join(tmp, 'dir.iosim'), ...(existsSync(fifo) ? [fifo] : []), '', ' '];
  const long = [program('test/debug/fixtures/reliability/long-run.iosim', true), program('test/debug/fixtures/long.iosim', true)];
  return { programs, long, refused, tmp, cwd };
}

export const HOSTILE_STRINGS = [
  '', ' ', '<img src=x onerror=alert(1)>', '\u001b[2J\u001b[31mred', '{0}{_stack}%s%n%x', '\\', '"', "'", '\n', '\u0000', '\u202e', '\ud800',
  'sub/./x', 'x'.repeat(5000), '💥', 'Content-Length: 5\r\n\r\n{}', '__proto__', 'constructor',
];

/** A value of any JSON type, often an unfortunate one. */
export function anyValue(r: Rng): unknown {
  return r.pick<() => unknown>([
    () => null, () => true, () => false, () => 0, () => -1, () => 1, () => 2 ** 31, () => -(2 ** 31) - 1, () => 2 ** 53 + 2, () => 1e308,
    () => -1e308, () => 0.5, () => r.int(-1000, 100000), () => String(r.int(0, 99)), () => 'abc', () => r.pick(HOSTILE_STRINGS),
    () => [], () => [1, 'a', null], () => [[0, 'x']], () => ({}), () => ({ a: { b: [1] } }),
  ])();
}

export const EXPRESSIONS = [
  'rax', 'rdx > 4096', 'fd', 'n - 1', 'n', 'buf', 'result', 'name', 'errno', 'help', 'meminfo', 'cachestat', 'vmtouch /srv/index.html', 'vmtouch',
  'page /srv/index.html 0', 'page /srv/index.html -1', 'why /srv/index.html 1', 'why', 'events 5', 'events 100000', 'events -1', 'events abc',
  'vm.dirty_ratio', '(((', '1 +', '16KiB', '"str"', 'bogus', 'position', 'time', '1/0', '2 ** 1000', 'rax * rax * rax * rax', '- - - 1',
  'dirty && cached || 1', 'syscalls', 'x'.repeat(3000),
];

export const CONDITIONS = ['', 'rdx > 4096', 'name == "read"', '(((', 'bogus > 1', 'result < rdx', 'file == "/srv/index.html" && page < 4', 'page >= 0', '1', '0'];
export const HIT_CONDITIONS = ['', '2', '>= 3', '% 2', 'x', '-1', '1e9', '== 1', '> -5'];
export const LOG_MESSAGES = ['{name} returned {rax}', '{', '{{}}', '{bogus}', 'plain text', '{1 +}', '{file}:{page}'];
export const FILTERS = ['dma-interrupt', 'page-cache-eviction', 'writeback', 'page-fault', 'readahead', 'dirty-throttle', 'nope', ''];
export const MACHINES: unknown[] = [
  { nic: 'plain' }, { nic: 'sg-dma' }, { 'vm.dirty_ratio': 5 }, { page_cache_limit: '64MiB' }, { disk: 'hdd' }, { block_size: 4096 },
  { nic: 'fast' }, { nope: 1 }, { 'vm.dirty_ratio': -5 }, { ram: 'lots' }, { read_ahead_kb: 0 }, { page_cache_limit: null }, 'plain', [1], null,
];
export const COMPARE_SIZES = ['16KiB', '1MiB', '4KiB', '64GiB', '4097', '100', '0', '-1', 'huge', '1TiB', '512', '3MiB'];
export const UNSUPPORTED = ['attach', 'restartFrame', 'setExpression', 'stepInTargets', 'loadedSources', 'modules', 'terminateThreads',
  'breakpointLocations', 'setInstructionBreakpoints', 'writeMemory', 'disassemble', 'cancel', 'locations', 'runInTerminal', 'frobnicate', 'iomachine/nope', ''];

/** The seq of requests written raw: far above the fuzzer's own, so their answers are never taken for those. */
export const RAW_SEQ = 2_000_000_000;

/** Frames a broken or hostile client could write. */
export function malformedFrame(r: Rng): string {
  const f = (s: string) => `Content-Length: ${Buffer.byteLength(s)}\r\n\r\n${s}`;
  return r.pick<() => string>([
    () => f('null'), () => f('{"a":'), () => f('[1,2]'), () => f('"x"'), () => f('42'), () => f('{"seq":1,"type":"response"}'),
    () => f(`{"seq":${r.int(1, 9)},"type":"response","request_seq":${r.int(1, 99)},"success":true,"command":"runInTerminal"}`),
    () => f('{"seq":5,"type":"event","event":"stopped"}'), () => f('{"seq":6,"type":"bogus"}'), () => f('{"type":"request","command":"threads"}'),
    () => f(`{"seq":${RAW_SEQ},"type":"request"}`), () => f(`{"seq":${RAW_SEQ},"type":"request","command":5}`), () => f(''), () => f('   '),
    () => 'Content-Type: json\r\n\r\n{}', () => 'no header at all', () => `Content-Length: ${r.int(100, 4000)}\r\n\r\n{"seq":${RAW_SEQ},"type":"request","command":"threads"}`,
    () => 'Content-Length: 99999999999\r\n\r\n', () => 'Content-Length: -5\r\n\r\n', () => 'Content-Length: abc\r\n\r\n{}',
    () => f(`{"seq":${RAW_SEQ},"type":"request","command":"evaluate","arguments":"rax"}`), () => f('\u0000\u0001\u0002'), () => f('{"seq":2147483648,"type":"request","command":"threads"}'),
  ])();
}
