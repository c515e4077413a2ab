/** One record per executed operation: where it came from, what it returned, what it cost. Typed arrays again. */
import { OPS } from '../machine/operation';
import { ERRNO, Errno, errnoName } from '../machine/errno';

const OP_INDEX = new Map(OPS.map((o, i) => [o.name, i]));

class Grow<T extends Float64Array | Uint32Array | Uint8Array | Int32Array> {
  constructor(public arr: T, private make: (n: number) => T) {}
  set(i: number, v: number): void {
    if (i >= this.arr.length) {
      const n = this.make(Math.max(1024, this.arr.length * 2));
      n.set(this.arr);
      this.arr = n;
    }
    this.arr[i] = v;
  }
}

const f64 = () => new Grow(new Float64Array(1024), (n) => new Float64Array(n));
const u32 = () => new Grow(new Uint32Array(1024), (n) => new Uint32Array(n));
const u8 = () => new Grow(new Uint8Array(1024), (n) => new Uint8Array(n));

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
}

export class OpLog {
  length = 0;
  private name = u8();
  private line = u32();
  private col = u32();
  private thread = u8();
  private result = f64();
  private errno = u8();
  private startPos = f64();
  private endPos = f64();
  private startNs = f64();
  private endNs = f64();
  private sw = u32();
  private cpu = u32();
  private dma = u32();
  private cpuBytes = f64();
  private dmaBytes = f64();
  private faults = u32();
  private argStart = u32();
  private args = f64();
  private argLen = 0;
  /** Texts (paths, sysctl keys) are few: a sparse map. */
  private texts = new Map<number, string>();

  add(r: Omit<OpRecord, 'index'>): number {
    const i = this.length++;
    this.name.set(i, OP_INDEX.get(r.name) ?? 255);
    this.line.set(i, r.line);
    this.col.set(i, r.col);
    this.thread.set(i, r.thread);
    this.result.set(i, r.result);
    this.errno.set(i, r.errno ? ERRNO[r.errno] : 0);
    this.startPos.set(i, r.startPos);
    this.endPos.set(i, r.endPos);
    this.startNs.set(i, r.startNs);
    this.endNs.set(i, r.endNs);
    this.sw.set(i, r.contextSwitches);
    this.cpu.set(i, r.cpuCopies);
    this.dma.set(i, r.dmaCopies);
    this.cpuBytes.set(i, r.cpuBytes);
    this.dmaBytes.set(i, r.dmaBytes);
    this.faults.set(i, r.pageFaults);
    this.argStart.set(i, this.argLen);
    for (const a of r.args) this.args.set(this.argLen++, a);
    this.argStart.set(i + 1, this.argLen);
    if (r.text !== undefined) this.texts.set(i, r.text);
    return i;
  }

  get(i: number): OpRecord {
    const s = this.argStart.arr[i];
    const e = this.argStart.arr[i + 1];
    const errno = this.errno.arr[i];
    return {
      index: i,
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
    };
  }

  nameOf(i: number): string {
    return OPS[this.name.arr[i]]?.name ?? '?';
  }
  lineOf(i: number): number {
    return this.line.arr[i];
  }
  startPosOf(i: number): number {
    return this.startPos.arr[i];
  }
  endPosOf(i: number): number {
    return this.endPos.arr[i];
  }
  resultOf(i: number): number {
    return this.result.arr[i];
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
    this.argLen = this.argStart.arr[n];
    for (const k of [...this.texts.keys()]) if (k >= n) this.texts.delete(k);
    this.length = n;
  }

  memoryBytes(): number {
    return [this.name, this.line, this.col, this.thread, this.result, this.errno, this.startPos, this.endPos, this.startNs,
      this.endNs, this.sw, this.cpu, this.dma, this.cpuBytes, this.dmaBytes, this.faults, this.argStart, this.args]
      .reduce((s, g) => s + g.arr.byteLength, 0);
  }
}
