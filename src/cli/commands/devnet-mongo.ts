import { z } from 'zod';
import { ConfigError } from '../../errors.js';
import { EmbeddedMongoServer } from '../../devnet/mongo/embedded-mongo-server.js';
import { intFlagSchema } from '../flag-values.js';
import type { CommandContext } from '../main.js';
import { untilSignal } from './until-signal.js';

export const description = 'run the embedded MongoDB-wire server (--port N --data-dir DIR)';

const FlagsSchema = z.object({
  port: intFlagSchema('port', 0, 65535).default(27017),
  host: z.string('--host must be a string').min(1, '--host must not be empty').default('127.0.0.1'),
  'data-dir': z.string('--data-dir must be a directory path').min(1, '--data-dir must be a directory path').optional(),
});

export interface DevnetMongoOptions {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string | undefined;
}

/** Parses the command's flags; ConfigError names the bad flag. */
export function parseDevnetMongoFlags(flags: Record<string, unknown>): DevnetMongoOptions {
  const parsed = FlagsSchema.safeParse(flags);
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((i) => i.message).join('; '));
  return { port: parsed.data.port, host: parsed.data.host, dataDir: parsed.data['data-dir'] };
}

/**
 * `infinitevibe devnet mongo`: the embedded MongoDB-wire server on its own. Prints one JSON line
 * `{"service":"mongo","uri":...}` once listening (port 0 picks a free one) and stops on SIGINT/SIGTERM.
 */
export async function run({ flags, stdout }: CommandContext): Promise<number> {
  const options = parseDevnetMongoFlags(flags);
  let server: EmbeddedMongoServer;
  try {
    server = await EmbeddedMongoServer.start({ port: options.port, host: options.host, ...(options.dataDir ? { dataDir: options.dataDir } : {}) });
  } catch (cause) {
    const listenFailure = (cause as NodeJS.ErrnoException).code !== undefined;
    if (cause instanceof RangeError || cause instanceof TypeError || listenFailure) throw new ConfigError((cause as Error).message);
    throw cause;
  }
  const stop = untilSignal();
  stdout.write(JSON.stringify({ service: 'mongo', uri: server.uri, port: server.port, data_dir: server.dataDir ?? null }) + '\n');
  await stop;
  await server.close();
  return 0;
}
