import type { TypeRegistry } from '@polkadot/types';
import type { StorageEntry } from '@polkadot/types/primitive/types';
import { compactStripLength, compactToU8a, u8aToHex } from '@polkadot/util';
import { blake2AsU8a, xxhashAsU8a } from '@polkadot/util-crypto';
import { publicKeyOf } from './account-keys.js';
import type { RuntimeData } from './runtime-metadata.js';

/**
 * Storage keys and SCALE values of the runtime's storage items, hashed and encoded as the
 * metadata says. Codecs are built once per item and memoised.
 */
export class StorageCodec {
  readonly #runtime: RuntimeData;
  readonly #registry: TypeRegistry;
  readonly #keyCodecs = new Map<string, (args: unknown[]) => string>();
  readonly #valueCodecs = new Map<string, (value: unknown) => string>();

  constructor(runtime: RuntimeData) {
    this.#runtime = runtime;
    this.#registry = runtime.registry;
  }

  /** Storage key (hex) of `section.method(...args)`. */
  key(section: string, method: string, ...args: unknown[]): string {
    const id = `${section}.${method}`;
    let codec = this.#keyCodecs.get(id);
    if (!codec) this.#keyCodecs.set(id, (codec = this.#keyCodec(this.#entry(section, method))));
    return codec(args);
  }

  /** SCALE hex of a storage value for `section.method`. */
  value(section: string, method: string, value: unknown): string {
    const id = `${section}.${method}`;
    let codec = this.#valueCodecs.get(id);
    if (!codec) this.#valueCodecs.set(id, (codec = this.#valueCodec(this.#entry(section, method))));
    return codec(value);
  }

  #entry(section: string, method: string): StorageEntry {
    const entry = (this.#runtime.decorated.query as Record<string, Record<string, StorageEntry> | undefined>)[section]?.[method];
    if (!entry) throw new RangeError(`storage item ${section}.${method} is not in the runtime metadata`);
    return entry;
  }


  /**
   * Key builder for one storage item. Seeding thousands of neurons writes tens of thousands of
   * keys, so keys whose parts are u16/u32/u64 or AccountId32 are hashed directly (same hashers,
   * same bytes as @polkadot/types); anything else goes through the decorated entry.
   */
  #keyCodec(entry: StorageEntry): (args: unknown[]) => string {
    const slow = (args: unknown[]): string => u8aToHex(compactStripLength((entry as unknown as (...a: unknown[]) => Uint8Array)(...args))[1]);
    const t = entry.meta.type;
    const prefix = u8aToHex(entry.keyPrefix());
    if (t.isPlain) return () => prefix;
    const map = t.asMap;
    const hashers = map.hashers.map((h) => h.type);
    const keyIds = hashers.length === 1 ? [map.key] : this.#registry.lookup.getSiType(map.key).def.asTuple.map((x) => x);
    const encoders = keyIds.map((id) => primitiveEncoder(this.#registry.lookup.getTypeDef(id).type));
    if (encoders.some((e) => e === null) || hashers.some((h) => !['Identity', 'Blake2128Concat', 'Twox64Concat'].includes(h))) return slow;
    return (args) => {
      if (args.length !== encoders.length) return slow(args);
      let out = prefix;
      for (let i = 0; i < encoders.length; i++) {
        const bytes = encoders[i]!(args[i]);
        if (!bytes) return slow(args);
        const h = hashers[i];
        if (h === 'Blake2128Concat') out += u8aToHex(blake2AsU8a(bytes, 128)).slice(2);
        else if (h === 'Twox64Concat') out += u8aToHex(xxhashAsU8a(bytes, 64)).slice(2);
        out += u8aToHex(bytes).slice(2);
      }
      return out;
    };
  }

  #valueCodec(entry: StorageEntry): (value: unknown) => string {
    const t = entry.meta.type;
    const typeId = t.isPlain ? t.asPlain : t.asMap.value;
    const type = this.#registry.createLookupType(typeId);
    // toU8a, not toHex: integers' toHex is the big-endian number, not their SCALE bytes.
    const slow = (value: unknown): string => u8aToHex(this.#registry.createType(type, value).toU8a());
    const fast = primitiveEncoder(this.#registry.lookup.getTypeDef(typeId).type);
    if (!fast) return slow;
    return (value) => {
      const bytes = fast(value);
      return bytes ? u8aToHex(bytes) : slow(value);
    };
  }
}

/** Little-endian unsigned integer of `bytes` width written at `offset`; false if out of range. */
function writeUint(out: Uint8Array, offset: number, bytes: number, value: unknown): boolean {
  let v: bigint;
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value < 0) return false;
    if (bytes <= 4) {
      if (value >= 2 ** (8 * bytes)) return false;
      for (let i = 0; i < bytes; i++) out[offset + i] = (value >>> (8 * i)) & 0xff;
      return true;
    }
    v = BigInt(value);
  } else if (typeof value === 'bigint') v = value;
  else return false;
  if (v < 0n || v >= 1n << BigInt(8 * bytes)) return false;
  for (let i = 0; i < bytes; i++) {
    out[offset + i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return true;
}

function compactLength(n: number): Uint8Array {
  return compactToU8a(n);
}

/** Direct SCALE encoders for the key/value types the stand-in writes in bulk; null falls back to the registry. */
function primitiveEncoder(type: string): ((value: unknown) => Uint8Array | null) | null {
  const widths: Record<string, number> = { u8: 1, u16: 2, u32: 4, u64: 8 };
  const scalar = widths[type];
  if (scalar !== undefined) {
    return (value) => {
      const out = new Uint8Array(scalar);
      return writeUint(out, 0, scalar, value) ? out : null;
    };
  }
  const vec = /^Vec<(u8|u16|u32|u64|bool)>$/.exec(type);
  if (vec) {
    const inner = vec[1]!;
    const width = inner === 'bool' ? 1 : widths[inner]!;
    return (value) => {
      if (!Array.isArray(value)) return null;
      const prefix = compactLength(value.length);
      const out = new Uint8Array(prefix.length + width * value.length);
      out.set(prefix, 0);
      for (let i = 0; i < value.length; i++) {
        const v: unknown = value[i];
        const at = prefix.length + i * width;
        if (inner === 'bool') {
          if (typeof v !== 'boolean') return null;
          out[at] = v ? 1 : 0;
        } else if (!writeUint(out, at, width, v)) return null;
      }
      return out;
    };
  }
  switch (type) {
    case 'bool':
      return (value) => (typeof value === 'boolean' ? new Uint8Array([value ? 1 : 0]) : null);
    case 'AccountId32':
      return (value) => {
        if (typeof value !== 'string') return null;
        try {
          return publicKeyOf(value);
        } catch {
          return null;
        }
      };
    default:
      return null;
  }
}
