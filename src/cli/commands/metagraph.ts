import { connectFromConfig, formatRao, renderTable, splitFlags, toJson } from '../../chain/inspect.js';
import type { CommandContext } from '../main.js';
import type { FlagSpec } from '../help.js';

export const description =
  'show the subnet metagraph (uid, hotkey, coldkey, stake, trust, consensus, incentive, dividends, emission, permit, active, last update)';

export const flags: readonly FlagSpec[] = [
  { name: 'json', description: 'print JSON instead of a table', default: false },
];

export async function run({ flags, stdout }: CommandContext): Promise<number> {
  const { own, config } = splitFlags(flags, ['json']);
  const client = await connectFromConfig(config);
  try {
    const snapshot = await client.metagraph(config.netuid);
    if (own['json']) {
      stdout.write(toJson({ endpoint: client.endpoint, ...snapshot }));
      return 0;
    }
    stdout.write(
      `netuid ${snapshot.netuid} at finalized block ${snapshot.block} (${snapshot.blockHash}), ${snapshot.neurons.length} neurons\n`,
    );
    stdout.write(
      renderTable(
        ['uid', 'hotkey', 'coldkey', 'stake (alpha)', 'permit', 'active', 'last update'],
        snapshot.neurons.map((n) => [
          String(n.uid),
          n.hotkey,
          n.coldkey,
          formatRao(n.stake),
          n.validatorPermit ? 'yes' : 'no',
          n.active ? 'yes' : 'no',
          String(n.lastUpdate),
        ]),
      ),
    );
    return 0;
  } finally {
    await client.close();
  }
}
