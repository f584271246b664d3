import type { ApiPromise } from '@polkadot/api';
import { ChainMetadataError } from '../errors.js';

/*
 * Feature detection at connect time: the client refuses a node that lacks anything it reads or
 * writes (one error naming everything missing) rather than failing mid-cycle, and picks the
 * metagraph route the runtime supports.
 */

/** What the client reads and writes; every name is checked against the served metadata. */
const REQUIRED_STORAGE: ReadonlyArray<readonly [string, string]> = [
  ['subtensorModule', 'subnetworkN'],
  ['subtensorModule', 'networksAdded'],
  ['subtensorModule', 'uids'],
  ['subtensorModule', 'validatorPermit'],
  ['subtensorModule', 'lastUpdate'],
  ['subtensorModule', 'totalHotkeyAlpha'],
  ['subtensorModule', 'weights'],
  ['subtensorModule', 'tempo'],
  ['subtensorModule', 'weightsSetRateLimit'],
  ['subtensorModule', 'weightsVersionKey'],
  ['subtensorModule', 'commitRevealWeightsEnabled'],
  ['subtensorModule', 'revealPeriodEpochs'],
  ['subtensorModule', 'minAllowedWeights'],
  ['subtensorModule', 'maxWeightsLimit'],
  ['subtensorModule', 'immunityPeriod'],
  ['commitments', 'commitmentOf'],
  ['system', 'events'],
];
const FALLBACK_STORAGE: ReadonlyArray<readonly [string, string]> = [
  ['subtensorModule', 'blockAtRegistration'],
];
const REQUIRED_CALLS: ReadonlyArray<readonly [string, string]> = [
  ['subtensorModule', 'setWeights'],
  ['subtensorModule', 'commitWeights'],
  ['subtensorModule', 'revealWeights'],
  ['commitments', 'setCommitment'],
];

export type MetagraphSource =
  | { kind: 'selective'; output: string }
  | { kind: 'subnetState'; output: string | null }
  | { kind: 'neuronsLite'; output: string | null };

/** What the feature check looks at: the decorated sections of an ApiPromise (or of expanded metadata). */
export interface ChainFeatureView {
  readonly query: object;
  readonly tx: object;
  readonly call: object;
  readonly registry: ApiPromise['registry'];
  readonly runtimeVersion: {
    readonly specName: { toString(): string };
    readonly specVersion: { toString(): string };
  };
}

/**
 * Every pallet, storage item, call and runtime API the client uses, checked against what the node
 * serves; one ChainMetadataError names everything missing. Returns the metagraph route to take.
 */
export function checkChainFeatures(api: ChainFeatureView): MetagraphSource {
  const missing: string[] = [];
  const query = api.query as unknown as Record<string, Record<string, unknown> | undefined>;
  const tx = api.tx as unknown as Record<string, Record<string, unknown> | undefined>;
  const call = api.call as unknown as Record<string, Record<string, unknown> | undefined>;
  for (const [pallet, item] of REQUIRED_STORAGE)
    if (!query[pallet]?.[item]) missing.push(`storage ${pallet}.${item}`);
  if (!query['subtensorModule']?.['weightsMinStake'] && !query['subtensorModule']?.['stakeThreshold']) {
    missing.push('storage subtensorModule.weightsMinStake (or stakeThreshold)');
  }
  for (const [pallet, method] of REQUIRED_CALLS)
    if (!tx[pallet]?.[method]) missing.push(`call ${pallet}.${method}`);

  const apiOutput = (apiName: string, method: string): string | null | undefined => {
    for (const a of api.registry.metadata.apis) {
      if (a.name.toString() !== apiName) continue;
      for (const m of a.methods) {
        if (m.name.toString() !== method) continue;
        const def = api.registry.lookup.getTypeDef(m.output);
        return def.type === 'Bytes' || def.type === 'Vec<u8>'
          ? null
          : api.registry.createLookupType(m.output);
      }
    }
    return undefined;
  };
  let source: MetagraphSource | undefined;
  const selective = apiOutput('SubnetInfoRuntimeApi', 'get_selective_metagraph');
  if (selective && call['subnetInfoRuntimeApi']?.['getSelectiveMetagraph'])
    source = { kind: 'selective', output: selective };
  else if (call['subnetInfoRuntimeApi']?.['getSubnetState']) {
    source = { kind: 'subnetState', output: apiOutput('SubnetInfoRuntimeApi', 'get_subnet_state') ?? null };
  } else if (call['neuronInfoRuntimeApi']?.['getNeuronsLite']) {
    source = { kind: 'neuronsLite', output: apiOutput('NeuronInfoRuntimeApi', 'get_neurons_lite') ?? null };
    for (const [pallet, item] of FALLBACK_STORAGE)
      if (!query[pallet]?.[item]) missing.push(`storage ${pallet}.${item}`);
  } else {
    missing.push(
      'runtime API SubnetInfoRuntimeApi.get_subnet_state (or get_selective_metagraph, or NeuronInfoRuntimeApi.get_neurons_lite)',
    );
  }
  if (missing.length > 0 || !source) {
    const version = api.runtimeVersion;
    throw new ChainMetadataError(
      `the node's runtime (${version.specName.toString()} spec ${version.specVersion.toString()}) lacks what this client needs: ${missing.join(', ')}`,
    );
  }
  return source;
}
