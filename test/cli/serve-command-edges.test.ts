import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { callService, createServiceDispatcher } from '../../src/services/http/index.js';

function firstLine(stream: PassThrough): Promise<string> {
  return new Promise((resolve) => {
    let buffered = '';
    stream.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const nl = buffered.indexOf('\n');
      if (nl >= 0) resolve(buffered.slice(0, nl));
    });
  });
}

async function serve(argv: string[]): Promise<{ code: number; err: string }> {
  const stderr = new PassThrough();
  let err = '';
  stderr.on('data', (b: Buffer) => (err += b.toString()));
  const code = await main(['serve', ...argv], { stdout: new PassThrough(), stderr });
  return { code, err };
}

describe('infinitevibe serve: bad invocations', () => {
  it.each([
    [['platform-tracker', '--miners', '0'], '--miners must be an integer from 1 to 4096, got "0"'],
    [['platform-tracker', '--miners', '2.5'], '--miners must be an integer from 1 to 4096, got "2.5"'],
    [['ai-detector', '--seed', '-1'], `--seed must be an integer from 0 to ${2 ** 32 - 1}, got "-1"`],
    [['ai-detector', '--port', 'http'], '--port must be an integer from 0 to 65535, got "http"'],
  ])('%j is refused with exit 2: %s', async (argv, message) => {
    const { code, err } = await serve(argv);
    expect(code).toBe(2);
    expect(err).toBe(`infinitevibe: configuration error: ${message}\n`);
  });

  it('without a service it prints the usage and exits 2', async () => {
    const { code, err } = await serve([]);
    expect(code).toBe(2);
    expect(err).toMatch(/^usage: infinitevibe serve <platform-tracker\|ai-detector>/);
    expect(err).not.toContain('unknown service');
  });
});

describe('infinitevibe serve ai-detector', () => {
  it('--services embedded prints its URL and stand-in, answers /health, and stops on SIGTERM', async () => {
    const stdout = new PassThrough();
    const exit = main(['serve', 'ai-detector', '--port', '0', '--services', 'embedded', '--logging.level', 'silent'], {
      stdout,
      stderr: new PassThrough(),
    });
    const line = JSON.parse(await firstLine(stdout)) as { service: string; url: string; embedded: boolean; sightengine_url: string | null };
    expect(line).toMatchObject({
      service: 'ai-detector',
      embedded: true,
      url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
      sightengine_url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+/),
    });
    const dispatcher = createServiceDispatcher({ retries: 0 });
    try {
      const health = await callService({ service: 't', url: `${line.url}/health`, dispatcher });
      expect(health.json).toEqual({ status: 'ok' });
    } finally {
      await dispatcher.close();
    }
    process.emit('SIGTERM');
    await expect(exit).resolves.toBe(0);
  });
});
