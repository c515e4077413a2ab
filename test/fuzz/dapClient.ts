/**
 * A DAP client with its own framing, for tests that must send what a well-behaved client never would (raw bytes,
 * bad frames, requests while others are pending) and watch what the standalone adapter does: every message it
 * writes, its stderr, its exit, its memory.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

export const ROOT = path.join(__dirname, '../../..');
/** The adapter under test; FUZZ_ADAPTER points the fuzzer at another build (an older one, to see what it finds). */
export const ADAPTER = process.env.FUZZ_ADAPTER ?? path.join(ROOT, 'dist/debugAdapter.js');

export interface Message {
  seq: number;
  type: string;
  command?: string;
  event?: string;
  request_seq?: number;
  success?: boolean;
  message?: string;
  body?: Record<string, unknown>;
  [key: string]: unknown;
}

export type Answer = Message | 'timeout' | 'exited';

export class DapProcess {
  readonly proc: ChildProcess;
  readonly messages: Message[] = [];
  stderr = '';
  /** Bytes on stdout that were not a Content-Length framed message. */
  readonly nonDap: string[] = [];
  exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  /** Called with every message the adapter writes. */
  onMessage: ((m: Message) => void) | null = null;
  private buf = Buffer.alloc(0);
  private seq = 1;
  private readonly pending = new Map<number, (m: Message | null) => void>();
  private waiters: ((m: Message | null) => boolean)[] = [];
  private stderrWaiters: (() => void)[] = [];

  constructor(readonly cwd = ROOT) {
    this.proc = spawn(process.execPath, [ADAPTER], { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    this.proc.stdout!.on('data', (d: Buffer) => this.data(d));
    this.proc.stderr!.on('data', (d: Buffer) => {
      // Enough to judge; a client that floods it is not kept whole.
      if (this.stderr.length < 1 << 20) this.stderr += d.toString();
      for (const w of this.stderrWaiters.slice()) w();
    });
    this.proc.stdin!.on('error', () => {});
    this.proc.on('exit', (code, signal) => {
      this.exit = { code, signal };
      for (const [, p] of this.pending) p(null);
      this.pending.clear();
      for (const w of this.waiters.splice(0)) w(null);
      for (const w of this.stderrWaiters.slice()) w();
    });
  }

  get alive(): boolean {
    return this.exit === null;
  }

  /** Sends a request and waits for its response (or a timeout, or the adapter's exit). */
  request(command: string, args?: unknown, timeoutMs = 10_000): Promise<Answer> {
    const seq = this.seq++;
    const msg: Record<string, unknown> = { seq, type: 'request', command };
    if (args !== undefined) msg.arguments = args;
    return this.sendAndWait(seq, JSON.stringify(msg), timeoutMs);
  }

  /** A request with any seq (not awaited: a duplicate seq could not be told apart). */
  fire(command: string, args: unknown, seq: unknown): void {
    this.raw(frame(JSON.stringify({ seq, type: 'request', command, arguments: args })));
  }

  raw(bytes: string | Buffer): void {
    if (this.alive) this.proc.stdin!.write(bytes);
  }

  private sendAndWait(seq: number, json: string, timeoutMs: number): Promise<Answer> {
    if (!this.alive) return Promise.resolve('exited');
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(seq);
        resolve('timeout');
      }, timeoutMs);
      this.pending.set(seq, (m) => {
        clearTimeout(timer);
        resolve(m ?? 'exited');
      });
      this.raw(frame(json));
    });
  }

  /** The next message (from now) that satisfies `pred`, or null after `timeoutMs` or the adapter's exit. */
  wait(pred: (m: Message) => boolean, timeoutMs = 10_000): Promise<Message | null> {
    if (!this.alive) return Promise.resolve(null);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== hook);
        resolve(null);
      }, timeoutMs);
      const hook = (m: Message | null): boolean => {
        if (m !== null && !pred(m)) return false;
        clearTimeout(timer);
        resolve(m);
        return true;
      };
      this.waiters.push(hook);
    });
  }

  /**
   * Waits until the adapter's stderr matches `re` (true), or it exits or `timeoutMs` passes without (false). stderr
   * is another pipe than stdout: a line written before a response may be read after it, later still under load, so a
   * test reads it by waiting for it, never after a fixed delay.
   */
  stderrMatch(re: RegExp, timeoutMs = 20_000): Promise<boolean> {
    if (re.test(this.stderr)) return Promise.resolve(true);
    if (!this.alive) return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = (ok: boolean) => {
        clearTimeout(timer);
        this.stderrWaiters = this.stderrWaiters.filter((w) => w !== check);
        resolve(ok);
      };
      const check = () => {
        if (re.test(this.stderr)) done(true);
        else if (!this.alive) done(false);
      };
      const timer = setTimeout(() => done(re.test(this.stderr)), timeoutMs);
      this.stderrWaiters.push(check);
    });
  }

  event(name: string, timeoutMs = 10_000): Promise<Message | null> {
    return this.wait((m) => m.type === 'event' && m.event === name, timeoutMs);
  }

  events(name?: string): Message[] {
    return this.messages.filter((m) => m.type === 'event' && (!name || m.event === name));
  }

  /** Resident memory of the adapter process now, and at its peak, in KiB (Linux). */
  memory(): { rss: number; peak: number } {
    try {
      const status = readFileSync(`/proc/${this.proc.pid}/status`, 'utf8');
      const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN);
      return { rss: kb('VmRSS'), peak: kb('VmHWM') };
    } catch {
      return { rss: NaN, peak: NaN };
    }
  }

  async close(): Promise<void> {
    if (!this.alive) return;
    const exited = new Promise((r) => this.proc.once('exit', r));
    this.proc.kill();
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), 2000);
    await exited;
    clearTimeout(timer);
  }

  private data(d: Buffer): void {
    this.buf = Buffer.concat([this.buf, d]);
    for (;;) {
      const end = this.buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const m = /^Content-Length: (\d+)$/.exec(this.buf.toString('latin1', 0, end));
      if (!m) {
        this.nonDap.push(this.buf.toString('utf8', 0, Math.min(this.buf.length, 200)));
        this.buf = Buffer.alloc(0);
        return;
      }
      const n = Number(m[1]);
      if (this.buf.length < end + 4 + n) return;
      const text = this.buf.toString('utf8', end + 4, end + 4 + n);
      this.buf = this.buf.subarray(end + 4 + n);
      let msg: Message;
      try {
        msg = JSON.parse(text) as Message;
      } catch {
        this.nonDap.push(text.slice(0, 200));
        continue;
      }
      this.messages.push(msg);
      if (this.messages.length > 20_000) this.messages.splice(0, 10_000);
      this.onMessage?.(msg);
      if (msg.type === 'response' && typeof msg.request_seq === 'number') {
        const p = this.pending.get(msg.request_seq);
        if (p) {
          this.pending.delete(msg.request_seq);
          p(msg);
        }
      }
      this.waiters = this.waiters.filter((w) => !w(msg));
    }
  }
}

export function frame(json: string): string {
  return `Content-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}`;
}

/** A stack trace in a text: a line of Node's `    at f (file:1:2)` form. */
export function hasStackTrace(text: string): boolean {
  return /\n\s+at .*(\(.*:\d+:\d+\)|:\d+:\d+)/.test(text);
}
