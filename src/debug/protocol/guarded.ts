/**
 * The boundary between any client and the session's handlers. Whatever arrives — a malformed frame, a message that
 * is not a request, a request the adapter does not serve, arguments of the wrong type — is answered or reported
 * here, and the process goes on: a client can end a session, never the adapter. Handlers only see requests whose
 * arguments fit the protocol's schema; what still goes wrong in them becomes an error response with a message, the
 * details (never a stack trace) staying in the adapter's log.
 */
import { PassThrough, Writable } from 'node:stream';
import { DebugSession, Response } from '@vscode/debugadapter';
import { DebugProtocol } from '@vscode/debugprotocol';
import { escapeFormat, UserError } from '../errors';
import { refusal } from './commands';
import { FrameReader, preview } from './frames';
import { checkArguments } from './validate';

/** The code the DebugSession base class uses when a request handler throws. */
const HANDLER_THREW = 1104;
/** Warnings about one client, at most; a client that sends garbage without end is not echoed without end. */
const MAX_WARNINGS = 200;

export abstract class GuardedSession extends DebugSession {
  private warnings = 0;
  private readonly logged = new Set<string>();
  /** The request being dispatched, for the log of a handler that throws. */
  private current: DebugProtocol.Request | undefined;
  /** The stream the protocol is written to (an adapter in its own process); null inline. */
  private out: Writable | null = null;
  private corked = false;

  /** Where warnings and internal errors go: stderr (standalone, the extension host's log when inline). */
  protected log(line: string): void {
    process.stderr.write(`iomachine adapter: ${line}\n`);
  }

  protected warn(warning: string): void {
    if (++this.warnings > MAX_WARNINGS) return;
    this.log(this.warnings === MAX_WARNINGS ? `${warning} (further warnings are not shown)` : warning);
  }

  /** Reads the client's bytes with a reader that survives bad frames; the base class only writes. */
  override start(inStream: NodeJS.ReadableStream, outStream: NodeJS.WritableStream): void {
    const quiet = new PassThrough();
    this.out = outStream instanceof Writable ? outStream : null;
    super.start(quiet, outStream);
    const frames = new FrameReader((text) => this.receive(text), (w) => this.warn(w));
    inStream.on('data', (data: Buffer | string) => frames.push(typeof data === 'string' ? Buffer.from(data) : data));
    // The base class ends the session when its input closes; it listens on `quiet`.
    const close = () => quiet.destroy();
    inStream.on('end', close);
    inStream.on('close', close);
    inStream.on('error', (e: Error) => {
      this.warn(`reading from the client failed: ${e.message}`);
      close();
    });
    inStream.resume();
  }

  /**
   * Output events come in bursts (a run prints up to 2000 syscall lines): the stream is corked from the first one to
   * the end of the current tick, so that the burst goes out in one write, not one system call a line (≈60 µs each on
   * a pipe: 5 % of a long continue, issue 10). Every message is still its own frame, in the order sent.
   */
  override sendEvent(event: DebugProtocol.Event): void {
    const out = this.out;
    if (out && !this.corked && event.event === 'output') {
      this.corked = true;
      out.cork();
      process.nextTick(() => {
        this.corked = false;
        out.uncork();
      });
    }
    super.sendEvent(event);
  }

  private receive(text: string): void {
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch (e) {
      this.warn(`skipped a frame that is not JSON (${(e as Error).message}): ${preview(text)}`);
      return;
    }
    this.handleMessage(message as DebugProtocol.ProtocolMessage);
  }

  /** Also the entry of an inline adapter (VS Code hands it parsed messages): every kind of message is checked. */
  override handleMessage(message: DebugProtocol.ProtocolMessage): void {
    const m = message as unknown;
    if (m === null || typeof m !== 'object' || Array.isArray(m)) {
      this.warn(`skipped a message that is not a JSON object: ${preview(JSON.stringify(m) ?? String(m))}`);
      return;
    }
    const msg = m as Record<string, unknown>;
    if (msg.type !== 'request') {
      // This adapter sends no requests, so no response can be awaited; clients send no events.
      const what = msg.type === 'response' ? `a response (request_seq ${preview(JSON.stringify(msg.request_seq) ?? '')}) to no request of the adapter`
        : msg.type === 'event' ? 'an event from the client' : `a message of unknown type ${preview(JSON.stringify(msg.type) ?? 'undefined')}`;
      this.warn(`ignored ${what}`);
      return;
    }
    // The protocol's seq is a positive 32-bit integer; a response could not name any other.
    if (!Number.isInteger(msg.seq) || (msg.seq as number) < 1 || (msg.seq as number) > 2 ** 31 - 1) {
      this.warn(`skipped a request without a valid 'seq' (a response could not name it): ${preview(JSON.stringify(msg))}`);
      return;
    }
    if (typeof msg.command !== 'string' || !msg.command) {
      const response = new Response({ seq: msg.seq as number, type: 'request', command: '' } as DebugProtocol.Request);
      response.command = typeof msg.command === 'string' ? msg.command : '';
      this.answerError(response, "a request needs a 'command'");
      return;
    }
    try {
      this.dispatchRequest(msg as unknown as DebugProtocol.Request);
    } catch (e) {
      this.fail(new Response(msg as unknown as DebugProtocol.Request), e, msg as unknown as DebugProtocol.Request);
    }
  }

  /** Refuses what is not served, checks the arguments, and catches what a handler throws. */
  protected override dispatchRequest(request: DebugProtocol.Request): void {
    const response = new Response(request);
    const refused = refusal(request.command);
    if (refused) {
      this.answerError(response, refused);
      return;
    }
    const problem = checkArguments(request.command, request.arguments);
    if (problem) {
      this.answerError(response, problem);
      return;
    }
    // Handlers read absent arguments as an empty object.
    if (request.arguments === undefined || request.arguments === null) request.arguments = {};
    if (request.command === 'initialize') {
      // pathFormat is optional in DAP and means 'path' when absent; the base class would refuse it.
      const a = request.arguments as DebugProtocol.InitializeRequestArguments;
      request.arguments = { ...a, pathFormat: a.pathFormat ?? 'path' };
    }
    this.current = request;
    try {
      super.dispatchRequest(request);
    } catch (e) {
      this.fail(response, e, request);
    } finally {
      this.current = undefined;
    }
  }

  /**
   * The base class answers a handler that threw with its stack trace as the message: a user's mistake gets its own
   * message instead, anything else one line (its details go to the log). No error response goes out without a message.
   */
  protected override sendErrorResponse(
    response: DebugProtocol.Response, codeOrMessage: number | DebugProtocol.Message, format?: string,
    variables?: Record<string, unknown>, dest?: number,
  ): void {
    if (codeOrMessage === HANDLER_THREW && variables) {
      const stack = String(variables._stack ?? '');
      const error = stack.startsWith('UserError') ? new UserError(String(variables._exception ?? '')) : Object.assign(new Error(String(variables._exception ?? '')), { stack });
      this.fail(response, error, this.current);
      return;
    }
    if (typeof codeOrMessage === 'object') {
      if (!codeOrMessage.format.trim()) codeOrMessage = { ...codeOrMessage, format: `${response.command || 'the request'} failed` };
      super.sendErrorResponse(response, codeOrMessage);
      return;
    }
    super.sendErrorResponse(response, codeOrMessage, format?.trim() ? format : `${response.command || 'the request'} failed`, variables, dest);
  }

  /** An error response with exactly this message. */
  protected answerError(response: DebugProtocol.Response, message: string): void {
    this.sendErrorResponse(response, { id: 1001, format: escapeFormat(message), showUser: true });
  }

  /**
   * Answers a request whose handler failed. A UserError is the user's to read; anything else is the adapter's
   * fault: logged once with the request that caused it, answered with one line.
   */
  protected fail(response: DebugProtocol.Response, e: unknown, request?: DebugProtocol.Request): void {
    if (e instanceof UserError) {
      this.answerError(response, e.message || `${response.command} failed`);
      return;
    }
    const message = e instanceof Error ? e.message : String(e);
    const key = `${response.command}\n${message}`;
    if (!this.logged.has(key) && this.logged.size < 1000) {
      this.logged.add(key);
      const req = request ? ` for ${preview(JSON.stringify({ command: request.command, arguments: request.arguments }))}` : '';
      this.log(`internal error in '${response.command}'${req}: ${(e instanceof Error && e.stack) || message}`);
    }
    this.answerError(response, `internal error in '${response.command}': ${message.split('\n')[0] || 'unknown'} (details in the adapter's log)`);
  }
}
