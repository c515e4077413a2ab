/**
 * Moving through the trace: next, stepIn through the generated kernel path, stepOut, stepBack with both
 * granularities, goto targets and seek, pause of a long run, threads, and the state event after each stop.
 *
 * basic.iosim's operations: alloc (0), open (1), socket (2), read (3, its disk interrupt inside), write (4),
 * pread (5), pread (6), close (7); then the NIC's interrupt once the program has ended. Positions are named from the
 * same program run here (positions.ts).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { DebugProtocol } from '@vscode/debugprotocol';
import { Ev } from '../../src/machine/events';
import { failure, fixture, positionOf, Session } from './helpers';
import { Layout } from './positions';

const BASIC = new Layout('basic.iosim');
const BOUNDARIES = BASIC.boundaries();
/** The read's disk interrupt, and the NIC's after the program ended (the last event). */
const DISK_IRQ = BASIC.nth(Ev.DmaInterrupt, 0);
const NIC_IRQ = BASIC.head;

describe('next, stepIn, stepOut', () => {
  test('next runs one operation: positions, lines and the strace line of the operation just run', async () => {
    const { s } = await Session.open('basic.iosim');
    try {
      const expected: [number, number, string][] = [
        [BASIC.end(0), 9, '# alloc(16384) = 0x10000000'],
        [BASIC.end(1), 10, 'openat(AT_FDCWD, "/srv/index.html", O_RDONLY) = 3'],
        [BASIC.end(2), 11, 'socket(AF_INET, SOCK_STREAM, IPPROTO_TCP) = 4'],
        [BASIC.end(3), 12, 'read(3</srv/index.html>, 0x10000000, 16384) = 16384'],
        [BASIC.end(4), 13, 'write(4<TCP:[1000]>, 0x10000000, 16384) = 16384'],
        [BASIC.end(5), 14, 'pread64(3</srv/index.html>, 0x10000000, 16384, 0) = 16384'],
        [BASIC.end(6), 15, 'pread64(3</srv/index.html>, 0x10000000, 4096, 0) = 4096'],
      ];
      for (const [pos, line, strace] of expected) {
        const from = s.outputs.length;
        const ev = await s.next();
        assert.equal(ev.body.reason, 'step');
        assert.equal(positionOf(ev), pos);
        assert.match(ev.body.description ?? '', new RegExp(`position #${pos} · `));
        const frames = await s.frames();
        assert.equal(frames.length, 1);
        assert.equal(frames[0].name, 'main');
        assert.equal(frames[0].line, line);
        assert.equal(s.output('stdout', from).replace(/( <[\d.]+>)?\n$/, ''), strace, 'exactly the line of the operation just run');
      }
      const close = await s.next();
      assert.equal(positionOf(close), BASIC.end(7));
      assert.equal((await s.frames())[0].name, 'main (program ended)');
      const end = await s.next();
      assert.equal(end.body.reason, 'end');
      assert.equal(positionOf(end), NIC_IRQ);
    } finally {
      await s.close();
    }
  });

  test('stepIn walks the read\'s kernel path one step at a time; frames name real kernel functions on the generated source\'s lines', async () => {
    const { s } = await Session.open('basic.iosim');
    try {
      for (let i = 0; i < 3; i++) await s.next();
      const seen: { pos: number; name: string; line: number }[] = [];
      let content = '';
      let ref = 0;
      for (;;) {
        const ev = await s.stepIn();
        assert.equal(ev.body.reason, 'step');
        const frames = await s.frames();
        const pos = positionOf(ev);
        if (frames[0].name === 'main') {
          assert.equal(pos, BASIC.end(3));
          assert.equal(frames[0].line, 12);
          break;
        }
        const src = frames[0].source!;
        assert.ok(src.sourceReference && src.sourceReference > 0, 'a generated source');
        assert.equal(src.path, undefined);
        if (!content) {
          ref = src.sourceReference!;
          content = (await s.dc.sourceRequest({ source: src, sourceReference: ref })).body.content;
        }
        assert.equal(src.sourceReference, ref, 'the same generated source all along the read');
        const user = frames[frames.length - 1];
        assert.equal(user.name, 'read (line 11)');
        assert.equal(user.line, 11);
        assert.equal(user.source?.path, fixture('basic.iosim'));
        seen.push({ pos, name: frames[0].name, line: frames[0].line });
        // The frame's line in the generated source names the same function.
        assert.ok(content.split('\n')[frames[0].line - 1].includes(frames[0].name), `line ${frames[0].line} has ${frames[0].name}`);
        if (frames[0].name === 'copy_page_to_iter') {
          assert.deepEqual(frames.map((f) => f.name), ['copy_page_to_iter', 'filemap_read', 'vfs_read', 'ksys_read', '__x64_sys_read', 'read (line 11)']);
          for (const f of frames.slice(1, -1)) assert.equal(f.line, 3, 'the entry chain is line 3 of the generated source');
        }
      }
      // Each kernel step of the read but the last (its end, a boundary): one per event, a run of like events as one.
      assert.deepEqual(seen.map((x) => x.pos), BASIC.steps(3).slice(0, -1));
      assert.deepEqual(seen.map((x) => x.name), [
        'entry_SYSCALL_64', 'do_syscall_64', 'filemap_get_pages (miss)', 'page_cache_sync_ra', 'filemap_add_folio',
        'folio_set_readahead', 'filemap_add_folio', 'submit_bio → nvme_queue_rq', 'io_schedule',
        'nvme_irq → blk_mq_end_request', 'filemap_get_pages (miss)', 'copy_page_to_iter', 'syscall_exit_to_user_mode',
      ]);
      for (let i = 1; i < seen.length; i++) assert.equal(seen[i].line, seen[i - 1].line + 1, 'each step is the next line');
      assert.match(content, new RegExp(`kernel path of read at line 11 \\(operation #3, events ${BASIC.start(3)}–${BASIC.end(3)}\\)`));
      assert.match(content, /__x64_sys_read → ksys_read → vfs_read → filemap_read/);
      // The header is the call as strace -y prints it: the descriptor with its path.
      assert.match(content.split('\n')[0], /^# read\(3<\/srv\/index\.html>, 0x10000000, 16384\) = 16384/);
      assert.match(content, /entry_SYSCALL_64 → sysretq +syscall returns/, 'the last step is the line the stepping returns from');
      // The sources are read-only and stay available after the position moved on.
      await s.next();
      assert.equal((await s.dc.sourceRequest({ sourceReference: ref })).body.content, content);
    } finally {
      await s.close();
    }
  });

  test('next inside a kernel path is one kernel line; stepOut runs to the end of the syscall', async () => {
    const { s } = await Session.open('basic.iosim');
    try {
      for (let i = 0; i < 3; i++) await s.next();
      const [k0, k1, k2] = BASIC.steps(3);
      assert.equal(positionOf(await s.stepIn()), k0);
      assert.equal(positionOf(await s.next()), k1);
      assert.equal(positionOf(await s.next()), k2);
      const out = await s.stepOut();
      assert.equal(out.body.reason, 'step');
      assert.equal(positionOf(out), BASIC.end(3));
      const frames = await s.frames();
      assert.deepEqual(frames.map((f) => [f.name, f.line]), [['main', 12]]);
      // From a boundary, stepOut has no syscall to finish: it runs the next operation, as next does.
      assert.equal(positionOf(await s.stepOut()), BASIC.end(4));
    } finally {
      await s.close();
    }
  });

  test('stepIn on an operation without a syscall (alloc) is a single step', async () => {
    const { s } = await Session.open('basic.iosim');
    try {
      const ev = await s.stepIn();
      assert.equal(positionOf(ev), 0);
      assert.equal((await s.frames())[0].line, 9);
    } finally {
      await s.close();
    }
  });
});

describe('stepping back', () => {
  test('stepBack mirrors next: the boundaries come back in reverse order, down to the entry', async () => {
    const { s } = await Session.open('basic.iosim');
    try {
      const forward = [-1];
      for (;;) {
        const ev = await s.next();
        if (ev.body.reason === 'end') break;
        forward.push(positionOf(ev));
      }
      assert.deepEqual(forward, BOUNDARIES);
      const back: number[] = [];
      for (;;) {
        const ev = await s.stepBack();
        back.push(positionOf(ev));
        if (ev.body.reason === 'entry') break;
        assert.equal(ev.body.reason, 'step');
      }
      assert.deepEqual(back, [...BOUNDARIES].reverse());
      const frames = await s.frames();
      assert.equal(frames[0].line, 8);
      // At the start there is nothing further back.
      const again = await s.stepBack();
      assert.equal(positionOf(again), -1);
      assert.equal(again.body.reason, 'entry');
    } finally {
      await s.close();
    }
  });

  test('inside a kernel path, and with instruction granularity, stepBack mirrors stepIn', async () => {
    const { s } = await Session.open('basic.iosim');
    try {
      for (let i = 0; i < 3; i++) await s.next();
      const forward: number[] = [];
      for (;;) {
        const pos = positionOf(await s.stepIn());
        forward.push(pos);
        if (pos === BASIC.end(3)) break;
      }
      const back: number[] = [];
      for (;;) {
        const pos = positionOf(await s.stepBack('instruction'));
        back.push(pos);
        if (pos === BASIC.end(2)) break;
      }
      assert.deepEqual(back, [BASIC.end(2), ...forward.slice(0, -1)].reverse());
      // Mid-path (line granularity) steps back one kernel line too: from the pages inserted after the readahead
      // marker back to the marker.
      await s.seek(BASIC.nth(Ev.PageInsert, 1));
      const ev = await s.stepBack();
      assert.equal(positionOf(ev), BASIC.nth(Ev.ReadaheadMark, 0));
      assert.equal((await s.frames())[0].name, 'folio_set_readahead');
      // From the first kernel line, back to the boundary before the syscall.
      await s.seek(BASIC.start(3));
      assert.equal(positionOf(await s.stepBack()), BASIC.end(2));
      assert.deepEqual((await s.frames()).map((f) => [f.name, f.line]), [['main', 11]]);
    } finally {
      await s.close();
    }
  });

  test('stepBack from the end phase (an interrupt after the program ended) goes to the last operation\'s end', async () => {
    const { s } = await Session.open('basic.iosim');
    try {
      assert.equal(positionOf(await s.cont()), NIC_IRQ);
      assert.equal(positionOf(await s.stepBack()), BASIC.end(7));
      assert.equal(positionOf(await s.stepBack()), BASIC.end(6));
    } finally {
      await s.close();
    }
  });
});

const LOOP = new Layout('loop.iosim');

describe('goto targets, goto and seek', () => {
  test('gotoTargets for a line the replay has not reached within its half second says so, and a second ask searches on', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'iomachine-goto-'));
    const program = path.join(dir, 'far.iosim');
    // 3 million cached preads before line 6: more than half a second of replay on any machine this runs on.
    writeFileSync(program, 'file "/f" size 4KiB\nbuf = alloc(4KiB)\nfd = open("/f")\nrepeat 3000000 {\n  pread(fd, buf, 4KiB, 0)\n}\nclose(fd)\n');
    const s = await Session.start();
    try {
      await s.launch({ program, stopOnEntry: true });
      const first = await s.dc.gotoTargetsRequest({ source: { path: program }, line: 7 }).catch((e: Error) => e);
      assert.ok(first instanceof Error, 'no empty list');
      const n = Number(/line 7 has not run in the (\d+) operations replayed so far/.exec(first.message)?.[1]);
      assert.ok(n > 0 && n < 3_000_003, first.message);
      const second = await s.dc.gotoTargetsRequest({ source: { path: program }, line: 7 }).catch((e: Error) => e);
      if (second instanceof Error) assert.ok(Number(/in the (\d+) operations/.exec(second.message)?.[1]) > n, 'the second search went further');
    } finally {
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('gotoTargets lists each run of a line; goto stops there with reason goto and an invalidated event', async () => {
    const { s } = await Session.open('loop.iosim');
    try {
      await s.cont();
      const targets = (await s.dc.gotoTargetsRequest({ source: { path: fixture('loop.iosim') }, line: 10 })).body.targets;
      assert.equal(targets.length, 4);
      for (const [i, t] of targets.entries()) {
        assert.equal(t.line, 10);
        assert.match(t.label, new RegExp(`read at line 10, run #${i + 1} \\(position \\d+`));
      }
      const third = Number(/position (\d+)/.exec(targets[2].label)![1]);
      const invalidatedBefore = s.invalidated.length;
      const ev = await s.move(() => s.dc.gotoRequest({ threadId: 1, targetId: targets[2].id }));
      assert.equal(ev.body.reason, 'goto');
      assert.equal(positionOf(ev), third);
      assert.equal(await s.position(), third);
      assert.ok(s.invalidated.length > invalidatedBefore, 'an invalidated event');
      assert.equal((await s.frames())[0].line, 10);
      // Two reads ran before it: 32 KiB into the file.
      assert.equal(await s.evaluate('syscalls'), '3');
    } finally {
      await s.close();
    }
  });

  test('gotoTargets on a line not reached yet runs ahead to find it; goto then stops there', async () => {
    const { s } = await Session.open('loop.iosim');
    try {
      const targets = (await s.dc.gotoTargetsRequest({ source: { path: fixture('loop.iosim') }, line: 12 })).body.targets;
      assert.equal(targets.length, 1);
      const close = LOOP.start(LOOP.op('close')) - 1;
      assert.match(targets[0].label, new RegExp(`^close at line 12, run #1 \\(position ${close}, `));
      assert.equal(await s.position(), -1, 'looking ahead does not move the position');
      const ev = await s.move(() => s.dc.gotoRequest({ threadId: 1, targetId: targets[0].id }));
      assert.equal(positionOf(ev), close);
      assert.deepEqual((await s.frames()).map((f) => [f.name, f.line]), [['main', 12]]);
      assert.deepEqual((await s.dc.gotoTargetsRequest({ source: { path: fixture('loop.iosim') }, line: 3 })).body.targets, []);
    } finally {
      await s.close();
    }
  });

  test('iomachine/seek jumps anywhere, runs ahead when needed, and clamps to the trace', async () => {
    const { s } = await Session.open('basic.iosim');
    try {
      const ev = await s.seek(DISK_IRQ);
      assert.equal(ev.body.reason, 'goto');
      assert.equal(positionOf(ev), DISK_IRQ);
      assert.equal(s.states.at(-1)?.position, DISK_IRQ);
      assert.ok(s.invalidated.some((e) => e.body.areas?.includes('variables')));
      const frames = await s.frames();
      assert.equal(frames[0].name, 'nvme_irq → blk_mq_end_request');
      assert.equal(frames.at(-1)?.name, 'read (line 11)');
      assert.equal(positionOf(await s.seek(-7)), -1);
      assert.equal(positionOf(await s.seek(1e9)), NIC_IRQ);
      // A fraction is cut to the position before it: the pread's syscall entry.
      assert.equal(positionOf(await s.seek(BASIC.start(5) + 0.7)), BASIC.start(5));
      assert.equal((await s.frames())[0].name, 'entry_SYSCALL_64');
      // Stack paging (startFrame, levels), inside the read's kernel path after its interrupt.
      await s.seek(DISK_IRQ + 2);
      const all = await s.dc.stackTraceRequest({ threadId: 1 });
      const page = await s.dc.stackTraceRequest({ threadId: 1, startFrame: 1, levels: 2 });
      assert.equal(page.body.totalFrames, all.body.stackFrames.length);
      assert.deepEqual(page.body.stackFrames.map((f) => f.name), all.body.stackFrames.slice(1, 3).map((f) => f.name));
    } finally {
      await s.close();
    }
  });
});

describe('the position is the truth', () => {
  test('after every stop the iomachine/state event and request carry the stop\'s position', async () => {
    const { s } = await Session.open('basic.iosim', {}, async (x) => {
      await x.dc.setExceptionBreakpointsRequest({ filters: ['dma-interrupt'] });
    });
    try {
      const moves: (() => Promise<DebugProtocol.StoppedEvent>)[] = [
        () => s.next(), () => s.stepIn(), () => s.next(), () => s.cont(), () => s.stepIn(), () => s.stepOut(),
        () => s.stepBack(), () => s.reverse(), () => s.seek(30), () => s.cont(), () => s.stepBack('instruction'),
      ];
      for (const m of moves) {
        const statesBefore = s.states.length;
        const ev = await m();
        const pos = positionOf(ev);
        // The state event is sent right after the stopped event (move() waits for both).
        assert.equal(s.states.length, statesBefore + 1, 'one state event per stop');
        assert.equal(s.states.at(-1)!.position, pos);
        const st = await s.state();
        assert.equal(st.position, pos);
        assert.ok(st.length >= pos + 1, 'the trace holds the position');
      }
    } finally {
      await s.close();
    }
  });
});

describe('threads', () => {
  test('the flusher thread appears once it has run; a writeback stop is on it; DMA interrupts are on the current thread', async () => {
    const { s } = await Session.open('writeback.iosim', {}, async (x) => {
      await x.dc.setExceptionBreakpointsRequest({ filters: ['writeback'] });
    });
    try {
      assert.deepEqual((await s.dc.threadsRequest()).body.threads.map((t) => t.id), [1]);
      const ev = await s.cont();
      assert.equal(ev.body.reason, 'exception');
      assert.equal(ev.body.threadId, 1000);
      assert.match(ev.body.text ?? '', /writeback starts: \/data\/notes\.txt pages 0–15/);
      const threads = (await s.dc.threadsRequest()).body.threads;
      assert.deepEqual(threads.map((t) => t.id), [1, 1000]);
      assert.match(threads[1].name, /flusher/);
      const flusher = await s.frames(1000);
      assert.deepEqual(flusher.map((f) => f.name), ['wb_writeback → __writeback_single_inode', 'wb_workfn', 'kthread']);
      assert.ok(flusher[0].source?.sourceReference);
      // The process meanwhile sleeps in its own syscall: `sleep 2s` on line 13.
      const proc = await s.frames(1);
      assert.equal(proc[0].name, 'io_schedule');
      assert.deepEqual(proc.slice(1).map((f) => f.name), ['hrtimer_nanosleep', '__x64_sys_nanosleep', 'sleep (line 13)']);
      assert.equal(proc.at(-1)?.line, 13);
      // Travel back to before the flusher ever ran: only the process again.
      await s.seek(-1);
      assert.deepEqual((await s.dc.threadsRequest()).body.threads.map((t) => t.id), [1]);
    } finally {
      await s.close();
    }
  });

  test('a DMA interrupt is taken on the current thread (the process), also after the program has ended', async () => {
    const { s } = await Session.open('basic.iosim', {}, async (x) => {
      await x.dc.setExceptionBreakpointsRequest({ filters: ['dma-interrupt'] });
    });
    try {
      const disk = await s.cont();
      assert.equal(disk.body.threadId, 1);
      assert.equal(positionOf(disk), DISK_IRQ);
      const nic = await s.cont();
      assert.equal(nic.body.threadId, 1);
      assert.equal(positionOf(nic), NIC_IRQ);
      assert.match(nic.body.text ?? '', /NIC interrupt/);
    } finally {
      await s.close();
    }
  });
});

describe('pause', () => {
  test('a long run (2,000,000 preads) is paused quickly, at a consistent position; the adapter stays usable', async () => {
    const { s } = await Session.open('long.iosim');
    try {
      const stopped = s.dc.waitForEvent('stopped', 20_000) as Promise<DebugProtocol.StoppedEvent>;
      await s.dc.continueRequest({ threadId: 1 });
      await new Promise((r) => setTimeout(r, 300));
      // While it runs, moves are refused (wrong state) but nothing breaks.
      assert.match(await failure(s.dc.nextRequest({ threadId: 1 })), /already running/);
      const t0 = Date.now();
      await s.dc.pauseRequest({ threadId: 1 });
      const ev = await stopped;
      const took = Date.now() - t0;
      assert.equal(ev.body.reason, 'pause');
      assert.ok(took < 2000, `paused after ${took} ms`);
      const pos = positionOf(ev);
      assert.ok(pos > 1000, `it ran (position ${pos})`);
      assert.equal(await s.position(), pos);
      // Paused between two preads: the user frame is the pread line.
      const frames = await s.frames();
      assert.deepEqual(frames.map((f) => [f.name, f.line]), [['main', 7]]);
      // Numbers of 4096 and more are shown with their hex: "123456 (0x1e240)".
      const syscalls = parseInt(await s.evaluate('syscalls'), 10);
      assert.ok(syscalls > 100);
      // Stepping (a pread of a cached page is 6 events) and going back still work.
      assert.equal(positionOf(await s.next()), pos + 6);
      assert.equal(parseInt(await s.evaluate('syscalls'), 10), syscalls + 1);
      assert.equal(positionOf(await s.stepBack()), pos);
    } finally {
      await s.close();
    }
  });

  test('restart during a long run stops it and starts again at the entry', async () => {
    const { s } = await Session.open('long.iosim');
    try {
      await s.dc.continueRequest({ threadId: 1 });
      await new Promise((r) => setTimeout(r, 200));
      const [r, ev] = await Promise.all([s.dc.restartRequest({}), s.dc.waitForEvent('stopped') as Promise<DebugProtocol.StoppedEvent>]);
      assert.equal(r.success, true);
      assert.equal(ev.body.reason, 'entry', 'the interrupted run reports no stop of its own');
      assert.equal(await s.position(), -1);
      assert.equal(positionOf(await s.next()), 0);
    } finally {
      await s.close();
    }
  });

  test('disconnect during a long run is answered at once', async () => {
    const { s } = await Session.open('long.iosim');
    try {
      await s.dc.continueRequest({ threadId: 1 });
      await new Promise((r) => setTimeout(r, 200));
      const t0 = Date.now();
      const r = await s.dc.disconnectRequest({});
      assert.equal(r.success, true);
      assert.ok(Date.now() - t0 < 2000);
    } finally {
      await s.close();
    }
  });
});
