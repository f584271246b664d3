import type { Config } from '../config/load-config.js';
import { loadConfig } from '../config/load-config.js';
import { ConfigError } from '../errors.js';
import { SubtensorClient } from './subtensor-client.js';

/**
 * Shared plumbing of the operator inspection commands (metagraph, commitments, weights, commit):
 * config from flags minus the command's own, one client, tables and JSON with bigints as strings.
 */

/** Splits the command's own flags from the config flags handed to loadConfig. */
export function splitFlags(
  flags: Readonly<Record<string, unknown>>,
  own: readonly string[],
): { own: Record<string, unknown>; config: Config } {
  const mine: Record<string, unknown> = {};
  const rest: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(flags)) {
    if (own.includes(key)) mine[key] = value;
    else rest[key] = value;
  }
  return { own: mine, config: loadConfig({ flags: rest }) };
}

export async function connectFromConfig(config: Config): Promise<SubtensorClient> {
  const endpoint = config.subtensor.chain_endpoint;
  if (!endpoint) {
    throw new ConfigError(
      `network "${config.subtensor.network}" has no endpoint of its own; pass --subtensor.chain_endpoint ws://HOST:PORT`,
      'subtensor.chain_endpoint',
    );
  }
  return SubtensorClient.connect({
    endpoint,
    connectTimeoutMs: config.subtensor.connect_timeout_ms,
    inclusionTimeoutMs: config.subtensor.inclusion_timeout_ms,
  });
}

/** rao (1e-9) as a decimal amount with 9 places. */
export function formatRao(rao: bigint): string {
  const negative = rao < 0n;
  const abs = negative ? -rao : rao;
  const whole = abs / 1_000_000_000n;
  const frac = (abs % 1_000_000_000n).toString().padStart(9, '0');
  return `${negative ? '-' : ''}${whole}.${frac}`;
}

/** A plain left/right-aligned text table; numeric-looking columns align right. */
export function renderTable(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const numeric = headers.map(
    (_, i) => rows.length > 0 && rows.every((r) => /^-?[\d.]+%?$/.test(r[i] ?? '')),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (numeric[i] ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n') + '\n';
}

export function toJson(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2) + '\n';
}

/**
 * `--uid N` in decimal digits: Number() would read `0x1` as uid 1, `1e1` as 10 and an empty value
 * as 0, showing another validator's weights without a word.
 */
export function parseUidFlag(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < 0 || n > 65_535)
    throw new ConfigError(`--uid must be an integer in [0, 65535], got ${JSON.stringify(value)}`, 'uid');
  return n;
}
