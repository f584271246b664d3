import { readFile } from 'node:fs/promises';
import { renderTable, splitFlags, toJson } from '../../chain/inspect.js';
import { ConfigError, WalletError } from '../../errors.js';
import { escapeUntrusted } from '../../formats/escape-untrusted.js';
import { GistClient } from '../../miner/gist-client.js';
import { parseGistId } from '../../miner/gist-ref.js';
import { verifyLines } from '../../miner/sign-lines.js';
import { analyseLines, contentLines } from '../../miner/submission-lines.js';
import { gistLimitsFromConfig } from '../../config/gist-limits.js';
import { loadHotkey } from '../../wallet/index.js';
import { pickText } from '../flag-values.js';
import { readSubmissionsFile, writeSubmissionsFile } from '../../miner/submissions-file.js';
import type { CommandContext } from '../main.js';

export const description = 'miner gist pull|push --gist-id ID [--file submissions.jsonl] (GITHUB_TOKEN)';

const OWN = ['json', 'file', 'force', 'gist-id', 'gist_id', 'gistId', 'filename', 'description'];

export async function run({ flags, args, stdout, stderr }: CommandContext): Promise<number> {
  const action = args[0];
  if (action !== 'pull' && action !== 'push') throw new ConfigError(`miner gist needs pull or push${action ? ` (got "${action}")` : ''}`, 'gist');
  const { own, config } = splitFlags(flags, OWN);
  const rawId = pickText(own, 'gist-id', 'gist_id', 'gistId');
  const gistId = rawId === undefined ? undefined : parseGistId(rawId);
  const file = pickText(own, 'file') ?? 'submissions.jsonl';
  const token = process.env['GITHUB_TOKEN'] || undefined;
  const client = new GistClient({ token, baseUrl: config.github.api_url });

  if (action === 'pull') {
    if (gistId === undefined) throw new ConfigError('miner gist pull needs --gist-id ID (or a gist URL)', 'gist-id');
    const gist = await client.pull(gistId);
    // The local file may hold lines not published yet (an upload --append, a sign): replacing
    // it with the gist is asked for, not done by a pull that defaults to submissions.jsonl.
    const local = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return null;
      throw new ConfigError(`cannot read --file ${file}: ${error.code ?? error.message}`, 'file');
    });
    if (local !== null && local !== gist.content && !own['force']) {
      stderr.write(`refusing to replace ${file}: it differs from the gist (unpublished lines?); --file OTHER pulls beside it, --force replaces it\n`);
      return 1;
    }
    await writeSubmissionsFile(file, gist.content, 'file');
    if (own['json']) stdout.write(toJson({ file, ...gist, content: undefined, bytes: Buffer.byteLength(gist.content) }));
    // The file name is whatever the gist's owner called it.
    else stdout.write(`pulled ${escapeUntrusted(gist.filename, 200)} of gist ${gist.commitment} (${Buffer.byteLength(gist.content)} bytes) into ${file}\n`);
    return 0;
  }

  // The validator's parser decides; a file it would partly reject is not published by accident.
  const limits = gistLimitsFromConfig(config);
  const content = await readSubmissionsFile(file, { flag: 'file', maxBytes: limits.maxBytes });
  const lines = contentLines(analyseLines(content, limits));
  const bad: Array<{ line: number; reason: string; detail: string }> = lines
    .filter((l) => l.rejection)
    .map((l) => ({ line: l.line, reason: l.rejection!.reason, detail: l.rejection!.detail ?? '' }));
  // With the wallet at hand, signatures are checked too (and their absence when required).
  const hotkey = await loadHotkey(config.wallet).then(
    (pair) => pair.address,
    (error: unknown) => {
      if (error instanceof WalletError && error.code === 'ERR_WALLET_NOT_FOUND') return undefined;
      throw error;
    },
  );
  if (hotkey !== undefined) {
    const verified = await verifyLines(content, { netuid: config.netuid, hotkey, limits });
    for (const l of verified.lines) {
      if (l.status === 'invalid' || (l.status === 'unsigned' && config.require_signed_submissions)) bad.push({ line: l.line, reason: l.reason!, detail: l.detail ?? '' });
    }
  }
  if (bad.length > 0) {
    const table = renderTable(
      ['line', 'reason', 'detail'],
      bad.map((l) => [String(l.line), l.reason, l.detail]),
    );
    if (!own['force']) {
      stderr.write(table);
      stderr.write(`refusing to publish: ${bad.length} of ${lines.length} line(s) would be rejected by validators (--force publishes anyway)\n`);
      return 1;
    }
    stderr.write(table + `publishing anyway (--force): ${bad.length} line(s) will be rejected\n`);
  }
  const pushed = await client.push({
    gistId,
    content,
    ...(pickText(own, 'filename') !== undefined ? { filename: pickText(own, 'filename')! } : {}),
    ...(pickText(own, 'description') !== undefined ? { description: pickText(own, 'description')! } : {}),
  });
  const commitCommand = `infinitevibe commit --gist ${pushed.commitment}`;
  if (own['json']) stdout.write(toJson({ file, ...pushed, lines: lines.length, rejected: bad.length, commit_command: commitCommand }));
  else {
    stdout.write(`${pushed.created ? 'created' : 'updated'} gist ${pushed.id} (${pushed.filename}, ${lines.length} line(s))\n`);
    stdout.write(`commitment: ${pushed.commitment}\n`);
    stdout.write(`next: ${commitCommand}\n`);
  }
  return 0;
}
