import { describe, expect, it } from 'vitest';
import { formatRao, parseUidFlag, renderTable, toJson } from '../../src/chain/inspect.js';
import { rpcRejection } from '../../src/chain/subtensor-client.js';
import { ChainTransactionRejectedError, ConfigError } from '../../src/errors.js';

describe('rpcRejection', () => {
  it('reads the code and detail of a node and of chopsticks', () => {
    const node = rpcRejection(new Error('1010: Invalid Transaction: Custom error: 3'));
    expect(node).toBeInstanceOf(ChainTransactionRejectedError);
    expect(node).toMatchObject({ rpcCode: 1010, detail: 'Invalid Transaction: Custom error: 3' });
    expect(rpcRejection(new Error('1010: {"invalid":{"stale":null}}'))).toMatchObject({
      rpcCode: 1010,
      detail: '{"invalid":{"stale":null}}',
    });
    expect(rpcRejection(new Error('RpcError: 1012: Transaction is temporarily banned'))).toMatchObject({
      rpcCode: 1012,
    });
  });
  it('leaves other errors alone', () => {
    expect(rpcRejection(new Error('socket hang up'))).toBeNull();
    expect(rpcRejection(new Error('-32601: Method not found'))).toBeNull();
  });
});

describe('inspection formatting', () => {
  it('formats rao with nine decimals', () => {
    expect(formatRao(0n)).toBe('0.000000000');
    expect(formatRao(2_500_000_001n)).toBe('2.500000001');
    expect(formatRao(-5n)).toBe('-0.000000005');
  });
  it('aligns numeric columns right and text left', () => {
    expect(
      renderTable(
        ['uid', 'name'],
        [
          ['1', 'a'],
          ['100', 'bbb'],
        ],
      ),
    ).toBe('uid  name\n---  ----\n  1  a\n100  bbb\n');
  });
  it('writes bigints as strings in JSON', () => {
    expect(JSON.parse(toJson({ stake: 2n ** 64n }))).toEqual({ stake: '18446744073709551616' });
  });
  it('validates --uid', () => {
    expect(parseUidFlag(undefined)).toBeUndefined();
    expect(parseUidFlag('7')).toBe(7);
    expect(() => parseUidFlag('-1')).toThrow(ConfigError);
    expect(() => parseUidFlag('1.5')).toThrow(/--uid must be an integer/);
    // Decimal digits only, as every command's number flags.
    for (const typed of ['0x1', '1e1', '', ' 1', true, ['1', '2']]) {
      expect(() => parseUidFlag(typed), JSON.stringify(typed)).toThrow(`--uid must be an integer in [0, 65535], got ${JSON.stringify(typed)}`);
    }
  });
});
