/**
 * The generated, read-only "source" of one operation's kernel path: one line per kernel step, each a group of
 * consecutive events of the same kind. Stepping into a syscall walks these lines.
 */
import { Ev, eventPageCount, Loc, unpackMove } from '../machine/events';
import { findOp } from '../machine/operation';
import { fdNamesBefore, straceLine } from '../trace/strace';
import { Trace } from '../trace/trace';
import { describeEvent, kernelFunction } from './describe';

export interface KernelStep {
  /** 1-based line in the generated text. */
  line: number;
  first: number;
  last: number;
  fn: string;
  thread: number;
}

export interface KernelPath {
  text: string;
  steps: KernelStep[];
}

/** The call chain a syscall enters through, as Linux names it. */
const ENTRY: Record<string, string> = {
  read: '__x64_sys_read → ksys_read → vfs_read → filemap_read',
  pread: '__x64_sys_pread64 → ksys_pread64 → vfs_read → filemap_read',
  write: '__x64_sys_write → ksys_write → vfs_write → generic_perform_write / sock_write_iter',
  pwrite: '__x64_sys_pwrite64 → ksys_pwrite64 → vfs_write → generic_perform_write',
  open: '__x64_sys_openat → do_sys_openat2 → do_filp_open',
  close: '__x64_sys_close → close_fd → filp_close',
  socket: '__x64_sys_socket → __sys_socket',
  pipe: '__x64_sys_pipe → do_pipe2',
  lseek: '__x64_sys_lseek → ksys_lseek → generic_file_llseek',
  mmap: '__x64_sys_mmap → ksys_mmap_pgoff → do_mmap (no I/O: pages fault in later)',
  munmap: '__x64_sys_munmap → __vm_munmap',
  sendfile: '__x64_sys_sendfile64 → do_sendfile → do_splice_direct → splice_direct_to_actor',
  splice: '__x64_sys_splice → do_splice → filemap_splice_read / splice_to_socket',
  fsync: '__x64_sys_fsync → vfs_fsync_range → file_write_and_wait_range',
  fdatasync: '__x64_sys_fdatasync → vfs_fsync_range(datasync) → file_write_and_wait_range',
  aio_read: '__x64_sys_io_submit → io_submit_one → aio_read',
  aio_wait: '__x64_sys_io_getevents → do_io_getevents → read_events',
  release: '(do_exit → exit_files, or do_dup2 / close_range / do_close_on_exec) → filp_close → fput',
  aio_submit: '__x64_sys_io_submit → io_submit_one → aio_read / aio_write / aio_fsync',
  aio_getevents: '__x64_sys_io_getevents → do_io_getevents → read_events',
  uring_read: '__x64_sys_io_uring_enter → io_submit_sqes → io_read',
  uring_wait: '__x64_sys_io_uring_enter → io_cqring_wait',
  sleep: '__x64_sys_nanosleep → hrtimer_nanosleep',
  touch: '(user code; a missing pte raises a page fault: asm_exc_page_fault → do_user_addr_fault)',
};

/**
 * The kernel functions a syscall passes through before its steps, outermost first (`__x64_sys_read`, `ksys_read`,
 * `vfs_read`, `filemap_read`): the stack frames between a kernel step and the user line. Empty for operations that
 * are not syscalls.
 */
export function entryChain(trace: Trace, opIndex: number): string[] {
  const name = trace.ops.nameOf(opIndex);
  const entry = ENTRY[name];
  if (!entry || findOp(name)?.nr === null) return [];
  let chain = entry.replace(/\s*\([^)]*\)/g, '').split('→').map((x) => x.trim()).filter(Boolean);
  if (name === 'write' || name === 'pwrite') {
    // Which of the two paths this write took: into a socket, a pipe, or the page cache.
    let target = 'generic_perform_write';
    for (let e = trace.ops.startPosOf(opIndex); e <= trace.ops.endPosOf(opIndex); e++) {
      if (trace.events.kind(e) !== Ev.CpuCopy) continue;
      const { dst } = unpackMove(trace.events.b(e));
      target = dst === Loc.Socket ? 'sock_write_iter → tcp_sendmsg' : dst === Loc.Pipe ? 'pipe_write' : 'generic_perform_write';
      break;
    }
    chain = chain.map((c) => (c.includes('/') ? target : c)).flatMap((c) => c.split('→').map((x) => x.trim()));
  }
  return chain;
}

/** Steps that belong to the syscall boundary itself (entry, exit, their mode switches): no chain above them. */
export function isBoundaryStep(trace: Trace, step: KernelStep): boolean {
  const k = trace.events.kind(step.first);
  return k === Ev.SyscallEnter || k === Ev.SyscallExit || (k === Ev.ModeSwitch && trace.events.b(step.first) === 0);
}

export function kernelPath(trace: Trace, opIndex: number): KernelPath {
  const ops = trace.ops;
  const r = ops.get(opIndex);
  const ev = trace.events;
  const lines: string[] = [];
  const spec = findOp(r.name);
  lines.push(`# ${straceLine(r, fdNamesBefore(ops, opIndex))}`);
  lines.push(`# kernel path of ${r.name} at line ${r.line} (operation #${opIndex}, events ${r.startPos}–${r.endPos}); generated, read-only`);
  lines.push(`# ${spec?.nr !== null && spec?.nr !== undefined ? ENTRY[r.name] ?? r.name : ENTRY[r.name] ?? 'user-space operation: no syscall'}`);
  const steps: KernelStep[] = [];
  let i = r.startPos;
  while (i <= r.endPos) {
    const kind = ev.kind(i);
    const thread = ev.thread(i);
    const b = ev.b(i);
    let j = i;
    // Group runs of the same kind on the same thread (a readahead inserting 32 pages is one step).
    const groupable = kind === Ev.PageInsert || kind === Ev.PageHit || kind === Ev.PageMiss || kind === Ev.PageEvict ||
      kind === Ev.PageDirty || kind === Ev.PageMap || kind === Ev.PageDeactivate || kind === Ev.PageActivate;
    if (groupable) while (j + 1 <= r.endPos && ev.kind(j + 1) === kind && ev.thread(j + 1) === thread) j++;
    const fn = kernelFunction(kind, r.name, b, thread, ev.a(i), trace.machine.config.disk);
    let pages = 0;
    for (let x = i; x <= j; x++) pages += eventPageCount(kind, ev.c(x));
    const text = j > i ? `${describeEvent(trace, i)} … ${describeEvent(trace, j)} (${pages} pages)` : describeEvent(trace, i);
    const who = thread === 0 ? '[flusher] ' : '';
    const t = (ev.time(i) / 1000).toFixed(3).padStart(12);
    lines.push(`${t} µs  ${who}${fn.padEnd(44)} ${text}`);
    steps.push({ line: lines.length, first: i, last: j, fn, thread });
    i = j + 1;
  }
  return { text: lines.join('\n') + '\n', steps };
}

/** The step that contains position `pos` (or the last one before it). */
export function stepAt(path: KernelPath, pos: number): KernelStep | undefined {
  let found: KernelStep | undefined;
  for (const s of path.steps) {
    if (s.first <= pos) found = s;
    else break;
  }
  return found;
}
