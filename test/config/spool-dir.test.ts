import { homedir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';

/**
 * --mongodb.spool_dir is on by default: writes still held at a shutdown during a store outage go
 * to a per-network state directory under the user's home unless the operator says otherwise.
 * Before, the spool was off unless the flag was set, so by default they were lost.
 */
describe('config: --mongodb.spool_dir', () => {
  it('defaults to ~/.infinitevibe/<network>-<netuid>/spool', () => {
    expect(loadConfig({ env: {}, flags: {} }).mongodb.spool_dir).toBe(join(homedir(), '.infinitevibe', 'finney-89', 'spool'));
    expect(loadConfig({ env: {}, flags: { 'subtensor.network': 'test', netuid: 7 } }).mongodb.spool_dir).toBe(join(homedir(), '.infinitevibe', 'test-7', 'spool'));
  });

  it('is off by default on the embedded network, whose chain and store end with the process', () => {
    expect(loadConfig({ env: {}, flags: { 'subtensor.network': 'embedded' } }).mongodb.spool_dir).toBeUndefined();
  });

  it('takes a directory (with ~ expanded) on any network, the embedded one included', () => {
    expect(loadConfig({ env: {}, flags: { 'mongodb.spool_dir': '/var/lib/iv/spool' } }).mongodb.spool_dir).toBe('/var/lib/iv/spool');
    expect(loadConfig({ env: {}, flags: { 'mongodb.spool_dir': '~/spool' } }).mongodb.spool_dir).toBe(join(homedir(), 'spool'));
    expect(loadConfig({ env: {}, flags: { 'subtensor.network': 'embedded', 'mongodb.spool_dir': '/tmp/s' } }).mongodb.spool_dir).toBe('/tmp/s');
  });

  it('is turned off with `off`, from a flag or the environment', () => {
    expect(loadConfig({ env: {}, flags: { 'mongodb.spool_dir': 'off' } }).mongodb.spool_dir).toBeUndefined();
    expect(loadConfig({ env: { INFINITEVIBE_MONGODB__SPOOL_DIR: 'off' }, flags: {} }).mongodb.spool_dir).toBeUndefined();
  });

  it('refuses an empty value rather than guess between off and the default', () => {
    expect(() => loadConfig({ env: {}, flags: { 'mongodb.spool_dir': '' } })).toThrow(/--mongodb.spool_dir/);
  });
});
