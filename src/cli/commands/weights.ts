import { connectFromConfig, parseUidFlag, renderTable, splitFlags, toJson } from '../../chain/inspect.js';
import { ConfigError } from '../../errors.js';
import { loadHotkey } from '../../wallet/index.js';
import type { CommandContext } from '../main.js';
import { compareJson, compareText, compareWeights } from './weights-compare.js';
import type { FlagSpec } from '../help.js';
import { publicEndpoint } from '../../util/public-endpoint.js';

export const description =
  "show a validator's weights on chain (the wallet hotkey's uid, or --uid N); --compare sets them against the subnet's stake-weighted consensus";

export const flags: readonly FlagSpec[] = [
  { name: 'uid', value: 'N', description: "the validator's uid (default: the wallet hotkey's uid)" },
  { name: 'json', description: 'print JSON instead of a table', default: false },
  { name: 'compare', description: "ours, the stake-weighted consensus and every validator's weight, per uid", default: false },
];

export async function run({ flags, stdout }: CommandContext): Promise<number> {
  const { own, config } = splitFlags(flags, ['json', 'uid', 'compare']);
  let uid = parseUidFlag(own['uid']);
  let hotkey: string | undefined;
  if (uid === undefined) hotkey = (await loadHotkey(config.wallet)).address;
  const client = await connectFromConfig(config);
  try {
    if (own['compare']) {
      const report = await compareWeights(client, {
        netuid: config.netuid,
        topK: config.scoring.top_miners,
        ...(uid !== undefined ? { selfUid: uid } : {}),
        ...(hotkey !== undefined ? { selfHotkey: hotkey } : {}),
      });
      stdout.write(own['json'] ? compareJson(publicEndpoint(client.endpoint), report) : compareText(report));
      return 0;
    }
    if (hotkey !== undefined) {
      const status = await client.validatorStatus(config.netuid, hotkey);
      if (status.uid === null) {
        throw new ConfigError(
          `hotkey ${hotkey} is not registered on netuid ${config.netuid}; pass --uid N to inspect another uid`,
          'uid',
        );
      }
      uid = status.uid;
    }
    if (hotkey === undefined) {
      // --uid N: name the hotkey that holds the uid now, so the output says whose weights these are.
      const snapshot = await client.metagraph(config.netuid);
      hotkey = snapshot.neurons.find((n) => n.uid === uid)?.hotkey;
    }
    const onChain = await client.weightsOf(config.netuid, uid as number);
    const total = onChain.weights.reduce((a, w) => a + w.value, 0);
    const weights = onChain.weights.map((w) => ({ ...w, share: total > 0 ? w.value / total : 0 }));
    if (own['json']) {
      stdout.write(
        toJson({ endpoint: publicEndpoint(client.endpoint), netuid: config.netuid, uid, hotkey: hotkey ?? null, weights }),
      );
      return 0;
    }
    stdout.write(
      `netuid ${config.netuid}, uid ${String(uid)}${hotkey ? ` (${hotkey})` : ''}: ${weights.length} weights\n`,
    );
    stdout.write(
      renderTable(
        ['uid', 'weight (u16)', 'share'],
        weights.map((w) => [String(w.uid), String(w.value), `${(w.share * 100).toFixed(2)}%`]),
      ),
    );
    return 0;
  } finally {
    await client.close();
  }
}
