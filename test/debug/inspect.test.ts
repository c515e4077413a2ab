/**
 * What a person inspects: the scopes (registers, operation, variables, page cache, buffers, devices, counters,
 * sysctl), readMemory, the debug console (expressions, meminfo, cachestat, vmtouch, page, why, events, help),
 * hover and watch, completions, and the iomachine/state request.
 *
 * basic.iosim at READ (the end of its operation 3) has just returned from `n = read(fd, buf, 16KiB)` (line 11) on a
 * cold cache. Positions are named from the same programs run here (positions.ts).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DebugProtocol } from '@vscode/debugprotocol';
import { Ev } from '../../src/machine/events';
import { failure, fixture, Session } from './helpers';
import { Layout } from './positions';

const BASIC = new Layout('basic.iosim');
/** After the read returned; after the 16 KiB pread returned. */
const READ = BASIC.end(3);
const PREAD = BASIC.end(5);
const DISK_IRQ = BASIC.nth(Ev.DmaInterrupt, 0);
const MMAP = new Layout('mmap.iosim');
const WB = new Layout('writeback.iosim');

async function at(program: string, position: number): Promise<Session> {
  const { s } = await Session.open(program);
  await s.seek(position);
  return s;
}

function values(vars: Map<string, DebugProtocol.Variable>): Record<string, string> {
  return Object.fromEntries([...vars].map(([k, v]) => [k, v.value]));
}

async function readMemory(s: Session, memoryReference: string, count: number, offset = 0): Promise<DebugProtocol.ReadMemoryResponse['body']> {
  const r = (await s.dc.send('readMemory', { memoryReference, offset, count })) as DebugProtocol.ReadMemoryResponse;
  return r.body;
}

describe('scopes', () => {
  test('the scopes, in order, with Registers presented as registers', async () => {
    const s = await at('basic.iosim', READ);
    try {
      const scopes = await s.scopes();
      assert.deepEqual(scopes.map((x) => x.name), ['Registers', 'Operation', 'Variables', 'Page Cache', 'Buffers', 'Devices', 'Counters', 'sysctl']);
      assert.equal(scopes[0].presentationHint, 'registers');
      assert.equal(scopes[1].presentationHint, 'arguments');
      assert.equal(scopes[2].presentationHint, 'locals');
    } finally {
      await s.close();
    }
  });

  test('Registers after the read returned: rax is the byte count, the arguments stay in rdi, rsi, rdx', async () => {
    const s = await at('basic.iosim', READ);
    try {
      const regs = await s.scope('Registers');
      assert.deepEqual([...regs.keys()], ['mode', 'pc', 'rax', 'rdi', 'rsi', 'rdx', 'r10', 'r8', 'r9', 'cr2']);
      assert.deepEqual(values(regs), {
        mode: 'user', pc: 'line 11', rax: '0x4000 (16384)', rdi: '0x3 (3)', rsi: '0x10000000 (268435456)', rdx: '0x4000 (16384)',
        r10: '0x0 (0)', r8: '0x0 (0)', r9: '0x0 (0)', cr2: '0x0 (0)',
      });
      assert.equal(regs.get('rax')?.evaluateName, 'rax');
      // On entry to the syscall: kernel mode and rax holds the syscall number (read is 0).
      await s.seek(BASIC.start(3) + 1);
      const entry = await s.scope('Registers');
      assert.equal(entry.get('mode')?.value, 'kernel');
      assert.equal(entry.get('rax')?.value, '0x0 (0)');
    } finally {
      await s.close();
    }
  });

  test('cr2 holds the faulting address after a page fault of mmap\'d memory', async () => {
    const s = await at('mmap.iosim', MMAP.nth(Ev.FaultMajor, 0));
    try {
      assert.equal((await s.scope('Registers')).get('cr2')?.value, '0x7f0000000000 (139637976727552)');
      const op = await s.scope('Operation');
      assert.equal(op.get('call')?.value, 'touch (line 12)');
      assert.equal(op.get('state')?.value, 'in progress (kernel path)');
    } finally {
      await s.close();
    }
  });

  test('Operation: the syscall with its arguments decoded (fd with its path, flags by name, sizes with units)', async () => {
    const s = await at('basic.iosim', READ);
    try {
      // Between calls the scope also names the call the frame's line shows next (line 12: write(sock, buf, n) with
      // sock = 4 and n the 16 KiB read returned), not yet run.
      assert.deepEqual(values(await s.scope('Operation')), {
        'next call': 'write (line 12): fd=4<TCP:[socket 0]>, buf=0x10000000, count=16384 (16 KiB); not run yet',
        call: 'read (line 11)', fd: '3</srv/index.html>', buf: '0x10000000', count: '16384 (16 KiB)', state: 'returned',
        result: '16384 (16 KiB)', 'simulated time': '28.60 µs (200 ns → 28.80 µs)', 'user↔kernel switches': '2',
        'CPU copies': '1 (16 KiB)', 'DMA copies': '1 (16 KiB)', 'page faults': '0', events: `${BASIC.start(3)}–${READ}`,
      });
      await s.seek(BASIC.end(1));
      const open = values(await s.scope('Operation'));
      assert.equal(open.call, 'open (line 9)');
      assert.equal(open.path, '"/srv/index.html"');
      assert.equal(open.flags, 'O_RDONLY');
      assert.equal(open.result, '3');
      // Mid-syscall: in progress, no result yet.
      await s.seek(DISK_IRQ);
      const mid = values(await s.scope('Operation'));
      assert.equal(mid.state, 'in progress (kernel path)');
      assert.equal(mid.result, undefined);
      // Before anything ran.
      await s.seek(-1);
      assert.match(values(await s.scope('Operation')).operation, /none yet/);
    } finally {
      await s.close();
    }
  });

  test('Variables: the program\'s names and their values', async () => {
    const s = await at('basic.iosim', READ);
    try {
      assert.deepEqual(values(await s.scope('Variables')), { buf: '268435456 (0x10000000)', fd: '3', sock: '4', n: '16384 (0x4000)' });
      await s.seek(DISK_IRQ);
      assert.equal((await s.scope('Variables')).get('n'), undefined, 'n is bound when the read returns');
    } finally {
      await s.close();
    }
  });

  test('Page Cache: capacity, used, dirty, writeback, LRU lists, hits, misses, hit ratio, and per file its pages', async () => {
    const s = await at('basic.iosim', PREAD);
    try {
      const pc = await s.scope('Page Cache');
      const v = values(pc);
      assert.match(v.capacity, /^262140 pages/);
      assert.equal(v.used, '4 pages');
      assert.equal(v.dirty, '0');
      assert.equal(v.writeback, '0');
      assert.equal(v['active list'], '4', 'the second read activated all four pages');
      assert.equal(v['inactive list'], '0');
      assert.equal(v.hits, '4');
      assert.equal(v.misses, '4');
      assert.equal(v['hit ratio'], '50.0%');
      assert.match(v['dirty thresholds'], /background \d+ pages, limit \d+ pages/);
      const file = pc.get('/srv/index.html')!;
      assert.equal(file.value, '4 of 4 pages cached');
      assert.equal(file.memoryReference, 'file:0');
      assert.equal(file.indexedVariables, 4);
      const pages = await s.variables(file.variablesReference);
      assert.deepEqual(pages.map((p) => [p.name, p.value]), [0, 1, 2, 3].map((i) => [`[${i}]`, 'clean, active']));
      const active = await s.variables(pc.get('active list')!.variablesReference);
      assert.equal(active.length, 4);
      assert.match(active[0].value, /^\/srv\/index\.html\[\d\] clean, active/);
    } finally {
      await s.close();
    }
  });

  test('Page Cache: dirty pages, then writeback, then clean (writeback.iosim)', async () => {
    const { s } = await Session.open('writeback.iosim');
    try {
      for (let i = 0; i < 3; i++) await s.next();
      const dirty = values(await s.scope('Page Cache'));
      assert.equal(dirty.dirty, '16');
      assert.match((await s.evaluate('page /data/notes.txt 0')), /state: dirty/);
      await s.seek(WB.nth(Ev.WritebackStart, 0));
      const wb = values(await s.scope('Page Cache'));
      assert.equal(wb.writeback, '16');
      assert.equal(wb.dirty, '0');
      assert.match(await s.evaluate('meminfo'), /Writeback: +64 kB/);
      await s.seek(WB.nth(Ev.WritebackEnd, 0));
      assert.equal(values(await s.scope('Page Cache')).writeback, '0');
    } finally {
      await s.close();
    }
  });

  test('Buffers: user buffers, mmap regions, socket and pipe buffers, the controller buffer, each with a memoryReference', async () => {
    const s = await at('basic.iosim', READ);
    try {
      const buffers = await s.scope('Buffers');
      assert.deepEqual([...buffers.values()].map((b) => [b.name, b.memoryReference]), [
        ['buffer 1', 'buffer:1'], ['socket 0', 'socket:0'], ['controller buffer', 'controller'],
      ]);
      assert.equal(buffers.get('buffer 1')?.value, 'user buffer at 0x10000000, 16 KiB');
      assert.equal(buffers.get('controller buffer')?.value, '16 KiB from /srv/index.html @0');
    } finally {
      await s.close();
    }
    const m = await at('mmap.iosim', MMAP.end(MMAP.op('mmap')));
    try {
      const mmap = (await m.scope('Buffers')).get('mmap 1')!;
      assert.equal(mmap.memoryReference, 'mmap:1');
      assert.match(mmap.value, /^0x7f0000000000 → \/srv\/page\.html @0, 16 KiB, MAP_SHARED, 0 pages mapped$/);
      await m.seek(MMAP.end(MMAP.op('touch')));
      assert.match((await m.scope('Buffers')).get('mmap 1')!.value, /4 pages mapped$/);
    } finally {
      await m.close();
    }
    const p = await at('splice.iosim', 1e9);
    try {
      await p.seek(0);
      await p.seek(1e9);
      const buffers = await p.scope('Buffers');
      assert.equal(buffers.get('pipe 0')?.memoryReference, 'pipe:0');
      assert.match(buffers.get('pipe 0')!.value, /0 B of 64 KiB/);
      assert.match(buffers.get('socket 0')!.value, /16 KiB sent/);
      // Between the two splices the pipe holds the file's pages by reference.
      const targets = (await p.dc.gotoTargetsRequest({ source: { path: fixture('splice.iosim') }, line: 12 })).body.targets;
      await p.move(() => p.dc.gotoRequest({ threadId: 1, targetId: targets[0].id }));
      assert.match((await p.scope('Buffers')).get('pipe 0')!.value, /^16 KiB of 64 KiB \(1 page references\)$/);
      const bytes = await readMemory(p, 'pipe:0', 16);
      const file = await readMemory(p, 'file:0', 16);
      assert.equal(bytes?.data, file?.data);
    } finally {
      await p.close();
    }
  });

  test('readMemory: the user buffer holds the file\'s bytes after the read, zeros before; a short read reports unreadable bytes', async () => {
    const s = await at('basic.iosim', READ);
    try {
      const buf = await readMemory(s, 'buffer:1', 32);
      const file = await readMemory(s, 'file:0', 32);
      assert.equal(buf?.address, '0x10000000');
      assert.equal(buf?.data, file?.data);
      assert.equal(Buffer.from(buf!.data!, 'base64').toString('latin1').slice(0, 10), 'index.html');
      const tail = await readMemory(s, 'buffer:1', 64, 16384 - 16);
      assert.equal(Buffer.from(tail!.data!, 'base64').length, 16);
      assert.equal(tail?.unreadableBytes, 48);
      assert.equal(tail?.address, '0x10003ff0');
    } finally {
      await s.close();
    }
  });

  test('Devices: the disk, DMA transfers in flight (expandable), the NIC, the CPU mode, the clock', async () => {
    // Waiting for the read's disk transfer, right before its interrupt.
    const s = await at('basic.iosim', DISK_IRQ - 1);
    try {
      const dev = await s.scope('Devices');
      assert.match(dev.get('disk')!.value, /^NVMe SSD, 512-byte blocks, queue \d+, busy until/);
      assert.equal(dev.get('DMA engine')!.value, '1 transfers in flight');
      const dma = await s.variables(dev.get('DMA engine')!.variablesReference);
      assert.match(dma[0].name, /^#1$/);
      assert.match(dma[0].value, /16 KiB/);
      assert.match(dev.get('NIC')!.value, /^plain DMA \(no scatter-gather\)/);
      assert.equal(dev.get('CPU')!.value, 'kernel mode, thread 1');
      assert.equal(dev.get('clock')!.value, '350 ns');
      await s.seek(DISK_IRQ);
      assert.equal((await s.scope('Devices')).get('DMA engine')!.value, '0 transfers in flight');
    } finally {
      await s.close();
    }
  });

  test('Counters at the end of basic.iosim: the article\'s numbers', async () => {
    const s = await at('basic.iosim', 1e9);
    try {
      const c = values(await s.scope('Counters'));
      assert.equal(c.syscalls, '7');
      assert.equal(c.contextSwitches, '14');
      assert.equal(c.cpuCopies, '4');
      assert.equal(c.dmaCopies, '2');
      assert.equal(c.pageCacheHits, '5');
      assert.equal(c.pageCacheMisses, '4');
      assert.equal(c.dmaInterrupts, '2');
      assert.equal(c['simulated time'], '44.60 µs');
    } finally {
      await s.close();
    }
  });
});

describe('the debug console', () => {
  test('registers, operation fields, program variables, counters and sysctls by name; expressions', async () => {
    const s = await at('basic.iosim', READ);
    try {
      const cases: [string, string][] = [
        ['rax', '16384 (0x4000)'], ['rdi', '3'], ['mode', 'user'], ['name', 'read'], ['result', '16384 (0x4000)'],
        ['n', '16384 (0x4000)'], ['buf', '268435456 (0x10000000)'], ['fd', '3'], ['rdx > 4096', 'true'],
        ['name == "read" && result < rdx', 'false'], ['n / 4096', '4'], ['vm.dirty_ratio', '20'], ['misses', '4'],
        ['position', String(READ)], ['path', 'null'], ['errno', 'null'], ['16KiB == n', 'true'],
      ];
      for (const [expr, expected] of cases) assert.equal(await s.evaluate(expr), expected, expr);
      assert.match(await failure(s.dc.evaluateRequest({ expression: 'bogus + 1', context: 'repl' })), /unknown name 'bogus'/);
    } finally {
      await s.close();
    }
  });

  test('meminfo, cachestat (HITS MISSES DIRTIES HITRATIO BUFFERS_MB CACHED_MB), vmtouch, page, why, events, help', async () => {
    const s = await at('basic.iosim', PREAD);
    try {
      const meminfo = await s.evaluate('meminfo');
      assert.match(meminfo, /^MemTotal: +1048576 kB$/m);
      assert.match(meminfo, /^Cached: +16 kB$/m);
      assert.match(meminfo, /^Dirty: +0 kB$/m);
      assert.match(meminfo, /^Active\(file\): +16 kB$/m);
      assert.match(meminfo, /^Inactive\(file\): +0 kB$/m);
      const cachestat = (await s.evaluate('cachestat')).split('\n');
      assert.deepEqual(cachestat[0].trim().split(/\s+/), ['HITS', 'MISSES', 'DIRTIES', 'HITRATIO', 'BUFFERS_MB', 'CACHED_MB']);
      assert.deepEqual(cachestat[1].trim().split(/\s+/), ['4', '4', '0', '50.00%', '0', '0']);
      const vmtouch = await s.evaluate('vmtouch /srv/index.html');
      assert.match(vmtouch, /\[OOOO\] 4\/4/);
      assert.match(vmtouch, /Resident Pages: 4\/4 +16K\/16K +100\.000%/);
      assert.match(await s.evaluate('vmtouch /nope'), /no such file/);
      assert.equal(await s.evaluate('page /srv/index.html 2'), '/srv/index.html page 2 (bytes 8192–12287)\n  state: clean, active');
      assert.match(await s.evaluate('page /srv/index.html 9'), /not in the page cache/);
      const why = (await s.evaluate('why /srv/index.html 1')).split('\n');
      assert.equal(why[0], 'why /srv/index.html page 1:');
      assert.match(why[1], new RegExp(`^#${BASIC.nth(Ev.ReadaheadSync, 0)} .*sync readahead /srv/index\\.html pages 0–3 .*\\(read at line 11\\)$`));
      assert.ok(why.some((l) => new RegExp(`^#${BASIC.nth(Ev.PageActivate, 0)} .*activated.*\\(pread at line 13\\)$`).test(l)));
      const events = (await s.evaluate('events 3')).split('\n');
      assert.deepEqual(events.map((l) => l.split(' ')[0]), [`#${PREAD - 2}`, `#${PREAD - 1}`, `#${PREAD}`]);
      assert.match(events[2], /syscall returns/);
      assert.match(await s.evaluate('events'), new RegExp(`^#${PREAD - 19} `, 'm'), 'the last 20 by default');
      assert.match(await s.evaluate('events x'), /usage: events \[n\]/);
      assert.match(await s.evaluate('page'), /usage: page <path> <index>/);
      const help = await s.evaluate('help');
      for (const c of ['meminfo', 'cachestat', 'vmtouch <path>', 'page <path> <index>', 'why <path> <index>', 'events [n]']) assert.ok(help.includes(c), c);
    } finally {
      await s.close();
    }
  });

  test('the console answers for the position: going back changes what meminfo and events say', async () => {
    const s = await at('basic.iosim', PREAD);
    try {
      const socket = BASIC.end(2);
      await s.seek(socket);
      assert.match(await s.evaluate('meminfo'), /^Cached: +0 kB$/m);
      assert.equal(await s.evaluate('events 1'), `#${socket}       200 ns thread 1  syscall returns`);
      assert.match(await s.evaluate('why /srv/index.html 1'), new RegExp(`nothing has happened to it up to position ${socket}`));
    } finally {
      await s.close();
    }
  });

  test('hover and watch evaluate names; hover on something that is not a name gives nothing', async () => {
    const s = await at('basic.iosim', READ);
    try {
      assert.equal(await s.evaluate('fd', 'hover'), '3');
      assert.equal(await s.evaluate('rax', 'hover'), '16384 (0x4000)');
      assert.equal(await s.evaluate('vm.dirty_ratio', 'hover'), '20');
      assert.equal(await s.evaluate('dirty', 'watch'), '0');
      assert.equal(await s.evaluate('n - 1', 'watch'), '16383 (0x3fff)');
      await failure(s.dc.evaluateRequest({ expression: 'read(fd, buf', context: 'hover' }));
      await failure(s.dc.evaluateRequest({ expression: '16KiB', context: 'hover' }));
    } finally {
      await s.close();
    }
  });

  test('completions: commands, registers, variables, sysctls, and file paths after vmtouch/page/why', async () => {
    const s = await at('basic.iosim', READ);
    try {
      const complete = async (text: string, column = text.length + 1) =>
        (await s.dc.completionsRequest({ text, column })).body.targets;
      const me = await complete('me');
      assert.deepEqual(me.map((t) => t.label), ['meminfo']);
      assert.equal(me[0].start, 1);
      assert.equal(me[0].length, 2);
      const r = (await complete('r')).map((t) => t.label);
      for (const l of ['rax', 'rdi', 'rsi', 'rdx', 'r10', 'r8', 'r9', 'result']) assert.ok(r.includes(l), l);
      assert.ok((await complete('b')).some((t) => t.label === 'buf' && t.type === 'variable'));
      assert.deepEqual((await complete('vm.dirty_r')).map((t) => t.label), ['vm.dirty_ratio']);
      const paths = await complete('vmtouch /s');
      assert.deepEqual(paths.map((t) => [t.label, t.start, t.length]), [['/srv/index.html', 9, 2]]);
      assert.deepEqual((await complete('why /')).map((t) => t.label), ['/srv/index.html']);
      const all = await complete('');
      assert.ok(['meminfo', 'cachestat', 'vmtouch', 'page', 'why', 'events', 'help'].every((c) => all.some((t) => t.label === c)));
      // The column counts: completing in the middle of the text.
      assert.deepEqual((await complete('cachestat', 3)).map((t) => t.label), ['cachestat', 'cached']);
      assert.ok((await complete('rdx > bu')).some((t) => t.label === 'buf'));
    } finally {
      await s.close();
    }
  });
});

describe('the panel state', () => {
  test('iomachine/state carries the position, the operation, registers, page cache, devices and sysctl', async () => {
    // The read's copy to the user buffer.
    const copy = BASIC.nth(Ev.CpuCopy, 0);
    const s = await at('basic.iosim', copy);
    try {
      const st = await s.state();
      assert.equal(st.position, copy);
      assert.equal(st.mode, 'kernel');
      assert.equal(st.thread, 1);
      assert.equal(st.ended, false);
      assert.equal(st.operation?.name, 'read');
      assert.equal(st.operation?.line, 11);
      assert.equal(st.operation?.phase, 'kernel');
      assert.equal(st.operation?.kernelStep, 'copy_page_to_iter');
      assert.deepEqual(st.movement, { src: 'pageCache', dst: 'user', bytes: 16384, engine: 'cpu' });
      assert.equal(st.registers.find((r) => r.name === 'rdx')?.value, '0x4000');
      assert.equal(st.pageCache.pages, 4);
      assert.deepEqual(st.pageCache.files.map((f) => f.path), ['/srv/index.html']);
      assert.equal(st.counters.syscalls, 3);
      assert.equal(st.sysctl['vm.dirty_ratio'], 20);
      assert.ok(st.nearby.some((e) => e.position === copy));
      // Nearby events are named as people read them, not by number.
      assert.equal(st.nearby.find((e) => e.position === copy)?.kind, 'cpu-copy');
      assert.equal(st.hex?.title, 'user buffer 0x10000000');
      const end = await s.seek(1e9);
      assert.equal(end.body.reason, 'goto');
      assert.equal((await s.state()).ended, true);
    } finally {
      await s.close();
    }
  });
});
