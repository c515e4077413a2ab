/**
 * The input fuzzer's mutations (issue 14): what a damaged, hostile or absurd scenario or strace log looks like.
 * Byte-level (flips, NUL bytes, invalid UTF-8, truncation, a byte order mark), line-level (duplication, deletion,
 * swaps, CRLF and lone CR, 1 MB lines), and aware of the format (numbers made huge, negative or not numbers at
 * all, control characters in quoted names, huge I/O counts and results, repeat counts past 2^53), and a few
 * mutations whose result must get a diagnostic naming a line: the oracle the campaign checks (inputs.ts).
 */
import { Rng } from './corpus';

export interface Mutated {
  bytes: Buffer;
  /** The mutations applied, in order. */
  kinds: string[];
  /** A 1-based line the reader must name in a diagnostic (a line that is no program text, a result past 2^53), or 0. */
  mustName: number;
  /** Why that line must be named. */
  mustNameWhy: string;
}

/** Numbers past every limit: 2^31, 2^32, 2^53 + 1, 2^63 − 1, 2^63, 2^64, 2^128, forty nines, hexadecimal ones. */
export const HUGE = ['2147483648', '4294967296', '9007199254740993', '9223372036854775807', '9223372036854775808', '18446744073709551616',
  '340282366920938463463374607431768211456', '9'.repeat(40), '0x7fffffffffffffff', '0xffffffffffffffffffff'];
/** Past 2^53: a scenario refuses them; a repeat count drawn from here cannot make a legitimately endless run. */
const UNSAFE = HUGE.slice(2);
const NEGATIVE = ['-1', '-4096', '-9223372036854775808', '-0', '-2147483649'];
const NOT_NUMBERS = ['abc', '60abc', '1e3', '-', '--60', '-\u008560', '0x', '1.5', 'NaN', 'Infinity', ''];
const CONTROLS = ['\x1b]0;pwned\x07', '\x1b[2J', '\x1b[31m', '\x07', '\x00', '\r', '\n', '\x7f', '\u009b2J', '\u0085', '\u202e', '\u2028', '\u2066'];
const INVALID_UTF8 = [[0xff], [0xfe, 0xff], [0x80], [0xc0, 0xaf], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xc3]];
/** Lines that are neither strace output nor a statement: whatever else the file holds, each must be reported. */
const GARBAGE = ['\x1b[2Jnot a call', 'garbage line %s%n', '}{ )( ,,,', '@@@ 12 34', 'definitely not strace', '<<<>>>', '\u202eevil', 'ok = = ='];

/** The largest input built (a 1 MB line duplicated a thousand times is not more of a test). */
const MAX_BYTES = 8 << 20;

function lines(b: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let start = 0;
  for (let i = b.indexOf(10); i >= 0; i = b.indexOf(10, start)) {
    out.push(b.subarray(start, i));
    start = i + 1;
  }
  out.push(b.subarray(start));
  return out;
}

function join(ls: Buffer[]): Buffer {
  const parts: Buffer[] = [];
  ls.forEach((l, i) => {
    if (i) parts.push(Buffer.from('\n'));
    parts.push(l);
  });
  return Buffer.concat(parts);
}

function insertAt(b: Buffer, at: number, add: Buffer): Buffer {
  return Buffer.concat([b.subarray(0, at), add, b.subarray(at)]);
}

/** The byte ranges of numbers (decimal or 0x hexadecimal) in `b`. */
function numbers(b: Buffer): [number, number][] {
  const out: [number, number][] = [];
  const s = b.toString('latin1');
  for (const m of s.matchAll(/0x[0-9a-fA-F]+|\d+/g)) out.push([m.index, m.index + m[0].length]);
  return out;
}

function replaceNumber(b: Buffer, r: Rng, values: readonly string[], strace: boolean): Buffer {
  const ns = numbers(b);
  if (!ns.length) return b;
  const [s, e] = r.pick(ns);
  const before = b.toString('latin1', Math.max(0, s - 7), s);
  // A repeat count past 2^53 is refused; one below it (4 G iterations) would be a legitimately endless run.
  const pool = !strace && /repeat\s*$/.test(before) ? UNSAFE : values;
  return Buffer.concat([b.subarray(0, s), Buffer.from(r.pick(pool)), b.subarray(e)]);
}

type Mutation = (b: Buffer, r: Rng, strace: boolean) => Buffer;

const MUTATIONS: Record<string, Mutation> = {
  byteFlip: (b, r) => {
    const c = Buffer.from(b);
    for (let k = r.int(1, 8); k > 0 && c.length; k--) c[r.int(0, c.length - 1)] ^= 1 << r.int(0, 7);
    return c;
  },
  truncate: (b, r) => b.subarray(0, r.int(0, b.length)),
  dupLine: (b, r) => {
    const ls = lines(b);
    const i = r.int(0, ls.length - 1);
    const times = r.weighted([[6, r.int(1, 3)], [3, r.int(4, 50)], [1, r.int(51, 1000)]]);
    const n = Math.max(1, Math.min(times, Math.floor(MAX_BYTES / (ls[i].length + 1))));
    return join([...ls.slice(0, i), ...Array<Buffer>(n).fill(ls[i]), ...ls.slice(i)]);
  },
  deleteLine: (b, r) => {
    const ls = lines(b);
    ls.splice(r.int(0, ls.length - 1), 1);
    return join(ls);
  },
  swapLines: (b, r) => {
    const ls = lines(b);
    const i = r.int(0, ls.length - 1);
    const j = r.int(0, ls.length - 1);
    [ls[i], ls[j]] = [ls[j], ls[i]];
    return join(ls);
  },
  hugeNumber: (b, r, strace) => replaceNumber(b, r, HUGE, strace),
  negativeNumber: (b, r, strace) => replaceNumber(b, r, NEGATIVE, strace),
  notANumber: (b, r, strace) => replaceNumber(b, r, NOT_NUMBERS, strace),
  nul: (b, r) => insertAt(b, r.int(0, b.length), Buffer.alloc(r.int(1, 4))),
  crlf: (b, r) => (r.chance(0.7) ? Buffer.from(b.toString('latin1').replace(/\n/g, '\r\n'), 'latin1') : insertAt(b, r.int(0, b.length), Buffer.from('\r'))),
  longLine: (b, r, strace) => {
    const ls = lines(b);
    const size = r.pick([100_000, 1_000_000, (1 << 20) + 10]);
    const line = strace ? `read(3, "${'a'.repeat(size)}", 4096) = 4096` : r.chance(0.5) ? `# ${'x'.repeat(size)}` : `open("/${'n'.repeat(size)}", O_RDONLY)`;
    ls.splice(r.int(0, ls.length), 0, Buffer.from(line));
    return join(ls);
  },
  invalidUtf8: (b, r) => insertAt(b, r.int(0, b.length), Buffer.from(r.pick(INVALID_UTF8))),
  controlInName: (b, r) => {
    const quotes: number[] = [];
    for (let i = b.indexOf(34); i >= 0; i = b.indexOf(34, i + 1)) quotes.push(i);
    const at = quotes.length ? r.pick(quotes) + 1 : r.int(0, b.length);
    return insertAt(b, at, Buffer.from(r.pick(CONTROLS), 'utf8'));
  },
  bom: (b, r) => (r.chance(0.8) ? insertAt(b, 0, Buffer.from([0xef, 0xbb, 0xbf])) : insertAt(b, r.int(0, b.length), Buffer.from([0xef, 0xbb, 0xbf]))),
  /** An I/O call's count and result (a log) or a repeat count (a scenario) made huge. */
  hugeCount: (b, r, strace) => {
    const ls = lines(b);
    const cands = ls.map((l, i) => [l.toString('latin1'), i] as const).filter(([l]) => (strace ? /(read|write|pread64|pwrite64|sendfile)\(.*\d+\)\s+=\s+\d+/.test(l) : /^\s*repeat\s+\d+/.test(l)));
    if (!cands.length) return b;
    const [l, i] = r.pick(cands);
    const v = strace ? r.pick(HUGE) : r.pick(UNSAFE);
    const changed = strace ? l.replace(/\d+\)(\s+=\s+)\d+/, `${v})$1${r.chance(0.5) ? v : '4096'}`) : l.replace(/repeat\s+\d+/, `repeat ${v}`);
    ls[i] = Buffer.from(changed, 'latin1');
    return join(ls);
  },
};

export const MUTATION_KINDS = Object.keys(MUTATIONS);

/** A call's result made 2^53 + 1: the replay must warn at that line (oracle 'unsafeResult'). */
function unsafeResult(b: Buffer, r: Rng): { bytes: Buffer; line: number } | null {
  const ls = lines(b);
  const cands = ls.map((l, i) => [l.toString('latin1'), i] as const).filter(([l]) => /^[^<]*\b[a-z_0-9]+\(.*\)\s+=\s+\d+(\s|$)/.test(l) && !/resumed>|unfinished/.test(l));
  if (!cands.length) return null;
  const [l, i] = r.pick(cands);
  ls[i] = Buffer.from(l.replace(/(\)\s+=\s+)\d+/, '$19007199254740993'), 'latin1');
  return { bytes: join(ls), line: i + 1 };
}

/**
 * One mutated input from `source`: 1 to 3 mutations, then, for about one input in five, a line the reader must
 * name (inserted last, so that its number is known).
 */
export function mutate(source: Buffer, r: Rng, strace: boolean): Mutated {
  let bytes = source;
  const kinds: string[] = [];
  for (let k = r.int(1, 3); k > 0; k--) {
    const kind = r.pick(MUTATION_KINDS);
    kinds.push(kind);
    bytes = MUTATIONS[kind](bytes, r, strace);
    if (bytes.length > MAX_BYTES) bytes = bytes.subarray(0, MAX_BYTES);
  }
  let mustName = 0;
  let mustNameWhy = '';
  // Line numbers are the readers' only where lines end in '\n' alone (a scenario also breaks at a lone CR).
  const countable = !bytes.includes(13);
  if (countable && r.chance(0.2)) {
    if (strace && r.chance(0.5)) {
      const u = unsafeResult(bytes, r);
      if (u) {
        bytes = u.bytes;
        mustName = u.line;
        mustNameWhy = 'a result past 2^53';
        kinds.push('unsafeResult');
      }
    } else {
      const ls = lines(bytes);
      const at = r.int(0, ls.length);
      ls.splice(at, 0, Buffer.from(r.pick(GARBAGE), 'utf8'));
      bytes = join(ls);
      mustName = at + 1;
      mustNameWhy = 'a line that is no program text';
      kinds.push('garbageLine');
    }
  }
  return { bytes, kinds, mustName, mustNameWhy };
}
