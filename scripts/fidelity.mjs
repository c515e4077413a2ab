// `npm run fidelity`: records issue 12's workloads on this machine with `iosim record` (a cold 64 MiB file, at
// read_ahead_kb 8192 and 128) and checks each with `iosim check --json`: the real resident pages against the model's
// (the kernel profile the recording names). Prints the table. Skips, with a message, where Linux, strace or python3
// is missing. Changing read_ahead_kb needs root; without it only the current value is measured. The value is put
// back afterwards.
//
//   node scripts/fidelity.mjs [--fixtures DIR] [--only NAME,...]
//     --fixtures DIR   keep the recordings (LOG and LOG.host.json) in DIR, for test/fixtures/recorded/
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, realpathSync, statSync, writeFileSync, closeSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { randomFillSync } from 'node:crypto';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'dist', 'cli.js');
const workload = join(root, 'scripts', 'fidelity', 'workload.py');
const args = process.argv.slice(2);
const fixtures = args.includes('--fixtures') ? args[args.indexOf('--fixtures') + 1] : null;
const only = args.includes('--only') ? args[args.indexOf('--only') + 1].split(',') : null;

function skip(why) {
  console.log(`fidelity: skipped: ${why}`);
  process.exit(0);
}
if (process.platform !== 'linux') skip(`needs Linux (this is ${process.platform})`);
if (spawnSync('strace', ['-V']).error) skip('needs strace (not found on PATH)');
const pyInfo = spawnSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' });
if (pyInfo.error || pyInfo.status !== 0) skip('needs python3 (not found on PATH)');
// The interpreter itself, not a wrapper script (pyenv's shims would fill the log with a shell's calls).
const python = pyInfo.stdout.trim();
if (!existsSync(cli)) skip('dist/cli.js not built (npm run build)');

const dir = fixtures ?? join(tmpdir(), 'iosim-fidelity');
mkdirSync(dir, { recursive: true });
const dataDir = join(tmpdir(), 'iosim-fidelity-data');
mkdirSync(dataDir, { recursive: true });
const data = join(dataDir, 'data.bin');
const SIZE = 64 * 1024 * 1024;
if (!existsSync(data) || statSync(data).size !== SIZE) {
  const fd = openSync(data, 'w');
  const chunk = Buffer.alloc(1024 * 1024);
  for (let i = 0; i < SIZE / chunk.length; i++) writeSync(fd, randomFillSync(chunk));
  closeSync(fd);
  spawnSync('sync', [data]);
}

/** The disk under the data file (a partition's parent), as /sys/block names it. */
function diskOf(path) {
  const dev = statSync(path).dev;
  const major = Math.floor(dev / 256) & 0xfff;
  const minor = (dev & 0xff) | ((Math.floor(dev / 4096)) & 0xfff00);
  let sys;
  try {
    sys = realpathSync(`/sys/dev/block/${major}:${minor}`);
  } catch {
    return null;
  }
  if (existsSync(join(sys, 'partition'))) sys = dirname(sys);
  const name = sys.slice(sys.lastIndexOf('/') + 1);
  return existsSync(`/sys/block/${name}/queue/read_ahead_kb`) ? name : null;
}
const disk = diskOf(data);
const raFile = disk ? `/sys/block/${disk}/queue/read_ahead_kb` : null;
const original = raFile ? readFileSync(raFile, 'utf8').trim() : null;
function setRa(kb) {
  if (!raFile) return false;
  try {
    writeFileSync(raFile, `${kb}\n`);
    return readFileSync(raFile, 'utf8').trim() === String(kb);
  } catch {
    return false;
  }
}

const py = (name) => [python, '-S', '-I', workload, name, data];
const WORKLOADS = [
  { name: 'read32k', label: 'one 32 KiB read', cmd: py('read32k') },
  { name: 'read32k-x2', label: 'two 32 KiB reads', cmd: py('read32k-x2') },
  { name: 'random-4k-x1000', label: '1,000 random 4 KiB preads (fixed seed)', cmd: py('random-4k-x1000') },
  { name: 'fadv-random-read32k-x3', label: 'FADV_RANDOM, then three 32 KiB reads', cmd: py('fadv-random-read32k-x3') },
  { name: 'fadv-willneed', label: 'FADV_WILLNEED on the whole file', cmd: py('fadv-willneed') },
  { name: 'fadv-sequential-1m', label: 'FADV_SEQUENTIAL, then 1 MiB in 32 KiB reads', cmd: py('fadv-sequential-1m') },
  { name: 'read-1m', label: '1 MiB in 32 KiB reads, no fadvise', cmd: py('read-1m') },
  // dd bs=4K makes a 32,000-line log: measured live, not kept as a fixture.
  { name: 'dd-4k', label: 'whole file by dd bs=4K', cmd: ['dd', `if=${data}`, 'of=/dev/null', 'bs=4K', 'status=none'], live: true },
  { name: 'dd-128k', label: 'whole file by dd bs=128K', cmd: ['dd', `if=${data}`, 'of=/dev/null', 'bs=128K', 'status=none'] },
  { name: 'dd-1m', label: 'whole file by dd bs=1M', cmd: ['dd', `if=${data}`, 'of=/dev/null', 'bs=1M', 'status=none'] },
  { name: 'dd-direct-1m', label: 'whole file by dd bs=1M iflag=direct', cmd: ['dd', `if=${data}`, 'of=/dev/null', 'bs=1M', 'iflag=direct', 'status=none'] },
].filter((w) => !only || only.includes(w.name));

const results = new Map();
const raValues = [];
try {
  for (const ra of [8192, 128]) {
    if (!setRa(ra)) {
      if (raValues.length === 0 && original !== null) {
        console.log(`fidelity: cannot write ${raFile ?? 'read_ahead_kb'} (needs root): measuring at the current ${original} only`);
        raValues.push(Number(original));
      }
      if (raValues.length) break;
    } else raValues.push(ra);
    const at = raValues[raValues.length - 1];
    for (const w of WORKLOADS) {
      const log = join(w.live && fixtures ? join(tmpdir(), 'iosim-fidelity') : dir, `${w.name}-ra${at}.strace`);
      mkdirSync(dirname(log), { recursive: true });
      const rec = spawnSync('node', [cli, 'record', '-o', log, '--cold', data, '--', ...w.cmd], { encoding: 'utf8' });
      if (rec.status !== 0) {
        console.log(`fidelity: ${w.name} at ${at}: iosim record failed: ${rec.stderr.trim()}`);
        continue;
      }
      const chk = spawnSync('node', [cli, 'check', log, '--json'], { encoding: 'utf8', maxBuffer: 1 << 26 });
      if (chk.status !== 0) {
        console.log(`fidelity: ${w.name} at ${at}: iosim check failed: ${chk.stderr.trim()}`);
        continue;
      }
      const doc = JSON.parse(chk.stdout);
      const f = doc.files.find((x) => x.path === data);
      results.set(`${w.name}@${at}`, f);
    }
  }
} finally {
  if (original !== null && raValues.some((v) => String(v) !== original)) setRa(original);
}

const runs = (r) => r.slice(0, 3).map(([a, b]) => (a === b ? `${a}` : `${a}–${b}`)).join(',') + (r.length > 3 ? ',…' : '');
const head = ['workload', ...raValues.flatMap((ra) => [`real, ra ${ra}`, `model, ra ${ra}`, 'match'])];
const rows = WORKLOADS.map((w) => [w.label, ...raValues.flatMap((ra) => {
  const f = results.get(`${w.name}@${ra}`);
  if (!f) return ['?', '?', ''];
  const diff = f.onlyReal.length || f.onlyModel.length ? ` (only real ${runs(f.onlyReal) || '—'}; only model ${runs(f.onlyModel) || '—'})` : '';
  return [String(f.realPages), String(f.modelPages), `${(100 * f.match).toFixed(1)}%${diff}`];
})]);
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (r) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
console.log(`fidelity: ${data} (64 MiB, cold before each run), disk ${disk ?? '?'}; model: the kernel profile each recording names`);
console.log(line(head));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const r of rows) console.log(line(r));
const all = [...results.values()];
const exact = all.filter((f) => f.match === 1).length;
console.log(`${exact} of ${all.length} recordings match page for page${fixtures ? `; recordings kept in ${dir}` : ''}`);
