import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';

describe('miner toolkit configuration keys', () => {
  it('defaults: report off, GitHub API, no R2 endpoint override', () => {
    const config = loadConfig({ env: {} });
    expect(config.miner_report.enabled).toBe(false);
    expect(config.github.api_url).toBe('https://api.github.com');
    expect(config.r2.endpoint).toBeUndefined();
  });

  it('flags and environment set them, with the usual spellings', () => {
    const config = loadConfig({ env: { INFINITEVIBE_GITHUB__API_URL: 'http://127.0.0.1:9999' }, flags: { 'miner-report-enabled': 'true', 'r2.endpoint': 'http://127.0.0.1:9000' } });
    expect(config.miner_report.enabled).toBe(true);
    expect(config.github.api_url).toBe('http://127.0.0.1:9999');
    expect(config.r2.endpoint).toBe('http://127.0.0.1:9000');
  });

  it('bad values name the flag', () => {
    expect(() => loadConfig({ env: {}, flags: { 'github.api_url': 'ftp://x' } })).toThrow(/--github.api_url: invalid value "ftp:\/\/x"; expected .*http/);
    expect(() => loadConfig({ env: {}, flags: { 'miner_report.enabled': 'maybe' } })).toThrow(/--miner_report.enabled/);
  });
});
