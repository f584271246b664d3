import yargs from 'yargs';
import { ConfigError, InfiniteVibeError } from '../errors.js';

/**
 * Command dispatcher. Each command lives in its own module under ./commands and is loaded on
 * demand, so `infinitevibe metagraph` does not pay for the worker pool or the services.
 */

export interface CommandContext {
  /** Flags as parsed: Bittensor dotted names kept flat (`'wallet.name': 'x'`). */
  readonly flags: Record<string, unknown>;
  /** Positional arguments after the command name. */
  readonly args: readonly string[];
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
}

export interface CommandModule {
  readonly description: string;
  run(context: CommandContext): Promise<number>;
}

export const COMMANDS: Readonly<Record<string, () => Promise<CommandModule>>> = Object.freeze({
  config: () => import('./commands/config.js'),
  validate: () => import('./commands/validate.js'),
  devnet: () => import('./commands/devnet-group.js'),
  metagraph: () => import('./commands/metagraph.js'),
  commitments: () => import('./commands/commitments.js'),
  weights: () => import('./commands/weights.js'),
  commit: () => import('./commands/commit.js'),
  serve: () => import('./commands/serve.js'),
});

const BOOLEAN_FLAGS = ['json', 'once', 'help', 'require_signed_submissions', 'require-signed-submissions'];

/** Parses argv into a command name, positionals and flat flags (dots are not nested). */
export function parseArgv(argv: readonly string[]): { command: string | undefined; args: string[]; flags: Record<string, unknown> } {
  const parsed = yargs([...argv])
    .parserConfiguration({
      'dot-notation': false,
      'camel-case-expansion': false,
      'strip-aliased': true,
      'boolean-negation': false,
    })
    .boolean(BOOLEAN_FLAGS)
    .help(false)
    .version(false)
    .parseSync();
  const { _, $0: _script, ...flags } = parsed;
  for (const key of BOOLEAN_FLAGS) if (flags[key] === false && !argv.some((a) => a.startsWith(`--${key}`))) delete flags[key];
  const positionals = _.map(String);
  return { command: positionals[0], args: positionals.slice(1), flags };
}

function usage(): string {
  const lines = ['usage: infinitevibe <command> [flags]', '', 'commands:'];
  lines.push(
    '  validate      run the validator (npm start = validate --subtensor.network embedded)',
    '  devnet        run the local Subtensor stand-in node',
    '  metagraph     show the subnet metagraph',
    '  commitments   show miner commitments',
    '  weights       show this validator\'s weights on chain',
    '  commit        set a miner commitment (--gist user:gistid)',
    '  serve         serve platform-tracker | ai-detector over HTTP',
    '  config        print the resolved configuration',
    '',
    'common flags: --netuid 89 --wallet.name NAME --wallet.hotkey NAME --wallet.path DIR',
    '  --subtensor.network finney|test|local|embedded --subtensor.chain_endpoint URL',
    '  --mongodb.uri URI --logging.level info --config FILE.json --json',
  );
  return lines.join('\n') + '\n';
}

export async function main(
  argv: readonly string[],
  io: { stdout?: NodeJS.WritableStream; stderr?: NodeJS.WritableStream } = {},
): Promise<number> {
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  const { command, args, flags } = parseArgv(argv);
  if (!command || command === 'help' || flags['help']) {
    stdout.write(usage());
    return command || flags['help'] ? 0 : 2;
  }
  const loader = COMMANDS[command];
  if (!loader) {
    stderr.write(`infinitevibe: unknown command "${command}"\n\n${usage()}`);
    return 2;
  }
  delete flags['help'];
  try {
    const mod = await loader();
    return await mod.run({ flags, args, stdout, stderr });
  } catch (error) {
    if (error instanceof ConfigError) {
      stderr.write(`infinitevibe: configuration error: ${error.message}\n`);
      return 2;
    }
    if (error instanceof InfiniteVibeError) {
      stderr.write(`infinitevibe: ${error.code}: ${error.message}\n`);
      return 1;
    }
    stderr.write(`infinitevibe: ${(error as Error)?.stack ?? String(error)}\n`);
    return 1;
  }
}
