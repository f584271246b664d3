import { describe, expect, it } from 'vitest';
import { isForbiddenAddress } from '../../../src/services/safe-download/index.js';

describe('isForbiddenAddress', () => {
  it.each([
    '127.0.0.1',
    '127.8.9.10',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.1',
    '255.255.255.255',
    '::1',
    '::',
    'fe80::1',
    'fd12:3456::1',
    'fc00::1',
    'ff02::1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:10.0.0.1',
    '[::1]',
    '64:ff9b::a00:1',
  ])('refuses %s', (address) => {
    expect(isForbiddenAddress(address)).toBe(true);
  });

  it.each(['8.8.8.8', '1.1.1.1', '172.32.0.1', '151.101.1.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])(
    'allows public %s',
    (address) => {
      expect(isForbiddenAddress(address)).toBe(false);
    },
  );

  it('rejects a non-address with a TypeError', () => {
    expect(() => isForbiddenAddress('example.com')).toThrow(TypeError);
  });
});

describe('isForbiddenAddress: IPv4 carried inside IPv6', () => {
  // [form, address, forbidden]: loopback 127.0.0.1 = 7f00:1, link-local 169.254.169.254 =
  // a9fe:a9fe, private 10.0.0.1 = a00:1, public 8.8.8.8 = 808:808.
  const table: ReadonlyArray<readonly [string, string, boolean]> = [
    ['IPv4-compatible ::/96, hex', '::7f00:1', true],
    ['IPv4-compatible ::/96, dotted', '::127.0.0.1', true],
    ['IPv4-compatible ::/96, link-local', '::a9fe:a9fe', true],
    ['IPv4-compatible ::/96, private', '::10.0.0.1', true],
    ['IPv4-compatible ::/96, public', '::8.8.8.8', false],
    ['IPv4-mapped ::ffff:0:0/96, hex', '::ffff:7f00:1', true],
    ['IPv4-mapped ::ffff:0:0/96, link-local', '::ffff:a9fe:a9fe', true],
    ['IPv4-mapped ::ffff:0:0/96, spelt out', '0:0:0:0:0:ffff:7f00:1', true],
    ['IPv4-mapped ::ffff:0:0/96, public', '::ffff:808:808', false],
    ['IPv4-translated ::ffff:0:0:0/96, hex', '::ffff:0:7f00:1', true],
    ['IPv4-translated ::ffff:0:0:0/96, dotted', '::ffff:0:169.254.169.254', true],
    ['IPv4-translated ::ffff:0:0:0/96, private', '::ffff:0:a00:1', true],
    ['IPv4-translated ::ffff:0:0:0/96, public', '::ffff:0:808:808', false],
    ['NAT64 64:ff9b::/96, loopback', '64:ff9b::7f00:1', true],
    ['NAT64 64:ff9b::/96, link-local dotted', '64:ff9b::169.254.169.254', true],
    ['NAT64 64:ff9b::/96, public (whole range closed)', '64:ff9b::808:808', true],
    ['NAT64 local-use 64:ff9b:1::/48, loopback', '64:ff9b:1:7f00:0:100::', true],
    ['NAT64 local-use 64:ff9b:1::/48, public (whole range closed)', '64:ff9b:1:808:8:800::', true],
    ['6to4 2002::/16, loopback relay', '2002:7f00:1::1', true],
    ['6to4 2002::/16, link-local relay', '2002:a9fe:a9fe::', true],
    ['6to4 2002::/16, public relay (whole range closed)', '2002:808:808::1', true],
    ['Teredo 2001::/32, client 127.0.0.1 (inverted 80ff:fffe)', '2001:0:808:808:0:0:80ff:fffe', true],
    ['Teredo 2001::/32, client 10.0.0.1 (inverted f5ff:fffe)', '2001:0:808:808:8000:1234:f5ff:fffe', true],
    ['Teredo 2001::/32, client 169.254.169.254 (inverted 5601:5601)', '2001:0:808:808::5601:5601', true],
    ['Teredo 2001::/32, server 10.0.0.1', '2001:0:a00:1::f7f7:f7f7', true],
    ['Teredo 2001::/32, public server and client 8.8.8.8', '2001:0:808:808::f7f7:f7f7', false],
    ['bracketed IPv4-compatible', '[::7f00:1]', true],
    ['ordinary global IPv6', '2a00:1450:4001:80b::200e', false],
  ];

  it.each(table)('%s: %s → forbidden %s', (_form, address, forbidden) => {
    expect(isForbiddenAddress(address)).toBe(forbidden);
  });
});
