// Benchmark of the strace replay: generates a log of a million lines (a cat-like read loop as `strace -f -tt -T -y`
// prints it: a reader process and its child on a pipe, with split calls), then in the same run:
//   - a bare line-splitting pass over the file (the replay's own reader: chunks, split on '\n', one string a line);
//   - the load (first pass: which paths are files and how large, processes, executable lines, diagnostics);
//   - the replay (second pass: the operations the machine would execute, answered as the machine would);
// and reports lines/s and the ratio of each to the bare pass. Then peak RSS of load + replay for 250k and 1M lines,
// each in a fresh process, to show memory follows the operations (one executable-line entry per call), not the text.
//
//   node scripts/bench-strace.mjs [--lines 1000000] [--small 250000] [--machine 100000] [--keep]
//
// --machine N also runs a log of N lines through the machine (every event recorded), for the model's own speed.
// The replay modules are bundled with esbuild into a temporary file (dist/ holds only the CLI and the adapter).
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const LINES = opt('lines', 1_000_000);
const SMALL = opt('small', 250_000);
const MACHINE = opt('machine', 0);
const KEEP = args.includes('--keep');

// ───────────────────────────── the log ─────────────────────────────

/**
 * Writes `lines` lines: process 4242 cats 64 MiB files one after the other in 128 KiB reads to a pipe; process 4243
 * (its child) reads the pipe in 64 KiB pieces, and their calls sometimes cross (unfinished ... resumed).
 */
function generate(path, lines) {
  const fd = openSync(path, 'w');
  let buf = '';
  let n = 0;
  let t = 36_000_000_000; // 10:00:00 in µs of the day
  const emit = (s) => {
    buf += s + '\n';
    n++;
    if (buf.length > 1 << 20) {
      writeSync(fd, buf);
      buf = '';
    }
  };
  const ts = () => {
    t += 7 + (n % 13);
    const us = t % 1_000_000;
    const s = Math.floor(t / 1_000_000);
    const hh = String(Math.floor(s / 3600) % 24).padStart(2, '0');
    const mm = String(Math.floor(s / 60) % 60).padStart(2, '0');
    const ss = String(s % 60).padStart(2, '0');
    return `${hh}:${mm}:${ss}.${String(us).padStart(6, '0')}`;
  };
  const data = '"\\177ELF\\2\\1\\1\\0\\0\\0\\0\\0\\0\\0\\0\\0\\3\\0>\\0\\1\\0\\0\\0\\20t\\2\\0\\0\\0\\0\\0"...';
  const P = 4242;
  const C = 4243;
  emit(`${P}  ${ts()} execve("/usr/bin/cat", ["cat", "/data/f0.bin"], 0x7ffd1c3e2f58 /* 24 vars */) = 0 <0.000231>`);
  emit(`${P}  ${ts()} pipe2([3<pipe:[91]>, 4<pipe:[91]>], 0) = 0 <0.000012>`);
  emit(`${P}  ${ts()} clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f1a2b3c4a10) = ${C} <0.000081>`);
  emit(`${C}  ${ts()} close(4<pipe:[91]>) = 0 <0.000006>`);
  emit(`${P}  ${ts()} close(3<pipe:[91]>) = 0 <0.000006>`);
  const FILE = 64 * 1024 * 1024;
  const CHUNK = 131072;
  let file = 0;
  let off = FILE;
  let pipe = 0;
  while (n < lines - 4) {
    if (off >= FILE) {
      if (file > 0) emit(`${P}  ${ts()} close(5</data/f${(file - 1) % 16}.bin>) = 0 <0.000009>`);
      const name = `/data/f${file % 16}.bin`;
      emit(`${P}  ${ts()} openat(AT_FDCWD</home/user>, "${name}", O_RDONLY) = 5<${name}> <0.000014>`);
      emit(`${P}  ${ts()} newfstatat(5<${name}>, "", {st_mode=S_IFREG|0644, st_size=${FILE}, ...}, AT_EMPTY_PATH) = 0 <0.000007>`);
      emit(`${P}  ${ts()} fadvise64(5<${name}>, 0, 0, POSIX_FADV_SEQUENTIAL) = 0 <0.000006>`);
      file++;
      off = 0;
    }
    const name = `/data/f${(file - 1) % 16}.bin`;
    emit(`${P}  ${ts()} read(5<${name}>, ${data}, ${CHUNK}) = ${CHUNK} <0.000021>`);
    off += CHUNK;
    if (n % 10 === 0) {
      // the writer blocks on a full pipe while the reader drains it
      emit(`${P}  ${ts()} write(4<pipe:[91]>, ${data}, ${CHUNK} <unfinished ...>`);
      emit(`${C}  ${ts()} read(3<pipe:[91]>, ${data}, 65536) = 65536 <0.000011>`);
      emit(`${P}  ${ts()} <... write resumed>) = ${CHUNK} <0.000040>`);
      emit(`${C}  ${ts()} read(3<pipe:[91]>, ${data}, 65536) = 65536 <0.000009>`);
    } else {
      emit(`${P}  ${ts()} write(4<pipe:[91]>, ${data}, ${CHUNK}) = ${CHUNK} <0.000018>`);
      emit(`${C}  ${ts()} read(3<pipe:[91]>, ${data}, 65536) = 65536 <0.000011>`);
      emit(`${C}  ${ts()} read(3<pipe:[91]>, ${data}, 65536) = 65536 <0.000009>`);
    }
    pipe++;
  }
  emit(`${P}  ${ts()} close(4<pipe:[91]>) = 0 <0.000006>`);
  emit(`${C}  ${ts()} read(3<pipe:[91]>, "", 65536) = 0 <0.000006>`);
  emit(`${C}  ${ts()} +++ exited with 0 +++`);
  emit(`${P}  ${ts()} +++ exited with 0 +++`);
  writeSync(fd, buf);
  closeSync(fd);
  return n;
}

// ───────────────────────────── the code under test ─────────────────────────────

async function bundle(dir) {
  const out = join(dir, 'strace-bench.cjs');
  await build({
    stdin: {
      contents: `
        export { loadStraceFile } from './src/program/strace/load';
        export { FileSource } from './src/program/strace/lines';
        export { Trace } from './src/trace/trace';
      `,
      resolveDir: root,
      loader: 'ts',
    },
    bundle: true, platform: 'node', format: 'cjs', target: 'node20', outfile: out, logLevel: 'warning',
  });
  return createRequire(import.meta.url)(out);
}

/** Every line, split and decoded as the replay's reader does, and nothing else. */
function barePass(lib, path) {
  const src = new lib.FileSource(path);
  const cur = src.open();
  let n = 0;
  let chars = 0;
  for (let s = cur.next(); s !== null; s = cur.next()) {
    n++;
    chars += s.length;
  }
  src.close();
  return { lines: n, chars };
}

/** Loads the log (first pass) and hands out every operation (the replay), answering as the machine would. */
function replay(lib, path) {
  const t0 = performance.now();
  const loaded = lib.loadStraceFile(path);
  const t1 = performance.now();
  const src = loaded.spec.createSource();
  let ops = 0;
  let fd = 100;
  let addr = 0x10000000;
  for (let op = src.next(); op !== null; op = src.next()) {
    ops++;
    const r = op.name === 'alloc' ? (addr += 1 << 20) : op.name === 'open' || op.name === 'pipe' || op.name === 'socket' ? fd++ : op.args[2] ?? 0;
    src.complete(r);
  }
  const t2 = performance.now();
  return { loadMs: t1 - t0, replayMs: t2 - t1, ops, lines: loaded.strace.lines, warnings: loaded.diagnostics.length };
}

function timeIt(fn) {
  const t0 = performance.now();
  const r = fn();
  return { ms: performance.now() - t0, r };
}

// A child run: one size, fresh process, report peak RSS.
if (args[0] === '--child') {
  const [, bundlePath, path, what] = args;
  const lib = createRequire(import.meta.url)(bundlePath);
  const before = process.memoryUsage().rss;
  const r = what === 'bare' ? barePass(lib, path) : replay(lib, path);
  const peak = process.resourceUsage().maxRSS * 1024;
  process.stdout.write(JSON.stringify({ ...r, peakRss: peak, startRss: before }) + '\n');
  process.exit(0);
}

const dir = mkdtempSync(join(tmpdir(), 'iosim-bench-strace-'));
try {
  const lib = await bundle(dir);
  const big = join(dir, 'big.strace');
  const small = join(dir, 'small.strace');
  let t = timeIt(() => generate(big, LINES));
  console.log(`generated ${t.r} lines in ${(t.ms / 1000).toFixed(1)} s: ${big}`);
  generate(small, SMALL);

  // Warm up both paths on the small log, then measure on the big one, alternating, best of three.
  barePass(lib, small);
  replay(lib, small);
  let bare = Infinity;
  let best = null;
  for (let k = 0; k < 3; k++) {
    bare = Math.min(bare, timeIt(() => barePass(lib, big)).ms);
    const r = replay(lib, big);
    if (!best || r.replayMs + r.loadMs < best.replayMs + best.loadMs) best = r;
  }
  const mlps = (ms) => (LINES / ms / 1000).toFixed(2);
  console.log(`bare line split:            ${(bare / 1000).toFixed(3)} s  ${mlps(bare)} M lines/s`);
  console.log(`replay (operations out):    ${(best.replayMs / 1000).toFixed(3)} s  ${mlps(best.replayMs)} M lines/s  ${(best.replayMs / bare).toFixed(2)}x the bare pass  (${best.ops} operations)`);
  console.log(`load (first pass: files, sizes, lines):  ${(best.loadMs / 1000).toFixed(3)} s  ${(best.loadMs / bare).toFixed(2)}x`);
  console.log(`load + replay:              ${((best.loadMs + best.replayMs) / 1000).toFixed(3)} s  ${((best.loadMs + best.replayMs) / bare).toFixed(2)}x the bare pass`);

  const child = (path, what) => {
    const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', join(dir, 'strace-bench.cjs'), path, what], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr);
    return JSON.parse(r.stdout);
  };
  const MB = (b) => (b / 1048576).toFixed(0) + ' MiB';
  const rs = child(small, 'replay');
  const rb = child(big, 'replay');
  const bs = child(small, 'bare');
  const bb = child(big, 'bare');
  console.log(`peak RSS, load + replay: ${SMALL} lines ${MB(rs.peakRss)}, ${LINES} lines ${MB(rb.peakRss)} (bare split: ${MB(bs.peakRss)}, ${MB(bb.peakRss)})`);

  if (MACHINE > 0) {
    const part = join(dir, 'part.strace');
    generate(part, MACHINE);
    const loaded = lib.loadStraceFile(part);
    const tr = new lib.Trace(loaded.spec);
    const m = timeIt(() => tr.runToEnd());
    console.log(`machine: ${MACHINE} lines, ${tr.ops.length} operations, ${tr.events.length} events in ${(m.ms / 1000).toFixed(2)} s (${(tr.ops.length / m.ms).toFixed(0)}k operations/s)`);
  }
} finally {
  if (!KEEP) rmSync(dir, { recursive: true, force: true });
}
