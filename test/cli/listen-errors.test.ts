import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';

describe('a port another process holds', () => {
  let holder: Server;
  let port: number;
  beforeAll(async () => {
    holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    port = (holder.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => holder.close(() => resolve())));

  it('serve platform-tracker: one line naming the address and the flags, exit 2', async () => {
    const { code, err } = await cli(['serve', 'platform-tracker', '--services', 'embedded', '--miners', '2', '--port', String(port)]);
    expect(code).toBe(2);
    expect(err).toBe(
      `infinitevibe: configuration error: cannot listen on 127.0.0.1:${port}: another process already listens there (EADDRINUSE); change --port or --host\n`,
    );
  });

  it('validate: the metrics port, named by its flags, exit 2', async () => {
    const { code, err } = await cli([
      'validate',
      '--subtensor.network',
      'embedded',
      '--miners',
      '2',
      '--pool.threads',
      '1',
      '--metrics.host',
      '127.0.0.1',
      '--metrics.port',
      String(port),
      '--logging.level',
      'silent',
    ]);
    expect(code).toBe(2);
    expect(err).toBe(
      `infinitevibe: configuration error: cannot listen on 127.0.0.1:${port}: another process already listens there (EADDRINUSE); change --metrics.port or --metrics.host\n`,
    );
  }, 120_000);
});
