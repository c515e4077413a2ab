/**
 * The log's processes and their descriptor tables, as Linux keeps them: a table maps a log fd to an open file
 * description, shared by dup() and fork(); threads created with CLONE_FILES share one table. A table entry is
 * `description id * 2 + close-on-exec bit`, so a table is a Map of small integers and copies cheaply for snapshots.
 */

/** What an open file description is, for the model. */
export const enum DK {
  File = 0,
  Dir = 1,
  PipeR = 2,
  PipeW = 3,
  Socket = 4,
  Other = 5,
}

/** An open file description: what fds refer to, shared across dup() and fork(). */
export interface Desc {
  id: number;
  kind: DK;
  /** Path (files, directories), or the -y decoration (`pipe:[7]`, `socket:[12]`), or ''. */
  path: string;
  flags: number;
  /** The file position as the log implies it (reads and writes advance it, lseek sets it). */
  pos: number;
  /** Machine descriptor: >= 0 modeled, -1 not modeled, -2 being opened (awaiting the machine's answer). */
  mfd: number;
  refs: number;
  /** Pipes: the pipe's id (both ends share it); -1 otherwise. */
  pipe: number;
  /** Where the log made it: its line and process; 0 and -1 for one open before the log begins (inherited). */
  line: number;
  pid: number;
  /** The line where the log first names it (its open, or its first use for one open before the log begins). */
  first: number;
  /**
   * Another name -y gives it, for the same file (' (deleted)' added once it is unlinked, its new name after a rename
   * in the log); '' none. Core.descOf takes either as this description's.
   */
  alias: string;
  /** The fast path's copy of `path` as bytes (Replayer.lineFast); null until made, or after `path` changed. */
  nameBytes: Uint8Array | null;
}

export interface Proc {
  pid: number;
  thread: number;
  /** Its descriptor table (threads created with CLONE_FILES share one). */
  table: number;
  /** Its user buffer in the machine (0 until allocated) and the size asked for. */
  buf: number;
  bufSize: number;
  /** File mappings: log address → [machine address, length]. */
  maps: [number, number, number][];
  /** Its AIO contexts' requests submitted and not yet reaped, as pairs: [ctx, count, ctx, count, ...] (aio.ts). */
  aio: number[];
  name: string;
  /** No line of the log made it (no clone, fork or vfork: the first process, or one a -e trace= filter hid). */
  orphan: boolean;
  /** Its table itself (a cache of tables.get(table), not part of snapshots). */
  fdt?: Map<number, number>;
}

/** The tables as plain data, for snapshots (the ids go with ReplayState.ids). */
export interface TablesState {
  descs: Desc[];
  tables: [number, [number, number][]][];
  procs: Proc[];
}

export const CLONE_FILES = 0x400;

export function isFork(name: string): boolean {
  return name === 'clone' || name === 'clone3' || name === 'fork' || name === 'vfork';
}

/** The CLONE_* flags of a clone/clone3 call (fork and vfork share nothing that matters here). */
export function forkFlags(name: string, args: string): number {
  if (name !== 'clone' && name !== 'clone3') return 0;
  return args.includes('CLONE_FILES') ? CLONE_FILES : 0;
}

export class Tables {
  descs = new Map<number, Desc>();
  tables = new Map<number, Map<number, number>>();
  procs = new Map<number, Proc>();
  nextDesc = 1;
  nextTable = 1;
  nextThread = 1;
  /**
   * Moves with any change to the processes, the tables or which description an fd names: the replay's fast path
   * keeps recent (pid, fd) lookups while it has not moved.
   */
  gen = 1;
  /**
   * Descriptions whose last reference a table change took (dup2 over an fd, close_range, close-on-exec, an exit):
   * Linux closes their files then (fput); the handler that made the change closes the machine's (Core.closeDropped).
   */
  dropped: Desc[] = [];

  fds(proc: Proc): Map<number, number> {
    let t = proc.fdt;
    if (t !== undefined) return t;
    t = this.tables.get(proc.table);
    if (!t) {
      t = new Map();
      this.tables.set(proc.table, t);
    }
    proc.fdt = t;
    return t;
  }

  /**
   * The description fd `fd` of `proc` names, when the log has already named it: undefined for an fd it never
   * opened, or one still unnamed (both learn their name from the call's text).
   */
  known(proc: Proc, fd: number): Desc | undefined {
    const v = this.fds(proc).get(fd);
    if (v === undefined) return undefined;
    const d = this.descs.get(v >> 1);
    return d === undefined || (d.path === '' && d.kind === DK.Other) ? undefined : d;
  }

  /** A new description, in no table yet; `mfd` as Desc.mfd. */
  add(kind: DK, path: string, flags: number, pipe: number, mfd: number, line = 0, pid = -1): Desc {
    const d: Desc = { id: this.nextDesc++, kind, path, flags, pos: 0, mfd, refs: 0, pipe, line, pid, first: line, alias: '', nameBytes: null };
    this.descs.set(d.id, d);
    return d;
  }

  /** Installs `d` as fd `fd` of `proc`; a description the fd held before loses a reference (`dropped` if its last). */
  install(proc: Proc, fd: number, d: Desc, cloexec: boolean): void {
    this.gen++;
    if (!(fd >= 0)) {
      // Never in a table: drop it at once if nothing refers to it.
      if (d.refs === 0) this.descs.delete(d.id);
      return;
    }
    const t = this.fds(proc);
    const old = t.get(fd);
    if (old !== undefined && old >> 1 === d.id) {
      t.set(fd, d.id * 2 + (cloexec ? 1 : 0));
      return;
    }
    if (old !== undefined) this.drop(old >> 1);
    d.refs++;
    t.set(fd, d.id * 2 + (cloexec ? 1 : 0));
  }

  /** Drops a reference; returns the description when that was the last one. */
  release(id: number): Desc | null {
    this.gen++;
    const d = this.descs.get(id);
    if (!d) return null;
    d.refs--;
    if (d.refs > 0) return null;
    this.descs.delete(id);
    return d;
  }

  /** release, for a table change: the description goes to `dropped` when that was its last reference. */
  private drop(id: number): void {
    const d = this.release(id);
    if (d) this.dropped.push(d);
  }

  /**
   * `proc` (and whoever shares its table) shares `holder`'s table from now on, as threads made with CLONE_FILES do:
   * its own fds move there, unless the holder's table has that fd already (then the holder's stands).
   */
  joinTable(proc: Proc, holder: Proc): void {
    if (proc.table === holder.table) return;
    this.gen++;
    const old = proc.table;
    const own = this.fds(proc);
    const target = this.fds(holder);
    for (const [fd, v] of own) {
      if (target.has(fd)) this.release(v >> 1);
      else target.set(fd, v);
    }
    this.tables.delete(old);
    for (const p of this.procs.values()) {
      if (p.table === old) {
        p.table = holder.table;
        p.fdt = undefined;
      }
    }
  }

  /** Closes every fd of `proc` for which `which(fd, entry)` holds (descriptions left with no reference: `dropped`). */
  closeWhere(proc: Proc, which: (fd: number, entry: number) => boolean): void {
    const t = this.fds(proc);
    for (const [fd, v] of [...t]) {
      if (which(fd, v)) {
        t.delete(fd);
        this.drop(v >> 1);
      }
    }
  }

  setCloexec(proc: Proc, fd: number, on: boolean): void {
    const t = this.fds(proc);
    const v = t.get(fd);
    if (v !== undefined) t.set(fd, (v & ~1) | (on ? 1 : 0));
    this.gen++;
  }

  /**
   * A description another process holds as fd `fd` and names `path`: what a process the log shows no clone for
   * (a thread whose clone a -e trace= filter hid) uses when it reads or writes that fd.
   */
  heldElsewhere(proc: Proc, fd: number, path: string): { desc: Desc; holder: Proc } | null {
    if (path === '') return null;
    for (const other of this.procs.values()) {
      if (other === proc || other.table === proc.table) continue;
      const v = this.fds(other).get(fd);
      const d = v === undefined ? undefined : this.descs.get(v >> 1);
      if (d && d.path === path) return { desc: d, holder: other };
    }
    return null;
  }

  find(pid: number): Proc | undefined {
    if (pid >= 0) return this.procs.get(pid);
    return this.solo();
  }

  /** The process a line without a pid prefix belongs to. */
  solo(): Proc | undefined {
    if (this.procs.size === 1) return this.procs.values().next().value;
    return this.procs.get(-1) ?? this.procs.values().next().value;
  }

  /** A new process (thread): a child of `parent` gets copies of its fds, or its very table when `shareFiles`. */
  addProc(pid: number, parent: Proc | null, shareFiles: boolean): Proc {
    this.gen++;
    let table: number;
    if (parent && shareFiles) {
      table = parent.table;
    } else {
      table = this.nextTable++;
      const fds = new Map<number, number>();
      if (parent) {
        for (const [fd, v] of this.tables.get(parent.table) ?? []) {
          const d = this.descs.get(v >> 1);
          if (d) d.refs++;
          fds.set(fd, v);
        }
      }
      this.tables.set(table, fds);
    }
    // Threads beyond 255 share the last index (the trace keeps threads in a byte).
    const thread = Math.min(this.nextThread++, 255);
    const proc: Proc = {
      pid, thread, table, buf: parent?.buf ?? 0, bufSize: parent?.bufSize ?? 0,
      maps: parent ? parent.maps.map((m) => [m[0], m[1], m[2]] as [number, number, number]) : [],
      aio: [], name: parent?.name ?? '', orphan: parent === null,
    };
    this.procs.set(pid, proc);
    return proc;
  }

  /** The process known as -1 (it printed without a prefix) now has a pid. */
  renumber(proc: Proc, pid: number): void {
    this.gen++;
    this.procs.delete(-1);
    proc.pid = pid;
    this.procs.set(pid, proc);
  }

  /** A process gone: its table goes with it unless another thread still shares it. */
  removeProc(proc: Proc): void {
    this.gen++;
    this.procs.delete(proc.pid);
    let shared = false;
    for (const o of this.procs.values()) if (o.table === proc.table) shared = true;
    if (!shared) {
      const fds = this.tables.get(proc.table);
      if (fds) for (const v of fds.values()) this.drop(v >> 1);
      this.tables.delete(proc.table);
    }
  }

  save(): TablesState {
    return {
      descs: [...this.descs.values()].map((d) => ({ ...d })),
      tables: [...this.tables].map(([id, t]) => [id, [...t]]),
      procs: [...this.procs.values()].map((p) => ({ ...p, fdt: undefined, maps: p.maps.map((m) => [m[0], m[1], m[2]] as [number, number, number]), aio: p.aio.slice() })),
    };
  }

  /** Back to a saved state; `ids` is ReplayState.ids ([nextDesc, nextTable, nextPipe, nextThread]). */
  load(s: TablesState, ids: readonly number[]): void {
    this.gen++;
    this.descs = new Map(s.descs.map((d) => [d.id, { ...d }]));
    this.tables = new Map(s.tables.map(([id, t]) => [id, new Map(t)]));
    this.procs = new Map(s.procs.map((p) => [p.pid, { ...p, maps: p.maps.map((m) => [m[0], m[1], m[2]] as [number, number, number]), aio: p.aio.slice() }]));
    this.nextDesc = ids[0];
    this.nextTable = ids[1];
    this.nextThread = ids[3];
  }
}
