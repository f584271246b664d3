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

/** Every subcommand's own flags (docs/MINING.md describes each); config keys are accepted too. */
export const flags: readonly FlagSpec[] = [
  { name: 'json', description: 'print JSON instead of a table', default: false },
  { name: 'file', value: 'FILE', description: 'the submissions file (JSON lines); sign needs it, check takes it or --gist, gist pull|push default to submissions.jsonl' },
  { name: 'out', value: 'FILE', description: 'sign: write the signed file here instead of in place' },
  { name: 'verify', description: 'sign: only check the existing signatures', default: false },
  { name: 'force', description: 'gist push: publish even with lines validators would reject', default: false },
  { name: 'hotkey', value: 'SS58', description: 'check: the miner hotkey (default: the wallet hotkey)' },
  { name: 'gist', value: 'USER:ID', description: 'check: the committed gist to check' },
  { name: 'gist-id', value: 'ID', description: 'gist pull|push: the gist (push without it creates one)' },
  { name: 'filename', value: 'NAME', description: 'gist pull|push: the file inside the gist' },
  { name: 'description', value: 'TEXT', description: 'gist push: description of a new gist' },
  { name: 'validator-url', value: 'URL', description: "check: also show a validator's verdicts (its /miners report)" },
  { name: 'bucket', value: 'NAME', description: 'upload: the R2 bucket' },
  { name: 'account-id', value: 'ID', description: 'upload: the Cloudflare account id' },
  { name: 'public-id', value: 'ID', description: 'upload: the public bucket id (pub-<id>.r2.dev)' },
  { name: 'public-base-url', value: 'URL', description: 'upload: public URL base instead of pub-<id>.r2.dev' },
  { name: 'key', value: 'KEY', description: 'upload: object key (default videos/<time>_<name>)' },
  { name: 'part-size-mib', value: 'N', description: 'upload: multipart part size', default: 8 },
  { name: 'append', description: 'upload: append a checked line to the submissions file', default: false },
  { name: 'platform', value: 'PLATFORM', description: 'upload --append: the line platform' },
  { name: 'content-id', value: 'ID', description: 'upload --append: the line content id' },
  { name: 'port', value: 'N', description: 'ui: port to serve on', default: 8090 },
  { name: 'host', value: 'HOST', description: 'ui: address to bind (loopback by default)', default: '127.0.0.1' },
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
