import { connectFromConfig, splitFlags, toJson } from '../../chain/inspect.js';
import { ChainModuleError, ConfigError, HotkeyNotRegisteredError } from '../../errors.js';
import { parseGistReference } from '../../miner/gist-ref.js';
import { loadHotkey } from '../../wallet/index.js';
import type { CommandContext } from '../main.js';
import type { FlagSpec } from '../help.js';

export const description = "set this hotkey's miner commitment (--gist <github_user>:<gist_id> or a gist URL)";

export const flags: readonly FlagSpec[] = [
  { name: 'gist', value: 'USER:GIST_ID', description: 'the commitment to set (required)' },
  { name: 'json', description: 'print the receipt as JSON', default: false },
];

export async function run({ flags, stdout }: CommandContext): Promise<number> {
  const { own, config } = splitFlags(flags, ['json', 'gist']);
  const raw = own['gist'];
  if (typeof raw !== 'string' || raw.trim() === '') {
    throw new ConfigError('commit needs --gist <github_user>:<gist_id> (or https://gist.github.com/<user>/<id>)', 'gist');
  }
  // Same rules the validator applies when it reads commitments back (SPEC §3): refuse early.
  const parsed = parseGistReference(raw);
  const value = `${parsed.githubUser}:${parsed.gistId}`;
  const signer = await loadHotkey(config.wallet);
  const client = await connectFromConfig(config);
  try {
    // The chain takes commitments from registered hotkeys only, and charges the fee of a refused
    // one: ask first, and name the fix rather than Commitments.AccountNotAllowedCommit.
    if ((await client.validatorStatus(config.netuid, signer.address)).uid === null) throw new HotkeyNotRegisteredError(signer.address, config.netuid);
    // Updating a gist keeps its id, so the commitment often stands already: sending it again
    // would spend a fee and commitment space for nothing.
    const held = (await client.commitments(config.netuid)).find((c) => c.hotkey === signer.address);
    if (held?.value === value) {
      if (own['json']) stdout.write(toJson({ endpoint: client.endpoint, netuid: config.netuid, hotkey: signer.address, value, unchanged: true, block: held.block }));
      else stdout.write(`"${value}" is already committed for ${signer.address} on netuid ${config.netuid} (block ${held.block}); nothing sent\n`);
      return 0;
    }
    const receipt = await client.setCommitment(config.netuid, value, signer).catch((error: unknown) => {
      // Deregistered between the two calls.
      if (error instanceof ChainModuleError && error.errorName === 'AccountNotAllowedCommit') throw new HotkeyNotRegisteredError(signer.address, config.netuid);
      throw error;
    });
    if (own['json'])
      stdout.write(
        toJson({
          endpoint: client.endpoint,
          netuid: config.netuid,
          hotkey: signer.address,
          value,
          ...receipt,
        }),
      );
    else
      stdout.write(
        `committed "${value}" for ${signer.address} on netuid ${config.netuid} in block ${receipt.block} (${receipt.blockHash})\n`,
      );
    return 0;
  } finally {
    await client.close();
  }
}
