/**
 * Scopes and variables: the machine at the current position as a tree a DAP client can expand (registers, the
 * operation, the program's variables, the page cache down to single pages, buffers, devices, counters, sysctl),
 * and which of its entries a data breakpoint can watch. References live until the next stop or change.
 */
import { Handles, Scope } from '@vscode/debugadapter';
import { DebugProtocol } from '@vscode/debugprotocol';
import { CONFIG_KEYS } from '../machine/config';
import { C, hitPercent } from '../machine/counters';
import { controllerWhat } from '../machine/dev/block';
import { Machine } from '../machine/machine';
import { pageOf, pageStateName } from '../machine/pagecache';
import { formatBytes, formatDuration, hex } from '../machine/units';
import { Trace } from '../trace/trace';
import { parseDataId } from './breakpoints';
import { Engine } from './engine';
import {
  allCounters, decodeArgs, diskLabel, formatRegister, operationAt, REGISTER_NAMES, registerValue, resultText, variablesAt,
} from './inspect';
import { pendingSysctls } from './sysctl';
import { lastOpOfThread } from './threads';

export type VarRef =
  | { kind: 'registers' }
  /** The call at the position; with `thread`, that process's most recent call (it is not the one on the CPU). */
  | { kind: 'operation'; thread?: number }
  | { kind: 'pagecache' }
  | { kind: 'file'; fileId: number }
  | { kind: 'lru'; list: 'active' | 'inactive' }
  | { kind: 'buffers' }
  | { kind: 'devices' }
  | { kind: 'dma' }
  | { kind: 'counters' }
  | { kind: 'sysctl' }
  | { kind: 'variables' };

export function variable(name: string, value: string | number, extra: Partial<DebugProtocol.Variable> = {}): DebugProtocol.Variable {
  return { name, value: String(value), variablesReference: 0, ...extra };
}

const v = variable;

export class Variables {
  private handles = new Handles<VarRef>();

  /** References handed out before a stop or a change name what is no longer shown. */
  reset(): void {
    this.handles.reset();
  }

  get(reference: number): VarRef | undefined {
    return this.handles.get(reference);
  }

  /**
   * The scopes of a frame. `other` is the frame's process when it is not the one whose call is at the position (a
   * log's other process, stopped where its last call returned): its Operation scope shows that call. `cpuElsewhere`:
   * the registers were last set by another process's call (frameContext).
   */
  scopes(frame: { other: number | null; cpuElsewhere: boolean } = { other: null, cpuElsewhere: false }): DebugProtocol.Scope[] {
    const otherThread = frame.other;
    const scope = (name: string, ref: VarRef, hint?: string, expensive = false) => {
      const s = new Scope(name, this.handles.create(ref), expensive) as DebugProtocol.Scope;
      if (hint) s.presentationHint = hint;
      return s;
    };
    return [
      // The machine keeps one register file: a process not on the CPU has none of its own to show.
      scope(frame.cpuElsewhere ? 'Registers (of the CPU, not this process)' : 'Registers', { kind: 'registers' }, 'registers'),
      scope('Operation', otherThread === null ? { kind: 'operation' } : { kind: 'operation', thread: otherThread }, 'arguments'),
      scope('Variables', { kind: 'variables' }, 'locals'),
      scope('Page Cache', { kind: 'pagecache' }),
      scope('Buffers', { kind: 'buffers' }),
      scope('Devices', { kind: 'devices' }),
      scope('Counters', { kind: 'counters' }),
      scope('sysctl', { kind: 'sysctl' }),
    ];
  }

  /** The children of a reference (all of them, or the `start`/`count` window a client pages through). */
  list(engine: Engine, args: DebugProtocol.VariablesArguments): DebugProtocol.Variable[] {
    const ref = this.handles.get(args.variablesReference);
    const m = engine.state();
    let vars: DebugProtocol.Variable[] = ref ? this.variablesOf(ref, m, engine) : [];
    if (args.start !== undefined || args.count !== undefined) {
      const start = args.start ?? 0;
      vars = vars.slice(start, args.count ? start + args.count : undefined);
    }
    return vars;
  }

  /** What a data breakpoint on `name` (inside `container`, or a data id typed as is) would watch; null: nothing. */
  dataBreakpoint(trace: Trace, container: number | undefined, name: string): { dataId: string; description: string } | null {
    const ref = container ? this.handles.get(container) : undefined;
    if (ref?.kind === 'file') {
      const idx = /^\[?(\d+)\]?/.exec(name);
      const f = trace.machine.filesById[ref.fileId];
      if (idx && f) return { dataId: `page:${f.path}:${idx[1]}`, description: `page ${idx[1]} of ${f.path} changes (cached, dirtied, written back, evicted, copied into)` };
    } else if (ref?.kind === 'buffers') {
      const m = /^(buffer|socket|pipe) (\d+)/.exec(name);
      if (m) return { dataId: `${m[1]}:${m[2]}`, description: `bytes are copied into ${m[1]} ${m[2]}` };
    } else if (parseDataId(name)) {
      return { dataId: name, description: `${name} changes` };
    }
    return null;
  }

  private variablesOf(ref: VarRef, m: Machine, engine: Engine): DebugProtocol.Variable[] {
    const pos = engine.pos;
    switch (ref.kind) {
      case 'registers':
        return REGISTER_NAMES.map((n) => {
          const val = registerValue(m, n)!;
          const shown = typeof val === 'string' ? val : n === 'pc' ? `line ${val}` : `${formatRegister(val)} (${val})`;
          return v(n, shown, { evaluateName: n, presentationHint: { kind: 'property', attributes: ['readOnly'] } });
        });
      case 'operation':
        return operationVariables(engine, m, pos, ref.thread);
      case 'variables':
        return [...variablesAt(engine, pos)].map(([k, n]) => v(k, n >= 4096 ? `${n} (${hex(n)})` : n, { evaluateName: k }));
      case 'pagecache':
        return this.pageCache(m);
      case 'file': {
        const out: DebugProtocol.Variable[] = [];
        for (const g of m.cache.mapping(ref.fileId)?.folios() ?? []) {
          for (let i = g.index; i < g.end; i++) {
            const p = pageOf(g, i);
            out.push(v(`[${i}]`, pageStateName(p) + (p.readyAt > m.now ? ', I/O in flight' : '')));
          }
        }
        return out;
      }
      case 'lru': {
        const list = m.lru(ref.list, 500);
        return list.map((p, i) => v(`${i === 0 ? 'head ' : ''}${i}`, `${m.filesById[p.fileId].path}[${p.index}] ${pageStateName(p)}`));
      }
      case 'buffers':
        return buffers(m);
      case 'devices':
        return [
          v('disk', `${diskLabel(m)}, ${m.config.blockSize}-byte blocks, queue ${m.disk.queue}, busy until ${formatDuration(m.disk.busyUntil)}, ${m.disk.requests} requests`),
          v('DMA engine', `${m.dma.length} transfers in flight`, { variablesReference: m.dma.length ? this.handles.create({ kind: 'dma' }) : 0 }),
          v('NIC', `${m.config.nic === 'sg-dma' ? 'scatter-gather DMA' : 'plain DMA (no scatter-gather)'}, ${formatBytes(m.nic.inflight)} in flight, ${formatBytes(m.nic.sentBytes)} sent`),
          v('CPU', `${m.mode} mode, thread ${m.thread === 0 ? 'flusher' : m.thread}`),
          v('clock', formatDuration(m.now)),
        ];
      case 'dma':
        return m.dma.map((d) => v(`#${d.id}`, `${d.what}: ${formatBytes(d.bytes)}, started ${formatDuration(d.startedAt)}, completes ${formatDuration(d.doneAt)}`));
      case 'counters':
        return [...allCounters(m).map(([n, c]) => v(n, n.endsWith('Ns') ? formatDuration(c) : n.endsWith('Bytes') ? `${c} (${formatBytes(c)})` : c)), v('simulated time', formatDuration(m.now))];
      case 'sysctl': {
        const pending = pendingSysctls(engine);
        const kernel = v('kernel', `${m.config.kernel} (page-cache rules; set in machine { } or the launch)`);
        return [kernel, ...CONFIG_KEYS.filter((c) => c.sysctl).map((c) => {
          const now = (m.config.sysctl as unknown as Record<string, number>)[c.key];
          const later = pending.get(c.key);
          return v(c.key, later === undefined || later === now ? now : `${now} (${later} when this operation returns)`, { evaluateName: c.key });
        })];
      }
    }
    return [];
  }

  private pageCache(m: Machine): DebugProtocol.Variable[] {
    const hits = m.counters[C.PageCacheHits];
    const misses = m.counters[C.PageCacheMisses];
    const out = [
      v('capacity', `${m.cache.capacity} pages (${formatBytes(m.cache.capacity * 4096)})`),
      v('used', `${m.cache.size} pages`),
      v('dirty', m.cache.dirty),
      v('writeback', m.cache.writeback),
      v('active list', m.cache.active.count, { variablesReference: this.handles.create({ kind: 'lru', list: 'active' }) }),
      v('inactive list', m.cache.inactive.count, { variablesReference: this.handles.create({ kind: 'lru', list: 'inactive' }) }),
      v('hits', hits),
      v('misses', misses),
      v('hit ratio', (() => { const r = hitPercent(hits, misses); return r === null ? 'n/a' : `${r.toFixed(1)}%`; })()),
      v('dirty thresholds', (() => { const [bg, th] = m.dirtyLimits(); return `background ${bg} pages, limit ${th} pages`; })()),
    ];
    for (const f of m.filesById) {
      const cached = m.cache.mapping(f.id)?.nrpages ?? 0;
      out.push(v(f.path, `${cached} of ${Math.ceil(f.size / 4096)} pages cached`, {
        variablesReference: cached ? this.handles.create({ kind: 'file', fileId: f.id }) : 0,
        indexedVariables: cached,
        memoryReference: `file:${f.id}`,
      }));
    }
    return out;
  }
}

/**
 * The Operation scope. At a position inside a call: that call, in progress. Between calls (a step's or a breakpoint's
 * stop): the call that returned last, with its result, and the call that runs next — the one the frame's line shows
 * and a function breakpoint stopped before — with its arguments, when it is already known. With `thread`: that
 * process's most recent call.
 */
function operationVariables(engine: Engine, m: Machine, pos: number, thread: number | undefined): DebugProtocol.Variable[] {
  const t = engine.trace;
  let at = operationAt(engine, pos);
  if (thread !== undefined) {
    const k = lastOpOfThread(t, Math.min(engine.currentOrNextOp(pos), t.ops.length) - 1, thread);
    if (k < 0) return [v('operation', 'none yet (this process has not made a call)')];
    at = { index: k, record: t.ops.get(k), inside: false };
  }
  const next = thread === undefined && pos >= 0 && engine.isBoundary(pos) ? engine.currentOrNextOp(pos) : -1;
  // Recorded already (the engine runs ahead to decide breakpoints) or read ahead from the source: the same call.
  const pending = next < 0 ? null : t.operationAhead(next);
  // The call before, of the process that runs next: in a log of several processes the last call may be another's.
  const pendingThread = pending?.thread ?? 1;
  if (pending && at && !at.inside && t.ops.threadOf(at.index) !== pendingThread) {
    const k = lastOpOfThread(t, at.index, pendingThread);
    at = k < 0 ? null : { index: k, record: t.ops.get(k), inside: false };
  }
  const out: DebugProtocol.Variable[] = [];
  if (pending) {
    out.push(v('next call', `${pending.name} (line ${pending.line}): ${decodeArgs(m, pending).map((a) => `${a.name}=${a.value}`).join(', ')}; not run yet`));
    const log = engine.logCall(pending.recorded);
    if (log) out.push(v('next call in the log', log.call));
  }
  if (!at) {
    out.push(v('operation', pending && pos >= 0 ? 'none yet (this process has not made a call)' : 'none yet (the program has not started)'));
    return out;
  }
  const r = at.record;
  // The machine has one descriptor table for all of a log's processes, so its numbers can differ from the log's
  // (a dup2 onto 0 or 1, another process's 3): the log's own text of the call is shown beside them.
  const log = engine.logCall(r.recorded);
  out.push(
    v('call', `${r.name} (line ${r.line})`),
    ...(log ? [v('in the log', log.ret === null ? log.call : `${log.call} = ${log.ret}`)] : []),
    ...decodeArgs(m, r).map((a) => v(a.name, a.value)),
    v('state', at.inside ? 'in progress (kernel path)' : 'returned'),
  );
  if (!at.inside) out.push(v('result', resultText(r), { evaluateName: 'result' }));
  out.push(
    v('simulated time', `${formatDuration(r.endNs - r.startNs)} (${formatDuration(r.startNs)} → ${formatDuration(r.endNs)})`),
    v('user↔kernel switches', r.contextSwitches),
    v('CPU copies', `${r.cpuCopies} (${formatBytes(r.cpuBytes)})`),
    v('DMA copies', `${r.dmaCopies} (${formatBytes(r.dmaBytes)})`),
    v('page faults', r.pageFaults),
    v('events', `${r.startPos}–${r.endPos}`),
  );
  return out;
}

function buffers(m: Machine): DebugProtocol.Variable[] {
  const out: DebugProtocol.Variable[] = [];
  for (const r of m.regions) {
    if (r.kind === 'buffer') out.push(v(`buffer ${r.id}`, `user buffer at ${hex(r.addr)}, ${formatBytes(r.size)}`, { memoryReference: `buffer:${r.id}` }));
    else out.push(v(`mmap ${r.id}`, `${hex(r.addr)} → ${m.filesById[r.fileId].path} @${r.fileOff}, ${formatBytes(r.size)}, ${r.shared ? 'MAP_SHARED' : 'MAP_PRIVATE'}, ${r.ptes.size} pages mapped`, { memoryReference: `mmap:${r.id}` }));
  }
  m.sockets.forEach((s, i) => out.push(v(`socket ${i}`, `send buffer: ${formatBytes(s.queued)} queued, ${formatBytes(s.sentBytes)} sent`, { memoryReference: `socket:${i}` })));
  m.pipes.forEach((p, i) => p && out.push(v(`pipe ${i}`, `${formatBytes(p.used)} of ${formatBytes(p.capacity)} (${p.refs.filter((r) => r.kind === 'page').length} page references)`, { memoryReference: `pipe:${i}` })));
  out.push(v('controller buffer', m.disk.controllerLen ? `${formatBytes(m.disk.controllerLen)} from ${controllerWhat(m)}` : 'empty', { memoryReference: 'controller' }));
  return out;
}
