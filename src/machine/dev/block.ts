/**
 * The block device: one disk with a request queue (block/blk-mq.c and the driver's queue_rq) and a controller
 * buffer where the sectors of the last read wait for their DMA.
 */
import { Dev } from '../events';
import { Kernel } from '../kernel';
import { FileObj } from '../state';
import { KiB } from '../units';
import { interrupt } from './dma';

/** The largest single disk request (/sys/block/<dev>/queue/max_sectors_kb): larger transfers are split. */
export function maxBio(k: Kernel): number {
  return k.config.maxSectorsKb * KiB;
}

/**
 * blk_mq_submit_bio → queue_rq: queues a request on the disk; returns when its data has landed in memory (the
 * completion interrupt). An HDD serves one request at a time and seeks unless the request continues the last one.
 */
export function diskRequest(k: Kernel, lba: number, bytes: number): number {
  const L = k.config.latency;
  const transfer = Math.ceil((bytes / L.diskBytesPerSec) * 1e9);
  let done: number;
  if (k.config.disk === 'hdd') {
    const sequential = lba === k.disk.head;
    const begin = Math.max(k.now, k.disk.busyUntil);
    done = begin + (sequential ? 0 : L.diskLatencyNs + L.diskRotationNs) + transfer;
  } else {
    done = Math.max(k.now + L.diskLatencyNs, k.disk.busyUntil) + transfer;
  }
  k.disk.busyUntil = done;
  k.disk.head = lba + bytes;
  k.disk.queue++;
  k.disk.requests++;
  return done + L.dmaSetupNs;
}

/**
 * A read request for `bytes` of `f` at byte `off`: the disk puts the sectors in its controller buffer, from which the
 * caller's DMA moves them (to the page cache, or to a user buffer for O_DIRECT). Returns when the data has landed.
 */
export function diskRead(k: Kernel, f: FileObj, off: number, bytes: number): number {
  const done = diskRequest(k, f.lba + off, bytes);
  k.disk.controller.refill(f.disk, off, bytes);
  k.disk.controllerLen = bytes;
  // What the buffer holds, told when someone looks (controllerWhat): a string made per request costs more than the request.
  k.disk.controllerPath = f.path;
  k.disk.controllerOff = off;
  return done;
}

/** What the controller buffer holds, as `path @offset`, or '' when it has held nothing yet. */
export function controllerWhat(k: Kernel): string {
  return k.disk.controllerPath ? `${k.disk.controllerPath} @${k.disk.controllerOff}` : '';
}

/** blk_mq_complete_request: the request leaves the queue and the disk interrupts for its DMA. */
export function diskDone(k: Kernel, dmaId: number): void {
  k.disk.queue--;
  interrupt(k, Dev.Disk, dmaId);
}
