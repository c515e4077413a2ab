/**
 * The diagnostics the first pass gives once the whole log has been read: one note for each kind of strace's own
 * lines (stack frames, hex dumps, a summary table) rather than a warning a line, the warnings left out past the cap
 * (with their lines), and a log with no call at all.
 */
import type { Diagnostic } from '../diagnostics';
import { LineKind } from './parse';
import type { Scan } from './scan';

function note(line: number, message: string): Diagnostic {
  return { severity: 'warning', line, col: 1, endLine: line, endCol: 1, message };
}

function lines(first: number, last: number): string {
  return first === last ? `line ${first}` : `lines ${first}-${last}`;
}

/** How a replayable log is recorded (what README's "Replaying real programs" recommends). */
const RECORD = 'strace -f -tt -T -y -o trace.strace COMMAND';

export function endNotes(scan: Scan, lineCount: number): Diagnostic[] {
  const out: Diagnostic[] = [];
  const stack = scan.annotations.get(LineKind.Stack);
  if (stack) out.push(note(stack.first, `${stack.count} lines of strace -k stack traces (from line ${stack.first}): each belongs to the call above it, and is skipped`));
  const dump = scan.annotations.get(LineKind.HexDump);
  if (dump) out.push(note(dump.first, `${dump.count} lines of strace -e read=/-e write= hex dumps (from line ${dump.first}): the data of the call above each, skipped`));
  const table = scan.annotations.get(LineKind.Summary);
  if (table) {
    const where = lines(table.first, table.last);
    out.push(note(table.first, scan.info.syscalls === 0
      ? `${where} are a strace -c summary table (time and calls per syscall): it has no per-call lines to replay; record a log of the calls with ${RECORD}`
      : `${where} are the strace -C summary table after the calls: skipped`));
  }
  const raw = scan.rawCalls;
  if (raw.count > 0) {
    out.push(note(raw.first, `${raw.count} call${raw.count === 1 ? '' : 's'} (${raw.names.join(', ')}${raw.names.length === 8 ? ', ...' : ''}; the first at line ${raw.first}) ${raw.count === 1 ? 'has its' : 'have their'} arguments printed raw, in hex (strace -e raw=): descriptors without their -y names, paths and buffers as addresses, so which file a call reads or writes cannot be known; shown only, not simulated. Record without -e raw= (${RECORD}) to replay them`));
  }
  for (const u of scan.unopened.values()) {
    if (u.calls === 0) continue;
    // Without -y, nothing says what the fd is.
    const what = u.path ? `${u.fd} (${u.path})` : `${u.fd} (no -y decoration says what it is)`;
    const who = u.pid >= 0 ? ` of pid ${u.pid}` : '';
    const calls = `its ${u.calls} data call${u.calls === 1 ? '' : 's'} (${u.bytes} bytes, the first at line ${u.first}) ${u.calls === 1 ? 'is' : 'are'} shown only`;
    if (u.made > 0) {
      out.push(note(u.first, `fd ${what}, ${u.what} made at line ${u.made}${u.pid >= 0 ? ` by pid ${u.pid}` : ''}, is not simulated (the model simulates regular files, pipes and TCP sockets): ${calls}`));
      continue;
    }
    out.push(note(u.first, `fd ${what}${who} was open before the log begins and is not simulated: ${calls}`));
  }
  for (const u of scan.rings.values()) {
    // strace prints io_uring_enter's counts, never the submission entries in the shared ring (which file, where,
    // how many bytes) nor the completions' results: the ring's I/O cannot be simulated.
    const at = u.setup || u.first;
    const where = u.setup ? `set up at line ${u.setup}` : 'set up before the log begins';
    const who = u.pid >= 0 ? ` of pid ${u.pid}` : '';
    const calls = u.calls === 0 ? 'no io_uring_enter call' : `${u.calls} io_uring_enter call${u.calls === 1 ? '' : 's'} (the first at line ${u.first}) submitted ${u.submitted} ${u.submitted === 1 ? 'entry' : 'entries'}`;
    out.push(note(at, `io_uring ring fd ${u.fd}${who} (${where}): ${calls}; strace cannot show the entries (which file, offset, bytes) nor the results of their completions, so the ring's I/O is not simulated: its calls are shown only`));
  }
  if (scan.left.count > 0) {
    // The first MAX_DIAGNOSTICS warnings are shown; the rest are summed up at the end, with their lines (README "Limits").
    const n = scan.left.count;
    out.push(note(lineCount || 1, `${n} more warning${n === 1 ? '' : 's'} not shown (only the first ${scan.diagnostics.length} are), at lines ${scan.left.text()}`));
  }
  if (scan.info.syscalls === 0 && !table) {
    // Nothing to replay (an empty file, a binary one, another tool's output): an error, so that `iosim run` exits 1
    // and the debugger does not start on it, as for any program with errors.
    out.push({ ...note(1, 'no syscalls found: is this the output of strace? (expected lines such as `read(3</path>, "..."..., 4096) = 4096`, as strace -f -tt -T -y -o FILE writes them)'), severity: 'error' });
  }
  return out;
}
