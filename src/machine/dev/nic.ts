/** The network card: transmits what a socket hands it, one DMA per segment, at the link's bandwidth. */
import { Dev, Loc } from '../events';
import { Kernel } from '../kernel';
import { Socket, TimerKind } from '../state';
import { interrupt, startDma } from './dma';

/**
 * ndo_start_xmit: the NIC fetches `chunk` bytes by DMA from `src` (the socket buffer, or with scatter-gather the
 * page cache itself) once the segments queued before it are on the wire.
 */
export function nicTransmit(k: Kernel, s: Socket, chunk: number, src: Loc): void {
  const L = k.config.latency;
  const begin = Math.max(k.now + L.dmaSetupNs, k.nic.busyUntil);
  const end = begin + Math.ceil((chunk / L.nicBytesPerSec) * 1e9);
  k.nic.busyUntil = end;
  k.nic.inflight += chunk;
  const id = startDma(k, src, Loc.Nic, chunk, end, `transmit ${chunk} bytes`, s.id, 0);
  k.timers.push(end, TimerKind.NicTxDone, id, chunk, s.id);
  s.sentBytes += chunk;
  k.nic.sentBytes += chunk;
}

/** The TX completion interrupt: the segment is on the wire and its bytes leave the socket's send buffer. */
export function nicTxDone(k: Kernel, dmaId: number, bytes: number, sockId: number): void {
  k.nic.inflight -= bytes;
  const s = k.sockets[sockId];
  if (s) s.queued -= bytes;
  interrupt(k, Dev.Nic, dmaId);
}
