/** `--profile host`: the machine from this computer's /sys and /proc, read through a fake computer here. */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { loadScenario } from '../../src/program/load';
import { applyProfile, describeProfile, hostProfile, majorMinor, type HostView } from '../../src/program/profile';

/** A computer: files of /sys and /proc by path, devices of paths, and the links of /sys/dev/block. */
function fakeHost(files: Record<string, string>, devs: Record<string, number>, links: Record<string, string>): HostView {
  return {
    read: (p) => files[p] ?? null,
    dev: (p) => devs[p] ?? null,
    realpath: (p) => links[p] ?? null,
  };
}

const dev = (major: number, minor: number) => major * 256 + minor;

const VM = {
  '/proc/meminfo': 'MemTotal:        8000000 kB\nMemFree:  1 kB\n',
  '/proc/sys/vm/dirty_background_ratio': '10\n',
  '/proc/sys/vm/dirty_background_bytes': '0\n',
  '/proc/sys/vm/dirty_ratio': '0\n',
  '/proc/sys/vm/dirty_bytes': '268435456\n',
  '/proc/sys/vm/dirty_expire_centisecs': '1500\n',
  '/proc/sys/vm/dirty_writeback_centisecs': '250\n',
  '/proc/sys/kernel/osrelease': '6.1.0-13-amd64\n',
};

function queue(disk: string, q: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(q).map(([k, v]) => [`/sys/block/${disk}/queue/${k}`, `${v}\n`]));
}

test('a file on a partition: the queue settings of its disk; an NVMe disk that is not rotational is nvme', () => {
  const host = fakeHost(
    {
      ...VM,
      ...queue('nvme0n1', { read_ahead_kb: '512', max_sectors_kb: '256', rotational: '0', logical_block_size: '4096' }),
      '/sys/devices/pci0000:00/nvme/nvme0/nvme0n1/nvme0n1p2/partition': '2\n',
    },
    { '/data/big': dev(259, 2), '/data/small': dev(259, 2), '/': dev(8, 1) },
    { '/sys/dev/block/259:2': '/sys/devices/pci0000:00/nvme/nvme0/nvme0n1/nvme0n1p2' },
  );
  const p = hostProfile([{ path: '/data/small', size: 10 }, { path: '/data/big', size: 1e9 }], host);
  assert.deepEqual(p.device, { name: 'nvme0n1', under: '/data/big' }, 'the largest file decides');
  assert.deepEqual(p.values.map((v) => [v.key, v.value]), [
    ['read_ahead_kb', '512'], ['max_sectors_kb', '256'], ['disk', 'nvme'], ['block_size', '4096'], ['ram', '8000000KiB'],
    ['vm.dirty_background_ratio', '10'], ['vm.dirty_ratio', '0'], ['vm.dirty_bytes', '268435456'],
    ['vm.dirty_expire_centisecs', '1500'], ['vm.dirty_writeback_centisecs', '250'], ['kernel', 'classic'],
  ]);
  assert.equal(p.values.find((v) => v.key === 'disk')!.from, '/sys/block/nvme0n1/queue/rotational = 0, device nvme0n1');
  assert.deepEqual(p.notes, []);
  // Applied: the bytes form wins over the zero ratio, as on the computer; the explicit setting wins over the profile.
  const loaded = loadScenario('file "/data/big" size 1MiB\n', 't.iosim', { read_ahead_kb: 64 });
  applyProfile(loaded.spec!, p, { read_ahead_kb: 64 });
  const c = loaded.spec!.config;
  assert.deepEqual([c.readAheadKb, c.maxSectorsKb, c.disk, c.blockSize, c.ramBytes], [64, 256, 'nvme', 4096, 8000000 * 1024]);
  assert.deepEqual([c.sysctl['vm.dirty_ratio'], c.sysctl['vm.dirty_bytes'], c.sysctl['vm.dirty_background_ratio']], [0, 268435456, 10]);
  assert.match(describeProfile(p), /^profile host \(disk nvme0n1, under \/data\/big\): read_ahead_kb=512 \(\/sys\/block\/nvme0n1\/queue\/read_ahead_kb\), /);
});

test('files on no block device (tmpfs, or absent here): the root file system\'s disk; values the model refuses are noted', () => {
  const host = fakeHost(
    { ...VM, ...queue('sda', { read_ahead_kb: '131072', max_sectors_kb: '1280', rotational: '1', logical_block_size: '520' }) },
    { '/dev/shm/x': dev(0, 45), '/': dev(8, 0) },
    { '/sys/dev/block/8:0': '/sys/devices/pci0000:00/ata1/host0/target0:0:0/0:0:0:0/block/sda' },
  );
  const p = hostProfile([{ path: '/dev/shm/x', size: 5 }, { path: '/gone', size: 9 }], host);
  assert.deepEqual(p.device, { name: 'sda', under: '/' });
  assert.deepEqual(p.values.slice(0, 2).map((v) => [v.key, v.value]), [['max_sectors_kb', '1280'], ['disk', 'hdd']]);
  assert.equal(p.diskWarning, undefined, 'sda with no driver link: not virtio');
  assert.deepEqual(p.notes, [
    "none of the program's files is on a block device here: the disk is the root file system's",
    "read_ahead_kb not set from /sys/block/sda/queue/read_ahead_kb: machine key 'read_ahead_kb': expected at most 65536, got \"131072\"",
    "block_size not set from /sys/block/sda/queue/logical_block_size: machine key 'block_size': expected one of 512 | 4096, got \"520\"",
  ]);
});

test('a virtio disk that reports rotational=1 is still hdd, with a warning that says so; a SATA one is not warned about', () => {
  const vm = (name: string, driver: string | null) => fakeHost(
    { ...VM, ...queue(name, { read_ahead_kb: '8192', max_sectors_kb: '4096', rotational: '1', logical_block_size: '512' }) },
    { '/data/f': dev(253, 0) },
    { '/sys/dev/block/253:0': `/sys/devices/pci0000:00/0000:00:02.0/virtio1/block/${name}`, ...(driver ? { [`/sys/block/${name}/device/driver`]: driver } : {}) },
  );
  const warning = 'vda is a virtio disk that reports rotational=1: modeled as hdd; `iosim calibrate` or --set disk=nvme fits it better';
  // By its driver (the /sys link), and by its name when the link cannot be read.
  for (const driver of ['/sys/bus/virtio/drivers/virtio_blk', null]) {
    const p = hostProfile([{ path: '/data/f', size: 1 }], vm('vda', driver));
    assert.equal(p.values.find((v) => v.key === 'disk')!.value, 'hdd');
    assert.equal(p.diskWarning, warning);
    assert.ok(describeProfile(p).endsWith(`; ${warning}`));
  }
  // A disk named otherwise whose driver is sd (SCSI/SATA): a rotational disk, nothing to say.
  assert.equal(hostProfile([{ path: '/data/f', size: 1 }], vm('sdb', '/sys/bus/scsi/drivers/sd')).diskWarning, undefined);
  // A vdX whose driver is not virtio_blk (the link decides): nothing to say either.
  assert.equal(hostProfile([{ path: '/data/f', size: 1 }], vm('vda', '/sys/bus/xen/drivers/vbd')).diskWarning, undefined);
});

test('nothing to read (not Linux): no values, and notes that say so', () => {
  const p = hostProfile([], fakeHost({}, {}, {}));
  assert.equal(p.device, null);
  assert.deepEqual(p.values, []);
  assert.ok(p.notes.some((n) => /no block device/.test(n)));
  assert.ok(p.notes.some((n) => /MemTotal/.test(n)));
  assert.ok(p.notes.some((n) => /osrelease not readable/.test(n)));
});

test('major and minor numbers of dev_t, small and large (glibc encoding)', () => {
  assert.deepEqual(majorMinor(0xfe00), [254, 0]);
  assert.deepEqual(majorMinor(0x801), [8, 1]);
  // major 259, minor 300: minor's high bits sit above bit 20 of the 32-bit encoding.
  assert.deepEqual(majorMinor((259 << 8) | (300 & 0xff) | ((300 & ~0xff) << 12)), [259, 300]);
  // major 5000 needs the upper 32 bits.
  assert.deepEqual(majorMinor(((5000 & ~0xfff) * 2 ** 32) + ((5000 & 0xfff) << 8) + 7), [5000, 7]);
});

test('this computer (Linux): the root disk\'s queue settings and the vm sysctls, as /sys and /proc say', { skip: !existsSync('/sys/block') && 'no /sys/block here' }, () => {
  const p = hostProfile([{ path: '/', size: 0 }]);
  const vm = (k: string) => readFileSync(`/proc/sys/vm/${k}`, 'utf8').trim();
  assert.equal(p.values.find((v) => v.key === 'vm.dirty_expire_centisecs')?.value, vm('dirty_expire_centisecs'));
  const mem = /^MemTotal:\s+(\d+)/m.exec(readFileSync('/proc/meminfo', 'utf8'))![1];
  assert.equal(p.values.find((v) => v.key === 'ram')?.value, `${mem}KiB`);
  if (p.device) {
    const ra = readFileSync(`/sys/block/${p.device.name}/queue/read_ahead_kb`, 'utf8').trim();
    if (Number(ra) <= 65536) assert.equal(p.values.find((v) => v.key === 'read_ahead_kb')?.value, ra);
  }
});

test('the kernel profile from /proc/sys/kernel/osrelease: 6.18 from Linux 6.10 on, classic before', () => {
  const at = (rel: string) => hostProfile([], fakeHost({ ...VM, '/proc/sys/kernel/osrelease': `${rel}\n` }, {}, {})).values.find((v) => v.key === 'kernel');
  assert.deepEqual(at('6.18.44-fc-v595'), { key: 'kernel', value: '6.18', from: '/proc/sys/kernel/osrelease = 6.18.44-fc-v595' });
  assert.equal(at('6.10.0')!.value, '6.18');
  assert.equal(at('6.9.12-arch1')!.value, 'classic');
  assert.equal(at('5.15.0-91-generic')!.value, 'classic');
});

test('the page cache is capped at free + file memory (global_dirtyable_memory), which the dirty thresholds follow', () => {
  const meminfo = 'MemTotal:       24684096 kB\nMemFree:        19787188 kB\nActive(file):    1696900 kB\nInactive(file):  1709852 kB\nAnonPages:        677052 kB\n';
  const p = hostProfile([], fakeHost({ ...VM, '/proc/meminfo': meminfo }, {}, {}));
  // 19787188 + 1696900 + 1709852 = 23193940 kB
  assert.deepEqual(p.values.find((v) => v.key === 'page_cache_limit'), { key: 'page_cache_limit', value: '23193940KiB', from: '/proc/meminfo MemFree + Active(file) + Inactive(file)' });
  const loaded = loadScenario('file "/f" size 1MiB\n', 't.iosim');
  applyProfile(loaded.spec!, p);
  assert.equal(loaded.spec!.config.pageCacheLimit, 23193940 * 1024);
});
