import { loadConfig } from '../../config/load-config.js';
import { createLogger } from '../../log.js';
import { logDestinations } from '../../log-file.js';
import { ServiceMetrics } from '../../metrics/service-metrics.js';
import type { CommandContext } from '../main.js';
import { intFlag } from '../flag-values.js';
import type { FlagSpec } from '../help.js';
import { listenError } from '../listen-error.js';

export const description = 'serve platform-tracker | ai-detector over HTTP (--port N --host ADDR)';

export const usage = 'serve <platform-tracker|ai-detector> [flags]';

export const flags: readonly FlagSpec[] = [
  { name: 'port', value: 'N', description: 'port (default: platform_tracker.port or ai_detector.port)' },
  { name: 'host', value: 'ADDR', description: 'address to bind', default: '127.0.0.1' },
  { name: 'miners', value: 'N', description: 'miners of the embedded stand-ins (--services embedded)' },
  { name: 'seed', value: 'N', description: 'scenario seed of the embedded stand-ins' },
  { name: 'json', description: 'accepted; the start line is always JSON', default: true },
];

const USAGE = 'usage: infinitevibe serve <platform-tracker|ai-detector> [--port N] [--host 127.0.0.1] [--services embedded]\n';

/** Flags of this command, removed before the rest goes to loadConfig. */
const OWN_FLAGS = ['port', 'host', 'json', 'miners', 'seed'];


/** Resolves on SIGINT/SIGTERM so the service shuts down cleanly. */
function untilSignal(): Promise<string> {
  return new Promise((resolve) => {
    const on = (signal: string) => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      resolve(signal);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}

export async function run({ args, flags, stdout, stderr }: CommandContext): Promise<number> {
  const service = args[0];
  const own: Record<string, unknown> = {};
  const rest: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(flags)) (OWN_FLAGS.includes(k) ? own : rest)[k] = v;
  const port = intFlag(own['port'], 'port', 0, 65535);
  const miners = intFlag(own['miners'], 'miners', 1, 4096);
  const seed = intFlag(own['seed'], 'seed', 0, 2 ** 32 - 1);
  const host = typeof own['host'] === 'string' ? own['host'] : '127.0.0.1';

  switch (service) {
    // ---- platform-tracker (SPEC §5) -------------------------------------------------------------
    case 'platform-tracker': {
      const config = loadConfig({ flags: rest });
      const logger = createLogger({ level: config.logging.level, name: 'platform-tracker' }, logDestinations(config.logging, 'platform-tracker.log'));
      const metrics = new ServiceMetrics({ service: 'platform_tracker' });
      const { startPlatformTrackerService } = await import('../../runtime/serve-platform-tracker.js');
      const running = await startPlatformTrackerService(config, { port: port ?? config.platform_tracker.port, host, logger, metrics, miners, seed }).catch(
        (error: unknown) => {
          throw listenError(error, '--port or --host');
        },
      );
      stdout.write(JSON.stringify({ service: 'platform-tracker', url: running.url, embedded: running.standins !== undefined }) + '\n');
      logger.info({ url: running.url, services: config.services }, 'platform tracker listening');
      const signal = await untilSignal();
      logger.info({ signal }, 'platform tracker shutting down');
      await running.close();
      return 0;
    }
    // ---- ai-detector (SPEC §6) ------------------------------------------------------------------
    case 'ai-detector': {
      const config = loadConfig({ flags: rest });
      const logger = createLogger({ level: config.logging.level, name: 'ai-detector' }, logDestinations(config.logging, 'ai-detector.log'));
      const metrics = new ServiceMetrics({ service: 'ai_detector' });
      const { startAiDetectorService } = await import('../../runtime/serve-ai-detector.js');
      const running = await startAiDetectorService(config, { port: port ?? config.ai_detector.port, host, logger, metrics }).catch((error: unknown) => {
        throw listenError(error, '--port or --host');
      });
      stdout.write(
        JSON.stringify({ service: 'ai-detector', url: running.url, embedded: running.sightengineUrl !== null, sightengine_url: running.sightengineUrl }) + '\n',
      );
      const signal = await untilSignal();
      logger.info({ signal }, 'AI detector shutting down');
      await running.close();
      return 0;
    }
    default:
      stderr.write(service ? `infinitevibe serve: unknown service "${service}"\n${USAGE}` : USAGE);
      return 2;
  }
}
