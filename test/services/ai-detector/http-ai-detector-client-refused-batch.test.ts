import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpAiDetectorClient, createAiDetectorServer } from '../../../src/services/ai-detector/index.js';
import type { AiDetectionResult, AiDetector } from '../../../src/services/types.js';
import { replayServer, type ReplayServer } from '../../helpers/replay-server.js';

/*
 * Videos of many miners share a POST /detect/batch. A request the service refuses as a whole
 * (413: a body past its cap, which a few miners' long URLs can reach; 422: an item it will not
 * take) must cost only the videos it cannot take, not every video that shared the batch.
 */

/** Scores each video 0.5 without fetching it, and records what it was asked. */
class EchoDetector implements AiDetector {
  readonly asked: string[] = [];
  detect(url: string): Promise<AiDetectionResult> {
    this.asked.push(url);
    return Promise.resolve({ url, mean_ai_generated: 0.5, per_frame: [0.5], cached: false });
  }
}

let server: Server | undefined;
let client: HttpAiDetectorClient | undefined;
afterEach(async () => {
  await client?.close();
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
  client = undefined;
});

async function setup(maxBatchItems: number): Promise<{ detector: EchoDetector; client: HttpAiDetectorClient }> {
  const detector = new EchoDetector();
  server = createAiDetectorServer(detector, { maxBatchItems });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  client = new HttpAiDetectorClient({ baseUrl: base, batchSize: 4, batchWindowMs: 50 });
  return { detector, client };
}

describe('HttpAiDetectorClient: a batch the service refuses as a whole', () => {
  it('one miner’s long URL past the body cap (413) costs only that video: the others are scored on their own', async () => {
    // A 4-item cap gives a 32 KiB body; one 40 KB URL is past it.
    const { detector, client: c } = await setup(4);
    const long = `https://cdn.example/${'a'.repeat(40_000)}.mp4`;
    const honest = ['https://cdn.example/1.mp4', 'https://cdn.example/2.mp4', 'https://cdn.example/3.mp4'];
    const outcomes = await Promise.all([...honest, long].map((u) => c.detect(u, { source: 'miner' }).catch((e: unknown) => e)));
    for (const outcome of outcomes.slice(0, 3)) expect(outcome).toMatchObject({ mean_ai_generated: 0.5 });
    expect(outcomes[3]).toBeInstanceOf(Error);
    expect(detector.asked).toEqual(honest.map(String));
  });

  it('a batch refused with 422 is asked again video by video; a batch of one keeps the service’s word', async () => {
    const scored = { status: 200, body: JSON.stringify({ mean_ai_generated: 0.4, per_frame: [0.4], cached: false }) };
    const refused = { status: 422, body: JSON.stringify({ error: { code: 'ERR_BAD_BATCH', message: 'items.1.url: no', retryable: false } }) };
    let upstream: ReplayServer | undefined = await replayServer([refused, scored]);
    try {
      client = new HttpAiDetectorClient({ baseUrl: upstream.url, batchSize: 4, batchWindowMs: 50 });
      const both = await Promise.all(['https://cdn.example/a.mp4', 'https://cdn.example/b.mp4'].map((u) => client!.detect(u)));
      expect(both.map((r) => r.mean_ai_generated)).toEqual([0.4, 0.4]);
      expect(upstream.received.map((r) => r.path.split('?')[0])).toEqual(['/detect/batch', '/detect', '/detect']);
      await client.close();
      await upstream.close();
      upstream = await replayServer([refused]);
      client = new HttpAiDetectorClient({ baseUrl: upstream.url, batchSize: 4, batchWindowMs: 1 });
      await expect(client.detect('https://cdn.example/c.mp4')).rejects.toMatchObject({ code: 'ERR_BAD_BATCH', retryable: false });
      expect(upstream.received).toHaveLength(1);
    } finally {
      await upstream.close();
    }
  });
});
