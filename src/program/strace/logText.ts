/**
 * A replayed call's own text, read back from the log: the operations keep only the byte offsets of its line (and of
 * the line that resumed it), so a log of a million calls costs sixteen bytes a call, not its text. The CLI and the
 * debugger print each call as the log has it (its name, its descriptors' -y names, its addresses and flags, its
 * result), with the model's figures beside it.
 *
 * `iosim run` prints every call of the log, so this is on its hot path. The commonest line, a complete call
 *
 *   4242  10:00:00.000123 read(3</data/src.bin>, "\177ELF\2\1\1"..., 131072) = 131072 <0.000021>
 *
 * is cut straight from the line's bytes (the name and arguments up to the ')', the result up to the -T duration),
 * which the CLI copies to its output as they are (bytesOf). In a run the replay has just read that line: its reader
 * (fast.ts) leaves where the call and the result are in its own buffer (LastCall), and bytesOf takes them from there,
 * reading the log again only for a line the replay's reader did not take or whose bytes it has since replaced. Any
 * other shape (a split call, a `[pid N]` or -i prefix, a result with trailing space, arguments long enough to be cut)
 * goes to the general parser (parse.ts), which reads every line the fast path takes to the very same texts
 * (test/strace/logText.test.ts compares the two on every fixture log).
 */
import type { RecordedCall } from '../../machine/operation';
import type { CallBytes, CallTexts, LogCall } from '../source';
import { isDigit, isNameChar } from './args';
import { NEVER_RESUMED } from './core';
import { MAX_ARGS, type FastCall } from './fast';
import type { LineCursor, LineSource } from './lines';
import { LineKind, parseLine, type ParsedLine } from './parse';

/** Whether complete calls are cut from their bytes (tests turn it off to compare with the general parser). */
export const logTextFast = { enabled: true };

/**
 * The complete call line the replay read last, where its reader (fast.ts) found its call and result in the replay
 * cursor's buffer: the replay writes it (Replayer.feed), LogText reads it, so that printing the operation just handed
 * out needs no second cursor, read or scan of the log. It holds while the cursor keeps the buffer it had then
 * (LineCursor.fills); any replay of the same log may write it (the same offset holds the same line in each).
 */
export class LastCall {
  /** Byte offset of the line in the log; -1: none. */
  at = -1;
  private cur: LineCursor | null = null;
  private fills = 0;
  /** Where its call and result are (fast.ts's ranges, which completeCall reads alike). */
  readonly span: CallBytes = { bytes: Buffer.alloc(0), callStart: 0, callEnd: 0, retStart: 0, retEnd: 0 };

  /** The line at `at`, read by `f` from `cur`'s current bytes (f.callEnd >= 0). */
  set(at: number, cur: LineCursor, f: FastCall): void {
    this.at = at;
    this.cur = cur;
    this.fills = cur.fills;
    const c = this.span;
    c.bytes = cur.bytes;
    c.callStart = f.callStart;
    c.callEnd = f.callEnd;
    c.retStart = f.retStart;
    c.retEnd = f.retEnd;
  }

  /** The span of the line at `at`, if it is the last one set and its bytes are still in the buffer; else null. */
  spanAt(at: number): CallBytes | null {
    return at === this.at && this.cur !== null && this.cur.fills === this.fills ? this.span : null;
  }
}

export class LogText implements CallTexts {
  private readonly cur: LineCursor;
  /** What bytesOf and callOf's fast path give: one object, reused. */
  private readonly span: CallBytes = { bytes: Buffer.alloc(0), callStart: 0, callEnd: 0, retStart: 0, retEnd: 0 };

  /** `last`: the replay's last complete call line, looked at first (its bytes are in the replay's buffer). */
  constructor(source: LineSource, private readonly last: LastCall | null = null) {
    this.cur = source.open();
  }

  /** Moves the cursor to the line at `offset` (within its buffer a seek costs nothing: a run reads forward). */
  private moveTo(offset: number): boolean {
    this.cur.seek(offset);
    return this.cur.advance();
  }

  private lineAt(offset: number): ParsedLine | null {
    return this.moveTo(offset) ? parseLine(this.cur.text()) : null;
  }

  callOf(rec: RecordedCall): LogCall | null {
    if (rec.at === undefined || !(rec.at >= 0)) return null;
    if (!this.moveTo(rec.at)) return null;
    if (logTextFast.enabled && this.completeCall()) {
      const c = this.span;
      return { call: c.bytes.toString('utf8', c.callStart, c.callEnd), ret: c.bytes.toString('utf8', c.retStart, c.retEnd) };
    }
    const first = parseLine(this.cur.text());
    if (first.kind === LineKind.Call) return { call: callText(first.name, first.args), ret: retOf(first) };
    if (first.kind !== LineKind.Unfinished) return null;
    const head = first.args;
    const name = first.name;
    // Never resumed: no result (`= ?`, as strace prints a call that does not return); not read yet: the model's.
    if (rec.end === NEVER_RESUMED) return { call: callText(name, `${head} <unfinished ...>`), ret: '?' };
    if (rec.end === undefined || !(rec.end >= 0)) return { call: callText(name, `${head} <unfinished ...>`), ret: null };
    const second = this.lineAt(rec.end);
    if (!second || second.kind !== LineKind.Resumed) return { call: callText(name, `${head} <unfinished ...>`), ret: null };
    return { call: callText(name, head + second.args), ret: retOf(second) };
  }

  bytesOf(rec: RecordedCall): CallBytes | null {
    if (!logTextFast.enabled || rec.at === undefined || !(rec.at >= 0)) return null;
    const held = this.last?.spanAt(rec.at) ?? null;
    if (held !== null) return held;
    if (!this.moveTo(rec.at)) return null;
    return this.completeCall() ? this.span : null;
  }

  /**
   * Whether the cursor's line has the plain shape `[PID +][TIMESTAMP +]name(ARGS) = RESULT[ <SECONDS>]` of a complete
   * call; if so, `span` says where its call and result are, which are the texts callOf's general path cuts from the
   * decoded line (the delimiters are ASCII, which never occurs inside a UTF-8 sequence, so byte positions cut the
   * same text).
   */
  private completeCall(): boolean {
    const b = this.cur.bytes;
    const e = this.cur.end;
    let i = this.cur.start;
    while (i < e && b[i] === 32) i++;
    // The prefixes parseLine reads: `PID  `, then a timestamp (HH:MM:SS[.frac] or secs.frac), then spaces. Every
    // index stays below e: the bytes past the line are the next line's, or stale.
    if (i < e && isDigit(b[i])) {
      let k = digitsEnd(b, i, e);
      if (k < e && b[k] === 32) {
        i = k;
        while (i < e && b[i] === 32) i++;
        k = i < e && isDigit(b[i]) ? digitsEnd(b, i, e) : -1;
      }
      if (k >= 0) {
        if (k >= e) return false;
        if (b[k] === 58) {
          const k2 = digitsEnd(b, k + 1, e);
          if (k2 === k + 1 || k2 >= e || b[k2] !== 58) return false;
          i = digitsEnd(b, k2 + 1, e);
          if (i === k2 + 1) return false;
          if (i < e && b[i] === 46) i = digitsEnd(b, i + 1, e);
        } else if (b[k] === 46) {
          i = digitsEnd(b, k + 1, e);
        } else {
          return false;
        }
        if (i >= e || b[i] !== 32) return false;
        while (i < e && b[i] === 32) i++;
      }
    }
    const nameStart = i;
    while (i < e && isNameChar(b[i])) i++;
    if (i === nameStart || i >= e || b[i] !== 40) return false;
    const from = i + 1;
    // `<unfinished ...>` and `<detached ...>` end in '.>', which a duration never does.
    if (b[e - 1] === 62 && b[e - 2] === 46) return false;
    let end = e;
    if (b[e - 1] === 62) {
      // -T: ` <SECS.FRAC>`, exactly as finishCall takes it; anything else ending in '>' is left to it.
      let lt = e - 2;
      while (lt > from && (isDigit(b[lt]) || b[lt] === 46)) lt--;
      if (b[lt] !== 60 || b[lt - 1] !== 32 || lt - 1 < from) return false;
      const dot = digitsEnd(b, lt + 1, e);
      if (dot === lt + 1 || b[dot] !== 46 || digitsEnd(b, dot + 1, e) !== e - 1) return false;
      end = lt - 1;
    }
    let eq = end - 3;
    while (eq >= from && !(b[eq + 1] === 61 && b[eq] === 32 && b[eq + 2] === 32)) eq--;
    if (eq < from) return false;
    let close = eq;
    while (close > from && b[close - 1] === 32) close--;
    // The arguments end at a ')' and are not cut; the result starts with a character other than '<' and ends in a
    // printable ASCII one (trimEnd leaves it as it is).
    if (close <= from || b[close - 1] !== 41 || close - 1 - from > MAX_ARGS) return false;
    const retStart = eq + 3;
    if (retStart >= end || b[retStart] === 60 || b[end - 1] <= 32 || b[end - 1] >= 127) return false;
    const c = this.span;
    c.bytes = b;
    c.callStart = nameStart;
    c.callEnd = close;
    c.retStart = retStart;
    c.retEnd = end;
    return true;
  }
}

/** Index after the decimal digits at i (i: none). */
function digitsEnd(b: Buffer, i: number, end: number): number {
  while (i < end && b[i] >= 48 && b[i] <= 57) i++;
  return i;
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
