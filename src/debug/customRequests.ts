/**
 * The extension's own requests (names and shapes in src/shared/messages.ts): their answers computed. Their
 * arguments' types were checked at the boundary (protocol/validate.ts); what is left to refuse is a UserError.
 */
import { MiB } from '../machine/units';
import { CompareArgs, CompareResult, ExportArgs, ExportResult, SeekArgs, WhyArgs, WhyResult } from '../shared/messages';
import { checkCompareArgs, comparison } from '../trace/compare';
import { Trace } from '../trace/trace';
import { TraceWriteError, writeChromeTraceFile } from '../trace/traceFile';
import { noSuchFile, why } from './console';
import { UserError } from './errors';

/**
 * The largest comparison computed for the debugger or the panel: it runs on the thread that answers every other
 * request, and grows with the size (256 MiB: under a second; 1 GiB: 5 s; 64 GiB: minutes).
 */
export const MAX_COMPARE_BYTES = 256 * MiB;
/** The limit checkCompareArgs holds the debugger's and the panel's comparisons to, and how it is explained. */
export const DEBUGGER_COMPARE_LIMIT = { bytes: MAX_COMPARE_BYTES, what: 'the 256 MiB compared here (the command line, iosim compare, goes up to 2 GiB less 4 KiB)' };

export function seekPosition(args: SeekArgs): number {
  return args.position;
}

export function exportTrace(trace: Trace, args: ExportArgs): ExportResult {
  try {
    writeChromeTraceFile(trace, args.path);
  } catch (e) {
    throw e instanceof TraceWriteError ? new UserError(e.message) : e;
  }
  return { path: args.path, events: trace.events.length };
}

export function compareMethods(args: CompareArgs): CompareResult {
  const check = checkCompareArgs({ size: args.size, disk: args.disk, warm: args.warm ?? false }, DEBUGGER_COMPARE_LIMIT);
  if (!check.ok) throw new UserError(check.reason ? `compare: ${check.reason}` : 'compare: size like 16KiB, disk nvme|ssd|hdd');
  return comparison(check.options);
}

/** The story of the page the panel asked about, up to `pos`; named by ids, so nothing is parsed. */
export function whyPage(trace: Trace, pos: number, args: WhyArgs): WhyResult {
  return { text: trace.machine.filesById[args.fileId] ? why(trace, pos, args.fileId, args.index) : noSuchFile(`file#${args.fileId}`) };
}
