import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { ConfigError } from '../../errors.js';
import { intFlagSchema } from '../flag-values.js';
import type { CommandContext } from '../main.js';
import type { ConfigScope, FlagSpec } from '../help.js';
import { buildScenario, scenarioNeurons } from '../../devnet/scenario.js';
import { SubtensorDevnet } from '../../devnet/subtensor/subtensor-devnet.js';
import type { DevnetHyperparameters, DevnetNeuron } from '../../devnet/subtensor/devnet-state.js';

export const description = 'run the local Subtensor stand-in node';

export const configScope: ConfigScope = 'none';

export const flags: readonly FlagSpec[] = [
  { name: 'port', value: 'N', description: 'port to listen on (0 picks a free one)', default: 9944 },
  { name: 'host', value: 'ADDR', description: 'address to bind', default: '127.0.0.1' },
  { name: 'miners', value: 'N', description: 'miners in the generated scenario', default: 256 },
  { name: 'block-time-ms', value: 'N', description: 'milliseconds between blocks', default: 1000 },
  { name: 'netuid', value: 'N', description: 'subnet id', default: 89 },
  { name: 'seed', value: 'N', description: 'seed of the generated scenario, and with standins of the fault generators (default: the scenario\'s fixed seed)' },
  { name: 'scenario', value: 'FILE.json', description: 'neurons and hyperparameters to seed, instead of a generated scenario' },
];

const VALIDATOR_URI = '//InfiniteVibe/validator';

export interface DevnetCommandOptions {
  readonly port: number;
  readonly host: string;
  readonly miners: number;
  readonly blockTimeMs: number;
  readonly netuid: number;
  readonly seed: number | undefined;
  readonly scenarioFile: string | undefined;
}

// Decimal digits only: z.coerce would read `--port 0x50` as 80 and `--port` alone as 1.
const integer = intFlagSchema;

const FlagsSchema = z.object({
  port: integer('port', 0, 65535).default(9944),
  host: z.string('--host must be a string').min(1, '--host must not be empty').default('127.0.0.1'),
  miners: integer('miners', 0, 4095).default(256),
  'block-time-ms': integer('block-time-ms', 10, 3_600_000).default(1000),
  netuid: integer('netuid', 1, 65535).default(89),
  seed: integer('seed', 0, 2 ** 31 - 1).optional(),
  scenario: z.string('--scenario must be a file path').min(1, '--scenario must be a file path').optional(),
});

const stake = z.union([z.string().regex(/^\d+$/, 'stake must be a decimal string of rao'), z.number().int().nonnegative()]).transform((v) => BigInt(v));

/** `--scenario file.json`: explicit neurons, or options for the shared scenario. */
const ScenarioFileSchema = z.union([
  z.object({
    netuid: z.number().int().min(1).max(65535).optional(),
    neurons: z
      .array(
        z.object({
          hotkey: z.string().min(1),
          coldkey: z.string().min(1),
          stake,
          validatorPermit: z.boolean().optional(),
          commitment: z.string().optional(),
        }),
      )
      .max(4096),
    hyperparameters: z.record(z.string(), z.unknown()).optional(),
  }),
  z.object({
    miners: z.number().int().min(0).max(4095),
    seed: z.number().int().optional(),
    netuid: z.number().int().min(1).max(65535).optional(),
  }),
]);

/** Parses the command's flags into options; ConfigError names the bad flag. */
export function parseDevnetFlags(flags: Record<string, unknown>): DevnetCommandOptions {
  const parsed = FlagsSchema.safeParse(flags);
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((i) => i.message).join('; '));
  const f = parsed.data;
  return { port: f.port, host: f.host, miners: f.miners, blockTimeMs: f['block-time-ms'], netuid: f.netuid, seed: f.seed, scenarioFile: f.scenario };
}

/** Neurons and hyperparameters to seed, from the scenario file or the shared scenario. */
export async function devnetSeed(
  options: DevnetCommandOptions,
): Promise<{ netuid: number; neurons: DevnetNeuron[]; hyperparameters: Partial<DevnetHyperparameters>; validatorHotkey: string | null }> {
  let miners = options.miners;
  let seed = options.seed;
  let netuid = options.netuid;
  if (options.scenarioFile) {
    let raw: unknown;
    try {
      raw = JSON.parse(await readFile(options.scenarioFile, 'utf8'));
    } catch (cause) {
      throw new ConfigError(`--scenario ${options.scenarioFile}: ${(cause as Error).message}`);
    }
    const file = ScenarioFileSchema.safeParse(raw);
    if (!file.success) throw new ConfigError(`--scenario ${options.scenarioFile}: ${file.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
    if ('neurons' in file.data) {
      return {
        netuid: file.data.netuid ?? netuid,
        neurons: file.data.neurons,
        hyperparameters: reviveHyperparameters(file.data.hyperparameters ?? {}),
        validatorHotkey: file.data.neurons[0]?.hotkey ?? null,
      };
    }
    miners = file.data.miners;
    seed = file.data.seed ?? seed;
    netuid = file.data.netuid ?? netuid;
  }
  const scenario = await buildScenario({ miners, netuid, ...(seed === undefined ? {} : { seed }) });
  const neurons = scenarioNeurons(scenario);
  return { netuid: scenario.netuid, neurons, hyperparameters: {}, validatorHotkey: scenario.validator.hotkey };
}

/** JSON has no bigint: the bigint hyperparameters arrive as strings or numbers. */
function reviveHyperparameters(input: Record<string, unknown>): Partial<DevnetHyperparameters> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input)) {
    out[key] = ['weightsVersionKey', 'burn', 'weightsMinStake'].includes(key) && (typeof value === 'string' || typeof value === 'number') ? BigInt(value) : value;
  }
  return out as Partial<DevnetHyperparameters>;
}

/** Starts the node and resolves once `signal` aborts and the node is closed. */
export async function runDevnet(options: DevnetCommandOptions, io: { stdout: NodeJS.WritableStream; signal: AbortSignal; onStarted?: (devnet: SubtensorDevnet) => void }): Promise<void> {
  const seed = await devnetSeed(options);
  let devnet: SubtensorDevnet;
  try {
    devnet = await SubtensorDevnet.start({
      port: options.port,
      host: options.host,
      blockTimeMs: options.blockTimeMs,
      netuid: seed.netuid,
      neurons: seed.neurons,
      hyperparameters: seed.hyperparameters,
    });
  } catch (cause) {
    // Bad seeds and an unusable --port/--host are the operator's to fix: exit 2 with the reason.
    const listenFailure = ((cause as Error).cause as NodeJS.ErrnoException | undefined)?.code !== undefined;
    if (cause instanceof RangeError || cause instanceof TypeError || listenFailure) throw new ConfigError((cause as Error).message);
    throw cause;
  }
  io.stdout.write(
    [
      `subtensor devnet listening on ${devnet.url}`,
      `  netuid ${seed.netuid}, ${seed.neurons.length} neurons, a block every ${options.blockTimeMs} ms (finalized at once)`,
      seed.validatorHotkey && !options.scenarioFile?.length
        ? `  validator hotkey: ${VALIDATOR_URI} (${seed.validatorHotkey}), uid 0`
        : `  first neuron: ${seed.validatorHotkey ?? 'none'}`,
      `  connect with --subtensor.chain_endpoint ${devnet.url}`,
      '',
    ].join('\n'),
  );
  io.onStarted?.(devnet);
  if (!io.signal.aborted) await new Promise<void>((resolve) => io.signal.addEventListener('abort', () => resolve(), { once: true }));
  await devnet.close();
  io.stdout.write('subtensor devnet closed\n');
}

export async function run({ flags, stdout }: CommandContext): Promise<number> {
  const options = parseDevnetFlags(flags);
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    await runDevnet(options, { stdout, signal: controller.signal });
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
  return 0;
}
