/**
 * A command's own flags as the operator typed them. The argument parser leaves values as text
 * (or `true` for a flag with no value, an array for a repeated one); these take them only in
 * the one form meant, so `--port` alone, `--port 0x50` or `--bucket a --bucket b` are refused
 * rather than read as port 1, 80 or bucket "a,b".
 */
import { decodeAddress, encodeAddress } from '@polkadot/util-crypto';
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { SS58_FORMAT } from '../wallet/index.js';

const INTEGER_TEXT = /^[+-]?\d+$/;

/** A decimal integer in [min, max]; undefined when the flag is absent. */
export function intFlag(raw: unknown, name: string, min: number, max: number): number | undefined {
  if (raw === undefined) return undefined;
  const value = typeof raw === 'string' && INTEGER_TEXT.test(raw) ? Number(raw) : typeof raw === 'number' ? raw : NaN;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`--${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`, `--${name}`);
  }
  return value;
}

/** intFlag for a command that parses its flags with a schema (the devnet commands): the same forms, the same message. */
export function intFlagSchema(name: string, min: number, max: number) {
  return z.unknown().transform((raw, ctx): number | undefined => {
    try {
      return intFlag(raw, name, min, max);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
      return z.NEVER;
    }
  });
}

/** One non-empty text value; undefined when the flag is absent. */
export function textFlag(raw: unknown, name: string): string | undefined {
  if (raw === undefined) return undefined;
  if (Array.isArray(raw)) throw new ConfigError(`--${name} is given more than once; give it once`, `--${name}`);
  if (typeof raw !== 'string' || raw === '') throw new ConfigError(`--${name} needs a value`, `--${name}`);
  return raw;
}

/** The first of a flag's spellings (`--gist-id`, `--gist_id`) that is given, as one text value. */
export function pickText(own: Readonly<Record<string, unknown>>, ...names: string[]): string | undefined {
  for (const name of names) if (own[name] !== undefined) return textFlag(own[name], name);
  return undefined;
}

/**
 * `--hotkey SS58`: a miner hotkey to check, in the SS58 form the chain and the validator use
 * (format 42). A typo would otherwise be checked as some unregistered account, every signature
 * "invalid", without saying the address itself is wrong.
 */
export function hotkeyFlag(own: Readonly<Record<string, unknown>>): string | undefined {
  const raw = pickText(own, 'hotkey');
  if (raw === undefined) return undefined;
  let key: Uint8Array;
  try {
    key = decodeAddress(raw.trim());
  } catch {
    throw new ConfigError(`--hotkey ${JSON.stringify(raw)} is not an SS58 address (such as 5F...; \`infinitevibe metagraph\` lists the subnet's hotkeys)`, '--hotkey');
  }
  if (key.length !== 32) throw new ConfigError(`--hotkey ${JSON.stringify(raw)} is not a 32-byte account address`, '--hotkey');
  return encodeAddress(key, SS58_FORMAT);
}
