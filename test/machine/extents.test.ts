/**
 * Content's extent list (machine/content.ts) against a byte-by-byte model: after any mix of writes, copies and
 * truncations every byte comes from the same source and source offset, and the list stays sorted, disjoint and merged.
 * And its cost: a program that writes the same buffer block after block (dd if=/dev/zero, whose reads the model only
 * shows) leaves one extent per block, which each later lookup must not walk from the start.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Content, ZERO } from '../../src/machine/content';

/** Byte i of a content: [source, offset in the source]; the default is the file's own byte i, or zero. */
class ByteModel {
  src: number[];
  base: number[];
  constructor(readonly size: number, readonly defaultSrc: number) {
    this.src = new Array<number>(size).fill(defaultSrc);
    this.base = Array.from({ length: size }, (_, i) => (defaultSrc === ZERO ? 0 : i));
  }
  set(off: number, len: number, src: number, base: number): void {
    for (let k = 0; k < len; k++) {
      this.src[off + k] = src;
      this.base[off + k] = src === ZERO ? 0 : base + k;
    }
  }
  copyFrom(from: ByteModel, srcOff: number, dstOff: number, len: number): void {
    const s = from.src.slice(srcOff, srcOff + len);
    const b = from.base.slice(srcOff, srcOff + len);
    for (let k = 0; k < len; k++) {
      this.src[dstOff + k] = s[k];
      this.base[dstOff + k] = b[k];
    }
  }
  truncate(size: number): void {
    for (let i = size; i < this.size; i++) {
      this.src[i] = this.defaultSrc;
      this.base[i] = this.defaultSrc === ZERO ? 0 : i;
    }
  }
}

function check(c: Content, m: ByteModel, what: string): void {
  let pos = 0;
  for (const p of c.pieces(0, m.size)) {
    assert.equal(p.off, pos, `${what}: pieces are contiguous`);
    for (let k = 0; k < p.len; k++) {
      assert.equal(p.src, m.src[pos + k], `${what}: source of byte ${pos + k}`);
      if (p.src !== ZERO) assert.equal(p.base + k, m.base[pos + k], `${what}: source offset of byte ${pos + k}`);
    }
    pos += p.len;
  }
  assert.equal(pos, m.size, `${what}: pieces cover the range`);
  const ex = c.extents;
  for (let i = 0; i < ex.length; i++) {
    const e = ex[i];
    assert.ok(e.len > 0, `${what}: extent ${i} is not empty`);
    assert.ok(!(e.src === c.defaultSrc && (e.src === ZERO || e.base === e.off)), `${what}: extent ${i} is not the default`);
    if (i > 0) {
      const d = ex[i - 1];
      assert.ok(d.off + d.len <= e.off, `${what}: extents ${i - 1} and ${i} are sorted and disjoint`);
      const mergeable = d.off + d.len === e.off && d.src === e.src && (e.src === ZERO || d.base + d.len === e.base);
      assert.ok(!mergeable, `${what}: extents ${i - 1} and ${i} would have been merged`);
    }
  }
}

test('random writes, copies between contents and truncations: every byte as a byte-by-byte model has it, the list merged', () => {
  let x = 0x12345678;
  const rand = (n: number) => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % n;
  };
  const N = 400;
  for (let round = 0; round < 40; round++) {
    // A file (its own content by default) and a buffer (zeros by default), as the machine has them.
    const file = new Content(7);
    const buf = new Content(ZERO);
    const fm = new ByteModel(N, 7);
    const bm = new ByteModel(N, ZERO);
    for (let step = 0; step < 150; step++) {
      const off = rand(N);
      const len = 1 + rand(Math.min(60, N - off));
      const op = rand(6);
      const what = `round ${round} step ${step} op ${op} [${off}, +${len})`;
      if (op === 0) {
        const src = [ZERO, 3, 7][rand(3)];
        // Sometimes the file's own bytes at their own place (an identity write), sometimes from elsewhere.
        const base = src === 7 && rand(2) === 0 ? off : rand(1000);
        file.set(off, len, src, base);
        fm.set(off, len, src, base);
      } else if (op === 1) {
        const src = [ZERO, 3, 7][rand(3)];
        const base = rand(1000);
        buf.set(off, len, src, base);
        bm.set(off, len, src, base);
      } else if (op === 2 || op === 3) {
        const from = rand(N - len + 1);
        file.copyFrom(buf, from, off, len);
        fm.copyFrom(bm, from, off, len);
      } else if (op === 4) {
        const from = rand(N - len + 1);
        buf.copyFrom(file, from, off, len);
        bm.copyFrom(fm, from, off, len);
      } else {
        const size = rand(N);
        if (rand(4) === 0) {
          file.truncate(size);
          fm.truncate(size);
        }
      }
      check(file, fm, `file, ${what}`);
      check(buf, bm, `buffer, ${what}`);
    }
  }
});

test('the same 4 KiB buffer written 50,000 times, then written back 4 KiB at a time: one extent a block, no walk from the start', () => {
  // The buffer holds bytes of file 3 from offset 0 (its one read before the loop); each write puts them at the next
  // 4 KiB of the file, so no two neighbouring extents continue each other: 50,000 extents. Writeback then copies
  // the file to its disk image block by block. A lookup that walks the list from its start costs 50,000 × 25,000
  // extent reads (seconds); a binary search a few hundred thousand.
  const blocks = 50_000;
  const buf = new Content(ZERO);
  buf.set(0, 4096, 3, 0);
  const file = new Content(9);
  const disk = new Content(9);
  const t0 = process.hrtime.bigint();
  for (let k = 0; k < blocks; k++) file.copyFrom(buf, 0, k * 4096, 4096);
  // Writeback in the order the flusher goes, and once more out of order (a second pass over written-back blocks).
  for (let k = 0; k < blocks; k++) disk.copyFrom(file, k * 4096, k * 4096, 4096);
  for (let k = blocks - 1; k >= 0; k -= 7) disk.copyFrom(file, k * 4096, k * 4096, 4096);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  assert.equal(file.extents.length, blocks);
  assert.equal(disk.extents.length, blocks);
  const p = disk.pieces(4096 * 31_337 + 100, 10);
  assert.deepEqual(p.map((e) => [e.off, e.len, e.src, e.base]), [[4096 * 31_337 + 100, 10, 3, 100]]);
  assert.ok(ms < 1500, `50,000 block writes and 57,143 block copies took ${ms.toFixed(0)} ms`);
});

/** Every byte of a content in [0, size): [source, offset in the source] (offset 0 for zeros), as pieces give them. */
function bytesOf(c: Content, size: number): Float64Array {
  const out = new Float64Array(2 * size);
  let i = 0;
  for (const p of c.pieces(0, size)) {
    for (let k = 0; k < p.len; k++) {
      out[i++] = p.src;
      out[i++] = p.src === ZERO ? 0 : p.base + k;
    }
  }
  assert.equal(i, 2 * size);
  return out;
}

function sameBytes(got: Float64Array, want: Float64Array, what: string): void {
  for (let i = 0; i < want.length; i += 2) {
    if (got[i] !== want[i] || got[i + 1] !== want[i + 1]) {
      assert.fail(`${what}: byte ${i / 2} is [${got[i]}, ${got[i + 1]}], was [${want[i]}, ${want[i + 1]}]`);
    }
  }
}

test('clones taken at random points of random writes, copies and truncations keep reading what they read when taken', () => {
  // Checkpoints (issue 10): a clone shares its chunks with the content it copies, and either copies a chunk before it
  // changes it. Small chunks here would hide nothing: the list grows to thousands of extents (several chunks), and
  // the changes land in every chunk, at chunk borders, and across them.
  let x = 0x2468ace1;
  const rand = (n: number) => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % n;
  };
  const N = 40_000;
  for (let round = 0; round < 4; round++) {
    const file = new Content(7);
    const buf = new Content(ZERO);
    const fm = new ByteModel(N, 7);
    const bm = new ByteModel(N, ZERO);
    // First as dd leaves a file: blocks of 4 bytes from distinct places, one extent each, 10,000 in 20 chunks.
    for (let off = 0; off < N; off += 4) {
      const base = 8 * off + 1;
      file.set(off, 4, 3, base);
      fm.set(off, 4, 3, base);
    }
    // Clones of both, with the bytes each held when taken, and clones of clones (a thawed checkpoint, then changed).
    const clones: { c: Content; want: Float64Array; what: string }[] = [];
    let maxChunks = 0;
    for (let step = 0; step < 2500; step++) {
      const op = rand(10);
      const off = rand(N);
      const len = 1 + rand(Math.min(op < 5 ? 40 : 3000, N - off));
      if (op < 4) {
        // Small writes of distinct bases: many extents that do not merge (dd's blocks).
        const src = [ZERO, 3, 7][rand(3)];
        const base = src === 7 && rand(2) === 0 ? off : rand(100_000);
        file.set(off, len, src, base);
        fm.set(off, len, src, base);
      } else if (op === 4) {
        const base = rand(100_000);
        buf.set(off, len, 3, base);
        bm.set(off, len, 3, base);
      } else if (op < 8) {
        const from = rand(N - len + 1);
        if (op === 7) {
          buf.copyFrom(file, from, off, len);
          bm.copyFrom(fm, from, off, len);
        } else {
          file.copyFrom(buf, from, off, len);
          fm.copyFrom(bm, from, off, len);
        }
      } else if (op === 8 && rand(8) === 0) {
        const size = N - rand(N / 4);
        file.truncate(size);
        fm.truncate(size);
      } else if (rand(6) === 0) {
        const which = rand(3);
        const c = which === 0 ? file.clone() : which === 1 ? buf.clone() : clones.length ? clones[rand(clones.length)].c.clone() : file.clone();
        const src = which === 0 ? file : which === 1 ? buf : null;
        const what = `round ${round} step ${step}: clone of ${which === 0 ? 'the file' : which === 1 ? 'the buffer' : 'a clone'}`;
        clones.push({ c, want: bytesOf(c, N), what });
        if (src) sameBytes(clones[clones.length - 1].want, bytesOf(src, N), what);
        // Some clones change too (a replay from a checkpoint): they must not change the content or other clones.
        if (which === 2 && rand(2) === 0) {
          const me = clones[clones.length - 1];
          const o = rand(N - 100);
          me.c.set(o, 1 + rand(100), 3, rand(100_000));
          me.want = bytesOf(me.c, N);
        }
      }
      maxChunks = Math.max(maxChunks, file.chunkCount);
      if (step % 500 === 499) {
        check(file, fm, `round ${round} step ${step} file`);
        check(buf, bm, `round ${round} step ${step} buffer`);
        for (const k of clones) sameBytes(bytesOf(k.c, N), k.want, `${k.what}, read at step ${step}`);
      }
    }
    assert.ok(maxChunks >= 15, `the file's list spanned several chunks (at most ${maxChunks})`);
    assert.ok(clones.length > 20, `${clones.length} clones`);
  }
});

test('a clone of a content of a million extents shares its chunks: one write then copies one chunk, not the list', () => {
  // dd if=/dev/zero of=big bs=4k count=1000000: a million blocks, one extent each (the model's output file).
  const blocks = 1_000_000;
  const file = new Content(9);
  for (let k = 0; k < blocks; k++) file.set(k * 4096, 4096, 3, (k % 2) * 8192);
  assert.equal(file.extentCount, blocks);
  const chunks = file.chunkCount;
  assert.ok(chunks > 100, `${chunks} chunks`);
  const copy = file.clone();
  assert.equal(file.chunksSharedWith(copy), chunks, 'a clone shares every chunk');
  file.takeRetired();
  // One block rewritten in the middle (from another source: no merge): the live content copies that chunk alone.
  file.set(500_000 * 4096, 4096, 4, 0);
  assert.equal(file.chunksSharedWith(copy), chunks - 1);
  const retired = file.takeRetired();
  assert.ok(retired > 0 && retired <= 2 * 512, `the copied chunk's extents only are the clone's own now (${retired})`);
  assert.deepEqual(copy.pieces(500_000 * 4096, 4096).map((e) => [e.src, e.base]), [[3, 0]], 'the clone reads the old block');
  assert.deepEqual(file.pieces(500_000 * 4096, 4096).map((e) => [e.src, e.base]), [[4, 0]]);
  // The clone appends (a replay from the checkpoint goes on writing): the last chunk, copied, is its own.
  copy.set(blocks * 4096, 4096, 3, 4096);
  assert.equal(file.chunksSharedWith(copy), chunks - 2);
  assert.equal(file.extentCount, blocks);
  assert.equal(copy.extentCount, blocks + 1);
});
