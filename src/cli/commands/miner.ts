import { ConfigError } from '../../errors.js';
import type { CommandContext, CommandModule } from '../main.js';

/** `infinitevibe miner <sub>`: each subcommand is its own module, loaded on demand. */
const SUBCOMMANDS: Readonly<Record<string, () => Promise<CommandModule>>> = Object.freeze({
  check: () => import('./miner-check.js'),
  sign: () => import('./miner-sign.js'),
  gist: () => import('./miner-gist.js'),
  upload: () => import('./miner-upload.js'),
  ui: () => import('./miner-ui.js'),
  playground: () => import('./miner-playground.js'),
});

export const description = 'miner toolkit: check | sign | gist pull|push | upload | ui | playground';

export async function run(context: CommandContext): Promise<number> {
  const [sub, ...rest] = context.args;
  const loader = sub === undefined ? undefined : SUBCOMMANDS[sub];
  if (!loader) {
    throw new ConfigError(
      `miner needs a subcommand: ${Object.keys(SUBCOMMANDS).join(', ')}${sub === undefined ? '' : ` (got "${sub}")`}`,
      'miner',
    );
  }
  const mod = await loader();
  return mod.run({ ...context, args: rest });
}
