/**
 * Benchmark of the debug adapter, as its own process (dist/debugAdapter.js over stdio, as editors run it).
 *
 * Default: a million syscalls of a scenario; time from `continue` to a stop at a function breakpoint on the last
 * syscall. With BENCH_PROGRAM=FILE (a strace log, say): time from `continue` to the end of the program. Then, at 20
 * positions spread over the trace, the latency of a seek there and of a stepBack from there, each until the machine
 * state at the new position (what the panel and the variables show) has arrived: median, 95th percentile and worst;
 * and the adapter's peak RSS. Each time is given twice: wall (elapsed, what a person waits, noisy when other processes
 * share the cores) and CPU (what the adapter process ran, all its threads: /proc/PID/task/N/schedstat, in ns; stable
 * under load).
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DebugClient } from '@vscode/debugadapter-testsupport';

const N = Number(process.env.BENCH_SYSCALLS ?? 1_000_000);
const PROGRAM = process.env.BENCH_PROGRAM;

/** Writes the scenario into a temporary directory; returns its path (the directory goes at the end of the run). */
function scenario(dir: string): string {
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
  return program;
}

/** CPU time the process `pid` has run so far, all its threads (ms); 0 where the kernel does not say. */
function cpuMsOf(pid: number): number {
  let ns = 0;
  try {
    for (const t of readdirSync(`/proc/${pid}/task`)) {
      try {
        ns += Number(readFileSync(`/proc/${pid}/task/${t}/schedstat`, 'utf8').split(' ')[0]);
      } catch {
        // a thread that ended meanwhile
      }
    }
  } catch {
    return 0;
  }
  return ns / 1e6;
}

function stats(ms: number[]): { median: number; p95: number; worst: number } {
  const s = [...ms].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)], p95: s[Math.min(s.length - 1, Math.ceil(0.95 * s.length) - 1)], worst: s[s.length - 1] };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'iomachine-bench-'));
  const program = PROGRAM ?? scenario(dir);
  const dc = new DebugClient(process.execPath, join(__dirname, '..', '..', 'dist', 'debugAdapter.js'), 'iomachine');
  await dc.start();
  const adapter = (dc as unknown as { _adapterProcess: ChildProcess })._adapterProcess;
  try {
    await dc.initializeRequest();
    await Promise.all([dc.launch({ program, stopOnEntry: true, stateEvents: true } as { program: string }), dc.waitForEvent('initialized').then(async () => {
      if (!PROGRAM) await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'fsync' }] });
      await dc.configurationDoneRequest();
    }), dc.waitForEvent('stopped')]);
    const pid = adapter.pid!;
    const c0 = cpuMsOf(pid);
    const t0 = Date.now();
    const [, stop] = await Promise.all([dc.continueRequest({ threadId: 1 }), dc.waitForEvent('stopped', 600_000)]);
    const toStop = (Date.now() - t0) / 1000;
    const toStopCpu = (cpuMsOf(pid) - c0) / 1000;
    const description = String(stop.body.description);
    const head = Number(/#(\d+)/.exec(description)?.[1] ?? 0);
    const seeks: number[] = [];
    const stepBacks: number[] = [];
    const seekCpu: number[] = [];
    const stepBackCpu: number[] = [];
    for (let k = 1; k <= 20; k++) {
      // Positions spread over the whole trace, away from the last one visited: a seek replays from a checkpoint.
      const pos = Math.floor((head * k) / 21) + 997 * k;
      let s = Date.now();
      let c = cpuMsOf(pid);
      await Promise.all([dc.customRequest('iomachine/seek', { position: pos }), dc.waitForEvent('stopped', 60000), dc.waitForEvent('iomachine/state', 60000)]);
      seeks.push(Date.now() - s);
      seekCpu.push(cpuMsOf(pid) - c);
      // Latency as a person sees it: until the machine state at the new position has arrived.
      s = Date.now();
      c = cpuMsOf(pid);
      await Promise.all([dc.stepBackRequest({ threadId: 1 }), dc.waitForEvent('stopped', 60000), dc.waitForEvent('iomachine/state', 60000)]);
      stepBacks.push(Date.now() - s);
      stepBackCpu.push(cpuMsOf(pid) - c);
    }
    const status = readFileSync(`/proc/${adapter.pid}/status`, 'utf8');
    const rss = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
    const sb = stats(stepBacks);
    const sk = stats(seeks);
    const sbc = stats(stepBackCpu);
    const skc = stats(seekCpu);
    const ms1 = (x: number) => +x.toFixed(1);
    console.log(JSON.stringify({
      bench: PROGRAM ? `adapter: ${PROGRAM}` : `adapter: ${N} syscalls`,
      continueSeconds: +toStop.toFixed(3),
      continueCpuSeconds: +toStopCpu.toFixed(3),
      stoppedAt: description,
      events: head + 1,
      stepBackMedianMs: sb.median,
      stepBackP95Ms: sb.p95,
      stepBackWorstMs: sb.worst,
      seekMedianMs: sk.median,
      seekP95Ms: sk.p95,
      seekWorstMs: sk.worst,
      stepBackCpuMedianMs: ms1(sbc.median),
      stepBackCpuP95Ms: ms1(sbc.p95),
      seekCpuMedianMs: ms1(skc.median),
      seekCpuP95Ms: ms1(skc.p95),
      adapterPeakRssMiB: +rss.toFixed(1),
    }));
    await dc.disconnectRequest({});
  } finally {
    await dc.stop().catch(() => undefined);
    adapter.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
