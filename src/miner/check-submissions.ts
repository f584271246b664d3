/**
 * `miner check`: the validator's path for one hotkey, line by line, with the validator's own
 * functions (commitment and gist parsers, caption token, sr25519 verifier, platform tracker, AI
 * detector, one-owner resolution) and its reason names, before a cycle judges the gist.
 */
import type { GistSource } from '../actors/types.js';
import { countToJson } from '../formats/count.js';
import { claimKey } from '../actors/types.js';
import { initCrypto, verifySubmissionSignature } from '../crypto/index.js';
import { FormatError, errorCode } from '../errors.js';
import { captionMatches, captionToken } from '../formats/caption.js';
import type { ParseGistOptions } from '../formats/gist.js';
import type { ParsedCommitment, Submission } from '../formats/types.js';
import { contentKey, resolveOwners, type OwnershipClaim } from '../scoring/resolve-owners.js';
import { snapshotReason } from '../scoring/snapshot-reason.js';
import type { AiDetector, ContentMetrics, MetricsProvider } from '../services/types.js';
import { parseGistReference } from './gist-ref.js';
import { scanChain, type ChainView } from './ownership-scan.js';
import { analyseLines, contentLines } from './submission-lines.js';

export type CheckVerdict = 'accepted' | 'rejected' | 'ignored';

export interface CheckRow {
  readonly line: number;
  readonly platform: string | null;
  readonly content_id: string | null;
  readonly verdict: CheckVerdict;
  /** `ok`, a gist rejection reason, or the validator's snapshot reasons. */
  readonly reason: string;
  readonly detail: string | null;
  readonly caption_ok: boolean | null;
  readonly signature: 'valid' | 'invalid' | 'unsigned' | null;
  readonly ai_score: number | null;
  readonly metrics: (Pick<ContentMetrics, 'like_count' | 'comment_count' | 'owner_username'> & { readonly view_count: number | string }) | null;
  /** Set when another miner claims the same video. */
  readonly ownership: { readonly winner: string | null; readonly reason: string | null; readonly rivals: number } | null;
}

export interface CheckReport {
  readonly hotkey: string;
  readonly netuid: number;
  readonly source: 'gist' | 'file';
  readonly commitment: {
    readonly value: string | null;
    readonly ok: boolean;
    readonly reason: string | null;
    readonly detail: string | null;
    /** What the chain holds for this hotkey (null: nothing committed, undefined: not read). */
    readonly on_chain: string | null | undefined;
    readonly block: number | null;
  };
  readonly rows: readonly CheckRow[];
  readonly summary: { readonly lines: number; readonly accepted: number; readonly rejected: number; readonly ignored: number; readonly by_reason: Readonly<Record<string, number>> };
  /** Every line would be accepted (and the commitment, when given, is usable). */
  readonly ok: boolean;
}

export interface CheckDeps {
  readonly netuid: number;
  readonly limits: ParseGistOptions;
  readonly requireSigned: boolean;
  readonly aiThreshold: number;
  readonly gists: GistSource;
  readonly metricsProvider: MetricsProvider;
  readonly aiDetector: AiDetector;
  /** Commitments and metagraph; without it, ownership conflicts are not checked. */
  readonly chain?: ChainView;
}

export interface CheckInput {
  readonly hotkey: string;
  /** `user:gist_id` or a gist URL: fetched like a validator does. */
  readonly gist?: string;
  /** A file not yet published. */
  readonly text?: string;
  readonly signal?: AbortSignal;
}

const row = (base: Partial<CheckRow> & Pick<CheckRow, 'line' | 'verdict' | 'reason'>): CheckRow => ({
  line: base.line,
  platform: base.platform ?? null,
  content_id: base.content_id ?? null,
  verdict: base.verdict,
  reason: base.reason,
  detail: base.detail ?? null,
  caption_ok: base.caption_ok ?? null,
  signature: base.signature ?? null,
  ai_score: base.ai_score ?? null,
  metrics: base.metrics ?? null,
  ownership: base.ownership ?? null,
});

export async function checkSubmissions(input: CheckInput, deps: CheckDeps): Promise<CheckReport> {
  if (typeof input.hotkey !== 'string' || input.hotkey === '') throw new TypeError('input.hotkey must be an SS58 address');
  if ((input.gist === undefined) === (input.text === undefined)) throw new TypeError('give exactly one of input.gist and input.text');
  await initCrypto();
  const signal = input.signal;
  const opts = signal ? { signal } : {};

  let commitment: CheckReport['commitment'] = { value: null, ok: true, reason: null, detail: null, on_chain: undefined, block: null };
  let parsed: ParsedCommitment | undefined;
  if (input.gist !== undefined) {
    try {
      parsed = parseGistReference(input.gist);
      commitment = { ...commitment, value: `${parsed.githubUser}:${parsed.gistId}` };
    } catch (error) {
      commitment = { ...commitment, value: input.gist, ok: false, reason: error instanceof FormatError ? error.reason : 'invalid', detail: (error as Error).message };
    }
  }

  const rows: CheckRow[] = [];
  let text = input.text;
  if (parsed) {
    try {
      text = await deps.gists.fetch(parsed, opts);
    } catch (error) {
      rows.push(row({ line: 0, verdict: 'rejected', reason: 'gist_failed', detail: `${errorCode(error)}: ${(error as Error).message}` }));
    }
  }

  const wanted: Submission[] = [];
  if (text !== undefined) {
    try {
      for (const l of contentLines(analyseLines(text, deps.limits))) {
        if (l.rejection) rows.push(row({ line: l.line, verdict: 'rejected', reason: l.rejection.reason, detail: l.rejection.detail ?? null }));
        else if (l.submission) wanted.push(l.submission);
      }
    } catch (error) {
      rows.push(row({ line: 0, verdict: 'rejected', reason: error instanceof FormatError ? error.reason : 'invalid', detail: (error as Error).message }));
    }
  }

  // The chain: our commitment (block for tie-breaks) and rivals claiming the same videos.
  const scan = deps.chain
    ? await scanChain(deps.chain, { netuid: deps.netuid, hotkey: input.hotkey, wanted: new Set(wanted.map((s) => contentKey(s.platform, s.content_id))), gists: deps.gists, limits: deps.limits, ...opts })
    : undefined;
  if (scan) {
    const onChain = scan.own?.value ?? null;
    commitment = { ...commitment, on_chain: onChain, block: scan.own?.block ?? null };
    if (commitment.ok && commitment.value !== null && onChain !== commitment.value) {
      commitment = {
        ...commitment,
        ok: false,
        reason: onChain === null ? 'no_commitment' : 'commitment_differs',
        detail:
          onChain === null
            ? `nothing committed for ${input.hotkey} on netuid ${deps.netuid}: run \`infinitevibe commit --gist ${commitment.value}\``
            : `chain holds "${onChain}": validators read that gist; \`infinitevibe commit --gist ${commitment.value}\` commits this one`,
      };
    }
    if (!scan.uidOf.has(input.hotkey)) {
      commitment = { ...commitment, ok: false, reason: 'not_registered', detail: `${input.hotkey} is not registered on netuid ${deps.netuid}; register it (btcli subnet register --netuid ${deps.netuid}) or check a registered hotkey (--wallet.hotkey, --hotkey)` };
    }
  }

  const candidates: Submission[] = [];
  for (const s of wanted) {
    if (deps.requireSigned && !s.signature) rows.push(row({ line: s.line, platform: s.platform, content_id: s.content_id, verdict: 'rejected', reason: 'unsigned', signature: 'unsigned' }));
    else candidates.push(s);
  }

  // Platform metrics, one batch, as the actor asks for them.
  const metricsByKey = new Map<string, ContentMetrics>();
  const metricErrors = new Map<string, { code: string; message: string }>();
  if (candidates.length > 0) {
    try {
      const batch = await deps.metricsProvider.getMetrics(candidates.map((s) => ({ platform: s.platform, content_id: s.content_id })), opts);
      for (const r of batch.results) metricsByKey.set(claimKey(r.platform, r.content_id), r);
      for (const e of batch.errors) metricErrors.set(claimKey(e.platform, e.content_id), { code: e.code, message: e.message });
    } catch (error) {
      for (const s of candidates) metricErrors.set(claimKey(s.platform, s.content_id), { code: errorCode(error), message: (error as Error).message });
    }
  }

  const rivalsByKey = new Map<string, NonNullable<typeof scan>['rivals'][number][]>();
  for (const r of scan?.rivals ?? []) {
    const key = contentKey(r.submission.platform, r.submission.content_id);
    rivalsByKey.set(key, [...(rivalsByKey.get(key) ?? []), r]);
  }

  await Promise.all(
    candidates.map(async (s) => {
      const key = claimKey(s.platform, s.content_id);
      const metrics = metricsByKey.get(key);
      const base = { line: s.line, platform: s.platform, content_id: s.content_id };
      if (!metrics) {
        const e = metricErrors.get(key);
        rows.push(row({ ...base, verdict: 'ignored', reason: e ? `metrics_${e.code}` : 'metrics_unavailable', detail: e?.message ?? 'the platform tracker returned nothing for this video' }));
        return;
      }
      const caption_ok = captionMatches(metrics.caption, input.hotkey);
      const signature = verifySubmissionSignature(deps.netuid, s, input.hotkey);
      const shown = { view_count: countToJson(metrics.view_count), like_count: metrics.like_count, comment_count: metrics.comment_count, owner_username: metrics.owner_username };
      const found = { ...base, caption_ok, signature, metrics: shown };

      let ownership: CheckRow['ownership'] = null;
      const rivals = rivalsByKey.get(contentKey(s.platform, s.content_id)) ?? [];
      if (rivals.length > 0) {
        const claims: OwnershipClaim[] = [
          { uid: scan!.uidOf.get(input.hotkey) ?? 65535, hotkey: input.hotkey, platform: s.platform, content_id: s.content_id, caption_ok, signature, commitment_block: commitment.block },
          ...rivals.map((r) => ({
            uid: r.uid,
            hotkey: r.hotkey,
            platform: r.submission.platform,
            content_id: r.submission.content_id,
            caption_ok: captionMatches(metrics.caption, r.hotkey),
            signature: verifySubmissionSignature(deps.netuid, r.submission, r.hotkey),
            commitment_block: r.commitmentBlock,
          })),
        ];
        const resolution = resolveOwners(claims, { requireSigned: deps.requireSigned });
        const loss = resolution.losers.find((l) => l.hotkey === input.hotkey);
        ownership = { winner: loss ? loss.winner : input.hotkey, reason: loss?.reason ?? null, rivals: rivals.length };
      }

      const fields = { signature_ok: signature === 'unsigned' ? null : signature === 'valid', caption_ok, owner_ok: !ownership?.reason };
      const details: Record<string, string> = {
        invalid_signature: `signature does not verify for ${input.hotkey} on netuid ${deps.netuid}`,
        caption_mismatch: `the caption (on YouTube, the description) lacks "${captionToken(input.hotkey)}"; add it to the post`,
        not_owner: `${ownership?.reason ?? ''}; kept by ${ownership?.winner ?? 'nobody'}`,
      };
      // The validator scores AI only for content that could still count.
      const early = snapshotReason({ ...fields, ai_score: 1 }, 0);
      if (early !== 'ok') return void rows.push(row({ ...found, ownership, verdict: 'rejected', reason: early, detail: details[early] ?? null }));
      let ai: number;
      try {
        ai = (await deps.aiDetector.detect(metrics.video_url ?? s.direct_video_url, { ...opts, source: metrics.video_url ? 'platform' : 'miner' })).mean_ai_generated;
      } catch (error) {
        return void rows.push(row({ ...found, ownership, verdict: 'ignored', reason: 'ai_unavailable', detail: `${errorCode(error)}: ${(error as Error).message}` }));
      }
      const reason = snapshotReason({ ...fields, ai_score: ai }, deps.aiThreshold);
      rows.push(row({ ...found, ownership, ai_score: ai, verdict: reason === 'ok' ? 'accepted' : 'rejected', reason, detail: reason === 'not_ai' ? `AI score ${ai.toFixed(3)} is not above ${deps.aiThreshold}` : null }));
    }),
  );

  rows.sort((a, b) => a.line - b.line);
  const by_reason: Record<string, number> = {};
  const counts = { accepted: 0, rejected: 0, ignored: 0 };
  for (const r of rows) {
    counts[r.verdict]++;
    if (r.verdict !== 'accepted') by_reason[r.reason] = (by_reason[r.reason] ?? 0) + 1;
  }
  const lines = rows.filter((r) => r.line > 0).length;
  return {
    hotkey: input.hotkey,
    netuid: deps.netuid,
    source: input.gist !== undefined ? 'gist' : 'file',
    commitment,
    rows,
    summary: { lines, ...counts, by_reason },
    ok: commitment.ok && lines > 0 && counts.rejected === 0 && counts.ignored === 0,
  };
}
