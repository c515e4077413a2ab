/**
 * The DMA engine: transfers that devices run on their own while the CPU does something else, each announced by
 * DmaStart and ended by a completion interrupt (DmaInterrupt).
 */
import { C } from '../counters';
import { Dev, Ev, FLUSHER_THREAD, Loc, SwitchCause, packMove } from '../events';
import { Kernel } from '../kernel';

/**
 * Starts a transfer that completes at `doneAt` (the caller arms the completion timer), as a driver maps a buffer
 * (dma_map_sg) and rings the device. `dstObj`/`dstOff` name where the bytes land, as for a CPU copy.
 */
export function startDma(k: Kernel, src: Loc, dst: Loc, bytes: number, doneAt: number, what: string, dstObj = 0, dstOff = 0): number {
  const id = k.nextId.dma++;
  k.countCopy('dma', src, dst, bytes);
  k.lastMove = { src, dst, bytes, engine: 'dma', dstObj, dstOff };
  k.dma.push({ id, bytes, src, dst, startedAt: k.now, doneAt, what });
  k.ev(Ev.DmaStart, bytes, packMove(src, dst, dstObj), id);
  return id;
}

/** A device interrupt: taken in the current mode; from user mode it costs two switches. */
export function interrupt(k: Kernel, dev: Dev, dmaId: number): void {
  const i = k.dma.findIndex((d) => d.id === dmaId);
  const bytes = i >= 0 ? k.dma[i].bytes : 0;
  if (i >= 0) k.dma.splice(i, 1);
  const fromUser = k.mode === 'user' && k.thread !== FLUSHER_THREAD && k.opSeq >= 0 && k.inUserCode;
  if (fromUser) {
    k.counters[C.ContextSwitches] += 2;
    k.ev(Ev.ModeSwitch, 1, SwitchCause.Interrupt);
  }
  k.counters[C.DmaInterrupts]++;
  k.ev(Ev.DmaInterrupt, bytes, dev, dmaId);
  if (fromUser) k.ev(Ev.ModeSwitch, 0, SwitchCause.Interrupt);
}
