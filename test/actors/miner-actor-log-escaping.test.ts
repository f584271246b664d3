import { describe, expect, it } from 'vitest';
import { MinerActor } from '../../src/actors/miner-actor.js';
import type { GistSource } from '../../src/actors/types.js';
import { createLogger } from '../../src/log.js';
import { TableAi, TableMetrics, keypair, makeDeps } from './helpers.js';

const INTERVAL = '2026-01-01-00-00';

describe('MinerActor logs miner-written text escaped', () => {
  it('a rejected commitment with a right-to-left override or a line separator is logged escaped', async () => {
    const raw: string[] = [];
    const logger = createLogger({ level: 'info' }, { write: (line: string) => void raw.push(line) });
    const miner = await keypair('//Test/miner/escape');
    const gists: GistSource = {
      fetch: () => Promise.reject(new Error('a rejected commitment must not reach the gist fetcher')),
    };
    const deps = makeDeps({ gists, metricsProvider: new TableMetrics(), aiDetector: new TableAi(), logger });
    const actor = new MinerActor({ uid: 7, hotkey: miner.address, deps, parent: { actorFailed: () => undefined } });
    const value = 'https://evil.example/\u202egpj.exe\u2028{"level":60}\u0085\u001b[2J';
    const result = await actor.collect({ interval: INTERVAL, commitment: { hotkey: miner.address, block: 1, value } });
    expect(result.ok && result.value.status).toBe('bad_commitment');

    const line = raw.find((l) => l.includes('commitment rejected'));
    expect(line).toBeDefined();
    for (const c of ['\u202e', '\u2028', '\u0085', '\u001b']) expect(line).not.toContain(c);
    const logged = (JSON.parse(line!) as { commitment: string }).commitment;
    expect(logged).toBe('https://evil.example/\\u202egpj.exe\\u2028{"level":60}\\u0085\\u001b[2J');
  });
});
