import yargs from 'yargs';
import { ConfigError, InfiniteVibeError, SpoolInUseError } from '../errors.js';
import { nearestName } from '../util/nearest-name.js';
import { commandHelp, unknownFlag, usage, version, type ConfigScope, type FlagSpec, type HelpTopic } from './help.js';

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
  /** The command's own flags, listed by its --help with their defaults. */
  readonly flags?: readonly FlagSpec[];
  /** Whether the command also takes the configuration keys (default: all of them). */
  readonly configScope?: ConfigScope;
  /** The usage line after `infinitevibe ` (default `<name> [flags]`). */
  readonly usage?: string;
  /** `<command> <sub> --help`: the subcommand's own page, when the command has subcommands. */
  readonly subcommandHelp?: (args: readonly string[]) => HelpTopic | undefined;
  run(context: CommandContext): Promise<number>;
}

export const COMMANDS: Readonly<Record<string, () => Promise<CommandModule>>> = Object.freeze({
  config: () => import('./commands/config.js'),
  validate: () => import('./commands/validate.js'),
  status: () => import('./commands/status.js'),
  devnet: () => import('./commands/devnet-group.js'),
  metagraph: () => import('./commands/metagraph.js'),
  commitments: () => import('./commands/commitments.js'),
  weights: () => import('./commands/weights.js'),
  commit: () => import('./commands/commit.js'),
  serve: () => import('./commands/serve.js'),
  migrate: () => import('./commands/migrate.js'),
  miner: () => import('./commands/miner.js'),
});

/** One line per command for the global usage, without loading every module. */
const SUMMARIES: Readonly<Record<string, string>> = Object.freeze({
  validate: 'run the validator (npm start = validate --subtensor.network embedded)',
  status: "show a running validator's state (its /health and the store)",
  devnet: 'run the local Subtensor stand-in node',
  metagraph: 'show the subnet metagraph',
  commitments: 'show miner commitments',
  weights: "show this validator's weights on chain (--compare: against the consensus)",
  commit: 'set a miner commitment (--gist user:gistid)',
  serve: 'serve platform-tracker | ai-detector over HTTP',
  migrate: "import the Python validator's stored history (--from mongodb://…)",
  miner: 'miner toolkit: check | sign | gist pull|push | upload | ui | playground (docs/MINING.md)',
  config: 'print the resolved configuration',
});

/** Commands that take words after their name (`serve ai-detector`); the others refuse them. */
const WITH_SUBCOMMANDS: ReadonlySet<string> = new Set(['devnet', 'serve', 'miner']);

const BOOLEAN_FLAGS = [
  'json',
  'once',
  'compare',
  'help',
  'h',
  'version',
  'dry-run',
  'require_signed_submissions',
  'require-signed-submissions',
  'logging.debug',
  'logging.trace',
  'logging.info',
  'weights.dry_run',
  'weights.dry-run',
  'weights-dry-run',
  'weights_dry_run',
  'logging.record_log',
  'logging.record-log',
  'logging-record-log',
  'logging_record_log',
  'verify',
  'force',
];

/** Parses argv into a command name, positionals and flat flags (dots are not nested). */
export function parseArgv(argv: readonly string[]): { command: string | undefined; args: string[]; flags: Record<string, unknown> } {
  const parsed = yargs([...argv])
    .parserConfiguration({
      'dot-notation': false,
      'camel-case-expansion': false,
      'strip-aliased': true,
      'boolean-negation': false,
      // Values stay as typed: a hotkey named 1 is a name, and 0x10 or 1e1 are the config's to refuse.
      'parse-numbers': false,
      'parse-positional-numbers': false,
    })
    .boolean(BOOLEAN_FLAGS)
    .help(false)
    .version(false)
    .parseSync();
  const { _, $0: _script, ...flags } = parsed;
  for (const key of BOOLEAN_FLAGS) {
    const given = key.length === 1 ? argv.some((a) => /^-[^-]/.test(a) && a.includes(key)) : argv.some((a) => a.startsWith(`--${key}`));
    if (flags[key] === false && !given) delete flags[key];
  }
  if (flags['h'] !== undefined) {
    flags['help'] = flags['help'] === true || flags['h'] === true;
    delete flags['h'];
  }
  const positionals = _.map(String);
  return { command: positionals[0], args: positionals.slice(1), flags };
}

function globalUsage(): string {
  return usage(Object.keys(COMMANDS).map((name) => ({ name, description: SUMMARIES[name] ?? '' })));
}

function suggestion(name: string, known: readonly string[]): string {
  const near = nearestName(name, known);
  return near ? `; did you mean "${near}"?` : '';
}

function pick(mod: CommandModule): Pick<CommandModule, 'flags' | 'configScope' | 'usage'> {
  return {
    ...(mod.flags ? { flags: mod.flags } : {}),
    ...(mod.configScope ? { configScope: mod.configScope } : {}),
    ...(mod.usage ? { usage: mod.usage } : {}),
  };
}

export async function main(
  argv: readonly string[],
  io: { stdout?: NodeJS.WritableStream; stderr?: NodeJS.WritableStream } = {},
): Promise<number> {
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  const { command, args, flags } = parseArgv(argv);
  if (flags['version'] === true && (!command || command === 'help')) {
    stdout.write(`${version()}\n`);
    return 0;
  }
  if (!command) {
    // Bare `infinitevibe` is a mistake (no command); `--help` asks for the usage.
    (flags['help'] ? stdout : stderr).write(globalUsage());
    return flags['help'] ? 0 : 2;
  }
  const topic = command === 'help' ? args[0] : command;
  if (command === 'help' && topic === undefined) {
    stdout.write(globalUsage());
    return 0;
  }
  const loader = COMMANDS[topic!];
  if (!loader) {
    stderr.write(`infinitevibe: unknown command "${topic}"${suggestion(topic!, Object.keys(COMMANDS))}\n\n${globalUsage()}`);
    return 2;
  }
  try {
    const mod = await loader();
    const helpTopic = { name: topic!, description: mod.description, ...pick(mod) };
    if (command === 'help' || flags['help']) {
      const sub = mod.subcommandHelp?.(command === 'help' ? args.slice(1) : args);
      stdout.write(commandHelp(sub ?? helpTopic));
      return 0;
    }
    if (flags['version']) {
      stdout.write(`${version()}\n`);
      return 0;
    }
    delete flags['help'];
    delete flags['version'];
    const unknown = unknownFlag(flags, mod.flags ?? [], mod.configScope ?? 'all');
    if (unknown) {
      const hint = unknown.suggestion ? `; did you mean --${unknown.suggestion}?` : '';
      stderr.write(`infinitevibe ${topic}: unknown option --${unknown.flag}${hint}\n(infinitevibe ${topic} --help lists every flag)\n`);
      return 2;
    }
    if (!WITH_SUBCOMMANDS.has(topic!) && args.length > 0) {
      // `--wallet.name my wallet` or a flag typed without its dashes would otherwise be dropped unseen.
      stderr.write(`infinitevibe ${topic}: unexpected argument "${args[0]}"; options start with --\n(infinitevibe ${topic} --help lists every flag)\n`);
      return 2;
    }
    return await mod.run({ flags, args, stdout, stderr });
  } catch (error) {
    if (error instanceof ConfigError) {
      stderr.write(`infinitevibe: configuration error: ${error.message}\n`);
      return 2;
    }
    if (error instanceof SpoolInUseError) {
      // Another validator's directory: a start-up setting to change, as a bad flag is.
      stderr.write(`infinitevibe: ${error.code}: ${error.message}\n`);
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
