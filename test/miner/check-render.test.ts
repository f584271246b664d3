import { describe, expect, it } from 'vitest';
import { renderCheck, serviceHints } from '../../src/cli/commands/miner-check.js';
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

describe('miner check: services that did not answer', () => {
  const row = (reason: string, detail: string | null) => ({ line: 1, platform: 'youtube/video', content_id: 'dQw4w9WgXcQ', verdict: 'ignored' as const, reason, detail, caption_ok: null, signature: null, ai_score: null, metrics: null, ownership: null });
  const urls = { platformTracker: 'http://localhost:12001', aiDetector: 'http://localhost:12002' };

  it('names the URL tried and how to get a platform tracker or an AI detector', () => {
    const r = { ...report({}, 'file'), rows: [row('metrics_ERR_SERVICE_NETWORK', 'platform_tracker: request failed: connect ECONNREFUSED 127.0.0.1:12001'), row('ai_unavailable', 'ERR_SERVICE_TIMEOUT: ai_detector: timed out')] };
    expect(serviceHints(r, urls)).toEqual([
      'the platform tracker at http://localhost:12001 did not answer: start one (infinitevibe serve platform-tracker, with YOUTUBE_API_KEY and APIFY_API_KEY) or pass --platform_tracker.url',
      'the AI detector at http://localhost:12002 did not answer: start one (infinitevibe serve ai-detector, with SIGHTENGINE_USER and SIGHTENGINE_SECRET) or pass --ai_detector.url',
    ]);
  });

  it('says nothing when the services answered, even with a verdict against the line', () => {
    const r = { ...report({}, 'file'), rows: [row('metrics_ERR_CONTENT_NOT_FOUND', 'no such public video'), row('ai_unavailable', 'ERR_AI_DOWNLOAD: 404')] };
    expect(serviceHints(r, urls)).toEqual([]);
  });
});
