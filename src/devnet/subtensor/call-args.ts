import type { Codec } from '@polkadot/types/types';

/** Call arguments as plain numbers (the stand-in reads u16/u32/u64 args this way). */
export function num(codec: Codec | undefined): number {
  return Number((codec as unknown as { toString(): string }).toString());
}

export function big(codec: Codec | undefined): bigint {
  return BigInt((codec as unknown as { toString(): string }).toString());
}

export function nums(codec: Codec | undefined): number[] {
  return (codec as unknown as Codec[]).map((c) => num(c));
}

export function numLists(codec: Codec | undefined): number[][] {
  return (codec as unknown as Codec[]).map((c) => nums(c));
}
