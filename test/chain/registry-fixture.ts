import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Metadata, TypeRegistry } from '@polkadot/types';
import { SUBTENSOR_TYPES } from '../../src/chain/subtensor-codec.js';

/** A registry built from the real spec-218 metadata, as a node would serve it. */
export function spec218Registry(): TypeRegistry {
  return spec218().registry;
}

export function spec218(): { registry: TypeRegistry; metadata: Metadata } {
  const hex = readFileSync(
    fileURLToPath(new URL('../../src/devnet/subtensor/data/metadata-v15-spec218.hex', import.meta.url)),
    'utf8',
  ).trim();
  const registry = new TypeRegistry();
  const metadata = new Metadata(registry, hex as `0x${string}`);
  registry.setMetadata(metadata, undefined, undefined, true);
  registry.register(SUBTENSOR_TYPES);
  return { registry, metadata };
}
