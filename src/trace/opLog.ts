/** One record per executed operation: where it came from, what it returned, what it cost. Typed arrays again. */
import { OPS, type RecordedCall } from '../machine/operation';
import { ERRNO, Errno, errnoName } from '../machine/errno';

const OP_INDEX = new Map(OPS.map((o, i) => [o.name, i]));

/**
 * A table by operation name index (OpLog.nameIndexOf) that is 1 for the names given: a test an operation costs one
 * array read, not a name string and a set lookup (loops over a million recorded operations ask it of each).
 */
export function opNameMask(names: Iterable<string>): Uint8Array {
  const mask = new Uint8Array(256);
  for (const n of names) {
    const i = OP_INDEX.get(n);
    if (i !== undefined) mask[i] = 1;
  }
  return mask;
}

/**
 * A growable typed array of one element type. One class a type, not one generic class: the element store in `set`
 * then always meets the same array type (a store shared by five types is megamorphic, and a million operations pay it
 * twenty times each).
 */
class GrowF64 {
  arr = new Float64Array(1024);
  set(i: number, v: number): void {
    if (i >= this.arr.length) {
      const n = new Float64Array(this.arr.length * 2);
      n.set(this.arr);
      this.arr = n;
    }
    this.arr[i] = v;
  }
}

class GrowU32 {
  arr = new Uint32Array(1024);
  set(i: number, v: number): void {
    if (i >= this.arr.length) {
      const n = new Uint32Array(this.arr.length * 2);
      n.set(this.arr);
      this.arr = n;
    }
    this.arr[i] = v;
  }
}

class GrowU16 {
  arr = new Uint16Array(1024);
  set(i: number, v: number): void {
    if (i >= this.arr.length) {
      const n = new Uint16Array(this.arr.length * 2);
      n.set(this.arr);
      this.arr = n;
    }
    this.arr[i] = v;
  }
}

class GrowU8 {
  arr = new Uint8Array(1024);
  set(i: number, v: number): void {
    if (i >= this.arr.length) {
      const n = new Uint8Array(this.arr.length * 2);
      n.set(this.arr);
      this.arr = n;
    }
    this.arr[i] = v;
  }
}

const f64 = () => new GrowF64();
const u32 = () => new GrowU32();
const u16 = () => new GrowU16();
const u8 = () => new GrowU8();

const ARG_SLOTS = 4096;

/** Per-operation counts are small; a count that does not fit saturates rather than wraps. */
const sat16 = (n: number) => (n > 0xffff ? 0xffff : n);

export interface OpRecord {
  index: number;
  name: string;
  line: number;
  col: number;
  thread: number;
  result: number;
  errno: Errno | null;
  startPos: number;
  /** Position of the operation's last event. */
  endPos: number;
  startNs: number;
  endNs: number;
  contextSwitches: number;
  cpuCopies: number;
  dmaCopies: number;
  cpuBytes: number;
  dmaBytes: number;
  pageFaults: number;
  args: number[];
  text: string | undefined;
  /** What a recorded log (strace) says of the call, beside the model's numbers; absent for scenarios. */
  recorded?: RecordedCall;
}

export class OpLog {
  length = 0;
  /**
   * `keepAll` false: only the last operation is kept, as the record it was given (get, nameOf, … answer for
   * length - 1 alone), for a run that writes each operation out as it goes.
   */
  constructor(readonly keepAll = true) {}
  /** Changes whenever recorded operations are forgotten (caches keyed on the log check it). */
  generation = 0;
  private name = u8();
  private line = u32();
  private col = u16();
  private thread = u8();
  private result = f64();
  private errno = u8();
  private startPos = u32();
  private endPos = u32();
  private startNs = f64();
  private endNs = f64();
  private sw = u16();
  private cpu = u16();
  private dma = u16();
  private cpuBytes = f64();
  private dmaBytes = f64();
  private faults = u16();
  private argStart = u32();
  private argCount = u8();
  private args = f64();
  private argLen = 0;
  /**
   * Loops repeat the same arguments: an operation whose arguments equal the last ones stored for its line shares
   * them. A small direct-mapped table (line → where its last arguments are) keeps this bounded for logs where
   * every operation has a line of its own.
   */
  private slotLine = new Int32Array(ARG_SLOTS).fill(-1);
  private slotStart = new Uint32Array(ARG_SLOTS);
  /**
   * Where the last arguments stored for each operation name are (-1: none): a log gives every call a line of its own,
   * but a copy loop's reads (and its writes) repeat the same arguments call after call.
   */
  private nameStart = new Int32Array(256).fill(-1);
  /** Texts (paths, sysctl keys) are few: a sparse map. */
  private texts = new Map<number, string>();
  /** A log's recorded duration, start and result of each operation (NaN where it said nothing), and errno names. */
  private recDur = f64();
  private recTs = f64();
  private recRes = f64();
  private recErrno = new Map<number, string>();
  /**
   * The log's call name and the path its descriptor names, as indexes into tables of the distinct strings (a log has
   * a few dozen names and some thousands of paths, repeated over millions of calls); 0: none.
   */
  private recName = u32();
  private recPath = u32();
  private strings: string[] = [''];
  private stringIds = new Map<string, number>([['', 0]]);

  /** Each call's place in the log (byte offsets of its first line and of the line that resumed it; NaN: none). */
  private recAt = f64();
  private recEnd = f64();

  /** The last operation, when only it is kept. */
  private last: OpRecord | null = null;

  /** Capacity of the per-operation arrays (all grow together, so one check a record covers them all). */
  private capacity = 1024;
  /** The last name looked up in OP_INDEX (a log repeats it call after call). */
  private lastName = '';
  private lastNameIndex = 255;
  /**
   * The last strings interned for each operation name (slot k × 256 + name index; k: 0 names, 1 paths) and their
   * ids: a copy loop alternates a read of one file and a write of another, which a single last-answer cache missed
   * every time.
   */
  private lastIntern: (string | undefined)[] = new Array<string | undefined>(512).fill(undefined);
  private lastInternId = new Int32Array(512);

  /** Makes room for operation `i` in every per-operation array at once. */
  private ensure(i: number): void {
    if (i < this.capacity) return;
    const n = this.capacity * 2;
    for (const g of [this.name, this.line, this.col, this.thread, this.result, this.errno, this.startPos, this.endPos, this.startNs, this.endNs,
      this.sw, this.cpu, this.dma, this.cpuBytes, this.dmaBytes, this.faults, this.argStart, this.argCount, this.recDur, this.recTs,
      this.recRes, this.recName, this.recPath, this.recAt, this.recEnd]) g.set(n - 1, 0);
    this.capacity = n;
  }

  add(r: Omit<OpRecord, 'index'>): number {
    const index = this.length++;
    if (!this.keepAll) {
      // Kept as given (the caller's fresh record): nothing to pack for one record.
      const rec = r as OpRecord;
      rec.index = index;
      this.last = rec;
      return index;
    }
    const i = index;
    this.ensure(i);
    if (r.name !== this.lastName) {
      this.lastName = r.name;
      this.lastNameIndex = OP_INDEX.get(r.name) ?? 255;
    }
    this.name.arr[i] = this.lastNameIndex;
    this.line.arr[i] = r.line;
    this.col.arr[i] = r.col;
    this.thread.arr[i] = r.thread;
    this.result.arr[i] = r.result;
    this.errno.arr[i] = r.errno ? ERRNO[r.errno] : 0;
    this.startPos.arr[i] = r.startPos;
    this.endPos.arr[i] = r.endPos;
    this.startNs.arr[i] = r.startNs;
    this.endNs.arr[i] = r.endNs;
    this.sw.arr[i] = sat16(r.contextSwitches);
    this.cpu.arr[i] = sat16(r.cpuCopies);
    this.dma.arr[i] = sat16(r.dmaCopies);
    this.cpuBytes.arr[i] = r.cpuBytes;
    this.dmaBytes.arr[i] = r.dmaBytes;
    this.faults.arr[i] = sat16(r.pageFaults);
    this.argCount.arr[i] = r.args.length;
    const slot = r.line & (ARG_SLOTS - 1);
    const named = this.nameStart[this.lastNameIndex];
    if (this.slotLine[slot] === r.line && this.sameArgs(this.slotStart[slot], r.args)) {
      this.argStart.arr[i] = this.slotStart[slot];
    } else if (named >= 0 && this.sameArgs(named, r.args)) {
      this.argStart.arr[i] = named;
      this.slotLine[slot] = r.line;
      this.slotStart[slot] = named;
    } else {
      this.argStart.arr[i] = this.argLen;
      this.slotLine[slot] = r.line;
      this.slotStart[slot] = this.argLen;
      this.nameStart[this.lastNameIndex] = this.argLen;
      for (const a of r.args) this.args.set(this.argLen++, a);
    }
    if (r.text !== undefined) this.texts.set(i, r.text);
    const rec = r.recorded;
    if (rec === undefined) {
      this.recDur.arr[i] = NaN;
      this.recTs.arr[i] = NaN;
      this.recRes.arr[i] = NaN;
      this.recName.arr[i] = 0;
      this.recPath.arr[i] = 0;
      this.recAt.arr[i] = NaN;
      this.recEnd.arr[i] = NaN;
      return index;
    }
    this.recDur.arr[i] = rec.durationNs ?? NaN;
    this.recTs.arr[i] = rec.timestampNs ?? NaN;
    this.recRes.arr[i] = rec.result ?? NaN;
    if (rec.errno !== undefined) this.recErrno.set(i, rec.errno);
    this.recName.arr[i] = this.intern(rec.syscall, 0);
    this.recPath.arr[i] = this.intern(rec.path, 1);
    this.recAt.arr[i] = rec.at ?? NaN;
    this.recEnd.arr[i] = rec.end ?? NaN;
    return index;
  }

  /** The id of string `s` in the table (0 for none); `k`: 0 for call names, 1 for paths (see lastIntern). */
  private intern(s: string | undefined, k: number): number {
    if (s === undefined) return 0;
    const slot = k * 256 + this.lastNameIndex;
    if (s === this.lastIntern[slot]) return this.lastInternId[slot];
    let id = this.stringIds.get(s);
    if (id === undefined) {
      id = this.strings.length;
      this.strings.push(s);
      this.stringIds.set(s, id);
    }
    this.lastIntern[slot] = s;
    this.lastInternId[slot] = id;
    return id;
  }

  private sameArgs(at: number, args: number[]): boolean {
    if (at + args.length > this.argLen) return false;
    const a = this.args.arr;
    for (let k = 0; k < args.length; k++) if (a[at + k] !== args[k]) return false;
    return true;
  }

  get(index: number): OpRecord {
    if (this.last) return this.last;
    const i = index;
    const s = this.argStart.arr[i];
    const e = s + this.argCount.arr[i];
    const errno = this.errno.arr[i];
    return {
      index,
      name: OPS[this.name.arr[i]]?.name ?? '?',
      line: this.line.arr[i],
      col: this.col.arr[i],
      thread: this.thread.arr[i],
      result: this.result.arr[i],
      errno: errno ? errnoName(errno) : null,
      startPos: this.startPos.arr[i],
      endPos: this.endPos.arr[i],
      startNs: this.startNs.arr[i],
      endNs: this.endNs.arr[i],
      contextSwitches: this.sw.arr[i],
      cpuCopies: this.cpu.arr[i],
      dmaCopies: this.dma.arr[i],
      cpuBytes: this.cpuBytes.arr[i],
      dmaBytes: this.dmaBytes.arr[i],
      pageFaults: this.faults.arr[i],
      args: Array.from(this.args.arr.subarray(s, e)),
      text: this.texts.get(i),
      recorded: this.recordedOf(index),
    };
  }

  /** What the log recorded of operation i, or undefined (a scenario's operation, an alloc the replay added). */
  recordedOf(index: number): RecordedCall | undefined {
    if (this.last) return this.last.recorded;
    const i = index;
    const d = this.recDur.arr[i];
    const t = this.recTs.arr[i];
    const r = this.recRes.arr[i];
    const e = this.recErrno.get(i);
    const name = this.recName.arr[i];
    const path = this.recPath.arr[i];
    const at = this.recAt.arr[i];
    if (Number.isNaN(d) && Number.isNaN(t) && Number.isNaN(r) && e === undefined && name === 0 && path === 0 && Number.isNaN(at)) return undefined;
    const rec: RecordedCall = {};
    if (!Number.isNaN(d)) rec.durationNs = d;
    if (!Number.isNaN(t)) rec.timestampNs = t;
    if (!Number.isNaN(r)) rec.result = r;
    if (e !== undefined) rec.errno = e;
    if (name !== 0) rec.syscall = this.strings[name];
    if (path !== 0) rec.path = this.strings[path];
    if (!Number.isNaN(at)) {
      rec.at = at;
      rec.end = this.recEnd.arr[i];
    }
    return rec;
  }

  /** Operation i's name as an index (for opNameMask tables; 255: a name the model does not know). */
  nameIndexOf(i: number): number {
    return this.last ? OP_INDEX.get(this.last.name) ?? 255 : this.name.arr[i];
  }
  nameOf(i: number): string {
    return this.last ? this.last.name : OPS[this.name.arr[i]]?.name ?? '?';
  }
  lineOf(i: number): number {
    return this.last ? this.last.line : this.line.arr[i];
  }
  threadOf(i: number): number {
    return this.last ? this.last.thread : this.thread.arr[i];
  }
  startPosOf(i: number): number {
    return this.last ? this.last.startPos : this.startPos.arr[i];
  }
  endPosOf(i: number): number {
    return this.last ? this.last.endPos : this.endPos.arr[i];
  }
  startNsOf(i: number): number {
    return this.last ? this.last.startNs : this.startNs.arr[i];
  }
  resultOf(i: number): number {
    return this.last ? this.last.result : this.result.arr[i];
  }

  /** The operation whose events include position `pos` (binary search over start positions); -1 before any. */
  opAt(pos: number): number {
    let lo = 0;
    let hi = this.length - 1;
    let ans = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.startPos.arr[mid] <= pos) {
        ans = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return ans;
  }

  truncate(n: number): void {
    if (n >= this.length) return;
    this.generation++;
    // Arguments stored by the forgotten operations go; shared ones from before n stay.
    let keep = 0;
    for (let i = 0; i < n; i++) keep = Math.max(keep, this.argStart.arr[i] + this.argCount.arr[i]);
    this.argLen = keep;
    this.slotLine.fill(-1);
    this.nameStart.fill(-1);
    for (const k of [...this.texts.keys()]) if (k >= n) this.texts.delete(k);
    for (const k of [...this.recErrno.keys()]) if (k >= n) this.recErrno.delete(k);
    this.length = n;
  }

  memoryBytes(): number {
    return [this.name, this.line, this.col, this.thread, this.result, this.errno, this.startPos, this.endPos, this.startNs,
      this.endNs, this.sw, this.cpu, this.dma, this.cpuBytes, this.dmaBytes, this.faults, this.argStart, this.argCount, this.args,
      this.recDur, this.recTs, this.recRes, this.recName, this.recPath, this.recAt, this.recEnd]
      .reduce((s, g) => s + g.arr.byteLength, 0);
  }
}
