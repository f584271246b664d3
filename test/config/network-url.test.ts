import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { networkLabel } from '../../src/config/network-label.js';

const noEnv = {};

// The Bittensor SDK's names and endpoints (bittensor/core/settings.py; subvortex from 9.x).
const SDK_NETWORKS = [
  ['archive', 'wss://archive.chain.opentensor.ai:443'],
  ['latent-lite', 'wss://lite.sub.latent.to:443'],
  ['subvortex', 'ws://subvortex.info:9944'],
] as const;

describe('loadConfig: the Bittensor SDK network names', () => {
  it.each(SDK_NETWORKS)('%s resolves to the SDK endpoint %s, from a flag or BT_SUBTENSOR_NETWORK', (name, url) => {
    const fromFlag = loadConfig({ env: noEnv, flags: { 'subtensor.network': name } });
    expect(fromFlag.subtensor.network).toBe(name);
    expect(fromFlag.subtensor.chain_endpoint).toBe(url);
    expect(networkLabel(fromFlag.subtensor)).toBe(name);
    const fromEnv = loadConfig({ env: { BT_SUBTENSOR_NETWORK: name } });
    expect(fromEnv.subtensor.chain_endpoint).toBe(url);
  });

  it.each(SDK_NETWORKS)('the URL of %s maps back to its name, as the SDK does', (name, url) => {
    const c = loadConfig({ env: noEnv, flags: { 'subtensor.network': url } });
    expect(c.subtensor.network).toBe(name);
    expect(c.subtensor.chain_endpoint).toBe(url);
  });

  it("keeps mainnet nodes' spool with finney's, so switching node replays what was held", () => {
    const finney = loadConfig({ env: noEnv, flags: {} }).mongodb.spool_dir;
    expect(finney).toMatch(/finney-89/);
    for (const [name] of SDK_NETWORKS) {
      expect(loadConfig({ env: noEnv, flags: { 'subtensor.network': name } }).mongodb.spool_dir).toBe(finney);
    }
    expect(loadConfig({ env: noEnv, flags: { 'subtensor.network': 'test' } }).mongodb.spool_dir).toMatch(/test-89/);
  });

  it('a chain endpoint given beside a name is the node used, labelled custom', () => {
    const c = loadConfig({ env: noEnv, flags: { 'subtensor.network': 'archive', 'subtensor.chain_endpoint': 'wss://my-archive:443' } });
    expect(c.subtensor.chain_endpoint).toBe('wss://my-archive:443');
    expect(networkLabel(c.subtensor)).toBe('custom');
  });
});

describe('loadConfig: --subtensor.network as a URL (Bittensor SDK form)', () => {
  it('takes a ws:// URL as the chain endpoint, labelled custom', () => {
    const c = loadConfig({ env: noEnv, flags: { 'subtensor.network': 'ws://10.0.0.5:9944' } });
    expect(c.subtensor.chain_endpoint).toBe('ws://10.0.0.5:9944');
    expect(networkLabel(c.subtensor)).toBe('custom');
  });

  it("maps a named network's own endpoint back to its name", () => {
    const local = loadConfig({ env: noEnv, flags: { 'subtensor.network': 'ws://127.0.0.1:9944' } });
    expect(local.subtensor.network).toBe('local');
    const finney = loadConfig({ env: { INFINITEVIBE_SUBTENSOR__NETWORK: 'wss://entrypoint-finney.opentensor.ai:443' } });
    expect(finney.subtensor.network).toBe('finney');
    expect(networkLabel(finney.subtensor)).toBe('finney');
    const test = loadConfig({ env: noEnv, flags: { 'subtensor-network': 'wss://test.finney.opentensor.ai' } });
    expect(test.subtensor.network).toBe('test');
    expect(test.mongodb.spool_dir).toMatch(/test-89/);
  });

  it('accepts the same URL as --subtensor.chain_endpoint and refuses another one', () => {
    const same = loadConfig({ env: noEnv, flags: { 'subtensor.network': 'ws://h:9944', 'subtensor.chain_endpoint': 'ws://h:9944/' } });
    expect(same.subtensor.chain_endpoint).toBe('ws://h:9944');
    expect(() => loadConfig({ env: noEnv, flags: { 'subtensor.network': 'ws://a:9944', 'subtensor.chain_endpoint': 'ws://b:9944' } })).toThrow(
      /--subtensor\.network is a URL and --subtensor\.chain_endpoint is another one/,
    );
  });

  it('still refuses other values, naming every network and the URL form', () => {
    for (const name of ['mainnet', 'rao', 'dev', 'Finney', 'latent_lite']) {
      expect(() => loadConfig({ env: noEnv, flags: { 'subtensor.network': name } })).toThrow(
        new RegExp(
          `--subtensor\\.network: invalid value "${name}"; expected one of finney, test, local, embedded, archive, latent-lite, subvortex, or a ws:\\/\\/ or wss:\\/\\/ URL`,
        ),
      );
    }
    expect(() => loadConfig({ env: noEnv, flags: { 'subtensor.network': 'ws://u:p@h:9944' } })).toThrow(/without user:password@/);
  });
});
