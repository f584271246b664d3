import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { SubtensorDevnet } from '../../src/devnet/subtensor/subtensor-devnet.js';
import { cli } from '../helpers/cli.js';

await cryptoWaitReady();
const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
const NETUID = 89;
const HOSTILE = 'octo\u202ecat:abc\u2028\u001b[2J\u0085';

describe('commitments table', () => {
  let devnet: SubtensorDevnet;
  beforeAll(async () => {
    const coldkey = keyring.addFromUri('//Alice').address;
    devnet = await SubtensorDevnet.start({
      port: 0,
      blockTimeMs: 150,
      netuid: NETUID,
      neurons: [
        { hotkey: keyring.addFromUri('//v').address, coldkey, stake: 1_000_000_000n },
        { hotkey: keyring.addFromUri('//m').address, coldkey, stake: 0n, commitment: HOSTILE },
      ],
    });
  }, 60_000);
  afterAll(() => devnet?.close());

  it('prints a miner commitment with bidi, separator and control characters escaped', async () => {
    const flags = ['--subtensor.chain_endpoint', devnet.url, '--netuid', String(NETUID)];
    const json = JSON.parse((await cli(['commitments', '--json', ...flags])).out) as {
      commitments: Array<{ value: string | null }>;
    };
    // The stored value is the miner's exact string; only the table escapes it.
    expect(json.commitments.map((c) => c.value)).toContain(HOSTILE);
    const { code, out } = await cli(['commitments', ...flags]);
    expect(code).toBe(0);
    for (const c of ['\u202e', '\u2028', '\u001b', '\u0085']) expect(out).not.toContain(c);
    expect(out).toContain('"octo\\u202ecat:abc\\u2028\\u001b[2J\\u0085"');
  });
});
