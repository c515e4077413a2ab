/**
 * What a person inspects at a trace position: decoded operations, registers, page cache, buffers, devices,
 * counters, and the machine state message for the panel. Reads a Machine; never changes it.
 */
import { C, COUNTER_NAMES } from '../machine/counters';
import { Content } from '../machine/content';
import { controllerWhat } from '../machine/dev/block';
import { DISK_PROFILES } from '../machine/config';
import { Ev, EVENT_NAMES, eventPageCount, Loc } from '../machine/events';
import { Machine } from '../machine/machine';
import { flagNames, findOp, OPS } from '../machine/operation';
import { Page, pageStateName, PG_ACTIVE, PG_DIRTY, PG_READAHEAD, PG_WRITEBACK } from '../machine/pagecache';
import { formatBytes, formatDuration, hex, PAGE_SIZE } from '../machine/units';
import { ERRNO_TEXT } from '../machine/errno';
import {
  Counters, CurrentOperation, DecodedArg, FilePages, HexView, MachineState, PAGE_CODES, PageRun, PageCacheView, Place, pageRunLength,
  RegisterValue, TimelineBucket, TimelineEvent,
} from '../shared/messages';
import { EVENT_CHUNK } from '../trace/eventLog';
import { OpRecord } from '../trace/opLog';
import { fdNamesBefore, straceLine } from '../trace/strace';
import { Trace } from '../trace/trace';
import { describeEvent } from './describe';
import { Engine } from './engine';
import { kernelPath, stepAt } from './kernelPath';

export const REGISTER_NAMES = ['mode', 'pc', 'rax', 'rdi', 'rsi', 'rdx', 'r10', 'r8', 'r9', 'cr2'] as const;

export function registerValue(m: Machine, name: string): number | string | undefined {
  const r = m.regs as unknown as Record<string, number | string>;
  return name in r ? r[name] : undefined;
}

export function fdLabel(m: Machine, fd: number): string {
  const o = m.fds.get(fd);
  if (!o) return String(fd);
  if (o.kind === 'file') return `${fd}<${m.filesById[o.fileId].path}>`;
  if (o.kind === 'socket') return `${fd}<TCP:[socket ${o.sockId}]>`;
  return `${fd}<pipe:[${o.pipeId}] ${o.end} end>`;
}

/** Arguments decoded the way a person reads them: fds with their paths, flags by name, sizes with units. */
export function decodeArgs(m: Machine, r: { name: string; args: readonly number[]; text?: string }): DecodedArg[] {
  const spec = findOp(r.name);
  if (!spec) return [];
  if (r.name === 'sysctl') return [{ name: 'key', value: r.text ?? '' }, { name: 'value', value: String(r.args[0]) }];
  // open's path travels as text and its flags are the first number (as openat's rdx).
  if (r.name === 'open') return [{ name: 'path', value: JSON.stringify(r.text ?? '') }, { name: 'flags', value: flagNames(r.args[0] ?? 0).join(' | ') }];
  return spec.args.map((a, i): DecodedArg => {
    const v = r.args[i];
    if (a.kind === 'path') return { name: a.name, value: JSON.stringify(r.text ?? '') };
    if (v === undefined) return { name: a.name, value: '(default)' };
    switch (a.kind) {
      case 'fd': return { name: a.name, value: fdLabel(m, v) };
      case 'flags': return { name: a.name, value: flagNames(v).join(' | ') };
      case 'size': return { name: a.name, value: `${v} (${formatBytes(v)})` };
      case 'addr': return { name: a.name, value: hex(v) };
      case 'whence': return { name: a.name, value: ['SEEK_SET', 'SEEK_CUR', 'SEEK_END'][v] ?? String(v) };
      case 'duration': return { name: a.name, value: formatDuration(v) };
      default: return { name: a.name, value: String(v) };
    }
  });
}

export function resultText(r: OpRecord): string {
  if (r.errno) return `-1 ${r.errno} (${ERRNO_TEXT[r.errno]})`;
  const spec = findOp(r.name);
  if (spec?.returns === 'addr') return hex(r.result);
  if (spec?.returns === 'size') return `${r.result} (${formatBytes(r.result)})`;
  return String(r.result);
}

/** The operation a position belongs to: the one in progress, else the one that just completed. */
export function operationAt(engine: Engine, pos: number): { index: number; record: OpRecord; inside: boolean } | null {
  const t = engine.trace;
  if (pos < 0 || t.ops.length === 0) return null;
  const k = Math.min(t.ops.opAt(pos), t.ops.length - 1);
  if (k < 0) return null;
  return { index: k, record: t.ops.get(k), inside: pos < t.ops.endPosOf(k) };
}

/** The program's variables at a position: the live ones at the head, else those of a replay up to it. */
export function variablesAt(engine: Engine, pos: number): ReadonlyMap<string, number> {
  const t = engine.trace;
  return pos >= t.head && engine.isBoundary(pos) ? t.headVariables() : t.replayTo(pos).source.variables();
}

/** The line of the last operation recorded (1 before the first). */
export function lastLine(t: Trace): number {
  return t.ops.length ? t.ops.lineOf(t.ops.length - 1) : 1;
}

export function countersOf(m: Machine): Counters {
  const c = m.counters;
  return {
    syscalls: c[C.Syscalls], contextSwitches: c[C.ContextSwitches], cpuCopies: c[C.CpuCopies], dmaCopies: c[C.DmaCopies],
    cpuBytes: c[C.CpuBytes], dmaBytes: c[C.DmaBytes], pageCacheHits: c[C.PageCacheHits], pageCacheMisses: c[C.PageCacheMisses],
    evictions: c[C.Evictions], dmaInterrupts: c[C.DmaInterrupts], pageFaults: c[C.PageFaults], writebackPages: c[C.WritebackPages],
    simTimeNs: m.now,
  };
}

export function allCounters(m: Machine): [string, number][] {
  return COUNTER_NAMES.map((n, i) => [n, m.counters[i]]);
}

export function pageCode(p: Page, now: number): string {
  return folioCode(p.flags, p.readyAt > now);
}

function folioCode(flags: number, locked: boolean): string {
  if (flags & PG_WRITEBACK) return PAGE_CODES.writeback;
  if (flags & PG_DIRTY) return PAGE_CODES.dirty;
  if (locked) return PAGE_CODES.locked;
  if (flags & PG_READAHEAD) return PAGE_CODES.readahead;
  return flags & PG_ACTIVE ? PAGE_CODES.cleanActive : PAGE_CODES.cleanInactive;
}

/** Pages evicted by the operation at the position, up to it (shown once as "just evicted"). */
export function justEvicted(t: Trace, pos: number): { fileId: number; index: number }[] {
  if (pos < 0) return [];
  const k = Math.min(t.ops.opAt(pos), t.ops.length - 1);
  if (k < 0) return [];
  const out: { fileId: number; index: number }[] = [];
  const ev = t.events;
  for (let e = t.ops.startPosOf(k); e <= pos; e++) {
    if (ev.kind(e) !== Ev.PageEvict) continue;
    const n = eventPageCount(Ev.PageEvict, ev.c(e));
    // The last 4096 pages are enough for the map; a larger run is cut to its end.
    for (let i = Math.max(0, n - 4096); i < n; i++) out.push({ fileId: ev.a(e), index: ev.b(e) + i });
    if (out.length > 8192) out.splice(0, out.length - 4096);
  }
  return out.slice(-4096);
}

/** Pages in one state from which the page map sends one repeated code instead of a code a page. */
const REPEAT_MIN = 16;

/** The page map: per file, runs of page codes in index order, built a folio at a time. */
export function pageCacheView(m: Machine, evicted: { fileId: number; index: number }[]): PageCacheView {
  const files: FilePages[] = [];
  const evictedBy = new Map<number, number[]>();
  for (const e of evicted) {
    if (m.cache.find(e.fileId, e.index)) continue;
    const l = evictedBy.get(e.fileId) ?? [];
    l.push(e.index);
    evictedBy.set(e.fileId, l);
  }
  for (const f of m.filesById) {
    const mapping = m.cache.mapping(f.id);
    const gone = (evictedBy.get(f.id) ?? []).sort((a, b) => a - b);
    if (!mapping && !gone.length) continue;
    const runs: PageRun[] = [];
    // `n` pages from `index`, all with `code`: a long stretch as one repeated code, a short one spelt out.
    const add = (index: number, code: string, n: number) => {
      const last = runs[runs.length - 1];
      const next = last ? last.start + pageRunLength(last) : -1;
      if (last && next === index && last.repeat !== undefined && last.codes === code) last.repeat += n;
      else if (n >= REPEAT_MIN) runs.push({ start: index, codes: code, repeat: n });
      else if (last && next === index && last.repeat === undefined) last.codes += code.repeat(n);
      else runs.push({ start: index, codes: code.repeat(n) });
    };
    let g = 0;
    let dirty = 0;
    // The index's nodes read in place, not through the folios() generator: a full 1 GiB cache is 262k folios at every
    // stop (issue 10).
    for (const node of mapping?.nodeList() ?? []) {
      const fs = node.folios;
      for (let k = 0; k < fs.length; k++) {
        const folio = fs[k];
        while (g < gone.length && gone[g] < folio.index) add(gone[g++], PAGE_CODES.evicted, 1);
        const ready = folio.readyCount(m.now);
        if (ready > 0) add(folio.index, folioCode(folio.flags, false), ready);
        if (ready < folio.nr) add(folio.index + ready, folioCode(folio.flags, true), folio.nr - ready);
        if (folio.flags & PG_DIRTY) dirty += folio.nr;
      }
    }
    while (g < gone.length) add(gone[g++], PAGE_CODES.evicted, 1);
    files.push({ fileId: f.id, path: f.path, sizePages: Math.ceil(f.size / PAGE_SIZE), cached: mapping?.nrpages ?? 0, dirty, runs });
  }
  const active = m.cache.active.count;
  return {
    capacityPages: m.cache.capacity, pages: m.cache.size, dirty: m.cache.dirty, writeback: m.cache.writeback,
    active, inactive: m.cache.size - active, files,
  };
}

const PLACE: Record<number, Place> = {
  [Loc.Disk]: 'disk', [Loc.Controller]: 'controller', [Loc.PageCache]: 'pageCache', [Loc.User]: 'user', [Loc.Mmap]: 'mmap',
  [Loc.Socket]: 'socket', [Loc.Pipe]: 'pipe', [Loc.Nic]: 'nic',
};

/** A readMemory answer: up to 1 MiB from `offset` (what lies past the end is unreadable); null for an unknown reference. */
export function readMemory(m: Machine, ref: string, offset: number, count: number): { address: string; data: string; unreadableBytes: number } | null {
  const mem = memoryOf(m, ref);
  if (!mem) return null;
  const start = Math.max(0, offset);
  const n = Math.max(0, Math.min(count, 1 << 20, mem.size - start));
  const bytes = n > 0 ? mem.content.read(start, n, m.nameOf) : new Uint8Array(0);
  return { address: hex(mem.base + start), data: Buffer.from(bytes).toString('base64'), unreadableBytes: Math.max(0, count - n) };
}

/** The bytes behind a memory reference, and how long it is. */
export function memoryOf(m: Machine, ref: string): { content: Content; size: number; base: number; title: string } | null {
  const [kind, a] = ref.split(':');
  const id = Number(a);
  switch (kind) {
    case 'buffer': case 'mmap': {
      const r = m.regions.find((x) => x.id === id);
      if (!r) return null;
      if (r.kind === 'buffer') return { content: r.content, size: r.size, base: r.addr, title: `user buffer ${hex(r.addr)}` };
      const f = m.filesById[r.fileId];
      const view = new Content(f.content.defaultSrc);
      view.copyFrom(f.content, r.fileOff, 0, r.size);
      return { content: view, size: r.size, base: r.addr, title: `mmap ${hex(r.addr)} of ${f.path}` };
    }
    case 'socket': {
      const s = m.sockets[id];
      return s ? { content: s.last, size: s.lastLen, base: 0, title: `socket ${id} send buffer (last segment)` } : null;
    }
    case 'pipe': {
      const p = m.pipes[id];
      if (!p) return null;
      const c = new Content(-1);
      let off = 0;
      for (const r of p.refs) {
        c.copyFrom(r.kind === 'page' ? m.filesById[r.fileId].content : r.content!, r.kind === 'page' ? r.off : 0, off, r.len);
        off += r.len;
      }
      return { content: c, size: p.used, base: 0, title: `pipe ${id} buffer` };
    }
    case 'controller': return { content: m.disk.controller, size: m.disk.controllerLen, base: 0, title: `disk controller buffer (${controllerWhat(m) || 'empty'})` };
    case 'file': {
      const f = m.filesById[id];
      return f ? { content: f.content, size: f.size, base: 0, title: `${f.path} as the page cache sees it` } : null;
    }
    case 'disk': {
      const f = m.filesById[id];
      return f ? { content: f.disk, size: f.size, base: 0, title: `${f.path} on the disk` } : null;
    }
  }
  return null;
}

/** The buffer the current step moved bytes into, with the moved bytes marked. */
export function hexViewOf(m: Machine): HexView | null {
  const mv = m.lastMove;
  if (!mv) return null;
  let ref: string;
  let off = mv.dstOff;
  switch (mv.dst) {
    case Loc.User: ref = `buffer:${mv.dstObj}`; break;
    case Loc.Socket: case Loc.Nic: ref = `socket:${mv.dstObj}`; off = 0; break;
    case Loc.Pipe: ref = `pipe:${mv.dstObj}`; off = 0; break;
    case Loc.PageCache: ref = `file:${mv.dstObj}`; break;
    case Loc.Disk: ref = `disk:${mv.dstObj}`; break;
    default: return null;
  }
  const mem = memoryOf(m, ref);
  if (!mem) return null;
  const start = Math.max(0, Math.min(off, Math.max(0, mem.size - 1)));
  const windowStart = start - (start % 16);
  const len = Math.min(4096, Math.max(0, mem.size - windowStart));
  const bytes = mem.content.read(windowStart, len, m.nameOf);
  return {
    title: mem.title,
    address: mem.base + windowStart,
    bytesBase64: Buffer.from(bytes).toString('base64'),
    highlightStart: start - windowStart,
    highlightLength: Math.min(mv.bytes, len - (start - windowStart)),
  };
}

export function registersOf(m: Machine, previous: Map<string, string> | null): RegisterValue[] {
  return REGISTER_NAMES.map((name) => {
    const v = registerValue(m, name)!;
    const value = typeof v === 'string' ? v : name === 'pc' ? `line ${v}` : formatRegister(v);
    return { name, value, changed: previous !== null && previous.get(name) !== value };
  });
}

export function formatRegister(v: number): string {
  return v < 0 ? `-${hex(-v)}` : hex(v);
}

const timelineCache = new WeakMap<Trace, { length: number; n: number; buckets: TimelineBucket[] }>();

/** The whole trace in `n` buckets, for the timeline; recomputed only when the trace has grown or changed. */
export function timeline(t: Trace, n = 120): TimelineBucket[] {
  const len = t.events.length;
  const cached = timelineCache.get(t);
  if (cached && cached.length === len && cached.n === n) return cached.buckets;
  const buckets = computeTimeline(t, n);
  timelineCache.set(t, { length: len, n, buckets });
  return buckets;
}

/** A bucket's counts, added up by countSpan. `dirty` and `cached` run on over the whole trace. */
type TimelineCounts = Pick<TimelineBucket, 'syscalls' | 'dma' | 'interrupts' | 'faults' | 'writeback' | 'evictions'> & {
  dirty: number;
  cached: number;
};

/** Events read by one call of countSpan. */
const SPAN = 4096;

function computeTimeline(t: Trace, n: number): TimelineBucket[] {
  const len = t.events.length;
  if (len === 0) return [];
  const buckets: TimelineBucket[] = [];
  const per = Math.max(1, Math.ceil(len / n));
  const ev = t.events;
  const acc: TimelineCounts = { syscalls: 0, dma: 0, interrupts: 0, faults: 0, writeback: 0, evictions: 0, dirty: 0, cached: 0 };
  for (let from = 0; from < len; from += per) {
    const to = Math.min(len - 1, from + per - 1);
    acc.syscalls = acc.dma = acc.interrupts = acc.faults = acc.writeback = acc.evictions = 0;
    // A chunk's columns at a time (a bucket of the whole log is millions of events), in spans of SPAN events: the
    // first stop after a long run reads every event once, and a small function called many times is optimized
    // after a few calls, where one loop over millions waited in the interpreter for on-stack replacement (the
    // stop at the end of the 1M-line log: 50 -> 30 ms, issue 10).
    for (let e = from; e <= to;) {
      const ch = ev.chunkOf(e);
      const base = e - (e % EVENT_CHUNK);
      const last = Math.min(to, base + EVENT_CHUNK - 1) - base;
      for (let k = e - base; k <= last; k += SPAN) countSpan(ch.kind, ch.c, k, Math.min(last, k + SPAN - 1), acc);
      e = base + last + 1;
    }
    buckets.push({
      from, to, startNs: ev.time(from), syscalls: acc.syscalls, dma: acc.dma, interrupts: acc.interrupts, faults: acc.faults,
      writeback: acc.writeback, evictions: acc.evictions, dirtyPages: Math.max(0, acc.dirty), cachedPages: Math.max(0, acc.cached),
    });
  }
  return buckets;
}

/** Adds the events of slots [from, to] of one chunk (its kind and c columns) to `acc`. */
function countSpan(kinds: Uint8Array, cs: Int32Array, from: number, to: number, acc: TimelineCounts): void {
  let syscalls = 0;
  let dma = 0;
  let interrupts = 0;
  let faults = 0;
  let writeback = 0;
  let evictions = 0;
  let dirty = 0;
  let cached = 0;
  for (let k = from; k <= to; k++) {
    switch (kinds[k]) {
      case Ev.SyscallEnter: syscalls++; break;
      case Ev.DmaStart: dma++; break;
      case Ev.DmaInterrupt: interrupts++; break;
      case Ev.FaultMinor: case Ev.FaultMajor: faults++; break;
      case Ev.WritebackStart: writeback++; dirty -= cs[k]; break;
      case Ev.PageEvict: {
        const n = eventPageCount(Ev.PageEvict, cs[k]);
        evictions += n;
        cached -= n;
        break;
      }
      case Ev.PageInsert: cached += cs[k]; break;
      case Ev.PageDirty: dirty += cs[k]; break;
    }
  }
  acc.syscalls += syscalls;
  acc.dma += dma;
  acc.interrupts += interrupts;
  acc.faults += faults;
  acc.writeback += writeback;
  acc.evictions += evictions;
  acc.dirty += dirty;
  acc.cached += cached;
}

export function nearbyEvents(t: Trace, pos: number, before = 6, after = 6): TimelineEvent[] {
  const out: TimelineEvent[] = [];
  for (let e = Math.max(0, pos - before); e <= Math.min(t.head, pos + after); e++) {
    out.push({ position: e, timeNs: t.events.time(e), thread: t.events.thread(e), kind: EVENT_NAMES[t.events.kind(e)] ?? String(t.events.kind(e)), text: describeEvent(t, e) });
  }
  return out;
}

export function currentOperation(engine: Engine, m: Machine, pos: number): CurrentOperation | null {
  const t = engine.trace;
  const at = operationAt(engine, pos);
  if (!at) {
    const next = t.peekNext();
    return next ? { index: 0, name: '(not started)', line: next.line, call: '', args: [], result: null, phase: 'entry', kernelStep: null } : null;
  }
  const r = at.record;
  let kernelStep: string | null = null;
  if (at.inside) kernelStep = stepAt(kernelPath(t, at.index), pos)?.fn ?? null;
  const spec = findOp(r.name);
  const phase: CurrentOperation['phase'] = spec?.nr === null ? 'user' : at.inside ? (pos === r.startPos ? 'entry' : 'kernel') : 'exit';
  return {
    index: at.index, name: r.name, line: r.line, call: straceLine(r, fdNamesBefore(t.ops, at.index)).replace(/ = .*$/, ''), args: decodeArgs(m, r),
    result: at.inside ? null : resultText(r), phase, kernelStep,
  };
}

export function machineState(engine: Engine, m: Machine, pos: number, previousRegs: Map<string, string> | null): MachineState {
  const t = engine.trace;
  const mv = m.lastMove;
  const moveHere = pos >= 0 && pos <= t.head && (t.events.kind(pos) === Ev.CpuCopy || t.events.kind(pos) === Ev.DmaStart);
  const thread = pos >= 0 ? t.events.thread(pos) : 1;
  return {
    position: pos,
    length: t.events.length,
    timeNs: m.now,
    thread,
    mode: m.mode,
    ended: t.finished && pos >= t.head,
    operation: currentOperation(engine, m, pos),
    registers: registersOf(m, previousRegs),
    counters: countersOf(m),
    movement: mv && moveHere ? { src: PLACE[mv.src], dst: PLACE[mv.dst], bytes: mv.bytes, engine: mv.engine } : null,
    pageCache: pageCacheView(m, justEvicted(t, pos)),
    hex: hexViewOf(m),
    timeline: timeline(t),
    nearby: nearbyEvents(t, pos),
    devices: {
      diskQueue: m.disk.queue,
      diskBusyUntilNs: m.disk.busyUntil,
      dmaInFlight: m.dma.map((d) => ({ id: d.id, what: d.what, bytes: d.bytes, doneAtNs: d.doneAt })),
      nicInFlightBytes: m.nic.inflight,
      nicSentBytes: m.nic.sentBytes,
    },
    sysctl: { ...m.config.sysctl },
    kernel: m.config.kernel,
  };
}

export function diskLabel(m: Machine): string {
  return DISK_PROFILES[m.config.disk].label;
}

export function pageDetails(m: Machine, path: string, index: number): string {
  const f = m.files.get(path);
  if (!f) return `no file ${path}`;
  const p = m.cache.get(f.id, index);
  if (!p) return `${path} page ${index}: not in the page cache`;
  const lines = [`${path} page ${index} (bytes ${index * PAGE_SIZE}–${index * PAGE_SIZE + PAGE_SIZE - 1})`, `  state: ${pageStateName(p)}`];
  if (p.readyAt > m.now) lines.push(`  locked: read I/O completes at ${formatDuration(p.readyAt)}`);
  if (p.flags & PG_DIRTY) lines.push(`  dirty since ${formatDuration(p.dirtiedAt)} (inode dirtied at ${formatDuration(f.dirtiedWhen)}; expires after ${m.config.sysctl['vm.dirty_expire_centisecs'] / 100} s)`);
  return lines.join('\n');
}

export { OPS };
