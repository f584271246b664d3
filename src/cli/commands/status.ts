import { request } from 'undici';
import { toJson, splitFlags } from '../../chain/inspect.js';
import type { Config } from '../../config/load-config.js';
import { ConfigError } from '../../errors.js';
import type { WeightCommitRecord } from '../../store/types.js';
import type { FlagSpec } from '../help.js';
import { pickText } from '../flag-values.js';
import { loadHotkey } from '../../wallet/index.js';
import type { CommandContext } from '../main.js';

export const description = "show a running validator's state from its /health endpoint and the store";

export const flags: readonly FlagSpec[] = [
  { name: 'url', value: 'URL', description: 'the validator\'s metrics server (default: http://127.0.0.1:<metrics.port>)' },
  { name: 'json', description: 'print the state as JSON', default: false },
];

type Health = Record<string, unknown> & {
  ok?: boolean;
  version?: string;
  network?: string;
  netuid?: number;
  hotkey?: string;
  chain?: string;
  chain_endpoint?: string;
  chain_head?: { number: number; hash: string } | null;
  last_cycle_summary?: {
    interval: string;
    result: string;
    miners: number;
    reported: number;
    timed_out: number;
    timed_out_uids: number[];
    accepted: number;
    rejected: number;
  } | null;
  cycle_progress?: { done: number; total: number; submissions: number; stage: string; stage_miners: number } | null;
  last_weights?: { ok: boolean; mode: string | null; block: number | null; error: string | null; at: string | null } | null;
  pending_reveals?: number | null;
  pending_snapshots?: number;
  /** Whether the validator's store answers: connected, unreachable or unknown. */
  store?: string;
};

function defaultUrl(config: Config): string {
  // A server bound to every interface is reached on loopback.
  const host = ['0.0.0.0', '::', ''].includes(config.metrics.host) ? '127.0.0.1' : config.metrics.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${config.metrics.port}`;
}

async function readHealth(base: string): Promise<{ health: Health | null; error: string | null }> {
  try {
    const res = await request(new URL('/health', base), { headersTimeout: 5_000, bodyTimeout: 5_000 });
    const text = await res.body.text();
    try {
      return { health: JSON.parse(text) as Health, error: null };
    } catch {
      return { health: null, error: `${base}/health answered HTTP ${res.statusCode} with no JSON` };
    }
  } catch (error) {
    return { health: null, error: `no validator answering at ${base}: ${(error as Error).message}` };
  }
}

/** The audit trail in the store, when it is a MongoDB the validator shares (the embedded one is in-process). */
async function readStore(config: Config, health: Health | null): Promise<{ last_commit: WeightCommitRecord | null; pending_reveals: number } | null> {
  if (config.mongodb.uri === undefined) return null;
  // The database may serve several validators: only this one's records (the running validator's
  // hotkey, else the configured wallet's).
  const hotkey = typeof health?.hotkey === 'string' && health.hotkey !== '' ? health.hotkey : (await loadHotkey(config.wallet)).address;
  const owner = { hotkey, netuid: config.netuid };
  const { openStore } = await import('../../store/open-store.js');
  const store = await openStore({ uri: config.mongodb.uri, db: config.mongodb.db, serverSelectionTimeoutMS: 5_000 });
  try {
    const [recent, reveals] = await Promise.all([store.weightCommits.recent(owner, 1), store.weightCommits.pendingReveals(owner)]);
    return { last_commit: recent[0] ?? null, pending_reveals: reveals.length };
  } finally {
    await store.close();
  }
}

export async function run({ flags: raw, stdout }: CommandContext): Promise<number> {
  const { own, config } = splitFlags(raw, ['json', 'url']);
  const url = pickText(own, 'url') ?? defaultUrl(config);
  if (!URL.canParse(url) || !/^https?:/.test(url)) throw new ConfigError(`--url must be an http(s) URL, got ${JSON.stringify(url)}`, '--url');
  const { health, error } = await readHealth(url);
  const store = await readStore(config, health).catch((e: unknown) => ({ error: (e as Error).message }));
  if (own['json']) {
    stdout.write(toJson({ url, reachable: health !== null, error, health, store }));
  } else {
    stdout.write(render(url, health, error, store));
  }
  if (health === null) return 1;
  return health.ok === false ? 1 : 0;
}

function render(url: string, h: Health | null, error: string | null, store: unknown): string {
  const lines: string[] = [];
  if (!h) {
    lines.push(`validator: not reachable (${error})`);
  } else {
    lines.push(`validator ${h.version ?? '?'} at ${url}: network ${h.network ?? '?'}, netuid ${h.netuid ?? '?'}, hotkey ${h.hotkey ?? '?'}`);
    const head = h.chain_head ? `, finalized head #${h.chain_head.number}` : '';
    lines.push(`chain: ${h.chain ?? '?'} (${h.chain_endpoint ?? '?'})${head}`);
    const c = h.last_cycle_summary;
    lines.push(
      c
        ? `last cycle ${c.interval}: ${c.result}, ${c.reported}/${c.miners} miners reported, ${c.timed_out} timed out` +
            `${c.timed_out_uids.length > 0 ? ` (uids ${c.timed_out_uids.join(', ')})` : ''}, ${c.accepted} submissions accepted, ${c.rejected} rejected`
        : 'last cycle: none yet',
    );
    const p = h.cycle_progress;
    if (p) lines.push(`running cycle: ${p.done}/${p.total} miners reported, ${p.submissions} submissions, most miners in ${p.stage} (${p.stage_miners})`);
    const w = h.last_weights;
    lines.push(
      w
        ? `last weights: ${w.ok ? 'committed' : 'failed'} (mode ${w.mode ?? '-'}${w.block !== null ? `, block ${w.block}` : ''}${w.at ? `, at ${w.at}` : ''})${w.error ? `: ${w.error}` : ''}`
        : 'last weights: none since start',
    );
    lines.push(
      `pending reveals: ${h.pending_reveals ?? 'unknown (store unreachable)'}; write backlog: ${h.pending_snapshots ?? '?'} snapshots${h.store ? `; store: ${h.store}` : ''}`,
    );
  }
  if (store && typeof store === 'object') {
    if ('error' in store) lines.push(`store: unreachable (${String((store as { error: string }).error)})`);
    else {
      const s = store as { last_commit: WeightCommitRecord | null; pending_reveals: number };
      const lc = s.last_commit;
      lines.push(
        `store: last weight commit ${lc ? `${lc.mode} ${lc.result} at ${new Date(lc.attempted_at).toISOString()}${lc.block !== null ? ` (block ${lc.block})` : ''}` : 'none'}; pending reveals ${s.pending_reveals}`,
      );
    }
  }
  return lines.join('\n') + '\n';
}
