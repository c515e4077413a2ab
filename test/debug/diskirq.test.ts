/**
 * The disk interrupt's stack frame names the path of the machine's disk kind (a user saw `nvme_irq` on a machine
 * announced as a 7200 rpm HDD): NVMe completes in nvme_irq; a SATA SSD or HDD in libata's AHCI handler
 * (ahci_handle_port_intr, drivers/ata/libahci.c) → ata_qc_complete → the SCSI completion's scsi_end_request, which
 * calls __blk_mq_end_request (drivers/scsi/scsi_lib.c). Names checked against the kernel sources.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Ev } from '../../src/machine/events';
import { positionOf, Session } from './helpers';
import { Layout } from './positions';

const PATHS: Record<string, { irq: string; submit: string }> = {
  nvme: { irq: 'nvme_irq → blk_mq_end_request', submit: 'submit_bio → nvme_queue_rq' },
  ssd: { irq: 'ahci_handle_port_intr → ata_qc_complete → scsi_end_request → __blk_mq_end_request', submit: 'submit_bio → scsi_queue_rq → ahci_qc_issue' },
  hdd: { irq: 'ahci_handle_port_intr → ata_qc_complete → scsi_end_request → __blk_mq_end_request', submit: 'submit_bio → scsi_queue_rq → ahci_qc_issue' },
};

for (const [disk, want] of Object.entries(PATHS)) {
  test(`disk = ${disk}: the disk interrupt's frame and the read's submission name the ${disk === 'nvme' ? 'NVMe' : 'SATA (AHCI)'} path`, async () => {
    const layout = new Layout('basic.iosim', { disk });
    // The disk's completion interrupt (b = 1 is the NIC's) and the DMA that started it.
    const irq = layout.nth(Ev.DmaInterrupt, 0, undefined, (e) => layout.trace.events.b(e) !== 1);
    const { s } = await Session.open('basic.iosim', { machine: { disk } });
    try {
      assert.equal(positionOf(await s.seek(irq)), irq);
      const frames = await s.frames();
      assert.equal(frames[0].name, want.irq);
      const names = frames.map((f) => f.name);
      assert.ok(!names.some((n) => disk !== 'nvme' && n.includes('nvme')), `no NVMe name on a ${disk}: ${names.join(' | ')}`);
      const dma = layout.nth(Ev.DmaStart, 0, undefined, (e) => e < irq);
      assert.equal(positionOf(await s.seek(dma)), dma);
      assert.equal((await s.frames())[0].name, want.submit);
    } finally {
      await s.close();
    }
  });
}
