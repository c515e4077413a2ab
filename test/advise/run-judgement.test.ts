/**
 * The advisor judges a method by the run it produces, not by one loop (a user's fault report): O_DIRECT can shave a
 * cold loop yet leave the file uncached, so the next request for the same file reads the disk again. The fixture is
 * `python3 -m http.server` serving a 4 MiB file twice (test/fixtures/advise/README.md).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { loadStraceFile } from '../../src/program/strace/load';
import { advise, type AlternativeAdvice, type LoopAdvice } from '../../src/trace/advise/advise';
import { headline } from '../../src/trace/advise/headline';

const DIR = path.join(__dirname, '../../../test/fixtures/advise');

function alt(l: LoopAdvice, method: string): AlternativeAdvice {
  const a = l.alternatives.find((x) => x.method === method);
  assert.ok(a, `no ${method} among ${l.alternatives.map((x) => x.method).join(', ')}`);
  return a;
}

test('http.server serving 4 MiB twice on a HDD: O_DIRECT slows the second request, and the advice never names it', () => {
  const loaded = loadStraceFile(path.join(DIR, 'http4m.strace'), { disk: 'hdd' });
  assert.ok(loaded.spec);
  let r;
  try {
    r = advise(loaded.spec);
  } finally {
    loaded.spec.close?.();
  }
  assert.equal(r.loops.length, 2);
  const text = readFileSync(path.join(DIR, 'http4m.strace'), 'utf8').split('\n');
  for (const l of r.loops) {
    // 4 MiB in read(65536) + sendto: 64 pairs and the end-of-file read.
    assert.deepEqual([l.pairs, l.bytes, l.calls], [64, 4194304, 129]);
    assert.match(text[l.firstLine - 1], / read\(5<\/tmp\/ux-advise\/srv\/big\.bin>, .*, 65536\) = 65536 </);
  }
  const [cold, warm] = r.loops;
  // The second request finds the file cached: its only DMA copies are the NIC's, one a sendto (64).
  assert.equal(warm.dmaCopies, 64);
  // With O_DIRECT it reads the disk again: 64 reads of 64 KiB, one disk DMA each, and the NIC's 64.
  const d = alt(warm, 'direct+aio');
  assert.equal(d.dmaCopies, 128);
  // Bandwidth alone (150 MB/s, the model's HDD): 64 × 65536 B / 150e6 B/s = 27.96 ms, without seeks; the cached
  // loop has no disk wait at all (a memory copy and a send per 64 KiB: well under that).
  const diskOnlyNs = (64 * 65536 / 150e6) * 1e9;
  assert.ok(d.simTimeNs >= diskOnlyNs, `direct+aio on the warm loop ${d.simTimeNs} ns < ${diskOnlyNs}`);
  assert.ok(warm.simTimeNs < diskOnlyNs / 4, `the warm loop as logged ${warm.simTimeNs} ns`);
  for (const m of ['direct+write', 'direct+aio']) {
    // The run: both loops rewritten, summed. The cold loop gains nothing worth the warm loop's disk wait.
    const a0 = alt(cold, m);
    const a1 = alt(warm, m);
    assert.equal(a0.runBaseNs, cold.simTimeNs + warm.simTimeNs);
    assert.equal(a0.runSimTimeNs, a0.simTimeNs + a1.simTimeNs);
    assert.equal(a1.runSpeedup, a0.runSpeedup, 'the run is one figure per method');
    assert.ok(a0.runSpeedup < 1, `${m} slows the run: ${a0.runSpeedup}`);
  }
  // Neither loop's headline (the CodeLens's too) recommends O_DIRECT, though it is the cold loop's own best or near it.
  for (const l of r.loops) {
    const h = headline(l);
    assert.doesNotMatch(h, /→ direct/, h);
    assert.match(h, /the run /, h);
  }
});

/** A loop advice with the figures a test chooses (everything else zero). */
function loop(alts: { method: AlternativeAdvice['method']; speedup: number; runSpeedup: number; cpuCopies: number }[]): LoopAdvice {
  const zero = { calls: 0, syscalls: 0, contextSwitches: 0, dmaCopies: 0, cpuBytes: 0, simTimeNs: 0, runBaseNs: 0, runSimTimeNs: 0, pageCache: { pages: 0, sourcePages: 0, evictions: 0 } };
  return {
    firstLine: 1, lastLine: 129, thread: 0, source: 'big.bin', sink: 'TCP', sourceKind: 'file', sinkKind: 'socket', bytes: 4194304,
    calls: 129, pairs: 64, method: 'read+write', syscalls: 129, contextSwitches: 258, dmaCopies: 96, cpuCopies: 128, cpuBytes: 0,
    recordedNs: null, simTimeNs: 0, pageCache: zero.pageCache,
    alternatives: alts.map((a) => ({ ...zero, ...a })),
  };
}

test('the headline chooses on the run and says when a method speeds this loop but slows the run', () => {
  // The user's report: direct+aio 1.01× on loop 1, but the run (loop 3 from 3.217 ms to 36.197 ms) 11× slower.
  const l = loop([
    { method: 'sendfile', speedup: 1.0, runSpeedup: 1.05, cpuCopies: 64 },
    { method: 'direct+aio', speedup: 1.01, runSpeedup: 0.09, cpuCopies: 64 },
  ]);
  assert.equal(headline(l), '64 read+write pairs → sendfile: −64 CPU copies, this loop about the same time, the run 1.05× faster; '
    + 'direct+aio speeds this loop (1.01× faster) but slows the run (11.11× slower) (model)');
  // Every method slows the run: keep the loop, and say which one only looks good here.
  const k = loop([{ method: 'direct+aio', speedup: 1.5, runSpeedup: 0.5, cpuCopies: 64 }]);
  assert.equal(headline(k), '64 read+write pairs: keep read+write, every method slows the run (direct+aio: this loop 1.50× faster, but the run 2.00× slower) (model)');
  // Ties on the run go to the loop's own speed-up.
  const t = loop([
    { method: 'sendfile', speedup: 1.2, runSpeedup: 1.3, cpuCopies: 64 },
    { method: 'splice', speedup: 2.0, runSpeedup: 1.3, cpuCopies: 0 },
  ]);
  assert.equal(headline(t), '64 read+write pairs → splice: −128 CPU copies, this loop 2.00× faster, the run 1.30× faster (model)');
});
