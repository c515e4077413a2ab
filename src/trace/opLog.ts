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

/** A growable array of numbers (operation arguments). */
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

/**
 * The per-operation table is two row-major tables, one row an operation: its 32-bit fields (U_*) and its 64-bit ones
 * (F_*). A record is then written to two places, not to 25 arrays of one field each (a million operations paid 25
 * loads of an array and 25 separate memory streams each: 7 % of a long continue, issue 10).
 */
const U_LINE = 0;
const U_START_POS = 1;
const U_END_POS = 2;
const U_ARG_START = 3;
const U_REC_NAME = 4;
const U_REC_PATH = 5;
/** name index (8 bits) | thread << 8 (8 bits) | errno << 16 (8 bits) | argument count << 24 (8 bits). */
const U_NAME = 6;
/** col (16 bits) | page faults << 16 (16 bits). */
const U_COL = 7;
/** context switches (16 bits) | CPU copies << 16 (16 bits). */
const U_SW = 8;
/** DMA copies (16 bits). */
const U_DMA = 9;
const U_STRIDE = 10;
const F_RESULT = 0;
const F_START_NS = 1;
const F_END_NS = 2;
const F_CPU_BYTES = 3;
const F_DMA_BYTES = 4;
const F_REC_DUR = 5;
const F_REC_TS = 6;
const F_REC_RES = 7;
const F_REC_AT = 8;
const F_REC_END = 9;
const F_STRIDE = 10;
/** Operations a chunk of the tables holds: the tables grow by a chunk, never copying what they hold. */
const OP_SHIFT = 14;
const OP_CHUNK = 1 << OP_SHIFT;
const OP_MASK = OP_CHUNK - 1;

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
  /**
   * The 32-bit and 64-bit fields of operation i: chunk i >> OP_SHIFT, at (i & OP_MASK) × U_STRIDE and × F_STRIDE
   * (see U_NAME…).
   */
  private uc: Uint32Array[] = [];
  private fc: Float64Array[] = [];
  private args = new GrowF64();
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
  /** The errno names a log recorded (its duration, start and result are in the table: NaN where it said nothing). */
  private recErrno = new Map<number, string>();
  /**
   * The log's call names and the paths its descriptors name (U_REC_NAME, U_REC_PATH) are indexes into this table of
   * the distinct strings (a log has a few dozen names and some thousands of paths, repeated over millions of calls);
   * 0: none.
   */
  private strings: string[] = [''];
  private stringIds = new Map<string, number>([['', 0]]);

  /** The last operation, when only it is kept. */
  private last: OpRecord | null = null;

  /** Operations the chunks have room for. */
  private capacity = 0;
  /** The last two names looked up in OP_INDEX (a log repeats them call after call; a copy loop alternates two). */
  private lastName = '';
  private lastNameIndex = 255;
  private prevName = '';
  private prevNameIndex = 255;
  /**
   * The last strings interned for each operation name (slot k × 256 + name index; k: 0 names, 1 paths) and their
   * ids: a copy loop alternates a read of one file and a write of another, which a single last-answer cache missed
   * every time.
   */
  private lastIntern: (string | undefined)[] = new Array<string | undefined>(512).fill(undefined);
  private lastInternId = new Int32Array(512);

  /** Makes room for operation `i` in both tables. */
  private ensure(i: number): void {
    if (i < this.capacity) return;
    this.uc.push(new Uint32Array(OP_CHUNK * U_STRIDE));
    this.fc.push(new Float64Array(OP_CHUNK * F_STRIDE));
    this.capacity += OP_CHUNK;
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
      const name = r.name;
      let k: number;
      if (name === this.prevName) k = this.prevNameIndex;
      else k = OP_INDEX.get(name) ?? 255;
      this.prevName = this.lastName;
      this.prevNameIndex = this.lastNameIndex;
      this.lastName = name;
      this.lastNameIndex = k;
    }
    const u = this.uc[i >>> OP_SHIFT];
    const f = this.fc[i >>> OP_SHIFT];
    const ub = (i & OP_MASK) * U_STRIDE;
    const fb = (i & OP_MASK) * F_STRIDE;
    const args = r.args;
    u[ub + U_LINE] = r.line;
    u[ub + U_START_POS] = r.startPos;
    u[ub + U_END_POS] = r.endPos;
    u[ub + U_NAME] = this.lastNameIndex | (r.thread & 0xff) << 8 | (r.errno ? ERRNO[r.errno] : 0) << 16 | (args.length & 0xff) << 24;
    u[ub + U_COL] = (r.col & 0xffff) | sat16(r.pageFaults) << 16;
    u[ub + U_SW] = sat16(r.contextSwitches) | sat16(r.cpuCopies) << 16;
    u[ub + U_DMA] = sat16(r.dmaCopies);
    f[fb + F_RESULT] = r.result;
    f[fb + F_START_NS] = r.startNs;
    f[fb + F_END_NS] = r.endNs;
    f[fb + F_CPU_BYTES] = r.cpuBytes;
    f[fb + F_DMA_BYTES] = r.dmaBytes;
    const slot = r.line & (ARG_SLOTS - 1);
    const named = this.nameStart[this.lastNameIndex];
    if (this.slotLine[slot] === r.line && this.sameArgs(this.slotStart[slot], args)) {
      u[ub + U_ARG_START] = this.slotStart[slot];
    } else if (named >= 0 && this.sameArgs(named, args)) {
      u[ub + U_ARG_START] = named;
      this.slotLine[slot] = r.line;
      this.slotStart[slot] = named;
    } else {
      u[ub + U_ARG_START] = this.argLen;
      this.slotLine[slot] = r.line;
      this.slotStart[slot] = this.argLen;
      this.nameStart[this.lastNameIndex] = this.argLen;
      for (const a of args) this.args.set(this.argLen++, a);
    }
    if (r.text !== undefined) this.texts.set(i, r.text);
    const rec = r.recorded;
    if (rec === undefined) {
      f[fb + F_REC_DUR] = NaN;
      f[fb + F_REC_TS] = NaN;
      f[fb + F_REC_RES] = NaN;
      u[ub + U_REC_NAME] = 0;
      u[ub + U_REC_PATH] = 0;
      f[fb + F_REC_AT] = NaN;
      f[fb + F_REC_END] = NaN;
      return index;
    }
    f[fb + F_REC_DUR] = rec.durationNs ?? NaN;
    f[fb + F_REC_TS] = rec.timestampNs ?? NaN;
    f[fb + F_REC_RES] = rec.result ?? NaN;
    if (rec.errno !== undefined) this.recErrno.set(i, rec.errno);
    u[ub + U_REC_NAME] = this.intern(rec.syscall, 0);
    u[ub + U_REC_PATH] = this.intern(rec.path, 1);
    f[fb + F_REC_AT] = rec.at ?? NaN;
    f[fb + F_REC_END] = rec.end ?? NaN;
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
    const u = this.uc[i >>> OP_SHIFT];
    const f = this.fc[i >>> OP_SHIFT];
    const ub = (i & OP_MASK) * U_STRIDE;
    const fb = (i & OP_MASK) * F_STRIDE;
    const packed = u[ub + U_NAME];
    const s = u[ub + U_ARG_START];
    const e = s + (packed >>> 24);
    const errno = (packed >>> 16) & 0xff;
    return {
      index,
      name: OPS[packed & 0xff]?.name ?? '?',
      line: u[ub + U_LINE],
      col: u[ub + U_COL] & 0xffff,
      thread: (packed >>> 8) & 0xff,
      result: f[fb + F_RESULT],
      errno: errno ? errnoName(errno) : null,
      startPos: u[ub + U_START_POS],
      endPos: u[ub + U_END_POS],
      startNs: f[fb + F_START_NS],
      endNs: f[fb + F_END_NS],
      contextSwitches: u[ub + U_SW] & 0xffff,
      cpuCopies: u[ub + U_SW] >>> 16,
      dmaCopies: u[ub + U_DMA],
      cpuBytes: f[fb + F_CPU_BYTES],
      dmaBytes: f[fb + F_DMA_BYTES],
      pageFaults: u[ub + U_COL] >>> 16,
      args: Array.from(this.args.arr.subarray(s, e)),
      text: this.texts.get(i),
      recorded: this.recordedOf(index),
    };
  }

  /** What the log recorded of operation i, or undefined (a scenario's operation, an alloc the replay added). */
  recordedOf(index: number): RecordedCall | undefined {
    if (this.last) return this.last.recorded;
    const i = index;
    const u = this.uc[i >>> OP_SHIFT];
    const f = this.fc[i >>> OP_SHIFT];
    const ub = (i & OP_MASK) * U_STRIDE;
    const fb = (i & OP_MASK) * F_STRIDE;
    const d = f[fb + F_REC_DUR];
    const t = f[fb + F_REC_TS];
    const r = f[fb + F_REC_RES];
    const e = this.recErrno.get(i);
    const name = u[ub + U_REC_NAME];
    const path = u[ub + U_REC_PATH];
    const at = f[fb + F_REC_AT];
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
      rec.end = f[fb + F_REC_END];
    }
    return rec;
  }

  /** Field `k` (U_*) of operation i; NaN past the chunks (as an array read past its end, never an exception). */
  private uAt(i: number, k: number): number {
    const c = this.uc[i >>> OP_SHIFT];
    return c === undefined ? NaN : c[(i & OP_MASK) * U_STRIDE + k];
  }

  /** Field `k` (F_*) of operation i. */
  private fAt(i: number, k: number): number {
    const c = this.fc[i >>> OP_SHIFT];
    return c === undefined ? NaN : c[(i & OP_MASK) * F_STRIDE + k];
  }

  /** Operation i's name as an index (for opNameMask tables; 255: a name the model does not know). */
  nameIndexOf(i: number): number {
    return this.last ? OP_INDEX.get(this.last.name) ?? 255 : this.uAt(i, U_NAME) & 0xff;
  }
  nameOf(i: number): string {
    return this.last ? this.last.name : OPS[this.uAt(i, U_NAME) & 0xff]?.name ?? '?';
  }
  lineOf(i: number): number {
    return this.last ? this.last.line : this.uAt(i, U_LINE);
  }
  threadOf(i: number): number {
    return this.last ? this.last.thread : (this.uAt(i, U_NAME) >>> 8) & 0xff;
  }
  startPosOf(i: number): number {
    return this.last ? this.last.startPos : this.uAt(i, U_START_POS);
  }
  endPosOf(i: number): number {
    return this.last ? this.last.endPos : this.uAt(i, U_END_POS);
  }
  startNsOf(i: number): number {
    return this.last ? this.last.startNs : this.fAt(i, F_START_NS);
  }
  resultOf(i: number): number {
    return this.last ? this.last.result : this.fAt(i, F_RESULT);
  }

  /**
   * The first operation in [from, to) whose name index is set in `mask` (opNameMask), or -1: the names column read
   * chunk by chunk, with no call an operation (a stop after a long run looks over a million of them, issue 10).
   */
  nextNamed(from: number, to: number, mask: Uint8Array): number {
    to = Math.min(to, this.length);
    if (this.last) {
      for (let i = from; i < to; i++) if (mask[this.nameIndexOf(i)]) return i;
      return -1;
    }
    for (let i = from; i < to;) {
      const u = this.uc[i >>> OP_SHIFT];
      const end = Math.min(to, ((i >>> OP_SHIFT) + 1) << OP_SHIFT);
      for (let k = (i & OP_MASK) * U_STRIDE + U_NAME; i < end; i++, k += U_STRIDE) if (mask[u[k] & 0xff]) return i;
    }
    return -1;
  }

  /** The operation whose events include position `pos` (binary search over start positions); -1 before any. */
  opAt(pos: number): number {
    let lo = 0;
    let hi = this.length - 1;
    let ans = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.uAt(mid, U_START_POS) <= pos) {
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
    for (let i = 0; i < n; i++) keep = Math.max(keep, this.uAt(i, U_ARG_START) + (this.uAt(i, U_NAME) >>> 24));
    this.argLen = keep;
    this.slotLine.fill(-1);
    this.nameStart.fill(-1);
    for (const k of [...this.texts.keys()]) if (k >= n) this.texts.delete(k);
    for (const k of [...this.recErrno.keys()]) if (k >= n) this.recErrno.delete(k);
    this.length = n;
  }

  memoryBytes(): number {
    return this.uc.length * OP_CHUNK * (4 * U_STRIDE + 8 * F_STRIDE) + this.args.arr.byteLength;
  }
}
