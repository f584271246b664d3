import { describe, expect, it } from 'vitest';
import { packageVersion } from '../../src/metrics/operator-metrics.js';
import { ValidatorMetrics } from '../../src/metrics/validator-metrics.js';

const valueOf = async (m: { get(): Promise<{ values: Array<{ value: number; labels: Record<string, unknown> }> }> }, labels: Record<string, string> = {}) =>
  (await m.get()).values.find((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x))?.value;

describe('operator metrics', () => {
  it('puts netuid and hotkey on the info series only, never on another series', async () => {
    const metrics = new ValidatorMetrics();
    metrics.ops.identify({ netuid: 89, hotkey: '5Hotkey', runtimeSpec: 218 });
    metrics.ops.recordCommittedWeights([3, 7], [1, 3]);
    metrics.minerScore.set({ uid: '3' }, 0.5);
    const text = await metrics.expose();
    expect(text).toContain('infinitevibe_validator_info{netuid="89",hotkey="5Hotkey"} 1');
    expect(text).toContain(`infinitevibe_build_info{version="${packageVersion()}",node="${process.version}",runtime_spec="218"} 1`);
    expect(packageVersion()).toMatch(/^\d+\.\d+\.\d+/);
    const carriers = text
      .split('\n')
      .filter((line) => !line.startsWith('#') && /[{,](netuid|hotkey)="/.test(line))
      .map((line) => line.slice(0, line.indexOf('{')));
    expect(carriers).toEqual(['infinitevibe_validator_info']);
  });

  it('exports the configured intervals for the alert rules', async () => {
    const metrics = new ValidatorMetrics({ defaultMetrics: false });
    metrics.ops.configure({ setWeightsSeconds: 1200, submissionUpdateSeconds: 7200 });
    expect(await valueOf(metrics.ops.configSetWeightsInterval)).toBe(1200);
    expect(await valueOf(metrics.ops.configSubmissionUpdateInterval)).toBe(7200);
  });

  it('keeps only the vector committed last, normalised, per uid', async () => {
    const metrics = new ValidatorMetrics({ defaultMetrics: false });
    metrics.ops.recordCommittedWeights([1, 2], [65535, 65535]);
    metrics.ops.recordCommittedWeights([2, 5], [1, 3]);
    const values = (await metrics.ops.weightsCommitted.get()).values.map((v) => [v.labels.uid, v.value]);
    expect(values).toEqual([
      ['2', 0.25],
      ['5', 0.75],
    ]);
    metrics.ops.recordCommittedWeights([], []);
    expect((await metrics.ops.weightsCommitted.get()).values).toEqual([]);
  });

  it('counts partial or failed cycles in a row and the last cycle’s timed-out miners', async () => {
    const metrics = new ValidatorMetrics({ defaultMetrics: false });
    metrics.ops.recordCycle({ result: 'partial', timedOut: 3 });
    metrics.ops.recordCycle({ result: 'failed', timedOut: 0 });
    expect(await valueOf(metrics.ops.cyclesConsecutiveNotOk)).toBe(2);
    expect(await valueOf(metrics.ops.cycleTimedOutMiners)).toBe(0);
    metrics.ops.recordCycle({ result: 'partial', timedOut: 2, timedOutUids: [7, 12] });
    expect(await valueOf(metrics.ops.cycleTimedOutMiners)).toBe(2);
    expect((await metrics.ops.minerTimedOut.get()).values.map((v) => [v.labels.uid, v.value])).toEqual([
      ['7', 1],
      ['12', 1],
    ]);
    metrics.ops.recordCycle({ result: 'ok', timedOut: 0, timedOutUids: [] });
    expect(await valueOf(metrics.ops.cyclesConsecutiveNotOk)).toBe(0);
    expect((await metrics.ops.minerTimedOut.get()).values).toEqual([]);
  });

  it('tracks pending reveals and the oldest one’s reveal block', async () => {
    const metrics = new ValidatorMetrics({ defaultMetrics: false });
    metrics.ops.addPendingReveal(500);
    metrics.ops.addPendingReveal(140);
    expect(await valueOf(metrics.ops.weightsPendingReveals)).toBe(2);
    expect(await valueOf(metrics.ops.weightsOldestPendingReveal)).toBe(140);
    metrics.ops.setPendingReveals([]);
    expect(await valueOf(metrics.ops.weightsPendingReveals)).toBe(0);
    expect(await valueOf(metrics.ops.weightsOldestPendingReveal)).toBe(0);
  });

  it('measures main-thread event-loop busy time as a counter and a per-scrape ratio', async () => {
    const metrics = new ValidatorMetrics({ defaultMetrics: false });
    const first = (await valueOf(metrics.ops.eventLoopBusySeconds)) ?? 0;
    // Keep the loop busy for a measurable stretch, then let it turn once so Node accounts for it.
    const until = performance.now() + 30;
    while (performance.now() < until);
    await new Promise((resolve) => setImmediate(resolve));
    const second = (await valueOf(metrics.ops.eventLoopBusySeconds)) ?? 0;
    expect(second - first).toBeGreaterThan(0.01);
    const ratio = (await valueOf(metrics.ops.eventLoopUtilization)) ?? -1;
    expect(ratio).toBeGreaterThan(0);
    expect(ratio).toBeLessThanOrEqual(1);
  });
});

describe('build info', () => {
  it('follows the chain runtime spec across a runtime upgrade, one series at a time', async () => {
    const metrics = new ValidatorMetrics({ defaultMetrics: false });
    let spec = 218;
    metrics.ops.identify({ netuid: 89, hotkey: '5Hotkey', runtimeSpec: () => spec });
    expect(await metrics.expose()).toMatch(/^infinitevibe_build_info\{[^}]*runtime_spec="218"\} 1$/m);
    spec = 219;
    const text = await metrics.expose();
    expect(text).toMatch(/^infinitevibe_build_info\{[^}]*runtime_spec="219"\} 1$/m);
    expect(text).not.toContain('runtime_spec="218"');
  });
});
