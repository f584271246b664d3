import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Keyring } from '@polkadot/keyring';
import type { KeyringPair } from '@polkadot/keyring/types';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { filter, firstValueFrom, timeout } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SubtensorClient } from '../../src/chain/subtensor-client.js';
import { SubtensorDevnet } from '../../src/devnet/subtensor/subtensor-devnet.js';
import { loadHotkey, writeHotkeyFile } from '../../src/wallet/index.js';
import { cli } from '../helpers/cli.js';

await cryptoWaitReady();
const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
const NETUID = 89;
const TAO = 1_000_000_000n;

interface CompareJson {
  self: { uid: number | null; hotkey: string | null; source: string };
  agreement: number;
  vtrust: number;
  top_k: { k: number; overlap: number; ours: number[]; consensus: number[] };
  validators: Array<{ uid: number; hotkey: string; stake: string; stake_share: number; active: boolean; agreement: number }>;
  uids: Array<{ uid: number; ours: number; consensus: number; consensus_raw: number; validators: Record<string, number> }>;
}

/**
 * Ours (uid 0, 20 % of the stake) {4: ½, 5: ½}; v1 (30 %) {4: 1}; v2 (50 %) {5: ½, 6: ½}.
 * uid 4: v1 (1) 30 %, ours (½) 50 % → ½. uid 5: ours and v2 (½) 70 % → ½. uid 6: v2 (½) 50 % → ½.
 * Consensus ⅓ each. Ours: ⅓ + ⅓ = ⅔; v1: ⅓; v2: ⅔. Yuma's vtrust for ours: ½ + ½ = 1.
 */
describe('weights --compare against the stand-in node', () => {
  let devnet: SubtensorDevnet;
  let client: SubtensorClient;
  let walletDir: string;
  let ours: KeyringPair;
  let flags: string[];
  const others = [keyring.addFromUri('//Compare/validator/1'), keyring.addFromUri('//Compare/validator/2')];

  beforeAll(async () => {
    walletDir = await mkdtemp(join(tmpdir(), 'iv-compare-wallet-'));
    await writeHotkeyFile({ path: walletDir, name: 'validator', hotkey: 'default' });
    ours = await loadHotkey({ path: walletDir, name: 'validator', hotkey: 'default' });
    const coldkey = keyring.addFromUri('//Compare/owner').address;
    devnet = await SubtensorDevnet.start({
      port: 0,
      blockTimeMs: 100,
      netuid: NETUID,
      hyperparameters: { weightsSetRateLimit: 0 },
      neurons: [
        { hotkey: ours.address, coldkey, stake: 200n * TAO },
        { hotkey: others[0]!.address, coldkey, stake: 300n * TAO },
        { hotkey: others[1]!.address, coldkey, stake: 500n * TAO },
        ...[4, 5, 6, 7].map((i) => ({ hotkey: keyring.addFromUri(`//Compare/miner/${i}`).address, coldkey, stake: TAO, validatorPermit: false })),
      ],
    });
    client = await SubtensorClient.connect({ endpoint: devnet.url, connectTimeoutMs: 10_000, inclusionTimeoutMs: 10_000 });
    const set = async (signer: KeyringPair, uids: number[], values: number[]) => {
      const outcome = await client.setWeights(NETUID, { uids, values, versionKey: 0n }, signer);
      await firstValueFrom(client.finalizedBlocks$.pipe(filter((b) => b.number >= outcome.block), timeout(10_000)));
    };
    await Promise.all([set(ours, [4, 5], [1, 1]), set(others[0]!, [4], [1]), set(others[1]!, [5, 6], [1, 1])]);
    flags = ['--subtensor.chain_endpoint', devnet.url, '--netuid', String(NETUID), '--wallet.path', walletDir, '--wallet.name', 'validator'];
  }, 60_000);
  afterAll(async () => {
    await client?.close();
    await devnet?.close();
    await rm(walletDir, { recursive: true, force: true });
  });

  it('--json: ours, the consensus and every validator per uid, with stake and agreement', async () => {
    const { code, out, err } = await cli(['weights', '--compare', '--json', ...flags]);
    expect(err).toBe('');
    expect(code).toBe(0);
    const json = JSON.parse(out) as CompareJson;
    expect(json.self).toEqual({ uid: 0, hotkey: ours.address, source: 'chain' });
    expect(json.agreement).toBeCloseTo(2 / 3, 9);
    expect(json.vtrust).toBeCloseTo(1, 9);
    expect(json.top_k).toMatchObject({ k: 5, ours: [4, 5], consensus: [4, 5, 6] });
    expect(json.top_k.overlap).toBeCloseTo(2 / 3, 9);
    expect(json.validators.map((v) => [v.uid, v.stake, v.active])).toEqual([
      [0, String(200n * TAO), true],
      [1, String(300n * TAO), true],
      [2, String(500n * TAO), true],
    ]);
    expect(json.validators.map((v) => v.stake_share)).toEqual([0.2, 0.3, 0.5]);
    expect(json.validators[1]!.agreement).toBeCloseTo(1 / 3, 9);
    expect(json.validators[2]!.agreement).toBeCloseTo(2 / 3, 9);
    expect(json.uids.map((u) => u.uid)).toEqual([4, 5, 6]);
    const uid6 = json.uids[2]!;
    expect(uid6.ours).toBe(0);
    expect(uid6.consensus).toBeCloseTo(1 / 3, 9);
    expect(uid6.consensus_raw).toBeCloseTo(0.5, 9);
    expect(uid6.validators).toEqual({ '0': 0, '1': 0, '2': 0.5 });
    expect(json.uids[0]!.validators).toEqual({ '0': 0.5, '1': 1, '2': 0 });
  });

  it('prints a table: validators with stake, then one row per uid with ours, consensus and each validator', async () => {
    const { code, out } = await cli(['weights', '--compare', ...flags]);
    expect(code).toBe(0);
    expect(out).toMatch(/3 validators with a permit; ours: uid 0/);
    expect(out).toMatch(/agreement 0\.6667 \(vtrust estimate 1\.0000\), top-5 overlap 0\.67/);
    expect(out).toMatch(/validator\s+hotkey\s+stake \(alpha\)\s+stake share\s+active\s+agreement/);
    expect(out).toMatch(/2\s+\S+\s+500\.000000000\s+50\.00%\s+yes\s+0\.6667/);
    expect(out).toMatch(/uid\s+ours\s+consensus\s+v0 \(20\.00%\)\s+v1 \(30\.00%\)\s+v2 \(50\.00%\)/);
    expect(out).toMatch(/\n\s*4\s+50\.00%\s+33\.33%\s+50\.00%\s+100\.00%\s+0\.00%\n/);
    expect(out).toMatch(/\n\s*6\s+0\.00%\s+33\.33%\s+0\.00%\s+0\.00%\s+50\.00%\n/);
  });

  it('--uid compares another validator; without --compare the plain listing is unchanged', async () => {
    const other = JSON.parse((await cli(['weights', '--compare', '--json', ...flags, '--uid', '1'])).out) as CompareJson;
    expect(other.self).toMatchObject({ uid: 1, hotkey: others[0]!.address, source: 'chain' });
    expect(other.agreement).toBeCloseTo(1 / 3, 9);
    const plain = await cli(['weights', '--json', ...flags]);
    expect(plain.code).toBe(0);
    expect(JSON.parse(plain.out)).toMatchObject({ uid: 0, weights: [{ uid: 4, value: 65_535 }, { uid: 5, value: 65_535 }] });
  });

  it('a hotkey that is not registered still sees the consensus, with no agreement of its own', async () => {
    await writeHotkeyFile({ path: walletDir, name: 'stranger', hotkey: 'default' });
    const { code, out } = await cli(['weights', '--compare', '--json', ...flags.slice(0, -2), '--wallet.name', 'stranger']);
    expect(code).toBe(0);
    const json = JSON.parse(out) as CompareJson;
    expect(json.self).toMatchObject({ uid: null, source: 'none' });
    expect(json.agreement).toBe(0);
    expect(json.uids.map((u) => u.uid)).toEqual([4, 5, 6]);
  });
});
