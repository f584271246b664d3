import { describe, expect, it } from 'vitest';
import { renderCheck } from '../../src/cli/commands/miner-check.js';
import type { CheckReport } from '../../src/miner/check-submissions.js';

const HOTKEY = '5G3vNGqNJZEQRH1MY2fVrFAWqGKojwo8LWnJaDuQte5DywwV';
const report = (commitment: Partial<CheckReport['commitment']>, source: CheckReport['source']): CheckReport => ({
  hotkey: HOTKEY,
  netuid: 89,
  source,
  commitment: { value: null, ok: true, reason: null, detail: null, on_chain: undefined, block: null, ...commitment },
  rows: [],
  summary: { lines: 0, accepted: 0, rejected: 0, ignored: 0, by_reason: {} },
  ok: false,
});

const commitmentLine = (r: CheckReport) => renderCheck(r, undefined).split('\n')[1];

describe('miner check: the commitment line', () => {
  it('a file has no commitment of its own: the line says what the chain holds, not "commitment -: ok"', () => {
    expect(commitmentLine(report({ on_chain: 'octocat:abc123', block: 52 }, 'file'))).toBe('commitment on chain: octocat:abc123 at block 52');
    expect(commitmentLine(report({ on_chain: null, ok: false, reason: 'not_registered', detail: 'not here' }, 'file'))).toBe('commitment on chain: none; not_registered (not here)');
  });

  it('a gist names the commitment checked, its verdict and what the chain holds', () => {
    expect(commitmentLine(report({ value: 'octocat:abc123', on_chain: 'octocat:abc123', block: 52 }, 'gist'))).toBe('commitment octocat:abc123: ok; on chain: octocat:abc123 at block 52');
  });
});
