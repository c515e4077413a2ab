/**
 * Every message that crosses a boundary: adapter → extension (DAP custom events and requests) and
 * extension ↔ webview panel. Imported by both sides; never copied.
 */
import type { MethodRow } from '../trace/compare';

export const STATE_EVENT = 'iomachine/state';
export const STATE_REQUEST = 'iomachine/state';
export const SEEK_REQUEST = 'iomachine/seek';
export const COMPARE_REQUEST = 'iomachine/compare';
export const EXPORT_REQUEST = 'iomachine/export';
export const WHY_REQUEST = 'iomachine/why';

/**
 * Launch (and restart) arguments the extension adds for itself. STATE_EVENT goes only to a client that asks for it
 * with `stateEvents: true` (the extension's configuration provider does): other clients (nvim-dap, Emacs dap-mode)
 * would get kilobytes they have no handler for on every stop. Once asked, it stays on until a launch or restart says
 * `stateEvents: false`.
 */
export interface ExtensionLaunchArgs {
  stateEvents?: boolean;
}

/** Arguments of SEEK_REQUEST: the trace position to go to (the machine runs ahead when it is not recorded yet). */
export interface SeekArgs {
  position: number;
}

/** Arguments of EXPORT_REQUEST: where to write the Chrome trace; the response's body is ExportResult. */
export interface ExportArgs {
  path: string;
}

export interface ExportResult {
  path: string;
  events: number;
}

/** Arguments of COMPARE_REQUEST (text, as a person gives them; defaults 16KiB, nvme, cold); the body is CompareResult. */
export interface CompareArgs {
  size?: string;
  disk?: string;
  warm?: boolean;
}

/**
 * Arguments of WHY_REQUEST: one page, by the file's id in the machine (FilePages.fileId) and the page's index.
 * The response's body is WhyResult: the page's story up to the current position.
 */
export interface WhyArgs {
  fileId: number;
  index: number;
}

export interface WhyResult {
  text: string;
}

/** Page states in the page-cache map, one character a page. */
export const PAGE_CODES = {
  notCached: '.',
  cleanInactive: 'i',
  cleanActive: 'a',
  dirty: 'd',
  writeback: 'w',
  readahead: 'r',
  /** I/O in flight: inserted, not yet uptodate. */
  locked: 'l',
  /** Evicted at this step (shown once, then '.'). */
  evicted: 'x',
} as const;

export type PageCode = (typeof PAGE_CODES)[keyof typeof PAGE_CODES];

export interface RegisterValue {
  name: string;
  /** As shown: hex for addresses and numbers, 'user'/'kernel' for mode. */
  value: string;
  changed: boolean;
}

export interface DecodedArg {
  name: string;
  value: string;
}

export interface CurrentOperation {
  index: number;
  name: string;
  line: number;
  /** e.g. `read(3</srv/index.html>, 0x10000000, 16384)` */
  call: string;
  args: DecodedArg[];
  /** Known once the operation has returned. */
  result: string | null;
  /** Where in the operation the position is. */
  phase: 'entry' | 'kernel' | 'exit' | 'user';
  /** The kernel function of the current step (e.g. `filemap_read`), if inside a syscall. */
  kernelStep: string | null;
}

export type Place = 'disk' | 'controller' | 'pageCache' | 'user' | 'mmap' | 'socket' | 'pipe' | 'nic';

export interface Movement {
  src: Place;
  dst: Place;
  bytes: number;
  engine: 'cpu' | 'dma';
}

export interface Counters {
  syscalls: number;
  contextSwitches: number;
  cpuCopies: number;
  dmaCopies: number;
  cpuBytes: number;
  dmaBytes: number;
  pageCacheHits: number;
  pageCacheMisses: number;
  evictions: number;
  dmaInterrupts: number;
  pageFaults: number;
  writebackPages: number;
  simTimeNs: number;
}

export interface FilePages {
  /** The file's id in the machine: what WHY_REQUEST names it by. */
  fileId: number;
  path: string;
  sizePages: number;
  cached: number;
  dirty: number;
  /** Cached runs of consecutive pages. */
  runs: PageRun[];
}

/**
 * Consecutive pages of a file from `start`: `codes` has one PageCode per page; or, when `repeat` is given, `codes` is
 * one PageCode that each of `repeat` pages has (a long run of pages in one state costs a few bytes, not one a page: a
 * 1 GiB cache is 262,144 pages, sent on every stop). An object, not a [start, codes] pair: JSON readers that take an
 * array of mixed arrays for a map (Emacs' json.el: "Bad JSON object key: 0") cannot re-encode the pair.
 */
export interface PageRun {
  start: number;
  codes: string;
  repeat?: number;
}

/** Number of pages a run covers. */
export function pageRunLength(r: PageRun): number {
  return r.repeat ?? r.codes.length;
}

/** The PageCode of the run's page `j` (0 ≤ j < pageRunLength(r)). */
export function pageRunCode(r: PageRun, j: number): string {
  return r.repeat === undefined ? r.codes[j] : r.codes;
}

export interface PageCacheView {
  capacityPages: number;
  pages: number;
  dirty: number;
  writeback: number;
  active: number;
  inactive: number;
  files: FilePages[];
}

export interface HexView {
  /** What the bytes are, e.g. "user buffer 0x10000000" or "page cache /srv/index.html page 2". */
  title: string;
  address: number;
  /** Up to 4 KiB, base64. */
  bytesBase64: string;
  highlightStart: number;
  highlightLength: number;
}

export interface TimelineBucket {
  /** First and last trace position in the bucket. */
  from: number;
  to: number;
  startNs: number;
  syscalls: number;
  dma: number;
  interrupts: number;
  faults: number;
  writeback: number;
  evictions: number;
  /** At the end of the bucket. */
  dirtyPages: number;
  cachedPages: number;
}

export interface TimelineEvent {
  position: number;
  timeNs: number;
  thread: number;
  kind: string;
  text: string;
}

export interface DeviceView {
  diskQueue: number;
  diskBusyUntilNs: number;
  dmaInFlight: { id: number; what: string; bytes: number; doneAtNs: number }[];
  nicInFlightBytes: number;
  nicSentBytes: number;
}

export interface MachineState {
  /** The trace position (event index) this state is at; -1 before the first event. */
  position: number;
  /** Events recorded so far. */
  length: number;
  timeNs: number;
  thread: number;
  mode: 'user' | 'kernel';
  ended: boolean;
  operation: CurrentOperation | null;
  registers: RegisterValue[];
  counters: Counters;
  movement: Movement | null;
  pageCache: PageCacheView;
  hex: HexView | null;
  timeline: TimelineBucket[];
  /** Events around the position (a few before and after). */
  nearby: TimelineEvent[];
  devices: DeviceView;
  sysctl: Record<string, number>;
  /** The kernel profile whose page-cache rules run (config `kernel`): classic or 6.18. */
  kernel: string;
}

/**
 * One method's row of `iosim compare`; for advice on a log, the loop's own (its method and " (log)") or a method
 * replayed in its place (`iosim advise`'s names, copy_file_range among them).
 */
export type CompareRow = Omit<MethodRow, 'method'> & { method: string };

/** Which loop of which log a comparison is about (`iosim advise` on the editor's .strace file). */
export interface AdviceView {
  path: string;
  firstLine: number;
  lastLine: number;
  source: string;
  sink: string;
  pairs: number;
  bytes: number;
  /** "16 read+write pairs → sendfile+sg-dma: −32 CPU copies, 1.49× faster (model)" */
  headline: string;
  /** What the log cannot show (the buffer is assumed to pass through unchanged). */
  assumption: string;
}

export interface CompareResult {
  sizeBytes: number;
  disk: string;
  warm: boolean;
  rows: CompareRow[];
  /** Present when the rows are a log's loop and its alternatives (speed-ups over the loop as recorded). */
  advice?: AdviceView;
}

/** Extension → panel. */
export type ToPanel =
  | { type: 'state'; state: MachineState }
  | { type: 'sessionEnded' }
  /** With no session: a state of an example run, so the panel shows something real at once. */
  | { type: 'example'; state: MachineState; title: string }
  | { type: 'compare'; result: CompareResult }
  | { type: 'check'; result: CheckView }
  | { type: 'whyResult'; text: string };

/** "Check Against This Machine": a recorded log's real resident pages against the model's (iosim check). */
export interface CheckView {
  log: string;
  /** The recording machine's kernel release and the profile the replay ran. */
  release: string;
  kernel: string;
  files: { path: string; realPages: number; modelPages: number; onlyReal: [number, number][]; onlyModel: [number, number][]; match: number }[];
  matchedPages: number;
  /** null when no file could be compared (none measured before the run). */
  score: number | null;
}

/**
 * A page as the panel names it: by the path it shows. The extension turns it into WhyArgs (file id) for the
 * adapter with the ids of the states it forwarded.
 */
export interface PanelPage {
  path: string;
  index: number;
}

/** Panel → extension. */
export type FromPanel =
  | { type: 'ready' }
  | { type: 'seek'; position: number }
  | ({ type: 'why' } & PanelPage)
  | { type: 'compare'; size: string; disk: string; warm: boolean };
