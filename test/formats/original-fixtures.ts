import { readFileSync } from 'node:fs';

/** A long string as recorded by the generators: plain segments and [unit, count] runs. */
export type Packed = string | ReadonlyArray<string | readonly [string, number]>;

export function unpack(packed: Packed): string {
  if (typeof packed === 'string') return packed;
  return packed.map((part) => (typeof part === 'string' ? part : part[0].repeat(part[1]))).join('');
}

/** A fixture recorded by a generator in test/fixtures/original. */
export function originalFixture<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../fixtures/original/${name}`, import.meta.url), 'utf8')) as T;
}

/** Collects the cases that disagree, so one run lists them all (at most `limit`). */
export class Disagreements {
  readonly found: string[] = [];
  constructor(private readonly limit = 25) {}
  add(what: string): void {
    if (this.found.length < this.limit) this.found.push(what);
  }
}
