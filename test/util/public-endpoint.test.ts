import { describe, expect, it } from 'vitest';
import { publicEndpoint } from '../../src/util/public-endpoint.js';

/**
 * `GET /health` listens on every interface by default and names the chain endpoint. RPC
 * providers put API keys in the URL (userinfo, a path segment, the query), so the public form
 * keeps the scheme, host and port only.
 */
describe('publicEndpoint', () => {
  it.each([
    ['wss://entrypoint-finney.opentensor.ai:443', 'wss://entrypoint-finney.opentensor.ai:443'],
    ['ws://127.0.0.1:9944', 'ws://127.0.0.1:9944'],
    ['wss://node.example/', 'wss://node.example'],
    ['wss://user:s3cret@node.example', 'wss://node.example/…'],
    ['wss://node.example/ws?apikey=s3cret', 'wss://node.example/…'],
    ['wss://node.example/v2/s3cret', 'wss://node.example/…'],
    ['wss://node.example#s3cret', 'wss://node.example/…'],
    ['ws://[::1]:9944/x', 'ws://[::1]:9944/…'],
  ])('%s is shown as %s', (endpoint, shown) => {
    expect(publicEndpoint(endpoint)).toBe(shown);
    expect(publicEndpoint(endpoint)).not.toContain('s3cret');
  });

  it('something that is not a URL is not shown at all', () => {
    expect(publicEndpoint('not a url s3cret')).toBe('[invalid endpoint]');
  });
});
