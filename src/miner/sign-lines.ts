/**
 * `miner sign`: adds or refreshes each valid line's `signature` (SPEC §4.2) with the hotkey, and
 * `--verify`: checks the signatures of an existing file. Bad lines are reported with the
 * validator's reason and left exactly as they were.
 */
import type { ParseGistOptions } from '../formats/gist.js';
import { initCrypto, signSubmission, verifySubmissionSignature, type MessageSigner } from '../crypto/index.js';
import { analyseLines, joinLines, type FileLine } from './submission-lines.js';

export type SignStatus = 'signed' | 'refreshed' | 'unchanged' | 'rejected';

export interface LineOutcome {
  readonly line: number;
  readonly content_id: string | null;
  readonly platform: string | null;
  readonly status: string;
  /** The validator's reason name when the line is refused. */
  readonly reason: string | null;
  readonly detail: string | null;
}

export interface SignResult {
  readonly text: string;
  readonly lines: readonly LineOutcome[];
  readonly signed: number;
  readonly rejected: number;
}

export interface VerifyResult {
  readonly lines: readonly LineOutcome[];
  readonly valid: number;
  readonly invalid: number;
  readonly unsigned: number;
  readonly rejected: number;
  /** Every line parses and carries a signature that verifies. */
  readonly ok: boolean;
}

function checkNetuid(netuid: number): void {
  if (!Number.isInteger(netuid) || netuid < 0 || netuid > 0xffff) throw new RangeError(`netuid must be an integer in [0, 65535], got ${String(netuid)}`);
}

const rejected = (l: FileLine): LineOutcome => ({
  line: l.line,
  content_id: null,
  platform: null,
  status: 'rejected',
  reason: l.rejection!.reason,
  detail: l.rejection!.detail ?? null,
});

/**
 * Signs every valid line of `text`; returns the new text and one outcome per non-blank line.
 * sr25519 signatures are randomised, so a line whose signature already verifies for this hotkey
 * is kept as it is: re-signing would change the gist for nothing.
 */
export async function signLines(
  text: string,
  options: { netuid: number; signer: MessageSigner & { readonly address: string }; limits: ParseGistOptions },
): Promise<SignResult> {
  checkNetuid(options.netuid);
  await initCrypto();
  const lines = analyseLines(text, options.limits);
  const out: string[] = [];
  const outcomes: LineOutcome[] = [];
  let signed = 0;
  let refused = 0;
  for (const l of lines) {
    if (!l.submission) {
      out.push(l.raw);
      if (l.rejection) {
        outcomes.push(rejected(l));
        refused++;
      }
      continue;
    }
    const s = l.submission;
    if (s.signature && verifySubmissionSignature(options.netuid, s, options.signer.address) === 'valid') {
      out.push(l.raw);
      signed++;
      outcomes.push({ line: l.line, content_id: s.content_id, platform: s.platform, status: 'unchanged', reason: null, detail: null });
      continue;
    }
    const signature = signSubmission(options.netuid, s, options.signer);
    // Rewrite the parsed object so unknown fields the miner keeps survive; only `signature` changes.
    const obj = JSON.parse(l.raw.trim()) as Record<string, unknown>;
    const before = typeof obj['signature'] === 'string' ? obj['signature'] : undefined;
    delete obj['signature'];
    obj['signature'] = signature;
    out.push(JSON.stringify(obj));
    signed++;
    const status: SignStatus = before === undefined ? 'signed' : 'refreshed';
    outcomes.push({ line: l.line, content_id: s.content_id, platform: s.platform, status, reason: null, detail: null });
  }
  return { text: joinLines(out), lines: outcomes, signed, rejected: refused };
}

/** Checks every line's signature against `hotkey` with the validator's verifier. */
export async function verifyLines(text: string, options: { netuid: number; hotkey: string; limits: ParseGistOptions }): Promise<VerifyResult> {
  checkNetuid(options.netuid);
  await initCrypto();
  const counts = { valid: 0, invalid: 0, unsigned: 0, rejected: 0 };
  const outcomes: LineOutcome[] = [];
  for (const l of analyseLines(text, options.limits)) {
    if (l.rejection) {
      outcomes.push(rejected(l));
      counts.rejected++;
      continue;
    }
    if (!l.submission) continue;
    const s = l.submission;
    const status = verifySubmissionSignature(options.netuid, s, options.hotkey);
    counts[status]++;
    outcomes.push({
      line: l.line,
      content_id: s.content_id,
      platform: s.platform,
      status,
      reason: status === 'valid' ? null : status === 'invalid' ? 'invalid_signature' : 'unsigned',
      detail: status === 'invalid' ? `signature does not verify for ${options.hotkey} on netuid ${options.netuid}` : null,
    });
  }
  return { lines: outcomes, ...counts, ok: counts.invalid === 0 && counts.unsigned === 0 && counts.rejected === 0 };
}
