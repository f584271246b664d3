import { homedir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { cli } from '../helpers/cli.js';

describe("the Bittensor SDK's environment variables", () => {
  it('BT_WALLET_* and BT_SUBTENSOR_* set the wallet and the chain, below flags', () => {
    const env = {
      BT_WALLET_NAME: 'cold',
      BT_WALLET_HOTKEY: 'hot',
      BT_WALLET_PATH: '/srv/wallets',
      BT_SUBTENSOR_NETWORK: 'test',
      BT_SUBTENSOR_CHAIN_ENDPOINT: 'ws://10.0.0.5:9944',
    };
    const c = loadConfig({ env });
    expect(c.wallet).toEqual({ name: 'cold', hotkey: 'hot', path: '/srv/wallets' });
    expect(c.subtensor.network).toBe('test');
    expect(c.subtensor.chain_endpoint).toBe('ws://10.0.0.5:9944');
    expect(loadConfig({ env, flags: { 'wallet.hotkey': 'other' } }).wallet.hotkey).toBe('other');
    expect(loadConfig({ env: { BT_SUBTENSOR_NETWORK: 'ws://10.0.0.6:9944' } }).subtensor.chain_endpoint).toBe('ws://10.0.0.6:9944');
  });

  it("BT_LOGGING_RECORD_LOG and BT_LOGGING_LOGGING_DIR, with the SDK's defaults (off, ~/.bittensor/miners)", () => {
    const defaults = loadConfig({ env: {} }).logging;
    expect(defaults).toMatchObject({ record_log: false, logging_dir: join(homedir(), '.bittensor', 'miners') });
    const c = loadConfig({ env: { BT_LOGGING_RECORD_LOG: '1', BT_LOGGING_LOGGING_DIR: '/var/log/iv' } }).logging;
    expect(c).toMatchObject({ record_log: true, logging_dir: '/var/log/iv' });
    expect(loadConfig({ env: { BT_LOGGING_LOGGING_DIR: '~/logs' } }).logging.logging_dir).toBe(join(homedir(), 'logs'));
    // The SDK's flags, spelled its ways; the switch needs no value.
    const flags = loadConfig({ env: {}, flags: { 'logging.record_log': true, 'logging-logging-dir': '/srv/l' } }).logging;
    expect(flags).toMatchObject({ record_log: true, logging_dir: '/srv/l' });
    expect(() => loadConfig({ env: { BT_LOGGING_RECORD_LOG: 'sure' } })).toThrow(/environment variable BT_LOGGING_RECORD_LOG: invalid value "sure"; expected true or false/);
  });

  it('BT_LOGGING_DEBUG, BT_LOGGING_TRACE and BT_LOGGING_INFO set logging.level as the SDK ranks them; flags and INFINITEVIBE_ win', () => {
    const level = (env: NodeJS.ProcessEnv, flags: Record<string, unknown> = {}) => loadConfig({ env, flags }).logging.level;
    expect(level({ BT_LOGGING_DEBUG: '1' })).toBe('debug');
    expect(level({ BT_LOGGING_TRACE: 'true' })).toBe('trace');
    expect(level({ BT_LOGGING_INFO: 'on' })).toBe('info');
    // Several on: trace over debug over info, as the SDK's initial state picks them.
    expect(level({ BT_LOGGING_INFO: '1', BT_LOGGING_DEBUG: '1', BT_LOGGING_TRACE: '1' })).toBe('trace');
    expect(level({ BT_LOGGING_INFO: '1', BT_LOGGING_DEBUG: '1' })).toBe('debug');
    // Empty is unset (the SDK's bool('') is False); an explicit off is off.
    expect(level({ BT_LOGGING_DEBUG: '' })).toBe('info');
    expect(level({ BT_LOGGING_DEBUG: '0' })).toBe('info');
    // A flag is a later layer than the environment.
    expect(level({ BT_LOGGING_DEBUG: '1' }, { 'logging.level': 'warn' })).toBe('warn');
    expect(level({ BT_LOGGING_TRACE: '1' }, { 'logging.info': true })).toBe('info');
    // An INFINITEVIBE_ variable for the level wins over the SDK's switches, as over any alias (compose always sets one).
    expect(level({ BT_LOGGING_DEBUG: '1', INFINITEVIBE_LOGGING__LEVEL: 'warn' })).toBe('warn');
    expect(() => loadConfig({ env: { BT_LOGGING_DEBUG: 'loud' } })).toThrow(/environment variable BT_LOGGING_DEBUG: invalid value "loud"; expected a switch/);
  });

  it('an INFINITEVIBE_ variable wins over an alias of the same key, in either order', () => {
    const a = { BT_WALLET_NAME: 'bt', INFINITEVIBE_WALLET__NAME: 'ours' };
    const b = { INFINITEVIBE_WALLET__NAME: 'ours', BT_WALLET_NAME: 'bt' };
    expect(loadConfig({ env: a }).wallet.name).toBe('ours');
    expect(loadConfig({ env: b }).wallet.name).toBe('ours');
    expect(loadConfig({ env: { INFINITEVIBE_MONGODB__URI: 'mongodb://ours', MONGODB_URI: 'mongodb://alias' } }).mongodb.uri).toBe('mongodb://ours');
  });

  it('a bad value names the variable', () => {
    expect(() => loadConfig({ env: { BT_WALLET_HOTKEY: '../x' } })).toThrow(/environment variable BT_WALLET_HOTKEY: invalid value "..\/x"/);
  });

  it('validate --help names them next to their keys', async () => {
    const { stdout } = await cli(['validate', '--help']);
    expect(stdout).toMatch(/--wallet\.name VALUE\s+default: default; env BT_WALLET_NAME/);
    expect(stdout).toMatch(/--subtensor\.chain_endpoint VALUE\s+\(no default\); env BT_SUBTENSOR_CHAIN_ENDPOINT/);
    expect(stdout).toMatch(/--logging\.record_log\s+default: false; env BT_LOGGING_RECORD_LOG/);
    expect(stdout).toMatch(/--logging\.logging_dir VALUE\s+default: ~\/\.bittensor\/miners; env BT_LOGGING_LOGGING_DIR/);
    expect(stdout).toMatch(/--logging\.debug\s+same as --logging\.level debug; env BT_LOGGING_DEBUG/);
    expect(stdout).toMatch(/--logging\.trace\s+same as --logging\.level trace; env BT_LOGGING_TRACE/);
    expect(stdout).toMatch(/--logging\.info\s+same as --logging\.level info; env BT_LOGGING_INFO/);
  });
});
