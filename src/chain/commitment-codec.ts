import type { Registry } from '@polkadot/types/types';
import { decodeExact, field, type Codec, type NumberLike, type StructLike, type VecLike } from './scale-primitives.js';
import type { CommitmentRecord } from './types.js';

// ignoreBOM keeps a leading byte-order mark, as Python's strict `bytes.decode("utf-8")` in the
// original's SDK does, so the stored and shown commitment is the string on chain.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** A Raw field's bytes as the original's SDK decodes them (strict UTF-8), or null. */
export function decodeCommitmentText(bytes: Uint8Array): string | null {
  try {
    return utf8.decode(bytes);
  } catch {
    return null;
  }
}

interface DataEnum {
  readonly type: string;
  readonly isNone: boolean;
  readonly value: Codec;
}

/**
 * Decodes one `Commitments.CommitmentOf` value on its own, so an undecodable entry costs only that
 * hotkey its commitment. The miner string is the first field, a `Raw*` (or `BigRaw`) variant of
 * UTF-8 bytes; anything else gives `value: null` and the reason.
 */
export function decodeCommitmentValue(
  registry: Registry,
  type: string,
  hotkey: string,
  raw: Uint8Array,
): CommitmentRecord {
  let block = 0;
  try {
    const registration = decodeExact<{ encodedLength: number } & StructLike>(
      registry,
      type,
      raw,
      `CommitmentOf(${hotkey})`,
    );
    block = (field<NumberLike>(registration, 'block') as NumberLike).toNumber();
    const info = field<StructLike>(registration, 'info');
    const fields = info ? (field<VecLike<DataEnum>>(info, 'fields') as VecLike<DataEnum>) : undefined;
    const first = fields?.[0];
    if (!first) return { hotkey, block, value: null, error: 'no_fields' };
    if (first.isNone || !(first.type.startsWith('Raw') || first.type === 'BigRaw')) {
      return { hotkey, block, value: null, error: `not_raw:${first.type}` };
    }
    const value = decodeCommitmentText(first.value.toU8a(true));
    return value === null ? { hotkey, block, value, error: 'not_utf8' } : { hotkey, block, value };
  } catch (error) {
    return { hotkey, block, value: null, error: `undecodable: ${(error as Error).message}` };
  }
}
