import { bnToU8a, compactToU8a, stringCamelCase, u8aConcat, u8aToHex } from '@polkadot/util';
import type { RuntimeData } from './runtime-metadata.js';

/** Raised inside a dispatch to fail it with a module error; the state change is rolled back. */
export class DispatchFailure extends Error {
  readonly encoded: Uint8Array;
  constructor(encoded: Uint8Array, name: string) {
    super(name);
    this.encoded = encoded;
  }
}

/** A block's events as SCALE `EventRecord`s, and module errors, with indices taken from the metadata. */
export class EventLog {
  readonly #rt: RuntimeData;
  readonly #palletIndex = new Map<string, number>();
  #events: Uint8Array[] = [];

  constructor(runtime: RuntimeData) {
    this.#rt = runtime;
    for (const p of runtime.metadata.asLatest.pallets) this.#palletIndex.set(stringCamelCase(p.name.toString()), p.index.toNumber());
  }

  /** Starts a new block. */
  clear(): void {
    this.#events = [];
  }

  /** Events recorded so far; `truncate(length)` drops the ones a failed call emitted. */
  get length(): number {
    return this.#events.length;
  }

  truncate(length: number): void {
    this.#events.length = length;
  }

  /** SCALE `Vec<EventRecord>` of the block. */
  encode(): string {
    return u8aToHex(u8aConcat(compactToU8a(this.#events.length), ...this.#events));
  }

  /** Module error as `DispatchError::Module` bytes, index looked up by name in the metadata. */
  moduleError(section: string, name: string): DispatchFailure {
    const errors = (this.#rt.decorated.errors as Record<string, Record<string, { meta: { index: { toNumber(): number } } }> | undefined>)[section];
    const meta = errors?.[name];
    const pallet = this.#palletIndex.get(section);
    if (!meta || pallet === undefined) throw new Error(`error ${section}.${name} is not in the metadata`);
    // DispatchError::Module is variant 3: { index: u8, error: [u8; 4] }.
    return new DispatchFailure(new Uint8Array([3, pallet, meta.meta.index.toNumber(), 0, 0, 0]), name);
  }

  /** Records event `section.name` of extrinsic `index`, its fields encoded from `args`. */
  event(index: number, section: string, name: string, args: unknown[]): void {
    this.eventRaw(
      index,
      section,
      name,
      args.map((v, i) => this.encodeField(section, name, i, v)),
    );
  }

  /** Records an event whose fields are already SCALE. */
  eventRaw(index: number, section: string, name: string, fields: Uint8Array[]): void {
    const meta = this.#eventMeta(section, name);
    const pallet = this.#palletIndex.get(section)!;
    // EventRecord { phase: ApplyExtrinsic(u32), event, topics: Vec<H256> = [] }
    this.#events.push(u8aConcat(new Uint8Array([0]), bnToU8a(index, { bitLength: 32 }), new Uint8Array([pallet, meta.index.toNumber()]), ...fields, new Uint8Array([0])));
  }

  encodeField(section: string, name: string, i: number, value: unknown): Uint8Array {
    const field = this.#eventMeta(section, name).fields[i];
    if (!field) throw new Error(`event ${section}.${name} has no field ${i}`);
    const registry = this.#rt.registry;
    return registry.createType(registry.createLookupType(field.type), value).toU8a();
  }

  #eventMeta(section: string, name: string): { index: { toNumber(): number }; fields: { type: Parameters<RuntimeData['registry']['createLookupType']>[0] }[] } {
    const ev = (this.#rt.decorated.events as Record<string, Record<string, { meta: unknown }> | undefined>)[section]?.[name];
    if (!ev) throw new Error(`event ${section}.${name} is not in the metadata`);
    return ev.meta as never;
  }
}
