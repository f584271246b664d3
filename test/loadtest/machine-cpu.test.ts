import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { machineShares, parseProcStat, readMachineCpu } from '../../bench/loadtest/machine-cpu.js';

// user nice system idle iowait irq softirq steal guest guest_nice
const STAT = (f: readonly number[]) => `cpu  ${f.join(' ')}\ncpu0 1 2 3 4 5 6 7 8 0 0\nintr 123\n`;

describe('machine CPU shares', () => {
  it('reads busy, stolen and idle jiffies from the aggregate cpu line, guest time not counted twice', () => {
    expect(parseProcStat(STAT([100, 5, 20, 300, 10, 2, 3, 60, 40, 0]))).toEqual({ busy: 130, steal: 60, idle: 310 });
    // Older kernels print fewer fields: the missing ones are zero.
    expect(parseProcStat('cpu 1 2 3 4\n')).toEqual({ busy: 6, steal: 0, idle: 4 });
  });

  it('refuses text without a usable cpu line', () => {
    expect(parseProcStat('cpu0 1 2 3 4\n')).toBeNull();
    expect(parseProcStat('cpu 1 2\n')).toBeNull();
    expect(parseProcStat('cpu 1 2 x 4\n')).toBeNull();
  });

  it('turns two readings into shares of all cores that add up to one', () => {
    const shares = machineShares({ busy: 100, steal: 50, idle: 50 }, { busy: 160, steal: 80, idle: 60 });
    expect(shares).toEqual({ busy: 0.6, steal: 0.3, idle: 0.1 });
    expect(machineShares(null, { busy: 1, steal: 0, idle: 0 })).toBeNull();
    expect(machineShares({ busy: 1, steal: 0, idle: 0 }, { busy: 1, steal: 0, idle: 0 })).toBeNull();
    // Counters that went backwards (a different machine, a reset) are not a reading.
    expect(machineShares({ busy: 10, steal: 5, idle: 5 }, { busy: 9, steal: 6, idle: 9 })).toBeNull();
  });

  it('reads a stat file, and gives null where there is none', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'iv-stat-'));
    const file = join(dir, 'stat');
    await writeFile(file, STAT([10, 0, 10, 70, 0, 0, 0, 10, 0, 0]));
    expect(readMachineCpu(file)).toEqual({ busy: 20, steal: 10, idle: 70 });
    expect(readMachineCpu(join(dir, 'missing'))).toBeNull();
  });
});
