import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { EVENT_NAMES, Ev, eventPageCount, evictReason } from '../../src/machine/events';
import { Machine } from '../../src/machine/machine';
import { loadScenario } from '../../src/program/load';
import { runJson } from '../../src/trace/summary';
import { Trace } from '../../src/trace/trace';

export const KiB = 1024;
export const MiB = 1024 * KiB;
export const GiB = 1024 * MiB;
export const PAGE = 4096;

/** Loads a scenario (insisting on no errors) and returns a trace that has not run yet. */
export function traceOf(text: string, checkpointEvery = 0): Trace {
  const loaded = loadScenario(text, 'test.iosim');
  const errors = loaded.diagnostics.filter((d) => d.severity === 'error');
  assert.equal(errors.length, 0, errors.map((d) => `${d.line}:${d.col}: ${d.message}`).join('\n'));
  assert.ok(loaded.spec);
  return new Trace(loaded.spec, { checkpointEvery });
}

/** Runs a scenario to the end. */
export function run(text: string, checkpointEvery = 0): Trace {
  const t = traceOf(text, checkpointEvery);
  t.runToEnd();
  return t;
}

export interface EvRec {
  pos: number;
  kind: Ev;
  name: string;
  thread: number;
  time: number;
  a: number;
  b: number;
  c: number;
}

/** Events about a run of pages [b, b + count): read here one record per page, as the machine once reported them. */
const PAGE_RUNS = new Set<Ev>([Ev.PageHit, Ev.PageMiss, Ev.PageInsert, Ev.PageActivate, Ev.PageDeactivate, Ev.PageEvict, Ev.PageDirty, Ev.PageMap]);

/**
 * Events of positions [from, to] (inclusive), optionally only of some kinds. A page-run event is read as one record
 * per page (its position and time shared): b the page, c the eviction reason for PageEvict, else 0.
 */
export function events(t: Trace, kinds?: readonly Ev[], from = 0, to = t.events.length - 1): EvRec[] {
  const out: EvRec[] = [];
  const e = t.events;
  for (let i = from; i <= to; i++) {
    const k = e.kind(i);
    if (kinds && !kinds.includes(k)) continue;
    const rec = { pos: i, kind: k, name: EVENT_NAMES[k], thread: e.thread(i), time: e.time(i), a: e.a(i), b: e.b(i), c: e.c(i) };
    if (!PAGE_RUNS.has(k)) {
      out.push(rec);
      continue;
    }
    const n = eventPageCount(k, rec.c);
    for (let j = 0; j < n; j++) out.push({ ...rec, b: rec.b + j, c: k === Ev.PageEvict ? evictReason(rec.c) : 0 });
  }
  return out;
}

/** Events of operation `i` only. */
export function opEvents(t: Trace, i: number, kinds?: readonly Ev[]): EvRec[] {
  const r = t.ops.get(i);
  return events(t, kinds, r.startPos, r.endPos);
}

/** The index of the n-th (0-based) operation named `name`. */
export function opIndex(t: Trace, name: string, n = 0): number {
  let seen = 0;
  for (let i = 0; i < t.ops.length; i++) {
    if (t.ops.nameOf(i) === name) {
      if (seen === n) return i;
      seen++;
    }
  }
  throw new Error(`no operation ${name} #${n}`);
}

/** Page indexes of a file that are cached, ascending. */
export function cachedPages(m: Machine, path: string): number[] {
  const f = m.files.get(path);
  assert.ok(f, `no file ${path}`);
  const pages = m.cache.pagesOf(f.id);
  return pages ? [...pages.keys()].sort((x, y) => x - y) : [];
}

export function fileId(m: Machine, path: string): number {
  const f = m.files.get(path);
  assert.ok(f, `no file ${path}`);
  return f.id;
}

export function range(from: number, toInclusive: number): number[] {
  return Array.from({ length: toInclusive - from + 1 }, (_, i) => from + i);
}

/** SHA-256 of every field of every event. */
export function eventHash(t: Trace): string {
  const h = createHash('sha256');
  const e = t.events;
  const buf = new Float64Array(7);
  for (let i = 0; i < e.length; i++) {
    buf[0] = e.kind(i);
    buf[1] = e.thread(i);
    buf[2] = e.time(i);
    buf[3] = e.a(i);
    buf[4] = e.b(i);
    buf[5] = e.c(i);
    buf[6] = i;
    h.update(new Uint8Array(buf.buffer));
  }
  return h.digest('hex');
}

export function jsonHash(t: Trace): string {
  return createHash('sha256').update(JSON.stringify(runJson(t))).digest('hex');
}

/** A compact dump, for failure messages. */
export function dump(list: EvRec[]): string {
  return list.map((r) => `${r.pos} t=${r.time} th=${r.thread} ${r.name}(${r.a},${r.b},${r.c})`).join('\n');
}

/** Touches every part of the machine: readahead, faults, sockets, pipes, writeback, throttling, reclaim, aio. */
export const RICH = `machine {
  page_cache_limit = 512KiB
  vm.dirty_background_bytes = 64KiB
  vm.dirty_bytes = 256KiB
  nic = plain
  disk = hdd
}
file "/srv/a.html" size 96KiB
file "/srv/b.bin" size 2MiB
file "/var/log" size 0
buf = alloc(64KiB)
sock = socket()
a = open("/srv/a.html")
b = open("/srv/b.bin", O_RDWR)
n = read(a, buf, 16KiB)
write(sock, buf, n)
m = mmap(b, 256KiB)
touch(m, 0, 8KiB)
touch(m, 100KiB, 64KiB)
write(sock, m, 32KiB)
sendfile(sock, a, 16KiB, 64KiB)
p = pipe()
splice(b, p, 64KiB)
splice(p, sock, 64KiB)
log = open("/var/log", O_WRONLY | O_CREAT | O_APPEND)
repeat 32 { write(log, buf, 64KiB) }
pwrite(b, buf, 8KiB, 4KiB)
fsync(log)
d = open("/srv/b.bin", O_RDONLY | O_DIRECT)
pread(d, buf, 16KiB, 0)
id = aio_read(d, buf, 32KiB, 1MiB)
u = uring_read(b, buf, 32KiB, 1536KiB)
aio_wait(id)
uring_wait(u)
sysctl vm.dirty_expire_centisecs = 500
repeat 2 {
  pread(b, buf, 64KiB, 1MiB)
  pread(b, buf, 64KiB, 1088KiB)
  pread(b, buf, 64KiB, 1152KiB)
  pread(b, buf, 64KiB, 1216KiB)
  pread(b, buf, 64KiB, 1280KiB)
}
lseek(b, 0, SEEK_SET)
repeat 8 { read(b, buf, 64KiB) }
sleep 12s
lseek(a, 0, SEEK_SET)
repeat 3 { read(a, buf, 32KiB) }
drop_caches
close(log)
fdatasync(b)
`;
