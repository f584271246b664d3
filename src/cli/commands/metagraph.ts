import { connectFromConfig, formatRao, renderTable, splitFlags, toJson } from '../../chain/inspect.js';
import { readNeuronStats } from '../../chain/neuron-stats.js';
import type { CommandContext } from '../main.js';
import type { FlagSpec } from '../help.js';
import { publicEndpoint } from '../../util/public-endpoint.js';

export const description =
  'show the subnet metagraph (uid, hotkey, coldkey, stake, trust, consensus, incentive, dividends, emission, permit, active, last update)';

export const flags: readonly FlagSpec[] = [
  { name: 'json', description: 'print JSON instead of a table', default: false },
];

export async function run({ flags, stdout }: CommandContext): Promise<number> {
  const { own, config } = splitFlags(flags, ['json']);
  const client = await connectFromConfig(config);
  try {
    const [snapshot, statsOf] = await Promise.all([client.metagraph(config.netuid), client.storage().then((storage) => readNeuronStats(storage, config.netuid))]);
    const neurons = snapshot.neurons.map((n) => ({ ...n, ...statsOf(n.uid) }));
    if (own['json']) {
      stdout.write(toJson({ endpoint: publicEndpoint(client.endpoint), ...snapshot, neurons }));
      return 0;
    }
    stdout.write(
      `netuid ${snapshot.netuid} at finalized block ${snapshot.block} (${snapshot.blockHash}), ${snapshot.neurons.length} neurons\n`,
    );
    stdout.write(
      renderTable(
        ['uid', 'hotkey', 'coldkey', 'stake (alpha)', 'trust', 'consensus', 'incentive', 'dividends', 'emission', 'permit', 'active', 'last update'],
        neurons.map((n) => [
          String(n.uid),
          n.hotkey,
          n.coldkey,
          formatRao(n.stake),
          ratio(n.trust),
          ratio(n.consensus),
          ratio(n.incentive),
          ratio(n.dividends),
          n.emission === null ? '-' : formatRao(n.emission),
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

function ratio(value: number | null): string {
  return value === null ? '-' : value.toFixed(5);
}
