/** Words for events: what happened, and which kernel function did it (real names from the Linux sources). */
import { Ev, EVENT_NAMES, EVICT_REASONS, LOC_NAMES, Loc, WAIT_REASONS, WAKE_REASONS, eventPageCount, evictReason, join31, unpackMove } from '../machine/events';
import { ERRNO_TEXT, errnoName } from '../machine/errno';
import { CONFIG_KEYS, type DiskKind } from '../machine/config';
import { formatBytes, formatDuration } from '../machine/units';
import { Trace } from '../trace/trace';

export function pathOf(trace: Trace, fileId: number): string {
  return trace.machine.filesById[fileId]?.path ?? `file#${fileId}`;
}

export function locName(loc: number): string {
  return LOC_NAMES[loc] ?? `loc${loc}`;
}

/**
 * Where a disk read is queued to the device, by its kind: an NVMe drive through nvme_queue_rq
 * (drivers/nvme/host/pci.c); a SATA SSD or HDD through the SCSI midlayer to libata's AHCI driver (scsi_queue_rq,
 * drivers/scsi/scsi_lib.c; ahci_qc_issue, drivers/ata/libahci.c).
 */
export function diskSubmit(disk: DiskKind): string {
  return disk === 'nvme' ? 'submit_bio → nvme_queue_rq' : 'submit_bio → scsi_queue_rq → ahci_qc_issue';
}

/**
 * The disk's completion interrupt, by its kind, each ending where blk-mq ends the request: nvme_irq → blk_mq_end_request
 * (nvme_pci_complete_rq → nvme_complete_rq); on SATA, ahci_handle_port_intr (drivers/ata/libahci.c) → ata_qc_complete
 * (drivers/ata/libata-core.c) → the SCSI completion, whose scsi_end_request (drivers/scsi/scsi_lib.c) calls
 * __blk_mq_end_request. The model has no virtio disk (vring_interrupt → virtblk_done would be its path).
 */
export function diskIrq(disk: DiskKind): string {
  return disk === 'nvme' ? 'nvme_irq → blk_mq_end_request' : 'ahci_handle_port_intr → ata_qc_complete → scsi_end_request → __blk_mq_end_request';
}

/** The kernel function that produced an event, given the operation it happened in and the machine's disk kind. */
export function kernelFunction(kind: Ev, opName: string, b: number, thread: number, a = 0, disk: DiskKind = 'nvme'): string {
  const flusher = thread === 0;
  switch (kind) {
    case Ev.SyscallEnter: return 'entry_SYSCALL_64';
    case Ev.SyscallExit: return 'entry_SYSCALL_64 → sysretq';
    case Ev.ModeSwitch: {
      // a: the new mode (1 kernel, 0 user); b: the cause (syscall, exception, interrupt).
      if (b === 1) return a ? 'asm_exc_page_fault → exc_page_fault' : 'irqentry_exit_to_user_mode';
      if (b === 2) return a ? 'asm_common_interrupt → common_interrupt' : 'irqentry_exit_to_user_mode';
      return a ? 'do_syscall_64' : 'syscall_exit_to_user_mode';
    }
    case Ev.CpuCopy: {
      const { src, dst } = unpackMove(b);
      if (src === Loc.PageCache && dst === Loc.User) return 'copy_page_to_iter';
      if (dst === Loc.PageCache) return 'copy_page_from_iter_atomic';
      if (dst === Loc.Socket) return src === Loc.PageCache ? 'skb_splice_from_iter (copy)' : 'tcp_sendmsg_locked → skb_copy_to_page_nocache';
      if (dst === Loc.Pipe) return 'copy_page_from_iter (pipe_write)';
      if (src === Loc.Pipe) return 'copy_page_to_iter (pipe_read)';
      return 'memcpy';
    }
    case Ev.DmaStart: {
      const { dst } = unpackMove(b);
      if (dst === Loc.Nic) return 'dev_hard_start_xmit → ndo_start_xmit';
      if (dst === Loc.Disk) return flusher ? 'do_writepages → submit_bio' : 'submit_bio (write)';
      return opName === 'touch' || opName === 'write' ? 'filemap_fault → submit_bio' : diskSubmit(disk);
    }
    case Ev.DmaInterrupt: return b === 1 ? 'napi_poll → tx completion' : diskIrq(disk);
    case Ev.PageHit: return opName === 'write' || opName === 'pwrite' ? '__filemap_get_folio (write_begin)' : 'filemap_get_read_batch';
    case Ev.PageMiss: return opName === 'write' || opName === 'pwrite' ? '__filemap_get_folio (FGP_CREAT)' : 'filemap_get_pages (miss)';
    case Ev.PageInsert: return 'filemap_add_folio';
    case Ev.PageActivate: return 'folio_mark_accessed → folio_activate';
    case Ev.PageDeactivate: return 'shrink_active_list';
    case Ev.PageEvict: return 'shrink_folio_list → __remove_mapping';
    case Ev.PageDirty: return 'filemap_dirty_folio';
    case Ev.WritebackStart: return flusher ? 'wb_writeback → __writeback_single_inode' : 'file_write_and_wait_range → do_writepages';
    case Ev.WritebackEnd: return 'folio_end_writeback';
    case Ev.ReadaheadSync: return 'page_cache_sync_ra';
    case Ev.ReadaheadAsync: return 'page_cache_async_ra';
    case Ev.ReadAround: return 'do_sync_mmap_readahead';
    case Ev.FaultMinor: case Ev.FaultMajor: return 'handle_mm_fault → filemap_fault';
    case Ev.ThrottlePause: return 'balance_dirty_pages → io_schedule_timeout';
    case Ev.FlusherWake: return 'wb_workfn';
    case Ev.PageMap: return 'filemap_map_pages';
    case Ev.AioComplete: return opName.startsWith('uring') ? 'io_req_complete_post' : 'aio_complete';
    case Ev.Block: return 'io_schedule';
    case Ev.UserAccess: return '(user code)';
    case Ev.UserOp: return '(user space)';
    case Ev.Sysctl: return 'proc_sys_call_handler';
    case Ev.ReadaheadMark: return 'folio_set_readahead';
    case Ev.PageReadForWrite: return 'filemap_read_folio';
  }
  return EVENT_NAMES[kind] ?? 'event';
}

/**
 * A one-line description of event i. `focus`: a page the event is about, to describe the event as it concerns that
 * page alone (a breakpoint that stopped for it, the story of one page in `why`).
 */
export function describeEvent(trace: Trace, i: number, focus?: number): string {
  const ev = trace.events;
  const kind = ev.kind(i);
  const a = ev.a(i);
  let b = ev.b(i);
  const c = ev.c(i);
  // A range event: "/f[3]" for one page, "/f[0–31] (32 pages)" for a run.
  let n = eventPageCount(kind, c);
  if (focus !== undefined && n > 1 && focus >= b && focus < b + n && kind !== Ev.WritebackStart && kind !== Ev.WritebackEnd &&
    kind !== Ev.ReadaheadSync && kind !== Ev.ReadaheadAsync && kind !== Ev.ReadAround) {
    b = focus;
    n = 1;
  }
  const page = () => (n > 1 ? `${pathOf(trace, a)}[${b}–${b + n - 1}] (${n} pages)` : `${pathOf(trace, a)}[${b}]`);
  const pages = () => `${n > 1 ? 'pages' : 'page'} ${page()}`;
  switch (kind) {
    case Ev.SyscallEnter: return `syscall ${a} entered`;
    case Ev.SyscallExit: return a ? `syscall returns -1 ${errnoName(a) ?? a} (${ERRNO_TEXT[errnoName(a)!] ?? ''})` : 'syscall returns';
    case Ev.ModeSwitch: return `${a ? 'user → kernel' : 'kernel → user'} (${['syscall', 'exception', 'interrupt'][b] ?? b})`;
    case Ev.CpuCopy: {
      const m = unpackMove(b);
      return `CPU copy ${formatBytes(a)}: ${locName(m.src)} → ${locName(m.dst)}${c ? ' (same copy, continued)' : ''}`;
    }
    case Ev.DmaStart: {
      const m = unpackMove(b);
      return `DMA #${c} starts: ${formatBytes(a)} ${locName(m.src)} → ${locName(m.dst)}`;
    }
    case Ev.DmaInterrupt: return `DMA #${c} complete: ${b === 1 ? 'NIC' : 'disk'} interrupt (${formatBytes(a)})`;
    case Ev.PageHit: return `page cache hit ${page()}`;
    case Ev.PageMiss: return `page cache miss ${page()}`;
    case Ev.PageInsert: return `${pages()} added to the inactive list (I/O pending)`;
    case Ev.PageActivate: return `${pages()} activated (inactive → active list)`;
    case Ev.PageDeactivate: return `${pages()} deactivated (active → inactive list)`;
    case Ev.PageEvict: return `${pages()} evicted: ${EVICT_REASONS[evictReason(c)] ?? c}`;
    case Ev.PageDirty: return `${pages()} dirtied`;
    case Ev.WritebackStart: return `writeback starts: ${pathOf(trace, a)} pages ${b}–${b + c - 1}`;
    case Ev.WritebackEnd: return `writeback done: ${pathOf(trace, a)} pages ${b}–${b + c - 1} clean`;
    case Ev.ReadaheadSync: return `sync readahead ${pathOf(trace, a)} pages ${b}–${b + c - 1} (${c} pages)`;
    case Ev.ReadaheadAsync: return `async readahead ${pathOf(trace, a)} pages ${b}–${b + c - 1} (${c} pages)`;
    case Ev.ReadAround: return `mmap read-around ${pathOf(trace, a)} pages ${b}–${b + c - 1}`;
    case Ev.FaultMinor: return `minor page fault on ${page()} (cached)`;
    case Ev.FaultMajor: return `major page fault on ${page()} (read from disk)`;
    case Ev.ThrottlePause: return `writer throttled for ${formatDuration(a * 1000)} (dirty ${b} pages, limit ${c})`;
    case Ev.FlusherWake: return `flusher wakes: ${WAKE_REASONS[a] ?? a} (dirty ${b} pages, background threshold ${c})`;
    case Ev.PageMap: return `${pages()} mapped into user space`;
    case Ev.AioComplete: return `async I/O #${a} complete (${b < 0 ? `error ${b}, -${errnoName(-b) ?? '?'}` : formatBytes(b)})`;
    case Ev.Block: return `waits ${formatDuration(join31(a, c))} for ${WAIT_REASONS[b] ?? b}`;
    case Ev.UserAccess: return `user code reads ${formatBytes(a)} of mapped memory`;
    case Ev.UserOp: return ['alloc', 'user code touches mapped memory', 'sysctl', 'drop_caches', 'a file open before the program starts', 'a file closed with its last descriptor (exit, dup2, close_range, exec)'][a] ?? 'user operation';
    case Ev.Sysctl: return `sysctl ${CONFIG_KEYS[a]?.key ?? a} = ${join31(b, c)}`;
    case Ev.ReadaheadMark: return `PG_readahead marker set on ${page()}`;
    case Ev.PageReadForWrite: return `page ${page()} read before a partial write`;
  }
  return EVENT_NAMES[kind] ?? `event ${kind}`;
}
