/** What the trace layer runs: a machine configuration, the files that exist, and a source of operations. */
import { MachineConfig } from '../machine/config';
import { FileSpec } from '../machine/machine';
import { Operation, RecordedCall } from '../machine/operation';

/** A replayed call as its log printed it: `name(arguments)` and the result (`3</etc/passwd>`, `-1 ENOENT (...)`). */
export interface LogCall {
  call: string;
  /** Null while the call's end has not been read (a blocked write the replay ran ahead of its end). */
  ret: string | null;
}

/**
 * A complete call as its log holds it, in bytes (UTF-8): bytes[callStart, callEnd) is LogCall.call, bytes[retStart,
 * retEnd) is LogCall.ret. A view into the reader's buffer, valid until the reader is asked again.
 */
export interface CallBytes {
  bytes: Buffer;
  callStart: number;
  callEnd: number;
  retStart: number;
  retEnd: number;
}

/** Reads a replayed call's own text back from its log (the operations keep only where it is). */
export interface CallTexts {
  callOf(rec: RecordedCall): LogCall | null;
  /**
   * The call's text without decoding it, when its line is a complete call the log printed plainly (the commonest
   * lines of a log); null otherwise (callOf has it then). `iosim run` copies these bytes to its output.
   */
  bytesOf?(rec: RecordedCall): CallBytes | null;
}

/** Where operations come from: a scenario cursor, a strace log reader, a generated benchmark. */
export interface OperationSource {
  next(): Operation | null;
  complete(result: number): void;
  snapshot(): unknown;
  restore(state: unknown): void;
  /** Where the next operation is in the source, without moving; null at the end. */
  peek(): { line: number; col: number } | null;
  /** Named values the program holds (scenario variables), for hover and evaluate. */
  variables(): ReadonlyMap<string, number>;
}

export interface ProgramSpec {
  /** The source file, for messages and the debugger's stack frames. */
  path: string;
  config: MachineConfig;
  files: readonly FileSpec[];
  /** A fresh source positioned at the start; each call must return an independent one. */
  createSource(): OperationSource;
  /** Names of the program's threads by the index operations carry (a strace log's processes); absent: one thread. */
  threads?: ReadonlyMap<number, string>;
  /** Releases what the sources hold open (a log's file descriptor); no source may be used after it. */
  close?(): void;
  /** A replayed log's reader of its calls' own text (each call an independent reader); absent for a scenario. */
  callTexts?(): CallTexts;
}

/** A fixed list of operations as a source (compare, tests, benchmarks). */
export class ListSource implements OperationSource {
  private i = 0;
  constructor(private readonly ops: readonly Operation[]) {}
  next(): Operation | null {
    return this.i < this.ops.length ? this.ops[this.i++] : null;
  }
  complete(): void {}
  snapshot(): unknown {
    return this.i;
  }
  restore(state: unknown): void {
    this.i = state as number;
  }
  peek(): { line: number; col: number } | null {
    const op = this.ops[this.i];
    return op ? { line: op.line, col: op.col } : null;
  }
  variables(): ReadonlyMap<string, number> {
    return new Map();
  }
}
