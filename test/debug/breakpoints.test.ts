/**
 * Every kind of breakpoint, verified against the program, forwards and (reverseContinue) backwards: line
 * breakpoints with conditions, hit counts and logpoints; function breakpoints by syscall name; the six exception
 * filters with conditions on file and page; data breakpoints on a page and on a buffer.
 *
 * loop.iosim: alloc (0), open (1), four reads of line 10 (2–5, returning 16 KiB, 16 KiB, 8 KiB, 0), close (6). A line
 * or function breakpoint stops before its operation: at the end of the one before. Positions are named from the same
 * programs run here (positions.ts).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DebugProtocol } from '@vscode/debugprotocol';
import { Ev, Loc, unpackMove } from '../../src/machine/events';
import { fixture, positionOf, reverseToStart, runToEnd, Session, Stopped } from './helpers';
import { Layout } from './positions';

const LOOP = fixture('loop.iosim');
const L = new Layout('loop.iosim');
const READS = [L.end(1), L.end(2), L.end(3), L.end(4)];
const BASIC = new Layout('basic.iosim');
const DISK_IRQ = BASIC.nth(Ev.DmaInterrupt, 0);
/** CPU copies into user buffer 1 (basic.iosim's buf). */
const INTO_BUF = BASIC.all(Ev.CpuCopy, undefined, (e) => {
  const m = unpackMove(BASIC.trace.events.b(e));
  return m.dst === Loc.User && m.obj === 1;
});

/** The file id of `path` in a layout's machine. */
function fileOf(l: Layout, path: string): number {
  return l.trace.machine.files.get(path)!.id;
}

function lineBps(s: Session, program: string, breakpoints: DebugProtocol.SourceBreakpoint[]): Promise<DebugProtocol.SetBreakpointsResponse> {
  return s.dc.setBreakpointsRequest({ source: { path: program }, breakpoints });
}

/** Positions of the breakpoint stops (not the final 'end'). */
function positions(stops: Stopped[]): number[] {
  return stops.filter((e) => e.body.reason !== 'end' && e.body.reason !== 'entry').map(positionOf);
}

describe('line breakpoints', () => {
  test('are verified against the program: a line without an operation moves to the next one, past the end is refused', async () => {
    const { s } = await Session.open('basic.iosim');
    try {
      const r = await lineBps(s, fixture('basic.iosim'), [{ line: 1 }, { line: 9 }, { line: 16 }, { line: 12 }]);
      const bps = r.body.breakpoints;
      assert.deepEqual(bps.map((b) => [b.verified, b.line]), [[true, 8], [true, 9], [false, 16], [true, 12]]);
      assert.match(bps[2].message ?? '', /no operation on or after this line/);
      assert.equal(new Set(bps.map((b) => b.id)).size, 4, 'each has its own id');
      const other = await lineBps(s, fixture('loop.iosim'), [{ line: 10 }]);
      assert.equal(other.body.breakpoints[0].verified, false);
      assert.match(other.body.breakpoints[0].message ?? '', /not the program being debugged/);
      const bad = await lineBps(s, fixture('basic.iosim'), [{ line: 11, condition: 'rdx >' }, { line: 12, hitCondition: 'often' }]);
      assert.deepEqual(bad.body.breakpoints.map((b) => b.verified), [false, false]);
      assert.match(bad.body.breakpoints[0].message ?? '', /expression ends too early/);
      assert.match(bad.body.breakpoints[1].message ?? '', /hit count 'often'/);
    } finally {
      await s.close();
    }
  });

  test('stop before their operation, with hitBreakpointIds, and again after a re-set', async () => {
    const { s } = await Session.open('basic.iosim');
    try {
      const ids = (await lineBps(s, fixture('basic.iosim'), [{ line: 11 }, { line: 13 }])).body.breakpoints.map((b) => b.id);
      const a = await s.cont();
      assert.equal(a.body.reason, 'breakpoint');
      assert.deepEqual(a.body.hitBreakpointIds, [ids[0]]);
      assert.equal(positionOf(a), BASIC.end(2));
      assert.deepEqual((await s.frames()).map((f) => [f.name, f.line]), [['main', 11]]);
      const b = await s.cont();
      assert.deepEqual(b.body.hitBreakpointIds, [ids[1]]);
      assert.equal(positionOf(b), BASIC.end(4));
      assert.equal((await s.frames())[0].line, 13);
      assert.equal((await s.cont()).body.reason, 'end');
      // Cleared: nothing stops the way back.
      await lineBps(s, fixture('basic.iosim'), []);
      const back = await s.reverse();
      assert.equal(back.body.reason, 'entry');
    } finally {
      await s.close();
    }
  });

  test('conditions: `rdx > 4096` and `name == "read" && result < rdx`', async () => {
    const { s } = await Session.open('basic.iosim');
    try {
      await lineBps(s, fixture('basic.iosim'), [{ line: 13, condition: 'rdx > 4096' }, { line: 14, condition: 'rdx > 4096' }]);
      assert.deepEqual(positions(await runToEnd(s)), [BASIC.end(4)]);
    } finally {
      await s.close();
    }
    const { s: t } = await Session.open('loop.iosim');
    try {
      await lineBps(t, LOOP, [{ line: 10, condition: 'name == "read" && result < rdx' }]);
      assert.deepEqual(positions(await runToEnd(t)), [READS[2], READS[3]]);
    } finally {
      await t.close();
    }
  });

  test('hit count "3" stops on the 3rd occurrence only; ">= 3" and "% 2" as VS Code means them', async () => {
    for (const [hitCondition, expected] of [['3', [READS[2]]], ['>= 3', [READS[2], READS[3]]], ['% 2', [READS[1], READS[3]]]] as const) {
      const { s } = await Session.open('loop.iosim');
      try {
        const id = (await lineBps(s, LOOP, [{ line: 10, hitCondition }])).body.breakpoints[0].id;
        const stops = await runToEnd(s);
        assert.deepEqual(positions(stops), expected, hitCondition);
        for (const st of stops.slice(0, -1)) assert.deepEqual(st.body.hitBreakpointIds, [id]);
        // Counted in program order, so going back finds the same occurrences.
        assert.deepEqual(positions(await reverseToStart(s)), [...expected].reverse(), `${hitCondition} backwards`);
      } finally {
        await s.close();
      }
    }
  });

  test('a logpoint prints `{name} returned {rax}` each time and does not stop; nothing is printed going back', async () => {
    const { s } = await Session.open('loop.iosim');
    try {
      await lineBps(s, LOOP, [{ line: 10, logMessage: '{name} returned {rax}' }, { line: 11, logMessage: 'closing fd {rdi}', condition: 'rdi == 3' }]);
      const from = s.outputs.length;
      const stops = await runToEnd(s);
      assert.equal(stops.length, 1, 'no stop but the end');
      const logged = s.output('console', from).split('\n').filter((l) => /returned|closing/.test(l));
      assert.deepEqual(logged, ['read returned 16384', 'read returned 16384', 'read returned 8192', 'read returned 0', 'closing fd 3']);
      // In the order things happened: each message before its line runs, after the lines before it.
      const all = s.outputs.slice(from).map((o) => o.body.output.trim()).filter((l) => /returned|closing|^read|^close|^openat/.test(l));
      assert.deepEqual(all.map((l) => l.replace(/\(3.*$/, '(…')), [
        'openat(AT_FDCWD, "/srv/data.bin", O_RDONLY) = 3 <0.000000100>', 'read returned 16384', 'read(…', 'read returned 16384', 'read(…',
        'read returned 8192', 'read(…', 'read returned 0', 'read(…', 'closing fd 3', 'close(…',
      ]);
      const back = s.outputs.length;
      assert.equal((await s.reverse()).body.reason, 'entry');
      assert.doesNotMatch(s.output('console', back), /returned/);
    } finally {
      await s.close();
    }
  });
});

describe('function breakpoints', () => {
  test('by syscall name (the model\'s or Linux\'s), verified, with conditions and hit counts', async () => {
    const { s } = await Session.open('loop.iosim');
    try {
      const r = await s.dc.setFunctionBreakpointsRequest({
        breakpoints: [{ name: 'read' }, { name: 'sendfile' }, { name: 'mmap' }, { name: 'fsync' }, { name: 'bogus' }, { name: 'openat' }],
      });
      const bps = r.body.breakpoints;
      assert.deepEqual(bps.map((b) => b.verified), [true, true, true, true, false, true]);
      assert.match(bps[4].message ?? '', /'bogus' is not a syscall the machine models/);
      const stops = await runToEnd(s);
      assert.deepEqual(positions(stops), [0, ...READS]);
      assert.equal(stops[0].body.reason, 'function breakpoint');
      assert.deepEqual(stops[0].body.hitBreakpointIds, [bps[5].id]);
      for (const st of stops.slice(1, -1)) {
        assert.equal(st.body.reason, 'function breakpoint');
        assert.deepEqual(st.body.hitBreakpointIds, [bps[0].id]);
      }
      assert.deepEqual(positions(await reverseToStart(s)), [...READS].reverse().concat([0]));
    } finally {
      await s.close();
    }
    const { s: t } = await Session.open('loop.iosim');
    try {
      await t.dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'read', condition: 'result == 0' }, { name: 'close', hitCondition: '1' }] });
      assert.deepEqual(positions(await runToEnd(t)), [READS[3], L.end(5)]);
    } finally {
      await t.close();
    }
    const { s: u } = await Session.open('basic.iosim');
    try {
      await u.dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'pread64' }] });
      assert.deepEqual(positions(await runToEnd(u)), [BASIC.end(4), BASIC.end(5)]);
      assert.deepEqual((await u.frames()).length, 1);
    } finally {
      await u.close();
    }
  });
});

describe('exception filters', () => {
  async function filterStops(program: string, options: DebugProtocol.ExceptionFilterOptions[]): Promise<{ s: Session; stops: Stopped[]; ids: number[] }> {
    const { s } = await Session.open(program);
    const r = await s.dc.setExceptionBreakpointsRequest({ filters: [], filterOptions: options });
    const ids = (r.body?.breakpoints ?? []).map((b) => b.id!);
    for (const b of r.body?.breakpoints ?? []) assert.equal(b.verified, true, b.message);
    return { s, stops: await runToEnd(s), ids };
  }

  test('dma-interrupt: every completion; with `device == "nic"` only the NIC\'s', async () => {
    const a = await filterStops('basic.iosim', [{ filterId: 'dma-interrupt' }]);
    try {
      assert.deepEqual(positions(a.stops), [DISK_IRQ, BASIC.head]);
      assert.equal(a.stops[0].body.reason, 'exception');
      assert.deepEqual(a.stops[0].body.hitBreakpointIds, a.ids);
      assert.match(a.stops[0].body.text ?? '', /DMA #1 complete: disk interrupt \(16 KiB\)/);
    } finally {
      await a.s.close();
    }
    const b = await filterStops('basic.iosim', [{ filterId: 'dma-interrupt', condition: 'device == "nic"' }]);
    try {
      assert.deepEqual(positions(b.stops), [BASIC.head]);
    } finally {
      await b.s.close();
    }
  });

  test('page-cache-eviction with `file == "/srv/hot.html" && page == 3`; exceptionInfo names the filter', async () => {
    const { s, stops, ids } = await filterStops('lru.iosim', [{ filterId: 'page-cache-eviction', condition: 'file == "/srv/hot.html" && page == 3' }]);
    try {
      // The eviction event whose run of pages holds hot.html's page 3.
      const lru = new Layout('lru.iosim');
      const ev = lru.trace.events;
      const hot = fileOf(lru, '/srv/hot.html');
      const page3 = lru.nth(Ev.PageEvict, 0, undefined, (e) => ev.a(e) === hot && ev.b(e) <= 3 && 3 < ev.b(e) + (ev.c(e) >> 2));
      assert.deepEqual(positions(stops), [page3]);
      assert.deepEqual(stops[0].body.hitBreakpointIds, ids);
      assert.equal(stops[0].body.text, 'page /srv/hot.html[3] evicted: reclaim (LRU)');
      await s.seek(page3);
      const info = await s.dc.exceptionInfoRequest({ threadId: 1 });
      assert.equal(info.body.exceptionId, 'page-cache-eviction');
      assert.match(info.body.description ?? '', new RegExp(`evicted: reclaim \\(LRU\\) \\(position ${page3}, `));
      const frames = await s.frames();
      assert.equal(frames[0].name, 'shrink_folio_list → __remove_mapping');
      assert.equal(frames.at(-1)?.name, 'read (line 13)');
    } finally {
      await s.close();
    }
    const d = await filterStops('lru.iosim', [{ filterId: 'page-cache-eviction', condition: 'reason == "drop_caches" && file == "/var/log/big.log"' }]);
    try {
      const first = d.stops[0];
      assert.match(first.body.text ?? '', /^page \/var\/log\/big\.log\[\d+\] evicted: drop_caches$/);
      const frames = await d.s.frames();
      assert.equal(frames.at(-1)?.line, 15);
    } finally {
      await d.s.close();
    }
  });

  test('writeback: the flusher\'s (thread 1000) and, with `file == "/data/log.txt"`, fsync\'s', async () => {
    const a = await filterStops('writeback.iosim', [{ filterId: 'writeback' }]);
    try {
      const wb = new Layout('writeback.iosim');
      assert.deepEqual(positions(a.stops), wb.all(Ev.WritebackStart));
      assert.equal(a.stops.length, 3);
      assert.equal(a.stops[0].body.threadId, 1000);
      assert.equal(a.stops[1].body.threadId, 1);
    } finally {
      await a.s.close();
    }
    const b = await filterStops('writeback.iosim', [{ filterId: 'writeback', condition: 'file == "/data/log.txt"' }]);
    try {
      const wb = new Layout('writeback.iosim');
      const log = fileOf(wb, '/data/log.txt');
      const fsyncs = wb.all(Ev.WritebackStart, undefined, (e) => wb.trace.events.a(e) === log);
      assert.deepEqual(positions(b.stops), fsyncs);
      assert.equal(b.stops[0].body.text, 'writeback starts: /data/log.txt pages 0–1');
      await b.s.seek(fsyncs[0]);
      const frames = await b.s.frames();
      assert.equal(frames[0].name, 'file_write_and_wait_range → do_writepages');
      assert.deepEqual(frames.slice(1).map((f) => f.name), ['file_write_and_wait_range', 'vfs_fsync_range', '__x64_sys_fsync', 'fsync (line 16)']);
    } finally {
      await b.s.close();
    }
  });

  test('page-fault: each major fault; with `file == "/srv/big.bin" && page == 128` the last touch\'s', async () => {
    const a = await filterStops('mmap.iosim', [{ filterId: 'page-fault' }]);
    try {
      const mm = new Layout('mmap.iosim');
      assert.deepEqual(positions(a.stops), mm.all(Ev.FaultMajor));
      assert.equal(a.stops.length - 1, 3);
      assert.equal(a.stops[0].body.text, 'major page fault on /srv/page.html[0] (read from disk)');
    } finally {
      await a.s.close();
    }
    const b = await filterStops('mmap.iosim', [{ filterId: 'page-fault', condition: 'file == "/srv/big.bin" && page == 128' }]);
    try {
      const mm = new Layout('mmap.iosim');
      const last = mm.nth(Ev.FaultMajor, 2);
      assert.equal(mm.trace.events.b(last), 128);
      assert.deepEqual(positions(b.stops), [last]);
      await b.s.seek(last);
      const frames = await b.s.frames();
      assert.equal(frames[0].name, 'handle_mm_fault → filemap_fault');
      assert.deepEqual(frames.at(-1)?.line, 17);
      // The fault's address is in cr2.
      assert.equal(await b.s.evaluate('cr2 == m + 512KiB'), 'true');
    } finally {
      await b.s.close();
    }
  });

  test('readahead: sync readahead of a read; with `file == "/srv/big.bin"` the mmap read-arounds', async () => {
    const a = await filterStops('basic.iosim', [{ filterId: 'readahead' }]);
    try {
      assert.deepEqual(positions(a.stops), [BASIC.nth(Ev.ReadaheadSync, 0)]);
      assert.equal(a.stops[0].body.text, 'sync readahead /srv/index.html pages 0–3 (4 pages)');
    } finally {
      await a.s.close();
    }
    const b = await filterStops('mmap.iosim', [{ filterId: 'readahead', condition: 'file == "/srv/big.bin" && pages == 32' }]);
    try {
      const mm = new Layout('mmap.iosim');
      const big = fileOf(mm, '/srv/big.bin');
      const ev = mm.trace.events;
      const windows = [Ev.ReadaheadSync, Ev.ReadaheadAsync, Ev.ReadAround].flatMap((k) => mm.all(k, undefined, (e) => ev.a(e) === big && ev.c(e) === 32));
      assert.deepEqual(positions(b.stops), windows.sort((x, y) => x - y));
      assert.equal(windows.length, 2);
      assert.match(b.stops[1].body.text ?? '', /mmap read-around \/srv\/big\.bin pages 112–143/);
    } finally {
      await b.s.close();
    }
  });

  test('dirty-throttle: the 10 ms pauses at the limit, in the 5th, 8th, 11th and 14th write', async () => {
    const { s, stops } = await filterStops('throttle.iosim', [{ filterId: 'dirty-throttle', condition: 'pauseMs >= 10' }]);
    try {
      const th = new Layout('throttle.iosim');
      const pauses = th.all(Ev.ThrottlePause, undefined, (e) => th.trace.events.a(e) >= 10_000);
      assert.deepEqual(positions(stops), pauses);
      assert.equal(pauses.length, 4);
      // In the 5th, 8th, 11th and 14th write.
      assert.deepEqual(pauses.map((e) => th.trace.ops.opAt(e)), [4, 7, 10, 13].map((n) => th.op('write', n)));
      assert.match(stops[0].body.text ?? '', /writer throttled for 10\.000 ms/);
      await s.seek(pauses[0]);
      const frames = await s.frames();
      assert.equal(frames[0].name, 'balance_dirty_pages → io_schedule_timeout');
      assert.equal(frames.at(-1)?.line, 13);
      // The open and five writes have entered the kernel; the fifth is the one paused.
      assert.equal(await s.evaluate('syscalls'), '6');
    } finally {
      await s.close();
    }
  });

  test('an unknown filter or a bad condition is not verified', async () => {
    const { s } = await Session.open('basic.iosim');
    try {
      const r = await s.dc.setExceptionBreakpointsRequest({ filters: ['segfault'], filterOptions: [{ filterId: 'writeback', condition: 'file ==' }] });
      const bps = r.body?.breakpoints ?? [];
      assert.deepEqual(bps.map((b) => b.verified), [false, false]);
      assert.match(bps[0].message ?? '', /unknown filter 'segfault'/);
    } finally {
      await s.close();
    }
  });
});

describe('data breakpoints', () => {
  test('on a page: stops when it is cached, then when it is evicted; the page state follows', async () => {
    const { s } = await Session.open('lru.iosim');
    try {
      const info = await s.dc.dataBreakpointInfoRequest({ name: 'page:/srv/hot.html:3' });
      assert.equal(info.body.dataId, 'page:/srv/hot.html:3');
      const r = await s.dc.setDataBreakpointsRequest({ breakpoints: [{ dataId: 'page:/srv/hot.html:3' }] });
      const id = r.body.breakpoints[0].id;
      assert.equal(r.body.breakpoints[0].verified, true);
      const stops = await runToEnd(s);
      const texts = stops.slice(0, -1).map((e) => e.body.text);
      assert.deepEqual(texts, ['page /srv/hot.html[3] added to the inactive list (I/O pending)', 'page /srv/hot.html[3] evicted: reclaim (LRU)']);
      for (const st of stops.slice(0, -1)) {
        assert.equal(st.body.reason, 'data breakpoint');
        assert.deepEqual(st.body.hitBreakpointIds, [id]);
      }
      const evicted = positionOf(stops[1]);
      await s.seek(evicted);
      assert.match(await s.evaluate('page /srv/hot.html 3'), /not in the page cache/);
      await s.stepBack('instruction');
      assert.match(await s.evaluate('page /srv/hot.html 3'), /state: /);
      // Backwards: the same two stops.
      await s.seek(1e9);
      assert.deepEqual(positions(await reverseToStart(s)), positions(stops).reverse());
    } finally {
      await s.close();
    }
  });

  test('on a page: dirtied, copied into, written back (by the flusher), clean again', async () => {
    const { s } = await Session.open('writeback.iosim');
    try {
      await s.dc.setDataBreakpointsRequest({ breakpoints: [{ dataId: 'page:/data/notes.txt:2' }] });
      const stops = await runToEnd(s);
      assert.deepEqual(stops.slice(0, -1).map((e) => e.body.text), [
        'page /data/notes.txt[2] added to the inactive list (I/O pending)',
        'page /data/notes.txt[2] dirtied',
        'CPU copy 64 KiB: user buffer → page cache',
        'writeback starts: /data/notes.txt pages 0–15',
        'writeback done: /data/notes.txt pages 0–15 clean',
      ]);
      assert.equal(stops[3].body.threadId, 1000);
    } finally {
      await s.close();
    }
  });

  test('on a buffer (from the Buffers scope) and on a page (Page Cache → file → page): stops when bytes are copied into it', async () => {
    const { s } = await Session.open('basic.iosim');
    try {
      await s.next();
      const buffers = (await s.scopes()).find((x) => x.name === 'Buffers')!;
      const info = await s.dc.dataBreakpointInfoRequest({ variablesReference: buffers.variablesReference, name: 'buffer 1' });
      assert.equal(info.body.dataId, 'buffer:1');
      assert.match(info.body.description, /bytes are copied into buffer 1/);
      const none = await s.dc.dataBreakpointInfoRequest({ variablesReference: buffers.variablesReference, name: 'controller buffer' });
      assert.equal(none.body.dataId, null);
      const r = await s.dc.setDataBreakpointsRequest({ breakpoints: [{ dataId: 'buffer:1' }, { dataId: 'nonsense' }] });
      assert.deepEqual(r.body.breakpoints.map((b) => b.verified), [true, false]);
      const stops = await runToEnd(s);
      assert.deepEqual(positions(stops), INTO_BUF);
      assert.equal(INTO_BUF.length, 3);
      for (const st of stops.slice(0, -1)) assert.match(st.body.text ?? '', /CPU copy \d+ KiB: page cache → user buffer/);
      assert.deepEqual(positions(await reverseToStart(s)), [...INTO_BUF].reverse());
      // A page picked from the Page Cache scope.
      await s.seek(BASIC.end(3));
      const pc = (await s.scopes()).find((x) => x.name === 'Page Cache')!;
      const file = (await s.variables(pc.variablesReference)).find((v) => v.name === '/srv/index.html')!;
      assert.ok(file.variablesReference > 0);
      const pages = await s.variables(file.variablesReference);
      assert.deepEqual(pages.map((p) => p.name), ['[0]', '[1]', '[2]', '[3]']);
      const pinfo = await s.dc.dataBreakpointInfoRequest({ variablesReference: file.variablesReference, name: '[2]' });
      assert.equal(pinfo.body.dataId, 'page:/srv/index.html:2');
      assert.deepEqual(pinfo.body.accessTypes, ['write']);
    } finally {
      await s.close();
    }
  });

  test('on a socket buffer: the write copies into it', async () => {
    const { s } = await Session.open('basic.iosim');
    try {
      for (let i = 0; i < 4; i++) await s.next();
      const buffers = (await s.scopes()).find((x) => x.name === 'Buffers')!;
      const vars = await s.variables(buffers.variablesReference);
      const sock = vars.find((v) => v.name.startsWith('socket '))!;
      const info = await s.dc.dataBreakpointInfoRequest({ variablesReference: buffers.variablesReference, name: sock.name });
      await s.dc.setDataBreakpointsRequest({ breakpoints: [{ dataId: info.body.dataId! }] });
      const stops = await runToEnd(s);
      assert.deepEqual(positions(stops), BASIC.all(Ev.CpuCopy, undefined, (e) => unpackMove(BASIC.trace.events.b(e)).dst === Loc.Socket));
      assert.equal(stops.length, 2);
      assert.equal(stops[0].body.text, 'CPU copy 16 KiB: user buffer → socket buffer');
    } finally {
      await s.close();
    }
  });
});

describe('breakpoints stop stepping too, both ways', () => {
  test('next over the read stops at its DMA interrupt; stepBack over it too', async () => {
    const { s } = await Session.open('basic.iosim', {}, async (x) => {
      await x.dc.setExceptionBreakpointsRequest({ filters: ['dma-interrupt'] });
    });
    try {
      for (let i = 0; i < 3; i++) await s.next();
      const ev = await s.next();
      assert.equal(ev.body.reason, 'exception');
      assert.equal(positionOf(ev), DISK_IRQ);
      // Inside the kernel path, next is the next kernel line: the three misses after the interrupt.
      const misses = BASIC.nth(Ev.PageMiss, 1);
      assert.equal(BASIC.trace.events.c(misses), 3);
      assert.equal(positionOf(await s.next()), misses);
      await s.seek(BASIC.end(3));
      const back = await s.stepBack();
      assert.equal(back.body.reason, 'exception');
      assert.equal(positionOf(back), DISK_IRQ);
    } finally {
      await s.close();
    }
  });

  test('reverseContinue meets every kind in turn, the mirror of continue', async () => {
    const { s } = await Session.open('basic.iosim', {}, async (x) => {
      await lineBps(x, fixture('basic.iosim'), [{ line: 12 }]);
      await x.dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'close' }] });
      await x.dc.setExceptionBreakpointsRequest({ filters: ['dma-interrupt', 'readahead'] });
      await x.dc.setDataBreakpointsRequest({ breakpoints: [{ dataId: 'buffer:1' }] });
    });
    try {
      const forward = await runToEnd(s);
      const kinds = forward.slice(0, -1).map((e) => [positionOf(e), e.body.reason]);
      assert.deepEqual(kinds, [
        [BASIC.nth(Ev.ReadaheadSync, 0), 'exception'], [DISK_IRQ, 'exception'], [INTO_BUF[0], 'data breakpoint'],
        [BASIC.end(3), 'breakpoint'], [INTO_BUF[1], 'data breakpoint'], [INTO_BUF[2], 'data breakpoint'],
        [BASIC.end(6), 'function breakpoint'], [BASIC.head, 'exception'],
      ]);
      const backward = await reverseToStart(s);
      // From the end (56, itself a stop), every earlier stop in reverse, with the same reasons and ids.
      assert.deepEqual(backward.slice(0, -1).map((e) => [positionOf(e), e.body.reason]), kinds.slice(0, -1).reverse());
      const ids = new Map(forward.map((e) => [positionOf(e), e.body.hitBreakpointIds]));
      for (const e of backward.slice(0, -1)) assert.deepEqual(e.body.hitBreakpointIds, ids.get(positionOf(e)));
    } finally {
      await s.close();
    }
  });
});
