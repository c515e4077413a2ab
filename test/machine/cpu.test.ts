/** model-spec §1, §2 and §7: registers, what counts as a switch, and the latency model. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Ev, SwitchCause } from '../../src/machine/events';
import { events, KiB, opEvents, opIndex, run } from './helpers';

test('registers: x86-64 syscall convention on entry, rax = result (or −errno) on return, cr2 = faulting address', () => {
  const t = run('file "/f" size 64KiB\nbuf = alloc(16KiB)\nfd = open("/f")\nn = pread(fd, buf, 8KiB, 4KiB)\nread(fd, buf + 1, 100000)\na = mmap(fd, 64KiB, 0)\ntouch(a, 20KiB, 1)\n');
  const buf = t.machine.regions[0].addr;
  const pr = t.ops.get(opIndex(t, 'pread'));
  const atEntry = t.stateAt(pr.startPos).regs;
  // pread64 is syscall 17: rdi = fd, rsi = buf, rdx = count, r10 = offset
  assert.deepEqual([atEntry.rax, atEntry.rdi, atEntry.rsi, atEntry.rdx, atEntry.r10, atEntry.mode], [17, 3, buf, 8 * KiB, 4 * KiB, 'user']);
  // in the kernel during the call
  assert.equal(t.stateAt(pr.startPos + 1).mode, 'kernel');
  const atExit = t.stateAt(pr.endPos).regs;
  assert.deepEqual([atExit.rax, atExit.mode], [8 * KiB, 'user']);
  // an error returns −errno in rax: EFAULT (14) for a range past the buffer
  const bad = t.ops.get(opIndex(t, 'read'));
  assert.deepEqual([bad.result, bad.errno], [-1, 'EFAULT']);
  assert.equal(t.stateAt(bad.endPos).regs.rax, -14);
  // mmap (9): rdi = addr hint 0, rsi = length, rdx = PROT_READ, r10 = MAP_SHARED, r8 = fd, r9 = offset
  const mm = t.stateAt(t.ops.get(opIndex(t, 'mmap')).startPos).regs;
  assert.deepEqual([mm.rax, mm.rdi, mm.rsi, mm.rdx, mm.r10, mm.r8, mm.r9], [9, 0, 64 * KiB, 1, 1, 3, 0]);
  // the fault at 20 KiB into the mapping: cr2 is the page's address
  const a = t.ops.get(opIndex(t, 'mmap')).result;
  assert.equal(t.machine.regs.cr2, a + 20 * KiB);
});

test('an interrupt taken while user code runs costs two switches; taken in the kernel (blocked) it costs none', () => {
  // aio O_DIRECT read submitted, then user code works on a 1 MiB buffer (105 µs at 10 GB/s) while the DMA
  // completes (≈43 µs): the completion interrupts user mode.
  const t = run('file "/f" size 1MiB\nbuf = alloc(1MiB)\nd = open("/f", O_DIRECT)\nid = aio_read(d, buf, 64KiB, 0)\ntouch(buf, 0, 1MiB)\naio_wait(id)\n');
  const touch = opIndex(t, 'touch');
  const ev = opEvents(t, touch, [Ev.ModeSwitch, Ev.DmaInterrupt, Ev.AioComplete]);
  assert.deepEqual(ev.map((e) => [e.name, e.a, e.b]), [
    ['mode-switch', 1, SwitchCause.Interrupt], ['dma-interrupt', 64 * KiB, 0], ['mode-switch', 0, SwitchCause.Interrupt], ['aio-complete', 1, 64 * KiB],
  ]);
  assert.equal(t.ops.get(touch).contextSwitches, 2);
  assert.equal(t.ops.get(touch).endNs - t.ops.get(touch).startNs, 104_858);
  // a read that blocks for its own I/O takes the interrupt in the kernel: only the syscall's two switches
  const t2 = run('file "/f" size 1MiB\nbuf = alloc(64KiB)\nfd = open("/f")\nread(fd, buf, 64KiB)\n');
  const r = t2.ops.get(opIndex(t2, 'read'));
  assert.equal(opEvents(t2, r.index, [Ev.DmaInterrupt]).length, 1);
  assert.equal(r.contextSwitches, 2);
  // sleeping through a writeback's completion: the interrupt costs no switch either
  const t3 = run('file "/f" size 64KiB\nbuf = alloc(4KiB)\nfd = open("/f", O_RDWR)\nwrite(fd, buf, 4KiB)\nsleep 31s\n');
  assert.equal(events(t3, [Ev.DmaInterrupt]).length, 1);
  assert.equal(t3.ops.get(opIndex(t3, 'sleep')).contextSwitches, 2);
});

test('latency model (§7): a cold 4 KiB read on NVMe, SATA SSD and HDD', () => {
  // The read: switch in (50 ns), one page lookup (DRAM 100 ns), a 16 KiB readahead request (window of 4 pages),
  // the DMA interrupt (1 µs), copying 4 KiB at 10 GB/s (410 ns), switch out (50 ns).
  const expect: Record<string, number> = {
    nvme: 20_000 + Math.ceil(16384 / 3e9 * 1e9), // 20 µs + 5462 ns
    ssd: 80_000 + Math.ceil(16384 / 500e6 * 1e9), // 80 µs + 32768 ns
    hdd: 4_000_000 + 4_170_000 + Math.ceil(16384 / 150e6 * 1e9), // seek + rotation + 109227 ns
  };
  for (const [disk, device] of Object.entries(expect)) {
    const t = run(`machine {\n  disk = ${disk}\n}\nfile "/f" size 1MiB\nbuf = alloc(4KiB)\nfd = open("/f")\nread(fd, buf, 4KiB)\n`);
    const r = t.ops.get(opIndex(t, 'read'));
    assert.equal(r.endNs - r.startNs, 50 + 100 + device + 1000 + 410 + 50, disk);
  }
  // warm: no device at all
  const w = run('file "/f" size 1MiB\nbuf = alloc(4KiB)\nfd = open("/f")\nread(fd, buf, 4KiB)\npread(fd, buf, 4KiB, 0)\n');
  const r = w.ops.get(opIndex(w, 'pread'));
  assert.equal(r.endNs - r.startNs, 50 + 100 + 410 + 50);
});

test('HDD: a request that continues where the head is pays no seek', () => {
  // The async window (pages 4–11) starts where the first request (pages 0–3) ended: transfer only.
  const t = run('machine {\n  disk = hdd\n}\nfile "/f" size 1MiB\nbuf = alloc(4KiB)\nfd = open("/f")\nread(fd, buf, 4KiB)\nread(fd, buf, 4KiB)\npread(fd, buf, 4KiB, 512KiB)\n');
  const ints = events(t, [Ev.DmaStart, Ev.DmaInterrupt]);
  assert.deepEqual(ints.map((e) => [e.name, e.a]), [
    ['dma-start', 16 * KiB], ['dma-interrupt', 16 * KiB], ['dma-start', 32 * KiB], ['dma-start', 4 * KiB], ['dma-interrupt', 32 * KiB], ['dma-interrupt', 4 * KiB],
  ]);
  // window 2 (32 KiB) is sequential: done = issue + transfer (218454 ns) + 1 µs
  assert.equal(ints[4].time - ints[2].time, Math.ceil(32768 / 150e6 * 1e9) + 1000);
  // the random read at 512 KiB seeks: it queues behind window 2, then seek + rotation + 4 KiB
  const busyUntil = ints[4].time - 1000;
  assert.equal(ints[5].time, busyUntil + 4_000_000 + 4_170_000 + Math.ceil(4096 / 150e6 * 1e9) + 1000);
});
