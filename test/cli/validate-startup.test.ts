import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Keyring } from '@polkadot/keyring';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { initCrypto } from '../../src/crypto/index.js';
import { buildScenario } from '../../src/devnet/scenario.js';
import { SubtensorDevnet } from '../../src/devnet/subtensor/index.js';
import { createLogger } from '../../src/log.js';
import { ValidatorMetrics } from '../../src/metrics/validator-metrics.js';
import { EMBEDDED_HYPERPARAMETERS, scenarioNeurons } from '../../src/runtime/embedded-network.js';
import { startValidator } from '../../src/runtime/validator-app.js';
import { writeHotkeyFile } from '../../src/wallet/index.js';
import { cli } from '../helpers/cli.js';

describe('validate: registration and permit at start-up', () => {
  let dir: string;
  let devnet: SubtensorDevnet;
  let noPermitUri: string;
  beforeAll(async () => {
    await initCrypto();
    dir = await mkdtemp(join(tmpdir(), 'iv-startup-'));
    const scenario = await buildScenario({ miners: 4 });
    noPermitUri = '//InfiniteVibe/no-permit';
    const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
    const noPermit = keyring.addFromUri(noPermitUri);
    devnet = await SubtensorDevnet.start({
      port: 0,
      blockTimeMs: 200,
      netuid: scenario.netuid,
      neurons: [
        ...scenarioNeurons(scenario),
        { hotkey: noPermit.address, coldkey: keyring.addFromUri('//InfiniteVibe/no-permit-cold').address, stake: 10n ** 9n, validatorPermit: false },
      ],
      hyperparameters: EMBEDDED_HYPERPARAMETERS,
    });
  }, 60_000);
  afterAll(async () => {
    await devnet?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('an unregistered hotkey exits 1 at start-up with ERR_HOTKEY_NOT_REGISTERED, naming the hotkey and the netuid', async () => {
    const written = await writeHotkeyFile({ path: dir, name: 'stranger', hotkey: 'default' });
    const run = await cli([
      'validate',
      '--once',
      '--subtensor.chain_endpoint',
      devnet.url,
      '--subtensor.network',
      'local',
      '--mongodb.spool_dir',
      'off',
      '--services',
      'embedded',
      '--miners',
      '4',
      '--wallet.path',
      dir,
      '--wallet.name',
      'stranger',
      '--logging.level',
      'silent',
      '--metrics.host',
      '127.0.0.1',
      '--metrics.port',
      '0',
    ]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('ERR_HOTKEY_NOT_REGISTERED');
    expect(run.stderr).toContain(`hotkey ${written.ss58Address} is not registered on netuid 89`);
  }, 120_000);

  it('a --netuid with no subnet on the chain exits 1 with ERR_CHAIN_NO_SUBNET, not a registration hint', async () => {
    await writeHotkeyFile({ path: dir, name: 'elsewhere', hotkey: 'default' });
    const run = await cli([
      'validate',
      '--netuid',
      '7',
      '--subtensor.network',
      devnet.url,
      '--mongodb.spool_dir',
      'off',
      '--services',
      'embedded',
      '--miners',
      '4',
      '--wallet.path',
      dir,
      '--wallet.name',
      'elsewhere',
      '--logging.level',
      'silent',
      '--metrics.host',
      '127.0.0.1',
      '--metrics.port',
      '0',
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('ERR_CHAIN_NO_SUBNET: subnet 7 does not exist on');
    expect(run.stderr).not.toContain('btcli subnet register');
  }, 120_000);

  it('a registered hotkey without a validator permit starts with a loud warning and the permit gauge at 0', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _e, done) {
        lines.push(...chunk.toString().split('\n').filter(Boolean));
        done();
      },
    });
    const metrics = new ValidatorMetrics();
    const config = loadConfig({
      env: {},
      flags: { 'subtensor.network': 'local', 'mongodb.spool_dir': 'off', 'subtensor.chain_endpoint': devnet.url, services: 'embedded', 'logging.level': 'warn' },
    });
    const signer = new Keyring({ type: 'sr25519', ss58Format: 42 }).addFromUri(noPermitUri);
    const app = await startValidator(config, { logger: createLogger({ level: 'warn' }, sink), metrics, signer, miners: 4, metricsServer: false });
    try {
      const warning = lines.map((l) => JSON.parse(l) as { level: number; msg: string }).find((e) => /NO VALIDATOR PERMIT/.test(e.msg));
      expect(warning?.level).toBe(40);
      expect(warning?.msg).toMatch(/uid 5 on netuid 89/);
      const exposed = await metrics.expose();
      expect(exposed).toMatch(/^infinitevibe_validator_permit 0$/m);
    } finally {
      await app.stop();
    }
  }, 120_000);
});
