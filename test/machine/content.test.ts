/** Bytes: what reads copy is the file's content; writes read back; memory stays small for huge files. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Ev } from '../../src/machine/events';
import { UserBuffer } from '../../src/machine/state';
import { cachedPages, events, GiB, KiB, MiB, opEvents, opIndex, run } from './helpers';

type T = ReturnType<typeof run>;

function buffers(t: T): UserBuffer[] {
  return t.machine.regions.filter((r): r is UserBuffer => r.kind === 'buffer');
}

function bufBytes(t: T, k: number, off: number, len: number): Buffer {
  return Buffer.from(buffers(t)[k].content.read(off, len, t.machine.nameOf));
}

function fileBytes(t: T, path: string, off: number, len: number): Buffer {
  return Buffer.from(t.machine.files.get(path)!.content.read(off, len, t.machine.nameOf));
}

function diskBytes(t: T, path: string, off: number, len: number): Buffer {
  return Buffer.from(t.machine.files.get(path)!.disk.read(off, len, t.machine.nameOf));
}

const zeros = (n: number) => Buffer.alloc(n);

test('a read copies the file\'s generated content: 64-byte rows that name the file and the offset', () => {
  const t = run('file "/srv/index.html" size 64KiB\nbuf = alloc(4KiB)\nfd = open("/srv/index.html")\npread(fd, buf + 100, 300, 16448)\n');
  const got = bufBytes(t, 0, 100, 300);
  assert.ok(got.equals(fileBytes(t, '/srv/index.html', 16448, 300)));
  // 16448 = 0x4040 is the start of a row: it says so
  assert.equal(got.subarray(0, 22).toString('latin1'), 'index.html @0x00004040');
  // rows are 64 bytes ending in a newline; the next row names the next offset
  assert.equal(got[63], 0x0a);
  assert.equal(got.subarray(64, 86).toString('latin1'), 'index.html @0x00004080');
  // the rest of the buffer was never written: zeros
  assert.ok(bufBytes(t, 0, 0, 100).equals(zeros(100)));
  assert.ok(bufBytes(t, 0, 400, 4096 - 400).equals(zeros(4096 - 400)));
  // two files never look alike
  const t2 = run('file "/a" size 4KiB\nfile "/b" size 4KiB\nx = alloc(4KiB)\ny = alloc(4KiB)\na = open("/a")\nb = open("/b")\nread(a, x, 4KiB)\nread(b, y, 4KiB)\n');
  assert.ok(!bufBytes(t2, 0, 0, 4096).equals(bufBytes(t2, 1, 0, 4096)));
  assert.ok(bufBytes(t2, 1, 0, 4096).equals(fileBytes(t2, '/b', 0, 4096)));
});

test('bytes written to a file are read back, around them the old bytes, through the cache and from the disk', () => {
  const prog =
    'file "/src" size 64KiB\nfile "/dst" size 64KiB\nsrc = alloc(16KiB)\nout = alloc(32KiB)\n' +
    's = open("/src")\npread(s, src, 10000, 5000)\n' + // src[0, 10000) = /src[5000, 15000)
    'd = open("/dst", O_RDWR)\npwrite(d, src, 10000, 7000)\n' + // /dst[7000, 17000) = those bytes
    'pread(d, out, 20000, 0)\n';
  const t = run(prog);
  const srcBytes = fileBytes(t, '/src', 5000, 10000);
  assert.ok(bufBytes(t, 0, 0, 10000).equals(srcBytes));
  const back = bufBytes(t, 1, 0, 20000);
  assert.ok(back.subarray(7000, 17000).equals(srcBytes), 'written bytes read back');
  // the partial first and last pages were read from disk first (read-modify-write): the old bytes survive
  const orig = run('file "/dst" size 64KiB\nout = alloc(32KiB)\nd = open("/dst")\npread(d, out, 20000, 0)\n');
  const origBytes = bufBytes(orig, 0, 0, 20000);
  assert.ok(back.subarray(0, 7000).equals(origBytes.subarray(0, 7000)));
  assert.ok(back.subarray(17000).equals(origBytes.subarray(17000)));
  const w = opIndex(t, 'pwrite');
  assert.deepEqual(opEvents(t, w, [Ev.PageReadForWrite]).map((e) => e.b), [1, 4]);
  // not on the disk yet
  assert.ok(!diskBytes(t, '/dst', 7000, 10000).equals(srcBytes));

  // after fsync the disk holds them; after drop_caches a fresh read (from disk) returns them too
  const t2 = run(prog + 'fsync(d)\ndrop_caches\ne = open("/dst")\npread(e, out, 20000, 0)\n');
  assert.ok(diskBytes(t2, '/dst', 7000, 10000).equals(srcBytes));
  assert.deepEqual(cachedPages(t2.machine, '/dst').length > 0, true);
  const last = opIndex(t2, 'pread', 2);
  assert.ok(opEvents(t2, last, [Ev.DmaStart]).length > 0, 'read from the disk');
  assert.ok(bufBytes(t2, 1, 0, 20000).equals(back));
});

test('writing past the end of a file leaves a hole that reads as zeros', () => {
  // /f is 10000 bytes; a write at 20000 extends it to 24096: bytes [10000, 20000) are a hole.
  const t = run('file "/f" size 10000\nfile "/s" size 4KiB\nb = alloc(4KiB)\nout = alloc(32KiB)\ns = open("/s")\nread(s, b, 4KiB)\nf = open("/f", O_RDWR)\npwrite(f, b, 4KiB, 20000)\nn = pread(f, out, 32KiB, 0)\n');
  assert.equal(t.ops.get(opIndex(t, 'pread')).result, 24096);
  const out = bufBytes(t, 1, 0, 24096);
  const orig = run('file "/f" size 10000\nout = alloc(16KiB)\nf = open("/f")\npread(f, out, 10000, 0)\n');
  assert.ok(out.subarray(0, 10000).equals(bufBytes(orig, 0, 0, 10000)), 'old bytes kept');
  assert.ok(out.subarray(10000, 20000).equals(zeros(10000)), 'the hole reads as zeros');
  assert.ok(out.subarray(20000).equals(fileBytes(t, '/s', 0, 4096)));
  // and so does a file created empty and written at an offset
  const t2 = run('file "/s" size 4KiB\nb = alloc(4KiB)\nout = alloc(16KiB)\ns = open("/s")\nread(s, b, 4KiB)\nf = open("/new", O_RDWR | O_CREAT)\npwrite(f, b, 100, 8KiB)\npread(f, out, 16KiB, 0)\n');
  assert.equal(t2.ops.get(opIndex(t2, 'pread')).result, 8 * KiB + 100);
  assert.ok(bufBytes(t2, 1, 0, 8 * KiB).equals(zeros(8 * KiB)));
  assert.ok(bufBytes(t2, 1, 8 * KiB, 100).equals(fileBytes(t2, '/s', 0, 100)));
  // the disk agrees once written back
  const t3 = run('file "/f" size 10000\nb = alloc(4KiB)\nf = open("/f", O_RDWR)\npwrite(f, b, 4KiB, 20000)\nfsync(f)\n');
  assert.ok(diskBytes(t3, '/f', 10000, 10000).equals(zeros(10000)));
});

test('what a socket was given is the file\'s bytes (sendfile) or the buffer\'s (write)', () => {
  const t = run('file "/f" size 64KiB\nbuf = alloc(8KiB)\nsock = socket()\nfd = open("/f")\nsendfile(sock, fd, 4KiB, 8KiB)\n');
  const s = t.machine.sockets[0];
  assert.equal(s.lastLen, 8 * KiB);
  assert.ok(Buffer.from(s.last.read(0, 8 * KiB, t.machine.nameOf)).equals(fileBytes(t, '/f', 4 * KiB, 8 * KiB)));
  assert.equal(s.sentBytes, 8 * KiB);
  const t2 = run('file "/f" size 64KiB\nbuf = alloc(8KiB)\nsock = socket()\nfd = open("/f")\npread(fd, buf, 8KiB, 1000)\nwrite(sock, buf, 8KiB)\n');
  const s2 = t2.machine.sockets[0];
  assert.ok(Buffer.from(s2.last.read(0, 8 * KiB, t2.machine.nameOf)).equals(fileBytes(t2, '/f', 1000, 8 * KiB)));
});

test('memory stays small: a 4 GiB file read in part costs a few extents, not bytes', () => {
  const t = run('file "/data/big.bin" size 4GiB\nbuf = alloc(1MiB)\nfd = open("/data/big.bin", O_RDWR)\npread(fd, buf, 1MiB, 3GiB)\npwrite(fd, buf, 4KiB, 1GiB)\n');
  const f = t.machine.files.get('/data/big.bin')!;
  assert.equal(f.size, 4 * GiB);
  const b = buffers(t)[0];
  assert.equal(b.content.extents.length, 1);
  assert.deepEqual(b.content.extents[0], { off: 0, len: MiB, src: f.id, base: 3 * GiB });
  // the file records one written range; its disk none yet
  assert.equal(f.content.extents.length, 1);
  assert.equal(f.disk.extents.length, 0);
  // the page cache holds what was read (plus readahead), nothing near 4 GiB
  assert.ok(t.machine.cache.size <= 256 + 32 + 1);
  // and bytes at 3 GiB are still materialised on demand
  const head = bufBytes(t, 0, 0, 19).toString('latin1');
  assert.equal(head, 'big.bin @0xc0000000');
  assert.ok(bufBytes(t, 0, MiB - 64, 64).equals(fileBytes(t, '/data/big.bin', 3 * GiB + MiB - 64, 64)));
  // the written page reads back as the buffer's bytes (the first 4 KiB of what was read at 3 GiB)
  assert.ok(fileBytes(t, '/data/big.bin', GiB, 4096).equals(bufBytes(t, 0, 0, 4096)));
  assert.equal(events(t, [Ev.PageDirty]).map((e) => e.b)[0], GiB / 4096);
});
