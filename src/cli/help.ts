import { DEFAULTS, NETWORK_NAMES } from '../config/defaults.js';
import { z } from 'zod';
import { CONFIG_SCHEMA, ENV_ALIASES, canonicalKey } from '../config/load-config.js';
import { nearestName } from '../util/nearest-name.js';
import { version } from '../util/version.js';

/** One flag of a command, as its --help lists it. */
export interface FlagSpec {
  readonly name: string;
  readonly value?: string;
  readonly description: string;
  readonly default?: string | number | boolean;
}

/** Which configuration keys a command takes besides its own flags. */
export type ConfigScope = 'all' | 'none';

/** Flags every command understands. */
export const GLOBAL_FLAGS: readonly FlagSpec[] = Object.freeze([
  { name: 'help', description: 'show this help (also -h)' },
  { name: 'version', description: 'print the version' },
]);

const CONFIG_FILE_FLAG: FlagSpec = { name: 'config', value: 'FILE.json', description: 'read configuration keys from a JSON file' };

/** Switches that set logging.level, as the Bittensor SDK spells them. */
const LEVEL_SWITCHES: readonly FlagSpec[] = Object.freeze([
  { name: 'logging.debug', description: 'same as --logging.level debug; env BT_LOGGING_DEBUG' },
  { name: 'logging.trace', description: 'same as --logging.level trace; env BT_LOGGING_TRACE' },
  { name: 'logging.info', description: 'same as --logging.level info; env BT_LOGGING_INFO' },
]);

/** Every configuration key as `section.key` with its default (undefined when there is none). */
export function configKeys(): ReadonlyArray<{ key: string; default: unknown }> {
  const out: Array<{ key: string; default: unknown }> = [];
  const walk = (node: Record<string, unknown>, prefix: string) => {
    for (const [k, v] of Object.entries(node)) {
      const key = prefix ? `${prefix}.${k}` : k;
      if (v !== null && typeof v === 'object' && !Array.isArray(v)) walk(v as Record<string, unknown>, key);
      else out.push({ key, default: v });
    }
  };
  walk(DEFAULTS as unknown as Record<string, unknown>, '');
  return out;
}

/** Canonical names of every flag a command accepts. */
export function knownFlags(own: readonly FlagSpec[], scope: ConfigScope): Set<string> {
  const names = new Set<string>([...GLOBAL_FLAGS, ...own].map((f) => canonicalKey(f.name)));
  if (scope === 'all') {
    for (const { key } of configKeys()) names.add(key);
    for (const f of [CONFIG_FILE_FLAG, ...LEVEL_SWITCHES]) names.add(f.name);
  }
  return names;
}

/**
 * The first flag a command does not know, with the nearest known spelling when one is close
 * enough to be a typo (`--wallet.nmae` → `--wallet.name`).
 */
export function unknownFlag(
  flags: Readonly<Record<string, unknown>>,
  own: readonly FlagSpec[],
  scope: ConfigScope,
): { flag: string; suggestion: string | undefined } | undefined {
  const known = knownFlags(own, scope);
  for (const raw of Object.keys(flags)) {
    const key = canonicalKey(raw);
    if (known.has(key) || known.has(raw)) continue;
    const near = nearestName(key, known);
    // Say it the way the help page spells it (`--block-time-ms`, not its canonical twin).
    const spelled = own.find((f) => canonicalKey(f.name) === near)?.name ?? near;
    return { flag: raw, suggestion: spelled };
  }
  return undefined;
}

export { version };

function flagLines(flags: readonly FlagSpec[]): string[] {
  const left = flags.map((f) => `  --${f.name}${f.value ? ` ${f.value}` : ''}`);
  const width = Math.min(48, Math.max(...left.map((l) => l.length)) + 2);
  return flags.map((f, i) => {
    const def = f.default === undefined ? '' : ` (default: ${String(f.default)})`;
    // A name past the column still gets a gap before its description.
    return `${left[i]!.padEnd(width)}${left[i]!.length >= width ? '  ' : ''}${f.description}${def}`;
  });
}

/** The allowed values of an enumerated key (`info|debug|…`), read from the config schema. */
function choices(key: string): string | undefined {
  let node: z.ZodType | undefined = CONFIG_SCHEMA;
  for (const part of key.split('.')) node = node instanceof z.ZodObject ? (node.shape as Record<string, z.ZodType>)[part] : undefined;
  if (node instanceof z.ZodOptional) node = node.unwrap() as z.ZodType;
  if (!(node instanceof z.ZodEnum)) return undefined;
  return [...node.options.map(String), ...(key === 'subtensor.network' ? ['ws://URL'] : [])].join('|');
}

const ENV_NAMES: ReadonlyMap<string, string> = new Map(Object.entries(ENV_ALIASES).map(([name, key]) => [key, name]));

function configLines(exclude: ReadonlySet<string>): string[] {
  const flags: FlagSpec[] = configKeys()
    .filter(({ key }) => !exclude.has(key))
    .map(({ key, default: def }) => {
      const env = ENV_NAMES.get(key);
      const shown = def === undefined ? '(no default)' : `default: ${Array.isArray(def) ? def.join(',') : String(def)}`;
      return { name: key, value: choices(key) ?? valueHint(def), description: env ? `${shown}; env ${env}` : shown };
    });
  return flagLines([CONFIG_FILE_FLAG, ...flags, ...LEVEL_SWITCHES]).map((l) => l.trimEnd());
}

function valueHint(def: unknown): string {
  if (typeof def === 'boolean') return '';
  if (typeof def === 'number') return 'N';
  if (Array.isArray(def)) return 'A,B';
  return 'VALUE';
}

export interface HelpTopic {
  readonly name: string;
  readonly description: string;
  readonly usage?: string;
  readonly flags?: readonly FlagSpec[];
  readonly configScope?: ConfigScope;
}

/** `infinitevibe <command> --help`: the command's own flags with defaults, then its config keys. */
export function commandHelp(topic: HelpTopic): string {
  const lines = [`usage: infinitevibe ${topic.usage ?? `${topic.name} [flags]`}`, '', topic.description, ''];
  const own = topic.flags ?? [];
  lines.push('flags:', ...flagLines([...own, ...GLOBAL_FLAGS]), '');
  if ((topic.configScope ?? 'all') === 'all') {
    lines.push(
      'configuration keys (flag, environment INFINITEVIBE_<SECTION>__<KEY>, or --config file;',
      'spelled --a.b, --a-b or --a_b):',
      ...configLines(new Set(own.map((f) => canonicalKey(f.name)))),
      '',
    );
  }
  return lines.join('\n');
}

/** Global usage: the command list. */
export function usage(commands: ReadonlyArray<{ name: string; description: string }>): string {
  const width = Math.max(...commands.map((c) => c.name.length)) + 2;
  return [
    'usage: infinitevibe <command> [flags]',
    '',
    'commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}${c.description}`),
    '',
    'common flags: --netuid 89 --wallet.name NAME --wallet.hotkey NAME --wallet.path DIR',
    `  --subtensor.network ${NETWORK_NAMES.join('|')}|ws://HOST:PORT`,
    '  --subtensor.chain_endpoint URL --mongodb.uri URI --logging.level info',
    '  --config FILE.json --json',
    '',
    "`infinitevibe <command> --help` lists a command's flags with their defaults; --version prints the version.",
    '',
  ].join('\n');
}
