/**
 * The panel's link to the extension: posting FromPanel messages and keeping UI state across reloads.
 * VS Code discards a hidden webview's DOM; getState/setState is the documented way to survive that.
 */
import type { CompareResult, FromPanel, MachineState, PanelPage } from '../src/shared/messages';

/** Everything needed to redraw the panel exactly as it was, without asking the host. */
export interface PanelState {
  version: 1;
  machine: MachineState | null;
  /** The session that produced `machine` has ended (the live sections are greyed). */
  ended: boolean;
  /** `machine` is an example run shown while there is no session: what it is. */
  example: string | null;
  compare: CompareResult | null;
  compareForm: { size: string; disk: string; warm: boolean };
  /** The selected tab's id, or null before the person has chosen one. */
  tab: string | null;
  /** The file the page-cache map is narrowed to, or null for every file. */
  selectedFile: string | null;
  why: (PanelPage & { text: string }) | null;
}

interface VsCodeApi {
  postMessage(msg: FromPanel): void;
  getState(): unknown;
  setState(state: PanelState): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

/** acquireVsCodeApi may be called only once per page load. */
const api: VsCodeApi | null = typeof acquireVsCodeApi === 'function' ? acquireVsCodeApi() : null;

export function post(msg: FromPanel): void {
  api?.postMessage(msg);
}

export function defaultPanelState(): PanelState {
  return {
    version: 1,
    machine: null,
    ended: false,
    example: null,
    compare: null,
    compareForm: { size: '16MiB', disk: 'nvme', warm: false },
    tab: null,
    selectedFile: null,
    why: null,
  };
}

/** Restores saved state; anything from an older or unknown shape is dropped rather than half-trusted. */
export function loadPanelState(): PanelState {
  const saved = api?.getState();
  const fresh = defaultPanelState();
  if (!saved || typeof saved !== 'object' || (saved as { version?: unknown }).version !== 1) return fresh;
  return { ...fresh, ...(saved as Partial<PanelState>) };
}

let pending: PanelState | null = null;

/**
 * Saves the state at most once per frame: a stepping session can send many states a second and setState
 * serialises the whole object each time.
 */
export function savePanelState(state: PanelState): void {
  if (!api) return;
  const first = pending === null;
  pending = state;
  if (!first) return;
  requestAnimationFrame(() => {
    if (pending) api.setState(pending);
    pending = null;
  });
}
