import { describe, expect, it } from 'vitest';
import { redactUserinfo } from '../../src/config/describe-value.js';
import { cli } from '../helpers/cli.js';

describe('infinitevibe config: credentials in URLs', () => {
  it.each([
    ['a password holding an unescaped @', 'mongodb://admin:p@ssSECRET@db.example:27017/', 'mongodb://[redacted]@db.example:27017/'],
    ['a password holding an unescaped /', 'mongodb://admin:paSECRET/ss@db.example/', 'mongodb://[redacted]@db.example/'],
    ['a password holding an unescaped ?', 'mongodb+srv://admin:p?SECRET@cluster0.example.net/', 'mongodb+srv://[redacted]@cluster0.example.net/'],
    [
      'credential options in the query',
      'mongodb://db.example/?tls=true&tlsCertificateKeyFilePassword=SECRET&authMechanism=MONGODB-AWS&authMechanismProperties=AWS_SESSION_TOKEN:SECRET',
      'mongodb://db.example/?tls=true&tlsCertificateKeyFilePassword=[redacted]&authMechanism=MONGODB-AWS&authMechanismProperties=[redacted]',
    ],
  ])('masks %s', async (_what, uri, shown) => {
    expect(redactUserinfo(uri)).toBe(shown);
    // Printed by the dump, or quoted by the refusal of a URI the driver cannot parse: masked either way.
    const { out, err } = await cli(['config', '--mongodb.uri', uri]);
    expect(out + err).toContain(shown);
    expect(out + err).not.toContain('SECRET');
  });

  it("shows a node URL's scheme, host and port only, as /health does, and masks keys in service URLs", async () => {
    const { code, out } = await cli([
      'config',
      '--subtensor.chain_endpoint',
      'wss://rpc.example.com/ws/SECRET?token=SECRET',
      '--platform_tracker.url',
      'http://tracker.example:12001/?api_key=SECRET',
    ]);
    expect(code).toBe(0);
    expect(out).not.toContain('SECRET');
    const dumped = JSON.parse(out) as { subtensor: { chain_endpoint: string }; platform_tracker: { url: string } };
    expect(dumped.subtensor.chain_endpoint).toBe('wss://rpc.example.com/…');
    expect(dumped.platform_tracker.url).toBe('http://tracker.example:12001/?api_key=[redacted]');
  });

  it.each([
    ['--subtensor.chain_endpoint', 'https://rpc.example.com/v1/SECRET?token=SECRET', 'https://rpc.example.com/…'],
    ['--subtensor.network', 'http://rpc.example.com:9944/SECRET', 'http://rpc.example.com:9944/…'],
  ])('quotes a refused node URL given to %s by its origin only', async (flag, url, shown) => {
    const { code, err } = await cli(['config', flag, url]);
    expect(code).toBe(2);
    expect(err).toContain(`"${shown}"`);
    expect(err).not.toContain('SECRET');
  });

  it('keeps URLs without credentials as they are', async () => {
    const { out } = await cli(['config', '--mongodb.uri', 'mongodb://db.example:27017/?replicaSet=rs0', '--subtensor.network', 'test']);
    const dumped = JSON.parse(out) as { mongodb: { uri: string }; subtensor: { chain_endpoint: string } };
    expect(dumped.mongodb.uri).toBe('mongodb://db.example:27017/?replicaSet=rs0');
    expect(dumped.subtensor.chain_endpoint).toBe('wss://test.finney.opentensor.ai:443');
  });
});

describe('a MongoDB URI the driver would refuse', () => {
  it.each([
    ['mongodb://admin:p@ssSECRET@db.example:27017/', 'an unescaped @'],
    ['mongodb://admin:paSECRET/ss@db.example/', 'an unescaped /'],
    ['mongodb://admin:p:SECRET@db.example/', 'an unescaped :'],
    ['mongodb://admin:%zzSECRET@db.example/', 'a broken percent-escape'],
    ['mongodb:///db', 'no host'],
  ])('%s (%s) stops start-up with exit 2, the option named and the password masked', async (uri) => {
    for (const argv of [
      ['config', '--mongodb.uri', uri],
      ['migrate', '--from', uri, '--mongodb.uri', 'mongodb://127.0.0.1:1/'],
    ]) {
      const { code, err } = await cli(argv);
      expect(code).toBe(2);
      expect(err).toMatch(/(--mongodb\.uri|--from): invalid value .*percent-encoded/);
      expect(err).not.toContain('SECRET');
    }
  });

  it('takes percent-encoded credentials and several hosts', async () => {
    const { code } = await cli(['config', '--mongodb.uri', 'mongodb://admin:p%40ss@a.example:27017,b.example:27017/db?replicaSet=rs0']);
    expect(code).toBe(0);
  });
});
