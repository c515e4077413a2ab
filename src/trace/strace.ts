/** Prints operations the way `strace -T -y` prints syscalls, so people read the model in a format they know. */
import { ERRNO_TEXT, Errno } from '../machine/errno';
import { FADV, flagNames, findOp } from '../machine/operation';
import { formatSeconds, hex } from '../machine/units';
import type { CallTexts, LogCall } from '../program/source';
import { escapeControls, quoteC } from '../shared/escape';
import { OpLog, OpRecord, opNameMask } from './opLog';

const FADV_NAMES = Object.keys(FADV);

/** Follows descriptors as operations open and close them, to decorate fds like `-y` does. */
export class FdNames {
  private names = new Map<number, string>();
  private socketSeq = 1000;
  private pipeSeq = 2000;

  clone(): FdNames {
    const c = new FdNames();
    c.names = new Map(this.names);
    c.socketSeq = this.socketSeq;
    c.pipeSeq = this.pipeSeq;
    return c;
  }

  /** What descriptor `fd` names (a path, `TCP:[N]`, `pipe:[N]`), or undefined. */
  nameOf(fd: number): string | undefined {
    return this.names.get(fd);
  }

  /** The `pipe:[N]` name the next pipe will get (its two ends share it), as `-y` decorates both descriptors. */
  nextPipeName(): string {
    return `pipe:[${this.pipeSeq}]`;
  }

  /** Answers given since the names last changed (a loop asks for the same descriptors over and over). */
  private written = new Map<number, string>();

  /** `fd<path>` as strace -y writes a descriptor, or the bare number. */
  name(fd: number): string {
    let w = this.written.get(fd);
    if (w === undefined) {
      const n = this.names.get(fd);
      // A name from a log or a scenario may hold anything: printed as strace -y prints it, controls escaped.
      w = n ? `${fd}<${escapeControls(n)}>` : String(fd);
      this.written.set(fd, w);
    }
    return w;
  }

  /** Updates the map after an operation ran. */
  after(r: OpRecord): void {
    if (r.errno) return;
    if (r.name === 'open' || r.name === 'socket' || r.name === 'pipe' || r.name === 'close' || r.name === 'inherit' || r.name === 'release') this.written.clear();
    switch (r.name) {
      case 'open': case 'inherit': this.names.set(r.result, r.text ?? '?'); break;
      case 'socket': this.names.set(r.result, `TCP:[${this.socketSeq++}]`); break;
      case 'pipe': {
        const id = this.pipeSeq++;
        this.names.set(r.result, `pipe:[${id}]`);
        this.names.set(r.result + 1, `pipe:[${id}]`);
        break;
      }
      case 'close': case 'release': this.names.delete(r.args[0]); break;
    }
  }
}

function retText(r: OpRecord): string {
  if (r.errno) return `-1 ${r.errno} (${ERRNO_TEXT[r.errno as Errno]})`;
  const spec = findOp(r.name);
  if (spec?.returns === 'addr') return hex(r.result);
  return String(r.result);
}

const RW_READ = 0;
const RW_WRITE = 1;
const RW_PREAD = 2;
const RW_PWRITE = 3;
const RW_NAMES = ['read', 'write', 'pread64', 'pwrite64'];

/** The last text of each of read, write, pread64, pwrite64 and what it was made of: a loop repeats its calls. */
const rwLast = RW_NAMES.map(() => ({ fd: '', buf: NaN, count: NaN, off: NaN, text: '' }));

/** `read(fd<path>, 0xbuf, count)` (and the offset of pread64/pwrite64, NaN for the others), as strace prints it. */
function rwCall(kind: number, fd: string, buf: number, count: number, off: number): string {
  const m = rwLast[kind];
  if (m.fd === fd && m.buf === buf && m.count === count && (m.off === off || (off !== off && m.off !== m.off))) return m.text;
  m.text = off === off ? `${RW_NAMES[kind]}(${fd}, ${hex(buf)}, ${count}, ${off})` : `${RW_NAMES[kind]}(${fd}, ${hex(buf)}, ${count})`;
  m.fd = fd;
  m.buf = buf;
  m.count = count;
  m.off = off;
  return m.text;
}

/**
 * One line for an operation, formatted before `names` learns about its effect. A replayed log's call (`texts` given)
 * is printed as the log has it, with the model's figures beside it.
 */
export function straceLine(r: OpRecord, names: FdNames, texts?: CallTexts): string {
  const lc = texts && r.recorded?.at !== undefined ? texts.callOf(r.recorded) : null;
  return lc ? logLine(r, lc) : opLine(r, names);
}

/** An operation's line made from its own record (a scenario's, or a log's call whose text is not at hand). */
function opLine(r: OpRecord, names: FdNames): string {
  const a = r.args;
  const fd = (i: number) => names.name(a[i]);
  const dur = ` <${formatSeconds(r.endNs - r.startNs)}>`;
  let call: string;
  switch (r.name) {
    case 'open': call = `openat(AT_FDCWD, ${quoteC(r.text ?? '')}, ${flagNames(a[0] ?? 0).join('|')})`; break;
    case 'close': call = `close(${fd(0)})`; break;
    case 'release':
      // A replayed process's exit, or a dup2 over an fd, closes a file whose last descriptor it was: no call of its own.
      // A log's fd that -y names another file from one line on (its close not in the log) is closed there.
      if (r.text === 'rebind') return `# close(${fd(0)}) = ${retText(r)} where the log does not show it (its fd names another file from this line on): filp_close, the file's last descriptor`;
      return `# ${r.text ?? 'release'}: close(${fd(0)}) = ${retText(r)} (${r.text === 'exit' ? 'exit_files' : 'filp_close'}: the file's last descriptor)`;
    case 'socket': call = r.text ? `${r.text}(...)` : 'socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)'; break;
    case 'pipe': {
      // The model's result is the read end; pipe(2) returns 0 and fills both ends in, as strace -y shows them.
      if (r.errno) { call = 'pipe([...])'; break; }
      const n = names.nextPipeName();
      return `pipe([${r.result}<${n}>, ${r.result + 1}<${n}>]) = 0${dur}${recordedText(r)}`;
    }
    case 'read': call = rwCall(RW_READ, fd(0), a[1], a[2], NaN); break;
    case 'write': call = rwCall(RW_WRITE, fd(0), a[1], a[2], NaN); break;
    case 'pread': call = rwCall(RW_PREAD, fd(0), a[1], a[2], a[3]); break;
    case 'pwrite': call = rwCall(RW_PWRITE, fd(0), a[1], a[2], a[3]); break;
    case 'lseek': call = `lseek(${fd(0)}, ${a[1]}, ${['SEEK_SET', 'SEEK_CUR', 'SEEK_END'][a[2]] ?? a[2]})`; break;
    case 'mmap': call = `mmap(NULL, ${a[1]}, PROT_READ, ${a[3] === 2 ? 'MAP_PRIVATE' : 'MAP_SHARED'}, ${fd(0)}, ${a[2] ?? 0})`; break;
    case 'munmap': call = `munmap(${hex(a[0])}, ${a[1]})`; break;
    case 'sendfile':
      call = r.text === 'copy_file_range' ? `copy_file_range(${fd(1)}, [${a[2]}], ${fd(0)}, NULL, ${a[3]}, 0)` : `sendfile(${fd(0)}, ${fd(1)}, [${a[2]}], ${a[3]})`;
      break;
    case 'splice': call = `splice(${fd(0)}, NULL, ${fd(1)}, NULL, ${a[2]}, 0)`; break;
    case 'fsync': call = `fsync(${fd(0)})`; break;
    case 'fdatasync': call = r.text ? `${r.text}(${fd(0)}, ...) /* as fdatasync */` : `fdatasync(${fd(0)})`; break;
    case 'aio_read': call = `io_submit(ctx, 1, [{aio_lio_opcode=IOCB_CMD_PREAD, aio_fildes=${fd(0)}, aio_buf=${hex(a[1])}, aio_nbytes=${a[2]}, aio_offset=${a[3]}}])`; break;
    case 'aio_wait': call = `io_getevents(ctx, 1, 1, [{id=${a[0]}}], NULL)`; break;
    case 'aio_submit': call = `io_submit(${hex(a[2])}, ${1 + (a.length - 6) / 4}, [{aio_fildes=${fd(0)}, aio_nbytes=${a[3]}, aio_offset=${a[4]}, ...}])`; break;
    case 'aio_getevents': call = `io_getevents(${hex(a[0])}, ${a[1]}, ${a[1]}, [...], NULL)`; break;
    case 'uring_read': call = `io_uring_enter(ring, 1, 0, 0, NULL) /* IORING_OP_READ fd=${fd(0)} len=${a[2]} off=${a[3]} */`; break;
    case 'uring_wait': call = `io_uring_enter(ring, 0, 1, IORING_ENTER_GETEVENTS, NULL) /* user_data=${a[0]} */`; break;
    case 'fcntl': call = `fcntl(${fd(0)}, F_SETFL, ${flagNames(a[1] ?? 0).join('|')})`; break;
    case 'ftruncate': call = `ftruncate(${fd(0)}, ${a[1]})`; break;
    case 'truncate': call = `truncate(${quoteC(r.text ?? '')}, ${a[0]})`; break;
    case 'unlink': call = `unlink(${quoteC(r.text ?? '')})`; break;
    case 'rename': {
      const [from, to] = (r.text ?? '').split('\0');
      call = `rename(${quoteC(from ?? '')}, ${quoteC(to ?? '')})`;
      break;
    }
    case 'fadvise': call = `fadvise64(${fd(0)}, ${a[1]}, ${a[2]}, ${FADV_NAMES[a[3]] ?? a[3]})`; break;
    case 'sleep': call = `nanosleep({tv_sec=${Math.floor(a[0] / 1e9)}, tv_nsec=${a[0] % 1e9}}, NULL)`; break;
    case 'alloc': return `# alloc(${a[0]}) = ${hex(r.result)}`;
    case 'touch': return `# touch(${hex(a[0])}, ${a[1]}, ${a[2]}): user code reads mapped memory${r.pageFaults ? `, ${r.pageFaults} page fault${r.pageFaults > 1 ? 's' : ''}` : ''}${dur}`;
    case 'sysctl': return `# sysctl ${r.text} = ${a[0]}`;
    case 'inherit':
      // A log's file that -y shows open from this line on, its open not in the log (Core.renamed).
      if (r.recorded?.syscall === 'openat') return `# ${r.text ?? '?'} opened where the log does not show it (-y names it from this line on): opened read-write at offset 0 = ${r.errno ? `-1 ${r.errno}` : r.result}`;
      return `# ${r.text ?? '?'} open before the log begins (a shell redirection, or an open the log leaves out): opened read-write at offset 0 = ${r.errno ? `-1 ${r.errno}` : r.result}`;
    case 'drop_caches': return `# echo 1 > /proc/sys/vm/drop_caches (${r.result} pages dropped)`;
    case 'syscall': {
      // A call of a replayed log that the model does not simulate: its recorded result, its cost of two switches.
      const rec = r.recorded;
      const ret = rec?.errno ? `${rec.result ?? -1} ${rec.errno}` : rec?.result === undefined ? '?' : String(rec.result);
      return `${r.text ?? 'syscall'}(...) = ${ret}${dur}${recordedText(r)} (not modeled)`;
    }
    default: call = `${r.name}(${a.join(', ')})`;
  }
  let ret = retText(r);
  if (!r.errno && (r.name === 'open' || r.name === 'socket')) ret = `${r.result}`;
  return `${call} = ${ret}${dur}${recordedText(r)}`;
}

/** Operations whose result the model chooses (a descriptor, an address, an id): a log's own is no news. */
const OWN_RESULT = new Set(['syscall', 'open', 'socket', 'pipe', 'mmap', 'aio_read']);

/** What a replayed log recorded for the call, beside the model's duration: ` (log <0.000020>)`. */
function recordedText(r: OpRecord): string {
  const rec = r.recorded;
  if (!rec) return '';
  const dur = rec.durationNs !== undefined ? `<${formatSeconds(rec.durationNs)}>` : '';
  const res = rec.result !== undefined && rec.result !== r.result && !OWN_RESULT.has(r.name) ? `= ${rec.result}${rec.errno ? ` ${rec.errno}` : ''}` : '';
  if (!dur && !res) return '';
  return ` (log ${dur}${dur && res ? ' ' : ''}${res})`;
}

/** Calls that are one call under several names (the model's name is one of them): not worth a "modeled as". */
const SAME_CALL: Record<string, string> = {
  openat: 'open', creat: 'open', openat2: 'open', pipe2: 'pipe', fcntl64: 'fcntl', mmap2: 'mmap', _llseek: 'lseek',
  sendfile64: 'sendfile', fadvise64_64: 'fadvise64', io_pgetevents: 'io_getevents',
};

function family(name: string): string {
  return SAME_CALL[name] ?? name;
}

/**
 * A replayed log's call: its own text and result, the model's duration, then what the log timed, the model's result
 * where it differs (descriptors and addresses always do: the model numbers its own), the model's call where it
 * simulated another, or that it did not simulate it.
 */
function logLine(r: OpRecord, lc: LogCall): string {
  return `${lc.call} = ${lc.ret ?? retText(r)}` + logLineTail(r, lc.ret !== null);
}

/**
 * What follows a log's call and its result on the call's line (` <0.000016408> (log <0.000018000>)`, and the notes
 * above); `hasRet`: the log's result was read (LogCall.ret is not null). Made of the model's figures and names of its
 * own (numbers, errno names, operation names): nothing in it needs escaping for a terminal.
 */
function logLineTail(r: OpRecord, hasRet: boolean): string {
  const rec = r.recorded!;
  let line = ` <${formatSeconds(r.endNs - r.startNs)}>`;
  if (rec.durationNs !== undefined) line += ` (log <${formatSeconds(rec.durationNs)}>)`;
  return line + logLineNotes(r, hasRet);
}

/**
 * The end of logLineTail, after the durations: the model's result where it differs from the log's, the operation
 * that modeled the call, or that none did; '' for most calls.
 */
export function logLineNotes(r: OpRecord, hasRet: boolean): string {
  if (r.name === 'syscall') return ' (not modeled)';
  const rec = r.recorded!;
  const spec = findOp(r.name);
  const own = spec?.returns !== 'fd' && spec?.returns !== 'addr' && spec?.returns !== 'id';
  let notes = '';
  if (own && hasRet && (r.errno ? r.errno !== rec.errno : rec.errno !== undefined || r.result !== rec.result)) notes += ` (model = ${retText(r)})`;
  const model = spec?.linuxName ?? r.name;
  if (rec.syscall !== undefined && family(rec.syscall) !== family(model)) notes += ` (modeled as ${model})`;
  return notes;
}

const SNAPSHOT_EVERY = 8192;
/** The operations FdNames.after learns from: the others are skipped without reading their records. */
const NAMING = opNameMask(['open', 'socket', 'pipe', 'close']);
const snapshots = new WeakMap<OpLog, { generation: number; at: FdNames[] }>();

/** The descriptor names as they were right before operation `index` (snapshots every 8192 operations). */
export function fdNamesBefore(ops: OpLog, index: number): FdNames {
  let cache = snapshots.get(ops);
  if (!cache || cache.generation !== ops.generation) {
    cache = { generation: ops.generation, at: [new FdNames()] };
    snapshots.set(ops, cache);
  }
  const wanted = Math.floor(index / SNAPSHOT_EVERY);
  // Only whole stretches of recorded operations make a snapshot: the log may still be growing.
  while (cache.at.length <= wanted && cache.at.length * SNAPSHOT_EVERY <= ops.length) {
    const k = cache.at.length;
    const n = cache.at[k - 1].clone();
    const end = k * SNAPSHOT_EVERY;
    for (let i = ops.nextNamed((k - 1) * SNAPSHOT_EVERY, end, NAMING); i >= 0; i = ops.nextNamed(i + 1, end, NAMING)) n.after(ops.get(i));
    cache.at.push(n);
  }
  const slot = Math.min(wanted, cache.at.length - 1);
  const names = cache.at[slot].clone();
  for (let i = ops.nextNamed(slot * SNAPSHOT_EVERY, index, NAMING); i >= 0; i = ops.nextNamed(i + 1, index, NAMING)) names.after(ops.get(i));
  return names;
}
