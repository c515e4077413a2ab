/**
 * Running a program for the advisor: once as recorded (every operation kept with its result and cost, and what its
 * descriptor was on the machine), then again with some operations replaced by another method's (a Rewrite), the rest
 * of the log unchanged.
 *
 * The second run is a different machine history: a pipe or a mapping the rewrite adds takes a descriptor or an address
 * the program's later operations were given in the first run. So every descriptor, address and aio id an unchanged
 * operation carries is translated from the first run's numbering to the second's (the first run's descriptor 7 is
 * the object the second run created at the same step), as the arguments' kinds in the operation table say.
 */
import { C } from '../../machine/counters';
import type { MachineConfig } from '../../machine/config';
import type { OpResult } from '../../machine/errno';
import type { EventSink } from '../../machine/events';
import { LimitError } from '../../machine/limits';
import { Machine } from '../../machine/machine';
import { findOp, type Operation } from '../../machine/operation';
import type { ProgramSpec } from '../../program/source';
import type { MethodCost } from '../compare';
import type { OpRecord } from '../opLog';

const nullSink: EventSink = { emit() {} };

/** What the descriptor an I/O operation names was on the machine when it ran. */
export interface FdFacts {
  kind: 'file' | 'socket' | 'pipe';
  /** file: its path (the machine's), its open flags and its position before the call (bytes). */
  path?: string;
  fileId?: number;
  flags?: number;
  pos?: number;
  /** pipe: which end. */
  end?: 'read' | 'write';
}

/** One executed operation of the recorded run, with its cost (counter differences) and times (ns). */
/** One operation of a replay: the operation log's figures for it (OpRecord) and the descriptors it used. */
export interface Step extends Pick<OpRecord, 'result' | 'errno' | 'startNs' | 'endNs' | 'contextSwitches' | 'cpuCopies' | 'dmaCopies' | 'cpuBytes' | 'dmaBytes'> {
  op: Operation;
  /** The first argument's descriptor, for reads, writes and the zero-copy calls (absent: not a descriptor). */
  fd?: FdFacts;
  /** sendfile and splice: their second descriptor. */
  fd2?: FdFacts;
  /** Descriptors the operation created (open, socket: one; pipe: read end then write end). */
  created?: number[];
}

/** The cost of a set of operations, summed. */
/** simTimeNs: time inside the calls (each from its start, after any idle wait for its recorded start, to its end). */
export interface Cost extends MethodCost {
  calls: number;
}

export function zeroCost(): Cost {
  return { calls: 0, syscalls: 0, contextSwitches: 0, dmaCopies: 0, cpuCopies: 0, cpuBytes: 0, simTimeNs: 0 };
}

/** The machine at the end of a run: pages cached (all, and per file id) and pages evicted during it. */
export interface CacheEnd {
  pages: number;
  evictions: number;
  pagesOf(fileId: number): number;
}

function cacheEnd(m: Machine): CacheEnd {
  return {
    pages: m.cache.size,
    evictions: m.counters[C.Evictions],
    pagesOf: (fileId) => {
      let n = 0;
      const mp = m.cache.mapping(fileId);
      if (mp) for (const f of mp.folios()) n += f.end - f.index;
      return n;
    },
  };
}

function facts(m: Machine, fd: number): FdFacts | undefined {
  const o = m.fds.get(fd);
  if (!o) return undefined;
  if (o.kind === 'file') return { kind: 'file', path: m.filesById[o.fileId].path, fileId: o.fileId, flags: o.flags, pos: o.pos };
  if (o.kind === 'pipe') return { kind: 'pipe', end: o.end };
  return { kind: 'socket' };
}

const IO = new Set(['read', 'pread', 'write', 'pwrite', 'sendfile', 'splice', 'aio_read', 'aio_submit', 'uring_read', 'mmap']);

/** The descriptors an operation just created: [fd] for open and socket, [read end, write end] for pipe. */
function createdFds(m: Machine, op: Operation, r: OpResult): number[] | undefined {
  if (r.errno || r.result < 0) return undefined;
  if (op.name === 'open' || op.name === 'socket') return [r.result];
  if (op.name !== 'pipe') return undefined;
  const rd = m.fds.get(r.result);
  if (!rd || rd.kind !== 'pipe') return [r.result];
  for (const [fd, o] of m.fds) if (o.kind === 'pipe' && o.pipeId === rd.pipeId && o.end === 'write') return [r.result, fd];
  return [r.result];
}

/** The recorded run: the program as the log (or scenario) gives it, every operation kept. */
export function recordRun(spec: ProgramSpec): { steps: Step[]; end: CacheEnd; config: MachineConfig } {
  const m = new Machine(spec.config, spec.files, nullSink);
  const src = spec.createSource();
  const steps: Step[] = [];
  const before = new Float64Array(C.Count);
  for (let i = 0; ; i++) {
    const op = src.next();
    if (!op) break;
    const io = IO.has(op.name);
    const fd = io ? facts(m, op.args[0]) : undefined;
    const fd2 = op.name === 'sendfile' || op.name === 'splice' ? facts(m, op.args[1]) : undefined;
    const r = executeAt(m, op, i, before);
    src.complete(r.result);
    const c = m.counters;
    steps.push({
      op, result: r.result, errno: r.errno, startNs: m.opStartNs, endNs: m.now,
      contextSwitches: c[C.ContextSwitches] - before[C.ContextSwitches],
      cpuCopies: c[C.CpuCopies] - before[C.CpuCopies],
      dmaCopies: c[C.DmaCopies] - before[C.DmaCopies],
      cpuBytes: c[C.CpuBytes] - before[C.CpuBytes],
      fd, fd2, created: createdFds(m, op, r),
      dmaBytes: c[C.DmaBytes] - before[C.DmaBytes],
    });
  }
  m.finish();
  return { steps, end: cacheEnd(m), config: spec.config };
}

/**
 * Machine.execute, with a limit the run reached (the clock past 2^53 ns: a log's absurd timestamp or sleep) named by
 * the operation that reached it. Throws LimitError with that operation's line; the caller ends the advice there, as
 * `iosim run` ends the run.
 */
function executeAt(m: Machine, op: Operation, seq: number, before: Float64Array): OpResult {
  try {
    return m.execute(op, seq, before);
  } catch (e) {
    if (e instanceof LimitError && e.line === 0) throw new LimitError(e.message, op.line, op.col);
    throw e;
  }
}

/** What a rewrite's replacement code may do: translate the first run's numbers, and run operations. */
export interface AltContext {
  fd(orig: number): number;
  addr(orig: number): number;
  /** Runs `op` now; `measure`: the loop whose cost it adds to (-1: none, as compare leaves out open and close). */
  exec(op: Operation, measure: number): OpResult;
  /** The descriptors the last exec created (a pipe: read end, write end). */
  created(): number[];
}

/**
 * Another method's operations in place of some of the recorded ones: `at` runs before the recorded operation of that
 * index (which is then skipped if `skip` has it); `config` changes the machine (the NIC for SG-DMA, the pipe size).
 */
export interface Rewrite {
  at: Map<number, (ctx: AltContext) => void>;
  skip: Set<number>;
  /** Recorded operations run unchanged but measured as part of a loop (by its index). */
  measureAt: Map<number, number>;
  config: MachineConfig;
  /** How many loops are measured (exec's `measure` indexes). */
  loops: number;
}

/** Address ranges of the first run (buffers, mappings) and where the second run has them. */
class AddrMap {
  private readonly orig: number[] = [];
  private readonly len: number[] = [];
  private readonly alt: number[] = [];

  add(orig: number, len: number, alt: number): void {
    // Both allocators only move up: ranges arrive in order of their first-run address, per allocator; keep sorted.
    let i = this.orig.length;
    while (i > 0 && this.orig[i - 1] > orig) i--;
    this.orig.splice(i, 0, orig);
    this.len.splice(i, 0, len);
    this.alt.splice(i, 0, alt);
  }

  map(a: number): number {
    let lo = 0;
    let hi = this.orig.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.orig[mid] <= a) lo = mid + 1;
      else hi = mid - 1;
    }
    const i = hi;
    if (i >= 0 && a < this.orig[i] + Math.max(this.len[i], 1)) return this.alt[i] + (a - this.orig[i]);
    return a;
  }
}

/** The second run: the recorded steps with the rewrite applied; each measured loop's cost, and the cache at the end. */
export function rewriteRun(spec: ProgramSpec, steps: readonly Step[], rw: Rewrite): { loops: Cost[]; end: CacheEnd; diverged: number[] } {
  const m = new Machine(rw.config, spec.files, nullSink);
  const fds = new Map<number, number>();
  const ids = new Map<number, number>();
  const addrs = new AddrMap();
  const loops = Array.from({ length: rw.loops }, zeroCost);
  const before = new Float64Array(C.Count);
  // Unchanged operations that failed where the recorded run's succeeded, or the reverse (their indexes): a rewrite
  // that disturbs the rest of the log shows here.
  const diverged: number[] = [];
  let seq = 0;
  let created: number[] = [];
  const exec = (op: Operation, measure: number): OpResult => {
    const r = executeAt(m, op, seq++, before);
    created = createdFds(m, op, r) ?? [];
    const cost = loops[measure];
    if (cost) {
      const c = m.counters;
      cost.calls++;
      cost.syscalls += c[C.Syscalls] - before[C.Syscalls];
      cost.contextSwitches += c[C.ContextSwitches] - before[C.ContextSwitches];
      cost.dmaCopies += c[C.DmaCopies] - before[C.DmaCopies];
      cost.cpuCopies += c[C.CpuCopies] - before[C.CpuCopies];
      cost.cpuBytes += c[C.CpuBytes] - before[C.CpuBytes];
      cost.simTimeNs += m.now - m.opStartNs;
    }
    return r;
  };
  const ctx: AltContext = { fd: (f) => fds.get(f) ?? f, addr: (a) => addrs.map(a), exec, created: () => created };
  for (let i = 0; i < steps.length; i++) {
    rw.at.get(i)?.(ctx);
    if (rw.skip.has(i)) continue;
    const s = steps[i];
    const op = translate(s.op, ctx, ids);
    const r = exec(op, rw.measureAt.get(i) ?? -1);
    if ((r.errno === null) !== (s.errno === null)) diverged.push(i);
    if (r.errno || r.result < 0) continue;
    if (s.created) {
      const alt = created;
      s.created.forEach((f, k) => fds.set(f, alt[k] ?? f));
    } else if (op.name === 'alloc') addrs.add(s.result, s.op.args[0], r.result);
    else if (op.name === 'mmap') addrs.add(s.result, s.op.args[1], r.result);
    else if (op.name === 'aio_read' || op.name === 'uring_read') ids.set(s.result, r.result);
  }
  rw.at.get(steps.length)?.(ctx);
  m.finish();
  return { loops, end: cacheEnd(m), diverged };
}

/** The operation with its descriptors, addresses and ids in the second run's numbering. */
function translate(op: Operation, ctx: AltContext, ids: Map<number, number>): Operation {
  const spec = findOp(op.name);
  if (!spec) return op;
  let args: number[] | null = null;
  spec.args.forEach((a, k) => {
    const v = op.args[k];
    if (v === undefined) return;
    const w = a.kind === 'fd' ? ctx.fd(v) : a.kind === 'addr' ? ctx.addr(v) : a.kind === 'id' ? ids.get(v) ?? v : v;
    if (w !== v) (args ??= op.args.slice())[k] = w;
  });
  // aio_submit's control blocks after the first: four arguments a block, the descriptor first (fs/aio-submit.ts).
  if (op.name === 'aio_submit') {
    for (let k = 6; k < op.args.length; k += 4) {
      const w = ctx.fd(op.args[k]);
      if (w !== op.args[k]) (args ??= op.args.slice())[k] = w;
    }
  }
  return args ? { ...op, args } : op;
}
