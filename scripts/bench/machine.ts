/**
 * Benchmark of the machine and the trace recorder: one million 4 KiB reads over a 4 GiB file with a 256 MiB page
 * cache cap, every event recorded. Prints wall and CPU seconds (user + system, all threads), syscalls/s, events/s,
 * trace bytes per event and peak RSS as JSON.
 */
import { loadScenario } from '../../src/program/load';
import { Trace } from '../../src/trace/trace';

const N = Number(process.env.BENCH_READS ?? 1_000_000);
const text = `machine {
  page_cache_limit = 256MiB
}
file "/data/big.bin" size 4GiB
buf = alloc(4KiB)
fd = open("/data/big.bin", O_RDONLY)
repeat ${N} {
  read(fd, buf, 4KiB)
}
`;
const loaded = loadScenario(text, 'bench.iosim');
if (!loaded.spec) throw new Error(JSON.stringify(loaded.diagnostics));
const c0 = process.cpuUsage();
const t0 = process.hrtime.bigint();
const trace = new Trace(loaded.spec);
trace.runToEnd();
const t1 = process.hrtime.bigint();
const secs = Number(t1 - t0) / 1e9;
const cpu = process.cpuUsage(c0);
const cpuSecs = (cpu.user + cpu.system) / 1e6;
const m = trace.machine;
const events = trace.events.length;
const traceBytes = trace.events.memoryBytes() + trace.ops.memoryBytes();
const peakRss = Number(/VmHWM:\s+(\d+) kB/.exec(require('node:fs').readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0) * 1024;
console.log(JSON.stringify({
  bench: 'machine: 1M x 4 KiB reads, 4 GiB file, 256 MiB cache',
  reads: N,
  seconds: +secs.toFixed(3),
  cpuSeconds: +cpuSecs.toFixed(3),
  syscallsPerSec: Math.round(trace.ops.length / secs),
  eventsPerSec: Math.round(events / secs),
  events,
  traceBytesPerEvent: +(traceBytes / events).toFixed(1),
  peakRssMiB: +(peakRss / 1048576).toFixed(1),
  evictions: m.counters[8],
  cachedPages: m.cache.size,
  simulatedSeconds: +(m.now / 1e9).toFixed(3),
}));
