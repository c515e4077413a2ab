/**
 * model-spec §2: the article's table, computed by the model. Every number below is read off the spec's table (or
 * derived from it and §4 where the transfer needs several calls), not off the program's output.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { C } from '../../src/machine/counters';
import { Ev, Loc } from '../../src/machine/events';
import { compare, MethodName, MethodRow } from '../../src/trace/compare';
import { dump, fileId, KiB, MiB, opEvents, opIndex, run } from './helpers';

type Counts = Pick<MethodRow, 'syscalls' | 'contextSwitches' | 'dmaCopies' | 'cpuCopies' | 'cpuBytes'>;

const pick = (r: MethodRow): Counts => ({
  syscalls: r.syscalls, contextSwitches: r.contextSwitches, dmaCopies: r.dmaCopies, cpuCopies: r.cpuCopies, cpuBytes: r.cpuBytes,
});

/** The spec's table for one call of each method moving `size` bytes, cold cache. */
function coldTable(size: number): Record<MethodName, Counts> {
  return {
    // read: disk→page cache (DMA), page cache→user (CPU); write: user→socket buffer (CPU), socket buffer→NIC (DMA)
    'read+write': { syscalls: 2, contextSwitches: 4, dmaCopies: 2, cpuCopies: 2, cpuBytes: 2 * size },
    // write from the mapping: page cache→socket buffer is the only CPU copy
    'mmap+write': { syscalls: 2, contextSwitches: 4, dmaCopies: 2, cpuCopies: 1, cpuBytes: size },
    'sendfile': { syscalls: 1, contextSwitches: 2, dmaCopies: 2, cpuCopies: 1, cpuBytes: size },
    // the NIC gathers from the page cache: no CPU copy at all
    'sendfile+sg-dma': { syscalls: 1, contextSwitches: 2, dmaCopies: 2, cpuCopies: 0, cpuBytes: 0 },
    'splice': { syscalls: 2, contextSwitches: 4, dmaCopies: 2, cpuCopies: 0, cpuBytes: 0 },
    // disk→user buffer (DMA), user→socket buffer (CPU), socket→NIC (DMA)
    'direct+write': { syscalls: 2, contextSwitches: 4, dmaCopies: 2, cpuCopies: 1, cpuBytes: size },
  };
}

function rowsByMethod(rows: MethodRow[]): Record<string, Counts> {
  return Object.fromEntries(rows.map((r) => [r.method, pick(r)]));
}

test('§2 table, 16 KiB, cold cache: every method matches the article', () => {
  const rows = compare({ size: 16 * KiB, disk: 'nvme', warm: false });
  assert.deepEqual(rowsByMethod(rows), coldTable(16 * KiB));
});

test('§2 table, 16 KiB, warm cache: the disk DMA disappears, except for O_DIRECT which bypasses the cache', () => {
  const rows = compare({ size: 16 * KiB, disk: 'nvme', warm: true });
  const expected = coldTable(16 * KiB);
  for (const m of Object.keys(expected) as MethodName[]) {
    if (m !== 'direct+write') expected[m].dmaCopies -= 1;
  }
  assert.deepEqual(rowsByMethod(rows), expected);
});

test('§2 table on the other disks: the counts do not depend on the device', () => {
  for (const disk of ['ssd', 'hdd'] as const) {
    assert.deepEqual(rowsByMethod(compare({ size: 16 * KiB, disk, warm: false })), coldTable(16 * KiB), disk);
  }
});

test('§2 table, 1 MiB: copy counts stay the article\'s, bytes scale with the size', () => {
  const rows = rowsByMethod(compare({ size: 1 * MiB, disk: 'nvme', warm: false }));
  const expected = coldTable(1 * MiB);
  // splice included: compare sizes its pipe to the file (F_SETPIPE_SZ), so it is one call of each as the article counts.
  for (const m of ['read+write', 'mmap+write', 'sendfile', 'sendfile+sg-dma', 'splice', 'direct+write'] as const) {
    assert.deepEqual(rows[m], expected[m], m);
  }
});

test('§2 directions: each DMA and CPU copy goes where the article says (read+write, sendfile with and without SG-DMA)', () => {
  const prelude = 'file "/srv/f" size 16KiB\nsock = socket()\nbuf = alloc(16KiB)\nfd = open("/srv/f")\n';
  const loc = (src: Loc, dst: Loc) => src | (dst << 4);
  const moves = (t: ReturnType<typeof run>, i: number) =>
    opEvents(t, i, [Ev.DmaStart, Ev.CpuCopy]).map((e) => [e.kind === Ev.DmaStart ? 'dma' : 'cpu', e.b & 0xff, e.a]);

  const rw = run(prelude + 'n = read(fd, buf, 16KiB)\nwrite(sock, buf, n)\n');
  assert.deepEqual(moves(rw, opIndex(rw, 'read')), [['dma', loc(Loc.Disk, Loc.PageCache), 16 * KiB], ['cpu', loc(Loc.PageCache, Loc.User), 16 * KiB]]);
  assert.deepEqual(moves(rw, opIndex(rw, 'write')), [['cpu', loc(Loc.User, Loc.Socket), 16 * KiB], ['dma', loc(Loc.Socket, Loc.Nic), 16 * KiB]]);

  const sg = run('machine {\n  nic = sg-dma\n}\n' + prelude + 'sendfile(sock, fd, 0, 16KiB)\n');
  assert.deepEqual(moves(sg, opIndex(sg, 'sendfile')), [['dma', loc(Loc.Disk, Loc.PageCache), 16 * KiB], ['dma', loc(Loc.PageCache, Loc.Nic), 16 * KiB]]);

  const plain = run('machine {\n  nic = plain\n}\n' + prelude + 'sendfile(sock, fd, 0, 16KiB)\n');
  assert.deepEqual(moves(plain, opIndex(plain, 'sendfile')), [
    ['dma', loc(Loc.Disk, Loc.PageCache), 16 * KiB], ['cpu', loc(Loc.PageCache, Loc.Socket), 16 * KiB], ['dma', loc(Loc.Socket, Loc.Nic), 16 * KiB],
  ]);
});

/** Sums the per-operation counts of operations [from, to]. */
function sumOps(t: ReturnType<typeof run>, from: number, to: number) {
  const s = { syscalls: 0, contextSwitches: 0, dmaCopies: 0, cpuCopies: 0, cpuBytes: 0, pageFaults: 0 };
  for (let i = from; i <= to; i++) {
    const r = t.ops.get(i);
    if (r.name !== 'touch') s.syscalls++;
    s.contextSwitches += r.contextSwitches;
    s.dmaCopies += r.dmaCopies;
    s.cpuCopies += r.cpuCopies;
    s.cpuBytes += r.cpuBytes;
    s.pageFaults += r.pageFaults;
  }
  return s;
}

test('mmap+write with user space touching the mapping first: +2 switches for one major fault (cold)', () => {
  const t = run('file "/srv/f" size 16KiB\nsock = socket()\nfd = open("/srv/f")\na = mmap(fd, 16KiB)\ntouch(a, 0, 16KiB)\nwrite(sock, a, 16KiB)\n');
  const mm = opIndex(t, 'mmap');
  const touch = opIndex(t, 'touch');
  const id = fileId(t.machine, '/srv/f');
  // One fault: page 0 is major (read-around brings pages 0–3 in), fault-around maps pages 1–3 without faults.
  assert.deepEqual(opEvents(t, touch, [Ev.FaultMajor, Ev.FaultMinor]).map((e) => [e.kind, e.a, e.b]), [[Ev.FaultMajor, id, 0]], dump(opEvents(t, touch)));
  assert.deepEqual(opEvents(t, touch, [Ev.PageMap]).map((e) => e.b), [0, 1, 2, 3]);
  // The two switches of the fault are an exception, not a syscall.
  assert.deepEqual(opEvents(t, touch, [Ev.ModeSwitch]).map((e) => [e.a, e.b]), [[1, 1], [0, 1]]);
  const w = opIndex(t, 'write');
  assert.equal(t.ops.get(w).pageFaults, 0);
  assert.deepEqual(sumOps(t, mm, w), { syscalls: 2, contextSwitches: 4 + 2, dmaCopies: 2, cpuCopies: 1, cpuBytes: 16 * KiB, pageFaults: 1 });
});

test('mmap+write with user space touching first, warm cache: the fault is minor, still 2 switches, no disk DMA', () => {
  const t = run(
    'file "/srv/f" size 16KiB\nsock = socket()\nbuf = alloc(16KiB)\nfd = open("/srv/f")\nread(fd, buf, 16KiB)\n' +
      'a = mmap(fd, 16KiB)\ntouch(a, 0, 16KiB)\nwrite(sock, a, 16KiB)\n',
  );
  const mm = opIndex(t, 'mmap');
  const touch = opIndex(t, 'touch');
  assert.deepEqual(opEvents(t, touch, [Ev.FaultMajor, Ev.FaultMinor]).map((e) => [e.kind, e.b]), [[Ev.FaultMinor, 0]]);
  assert.deepEqual(opEvents(t, touch, [Ev.DmaStart]), []);
  assert.equal(t.machine.counters[C.MajorFaults], 0);
  assert.deepEqual(sumOps(t, mm, opIndex(t, 'write')), { syscalls: 2, contextSwitches: 4 + 2, dmaCopies: 1, cpuCopies: 1, cpuBytes: 16 * KiB, pageFaults: 1 });
});

test('user-space faults cost 2 switches each: one major then two minor faults on a 128 KiB touch', () => {
  // Fault on page 0: major; read-around reads pages 0–31 (start max(0, 0−16), 32 pages) with the marker on page 24;
  // fault-around maps pages 1–15. Page 16: cached, no pte → minor; fault-around maps 17–31 except the marked page 24.
  // Page 24: minor fault, and its marker starts the async readahead of pages 32–63.
  const t = run('file "/srv/f" size 1MiB\nsock = socket()\nfd = open("/srv/f")\na = mmap(fd, 1MiB)\ntouch(a, 0, 128KiB)\nwrite(sock, a, 128KiB)\n');
  const touch = opIndex(t, 'touch');
  assert.deepEqual(
    opEvents(t, touch, [Ev.FaultMajor, Ev.FaultMinor, Ev.ReadAround, Ev.ReadaheadAsync]).map((e) => [e.name, e.b, e.c]),
    [['read-around', 0, 32], ['fault-major', 0, 0], ['fault-minor', 16, 16], ['readahead-async', 32, 32], ['fault-minor', 24, 24]],
  );
  const r = t.ops.get(touch);
  assert.equal(r.pageFaults, 3);
  assert.equal(r.contextSwitches, 3 * 2);
  const w = opIndex(t, 'write');
  assert.equal(t.ops.get(w).pageFaults, 0);
  assert.equal(t.ops.get(w).contextSwitches, 2);
});

test('mmap+write without touching first: the faults happen inside write, with no extra switches', () => {
  const t = run('file "/srv/f" size 1MiB\nsock = socket()\nfd = open("/srv/f")\na = mmap(fd, 1MiB)\nwrite(sock, a, 1MiB)\n');
  const w = t.ops.get(opIndex(t, 'write'));
  assert.ok(w.pageFaults > 0);
  assert.equal(w.contextSwitches, 2);
  assert.deepEqual(opEvents(t, opIndex(t, 'write'), [Ev.ModeSwitch]).map((e) => e.b), [0, 0]);
});
