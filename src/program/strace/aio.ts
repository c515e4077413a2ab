/**
 * Linux AIO: the reads of an io_submit become the machine's async reads (their ids are learnt when the machine
 * answers, see queue.ts), and io_getevents waits for as many of them as the log says it reaped.
 */
import { fieldOf, splitArgs, structsOf } from './args';
import type { Call, Core } from './core';
import { Fx } from './queue';
import { DK, type Proc } from './tables';

const AIO_READ = 'IOCB_CMD_PREAD';

/** io_submit: its IOCB_CMD_PREAD control blocks, as many as the result says were queued. */
export function ioSubmit(r: Core, proc: Proc, c: Call): void {
  // The first pass learns nothing from the control blocks (nor does it take their descriptors as the log's).
  if (c.failed || !r.live) return r.pass(proc, c);
  const iocbs = structsOf(splitArgs(c.args)[2]).slice(0, Math.max(0, c.r));
  let first = true;
  for (const cb of iocbs) {
    if (!cb.includes(AIO_READ)) continue;
    const fdText = /aio_fildes=([^,}]*)/.exec(cb)?.[1];
    const d = r.descOf(proc, fdText, c.line);
    const nbytes = fieldOf(cb, 'aio_nbytes');
    const offset = fieldOf(cb, 'aio_offset');
    if (!d || d.kind !== DK.File || d.mfd < 0 || !(nbytes >= 0) || !(offset >= 0)) continue;
    r.ensureBuf(proc, nbytes, c);
    r.step({
      name: 'aio_read', args: [d.mfd, 0, nbytes, offset], bufPid: proc.pid, line: c.line, col: c.col,
      thread: proc.thread, rec: first ? r.recorded(c) : r.named(c), fx: Fx.Aio, p1: proc.pid,
    });
    first = false;
  }
  if (first) r.pass(proc, c);
}

/** io_getevents: the oldest c.r reads of the process are waited for. */
export function ioGetevents(r: Core, proc: Proc, c: Call): void {
  if (c.failed || !r.live || !(c.r > 0) || proc.aio.length === 0) return r.pass(proc, c);
  const k = Math.min(c.r, proc.aio.length);
  for (let i = 0; i < k; i++) {
    const id = proc.aio.shift()!;
    r.step({ name: 'aio_wait', args: [id], line: c.line, col: c.col, thread: proc.thread, rec: i === 0 ? r.recorded(c) : r.named(c) });
  }
}
