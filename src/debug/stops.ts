/**
 * What a stop says: the stopped event's reason and description, the exception details of an event breakpoint,
 * and the places a `goto` can stop at for a line.
 */
import { StoppedEvent } from '@vscode/debugadapter';
import { DebugProtocol } from '@vscode/debugprotocol';
import { formatDuration } from '../machine/units';
import { Trace } from '../trace/trace';
import { UserError } from './errors';
import { Breakpoints, filterOfKind } from './breakpoints';
import { describeEvent } from './describe';
import { Stop } from './engine';

export function stoppedEvent(trace: Trace, stop: Stop, thread: number): DebugProtocol.StoppedEvent {
  const pos = stop.pos;
  const reason = stop.reason;
  const ev = new StoppedEvent(reason, thread) as DebugProtocol.StoppedEvent;
  const where = pos >= 0 ? `#${pos} · ${formatDuration(trace.events.time(pos))}` : '#-1 · start';
  ev.body.description = `${reasonLabel(reason)} · position ${where}`;
  ev.body.allThreadsStopped = true;
  if (stop.hitIds.length) ev.body.hitBreakpointIds = stop.hitIds;
  if (pos >= 0 && (reason === 'exception' || reason === 'data breakpoint')) ev.body.text = describeEvent(trace, pos, stop.page);
  return ev;
}

function reasonLabel(reason: string): string {
  switch (reason) {
    case 'entry': return 'entry';
    case 'step': return 'step';
    case 'breakpoint': return 'breakpoint';
    case 'function breakpoint': return 'function breakpoint';
    case 'exception': return 'event breakpoint';
    case 'data breakpoint': return 'data breakpoint';
    case 'pause': return 'paused';
    case 'goto': return 'goto';
    case 'end': return 'program ended';
  }
  return reason;
}

/** The event at `pos`, and why it stopped there when `lastStop` is the stop at `pos`. */
export function exceptionInfo(trace: Trace, bps: Breakpoints, pos: number, lastStop: Stop | null): DebugProtocol.ExceptionInfoResponse['body'] {
  const stop = lastStop && lastStop.pos === pos ? lastStop : null;
  // The filter that stopped here, else the one the event at the position belongs to (after a goto, say).
  const filter = (stop?.reason === 'exception' ? bps.filters.find((f) => stop.hitIds.includes(f.id))?.filter : undefined) ??
    (pos >= 0 ? filterOfKind(trace.events.kind(pos)) : undefined);
  return {
    exceptionId: stop?.reason === 'data breakpoint' ? 'data-breakpoint' : filter ?? 'event',
    description: pos >= 0 ? `${describeEvent(trace, pos, stop?.page)} (position ${pos}, ${formatDuration(trace.events.time(pos))})` : 'no event',
    breakMode: 'always',
  };
}

/**
 * Every run of a line (up to 50), as goto targets: the id is the position before the run + 2. A line the recorded
 * history has not reached yet makes the program run ahead (half a second at most) when `mayRunAhead`. None found
 * while the program has more to run: a UserError that says so (an empty list told the user nothing).
 */
export function gotoTargets(trace: Trace, line: number, mayRunAhead: boolean): DebugProtocol.GotoTarget[] {
  const targets: DebugProtocol.GotoTarget[] = [];
  const add = (j: number) => {
    if (trace.ops.lineOf(j) !== line || trace.isInjected(j)) return;
    const pos = trace.ops.startPosOf(j) - 1;
    targets.push({ id: pos + 2, label: `${trace.ops.nameOf(j)} at line ${line}, run #${targets.length + 1} (position ${pos}, ${formatDuration(trace.ops.get(j).startNs)})`, line });
  };
  for (let j = 0; j < trace.ops.length && targets.length < 50; j++) add(j);
  if (!targets.length && mayRunAhead) {
    const deadline = Date.now() + 500;
    while (!targets.length && !trace.finished && Date.now() < deadline) {
      const j = trace.step();
      if (j < 0) break;
      add(j);
    }
    if (!targets.length && !trace.finished) {
      throw new UserError(`line ${line} has not run in the ${trace.ops.length} operations replayed so far (each search runs ahead half a second): ask again to search further, or set a breakpoint on the line and continue`);
    }
  }
  return targets;
}
