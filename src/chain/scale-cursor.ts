import { ChainMetadataError } from '../errors.js';

/**
 * A cursor over SCALE bytes for the one layout read on every metagraph sync. @polkadot/types
 * builds an object per element (≈ 70 000 for 4096 uids, most of the read time), so the spec-218
 * SubnetState is walked directly; `decodeSubnetState218Generic` stays as the reference the tests
 * compare it with.
 */
export class ScaleCursor {
  offset = 0;
  constructor(
    readonly bytes: Uint8Array,
    readonly what: string,
  ) {}

  #need(n: number): void {
    if (this.offset + n > this.bytes.length) {
      throw new ChainMetadataError(
        `${this.what}: ran out of bytes at offset ${this.offset} (${this.bytes.length} in all)`,
      );
    }
  }

  /** Steps over `n` bytes that must all be there. */
  skip(n: number): void {
    this.#need(n);
    this.offset += n;
  }

  byte(): number {
    this.#need(1);
    return this.bytes[this.offset++] as number;
  }

  compact(): bigint {
    const first = this.byte();
    switch (first & 3) {
      case 0:
        return BigInt(first >>> 2);
      case 1:
        return BigInt((first | (this.byte() << 8)) >>> 2);
      case 2: {
        this.#need(3);
        const b = this.bytes;
        const o = this.offset;
        this.offset += 3;
        return BigInt(Math.floor((first + (b[o]! << 8) + (b[o + 1]! << 16) + b[o + 2]! * 0x1000000) / 4));
      }
      default: {
        const length = (first >>> 2) + 4;
        this.#need(length);
        let value = 0n;
        for (let i = length - 1; i >= 0; i--)
          value = (value << 8n) | BigInt(this.bytes[this.offset + i] as number);
        this.offset += length;
        return value;
      }
    }
  }

  length(): number {
    const n = this.compact();
    if (n > BigInt(this.bytes.length - this.offset))
      throw new ChainMetadataError(`${this.what}: vector length ${n} exceeds the remaining bytes`);
    return Number(n);
  }

  accounts(): Uint8Array[] {
    const n = this.length();
    this.#need(n * 32);
    const out = new Array<Uint8Array>(n);
    for (let i = 0; i < n; i++)
      out[i] = this.bytes.subarray(this.offset + i * 32, this.offset + (i + 1) * 32);
    this.offset += n * 32;
    return out;
  }

  bools(): boolean[] {
    const n = this.length();
    const out = new Array<boolean>(n);
    for (let i = 0; i < n; i++) {
      const b = this.byte();
      if (b > 1)
        throw new ChainMetadataError(`${this.what}: invalid bool byte ${b} at offset ${this.offset - 1}`);
      out[i] = b === 1;
    }
    return out;
  }

  compacts(): bigint[] {
    const n = this.length();
    const out = new Array<bigint>(n);
    for (let i = 0; i < n; i++) out[i] = this.compact();
    return out;
  }
}
