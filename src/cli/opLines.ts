/**
 * The line `iosim run` prints for each operation, in strace's format (trace/strace.ts), escaped for a terminal: a
 * log's operations lead with their line number and, when the log has several processes, their process. A run prints
 * a line per call of the log, a million for a million-line log, so the commonest line, a complete call printed plainly
 * by the log, is not made into a string at all: its call and result are copied from the log's bytes to the output,
 * between the prefix and the model's figures, when they are printable ASCII (which a terminal prints as it is).
 * Every other line is made by straceLine and escaped by terminalText, to the very same text.
 */
import { formatSeconds } from '../machine/units';
import type { RecordedCall } from '../machine/operation';
import type { CallBytes, CallTexts } from '../program/source';
import { terminalText } from '../shared/escape';
import type { OpRecord } from '../trace/opLog';
import { FdNames, logLineNotes, straceLine } from '../trace/strace';
import { asciiPiece, type Output } from './output';

/** What logLineNotes read for an answer, and the answer. */
interface NotesMemo {
  name: string;
  syscall: string | undefined;
  result: number;
  recResult: number | undefined;
  errno: string | null;
  recErrno: string | undefined;
  notes: string;
}

function newMemo(): NotesMemo {
  // A result of NaN never equals one: nothing matches an empty memo.
  return { name: '', syscall: undefined, result: NaN, recResult: undefined, errno: null, recErrno: undefined, notes: '' };
}

/** Whether `m` holds the answer for `r` and its record: logLineNotes reads nothing else of them. */
function answers(m: NotesMemo, r: OpRecord, rec: RecordedCall): boolean {
  return m.name === r.name && m.syscall === rec.syscall && m.result === r.result && m.recResult === rec.result && m.errno === r.errno && m.recErrno === rec.errno;
}

/** Appends a duration as formatSeconds writes it: straight to the output when it can, else the string. */
function seconds(out: Output, ns: number): boolean {
  return out.seconds(ns) || out.ascii(formatSeconds(ns));
}

/** A call line's fixed pieces, made once: nothing to check or convert for each of a million lines. */
const AFTER_LINE = asciiPiece('  ');
const EQUALS = asciiPiece(' = ');
const OPEN = asciiPiece(' <');
const CLOSE = asciiPiece('>');
const CLOSE_OPEN_LOG = asciiPiece('> (log <');
const CLOSE_LOG = asciiPiece('>)');

/** Spaces that right-align a line number in six columns, by its number of digits. */
const PAD = ['      ', '     ', '    ', '   ', '  ', ' ', ''];

export class OpLines {
  /** `[label] ` by thread index, escaped: labels come from the log. */
  private readonly labels = new Map<number, string>();
  private readonly threaded: boolean;

  /**
   * @param log  whether the operations come from a log (they then carry the log's line numbers)
   * @param threads  the log's processes by thread index, or undefined
   * @param texts  the log's call texts, or undefined (the line is then made from the operation's record)
   */
  constructor(
    private readonly log: boolean,
    private readonly threads: ReadonlyMap<number, string> | undefined,
    private readonly texts: CallTexts | undefined,
  ) {
    this.threaded = threads !== undefined && threads.size > 1;
  }

  /** Prints `r`'s line to `out`, formatted before `names` learns about its effect. */
  print(r: OpRecord, names: FdNames, out: Output): void {
    const rec = r.recorded;
    const span = rec !== undefined && rec.at !== undefined && this.texts?.bytesOf ? this.texts.bytesOf(rec) : null;
    if (span && this.log) {
      // The line as logLine makes it: `${call} = ${ret}` + logLineTail, its pieces written where they go.
      const label = this.threaded ? this.label(r.thread) : '';
      const model = r.endNs - r.startNs;
      const logged = rec!.durationNs;
      const notes = this.notesOf(r, rec!);
      // 33: the line number (16 digits at most) and the fixed pieces between the others; 32: a duration's most.
      const max = 33 + label.length + (span.callEnd - span.callStart) + (span.retEnd - span.retStart) + 64 + notes.length;
      if (out.begin(max)) {
        if (this.callLine(out, r.line, label, span, model, logged, notes)) {
          out.end();
          return;
        }
        out.undo();
      }
    }
    out.lineAsIs(this.where(r) + terminalText(straceLine(r, names, this.texts)));
  }

  /**
   * `${line}  ${label}${call} = ${ret} <${model}>[ (log <${logged}>)]${notes}`, false at the first piece that is not
   * printable ASCII (the caller then takes the line back).
   */
  private callLine(out: Output, line: number, label: string, span: CallBytes, model: number, logged: number | undefined, notes: string): boolean {
    if (!out.decimal(line, 6)) return false;
    out.piece(AFTER_LINE);
    if (label.length > 0 && !out.ascii(label)) return false;
    const b = span.bytes;
    const between = span.callEnd;
    if (span.retStart === between + 3 && b[between] === 32 && b[between + 1] === 61 && b[between + 2] === 32) {
      // The log has the ' = ' the line puts between them (it nearly always does): call and result in one copy.
      if (!out.copy(b, span.callStart, span.retEnd)) return false;
    } else {
      if (!out.copy(b, span.callStart, span.callEnd)) return false;
      out.piece(EQUALS);
      if (!out.copy(b, span.retStart, span.retEnd)) return false;
    }
    out.piece(OPEN);
    if (!seconds(out, model)) return false;
    if (logged === undefined) out.piece(CLOSE);
    else {
      out.piece(CLOSE_OPEN_LOG);
      if (!seconds(out, logged)) return false;
      out.piece(CLOSE_LOG);
    }
    return notes.length === 0 || out.ascii(notes);
  }

  /**
   * logLineNotes(r, true), from what it reads of `r` and its record; the last two answers are kept (a copy loop's
   * calls take turns: read, write, read, ...; each with the same results).
   */
  private notesOf(r: OpRecord, rec: RecordedCall): string {
    const a = this.memoA;
    if (answers(a, r, rec)) return a.notes;
    const b = this.memoB;
    if (answers(b, r, rec)) {
      this.memoA = b;
      this.memoB = a;
      return b.notes;
    }
    // The older answer goes.
    b.name = r.name;
    b.syscall = rec.syscall;
    b.result = r.result;
    b.recResult = rec.result;
    b.errno = r.errno;
    b.recErrno = rec.errno;
    b.notes = logLineNotes(r, true);
    this.memoA = b;
    this.memoB = a;
    return b.notes;
  }

  private memoA: NotesMemo = newMemo();
  private memoB: NotesMemo = newMemo();

  /** What a line starts with: a log's line number in six columns, then its process when there are several. */
  private where(r: OpRecord): string {
    if (!this.log) return '';
    const n = String(r.line);
    const where = n.length < PAD.length ? PAD[n.length] + n + '  ' : n + '  ';
    return this.threaded ? where + this.label(r.thread) : where;
  }

  private label(thread: number): string {
    let l = this.labels.get(thread);
    if (l === undefined) {
      l = `[${terminalText(this.threads!.get(thread) ?? String(thread))}] `;
      this.labels.set(thread, l);
    }
    return l;
  }
}
