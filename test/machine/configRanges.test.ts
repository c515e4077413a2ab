/**
 * Every machine key has a range, refused at its line: a latency of 99999999h or a rate of 0.001B/s made one
 * transfer outlast what the clock counts exactly (2^53 ns) and the times of the run round (a cached read in 0 ns).
 * The bounds are Linux's where it has them (config.ts, RANGES), printed in the key's own unit.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CONFIG_KEYS } from '../../src/machine/config';
import { checkOverrides } from '../../src/program/load';
import { parseScenario } from '../../src/program/index';

function machineErrors(settings: string): string[] {
  return parseScenario(`machine {\n${settings}\n}\n`, 't.iosim').diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.line}:${d.col}: ${d.message}`);
}

test('the fuzzed values are refused at their line, naming the range', () => {
  assert.deepEqual(machineErrors('  disk_latency = 99999999h'), [`2:18: bad value for disk_latency: expected at most 10s, found '99999999h'`]);
  assert.deepEqual(machineErrors('  nic_rate = 0.001B/s'), [`2:14: bad value for nic_rate: expected at least 1kB/s, found '0.001B/s'`]);
  assert.deepEqual(machineErrors(`  memcpy_rate = 1${'0'.repeat(400)}GB/s`), [`2:17: bad value for memcpy_rate: expected a finite value, found '1${'0'.repeat(400)}GB/s'`]);
});

test('each bound, as a person writes it, from Linux where Linux has one', () => {
  const cases: [string, string][] = [
    ['ram = 128TiB', 'at most 64TiB'],
    ['page_cache_limit = 65TiB', 'at most 64TiB'],
    ['socket_buffer = 2GiB', 'at most 2147483647 bytes'],
    ['pipe_size = 4GiB', 'at most 2GiB'],
    ['vm.dirty_expire_centisecs = 2147483648', 'at most 2147483647'],
    ['vm.dirty_writeback_centisecs = 99999999999', 'at most 2147483647'],
    ['mode_switch = 11s', 'at most 10s'],
    ['disk_rotation = 1h', 'at most 10s'],
    ['disk_rate = 11TB/s', 'at most 10TB/s'],
    ['memcpy_rate = 999B/s', 'at least 1kB/s'],
  ];
  for (const [setting, expected] of cases) {
    const errs = machineErrors(`  ${setting}`);
    assert.equal(errs.length, 1, setting);
    assert.ok(errs[0].includes(`expected ${expected},`), `${setting}: ${errs[0]}`);
  }
  for (const ok of ['ram = 64TiB', 'pipe_size = 2GiB', 'mode_switch = 0ns', 'disk_latency = 10s', 'nic_rate = 1kB/s', 'memcpy_rate = 10TB/s', 'vm.dirty_expire_centisecs = 2147483647']) {
    assert.deepEqual(machineErrors(`  ${ok}`), [], ok);
  }
});

test('every duration and rate key has both bounds; launch overrides are held to the same ranges', () => {
  for (const k of CONFIG_KEYS) {
    if (k.kind === 'duration' || k.kind === 'rate') assert.ok(k.min !== undefined && k.max !== undefined, k.key);
  }
  assert.deepEqual(checkOverrides({ disk_latency: '99999999h', nic_rate: '0.001B/s', ram: '1GiB' }).errors, [
    `machine key 'disk_latency': expected at most 10s, got "99999999h"`,
    `machine key 'nic_rate': expected at least 1kB/s, got "0.001B/s"`,
  ]);
});
