import { loadConfig, type Config } from '../../config/load-config.js';
import { createLogger, type Logger } from '../../log.js';
import { logDestinations } from '../../log-file.js';
import { routePolkadotConsole } from '../../polkadot-log-bridge.js';
import type { CommandContext } from '../main.js';
import { intFlag as parseIntFlag } from '../flag-values.js';
import { listenError } from '../listen-error.js';
import type { FlagSpec } from '../help.js';
import { onceSucceeded } from '../../runtime/once-summary.js';

export const description = 'run the validator (npm start = validate --subtensor.network embedded)';

export const flags: readonly FlagSpec[] = [
  { name: 'once', description: 'run one cycle and one weight commit, print a JSON summary, exit', default: false },
  { name: 'miners', value: 'N', description: 'miners of the embedded network or stand-ins', default: 64 },
  { name: 'seed', value: 'N', description: 'scenario seed of the embedded network or stand-ins' },
  { name: 'json', description: 'accepted; the --once summary is always JSON', default: true },
];

/** Short embedded intervals so progress shows within seconds; any flag overrides them. */
const EMBEDDED_DEFAULTS: Readonly<Record<string, unknown>> = Object.freeze({
  submission_update_interval: 15,
  set_weights_interval: 30,
  'subtensor.block_time_ms': 1000,
});

function intFlag(flags: Record<string, unknown>, name: string, fallback: number | undefined, min: number, max: number): number | undefined {
  const raw = flags[name];
  delete flags[name];
  return parseIntFlag(raw, name, min, max) ?? fallback;
}

/**
 * `infinitevibe validate`: the validator. `--once` runs one full cycle and one weight commit,
 * prints a one-line JSON summary and exits 0. `--miners N` / `--seed S` size the deterministic
 * scenario of the embedded network or of the in-process stand-ins (`--services embedded`).
 */
export async function run({ flags: rawFlags, stdout, stderr }: CommandContext): Promise<number> {
  const flags: Record<string, unknown> = { ...rawFlags };
  delete flags['json'];
  const miners = intFlag(flags, 'miners', undefined, 0, 4095);
  const seed = intFlag(flags, 'seed', undefined, 0, 2 ** 31 - 1);
  const network = flags['subtensor.network'] ?? flags['subtensor_network'] ?? flags['subtensor-network'];
  const layered = network === 'embedded' ? { ...EMBEDDED_DEFAULTS, ...flags } : flags;
  const config = loadConfig({ flags: layered });
  const logger = createLogger({ level: config.logging.level }, logDestinations(config.logging));
  const restoreConsole = routePolkadotConsole(logger);
  try {
    return await runValidator(config, logger, { miners, seed, stdout, stderr });
  } finally {
    restoreConsole();
  }
}

async function runValidator(
  config: Config,
  logger: Logger,
  { miners, seed, stdout, stderr }: { miners: number | undefined; seed: number | undefined; stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream },
): Promise<number> {
  const { startValidator } = await import('../../runtime/validator-app.js');
  const app = await startValidator(config, {
    logger,
    ...(miners !== undefined ? { miners } : {}),
    ...(seed !== undefined ? { seed } : {}),
    // --once must finish its cycle, not be cut off at 80 % of a 15 s embedded period.
    ...(config.once ? { cycleDeadlineMs: Math.max(300_000, config.submission_update_interval * 800), jitterMs: 0 } : {}),
  }).catch((error: unknown) => {
    throw listenError(error, '--metrics.port or --metrics.host');
  });

  if (config.once) {
    let summary: Awaited<ReturnType<typeof app.runOnce>>;
    try {
      summary = await app.runOnce();
    } finally {
      await app.stop();
    }
    // After the shutdown's log lines, so the summary is the last line of stdout (`| tail -n 1`).
    stdout.write(JSON.stringify(summary) + '\n');
    return onceSucceeded(summary) ? 0 : 1;
  }

  app.run();
  await new Promise<void>((resolve) => {
    let stoppingSince: number | undefined;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stoppingSince !== undefined) {
        // Supervisors such as timeout(1) signal the process and its group at once; only a
        // deliberate second signal (an operator pressing Ctrl-C again) cuts the shutdown short.
        if (Date.now() - stoppingSince < 2_000) return;
        stderr.write(`infinitevibe: ${signal} again, exiting now\n`);
        process.exit(130);
      }
      stoppingSince = Date.now();
      logger.info({ signal }, 'signal received');
      void app.stop().finally(() => {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        resolve();
      });
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  return 0;
}
