import { connectFromConfig, renderTable, splitFlags, toJson } from '../../chain/inspect.js';
import { FormatError } from '../../errors.js';
import { parseCommitment } from '../../formats/commitment.js';
import { escapeUntrusted } from '../../formats/escape-untrusted.js';
import type { CommandContext } from '../main.js';
import type { FlagSpec } from '../help.js';
import { publicEndpoint } from '../../util/public-endpoint.js';

export const description =
  'show miner commitments of the subnet and whether each parses as <github_user>:<gist_id>';

export const flags: readonly FlagSpec[] = [
  { name: 'json', description: 'print JSON instead of a table', default: false },
];

export async function run({ flags, stdout }: CommandContext): Promise<number> {
  const { own, config } = splitFlags(flags, ['json']);
  const client = await connectFromConfig(config);
  try {
    const [records, snapshot] = await Promise.all([
      client.commitments(config.netuid),
      client.metagraph(config.netuid),
    ]);
    const uidOf = new Map(snapshot.neurons.map((n) => [n.hotkey, n.uid]));
    const rows = records
      .map((r) => {
        let parsed: { githubUser: string; gistId: string } | null = null;
        let problem = r.error ?? null;
        if (r.value !== null) {
          try {
            parsed = parseCommitment(r.value);
          } catch (error) {
            if (!(error instanceof FormatError)) throw error;
            problem = error.reason;
          }
        }
        return {
          uid: uidOf.get(r.hotkey) ?? null,
          hotkey: r.hotkey,
          block: r.block,
          value: r.value,
          parsed,
          error: problem,
        };
      })
      .sort((a, b) => (a.uid ?? 1e9) - (b.uid ?? 1e9) || a.hotkey.localeCompare(b.hotkey));
    if (own['json']) {
      stdout.write(
        toJson({
          endpoint: publicEndpoint(client.endpoint),
          netuid: config.netuid,
          block: snapshot.block,
          commitments: rows,
        }),
      );
      return 0;
    }
    stdout.write(`netuid ${config.netuid}: ${rows.length} commitments\n`);
    stdout.write(
      renderTable(
        ['uid', 'hotkey', 'block', 'commitment', 'status'],
        rows.map((r) => [
          r.uid === null ? '-' : String(r.uid),
          r.hotkey,
          String(r.block),
          // Miner-written: escaped, so a control or bidi character cannot rewrite the table.
          r.value === null ? 'null' : `"${escapeUntrusted(r.value, 120)}"`,
          r.error ?? 'ok',
        ]),
      ),
    );
    return 0;
  } finally {
    await client.close();
  }
}
