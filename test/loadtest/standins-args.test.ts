import { describe, expect, it } from 'vitest';
import { parseSweepArgs } from '../../bench/loadtest/args.js';
import { standinsArgs } from '../../bench/loadtest/run-combination.js';
import { parseDevnetStandinsFlags } from '../../src/cli/commands/devnet-standins.js';

/** `--name value` pairs after `devnet standins`, as the CLI's flag record. */
function flagsOf(args: readonly string[]): Record<string, string> {
  expect(args.slice(0, 2)).toEqual(['devnet', 'standins']);
  const flags: Record<string, string> = {};
  for (let i = 2; i < args.length; i += 2) flags[args[i]!.replace(/^--/, '')] = args[i + 1]!;
  return flags;
}

describe('the stand-ins of a load-test run', () => {
  it('run under the sweep\'s --faults and --retry-after', () => {
    const sweep = parseSweepArgs(['--faults', 'youtube=0.05,sightengine=0.1:503,ai_detector=0.2:429', '--retry-after', '4']);
    const args = standinsArgs({ miners: 8, submissions: 2 }, { aiLatencyMs: 0, latencyMs: 0, faults: sweep.faults, retryAfterSeconds: sweep.retryAfterSeconds }, '/tmp/n.json');
    const options = parseDevnetStandinsFlags(flagsOf(args));
    expect(options.faults).toEqual({ youtube: { failureRate: 0.05 }, sightengine: { failureRate: 0.1, kind: '503' }, ai_detector: { failureRate: 0.2, kind: '429' } });
    expect(options.retryAfterSeconds).toBe(4);
    expect(options.miners).toBe(8);
  });

  it('inject nothing without --faults', () => {
    const sweep = parseSweepArgs([]);
    const args = standinsArgs({ miners: 8, submissions: 2 }, { aiLatencyMs: 0, latencyMs: 0, faults: sweep.faults, retryAfterSeconds: sweep.retryAfterSeconds }, '/tmp/n.json');
    expect(args).not.toContain('--faults');
    expect(parseDevnetStandinsFlags(flagsOf(args)).faults).toEqual({});
  });
});
