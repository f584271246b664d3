import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { networkLabel } from '../../src/config/network-label.js';

const noEnv = {};

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

  it('still refuses other values, naming the URL form', () => {
    expect(() => loadConfig({ env: noEnv, flags: { 'subtensor.network': 'mainnet' } })).toThrow(
      /--subtensor\.network: invalid value "mainnet"; expected one of finney, test, local, embedded, or a ws:\/\/ or wss:\/\/ URL/,
    );
    expect(() => loadConfig({ env: noEnv, flags: { 'subtensor.network': 'ws://u:p@h:9944' } })).toThrow(/without user:password@/);
  });
});
