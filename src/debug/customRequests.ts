/**
 * The extension's own requests (names and shapes in src/shared/messages.ts): their arguments checked, their
 * answers computed. Arguments come as any JSON a client sent; a wrong one is a UserError.
 */
import { CompareResult, EXPORT_REQUEST, ExportResult, SEEK_REQUEST, WHY_REQUEST, WhyResult } from '../shared/messages';
import { checkCompareArgs, comparison } from '../trace/compare';
import { Trace } from '../trace/trace';
import { TraceWriteError, writeChromeTraceFile } from '../trace/traceFile';
import { noSuchFile, why } from './console';
import { UserError } from './errors';

type Args = Record<string, unknown> | undefined;

export function seekPosition(args: Args): number {
  const position = Number(args?.position);
  if (!Number.isFinite(position)) throw new UserError(`${SEEK_REQUEST} needs a numeric 'position'`);
  return position;
}

export function exportTrace(trace: Trace, args: Args): ExportResult {
  const path = String(args?.path ?? '');
  if (!path) throw new UserError(`${EXPORT_REQUEST} needs a 'path'`);
  try {
    writeChromeTraceFile(trace, path);
  } catch (e) {
    throw e instanceof TraceWriteError ? new UserError(e.message) : e;
  }
  return { path, events: trace.events.length };
}

export function compareMethods(args: Args): CompareResult {
  const text = (v: unknown) => (v === undefined || v === null ? undefined : String(v));
  const check = checkCompareArgs({ size: text(args?.size), disk: text(args?.disk), warm: !!args?.warm });
  if (!check.ok) throw new UserError('compare: size like 16KiB, disk nvme|ssd|hdd');
  return comparison(check.options);
}

/** The story of the page the panel asked about, up to `pos`; named by ids, so nothing is parsed. */
export function whyPage(trace: Trace, pos: number, args: Args): WhyResult {
  const fileId = args?.fileId;
  const index = args?.index;
  if (typeof fileId !== 'number' || typeof index !== 'number' || !Number.isInteger(fileId) || !Number.isInteger(index)) {
    throw new UserError(`${WHY_REQUEST} needs a whole 'fileId' and 'index'`);
  }
  return { text: trace.machine.filesById[fileId] ? why(trace, pos, fileId, index) : noSuchFile(`file#${fileId}`) };
}
