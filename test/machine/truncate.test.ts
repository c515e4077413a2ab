/**
 * ftruncate/truncate, unlink and rename in the machine (mm/truncate.ts truncateSetsize, fs/namei.ts, fs/inode.ts iput),
 * as scenarios use them. The page counts follow the kernel's rules (mm/truncate.c truncate_pagecache: pages wholly
 * past the new size go, the one holding it stays; fs/inode.c iput_final: an unlinked file's pages go with its last
 * reference); the recorded fixture unlink-truncate.strace checks them against Linux 6.18.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { C } from '../../src/machine/counters';
import { ZERO } from '../../src/machine/content';
import { cachedPages, range, run } from './helpers';

const WRITE_64K = 'file "/f" size 0\nbuf = alloc(64KiB)\nfd = open("/f", O_RDWR)\nwrite(fd, buf, 64KiB)\n';

test('ftruncate drops the pages past the new size, dirty ones without writeback; the page holding it stays', () => {
  // 64 KiB = pages 0-15, all dirty. 10000 bytes end in page 2: pages 0, 1, 2 stay (dirty), 3-15 go.
  const t = run(`${WRITE_64K}ftruncate(fd, 10000)\n`);
  assert.deepEqual(cachedPages(t.machine, '/f'), [0, 1, 2]);
  const f = t.machine.files.get('/f')!;
  assert.equal(f.size, 10000);
  assert.equal(f.nrDirty, 3);
  assert.equal(t.machine.cache.dirty, 3);
  assert.equal(t.machine.counters[C.WritebackPages], 0, 'nothing was written back');
  // A size on a page boundary keeps no page past it: 8192 bytes are pages 0 and 1.
  assert.deepEqual(cachedPages(run(`${WRITE_64K}ftruncate(fd, 8192)\n`).machine, '/f'), [0, 1]);
  // To 0: every page goes, and the inode is clean.
  const z = run(`${WRITE_64K}ftruncate(fd, 0)\n`);
  assert.deepEqual(cachedPages(z.machine, '/f'), []);
  assert.deepEqual([z.machine.files.get('/f')!.nrDirty, z.machine.files.get('/f')!.dirtiedWhen], [0, -1]);
});

test('ftruncate that grows the file adds no page; the new bytes read as zeros; a read-only descriptor is EINVAL', () => {
  const t = run(`${WRITE_64K}ftruncate(fd, 10000)\nftruncate(fd, 1MiB)\n`);
  assert.deepEqual(cachedPages(t.machine, '/f'), [0, 1, 2]);
  const f = t.machine.files.get('/f')!;
  assert.equal(f.size, 1048576);
  // Past 10000 the old written bytes are gone: the content there is the zero source, up to the new end.
  assert.deepEqual(f.content.pieces(10000, 1048576 - 10000).map((p) => p.src), [ZERO]);
  const r = run('file "/f" size 64KiB\nfd = open("/f")\nftruncate(fd, 0)\n');
  const op = r.ops.get(r.ops.length - 1);
  assert.equal(op.errno, 'EINVAL');
  assert.equal(r.machine.files.get('/f')!.size, 65536);
});

test('truncate by path cuts the file a path names', () => {
  const t = run('file "/f" size 64KiB\nbuf = alloc(64KiB)\nfd = open("/f")\nread(fd, buf, 64KiB)\ntruncate("/f", 4096)\n');
  assert.deepEqual(cachedPages(t.machine, '/f'), [0]);
  assert.equal(run('file "/f" size 0\ntruncate("/g", 0)\n').ops.get(0).errno, 'ENOENT');
});

test('unlink of a file no descriptor holds drops all its pages, dirty ones without writeback', () => {
  const t = run(`${WRITE_64K}close(fd)\nunlink("/f")\n`);
  assert.equal(t.machine.files.has('/f'), false);
  assert.equal(t.machine.cache.size, 0);
  assert.equal(t.machine.cache.dirty, 0);
  assert.equal(t.machine.counters[C.WritebackPages], 0);
  // The name is gone: a second unlink is ENOENT, and an open without O_CREAT too.
  const u = run(`${WRITE_64K}close(fd)\nunlink("/f")\nunlink("/f")\nopen("/f")\n`);
  assert.deepEqual([u.ops.get(u.ops.length - 2).errno, u.ops.get(u.ops.length - 1).errno], ['ENOENT', 'ENOENT']);
});

test('unlink of an open file keeps its pages until its last descriptor closes', () => {
  const t = run(`${WRITE_64K}unlink("/f")\nwrite(fd, buf, 16KiB)\n`);
  // Still open: 16 pages + 4 more written after the unlink, all dirty.
  assert.equal(t.machine.cache.size, 20);
  assert.equal(t.machine.cache.dirty, 20);
  const c = run(`${WRITE_64K}fd2 = open("/f")\nunlink("/f")\nclose(fd)\n`);
  assert.equal(c.machine.cache.size, 16, 'a second descriptor still holds it');
  const d = run(`${WRITE_64K}fd2 = open("/f")\nunlink("/f")\nclose(fd)\nclose(fd2)\n`);
  assert.equal(d.machine.cache.size, 0);
  // A mapping holds it too: its pages go at munmap.
  const m = run('file "/f" size 64KiB\nfd = open("/f")\np = mmap(fd, 64KiB)\ntouch(p, 0, 64KiB)\nclose(fd)\nunlink("/f")\n');
  assert.ok(m.machine.cache.size >= 16);
  const n = run('file "/f" size 64KiB\nfd = open("/f")\np = mmap(fd, 64KiB)\ntouch(p, 0, 64KiB)\nclose(fd)\nunlink("/f")\nmunmap(p, 64KiB)\n');
  assert.equal(n.machine.cache.size, 0);
});

test('rename keeps the pages with the file under its new name; a file the new name had is unlinked', () => {
  const t = run(`${WRITE_64K}close(fd)\nrename("/f", "/g")\nbuf2 = alloc(4KiB)\nfd = open("/g")\nread(fd, buf2, 4KiB)\n`);
  assert.equal(t.machine.files.has('/f'), false);
  assert.deepEqual(cachedPages(t.machine, '/g'), range(0, 15));
  assert.equal(t.machine.counters[C.PageCacheMisses] ?? 0, 16, 'the read hits: only the 16 writes missed');
  // Over an existing /g (its 16 cached pages): /g's pages go, /f's are /g's now.
  const o = run('file "/f" size 64KiB\nfile "/g" size 64KiB\nbuf = alloc(64KiB)\nfd = open("/g")\nread(fd, buf, 64KiB)\nclose(fd)\nrename("/f", "/g")\n');
  assert.equal(o.machine.cache.size, 0);
  assert.deepEqual(cachedPages(o.machine, '/g'), []);
  assert.equal(run('file "/f" size 0\nrename("/x", "/y")\n').ops.get(0).errno, 'ENOENT');
});
