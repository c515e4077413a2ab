/**
 * Benchmark of the debug adapter over a million syscalls: time from `continue` to a stop at a function breakpoint
 * on the last syscall, then stepBack latency at positions spread over the run (median and worst), and the
 * adapter's peak RSS. The adapter runs as its own process (dist/debugAdapter.js over stdio).
 */
import type { ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DebugClient } from '@vscode/debugadapter-testsupport';

const N = Number(process.env.BENCH_SYSCALLS ?? 1_000_000);

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'iomachine-bench-'));
  const program = join(dir, 'million.iosim');
  // N-1 reads streaming a 4 GiB file through a 64 MiB cache (readahead, evictions), then one fsync.
  writeFileSync(program, `machine {
  page_cache_limit = 64MiB
}
file "/data/stream.bin" size 4GiB
buf = alloc(4KiB)
fd = open("/data/stream.bin", O_RDONLY)
repeat ${N - 1} {
  read(fd, buf, 4KiB)
}
fsync(fd)
`);
  // Over stdio, as editors run it (a TCP socket would add Nagle/delayed-ACK pauses of ~40 ms to each exchange).
  const dc = new DebugClient(process.execPath, join(__dirname, '..', '..', 'dist', 'debugAdapter.js'), 'iomachine');
  await dc.start();
  const adapter = (dc as unknown as { _adapterProcess: ChildProcess })._adapterProcess;
  try {
    await dc.initializeRequest();
    await Promise.all([dc.launch({ program, stopOnEntry: true }), dc.waitForEvent('initialized').then(async () => {
      await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'fsync' }] });
      await dc.configurationDoneRequest();
    }), dc.waitForEvent('stopped')]);
    const t0 = Date.now();
    const [, stop] = await Promise.all([dc.continueRequest({ threadId: 1 }), dc.waitForEvent('stopped', 120000)]);
    const toStop = (Date.now() - t0) / 1000;
    const description = String(stop.body.description);
    const head = Number(/#(\d+)/.exec(description)?.[1] ?? 0);
    const latencies: number[] = [];
    for (let k = 1; k <= 20; k++) {
      const pos = Math.floor((head * k) / 21);
      await Promise.all([dc.customRequest('iomachine/seek', { position: pos }), dc.waitForEvent('stopped', 60000), dc.waitForEvent('iomachine/state', 60000)]);
      // Latency as a person sees it: until the machine state at the new position (what the panel and variables show) has arrived.
      const s = Date.now();
      await Promise.all([dc.stepBackRequest({ threadId: 1 }), dc.waitForEvent('stopped', 60000), dc.waitForEvent('iomachine/state', 60000)]);
      latencies.push(Date.now() - s);
    }
    const inOrder = [...latencies];
    latencies.sort((a, b) => a - b);
    const status = readFileSync(`/proc/${adapter.pid}/status`, 'utf8');
    const rss = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
    console.log(JSON.stringify({
      bench: `adapter: ${N} syscalls`,
      continueToLastSyscallSeconds: +toStop.toFixed(3),
      stoppedAt: description,
      stepBackMedianMs: latencies[Math.floor(latencies.length / 2)],
      stepBackWorstMs: latencies[latencies.length - 1],
      stepBackMsInOrder: inOrder,
      adapterPeakRssMiB: +rss.toFixed(1),
    }));
    await dc.disconnectRequest({});
  } finally {
    await dc.stop().catch(() => undefined);
    adapter.kill();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
