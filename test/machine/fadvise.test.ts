/** posix_fadvise and fcntl(F_SETFL) in the machine (mm/fadvise.ts, fs/open.ts setfl), as scenarios use them. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { C } from '../../src/machine/counters';
import { cachedPages, run } from './helpers';

test('DONTNEED drops the clean pages of whole pages of the range; a partial last page stays unless it ends the file', () => {
  // 64 KiB = pages 0-15, all read. [4096, 4096 + 10000) covers page 1 whole and page 3 partly: 1 and 2 go.
  const t = run('file "/f" size 64KiB\nbuf = alloc(64KiB)\nfd = open("/f")\nread(fd, buf, 64KiB)\nfadvise(fd, 4096, 10000, POSIX_FADV_DONTNEED)\n');
  assert.deepEqual(cachedPages(t.machine, '/f'), [0, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
  // len 0 is to the end of the file: from page 1 (the first whole one after 100) to the last.
  const u = run('file "/f" size 64KiB\nbuf = alloc(64KiB)\nfd = open("/f")\nread(fd, buf, 64KiB)\nfadvise(fd, 100, 0, POSIX_FADV_DONTNEED)\n');
  assert.deepEqual(cachedPages(u.machine, '/f'), [0]);
  // Measured on Linux 6.18 (python os.posix_fadvise, fincore): a 13288-byte file (3 pages and 1000 bytes) read whole
  // loses all 4 pages to DONTNEED of [0, 13288), the range ending at the end of the file; [0, 12788) keeps page 3.
  const e = run('file "/f" size 13288\nbuf = alloc(16KiB)\nfd = open("/f")\nread(fd, buf, 16KiB)\nfadvise(fd, 0, 13288, POSIX_FADV_DONTNEED)\n');
  assert.deepEqual(cachedPages(e.machine, '/f'), []);
  const p = run('file "/f" size 13288\nbuf = alloc(16KiB)\nfd = open("/f")\nread(fd, buf, 16KiB)\nfadvise(fd, 0, 12788, POSIX_FADV_DONTNEED)\n');
  assert.deepEqual(cachedPages(p.machine, '/f'), [3]);
});

test('DONTNEED starts writeback of dirty pages and leaves them; once written back a second one drops them', () => {
  const t = run('file "/f" size 0\nbuf = alloc(16KiB)\nfd = open("/f", O_RDWR)\nwrite(fd, buf, 16KiB)\nfadvise(fd, 0, 0, POSIX_FADV_DONTNEED)\n');
  // Dirty when DONTNEED ran, so not dropped; their writeback (started by it) is over by the end of the program.
  assert.deepEqual(cachedPages(t.machine, '/f'), [0, 1, 2, 3]);
  assert.equal(t.machine.cache.dirty, 0);
  assert.equal(t.machine.counters[C.WritebackPages], 4);
  const u = run('file "/f" size 0\nbuf = alloc(16KiB)\nfd = open("/f", O_RDWR)\nwrite(fd, buf, 16KiB)\nfsync(fd)\nfadvise(fd, 0, 0, POSIX_FADV_DONTNEED)\n');
  assert.deepEqual(cachedPages(u.machine, '/f'), []);
});

test('WILLNEED reads the range ahead; RANDOM reads only what a miss asks; SEQUENTIAL doubles the window', () => {
  const t = run('file "/f" size 4MiB\nfd = open("/f")\nfadvise(fd, 1MiB, 256KiB, POSIX_FADV_WILLNEED)\n');
  assert.deepEqual(cachedPages(t.machine, '/f'), Array.from({ length: 64 }, (_, i) => 256 + i));
  const r = run('file "/f" size 4MiB\nbuf = alloc(64KiB)\nfd = open("/f")\nfadvise(fd, 0, 0, POSIX_FADV_RANDOM)\npread(fd, buf, 8KiB, 0)\n');
  assert.deepEqual(cachedPages(r.machine, '/f'), [0, 1]);
  // Two 128 KiB reads from 0. read_ahead_kb 128 (32 pages): a window of 32 pages, then the mark at page 16 reads
  // 32-63 ahead, the mark at 32 reads 64-95: 96 pages. With SEQUENTIAL's 64: 0-63 at once (mark at 32), then 64-127.
  const n = run('file "/f" size 4MiB\nbuf = alloc(128KiB)\nfd = open("/f")\nread(fd, buf, 128KiB)\nread(fd, buf, 128KiB)\n');
  const s = run('file "/f" size 4MiB\nbuf = alloc(128KiB)\nfd = open("/f")\nfadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL)\nread(fd, buf, 128KiB)\nread(fd, buf, 128KiB)\n');
  assert.equal(cachedPages(n.machine, '/f').length, 96);
  assert.equal(cachedPages(s.machine, '/f').length, 128);
});

test('fcntl(F_SETFL) sets O_DIRECT and O_APPEND on the descriptor and clears them', () => {
  // An unaligned write with O_DIRECT set is EINVAL; after F_SETFL without it, it is buffered.
  const t = run('file "/f" size 0\nbuf = alloc(8KiB)\nfd = open("/f", O_RDWR)\nfcntl(fd, O_RDWR | O_DIRECT)\nwrite(fd, buf, 100)\nfcntl(fd, O_RDWR)\nwrite(fd, buf, 100)\nfcntl(fd, O_RDWR | O_APPEND)\nlseek(fd, 0, SEEK_SET)\nwrite(fd, buf, 50)\n');
  const ops = [...Array(t.ops.length).keys()].map((i) => t.ops.get(i)).filter((o) => o.name === 'write');
  assert.deepEqual(ops.map((o) => o.errno ?? o.result), ['EINVAL', 100, 50]);
  assert.equal(t.machine.files.get('/f')!.size, 150, 'the O_APPEND write went to the end');
});
