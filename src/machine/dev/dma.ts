/**
 * The DMA engine: transfers that devices run on their own while the CPU does something else, each announced by
 * DmaStart and ended by a completion interrupt (DmaInterrupt).
 */
import { C } from '../counters';
import { Dev, Ev, FLUSHER_THREAD, Loc, SwitchCause, packMove } from '../events';
import { Kernel } from '../kernel';
import { DmaTransfer } from '../state';

/**
 * Starts a transfer that completes at `doneAt` (the caller arms the completion timer), as a driver maps a buffer
 * (dma_map_sg) and rings the device. `dstObj`/`dstOff` name where the bytes land, as for a CPU copy. `what` describes it,
 * followed by ` pages first–last` when `first` ≥ 0 (DmaTransfer).
 */
export function startDma(
  k: Kernel, src: Loc, dst: Loc, bytes: number, doneAt: number, what: string, dstObj = 0, dstOff = 0, first = -1, last = -1,
): number {
  const id = k.nextId.dma++;
  k.countCopy('dma', src, dst, bytes);
  k.noteMove(src, dst, bytes, 'dma', dstObj, dstOff);
  k.dma.push(new DmaTransfer(id, bytes, src, dst, k.now, doneAt, what, first, last));
  k.ev(Ev.DmaStart, bytes, packMove(src, dst, dstObj), id);
  return id;
}

/** A device interrupt: taken in the current mode; from user mode it costs two switches. */
export function interrupt(k: Kernel, dev: Dev, dmaId: number): void {
  const dma = k.dma;
  let i = 0;
  while (i < dma.length && dma[i].id !== dmaId) i++;
  const bytes = i < dma.length ? dma[i].bytes : 0;
  if (i < dma.length) {
    // By hand rather than splice(), which makes an array of what it removes.
    for (let j = i; j < dma.length - 1; j++) dma[j] = dma[j + 1];
    dma.pop();
  }
  const fromUser = k.mode === 'user' && k.thread !== FLUSHER_THREAD && k.opSeq >= 0 && k.inUserCode;
  if (fromUser) {
    k.counters[C.ContextSwitches] += 2;
    k.ev(Ev.ModeSwitch, 1, SwitchCause.Interrupt);
  }
  k.counters[C.DmaInterrupts]++;
  k.ev(Ev.DmaInterrupt, bytes, dev, dmaId);
  if (fromUser) k.ev(Ev.ModeSwitch, 0, SwitchCause.Interrupt);
}
