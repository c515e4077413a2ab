/**
 * `iosim record [-o LOG] [--cold PATH]... [--watch PATH]... -- CMD ARGS...` (Linux, needs strace and python3):
 * evicts the --cold files from the page cache (POSIX_FADV_DONTNEED through `dd iflag=nocache count=0`, after an
 * fsync so that dirty pages can go too) and checks with mincore that they are cold; measures the --cold and --watch
 * paths; runs the command under `strace -f -tt -T -y -yy`; then measures every regular file the log touched and the
 * --watch paths again, and writes LOG.host.json (program/hostRecord.ts) beside the log.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { release } from 'node:os';
import { resolve } from 'node:path';
import { hostRecordPath, profileForRelease, type HostFile, type HostRecord, type Residency } from '../program/hostRecord';
import { hostProfile } from '../program/profile';

/** mincore(2) of each path through a mapping that is never touched (python3's ctypes: Node has no mincore). */
const MINCORE_PY = `
import ctypes, json, os, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.mmap.restype = ctypes.c_void_p
libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long]
libc.mincore.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p]
libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
out = {}
for p in json.load(sys.stdin):
    try:
        fd = os.open(p, os.O_RDONLY)
    except OSError:
        out[p] = None
        continue
    try:
        size = os.fstat(fd).st_size
        runs, pages = [], 0
        if size > 0:
            addr = libc.mmap(None, size, 1, 1, fd, 0)
            if addr in (None, ctypes.c_void_p(-1).value):
                out[p] = None
                continue
            n = (size + 4095) // 4096
            vec = (ctypes.c_ubyte * n)()
            libc.mincore(addr, size, vec)
            libc.munmap(addr, size)
            for i in range(n):
                if vec[i] & 1:
                    pages += 1
                    if runs and runs[-1][1] == i - 1:
                        runs[-1][1] = i
                    else:
                        runs.append([i, i])
        out[p] = {"size": size, "pages": pages, "runs": runs}
    finally:
        os.close(fd)
json.dump(out, sys.stdout)
`;

export class RecordError extends Error {}

/** Page-cache residency of each path (null: it could not be opened or mapped). */
export function residency(paths: readonly string[]): Map<string, Residency | null> {
  if (paths.length === 0) return new Map();
  const r = spawnSync('python3', ['-c', MINCORE_PY], { input: JSON.stringify(paths), encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.error || r.status !== 0) throw new RecordError(`mincore through python3 failed: ${r.error?.message ?? r.stderr}`);
  const doc = JSON.parse(r.stdout) as Record<string, Residency | null>;
  return new Map(paths.map((p) => [p, doc[p] ?? null]));
}

/** Drops a file's pages from the page cache: fsync it, then POSIX_FADV_DONTNEED on the whole file. */
export function evict(path: string): void {
  spawnSync('sync', [path]);
  const r = spawnSync('dd', [`if=${path}`, 'iflag=nocache', 'count=0', 'status=none']);
  if (r.error || r.status !== 0) throw new RecordError(`cannot evict ${path}: ${r.error?.message ?? r.stderr.toString().trim()}`);
}

/** What is missing to record here, or null. */
export function recordUnavailable(): string | null {
  if (process.platform !== 'linux') return `iosim record needs Linux (this is ${process.platform})`;
  if (spawnSync('strace', ['-V']).error) return 'iosim record needs strace (not found on PATH)';
  if (spawnSync('python3', ['-c', '0']).error) return 'iosim record needs python3 for mincore (not found on PATH)';
  return null;
}

/** Regular files a strace -y log names (the <path> decorations and quoted paths of opens), outside /proc, /sys, /dev. */
export function touchedFiles(log: string): string[] {
  const seen = new Set<string>();
  for (const m of log.matchAll(/<(\/[^<>\n]*)>/g)) seen.add(m[1]);
  for (const m of log.matchAll(/(?:open|openat|creat|openat2)\((?:[^,]*, )?"(\/[^"]+)"/g)) seen.add(m[1]);
  return [...seen].filter((p) => {
    if (/^\/(proc|sys|dev)\//.test(p)) return false;
    try {
      return statSync(p).isFile();
    } catch {
      return false;
    }
  }).sort();
}

/** The file system that holds `path`: the longest mount point of /proc/self/mountinfo that prefixes it. */
export function fileSystemOf(path: string): HostRecord['fs'] {
  let text: string;
  try {
    text = readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return null;
  }
  let best: HostRecord['fs'] = null;
  for (const line of text.split('\n')) {
    const f = line.split(' ');
    const sep = f.indexOf('-');
    if (f.length < 10 || sep < 0) continue;
    const mount = f[4].replace(/\\040/g, ' ');
    if (!(path === mount || path.startsWith(mount === '/' ? '/' : `${mount}/`))) continue;
    if (!best || mount.length >= best.mount.length) best = { type: f[sep + 1], source: f[sep + 2], mount };
  }
  return best;
}

export interface RecordOptions {
  log: string;
  cold: string[];
  watch: string[];
  command: string[];
  /** Messages for people (stderr). */
  say: (line: string) => void;
}

/** Writes a file or throws a RecordError "cannot write PATH: ENOENT". */
function writeOrFail(path: string, text: string): void {
  try {
    writeFileSync(path, text);
  } catch (e) {
    throw new RecordError(`cannot write ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/**
 * Records a command; returns the command's exit status. Throws a RecordError (no host record written) when the log
 * cannot be written or the command could not be started.
 */
export function record(o: RecordOptions): { status: number; host: HostRecord } {
  const cold = o.cold.map((p) => resolve(p));
  const watch = o.watch.map((p) => resolve(p));
  for (const p of cold) evict(p);
  const before = residency([...new Set([...cold, ...watch])]);
  // A watched path that is not there yet (the command's output): known to start with no page.
  const absent = new Set(watch.filter((p) => !existsSync(p)));
  for (const p of cold) {
    const r = before.get(p);
    if (!r) throw new RecordError(`--cold ${p}: cannot open it`);
    if (r.pages > 0) o.say(`warning: ${p} still has ${r.pages} resident pages after eviction (mapped or locked by someone?)`);
  }
  // The log must be writable before anything runs: strace would say so and run nothing, and no log would follow.
  writeOrFail(o.log, '');
  const run = spawnSync('strace', ['-f', '-tt', '-T', '-y', '-yy', '-o', o.log, '--', ...o.command], { stdio: 'inherit' });
  if (run.error) throw new RecordError(`cannot run strace: ${run.error.message}`);
  const log = readFileSync(o.log, 'utf8');
  // strace writes no line when it cannot start the command (not found, not executable): it said why on stderr.
  if (log.trim() === '') {
    unlinkSync(o.log);
    throw new RecordError(`the command could not be run (${o.command[0]}: strace recorded no call; its message is above): wrote no ${o.log} and no ${hostRecordPath(o.log)}`);
  }
  const touched = touchedFiles(log);
  const all = [...new Set([...cold, ...watch, ...touched])].sort();
  const after = residency(all);
  const files: HostFile[] = all.map((p) => ({
    path: p,
    before: before.get(p) ?? null,
    ...(absent.has(p) ? { absentBefore: true as const } : {}),
    after: after.get(p) ?? null,
    why: [...(cold.includes(p) ? ['cold' as const] : []), ...(watch.includes(p) ? ['watch' as const] : []), ...(touched.includes(p) ? ['log' as const] : [])],
  }));
  const sized = files.map((f) => ({ path: f.path, size: f.after?.size ?? f.before?.size ?? 0 }));
  const largest = [...sized].sort((a, b) => b.size - a.size)[0];
  const rel = release();
  const host: HostRecord = {
    version: 1,
    command: o.command,
    recordedAt: new Date().toISOString(),
    kernel: { release: rel, profile: profileForRelease(rel) },
    fs: largest ? fileSystemOf(largest.path) : fileSystemOf('/'),
    profile: hostProfile(sized),
    files,
  };
  // One run a line: [first, last] pairs kept together.
  const text = JSON.stringify(host, null, 1).replace(/\[\s*(\d+),\s*(\d+)\s*\]/g, '[$1, $2]');
  writeOrFail(hostRecordPath(o.log), text + '\n');
  return { status: run.status ?? 1, host };
}
