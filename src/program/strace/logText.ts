/**
 * A replayed call's own text, read back from the log: the operations keep only the byte offsets of its line (and of
 * the line that resumed it), so a log of a million calls costs sixteen bytes a call, not its text. The CLI and the
 * debugger print each call as the log has it (its name, its descriptors' -y names, its addresses and flags, its
 * result), with the model's figures beside it.
 */
import type { RecordedCall } from '../../machine/operation';
import type { CallTexts, LogCall } from '../source';
import type { LineCursor, LineSource } from './lines';
import { LineKind, parseLine, type ParsedLine } from './parse';

/** Arguments longer than this are cut (strace -s 65536 prints whole buffers). */
const MAX_ARGS = 400;

export class LogText implements CallTexts {
  private readonly cur: LineCursor;

  constructor(source: LineSource) {
    this.cur = source.open();
  }

  private lineAt(offset: number): ParsedLine | null {
    this.cur.seek(offset);
    if (!this.cur.advance()) return null;
    return parseLine(this.cur.text());
  }

  callOf(rec: RecordedCall): LogCall | null {
    if (rec.at === undefined || !(rec.at >= 0)) return null;
    const first = this.lineAt(rec.at);
    if (!first) return null;
    if (first.kind === LineKind.Call) return { call: callText(first.name, first.args), ret: retOf(first) };
    if (first.kind !== LineKind.Unfinished) return null;
    const head = first.args;
    const name = first.name;
    if (rec.end === undefined || !(rec.end >= 0)) return { call: callText(name, `${head} <unfinished ...>`), ret: null };
    const second = this.lineAt(rec.end);
    if (!second || second.kind !== LineKind.Resumed) return { call: callText(name, `${head} <unfinished ...>`), ret: null };
    return { call: callText(name, head + second.args), ret: retOf(second) };
  }
}

function callText(name: string, args: string): string {
  const a = args.length > MAX_ARGS ? args.slice(0, MAX_ARGS - 3) + '...' : args;
  return `${name}(${a})`;
}

/** The result as the log printed it, errno text and decoration included (`-1 ENOENT (No such file or directory)`). */
function retOf(p: ParsedLine): string {
  if (p.retEnd > p.retStart) return p.text.slice(p.retStart, p.retEnd).trimEnd();
  return p.ret === '' ? '?' : p.ret;
}
