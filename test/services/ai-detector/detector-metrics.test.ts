import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.js';
import { callService, createServiceDispatcher } from '../../../src/services/http/index.js';

const dispatcher = createServiceDispatcher({ retries: 0 });

describe('serve ai-detector /metrics', () => {
  it('exports the detector’s own registry (requests served, build), without validator series', async () => {
    const stdout = new PassThrough();
    let out = '';
    stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const exit = main(['serve', 'ai-detector', '--port', '0', '--services', 'embedded', '--logging.level', 'silent'], { stdout, stderr: new PassThrough() });
    try {
      const url = await new Promise<string>((resolve) => {
        const check = () => {
          const nl = out.indexOf('\n');
          if (nl >= 0) resolve((JSON.parse(out.slice(0, nl)) as { url: string }).url);
          else stdout.once('data', check);
        };
        check();
      });
      expect((await callService({ service: 't', url: `${url}/health`, dispatcher })).status).toBe(200);
      const res = await callService({ service: 't', url: `${url}/metrics`, dispatcher });
      expect(res.status).toBe(200);
      expect(res.text).toMatch(/^infinitevibe_service_build_info\{version="[^"]+",node="v[^"]+",service="ai_detector"\} 1$/m);
      expect(res.text).toContain('infinitevibe_service_requests_total{service="ai_detector",route="/health",status="2xx"} 1');
      for (const validatorOnly of ['infinitevibe_chain_connected', 'infinitevibe_validator_permit', 'infinitevibe_pool_threads']) {
        expect(res.text).not.toContain(validatorOnly);
      }
    } finally {
      process.emit('SIGTERM');
      expect(await exit).toBe(0);
    }
  });
});
