import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { devnetSeed, parseDevnetFlags, runDevnet } from '../../../src/cli/commands/devnet.js';
import { main } from '../../../src/cli/main.js';
import { SubtensorDevnet } from '../../../src/devnet/subtensor/subtensor-devnet.js';
import { connect, fakeAddress, type Untyped } from './helpers.js';

function sink(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (d: Buffer) => (text += d.toString()));
  return { stream, text: () => text };
}

describe('infinitevibe devnet', () => {
  it('parses flags with defaults', () => {
    expect(parseDevnetFlags({})).toEqual({ port: 9944, host: '127.0.0.1', miners: 256, blockTimeMs: 1000, netuid: 89, seed: undefined, scenarioFile: undefined });
    expect(parseDevnetFlags({ port: '0', miners: 8, 'block-time-ms': '12000', netuid: 3, seed: 7 })).toMatchObject({ port: 0, miners: 8, blockTimeMs: 12000, netuid: 3, seed: 7 });
  });

  it('names the bad flag', async () => {
    expect(() => parseDevnetFlags({ port: 'abc' })).toThrow(/--port must be an integer from 0 to 65535, got "abc"/);
    expect(() => parseDevnetFlags({ miners: 5000 })).toThrow(/--miners must be an integer from 0 to 4095, got 5000/);
    expect(() => parseDevnetFlags({ 'block-time-ms': 1 })).toThrow(/--block-time-ms must be an integer from 10 to 3600000, got 1/);
    const err = sink();
    expect(await main(['devnet', '--netuid', '0'], { stdout: sink().stream, stderr: err.stream })).toBe(2);
    expect(err.text()).toMatch(/configuration error: --netuid must be an integer from 1 to 65535, got "0"/);
  });

  it('exits 2 naming the address when the port is taken', async () => {
    const holder = await SubtensorDevnet.start({ autoBlocks: false });
    try {
      const port = new URL(holder.url).port;
      const err = sink();
      expect(await main(['devnet', '--port', port, '--miners', '2'], { stdout: sink().stream, stderr: err.stream })).toBe(2);
      expect(err.text()).toContain(`devnet cannot listen on 127.0.0.1:${port}: EADDRINUSE`);
    } finally {
      await holder.close();
    }
  });

  it('serves the shared scenario until aborted', async () => {
    const out = sink();
    const controller = new AbortController();
    let started!: (d: SubtensorDevnet) => void;
    const startedDevnet = new Promise<SubtensorDevnet>((resolve) => (started = resolve));
    const running = runDevnet(
      { ...parseDevnetFlags({ port: 0, miners: 16, 'block-time-ms': 50 }) },
      { stdout: out.stream, signal: controller.signal, onStarted: started },
    );
    const devnet = await Promise.race([startedDevnet, running.then(() => Promise.reject(new Error('devnet ended before it started')))]);
    expect(out.text()).toContain(`listening on ${devnet.url}`);
    expect(out.text()).toContain('//InfiniteVibe/validator');
    const api = await connect(devnet);
    try {
      const query = api.query as Untyped;
      expect((await query.subtensorModule.subnetworkN(89)).toNumber()).toBe(17);
      const seed = await devnetSeed(parseDevnetFlags({ miners: 16 }));
      expect((await query.subtensorModule.keys(89, 0)).toString()).toBe(seed.validatorHotkey);
      const withCommitment = seed.neurons.filter((n) => n.commitment !== undefined).length;
      expect((await query.commitments.commitmentOf.entries(89)).length).toBe(withCommitment);
      expect(withCommitment).toBeGreaterThan(0);
      expect(withCommitment).toBeLessThan(17);
      // Only the validator holds a permit: a validator pointed at this node has 16 miners to score.
      const permits = (await query.subtensorModule.validatorPermit(89)).toJSON() as boolean[];
      expect(permits).toEqual([true, ...Array<boolean>(16).fill(false)]);
    } finally {
      await api.disconnect();
    }
    controller.abort();
    await running;
    expect(out.text()).toContain('subtensor devnet closed');
  });

  it('seeds from a scenario file and refuses a malformed one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'iv-devnet-'));
    const good = join(dir, 'good.json');
    await writeFile(
      good,
      JSON.stringify({
        netuid: 7,
        neurons: [
          { hotkey: fakeAddress(1), coldkey: fakeAddress(2), stake: '5000000000', commitment: 'a:b' },
          { hotkey: fakeAddress(3), coldkey: fakeAddress(2), stake: 0, validatorPermit: false },
        ],
        hyperparameters: { tempo: 12, weightsVersionKey: '3' },
      }),
    );
    const seed = await devnetSeed(parseDevnetFlags({ scenario: good }));
    expect(seed.netuid).toBe(7);
    expect(seed.neurons[0]!.stake).toBe(5_000_000_000n);
    expect(seed.hyperparameters).toEqual({ tempo: 12, weightsVersionKey: 3n });
    const bad = join(dir, 'bad.json');
    await writeFile(bad, JSON.stringify({ neurons: [{ hotkey: 'x', stake: -1 }] }));
    await expect(devnetSeed(parseDevnetFlags({ scenario: bad }))).rejects.toThrow(/--scenario .*bad\.json/);
    await expect(devnetSeed(parseDevnetFlags({ scenario: join(dir, 'missing.json') }))).rejects.toThrow(/ENOENT/);
  });
});
