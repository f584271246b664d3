/**
 * Where the machine's cores went during a cycle, from the kernel's own counters (/proc/stat):
 * busy (every process, the validator's included), stolen by the hypervisor, and idle. A pool
 * size can only show in throughput when cores are left over; these shares say whether they were.
 */
import { readFileSync } from 'node:fs';

/** Cumulative jiffies of all cores since boot. */
export interface MachineCpuCounters {
  readonly busy: number;
  readonly steal: number;
  readonly idle: number;
}

/** Shares of all cores' time in a window; they add up to 1. */
export interface MachineCpuShares {
  readonly busy: number;
  readonly steal: number;
  readonly idle: number;
}

/**
 * The aggregate `cpu` line of /proc/stat: user nice system idle iowait irq softirq steal guest
 * guest_nice. Guest time is already counted in user and nice, so it is not added again; iowait
 * is a core with nothing to run, so it counts as idle.
 */
export function parseProcStat(text: string): MachineCpuCounters | null {
  const line = text.split('\n').find((l) => /^cpu\s/.test(l));
  if (!line) return null;
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  if (f.length < 4 || f.some((v) => !Number.isFinite(v) || v < 0)) return null;
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = f;
  return { busy: user + nice + system + irq + softirq, steal, idle: idle + iowait };
}

/** The counters now; null where there is no /proc/stat (not Linux). */
export function readMachineCpu(path = '/proc/stat'): MachineCpuCounters | null {
  try {
    return parseProcStat(readFileSync(path, 'utf8'));
  } catch {
    return null;
  }
}

/** Shares between two readings; null when either is missing or no time passed. */
export function machineShares(before: MachineCpuCounters | null, after: MachineCpuCounters | null): MachineCpuShares | null {
  if (!before || !after) return null;
  const busy = after.busy - before.busy;
  const steal = after.steal - before.steal;
  const idle = after.idle - before.idle;
  const total = busy + steal + idle;
  if (!(total > 0) || busy < 0 || steal < 0 || idle < 0) return null;
  return { busy: busy / total, steal: steal / total, idle: idle / total };
}
