import { afterEach } from 'vitest';
import { SightEngineClient } from '../../../src/services/ai-detector/index.js';
import { replayServer, type CannedAnswer, type ReplayServer } from '../../helpers/replay-server.js';

/**
 * A SightEngine stand-in replaying canned answers, and the client against it, both closed after
 * each test of the file that calls this. `defaults` are client options every test starts from.
 */
export function useSightEngineUpstream(defaults: Record<string, unknown>) {
  let upstream: ReplayServer | undefined;
  let client: SightEngineClient | undefined;
  afterEach(async () => {
    await client?.close();
    await upstream?.close();
    client = undefined;
    upstream = undefined;
  });
  return {
    against: async (answers: CannedAnswer[], options: Record<string, unknown> = {}): Promise<SightEngineClient> => {
      upstream = await replayServer(answers);
      client = new SightEngineClient({ baseUrl: upstream.url, apiUser: 'u', apiSecret: 's', ...defaults, ...options });
      return client;
    },
    /** The stand-in of the current test (after `against`). */
    upstream: (): ReplayServer => upstream!,
  };
}
