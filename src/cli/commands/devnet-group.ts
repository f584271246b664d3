import { ConfigError } from '../../errors.js';
import type { FlagSpec } from '../help.js';
import type { CommandContext } from '../main.js';
import { flags as nodeFlags } from './devnet.js';

export { configScope } from './devnet.js';

/** The node's flags that not all three processes take, and which do (see TAKES). */
const WHICH: Readonly<Record<string, string>> = Object.freeze({ port: 'node, mongo', host: 'node, mongo', 'block-time-ms': 'node', scenario: 'node' });

/** The node's flags, then those only `devnet standins` and `devnet mongo` take. */
export const flags: readonly FlagSpec[] = [
  // Two of the node's flags default differently in the sub-commands; the help says so.
  ...nodeFlags.map((f) => ({
    ...f,
    ...(WHICH[f.name] !== undefined ? { description: `${WHICH[f.name]!}: ${f.description}` } : {}),
    ...(f.name === 'port' ? { default: `${String(f.default)}; mongo: 27017` } : f.name === 'miners' ? { default: `${String(f.default)}; standins: 64` } : {}),
  })),
  { name: 'submissions', value: 'N', description: 'standins: submissions per miner', default: 5 },
  { name: 'latency-ms', value: 'N', description: 'standins: added latency of every upstream answer', default: 0 },
  { name: 'ai-latency-ms', value: 'N', description: 'standins: added latency of every AI detection', default: 0 },
  { name: 'gist-etags', value: 'on|off', description: 'standins: entity tags and 304 answers on the gist host (off: every read is a changed gist)', default: 'on' },
  { name: 'faults', value: 'SVC=RATE[:KIND],...', description: 'standins: random fault rate in [0,1] per stand-in (youtube, apify, gist, sightengine, ai_detector); KIND 429, 503 or mixed (default); change them live with PUT <control>/faults' },
  { name: 'retry-after', value: 'S', description: 'standins: Retry-After seconds on the injected 429s', default: 0 },
  { name: 'neurons-file', value: 'FILE', description: 'standins: write the scenario neurons for `devnet --scenario`' },
  { name: 'data-dir', value: 'DIR', description: 'mongo: keep the data in this directory' },
];

export const description = 'run the local Subtensor stand-in node; `devnet standins` / `devnet mongo`: the HTTP stand-ins / the embedded MongoDB server';

/** The flags each process takes; the group's --help lists them together. */
const TAKES: Readonly<Record<'node' | 'standins' | 'mongo', readonly string[]>> = Object.freeze({
  node: ['port', 'host', 'miners', 'block-time-ms', 'netuid', 'seed', 'scenario'],
  standins: ['miners', 'submissions', 'seed', 'netuid', 'latency-ms', 'ai-latency-ms', 'neurons-file', 'gist-etags', 'faults', 'retry-after'],
  mongo: ['port', 'host', 'data-dir'],
});

/**
 * Flags spelled with `_` or `-` alike, and one another process takes refused by name: each
 * schema reads only its own keys, so `devnet mongo --miners 5` or `devnet standins --port 1`
 * would otherwise start as if the flag had not been given.
 */
function ownFlags(name: keyof typeof TAKES, given: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const flags = Object.fromEntries(Object.entries(given).map(([k, v]) => [k.replace(/_/g, '-'), v]));
  const takes = TAKES[name];
  const other = Object.keys(flags).find((k) => !takes.includes(k));
  if (other !== undefined) {
    const command = name === 'node' ? 'devnet' : `devnet ${name}`;
    throw new ConfigError(`${command} does not take --${other}; it takes ${takes.map((t) => `--${t}`).join(', ')}`, `--${other}`);
  }
  return flags;
}

/**
 * `infinitevibe devnet [standins|mongo]`: each stand-in as its own process, so a load test can
 * measure a validator process that holds nothing but the validator. Without a sub-command it is
 * the Subtensor stand-in node, as before.
 */
export async function run(context: CommandContext): Promise<number> {
  const sub = context.args[0];
  const which = sub === 'standins' || sub === 'mongo' ? sub : sub === undefined ? 'node' : undefined;
  if (which !== undefined) context = { ...context, flags: ownFlags(which, context.flags) };
  const rest = { ...context, args: context.args.slice(1) };
  if (sub === 'standins') return (await import('./devnet-standins.js')).run(rest);
  if (sub === 'mongo') return (await import('./devnet-mongo.js')).run(rest);
  if (sub !== undefined) {
    context.stderr.write(`infinitevibe devnet: unknown sub-command "${sub}" (expected standins, mongo or none)\n`);
    return 2;
  }
  return (await import('./devnet.js')).run(context);
}
