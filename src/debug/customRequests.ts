/**
 * The extension's own requests (names and shapes in src/shared/messages.ts): their answers computed. Their
 * arguments' types were checked at the boundary (protocol/validate.ts); what is left to refuse is a UserError.
 */
import { formatBytes, MiB } from '../machine/units';
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
/** O_DIRECT moves whole blocks of the compared machine (512 bytes): the direct+write row needs a multiple of it. */
const DIRECT_BLOCK = 512;

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

/** Why a comparison of `size` bytes is not computed here, or null. */
export function compareSizeProblem(size: number): string | null {
  if (size > MAX_COMPARE_BYTES) {
    return `compare: ${formatBytes(size)} is more than the ${formatBytes(MAX_COMPARE_BYTES)} compared here (the command line, iosim compare, has no such limit)`;
  }
  if (size % DIRECT_BLOCK !== 0) {
    return `compare: the size must be a multiple of ${DIRECT_BLOCK} bytes, the block O_DIRECT reads (${Math.ceil(size / DIRECT_BLOCK) * DIRECT_BLOCK} is)`;
  }
  return null;
}

export function compareMethods(args: CompareArgs): CompareResult {
  const check = checkCompareArgs({ size: args.size, disk: args.disk, warm: args.warm ?? false });
  if (!check.ok) throw new UserError('compare: size like 16KiB, disk nvme|ssd|hdd');
  const problem = compareSizeProblem(check.options.size);
  if (problem) throw new UserError(problem);
  return comparison(check.options);
}

/** The story of the page the panel asked about, up to `pos`; named by ids, so nothing is parsed. */
export function whyPage(trace: Trace, pos: number, args: WhyArgs): WhyResult {
  return { text: trace.machine.filesById[args.fileId] ? why(trace, pos, args.fileId, args.index) : noSuchFile(`file#${args.fileId}`) };
}
