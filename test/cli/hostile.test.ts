/**
 * Hostile and absurd inputs through the command line (issue 16; cases in test/fixtures/reliability/, from
 * /work/shared/cases/reliability/README.md): each ends with a line-numbered diagnostic or a refusal and a status of
 * 0, 1 or 2, within seconds, with no control character of the input reaching the terminal raw and no stack trace.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { shownWithoutResult } from '../fuzz/inputs';

const ROOT = path.join(__dirname, '../../..');
const CLI = path.join(ROOT, 'dist/cli.js');
const CASES = path.join(ROOT, 'test/fixtures/reliability');
const TMP = mkdtempSync(path.join(tmpdir(), 'iosim-hostile-'));
after(() => rmSync(TMP, { recursive: true, force: true }));

interface Result {
  code: number | null;
  out: string;
  err: string;
  ms: number;
}

/** Runs the CLI; a run past `timeout` is killed (and the test fails on its status, not by hanging). */
function iosim(args: string[], timeout = 20_000): Result {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8', timeout, maxBuffer: 64 << 20 });
  return { code: r.status, out: r.stdout, err: r.stderr, ms: Date.now() - t0 };
}

function write(name: string, text: string): string {
  const p = path.join(TMP, name);
  writeFileSync(p, text);
  return p;
}

/** A control character (other than the line break), C1 control, bidi control or separator: what must not be printed raw. */
const RAW = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/;

function clean(r: Result): void {
  assert.doesNotMatch(r.out, RAW, 'stdout holds a raw control character');
  assert.doesNotMatch(r.err, RAW, 'stderr holds a raw control character');
  assert.doesNotMatch(r.err, /\n\s+at .*:\d+:\d+\)?\n/, 'a stack trace');
}

describe('terminal escapes: printed as strace prints them, kept exact in JSON', () => {
  test('cli-terminal-escape-injection.strace: -y names and bad lines are escaped, no ESC or BEL reaches the terminal', () => {
    const r = iosim(['run', path.join(CASES, 'cli-terminal-escape-injection.strace')]);
    assert.equal(r.code, 0, r.err);
    clean(r);
    assert.match(r.out, /^ +2 {2}read\(3, "x", 1\) = 1 /m);
    assert.match(r.out, /openat\(AT_FDCWD, "\/srv\/\\33\]0;pwned\\7\\33\[31mred", O_RDONLY\)/);
    assert.match(r.err, /cli-terminal-escape-injection\.strace:3:1: warning: skipped: not a call, a signal or an exit: \\33\[2Jnot a call$/m);
  });

  test('hostile-names.iosim: names with OSC, BEL, SGR, a C1 CSI and U+202E are escaped in text, exact in --json and export', () => {
    const file = path.join(CASES, 'hostile-names.iosim');
    const text = iosim(['run', file]);
    assert.equal(text.code, 0, text.err);
    clean(text);
    assert.match(text.out, /read\(4<\/srv\/evil\\342\\200\\256txt\.exe\\302\\2332J>, /);
    assert.match(text.out, /openat\(AT_FDCWD, "\/srv\/\\33\[2Jcreated", O_WRONLY\|O_CREAT\)/);
    const json = iosim(['run', file, '--json']);
    assert.equal(json.code, 0, json.err);
    clean(json);
    const files = Object.keys((JSON.parse(json.out) as { pageCache: { files: object } }).pageCache.files);
    assert.ok(files.includes('/srv/\x1b]0;pwned\x07\x1b[31mred'), files.join(', '));
    assert.ok(files.includes('/srv/evil\u202etxt.exe\u009b2J'), files.join(', '));
    // The exported trace names the program by its path: a hostile one is kept exact, and printed safely.
    const hostilePath = write('names\x1b]0;x\x07\u202e\u009b.iosim', readFileSync(file, 'utf8'));
    const exported = iosim(['export', hostilePath, '-o', '-']);
    assert.equal(exported.code, 0, exported.err);
    clean(exported);
    const meta = JSON.stringify(JSON.parse(exported.out));
    assert.ok(meta.includes(JSON.stringify(`I/O machine: ${hostilePath}`).slice(1, -1)), 'the parsed trace names the program exactly');
  });

  test('diagnostics echo hostile scenario text escaped, the file path included', () => {
    const file = write('bad\x1b[2J.iosim', 'open("/srv/\x1b]0;x\x07", O_RDONLY)\nfrob\u202e(1)\n');
    const r = iosim(['run', file]);
    assert.equal(r.code, 1);
    clean(r);
    assert.match(r.err, /bad\\33\[2J\.iosim:1:6: error: file "\/srv\/\\33\]0;x\\7" is not declared/);
    assert.match(r.err, /bad\\33\[2J\.iosim:2:1: error: unknown statement 'frob'/);
  });
});

describe('what is not a regular file is refused by every reader', () => {
  const fifo = path.join(TMP, 'fifo.strace');
  const fifoScenario = path.join(TMP, 'fifo.iosim');
  spawnSync('mkfifo', [fifo, fifoScenario]);

  for (const [what, file] of [['/dev/zero (was: std::bad_alloc, exit 134)', '/dev/zero'], ['a FIFO named .strace (was: blocked forever)', fifo],
    ['a FIFO named .iosim', fifoScenario], ['a directory', 'examples']] as const) {
    test(`run ${what}: cannot read PATH: not a regular file, exit 1`, () => {
      const r = iosim(['run', file], 10_000);
      assert.equal(r.code, 1, r.err);
      assert.equal(r.err, `iosim: cannot read ${file}: not a regular file\n`);
      assert.equal(r.out, '');
    });
  }

  test('export refuses them too, before writing anything', () => {
    const out = path.join(TMP, 'never.json');
    const r = iosim(['export', fifo, '-o', out], 10_000);
    assert.equal(r.code, 1);
    assert.equal(r.err, `iosim: cannot read ${fifo}: not a regular file\n`);
  });

  test('a log line longer than 1 MiB gets a diagnostic naming it and is skipped (streamed, not buffered)', () => {
    const long = `100  read(3</data/x>, "${'a'.repeat(1_100_000)}", 4096) = 4096`;
    const file = write('long-line.strace', `100  openat(AT_FDCWD, "/data/x", O_RDONLY) = 3</data/x>\n${long}\n100  read(3</data/x>, "b", 1) = 1\n`);
    const r = iosim(['run', file]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, new RegExp(`long-line\\.strace:2:1: warning: skipped: a line of ${long.length} bytes, longer than the 1048576 a line may have`));
    assert.match(r.out, /^ +3 {2}read\(3<\/data\/x>, "b", 1\) = 1 /m);
  });
});

describe('a UTF-8 byte order mark is not part of the first line', () => {
  test('utf8-bom.iosim runs (was: an error at 1:1)', () => {
    const r = iosim(['run', path.join(CASES, 'utf8-bom.iosim')]);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.err, '');
    assert.match(r.out, /^sendfile\(4<TCP:\[\d+\]>, 3<\/srv\/index\.html>, \[0\], 16384\) = 16384 /m);
  });

  test('a log keeps its first line (was: lost)', () => {
    const file = write('bom.strace', '\ufeff100  openat(AT_FDCWD, "/data/x", O_RDONLY) = 3</data/x>\n100  read(3</data/x>, "b", 1) = 1\n');
    const r = iosim(['run', file]);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.err, '');
    assert.match(r.out, /^ +1 {2}openat\(AT_FDCWD, "\/data\/x", O_RDONLY\) = 3<\/data\/x> /m);
  });
});

describe('nesting past the parser\'s limit is an error at its line', () => {
  test('iosim-deep-nesting-stack-overflow.iosim: 3,000 parentheses', () => {
    const r = iosim(['run', path.join(CASES, 'iosim-deep-nesting-stack-overflow.iosim')]);
    assert.equal(r.code, 1);
    clean(r);
    // The 201st '(' of line 7 (it starts at column 15).
    assert.equal(r.err, `${path.join(CASES, 'iosim-deep-nesting-stack-overflow.iosim')}:7:215: error: nesting too deep (limit 200)\n`);
  });

  test('3,000 one-line repeats, and 3,000 nested blocks: one error each', () => {
    const head = 'file "/x" size 4KiB\nbuf = alloc(4KiB)\nfd = open("/x", O_RDONLY)\n';
    const oneLine = write('repeats.iosim', `${head}${'repeat 1 { '.repeat(3000)}read(fd, buf, 4KiB)${' }'.repeat(3000)}\n`);
    let r = iosim(['run', oneLine]);
    assert.equal(r.code, 1);
    assert.equal(r.err, `${oneLine}:4:2201: error: nesting too deep (limit 200)\n`);
    const blocks = write('blocks.iosim', `${head}${'repeat 1 {\n'.repeat(3000)}read(fd, buf, 4KiB)\n${'}\n'.repeat(3000)}`);
    r = iosim(['run', blocks]);
    assert.equal(r.code, 1);
    assert.deepEqual(r.err.split('\n').filter((l) => l.includes('error')), [`${blocks}:204:1: error: nesting too deep (limit 200)`]);
  });
});

describe('sizes and times past the model\'s limits end at their line, at once', () => {
  test('iosim-huge-size-hang.iosim: a file of 8000 TiB is past ext4\'s 16 TiB (was: ran unbounded)', () => {
    const file = path.join(CASES, 'iosim-huge-size-hang.iosim');
    const r = iosim(['run', file], 10_000);
    assert.equal(r.code, 1);
    assert.equal(r.err, `${file}:3:16: error: file size '8000TiB' is larger than the largest file of ext4 with 4 KiB blocks (16 TiB less 4 KiB, 17592186040320 bytes)\n`);
  });

  test('iosim-pwrite-huge-offset-hang.iosim: 8000TiB * 8000TiB is checked as a literal is (was: a hang)', () => {
    const file = path.join(CASES, 'iosim-pwrite-huge-offset-hang.iosim');
    const r = iosim(['run', file], 10_000);
    assert.equal(r.code, 1);
    assert.match(r.err, /:6:20: error: value out of range: this value is 7\.737125245533627e\+31, past 2\^53 \(9007199254740991\), the largest the model counts exactly\n$/);
  });

  test('a value computed from variables past 2^53 stops the run at its line: run, run --json and export alike', () => {
    const file = write('computed.iosim', 'file "/w" size 4KiB\nbuf = alloc(4KiB)\nfd = open("/w", O_RDWR)\nn = read(fd, buf, 4KiB)\npwrite(fd, buf, 5, n * 8000TiB * 8000TiB)\n');
    const message = `${file}:5:1: error: value out of range: argument 4 of pwrite is 3.1691265005705735e+35, past 2^53 (9007199254740991), the largest the model counts exactly\n`;
    const text = iosim(['run', file], 10_000);
    assert.equal(text.code, 1);
    assert.equal(text.err, message);
    assert.match(text.out, /^read\(3<\/w>, 0x10000000, 4096\) = 4096 /m, 'what ran before is printed');
    const json = iosim(['run', file, '--json'], 10_000);
    assert.equal(json.code, 1);
    assert.equal(json.err, message);
    assert.equal(json.out, '', 'no JSON for a run that did not end');
    const out = path.join(TMP, 'computed.json');
    const exported = iosim(['export', file, '-o', out], 10_000);
    assert.equal(exported.code, 1);
    assert.equal(exported.err, message);
    assert.ok(JSON.parse(readFileSync(out, 'utf8')).traceEvents.length > 0, 'what ran is exported, as valid JSON');
  });

  test('a run whose clock would pass 2^53 ns (104 days) stops with the error at the operation', () => {
    const file = write('clock.iosim', 'buf = alloc(4KiB)\nrepeat 3 { sleep 1000h }\n');
    const r = iosim(['run', file], 10_000);
    assert.equal(r.code, 1);
    assert.match(r.err, /clock\.iosim:2:12: error: simulated time would reach 10800000000\d{6} ns \(125 days\), past the 2\^53 ns \(104 days\) the clock counts exactly\n$/);
  });
});

describe('logs with numbers the model cannot take: a warning at the line, the call shown, at once', () => {
  const cases: [string, RegExp][] = [
    ['strace-bad-lseek-offset-nan.strace', /:2:22: warning: lseek: the offset is not a number: shown, not simulated\n$/],
    ['strace-huge-io-count-hang.strace', /:2:22: warning: read: the result 9007199254740993 is past 2\^53, the largest number the model counts exactly: shown, not simulated\n$/],
    ['strace-pwrite-huge-offset-hang.strace', /:2:22: warning: pwrite64: the offset is past 2\^53, the largest number the model counts exactly: shown, not simulated\n$/],
  ];
  for (const [name, warning] of cases) {
    test(`${name} (was: NaN in the output, or a run that never ended)`, () => {
      const text = iosim(['run', path.join(CASES, name)], 10_000);
      assert.equal(text.code, 0, text.err);
      assert.match(text.err, warning);
      assert.doesNotMatch(text.out, /NaN|9007199254740992/);
      const json = iosim(['run', path.join(CASES, name), '--json'], 10_000);
      assert.equal(json.code, 0, json.err);
      // errno is null when there is none, and the result of a call shown only whose log result the model cannot hold
      // (past 2^53: it makes none up); every other null would be a number that was NaN.
      const nulls: string[] = [];
      const walk = (v: unknown, at: string): void => {
        if (v === null && !at.endsWith('.errno')) nulls.push(at);
        else if (v && typeof v === 'object') {
          for (const [k, x] of Object.entries(v)) if (!(k === 'result' && x === null && shownWithoutResult(v))) walk(x, `${at}.${k}`);
        }
      };
      walk(JSON.parse(json.out), '');
      assert.deepEqual(nulls, [], 'no null where a number belongs');
    });
  }
});

describe('compare: sizes it cannot compare are usage errors naming the rule', () => {
  test('compare --size 4097 (was: an uncaught exception, exit 1): exit 2, the 512-byte rule', () => {
    const r = iosim(['compare', '--size', '4097']);
    assert.equal(r.code, 2);
    clean(r);
    assert.match(r.err, /^iosim: --size: the size must be a multiple of 512 bytes, the block O_DIRECT reads \(4608 is\)\nusage:/);
  });

  test('compare --size 64GiB (was: minutes of computing): exit 2 at once, past what one call moves in Linux', () => {
    const r = iosim(['compare', '--size', '64GiB']);
    assert.equal(r.code, 2);
    assert.ok(r.ms < 5000, `${r.ms} ms`);
    assert.match(r.err, /^iosim: --size: 64 GiB is more than one call moves in Linux \(MAX_RW_COUNT: 2 GiB less 4 KiB, 2147479552 bytes\), and each method sends the file in one call\n/);
  });
});

describe('export streams the trace: bounded memory, whatever the number of events', () => {
  test('export-large-trace-crash.iosim, scaled down: a 60 MB trace written by a process with a 32 MB heap', () => {
    // The case (8 GiB in 1 MiB reads, 6 M events) died building one JSON string. Read 4 KiB at a time, 512 MiB
    // make as much JSON (60 MB) from 131,072 calls: more than the whole heap allowed here, so the document cannot
    // have been built in memory.
    const scenario = write('large.iosim', 'file "/data/big" size 512MiB\nbuf = alloc(4KiB)\nfd = open("/data/big", O_RDONLY)\nrepeat 131072 {\n  read(fd, buf, 4KiB)\n}\n');
    const out = path.join(TMP, 'large.json');
    const r = spawnSync(process.execPath, ['--max-old-space-size=32', CLI, 'export', scenario, '-o', out], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 0, r.stderr);
    const text = readFileSync(out, 'utf8');
    assert.ok(text.length > 50_000_000, `${text.length} bytes`);
    const events = (JSON.parse(text) as { traceEvents: unknown[] }).traceEvents.length;
    assert.ok(events > 400_000, `${events} events`);
  });
});

describe('warnings past the cap of 200 are summed up with their lines', () => {
  test('strace-warnings-capped-at-200.strace: lines 201–205 are named in the summary warning, in text and --json', () => {
    const file = path.join(CASES, 'strace-warnings-capped-at-200.strace');
    const text = iosim(['run', file]);
    clean(text);
    const warnings = text.err.split('\n').filter((l) => l.includes(': warning: '));
    // 205 lines that are not strace output: 200 named one by one, then one line for the 5 others (the log has 206
    // lines; the summary is on the last).
    assert.equal(warnings.length, 201, text.err.slice(-500));
    assert.ok(warnings[199].startsWith(`${file}:200:1: warning: skipped: not a call`));
    assert.equal(warnings[200], `${file}:206:1: warning: 5 more warnings not shown (only the first 200 are), at lines 201–205`);
    const json = iosim(['run', file, '--json']);
    const doc = JSON.parse(json.out) as { diagnostics: { line: number; message: string }[] };
    assert.equal(doc.diagnostics.length, 201);
    assert.deepEqual(doc.diagnostics[200], { line: 206, severity: 'warning', message: '5 more warnings not shown (only the first 200 are), at lines 201–205' });
  });

  test('left-out lines are kept as at most 20 ranges; past them, how many more and up to which line', () => {
    // 200 bad lines, then 30 bad lines each followed by a good call: 30 one-line ranges at 202, 204, …, 260.
    const call = '100 read(3, "", 1) = 0';
    const lines = [...Array.from({ length: 200 }, (_, i) => `bad ${i}`)];
    for (let i = 0; i < 30; i++) lines.push(call, `bad ${200 + i}`);
    const file = write('many-ranges.strace', lines.join('\n') + '\n');
    const r = iosim(['run', file]);
    clean(r);
    const last = r.err.trim().split('\n').filter((l) => l.includes('more warnings')).pop();
    const first20 = Array.from({ length: 20 }, (_, i) => 202 + 2 * i).join(', ');
    assert.equal(last, `${file}:260:1: warning: 30 more warnings not shown (only the first 200 are), at lines ${first20} and 10 more ranges up to line 260`);
  });
});

describe('a long log runs in bounded memory (gen-scale-strace.py)', () => {
  // Was: 15–18 MB of RSS per MB of log (a 1 GB log did not finish in 10 GB). Now `run` keeps no event and writes
  // operations as they end; --json holds at most 16 M characters of operations before it spills them to a file.
  const python = spawnSync('python3', ['--version']).status === 0;
  test('a 10 MB log (77,000 lines of cat and cp): run within a 32 MB heap, run --json within 96 MB', { skip: !python && 'needs python3' }, () => {
    const log = path.join(TMP, 'scale.strace');
    const gen = spawnSync('python3', [path.join(CASES, 'gen-scale-strace.py'), log, '10'], { encoding: 'utf8' });
    assert.equal(gen.status, 0, gen.stderr);
    for (const [heap, args] of [[32, ['run', log]], [96, ['run', log, '--json']]] as const) {
      const r = spawnSync(process.execPath, [`--max-old-space-size=${heap}`, CLI, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120_000, maxBuffer: 256 << 20 });
      assert.equal(r.status, 0, `${args.join(' ')} with a ${heap} MB heap: ${r.stderr.slice(-300)}`);
      if (args.length === 3) assert.ok((JSON.parse(r.stdout) as { operations: unknown[] }).operations.length > 70_000);
      else assert.match(r.stdout, /^log: \d+ lines, \d+ syscalls/m);
    }
  });
});

describe('advise: JSON stays JSON, text is escaped', () => {
  test('a log whose output file is named with U+202E, U+0085 and ESC: advise --json parses and keeps the name exact; text escapes it', () => {
    // Was: --json went through the terminal's escaping, which wrote \342\200\256 inside a JSON string (not JSON).
    const name = 'out\u202e\u0085\x1b.bin';
    const log = write('evil-dd.strace', readFileSync(path.join(ROOT, 'test/fixtures/advise/dd.strace'), 'utf8').replaceAll('out.bin', name));
    const json = iosim(['advise', log, '--json']);
    assert.equal(json.code, 0, json.err);
    clean(json);
    const doc = JSON.parse(json.out) as { loops: { sink: string }[] };
    assert.equal(doc.loops[0].sink, `/tmp/advise/dd-${name}`);
    const vary = iosim(['advise', log, '--json', '--vary', 'read_ahead_kb=128,512']);
    assert.equal(vary.code, 0, vary.err);
    assert.equal((JSON.parse(vary.out) as { runs: unknown[] }).runs.length, 2);
    const text = iosim(['advise', log]);
    assert.equal(text.code, 0, text.err);
    clean(text);
    assert.match(text.out, /dd-out\\342\\200\\256\\302\\205\\33\.bin/);
  });

  test('a log past the clock\'s limit (a 200-day sleep): advise ends with the error at its line, as run does (was: a stack trace)', () => {
    // The sleep starts 100 µs in and lasts 200 days = 17,280,000 s: it would end at 17,280,000,000,100,000 ns, past
    // 2^53 ns (9,007,199,254,740,991, 104 days).
    const log = write('long-sleep.strace', '100 10:00:00.000000 getpid() = 100 <0.000002>\n100 10:00:00.000100 nanosleep({tv_sec=17280000, tv_nsec=0}, NULL) = 0 <17280000.000000>\n');
    for (const args of [['advise', log], ['advise', log, '--json'], ['run', log]]) {
      const r = iosim(args);
      assert.equal(r.code, 1, `${args.join(' ')}: ${r.err}`);
      clean(r);
      assert.match(r.err, new RegExp(`^${log.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2:\\d+: error: simulated time would reach 17280000000100000 ns \\(200 days\\), past the 2\\^53 ns`, 'm'), `${args.join(' ')}: ${r.err}`);
    }
  });
});
