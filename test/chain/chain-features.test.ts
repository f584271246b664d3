import { describe, expect, it } from 'vitest';
import { expandMetadata } from '@polkadot/types';
import { checkChainFeatures } from '../../src/chain/subtensor-client.js';
import { ChainMetadataError } from '../../src/errors.js';
import { spec218 } from './registry-fixture.js';

const { registry, metadata } = spec218();
const decorated = expandMetadata(registry, metadata);
const runtimeVersion = { specName: 'node-subtensor', specVersion: 218 };
const view = (over: Partial<{ query: object; tx: object; call: object }> = {}) => ({
  query: decorated.query,
  tx: decorated.tx,
  call: { subnetInfoRuntimeApi: { getSubnetState: () => undefined } },
  registry,
  runtimeVersion,
  ...over,
});

describe('checkChainFeatures on the real spec-218 metadata', () => {
  it('finds every storage item and call, and takes the opaque subnet-state route', () => {
    expect(checkChainFeatures(view())).toEqual({ kind: 'subnetState', output: null });
  });

  it('falls back to neurons-lite plus storage when only that API is announced', () => {
    expect(
      checkChainFeatures(view({ call: { neuronInfoRuntimeApi: { getNeuronsLite: () => undefined } } })),
    ).toEqual({
      kind: 'neuronsLite',
      output: null,
    });
  });

  it('names a missing runtime API', () => {
    expect(() => checkChainFeatures(view({ call: {} }))).toThrow(ChainMetadataError);
    expect(() => checkChainFeatures(view({ call: {} }))).toThrow(
      /node-subtensor spec 218\) lacks what this client needs: runtime API SubnetInfoRuntimeApi\.get_subnet_state/,
    );
  });

  it('names every missing pallet item and call at once', () => {
    const { commitments: _c, ...query } = decorated.query as Record<string, unknown>;
    const { commitments: _t, ...tx } = decorated.tx as Record<string, unknown>;
    const subtensor = { ...(query['subtensorModule'] as Record<string, unknown>) };
    delete subtensor['weightsMinStake'];
    let error: unknown;
    try {
      checkChainFeatures(view({ query: { ...query, subtensorModule: subtensor }, tx }));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ChainMetadataError);
    expect((error as Error).message).toContain('storage commitments.commitmentOf');
    expect((error as Error).message).toContain('call commitments.setCommitment');
    expect((error as Error).message).toContain('storage subtensorModule.weightsMinStake (or stakeThreshold)');
    expect((error as ChainMetadataError).code).toBe('ERR_CHAIN_METADATA');
  });

  it('refuses a runtime that no longer serves hash commit-reveal, naming both calls', () => {
    const tx = decorated.tx as Record<string, Record<string, unknown>>;
    const { commitWeights: _c, revealWeights: _r, ...subtensor } = tx['subtensorModule']!;
    expect(() =>
      checkChainFeatures(view({ query: decorated.query, tx: { ...tx, subtensorModule: subtensor } })),
    ).toThrow(/call subtensorModule\.commitWeights.*call subtensorModule\.revealWeights/);
  });
});
