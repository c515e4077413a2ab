/**
 * Threads and stack frames. The program's threads are a strace log's processes (or one process); the kernel's
 * flusher is a thread of its own once it has run. A frame inside a syscall points into the operation's generated
 * kernel path (a source by reference), with the entry chain between it and the user's line.
 */
import { basename } from 'node:path';
import { Source, StackFrame, Thread } from '@vscode/debugadapter';
import { DebugProtocol } from '@vscode/debugprotocol';
import { Trace } from '../trace/trace';
import { Engine } from './engine';
import { UserError } from './errors';
import { lastLine, operationAt } from './inspect';
import { entryChain, isBoundaryStep, kernelPath, stepAt } from './kernelPath';

const PROCESS_THREAD = 1;
const FLUSHER_THREAD_ID = 1000;

export class Threads {
  /** First position of a flusher-thread event (Infinity: none), searched incrementally up to `flusherScanned`. */
  private flusherFirst = Number.POSITIVE_INFINITY;
  private flusherScanned = 0;

  /** A new trace: nothing of it has been scanned. */
  reset(): void {
    this.flusherFirst = Number.POSITIVE_INFINITY;
    this.flusherScanned = 0;
  }

  /** The trace's future was rewritten: the next look scans again from the start. */
  rewritten(): void {
    this.flusherScanned = Number.POSITIVE_INFINITY;
  }

  /** The program's threads, and the flusher once it has run at or before the position. */
  list(trace: Trace | null, engine: Engine | null, programPath: string): Thread[] {
    const threads = [...programThreads(trace, programPath)].map(([id, name]) => new Thread(id, name));
    if (trace && engine && this.firstFlusherEvent(trace) <= engine.pos) {
      threads.push(new Thread(FLUSHER_THREAD_ID, 'kernel flusher (wb_workfn)'));
    }
    return threads;
  }

  /** Position of the first event of the flusher thread (Infinity if it has not run); scanned once per event. */
  private firstFlusherEvent(t: Trace): number {
    if (this.flusherScanned > t.events.length) {
      // The trace's future was rewritten.
      this.flusherFirst = Number.POSITIVE_INFINITY;
      this.flusherScanned = 0;
    }
    if (this.flusherFirst >= t.events.length) this.flusherFirst = Number.POSITIVE_INFINITY;
    for (let e = this.flusherScanned; e < t.events.length && this.flusherFirst === Number.POSITIVE_INFINITY; e++) {
      if (t.events.thread(e) === 0) this.flusherFirst = e;
    }
    this.flusherScanned = t.events.length;
    return this.flusherFirst;
  }
}

/** The program's threads by DAP id (= the machine's thread index): a strace log's processes, or one process. */
function programThreads(trace: Trace | null, programPath: string): Map<number, string> {
  const named = trace?.spec.threads;
  if (named && named.size) return new Map([...named].sort((a, b) => a[0] - b[0]));
  return new Map([[PROCESS_THREAD, `process (${programPath ? basename(programPath) : 'program'})`]]);
}

/**
 * The process a step over whole calls is about: the log's process the client names (DAP's threadId) when the log has
 * several; else none (a step over the next call, whoever makes it). `forwards`: a UserError for a process that has
 * exited.
 */
export function steppedThread(trace: Trace | null, engine: Engine | null, threadId: number, forwards = false): number | undefined {
  const named = trace?.spec.threads;
  if (!trace || !engine || !named || named.size < 2 || !named.has(threadId)) return undefined;
  if (!forwards) return threadId;
  // A process that has exited makes no more calls: a step of it would run the whole log to its end.
  const last = lastOpOfThread(trace, Math.min(engine.currentOrNextOp(engine.pos), trace.ops.length) - 1, threadId);
  const exit = last >= 0 ? trace.ops.get(last).recorded?.syscall : undefined;
  if (exit === 'exit_group' || exit === 'exit') throw new UserError(`${named.get(threadId)} has exited (${exit} at line ${trace.ops.lineOf(last)}): it makes no more calls to step over`);
  return threadId;
}

/** Whether an id names one of the program's threads or the flusher: the threads a stack trace can be asked of. */
export function isThread(trace: Trace | null, programPath: string, id: number): boolean {
  return id === FLUSHER_THREAD_ID || programThreads(trace, programPath).has(id);
}

/** The thread a position belongs to: the flusher's events, else the operation's (in progress or next to run). */
export function threadAt(trace: Trace, engine: Engine, pos: number): number {
  if (onFlusher(trace, pos)) return FLUSHER_THREAD_ID;
  // The call in progress or next, read ahead when it has not run yet (a step ended at the head), as the frame's line
  // is: the last call's process instead made the frame of the process that just ran show another's next line.
  const next = trace.operationAhead(engine.currentOrNextOp(pos));
  if (next) return next.thread ?? PROCESS_THREAD;
  if (trace.ops.length) return trace.ops.threadOf(trace.ops.length - 1);
  return PROCESS_THREAD;
}

/** Whether the event at a position is the flusher thread's. */
function onFlusher(trace: Trace, pos: number): boolean {
  return pos >= 0 && pos <= trace.head && trace.events.thread(pos) === 0;
}

/** The frames of a thread at the engine's position, innermost first; `userSource` is the program being debugged. */
export function stackFrames(trace: Trace, engine: Engine, threadId: number, userSource: Source): StackFrame[] {
  const pos = engine.pos;
  const frames: StackFrame[] = [];
  const at = operationAt(engine, pos);
  const onFlusher = pos >= 0 && trace.events.thread(pos) === 0;
  if (threadId === FLUSHER_THREAD_ID) {
    if (onFlusher && at) {
      const kp = kernelPath(trace, at.index);
      const step = stepAt(kp, pos);
      frames.push(new StackFrame(frameId(FLUSHER_THREAD_ID, 0), step?.fn ?? 'wb_workfn', kernelSource(trace, at.index), step?.line ?? 1));
    }
    frames.push(new StackFrame(frameId(FLUSHER_THREAD_ID, 1), onFlusher ? 'wb_workfn' : 'wb_workfn (sleeping)'));
    frames.push(new StackFrame(frameId(FLUSHER_THREAD_ID, 2), 'kthread'));
  } else if (threadId !== threadAt(trace, engine, pos) && !onFlusher) {
    // Another process of a log: where it last was (its most recent call), or not started yet.
    const last = lastOpOfThread(trace, Math.min(engine.currentOrNextOp(pos), trace.ops.length) - 1, threadId);
    if (last >= 0) {
      const r = trace.ops.get(last);
      frames.push(new StackFrame(frameId(threadId, 0), `${r.name} (line ${r.line}, returned)`, userSource, r.line));
    } else {
      frames.push(new StackFrame(frameId(threadId, 0), 'not started yet'));
    }
  } else if (at && at.inside) {
    const kp = kernelPath(trace, at.index);
    // While the flusher runs, the process is where it last was (asleep in its own kernel path).
    const step = onFlusher ? [...kp.steps].reverse().find((s) => s.thread !== 0 && s.first <= pos) : stepAt(kp, pos);
    const source = kernelSource(trace, at.index);
    frames.push(new StackFrame(frameId(threadId, 0), step?.fn ?? at.record.name, source, step?.line ?? 1));
    // Between the step and the user line: the functions the syscall entered through, innermost first (they are
    // listed on line 3 of the generated source).
    if (step && !isBoundaryStep(trace, step)) {
      for (const fn of entryChain(trace, at.index).reverse()) frames.push(new StackFrame(frameId(threadId, frames.length), fn, source, 3));
    }
    frames.push(new StackFrame(frameId(threadId, frames.length), `${at.record.name} (line ${at.record.line})`, userSource, at.record.line));
  } else {
    // Between operations: the user frame is at the next operation to run.
    const next = nextLine(engine, pos);
    frames.push(new StackFrame(frameId(threadId, 0), next ? 'main' : 'main (program ended)', userSource, next?.line ?? lastLine(trace), next?.col ?? 1));
  }
  return frames;
}

/** The generated kernel path of an operation, named by a source reference (the operation's index + 1). */
function kernelSource(trace: Trace, opIndex: number): Source {
  const name = `${trace.ops.nameOf(opIndex)} #${opIndex} (kernel path)`;
  const s = new Source(name, undefined, opIndex + 1, 'kernel', 'iomachine');
  (s as DebugProtocol.Source).presentationHint = 'emphasize';
  return s;
}

/** The text behind a source reference handed out in a kernel frame. */
export function kernelSourceText(trace: Trace, reference: number): string {
  const opIndex = reference - 1;
  if (opIndex < 0 || opIndex >= trace.ops.length) throw new UserError(`no kernel path for source reference ${reference}`);
  return kernelPath(trace, opIndex).text;
}

/** The last operation at or before `from` issued by a thread (bounded scan: a long log's idle process shows none). */
export function lastOpOfThread(t: Trace, from: number, thread: number): number {
  for (let j = from; j >= 0 && j > from - 200_000; j--) if (t.ops.threadOf(j) === thread) return j;
  return -1;
}

function frameId(thread: number, level: number): number {
  return thread * 100 + level;
}

/**
 * What a frame (by its id) stands for beside the position: `other`, its process when that is not the one whose call
 * is at the position (a log's other process, shown where its last call returned, see stackFrames; null for the
 * current process and the flusher); `cpuElsewhere`, whether the CPU's registers were last set by another process's
 * call (between calls the current process is the one that runs next, and the call before may be another's).
 */
export function frameContext(trace: Trace, engine: Engine, id: number): { other: number | null; cpuElsewhere: boolean } {
  const thread = Math.floor(id / 100);
  const pos = engine.pos;
  if (thread === FLUSHER_THREAD_ID || onFlusher(trace, pos)) return { other: null, cpuElsewhere: false };
  const other = thread !== threadAt(trace, engine, pos) ? thread : null;
  const at = operationAt(engine, pos);
  return { other, cpuElsewhere: other !== null || (at !== null && trace.ops.threadOf(at.index) !== thread) };
}

function nextLine(engine: Engine, pos: number): { line: number; col: number } | null {
  const t = engine.trace;
  const j = engine.currentOrNextOp(pos);
  if (j < t.ops.length) {
    const r = t.ops.get(j);
    return { line: r.line, col: r.col };
  }
  return t.peekNext();
}
