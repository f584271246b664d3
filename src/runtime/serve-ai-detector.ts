import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from '../config/load-config.js';
import { SIGHTENGINE_STANDIN_CREDENTIALS, SightEngineStandin } from '../devnet/http/sightengine-standin.js';
import { componentLogger, silentLogger } from '../log.js';
import { createAiDetectorServer } from '../services/ai-detector/ai-detector-server.js';
import { localDetector, type AiDetectorDeps } from '../services/ai-detector/ai-detector-runtime.js';

export type { AiDetectorDeps } from '../services/ai-detector/ai-detector-runtime.js';

export interface RunningAiDetectorService {
  /** Where the HTTP API listens, e.g. `http://127.0.0.1:12002`. */
  readonly url: string;
  readonly server: Server;
  /** The SightEngine stand-in's URL when the service runs embedded. */
  readonly sightengineUrl: string | null;
  close(): Promise<void>;
}

/**
 * `infinitevibe serve ai-detector`: the HTTP API of SPEC §6 on `ai_detector.port`. Embedded, it
 * also starts the SightEngine stand-in and may fetch videos from loopback hosts (the devnet's
 * video host); otherwise it needs real SightEngine credentials and refuses private addresses.
 */
export async function startAiDetectorService(
  config: Config,
  deps: AiDetectorDeps & { readonly host?: string; readonly port?: number } = {},
): Promise<RunningAiDetectorService> {
  const logger = componentLogger(deps.logger ?? silentLogger(), 'ai-detector-service');
  let standin: SightEngineStandin | undefined;
  if (config.services === 'embedded' && deps.sightengineBaseUrl === undefined) {
    standin = new SightEngineStandin();
    await standin.listen();
  }
  const { detector, sampler } = localDetector(config, {
    ...deps,
    logger,
    sightengineBaseUrl: deps.sightengineBaseUrl ?? standin?.url,
    sightengineCredentials: deps.sightengineCredentials ?? SIGHTENGINE_STANDIN_CREDENTIALS,
  });
  try {
    await sampler.tools();
  } catch (error) {
    await detector.close();
    await standin?.close();
    throw error;
  }
  const server = createAiDetectorServer(detector, { logger, metrics: deps.metrics });
  const host = deps.host ?? '127.0.0.1';
  const port = deps.port ?? config.ai_detector.port;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await detector.close();
    await standin?.close();
    throw error;
  }
  const address = server.address() as AddressInfo;
  const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  logger.info(
    {
      url,
      sightengine: standin ? standin.url : config.sightengine.base_url,
      embedded: standin !== undefined,
    },
    'AI detector listening',
  );
  return {
    url,
    server,
    sightengineUrl: standin?.url ?? null,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await detector.close();
      await standin?.close();
    },
  };
}
