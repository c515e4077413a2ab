/**
 * The article's methods written in place of a loop's reads and writes: which apply to a loop, and the operations of
 * each, in the order and at the times (the log's) of the calls they replace. Only the transfer calls are measured, as
 * `iosim compare` counts (the mmap is one of them; a pipe, an O_DIRECT descriptor and closing them are not).
 *
 * Each method replaces every loop it applies to in one run, as a program changed in one place would.
 */
import { defaultConfig, type MachineConfig } from '../../machine/config';
import { OPEN_FLAGS, SEEK, type Operation, type RecordedCall } from '../../machine/operation';
import { PAGE_SIZE } from '../../machine/units';
import { maxOf, minOf } from '../../shared/extent';
import type { MethodName } from '../compare';
import type { Loop, Pair } from './loops';
import type { AltContext, Rewrite, Step } from './run';

/** The methods of `iosim compare`, and copy_file_range for a file copied to a file. */
export type AdviseMethod = MethodName | 'copy_file_range' | 'direct+aio';

export const ADVISE_METHODS: readonly AdviseMethod[] = ['sendfile', 'sendfile+sg-dma', 'splice', 'mmap+write', 'copy_file_range', 'direct+write', 'direct+aio'];

/** The methods the model can run in place of `loop` (none when an end is not simulated). */
export function applicable(loop: Loop, steps: readonly Step[]): AdviseMethod[] {
  const out: AdviseMethod[] = [];
  const srcFile = loop.sourceKind === 'file' && loop.sourceFd >= 0 && loop.sourceFileId >= 0;
  const modeledSink = loop.sinkFd >= 0 && loop.sinkKind !== 'other';
  if (!modeledSink) return out;
  const sinkAtPos = !loop.sinkAtOffset;
  if (srcFile) {
    if (loop.sinkKind === 'socket') out.push('sendfile', 'sendfile+sg-dma');
    if (loop.sinkKind === 'file' && sinkAtPos) out.push('sendfile');
    if (loop.sourceAtPos && sinkAtPos && loop.sinkKind !== 'pipe') out.push('splice');
    if (loop.sourceAtPos && loop.sinkKind === 'pipe') out.push('splice');
    if (loop.method !== 'mmap+write') out.push('mmap+write');
    if (loop.sinkKind === 'file' && sinkAtPos) out.push('copy_file_range');
    if (loop.method === 'read+write' && directFits(loop, steps)) out.push('direct+write', 'direct+aio');
  } else if (loop.sourceKind === 'pipe' && loop.sourceFd >= 0 && sinkAtPos && (loop.sinkKind === 'socket' || loop.sinkKind === 'file')) {
    out.push('splice');
  }
  return out;
}

/** O_DIRECT needs each read's offset and count on a block boundary (the buffer is the page-aligned one the replay gives). */
function directFits(loop: Loop, steps: readonly Step[]): boolean {
  return loop.pairs.every((p) => p.pos % 512 === 0 && steps[p.read].op.args[2] % 512 === 0);
}

/** The recorded facts a replacement call carries: the replaced call's start (its time in the log), its own name. */
function rec(s: Step, syscall: string): RecordedCall {
  return { timestampNs: s.op.recorded?.timestampNs, syscall, path: s.op.recorded?.path };
}

function opAt(s: Step, name: string, args: number[], syscall: string, text?: string): Operation {
  return { name, args, line: s.op.line, col: s.op.col, thread: s.op.thread, recorded: rec(s, syscall), text };
}

function nextPow2(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/** Where the loop leaves the source's file position (after its last byte). */
function endPos(l: Loop): number {
  const last = l.pairs[l.pairs.length - 1];
  return last.pos + last.bytes;
}

/** The steps of a pair the replacement stands for (its read and writes). */
function pairSteps(p: Pair): number[] {
  return p.read >= 0 ? [p.read, ...p.writes] : p.writes;
}

/**
 * The rewrite of `loops` (those `method` applies to; each loop's index in `loops` is its measure) by `method`, on a
 * machine configured as `base`.
 */
export function buildRewrite(method: AdviseMethod, loops: readonly Loop[], steps: readonly Step[], base: MachineConfig): Rewrite {
  const config: MachineConfig = { ...defaultConfig(), ...base, sysctl: { ...base.sysctl }, latency: { ...base.latency } };
  if (method === 'sendfile') config.nic = 'plain';
  if (method === 'sendfile+sg-dma') config.nic = 'sg-dma';
  const at = new Map<number, (ctx: AltContext) => void>();
  const skip = new Set<number>();
  const measureAt = new Map<number, number>();
  const add = (i: number, f: (ctx: AltContext) => void) => {
    const prev = at.get(i);
    at.set(i, prev ? (ctx) => { prev(ctx); f(ctx); } : f);
  };
  loops.forEach((l, li) => {
    if (!applicable(l, steps).includes(method)) return;
    const first = l.pairs[0];
    const firstStep = steps[pairSteps(first)[0]];
    const lastIdx = l.eof >= 0 ? l.eof : maxOf(pairSteps(l.pairs[l.pairs.length - 1]));
    const lastStep = steps[lastIdx];
    const eofStep = l.eof >= 0 ? steps[l.eof] : undefined;
    const eofCount = eofStep ? eofStep.op.args[2] : 0;
    for (const p of l.pairs) for (const i of pairSteps(p)) skip.add(i);
    if (l.eof >= 0) skip.add(l.eof);
    // A file position the replacement leaves where it was is put where the loop left it (not measured).
    const fixPos = (ctx: AltContext) => {
      if (l.sourceAtPos) ctx.exec(opAt(lastStep, 'lseek', [ctx.fd(l.sourceFd), endPos(l), SEEK.SEEK_SET], 'lseek'), -1);
    };
    // A call that stands for a whole pair runs where the bytes left (the pair's first write: a pipe's reader has
    // drained it by then, as in the log), with the time the pair started (its read's).
    const each = (f: (ctx: AltContext, p: Pair, s: Step) => void) => {
      for (const p of l.pairs) {
        const s = steps[pairSteps(p)[0]];
        add(p.writes[0], (ctx) => f(ctx, p, s));
      }
    };
    switch (method) {
      case 'sendfile':
      case 'sendfile+sg-dma':
      case 'copy_file_range': {
        const name = method === 'copy_file_range' ? 'copy_file_range' : 'sendfile';
        const text = method === 'copy_file_range' ? 'copy_file_range' : undefined;
        each((ctx, p, s) => ctx.exec(opAt(s, 'sendfile', [ctx.fd(l.sinkFd), ctx.fd(l.sourceFd), p.pos, p.bytes], name, text), li));
        if (eofStep) add(l.eof, (ctx) => ctx.exec(opAt(eofStep, 'sendfile', [ctx.fd(l.sinkFd), ctx.fd(l.sourceFd), endPos(l), eofCount], name, text), li));
        add(lastIdx + 1, fixPos);
        break;
      }
      case 'splice': {
        if (l.sourceKind === 'pipe' || l.sinkKind === 'pipe') {
          // One end is a pipe already: one splice a read+write pair.
          each((ctx, p, s) => ctx.exec(opAt(s, 'splice', [ctx.fd(l.sourceFd), ctx.fd(l.sinkFd), p.bytes], 'splice'), li));
          if (eofStep) add(l.eof, (ctx) => ctx.exec(opAt(eofStep, 'splice', [ctx.fd(l.sourceFd), ctx.fd(l.sinkFd), eofCount], 'splice'), li));
          break;
        }
        // File to socket or file: through a pipe of the program's own, sized to the largest chunk (F_SETPIPE_SZ).
        const largest = maxOf(l.pairs.map((p) => p.bytes));
        config.pipeBytes = Math.max(config.pipeBytes, nextPow2(Math.ceil(largest / PAGE_SIZE) * PAGE_SIZE));
        let pr = -1;
        let pw = -1;
        add(pairSteps(first)[0], (ctx) => {
          const r = ctx.exec(opAt(firstStep, 'pipe', [], 'pipe2'), -1);
          pr = r.result;
          pw = ctx.created()[1] ?? r.result + 1;
        });
        for (const p of l.pairs) {
          const s = steps[pairSteps(p)[0]];
          add(pairSteps(p)[0], (ctx) => ctx.exec(opAt(s, 'splice', [ctx.fd(l.sourceFd), pw, p.bytes], 'splice'), li));
          add(p.writes[0], (ctx) => ctx.exec(opAt(steps[p.writes[0]], 'splice', [pr, ctx.fd(l.sinkFd), p.bytes], 'splice'), li));
        }
        if (eofStep) add(l.eof, (ctx) => ctx.exec(opAt(eofStep, 'splice', [ctx.fd(l.sourceFd), pw, eofCount], 'splice'), li));
        add(lastIdx + 1, (ctx) => {
          ctx.exec(opAt(lastStep, 'close', [pw], 'close'), -1);
          ctx.exec(opAt(lastStep, 'close', [pr], 'close'), -1);
        });
        break;
      }
      case 'mmap+write': {
        const off = Math.floor(minOf(l.pairs.map((p) => p.pos)) / PAGE_SIZE) * PAGE_SIZE;
        const len = maxOf(l.pairs.map((p) => p.pos + p.bytes)) - off;
        let addr = 0;
        add(pairSteps(first)[0], (ctx) => {
          addr = ctx.exec(opAt(firstStep, 'mmap', [ctx.fd(l.sourceFd), len, off], 'mmap'), li).result;
        });
        each((ctx, p, s) => {
          const w = steps[p.writes[0]];
          const args = [ctx.fd(l.sinkFd), addr + p.pos - off, p.bytes];
          if (l.sinkAtOffset) args.push(w.op.args[3]);
          ctx.exec(opAt(s, l.sinkAtOffset ? 'pwrite' : 'write', args, l.sinkAtOffset ? 'pwrite64' : w.op.recorded?.syscall ?? 'write'), li);
        });
        add(lastIdx + 1, (ctx) => {
          ctx.exec(opAt(lastStep, 'munmap', [addr, len], 'munmap'), -1);
          fixPos(ctx);
        });
        break;
      }
      case 'direct+write': {
        // The same reads at the same offsets on a second descriptor opened O_DIRECT; the writes as they were.
        const path = steps[first.read].fd?.path ?? l.source;
        let dfd = -1;
        add(first.read, (ctx) => {
          dfd = ctx.exec({ ...opAt(firstStep, 'open', [OPEN_FLAGS.O_RDONLY | OPEN_FLAGS.O_DIRECT], 'openat'), text: path }, -1).result;
        });
        for (const p of l.pairs) {
          const s = steps[p.read];
          add(p.read, (ctx) => ctx.exec(opAt(s, 'pread', [dfd, ctx.addr(s.op.args[1]), s.op.args[2], p.pos], 'pread64'), li));
          for (const w of p.writes) {
            skip.delete(w);
            measureAt.set(w, li);
          }
        }
        if (eofStep) add(l.eof, (ctx) => ctx.exec(opAt(eofStep, 'pread', [dfd, ctx.addr(eofStep.op.args[1]), eofCount, endPos(l)], 'pread64'), li));
        add(lastIdx + 1, (ctx) => {
          ctx.exec(opAt(lastStep, 'close', [dfd], 'close'), -1);
          fixPos(ctx);
        });
        break;
      }
      case 'direct+aio': {
        // O_DIRECT reads submitted with io_submit one chunk ahead, into two buffers by turns: while a chunk is
        // written out, the disk reads the next (libaio's double buffering). Per pair: io_submit, io_getevents, write.
        const path = steps[first.read].fd?.path ?? l.source;
        const size = maxOf(l.pairs.map((p) => steps[p.read].op.args[2]));
        let dfd = -1;
        const bufs = [0, 0];
        const ids: number[] = [];
        // Submitted at the time of the call it runs beside (`at`): the next chunk's read starts before this write.
        const submit = (ctx: AltContext, k: number, at: Step) => {
          const p = l.pairs[k];
          const s = steps[p.read];
          ids[k] = ctx.exec(opAt(at, 'aio_read', [dfd, bufs[k % 2], s.op.args[2], p.pos], 'io_submit'), li).result;
        };
        add(first.read, (ctx) => {
          dfd = ctx.exec({ ...opAt(firstStep, 'open', [OPEN_FLAGS.O_RDONLY | OPEN_FLAGS.O_DIRECT], 'openat'), text: path }, -1).result;
          bufs[0] = ctx.addr(firstStep.op.args[1]);
          bufs[1] = ctx.exec(opAt(firstStep, 'alloc', [size], 'alloc'), -1).result;
          submit(ctx, 0, firstStep);
        });
        l.pairs.forEach((p, k) => {
          const w = steps[p.writes[0]];
          add(p.writes[0], (ctx) => {
            ctx.exec(opAt(w, 'aio_wait', [ids[k]], 'io_getevents'), li);
            if (k + 1 < l.pairs.length) submit(ctx, k + 1, w);
            const args = [ctx.fd(l.sinkFd), bufs[k % 2], p.bytes];
            if (l.sinkAtOffset) args.push(w.op.args[3]);
            ctx.exec(opAt(w, l.sinkAtOffset ? 'pwrite' : 'write', args, w.op.recorded?.syscall ?? 'write'), li);
          });
        });
        add(lastIdx + 1, (ctx) => {
          ctx.exec(opAt(lastStep, 'close', [dfd], 'close'), -1);
          fixPos(ctx);
        });
        break;
      }
      default:
        break;
    }
  });
  return { at, skip, measureAt, config, loops: loops.length };
}
