import { getTypeDef } from '@polkadot/types/create';
import { TypeDefInfo, type TypeDef } from '@polkadot/types/create/types';
import type { Registry } from '@polkadot/types/types';
import { ChainMetadataError } from '../errors.js';
import { ScaleCursor } from './scale-cursor.js';

/*
 * A walk over SCALE bytes that only measures them, run before @polkadot/types decodes a node's
 * answer. Its decoders read past the end of the buffer as default values, so a length prefix
 * alone decides how many objects they build: a 16-byte CommitmentOf value claiming 524,288
 * fields held the event loop for 50 s, and a 4-byte get_neurons_lite answer claiming 524,288
 * neurons exhausted the heap. Here every length is held to the bytes left before anything is
 * built, so the work is linear in the bytes the node actually sent.
 */

/** Fixed-size primitives by name, in bytes. */
const FIXED: Readonly<Record<string, number>> = {
  bool: 1,
  u8: 1,
  i8: 1,
  u16: 2,
  i16: 2,
  u32: 4,
  i32: 4,
  u64: 8,
  i64: 8,
  u128: 16,
  i128: 16,
  u256: 32,
  i256: 32,
  H160: 20,
  H256: 32,
  H512: 64,
  Hash: 32,
  U256: 32,
  I256: 32,
  AccountId: 32,
  AccountId32: 32,
  Null: 0,
  '()': 0,
};
/** Primitives holding a compact byte length and then that many bytes. */
const BYTES = new Set(['Bytes', 'Text', 'String', 'Vec<u8>']);
/** Nested named types deeper than this are not a layout a runtime serves. */
const MAX_DEPTH = 64;

/** A layout holding a type the walk does not know; the caller decodes as it did without it. */
class UnknownLayout extends Error {}

const resolved = new WeakMap<Registry, Map<string, TypeDef>>();

/** The definition behind a type name: a metadata lookup id, a registered type, or a type expression. */
function definitionOf(registry: Registry, name: string): TypeDef {
  let cache = resolved.get(registry);
  if (!cache) resolved.set(registry, (cache = new Map()));
  let def = cache.get(name);
  if (def === undefined) {
    if (/^Lookup\d+$/.test(name)) def = registry.lookup.getTypeDef(name as `Lookup${number}`);
    else {
      const registered = registry.getDefinition(name);
      def = getTypeDef(registered ?? name);
    }
    cache.set(name, def);
  }
  return def;
}

function subOf(def: TypeDef): TypeDef {
  if (!def.sub || Array.isArray(def.sub)) throw new UnknownLayout(def.type);
  return def.sub;
}

function subsOf(def: TypeDef): TypeDef[] {
  if (!Array.isArray(def.sub)) throw new UnknownLayout(def.type);
  return def.sub;
}

function walk(registry: Registry, c: ScaleCursor, def: TypeDef, depth: number): void {
  if (depth > MAX_DEPTH) throw new UnknownLayout(def.type);
  const next = (sub: TypeDef) => walk(registry, c, sub, depth + 1);
  switch (def.info) {
    case TypeDefInfo.Null:
      return;
    case TypeDefInfo.Compact:
      c.compact();
      return;
    case TypeDefInfo.Int:
    case TypeDefInfo.UInt:
      c.skip((def.length ?? 0) / 8);
      return;
    case TypeDefInfo.Struct:
    case TypeDefInfo.Tuple:
      for (const sub of subsOf(def)) next(sub);
      return;
    case TypeDefInfo.Vec:
    case TypeDefInfo.BTreeSet: {
      const sub = subOf(def);
      const n = c.length();
      if (sub.info === TypeDefInfo.Plain && sub.type === 'u8') c.skip(n);
      else for (let i = 0; i < n; i++) next(sub);
      return;
    }
    case TypeDefInfo.BTreeMap:
    case TypeDefInfo.HashMap: {
      const [key, value] = subsOf(def);
      if (!key || !value) throw new UnknownLayout(def.type);
      const n = c.length();
      for (let i = 0; i < n; i++) {
        next(key);
        next(value);
      }
      return;
    }
    case TypeDefInfo.VecFixed: {
      const sub = subOf(def);
      const n = def.length ?? 0;
      if (sub.info === TypeDefInfo.Plain && sub.type === 'u8') c.skip(n);
      else for (let i = 0; i < n; i++) next(sub);
      return;
    }
    case TypeDefInfo.Option: {
      const sub = subOf(def);
      const tag = c.byte();
      // Option<bool> is one byte: 0 None, 1 Some(true), 2 Some(false).
      if (sub.info === TypeDefInfo.Plain && sub.type === 'bool') {
        if (tag > 2) throw new ChainMetadataError(`${c.what}: invalid Option<bool> byte ${tag} at offset ${c.offset - 1}`);
        return;
      }
      if (tag > 1) throw new ChainMetadataError(`${c.what}: invalid Option tag ${tag} at offset ${c.offset - 1}`);
      if (tag === 1) next(sub);
      return;
    }
    case TypeDefInfo.Result: {
      const [ok, err] = subsOf(def);
      if (!ok || !err) throw new UnknownLayout(def.type);
      const tag = c.byte();
      if (tag > 1) throw new ChainMetadataError(`${c.what}: invalid Result tag ${tag} at offset ${c.offset - 1}`);
      next(tag === 0 ? ok : err);
      return;
    }
    case TypeDefInfo.Enum: {
      const variants = subsOf(def);
      const index = c.byte();
      const variant = variants.find((v, i) => (v.index ?? i) === index);
      if (!variant) throw new ChainMetadataError(`${c.what}: no variant ${index} in ${def.lookupName ?? def.type} at offset ${c.offset - 1}`);
      next(variant);
      return;
    }
    case TypeDefInfo.Si:
    case TypeDefInfo.Plain:
      named(registry, c, def.type, depth);
      return;
    default:
      throw new UnknownLayout(def.type);
  }
}

function named(registry: Registry, c: ScaleCursor, name: string, depth: number): void {
  const fixed = FIXED[name];
  if (fixed !== undefined) {
    c.skip(fixed);
    return;
  }
  if (BYTES.has(name)) {
    c.skip(c.length());
    return;
  }
  if (name === 'BitVec') {
    c.skip(Math.ceil(Number(c.compact()) / 8));
    return;
  }
  const def = definitionOf(registry, name);
  // A name that resolves to itself is one the walk has no rule for.
  if ((def.info === TypeDefInfo.Plain || def.info === TypeDefInfo.Si) && def.type === name) throw new UnknownLayout(name);
  walk(registry, c, def, depth + 1);
}

/**
 * How many bytes a value of `type` spans at the start of `bytes`, walked without building it.
 * Throws ChainMetadataError when a length or field runs past the end of the bytes (the node sent
 * fewer than it claims); returns null when the layout holds a type this walk has no rule for.
 */
export function scaleExtent(registry: Registry, type: string, bytes: Uint8Array, what: string): number | null {
  const c = new ScaleCursor(bytes, what);
  try {
    named(registry, c, type, 0);
  } catch (error) {
    if (error instanceof UnknownLayout) return null;
    throw error;
  }
  return c.offset;
}
