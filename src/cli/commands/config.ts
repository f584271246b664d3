import { loadConfig, redactedConfig } from '../../config/load-config.js';
import type { CommandContext } from '../main.js';
import type { FlagSpec } from '../help.js';

export const description = 'print the resolved configuration (secrets redacted)';

export const flags: readonly FlagSpec[] = [
  { name: 'json', description: 'accepted for symmetry; the output is always JSON', default: true },
];

export async function run({ flags, stdout }: CommandContext): Promise<number> {
  const { json: _json, ...rest } = flags;
  const config = loadConfig({ flags: rest });
  stdout.write(JSON.stringify(redactedConfig(config), null, 2) + '\n');
  return 0;
}
