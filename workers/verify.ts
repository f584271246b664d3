/**
 * Piscina worker: batched ownership checks (SPEC §4.1–4.2). One task carries many submissions
 * (the pool sends ≥16) so the cost of crossing threads is paid once per batch, not per signature.
 */
import { threadId } from 'node:worker_threads';
import { initCrypto, verifySubmissionSignature } from '../src/crypto/index.js';
import { captionMatches } from '../src/formats/caption.js';
import { epochMs, type VerifyEnvelope, type VerifyOutcome, type VerifyRequest, type VerifyTask } from '../src/pool/tasks.js';

// Started at module load so the WASM is compiled once per thread, before the first task arrives.
const ready = initCrypto();

function captionOk(item: VerifyRequest): boolean {
  try {
    return captionMatches(item.caption, item.hotkey);
  } catch {
    // A malformed hotkey is the miner's problem, not a reason to fail everyone's batch.
    return false;
  }
}

export default async function verify(task: VerifyTask): Promise<VerifyEnvelope> {
  await ready;
  const startedAt = epochMs();
  if (task === null || typeof task !== 'object' || !Array.isArray(task.items)) {
    throw new TypeError('verify task must be { netuid, items: VerifyRequest[] }');
  }
  const results = new Array<VerifyOutcome>(task.items.length);
  for (let i = 0; i < task.items.length; i++) {
    const item = task.items[i]!;
    results[i] =
      item === null || typeof item !== 'object'
        ? { caption_ok: false, signature: 'invalid' }
        : { caption_ok: captionOk(item), signature: verifySubmissionSignature(task.netuid, item, item.hotkey) };
  }
  return { results, startedAt, finishedAt: epochMs(), threadId };
}
