import { describe, expect, it } from 'vitest';
import { MinerReportStore, minerReportRoute } from '../../src/runtime/miner-report.js';

describe('MinerReportStore', () => {
  it.each([undefined, -0.1, 1.5, Number.NaN, '0.5'])('refuses the AI threshold %s', (aiThreshold) => {
    expect(() => new MinerReportStore({ aiThreshold } as never)).toThrow(
      new RangeError(`options.aiThreshold must be within [0, 1], got ${String(aiThreshold)}`),
    );
  });

  it('refuses a missing options object with the same message', () => {
    expect(() => new MinerReportStore(undefined as never)).toThrow(new RangeError('options.aiThreshold must be within [0, 1], got undefined'));
  });

  it('has no report for a hotkey it has not seen collect', () => {
    const store = new MinerReportStore({ aiThreshold: 0.5, requireSigned: true });
    expect(store.report('5F3sa2TJAWMqDhXG6jhV4N8ko9SxwGy8TpaNS1repo5EYjQX')).toBeUndefined();
    expect(store.report('5F3sa2TJAWMqDhXG6jhV4N8ko9SxwGy8TpaNS1repo5EYjQX', { uids: [1], values: [1] })).toBeUndefined();
  });

  it('GET /miners/<hotkey>: 404 for an unseen hotkey, 400 for broken percent-encoding, nothing for other paths', () => {
    const store = new MinerReportStore({ aiThreshold: 0.5 });
    const weights = { ok: true, uids: [1], values: [65_535] };
    expect(minerReportRoute(store, '/metrics', weights)).toBeUndefined();
    expect(minerReportRoute(store, '/miners/a/b', weights)).toBeUndefined();
    expect(minerReportRoute(store, '/miners/5Unseen', undefined)).toMatchObject({ status: 404, body: { error: 'not_found' } });
    expect(minerReportRoute(store, '/miners/5Unseen/', { ...weights, ok: false })).toMatchObject({ status: 404 });
    expect(minerReportRoute(store, '/miners/%E0%A4%A', weights)).toMatchObject({ status: 400, body: { error: 'bad_request' } });
  });
});
