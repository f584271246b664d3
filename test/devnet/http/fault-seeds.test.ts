import { afterEach, describe, expect, it } from 'vitest';
import { FAULT_SERVICES, faultSeed } from '../../../src/devnet/http/fault-settings.js';
import { startServiceStandins, type ServiceStandins } from '../../../src/devnet/http/service-standins.js';
import { SimulatedClock } from '../../../src/devnet/http/standin-server.js';

const running: ServiceStandins[] = [];
afterEach(async () => {
  for (const s of running.splice(0)) await s.close();
});

const CALLS = 24;

/** Which of CALLS calls to each stand-in were answered with an injected fault (429 or 503). */
async function faultPattern(seed: number): Promise<Record<'youtube' | 'apify' | 'gist', string>> {
  const standins = await startServiceStandins({ failureRate: 0.5, seed, aiStandins: false, clock: new SimulatedClock(0) });
  running.push(standins);
  const calls = {
    youtube: () => fetch(`${standins.youtubeBaseUrl}/youtube/v3/videos?part=statistics&id=none&key=k`),
    apify: () => fetch(`${standins.apifyBaseUrl}/v2/acts/a/runs?token=t`, { method: 'POST', body: '{}' }),
    gist: () => fetch(`${standins.gistBaseUrl}/someone/abc/raw`),
  };
  const out = { youtube: '', apify: '', gist: '' };
  for (const service of ['youtube', 'apify', 'gist'] as const) {
    for (let i = 0; i < CALLS; i++) {
      const res = await calls[service]();
      await res.arrayBuffer();
      out[service] += res.status === 429 || res.status === 503 ? 'F' : '.';
    }
  }
  return out;
}

describe('fault seeds per service', () => {
  it('services at one rate and seed fail on different calls, and the same seed replays them', async () => {
    const first = await faultPattern(5);
    // Each pattern has both outcomes, so equal patterns would mean equal draws.
    for (const pattern of Object.values(first)) expect(pattern).toMatch(/F.*\.|\..*F/);
    expect(first.apify).not.toBe(first.youtube);
    expect(first.gist).not.toBe(first.youtube);
    expect(first.gist).not.toBe(first.apify);
    expect(await faultPattern(5)).toEqual(first);
  });

  it('every service, the AI detector service included, has a seed of its own', () => {
    for (const seed of [undefined, 0, 5, 2 ** 31 - 1]) {
      expect(new Set(FAULT_SERVICES.map((service) => faultSeed(seed, service))).size).toBe(FAULT_SERVICES.length);
    }
  });
});
