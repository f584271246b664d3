import { ConfigError } from '../../errors.js';
import type { FlagSpec } from '../help.js';
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

/**
 * The subcommands' own flags: `main` checks flags against the command it loads (this one), so
 * without them every subcommand flag would be refused as unknown before the subcommand runs.
 */
export const flags: readonly FlagSpec[] = [
  { name: 'json', description: 'check, sign, gist, upload: print JSON' },
  { name: 'file', value: 'PATH', description: 'check, sign, gist, ui: the submissions file' },
  { name: 'hotkey', value: 'SS58', description: 'check, sign --verify, ui: the miner hotkey' },
  { name: 'gist', value: 'ID', description: 'check: read this gist instead of the committed one' },
  { name: 'validator-url', value: 'URL', description: 'check: a validator serving /miners/<hotkey>' },
  { name: 'out', value: 'PATH', description: 'sign: write the signed lines here' },
  { name: 'verify', description: 'sign: only verify the signatures' },
  { name: 'force', description: 'gist push: overwrite changes made on the gist' },
  { name: 'gist-id', value: 'ID', description: 'gist, ui: the gist to read or write' },
  { name: 'filename', value: 'NAME', description: 'gist push: the file name in the gist' },
  { name: 'description', value: 'TEXT', description: 'gist push: the gist description' },
  { name: 'bucket', value: 'NAME', description: 'upload, ui: the R2 bucket' },
  { name: 'account-id', value: 'ID', description: 'upload, ui: the R2 account id' },
  { name: 'public-id', value: 'ID', description: 'upload, ui: the r2.dev public id' },
  { name: 'public-base-url', value: 'URL', description: 'upload, ui: the public URL of the bucket' },
  { name: 'key', value: 'KEY', description: 'upload: the object key' },
  { name: 'part-size-mib', value: 'N', description: 'upload: multipart part size', default: 8 },
  { name: 'append', value: 'PATH', description: 'upload: append a line for the video to this file' },
  { name: 'platform', value: 'P', description: 'upload --append: the platform of the line' },
  { name: 'content-id', value: 'ID', description: 'upload --append: the content id of the line' },
  { name: 'port', value: 'N', description: 'ui: the port to listen on' },
  { name: 'host', value: 'HOST', description: 'ui: the loopback address to listen on' },
];

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
