import { renderTable, splitFlags, toJson } from '../../chain/inspect.js';
import { claimKey } from '../../actors/types.js';
import { ConfigError } from '../../errors.js';
import { escapeUntrusted } from '../../formats/escape-untrusted.js';
import { checkSubmissions, type CheckReport } from '../../miner/check-submissions.js';
import { fetchValidatorReport, type ValidatorReport } from '../../miner/validator-report-client.js';
import { openMinerToolkit } from '../../runtime/miner-toolkit.js';
import { loadHotkey } from '../../wallet/index.js';
import { hotkeyFlag, pickText } from '../flag-values.js';
import { readSubmissionsFile } from '../../miner/submissions-file.js';
import type { CommandContext } from '../main.js';
import { minerLogger } from './miner-logger.js';

export const description = "run the validator's checks on a gist or file: miner check --gist user:id | --file F [--hotkey SS58]";

const OWN = ['json', 'gist', 'file', 'hotkey', 'validator-url', 'validator_url', 'validatorUrl'];

/**
 * The terminal table. Gist lines, service error details and everything a validator's report says
 * come from others: control and bidi characters in them are escaped so they cannot drive the
 * terminal or disguise a row.
 */
export function renderCheck(report: CheckReport, validator: ValidatorReport | null | undefined): string {
  const theirs = new Map((validator?.lines ?? []).map((l) => [claimKey(l.platform, l.content_id), l]));
  const theirLines = new Map((validator?.rejected_lines ?? []).map((l) => [l.line, { verdict: 'rejected', reason: l.reason }]));
  const headers = ['line', 'platform', 'content_id', 'verdict', 'reason', 'ai', 'detail'];
  if (validator !== undefined) headers.push('validator');
  const rows = report.rows.map((r) => {
    const cells = [r.line === 0 ? '-' : String(r.line), r.platform ?? '-', r.content_id ?? '-', r.verdict, r.reason, r.ai_score === null ? '-' : r.ai_score.toFixed(3), r.detail ?? ''];
    if (validator !== undefined) {
      const v = r.platform && r.content_id ? theirs.get(claimKey(r.platform, r.content_id)) : theirLines.get(r.line);
      cells.push(v ? `${v.verdict}:${v.reason}${v.reason === r.reason ? '' : ' (differs)'}` : '-');
    }
    return cells.map((c) => escapeUntrusted(c, 300));
  });
  const c = report.commitment;
  const onChain = c.on_chain !== undefined ? `on chain: ${c.on_chain ?? 'none'}${c.block !== null ? ` at block ${c.block}` : ''}` : '';
  const verdict = c.ok ? 'ok' : `${c.reason}${c.detail ? ` (${c.detail})` : ''}`;
  // A file has no commitment of its own: only what the chain holds, and why the hotkey cannot score.
  const commitmentLine =
    c.value !== null ? `commitment ${c.value}: ${verdict}${onChain ? `; ${onChain}` : ''}` : onChain ? `commitment ${onChain}${c.ok ? '' : `; ${verdict}`}` : '';
  const lines: string[] = [
    `hotkey ${report.hotkey} on netuid ${report.netuid}`,
    escapeUntrusted(commitmentLine),
    renderTable(headers, rows).trimEnd(),
    `${report.summary.lines} line(s): ${report.summary.accepted} accepted, ${report.summary.rejected} rejected, ${report.summary.ignored} not checked` +
      (Object.keys(report.summary.by_reason).length ? ` (${Object.entries(report.summary.by_reason).map(([k, n]) => `${k}: ${n}`).join(', ')})` : ''),
  ];
  if (validator === null) lines.push('validator: no report for this hotkey yet (not in its latest cycle)');
  else if (validator) {
    const v = `validator: interval ${validator.interval ?? '-'}, status ${validator.status ?? '-'}, score ${validator.score ?? '-'}, weight ${validator.weight ?? '-'}`;
    lines.push(escapeUntrusted(v, 300));
  }
  lines.push(report.ok ? 'every line would be accepted' : 'some lines would not be accepted');
  return lines.filter((l) => l !== '').join('\n') + '\n';
}

const UNREACHABLE_RE = /ERR_SERVICE_(NETWORK|TIMEOUT)/;

/**
 * A miner runs neither service by default, so `localhost` refusing is the usual first result:
 * say where the checks looked and how to get a service, once, below the table.
 */
export function serviceHints(report: CheckReport, urls: { readonly platformTracker: string; readonly aiDetector: string }): string[] {
  const hints: string[] = [];
  if (report.rows.some((r) => r.reason.startsWith('metrics_') && UNREACHABLE_RE.test(r.reason))) {
    hints.push(`the platform tracker at ${urls.platformTracker} did not answer: start one (infinitevibe serve platform-tracker, with YOUTUBE_API_KEY and APIFY_API_KEY) or pass --platform_tracker.url`);
  }
  if (report.rows.some((r) => r.reason === 'ai_unavailable' && UNREACHABLE_RE.test(r.detail ?? ''))) {
    hints.push(`the AI detector at ${urls.aiDetector} did not answer: start one (infinitevibe serve ai-detector, with SIGHTENGINE_USER and SIGHTENGINE_SECRET) or pass --ai_detector.url`);
  }
  return hints;
}

export async function run({ flags, stdout }: CommandContext): Promise<number> {
  const { own, config } = splitFlags(flags, OWN);
  const gist = pickText(own, 'gist');
  const file = pickText(own, 'file');
  if ((gist === undefined) === (file === undefined)) throw new ConfigError('miner check needs exactly one of --gist user:gist_id and --file submissions.jsonl', 'gist');
  const hotkey = hotkeyFlag(own) ?? (await loadHotkey(config.wallet)).address;
  const validatorUrl = pickText(own, 'validator-url', 'validator_url', 'validatorUrl');
  // Refused before the checks run, which can take a while, not after them with a stack trace.
  if (validatorUrl !== undefined && !/^https?:\/\/[^/]/i.test(validatorUrl)) {
    throw new ConfigError(`--validator-url must be the validator's metrics address, such as http://127.0.0.1:9100, got ${JSON.stringify(validatorUrl)}`, 'validator-url');
  }
  const text = file === undefined ? undefined : await readSubmissionsFile(file, { flag: 'file', maxBytes: config.gist.max_bytes });
  const logger = minerLogger(config.logging, config.logging.level === 'info' ? 'warn' : config.logging.level);
  const toolkit = await openMinerToolkit(config, { logger });
  try {
    const report = await checkSubmissions({ hotkey, ...(gist !== undefined ? { gist } : { text: text! }) }, toolkit.deps);
    const validator = typeof validatorUrl === 'string' ? await fetchValidatorReport(validatorUrl, hotkey) : undefined;
    if (own['json']) stdout.write(toJson({ ...report, ...(validator !== undefined ? { validator } : {}) }));
    else {
      stdout.write(renderCheck(report, validator));
      for (const hint of serviceHints(report, { platformTracker: config.platform_tracker.url, aiDetector: config.ai_detector.url })) stdout.write(`${hint}\n`);
    }
    return report.ok ? 0 : 1;
  } finally {
    await toolkit.close();
  }
}
