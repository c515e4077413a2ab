/**
 * "Real vs model": the result of the Check Against This Machine command (iosim check) for a log made by iosim
 * record: per file measured before the run, the pages the real kernel had resident right after it (mincore) and the
 * pages the model has cached at its end, the index runs only one side has, and the match.
 */
import type { CheckView } from '../src/shared/messages';
import { el, setText } from './dom';
import { formatCount } from './format';

const runs = (r: [number, number][]): string =>
  r.length ? r.slice(0, 8).map(([a, b]) => (a === b ? `${a}` : `${a}–${b}`)).join(', ') + (r.length > 8 ? `, … (${r.length} runs)` : '') : '—';

export class CheckPane {
  readonly root: HTMLElement;
  private readonly head: HTMLElement;
  private readonly table: HTMLTableElement;

  constructor() {
    this.root = el('div', 'check');
    this.head = el('p', 'muted', 'Run "I/O Machine: Check Against This Machine" on a log made by iosim record (or a launch configuration with "command") to compare the real page cache with the model\'s.');
    this.table = document.createElement('table');
    this.table.className = 'check-table';
    this.table.hidden = true;
    this.root.append(this.head, this.table);
  }

  show(v: CheckView): void {
    setText(this.head, `${v.log}: recorded on Linux ${v.release}, replayed with the ${v.kernel} kernel profile. ` +
      (v.score === null ? 'No file was compared: none had its residency measured before the run (record with --watch or --cold).' : `${formatCount(v.matchedPages)} pages in common, score ${(100 * v.score).toFixed(1)}%.`));
    const rows: HTMLTableRowElement[] = [];
    const header = document.createElement('tr');
    for (const h of ['file', 'real pages', 'model pages', 'only real', 'only model', 'match']) header.append(el('th', undefined, h));
    rows.push(header);
    for (const f of v.files) {
      const tr = document.createElement('tr');
      // Text only: paths come from a log and are never markup.
      for (const c of [f.path, formatCount(f.realPages), formatCount(f.modelPages), runs(f.onlyReal), runs(f.onlyModel), `${(100 * f.match).toFixed(1)}%`]) tr.append(el('td', undefined, c));
      rows.push(tr);
    }
    this.table.replaceChildren(...rows);
    this.table.hidden = false;
  }
}
