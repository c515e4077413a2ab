/** Sockets (net/socket.c, net/ipv4/tcp.c): a send buffer that the NIC drains, one segment at a time. */
import { Content, ZERO } from '../content';
import { Loc, WaitReason } from '../events';
import { Kernel } from '../kernel';
import { nicTransmit } from '../dev/nic';
import { Socket } from '../state';
import { PAGE_SIZE } from '../units';
import { lowestFd } from './open';

/** Largest chunk a socket write or sendfile hands to the NIC at once (a GSO segment). */
const NIC_CHUNK = 64 * 1024;

/** __sys_socket: a socket with an empty send buffer, on the lowest free descriptor. */
export function newSocketFd(k: Kernel): number {
  const id = k.sockets.length;
  k.sockets.push({ id, queued: 0, last: new Content(ZERO), lastLen: 0, sentBytes: 0 });
  const fd = lowestFd(k);
  k.fds.set(fd, { kind: 'socket', fd, sockId: id });
  return fd;
}

/**
 * tcp_sendmsg (or tcp_sendpage when `gather`): hands bytes to a socket: a CPU copy into the send buffer (or, when `gather` and the NIC has SG-DMA, only
 * descriptors), then a NIC DMA per segment. Waits when the send buffer is full.
 */
export function sendToSocket(k: Kernel, s: Socket, src: Content, srcOff: number, count: number, srcLoc: Loc, gather: boolean): number {
  const sndbuf = k.config.socketBufferBytes;
  let done = 0;
  while (done < count) {
    while (s.queued >= sndbuf) {
      const next = k.timers.peek();
      if (!next) break;
      k.waitUntil(next.t, WaitReason.SocketBuffer);
    }
    const chunk = Math.min(count - done, NIC_CHUNK, Math.max(PAGE_SIZE, sndbuf - s.queued));
    s.last = new Content(ZERO);
    s.last.copyFrom(src, srcOff + done, 0, chunk);
    s.lastLen = chunk;
    let dmaSrc = Loc.Socket;
    if (gather && k.config.nic === 'sg-dma') {
      dmaSrc = srcLoc;
    } else {
      k.cpuCopy(srcLoc, Loc.Socket, chunk, s.id, 0);
    }
    s.queued += chunk;
    nicTransmit(k, s, chunk, dmaSrc);
    done += chunk;
  }
  return done;
}
