import { canonicalKey } from '../../config/load-config.js';
import { ConfigError } from '../../errors.js';
import type { FlagSpec, HelpTopic } from '../help.js';
import type { CommandContext, CommandModule } from '../main.js';
import { LOGGING_SUBCOMMANDS, MINER_LOG_FILE } from './miner-logger.js';

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
  { name: 'force', description: 'gist push: publish even with lines validators would reject; gist pull: replace a --file that differs', default: false },
  { name: 'hotkey', value: 'SS58', description: 'check, sign --verify, ui: the miner hotkey (default: the wallet hotkey)' },
  { name: 'gist', value: 'USER:ID', description: 'check: the committed gist to check' },
  { name: 'gist-id', value: 'ID', description: 'gist pull|push, ui: the gist (push without it creates one)' },
  { name: 'filename', value: 'NAME', description: 'gist pull|push: the file inside the gist' },
  { name: 'description', value: 'TEXT', description: 'gist push: description of a new gist' },
  { name: 'validator-url', value: 'URL', description: "check: also show a validator's verdicts (its /miners report)" },
  { name: 'bucket', value: 'NAME', description: 'upload, ui: the R2 bucket' },
  { name: 'account-id', value: 'ID', description: 'upload, ui: the Cloudflare account id (default: R2_ACCOUNT_ID)' },
  { name: 'public-id', value: 'ID', description: 'upload, ui: the public bucket id (pub-<id>.r2.dev)' },
  { name: 'public-base-url', value: 'URL', description: 'upload, ui: public URL base instead of pub-<id>.r2.dev' },
  { name: 'key', value: 'KEY', description: "upload: object key (default: the video file's name)" },
  { name: 'part-size-mib', value: 'N', description: 'upload: multipart part size', default: 8 },
  { name: 'append', value: 'FILE', description: 'upload: append a checked line to this submissions file' },
  { name: 'platform', value: 'PLATFORM', description: 'upload --append: the line platform' },
  { name: 'content-id', value: 'ID', description: 'upload --append: the line content id' },
  { name: 'port', value: 'N', description: 'ui: port to serve on', default: 8090 },
  { name: 'host', value: 'HOST', description: 'ui: address to bind (loopback by default)', default: '127.0.0.1' },
];

/** Which of the flags above each subcommand takes. */
const TAKES: Readonly<Record<string, readonly string[]>> = Object.freeze({
  check: ['json', 'gist', 'file', 'hotkey', 'validator-url'],
  sign: ['json', 'file', 'out', 'verify', 'hotkey'],
  gist: ['json', 'file', 'force', 'gist-id', 'filename', 'description'],
  upload: ['json', 'bucket', 'account-id', 'public-id', 'public-base-url', 'key', 'part-size-mib', 'append', 'platform', 'content-id'],
  ui: ['port', 'host', 'gist-id', 'file', 'hotkey', 'bucket', 'account-id', 'public-id', 'public-base-url'],
  playground: [],
});

/** What each subcommand's --help says above its flags. */
const PAGES: Readonly<Record<string, { readonly usage: string; readonly description: string }>> = Object.freeze({
  check: { usage: 'miner check --gist USER:GIST_ID | --file FILE [--hotkey SS58] [--validator-url URL] [flags]', description: "run the validator's checks on a gist or a file, line by line" },
  sign: { usage: 'miner sign --file FILE [--out FILE] [--verify] [flags]', description: 'sign each valid line with the wallet hotkey; --verify checks the signatures' },
  gist: { usage: 'miner gist pull|push [--gist-id ID] [--file FILE] [flags]', description: 'publish the file as a gist (push, GITHUB_TOKEN) or fetch it back (pull)' },
  upload: { usage: 'miner upload VIDEO --bucket B --public-id ID [--append FILE --platform P --content-id ID] [flags]', description: 'send a video to R2 (R2_* variables) and optionally append its line' },
  ui: { usage: 'miner ui [--gist-id ID] [--bucket B --public-id ID] [--port 8090] [flags]', description: 'a local page to edit, sign, check and save the gist' },
  playground: { usage: 'miner playground', description: 'stand-ins, services and a validator to try docs/MINING.md without any account' },
});

/** `infinitevibe miner <sub> --help`: only the flags that subcommand takes. */
export function subcommandHelp(args: readonly string[]): HelpTopic | undefined {
  const sub = args[0];
  const page = sub === undefined ? undefined : PAGES[sub];
  if (!page) return undefined;
  const takes = TAKES[sub!] ?? [];
  return { name: `miner ${sub!}`, ...page, flags: flags.filter((f) => takes.includes(f.name)) };
}

/**
 * Another subcommand's flag would otherwise reach the configuration loader, which reads
 * `--gist-id` as the config key `gist.id` and `--gist` as the `gist` section: name the flag as
 * the miner typed it and list the ones this subcommand takes.
 */
function checkSubcommandFlags(sub: string, given: Readonly<Record<string, unknown>>): void {
  const takes = TAKES[sub] ?? [];
  for (const raw of Object.keys(given)) {
    const key = canonicalKey(raw);
    const spec = flags.find((f) => canonicalKey(f.name) === key);
    if (!spec || takes.includes(spec.name)) continue;
    const list = takes.length > 0 ? `; it takes ${takes.map((t) => `--${t}`).join(', ')}` : '';
    throw new ConfigError(`miner ${sub} does not take --${raw}${list} (infinitevibe miner ${sub} --help lists them)`, raw);
  }
}

/**
 * sign, gist and upload write no log lines (their output is the result), so a recorded log would
 * stay empty: the flag is refused rather than taken and ignored. BT_LOGGING_RECORD_LOG, set for a
 * whole host's SDK processes, is left alone.
 */
function refuseRecordLog(sub: string, given: Readonly<Record<string, unknown>>): void {
  if (LOGGING_SUBCOMMANDS.has(sub)) return;
  const raw = Object.keys(given).find((k) => canonicalKey(k) === 'logging.record_log');
  if (raw === undefined || given[raw] === false) return;
  const takers = [...LOGGING_SUBCOMMANDS].join('|');
  throw new ConfigError(
    `miner ${sub} writes no log lines, so --${raw} would record nothing; it applies to validate, serve and miner ${takers} (file ${MINER_LOG_FILE})`,
    raw,
  );
}

export async function run(context: CommandContext): Promise<number> {
  const [sub, ...rest] = context.args;
  const loader = sub === undefined ? undefined : SUBCOMMANDS[sub];
  if (!loader) {
    throw new ConfigError(
      `miner needs a subcommand: ${Object.keys(SUBCOMMANDS).join(', ')}${sub === undefined ? '' : ` (got "${sub}")`}`,
      'miner',
    );
  }
  checkSubcommandFlags(sub!, context.flags);
  refuseRecordLog(sub!, context.flags);
  const mod = await loader();
  return mod.run({ ...context, args: rest });
}
