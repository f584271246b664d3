import { renderTable, splitFlags, toJson } from '../../chain/inspect.js';
import { ConfigError } from '../../errors.js';
import { signLines, verifyLines, type LineOutcome } from '../../miner/sign-lines.js';
import { gistLimitsFromConfig } from '../../config/gist-limits.js';
import { loadHotkey } from '../../wallet/index.js';
import { hotkeyFlag, pickText } from '../flag-values.js';
import { readSubmissionsFile, writeSubmissionsFile } from '../../miner/submissions-file.js';
import type { CommandContext } from '../main.js';

export const description = 'sign each line of a submissions file with the wallet hotkey (--verify checks one)';

function table(lines: readonly LineOutcome[]): string {
  return renderTable(
    ['line', 'platform', 'content_id', 'status', 'reason'],
    lines.map((l) => [String(l.line), l.platform ?? '-', l.content_id ?? '-', l.status, l.reason ? `${l.reason}${l.detail ? `: ${l.detail}` : ''}` : '']),
  );
}

export async function run({ flags, stdout }: CommandContext): Promise<number> {
  const { own, config } = splitFlags(flags, ['json', 'file', 'out', 'verify', 'hotkey']);
  const file = pickText(own, 'file');
  if (file === undefined) throw new ConfigError('miner sign needs --file submissions.jsonl', 'file');
  const out = pickText(own, 'out') ?? file;
  const verifyHotkey = hotkeyFlag(own);
  const limits = gistLimitsFromConfig(config);
  const text = await readSubmissionsFile(file, { flag: 'file', maxBytes: limits.maxBytes, rewrite: !own['verify'] });
  if (own['verify']) {
    const hotkey = verifyHotkey ?? (await loadHotkey(config.wallet)).address;
    const result = await verifyLines(text, { netuid: config.netuid, hotkey, limits });
    if (own['json']) stdout.write(toJson({ file, hotkey, netuid: config.netuid, ...result }));
    else {
      stdout.write(table(result.lines));
      stdout.write(`${result.valid} valid, ${result.invalid} invalid, ${result.unsigned} unsigned, ${result.rejected} rejected (hotkey ${hotkey}, netuid ${config.netuid})\n`);
    }
    return result.ok ? 0 : 1;
  }
  const signer = await loadHotkey(config.wallet);
  const result = await signLines(text, { netuid: config.netuid, signer, limits });
  await writeSubmissionsFile(out, result.text, pickText(own, 'out') !== undefined ? 'out' : 'file');
  if (own['json']) stdout.write(toJson({ file, out, hotkey: signer.address, netuid: config.netuid, signed: result.signed, rejected: result.rejected, lines: result.lines }));
  else {
    stdout.write(table(result.lines));
    stdout.write(`${result.signed} signed, ${result.rejected} rejected and left unchanged; wrote ${out} (hotkey ${signer.address}, netuid ${config.netuid})\n`);
  }
  return result.rejected === 0 ? 0 : 1;
}
