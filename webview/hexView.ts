/**
 * Hex view of the buffer the current step touches: offset, 16 bytes a row, ASCII. The highlighted range is
 * the bytes this step moved. Rows are kept and only rewritten when their bytes or highlight change, so stepping
 * through a 4 KiB buffer does not rebuild 256 rows.
 */
import type { HexView } from '../src/shared/messages';
import { el, setText } from './dom';
import { hex } from './format';

interface Row {
  root: HTMLElement;
  /** The bytes and highlight this row was drawn with, to skip unchanged rows. */
  key: string;
}

export class HexPane {
  readonly root: HTMLElement;
  private readonly title: HTMLElement;
  private readonly body: HTMLElement;
  private readonly empty: HTMLElement;
  private readonly head: HTMLElement;
  private rows: Row[] = [];

  constructor() {
    this.root = el('div', 'hexview');
    this.title = el('div', 'hex-title');
    this.empty = el('div', 'muted', 'No buffer is touched at this step.');
    this.body = el('div', 'hex-body');
    this.body.setAttribute('role', 'table');
    // Column headings: which byte of the row a column is. Outside `rows`, so the row bookkeeping is unchanged.
    this.head = el('div', 'hex-row hex-head');
    this.head.setAttribute('role', 'row');
    this.head.append(
      el('span', 'hex-off', 'address'),
      el('span', 'hex-bytes', Array.from({ length: 16 }, (_, i) => i.toString(16).padStart(2, '0')).join(' ')),
      el('span', 'hex-ascii', 'ASCII'),
    );
    this.body.append(this.head);
    this.root.append(this.title, this.empty, this.body);
  }

  update(h: HexView | null): void {
    if (!h) {
      setText(this.title, '');
      this.empty.hidden = false;
      this.body.hidden = true;
      return;
    }
    this.empty.hidden = true;
    this.body.hidden = false;
    const bytes = decodeBase64(h.bytesBase64);
    const hlEnd = h.highlightStart + h.highlightLength;
    setText(
      this.title,
      h.highlightLength > 0
        ? `${h.title} — ${bytes.length} bytes at ${hex(h.address)}; bytes ${h.highlightStart}–${hlEnd - 1} highlighted (moved at this step)`
        : `${h.title} — ${bytes.length} bytes at ${hex(h.address)}`,
    );
    const nRows = Math.ceil(bytes.length / 16);
    const addrWidth = Math.max(8, (h.address + bytes.length).toString(16).length);
    // Pad the heading to the address width so the columns line up.
    setText(this.head.children[0], 'address'.padEnd(addrWidth + 2, ' '));
    while (this.rows.length < nRows) {
      const root = el('div', 'hex-row');
      root.setAttribute('role', 'row');
      root.append(el('span', 'hex-off'), el('span', 'hex-bytes'), el('span', 'hex-ascii'));
      this.body.append(root);
      this.rows.push({ root, key: '' });
    }
    while (this.rows.length > nRows) (this.rows.pop() as Row).root.remove();
    for (let r = 0; r < nRows; r++) {
      const start = r * 16;
      const slice = bytes.subarray(start, Math.min(start + 16, bytes.length));
      const a = Math.max(0, Math.min(16, h.highlightStart - start));
      const b = Math.max(0, Math.min(slice.length, hlEnd - start));
      const off = hex(h.address + start, addrWidth);
      const key = `${off}|${a}|${b}|${slice.join(',')}`;
      const row = this.rows[r];
      if (row.key === key) continue;
      row.key = key;
      setText(row.root.children[0], off);
      fillSegments(row.root.children[1] as HTMLElement, slice, a, b, hexText, 16);
      fillSegments(row.root.children[2] as HTMLElement, slice, a, b, asciiText, 0);
    }
  }
}

function hexText(bytes: Uint8Array): string {
  return Array.from(bytes, (x) => x.toString(16).padStart(2, '0')).join(' ');
}

function asciiText(bytes: Uint8Array): string {
  return Array.from(bytes, (x) => (x >= 0x20 && x < 0x7f ? String.fromCharCode(x) : '.')).join('');
}

/**
 * Writes `bytes` as up to three text runs — before, inside (a <mark>) and after the highlight — so the
 * highlight costs three nodes, not one per byte. `padTo` pads the hex column of a short last row.
 */
function fillSegments(
  cell: HTMLElement,
  bytes: Uint8Array,
  a: number,
  b: number,
  fmt: (b: Uint8Array) => string,
  padTo: number,
): void {
  const sep = fmt === hexText ? ' ' : '';
  const before = fmt(bytes.subarray(0, a));
  const mid = b > a ? fmt(bytes.subarray(a, b)) : '';
  const after = fmt(bytes.subarray(Math.max(a, b)));
  cell.replaceChildren();
  if (before) cell.append(before + (mid || after ? sep : ''));
  if (mid) cell.append(el('mark', 'hex-hl', mid));
  if (after) cell.append((mid ? sep : '') + after);
  if (padTo && bytes.length < padTo) cell.append(' '.repeat((padTo - bytes.length) * 3));
}

function decodeBase64(b64: string): Uint8Array {
  try {
    const bin = atob(b64);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  } catch {
    return new Uint8Array(0);
  }
}
