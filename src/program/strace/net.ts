/**
 * Sockets and pipes. A TCP socket (socket, accept) and a pipe become the machine's; socketpair and the other
 * families are kept in the tables, not simulated. connect and the rest pass through as calls.
 */
import { fdOf, listOf, splitArgs } from './args';
import type { Call, Core } from './core';
import { Fx } from './queue';
import { DK, type Proc } from './tables';

/** socket: an AF_INET/AF_INET6 SOCK_STREAM socket becomes the machine's (connected: sends go out the NIC). */
export function socket(r: Core, proc: Proc, c: Call): void {
  if (c.failed) return r.pass(proc, c);
  const a = splitArgs(c.args);
  const ret = fdOf(c.ret);
  const tcp = (a[0] === 'AF_INET' || a[0] === 'AF_INET6') && (a[1] ?? '').startsWith('SOCK_STREAM');
  const d = r.newDesc(tcp ? DK.Socket : DK.Other, ret.deco || `socket:[${a[0]}]`, 0);
  r.t.install(proc, ret.fd, d, (a[1] ?? '').includes('SOCK_CLOEXEC'));
  if (!tcp) {
    r.ev.madeOther(d.id, `a socket(${a[0] ?? '?'}, ${(a[1] ?? '?').split('|')[0]})`, d.path, ret.fd, proc.pid, c.line);
    return r.pass(proc, c);
  }
  r.op(proc, c, 'socket', [], { fx: Fx.Fd, p1: d.id });
}

/** accept, accept4: a TCP connection becomes a machine socket as socket() does. */
export function accept(r: Core, proc: Proc, c: Call): void {
  if (c.failed) return r.pass(proc, c);
  const a = splitArgs(c.args);
  const listener = r.descOf(proc, a[0], c.line);
  const ret = fdOf(c.ret);
  const tcp = listener?.kind === DK.Socket || /^TCP/.test(ret.deco) || (a[1] ?? '').includes('AF_INET');
  const d = r.newDesc(tcp ? DK.Socket : DK.Other, ret.deco || 'socket:[accepted]', 0);
  r.t.install(proc, ret.fd, d, (a[3] ?? '').includes('SOCK_CLOEXEC'));
  if (!tcp) {
    r.ev.madeOther(d.id, `a connection ${c.name} took that is not TCP`, d.path, ret.fd, proc.pid, c.line);
    return r.pass(proc, c);
  }
  r.op(proc, c, 'socket', [], { fx: Fx.Fd, p1: d.id, text: c.name });
}

/** socketpair: both ends kept in the table, not simulated (each end's data calls get one note, notes.ts). */
export function socketpair(r: Core, proc: Proc, c: Call): void {
  if (!c.failed) {
    const a = splitArgs(c.args);
    for (const e of listOf(a[3])) {
      const f = fdOf(e);
      if (!(f.fd >= 0)) continue;
      const d = r.newDesc(DK.Other, f.deco || 'socket:[pair]', 0);
      r.t.install(proc, f.fd, d, false);
      r.ev.madeOther(d.id, `one end of a socketpair(${a[0] ?? '?'}, ${(a[1] ?? '?').split('|')[0]})`, d.path, f.fd, proc.pid, c.line);
    }
  }
  r.pass(proc, c);
}

/** pipe, pipe2: both ends are the machine's (it answers with the read end; the write end is predicted). */
export function pipe(r: Core, proc: Proc, c: Call): void {
  const a = splitArgs(c.args);
  const ends = listOf(a[0]).map(fdOf);
  if (c.failed || ends.length !== 2 || !(ends[0].fd >= 0) || !(ends[1].fd >= 0)) return r.pass(proc, c);
  const pipe = r.nextPipe++;
  r.pipes.set(pipe, 0);
  const cloexec = (a[1] ?? '').includes('O_CLOEXEC');
  const rd = r.newDesc(DK.PipeR, ends[0].deco || `pipe:[${pipe}]`, 0, pipe);
  const wr = r.newDesc(DK.PipeW, ends[1].deco || `pipe:[${pipe}]`, 0, pipe);
  r.t.install(proc, ends[0].fd, rd, cloexec);
  r.t.install(proc, ends[1].fd, wr, cloexec);
  r.op(proc, c, 'pipe', [], { fx: Fx.Pipe, p1: rd.id, p2: wr.id });
}
