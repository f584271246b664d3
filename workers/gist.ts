/**
 * Piscina worker: batched gist parsing (SPEC §3) with the signed-line check of every parsed
 * submission (SPEC §4.2). One task carries many miners' gist bodies, so parsing and sr25519
 * verification leave the main thread together, one thread hop per batch.
 */
import { threadId } from 'node:worker_threads';
import { initCrypto } from '../src/crypto/index.js';
import { parseSignedGist } from '../src/pool/signed-gist.js';
import { epochMs, type GistEnvelope, type GistTask } from '../src/pool/tasks.js';

// Started at module load so the WASM is compiled once per thread, before the first task arrives.
const ready = initCrypto();

export default async function gist(task: GistTask): Promise<GistEnvelope> {
  await ready;
  const startedAt = epochMs();
  if (task === null || typeof task !== 'object' || !Array.isArray(task.items)) {
    throw new TypeError('gist task must be { netuid, limits, items: GistRequest[] }');
  }
  const results = task.items.map((item) => parseSignedGist(task.netuid, task.limits, item));
  return { results, startedAt, finishedAt: epochMs(), threadId };
}
