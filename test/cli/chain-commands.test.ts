import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { SubtensorDevnet } from '../../src/devnet/subtensor/subtensor-devnet.js';
import { writeHotkeyFile } from '../../src/wallet/index.js';
import { cli } from '../helpers/cli.js';

await cryptoWaitReady();
const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
const NETUID = 89;

describe('chain inspection commands against the stand-in node', () => {
  let devnet: SubtensorDevnet;
  let walletDir: string;
  let validatorAddress: string;
  let minerAddress: string;
  let flags: string[];

  beforeAll(async () => {
    walletDir = await mkdtemp(join(tmpdir(), 'iv-cli-wallet-'));
    validatorAddress = (await writeHotkeyFile({ path: walletDir, name: 'validator', hotkey: 'default' }))
      .ss58Address;
    minerAddress = (await writeHotkeyFile({ path: walletDir, name: 'miner', hotkey: 'default' })).ss58Address;
    const coldkey = keyring.addFromUri('//Alice').address;
    devnet = await SubtensorDevnet.start({
      port: 0,
      blockTimeMs: 150,
      netuid: NETUID,
      neurons: [
        { hotkey: validatorAddress, coldkey, stake: 2_500_000_000n },
        { hotkey: minerAddress, coldkey, stake: 1_000_000_000n, validatorPermit: false },
        { hotkey: keyring.addFromUri('//m2').address, coldkey, stake: 0n, commitment: 'octocat:1234abcd' },
        { hotkey: keyring.addFromUri('//m3').address, coldkey, stake: 0n, commitment: 'not a commitment' },
      ],
    });
    devnet.state.setWeights(NETUID, 0, [
      [1, 65_535],
      [2, 21_845],
    ]);
    // The weights reach storage with the next block.
    const seeded = devnet.bestNumber;
    await vi.waitFor(() => expect(devnet.bestNumber).toBeGreaterThan(seeded), { timeout: 10_000, interval: 10 });
    flags = [
      '--subtensor.chain_endpoint',
      devnet.url,
      '--netuid',
      String(NETUID),
      '--wallet.path',
      walletDir,
    ];
  }, 60_000);
  afterAll(async () => {
    await devnet?.close();
    await rm(walletDir, { recursive: true, force: true });
  });

  it('metagraph --json lists every uid with stake as a string of rao', async () => {
    const { code, out, err } = await cli(['metagraph', '--json', ...flags]);
    expect(err).toBe('');
    expect(code).toBe(0);
    const json = JSON.parse(out) as { netuid: number; neurons: Array<Record<string, unknown>> };
    expect(json.netuid).toBe(NETUID);
    expect(json.neurons).toHaveLength(4);
    expect(json.neurons[0]).toMatchObject({
      uid: 0,
      hotkey: validatorAddress,
      stake: '2500000000',
      validatorPermit: true,
    });
    expect(json.neurons[1]).toMatchObject({ uid: 1, hotkey: minerAddress, validatorPermit: false });
    // The consensus columns the stand-in stores (zeros until an epoch runs), as btcli shows them.
    for (const n of json.neurons) {
      expect(n).toMatchObject({ trust: 0, consensus: 0, incentive: 0, dividends: 0, emission: '0' });
    }
  });

  it('metagraph prints a table', async () => {
    const { code, out } = await cli(['metagraph', ...flags]);
    expect(code).toBe(0);
    expect(out).toMatch(/uid\s+hotkey\s+coldkey\s+stake \(alpha\)\s+trust\s+consensus\s+incentive\s+dividends\s+emission\s+permit\s+active\s+last update/);
    expect(out).toMatch(/0\.00000\s+0\.00000\s+0\.00000\s+0\.00000\s+0\.000000000\s+yes/);
    expect(out).toContain('2.500000000');
    expect(out).toContain(validatorAddress);
  });

  it('commitments --json shows the parsed commitment and why a bad one is refused', async () => {
    const { code, out } = await cli(['commitments', '--json', ...flags]);
    expect(code).toBe(0);
    const json = JSON.parse(out) as { commitments: Array<Record<string, unknown>> };
    expect(json.commitments).toEqual([
      expect.objectContaining({
        uid: 2,
        value: 'octocat:1234abcd',
        parsed: { githubUser: 'octocat', gistId: '1234abcd' },
        error: null,
      }),
      expect.objectContaining({ uid: 3, value: 'not a commitment', parsed: null, error: expect.any(String) }),
    ]);
  });

  it('commitments prints a table with each status', async () => {
    const { code, out } = await cli(['commitments', ...flags]);
    expect(code).toBe(0);
    const lines = out.split('\n');
    expect(lines[0]).toBe(`netuid ${NETUID}: 2 commitments`);
    expect(lines.find((l) => l.includes('"octocat:1234abcd"'))).toMatch(/^\s*2\s.*\sok\s*$/);
    const bad = JSON.parse((await cli(['commitments', '--json', ...flags])).out).commitments[1] as { error: string };
    expect(lines.find((l) => l.includes('"not a commitment"'))).toContain(bad.error);
  });

  it("weights --json reads the wallet hotkey's uid, or --uid", async () => {
    const mine = await cli(['weights', '--json', ...flags, '--wallet.name', 'validator']);
    expect(mine.err).toBe('');
    const json = JSON.parse(mine.out) as {
      uid: number;
      hotkey: string;
      weights: Array<{ uid: number; value: number; share: number }>;
    };
    expect(json.uid).toBe(0);
    expect(json.hotkey).toBe(validatorAddress);
    expect(json.weights.map((w) => [w.uid, w.value])).toEqual([
      [1, 65_535],
      [2, 21_845],
    ]);
    expect(json.weights[0]?.share).toBeCloseTo(0.75, 4);
    const other = await cli(['weights', '--json', ...flags, '--uid', '1']);
    expect(JSON.parse(other.out)).toMatchObject({ uid: 1, hotkey: minerAddress, weights: [] });
  });

  it('weights names the problem when the wallet is missing or the uid is bad', async () => {
    const missing = await cli(['weights', ...flags, '--wallet.name', 'nobody']);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/ERR_WALLET_NOT_FOUND/);
    const bad = await cli(['weights', ...flags, '--uid', 'x']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--uid must be an integer/);
  });

  it('commit --gist validates, signs with the wallet hotkey and the value reads back', async () => {
    const refused = await cli(['commit', '--gist', 'bad user:zz', ...flags, '--wallet.name', 'miner']);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/ERR_FORMAT_/);
    const missing = await cli(['commit', ...flags, '--wallet.name', 'miner']);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/--gist/);
    const done = await cli([
      'commit',
      '--json',
      '--gist',
      ' torvalds:aa5a315d61ae9438b18d ',
      ...flags,
      '--wallet.name',
      'miner',
    ]);
    expect(done.err).toBe('');
    expect(done.code).toBe(0);
    expect(JSON.parse(done.out)).toMatchObject({
      hotkey: minerAddress,
      value: 'torvalds:aa5a315d61ae9438b18d',
    });
    await vi.waitFor(
      async () => {
        const read = JSON.parse((await cli(['commitments', '--json', ...flags])).out) as {
          commitments: Array<Record<string, unknown>>;
        };
        expect(read.commitments).toContainEqual(
          expect.objectContaining({ uid: 1, value: 'torvalds:aa5a315d61ae9438b18d' }),
        );
      },
      { timeout: 10_000, interval: 100 },
    );
    // The same commitment again (a gist updated in place keeps its id) sends nothing.
    const again = await cli(['commit', '--gist', 'https://gist.github.com/torvalds/aa5a315d61ae9438b18d', ...flags, '--wallet.name', 'miner']);
    expect(again.code).toBe(0);
    expect(again.out).toMatch(new RegExp(`^"torvalds:aa5a315d61ae9438b18d" is already committed for ${minerAddress} on netuid ${NETUID} \\(block \\d+\\); nothing sent\n$`));
  });

  it('commit with a hotkey that is not registered says so and how to register; nothing is committed', async () => {
    const stranger = (await writeHotkeyFile({ path: walletDir, name: 'stranger', hotkey: 'default' })).ss58Address;
    const { code, err } = await cli(['commit', '--gist', 'octocat:abcd1234', ...flags, '--wallet.name', 'stranger']);
    expect(code).toBe(1);
    expect(err).toContain(`ERR_HOTKEY_NOT_REGISTERED: hotkey ${stranger} is not registered on netuid ${NETUID}; register it (btcli subnet register --netuid ${NETUID})`);
    expect(err).not.toContain('AccountNotAllowedCommit');
    const read = JSON.parse((await cli(['commitments', '--json', ...flags])).out) as { commitments: Array<Record<string, unknown>> };
    expect(read.commitments.map((c) => c['value'])).not.toContain('octocat:abcd1234');
  });

  it('the embedded network has no endpoint of its own: a configuration error naming the flag', async () => {
    const { code, err } = await cli(['metagraph', '--subtensor.network', 'embedded']);
    expect(code).toBe(2);
    expect(err).toMatch(/--subtensor.chain_endpoint/);
  });

  it('an endpoint with nothing listening fails cleanly', async () => {
    const { code, err } = await cli([
      'metagraph',
      '--subtensor.chain_endpoint',
      'ws://127.0.0.1:9',
      '--subtensor.connect_timeout_ms',
      '2000',
    ]);
    expect(code).toBe(1);
    expect(err).toMatch(/ERR_CHAIN_(DISCONNECTED|TIMEOUT)/);
  });
  it('--json output names the node by scheme, host and port only: a key in its path or query stays out', async () => {
    const keyed = ['--subtensor.chain_endpoint', `${devnet.url}/rpc/SECRETKEY?apikey=SECRETKEY`, '--netuid', String(NETUID), '--wallet.path', walletDir];
    for (const argv of [['metagraph', '--json'], ['commitments', '--json'], ['weights', '--json', '--wallet.name', 'validator'], ['weights', '--compare', '--json', '--wallet.name', 'validator']]) {
      const { code, out, err } = await cli([...argv, ...keyed]);
      expect(err).toBe('');
      expect(code).toBe(0);
      expect(out).not.toContain('SECRETKEY');
      expect((JSON.parse(out) as { endpoint: string }).endpoint).toBe(`${devnet.url}/…`);
    }
  });
});
