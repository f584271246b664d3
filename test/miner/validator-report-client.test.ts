import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { MinerToolError } from '../../src/miner/miner-error.js';
import { fetchValidatorReport } from '../../src/miner/validator-report-client.js';
import { json, replayServer, type CannedAnswer, type ReplayServer } from '../helpers/replay-server.js';

const HOTKEY = '5F3sa2TJAWMqDhXG6jhV4N8ko9SxwGy8TpaNS1repo5EYjQX';
let validator: ReplayServer | undefined;
afterEach(async () => {
  await validator?.close();
  validator = undefined;
});

async function answering(answer: CannedAnswer): Promise<string> {
  validator = await replayServer([answer]);
  return validator.url;
}

describe('fetchValidatorReport', () => {
  it('reads the report at /miners/<hotkey>, asking for JSON', async () => {
    const report = { hotkey: HOTKEY, uid: 3, interval: 'i', status: 'ok', commitment: null, lines: [], score: 0.5, weight: 0.1 };
    const url = await answering(json(200, report));
    expect(await fetchValidatorReport(`${url}//`, HOTKEY)).toEqual(report);
    expect(validator!.received[0]).toMatchObject({ method: 'GET', path: `/miners/${HOTKEY}` });
    expect(validator!.received[0]!.headers['accept']).toBe('application/json');
  });

  it('a JSON 404 means the validator has no report for this hotkey', async () => {
    const url = await answering(json(404, { error: 'unknown hotkey' }));
    expect(await fetchValidatorReport(url, HOTKEY)).toBeNull();
  });

  it('a plain 404 means the report is not enabled, and says how to enable it', async () => {
    const url = await answering({ status: 404, body: 'not found', headers: { 'content-type': 'text/plain' } });
    await expect(fetchValidatorReport(url, HOTKEY)).rejects.toMatchObject({
      code: 'ERR_VALIDATOR_REPORT_DISABLED',
      status: 404,
      message: `${url} does not serve miner reports (start it with --miner_report.enabled)`,
    });
  });

  it.each([
    [503, true],
    [400, false],
  ])('HTTP %i is ERR_VALIDATOR_REPORT_HTTP (retryable %s)', async (status, retryable) => {
    const url = await answering(json(status, {}));
    await expect(fetchValidatorReport(url, HOTKEY)).rejects.toMatchObject({ code: 'ERR_VALIDATOR_REPORT_HTTP', status, retryable });
  });

  it('a 200 that is not JSON is ERR_VALIDATOR_REPORT_INVALID', async () => {
    const url = await answering({ status: 200, body: '<html>', headers: { 'content-type': 'text/html' } });
    await expect(fetchValidatorReport(url, HOTKEY)).rejects.toMatchObject({ code: 'ERR_VALIDATOR_REPORT_INVALID' });
  });

  it('a validator that does not answer in time, or at all, is ERR_VALIDATOR_REPORT_NETWORK', async () => {
    const url = await answering({ status: 200, body: '', hang: true });
    const error = await fetchValidatorReport(url, HOTKEY, { timeoutMs: 100 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MinerToolError);
    expect(error).toMatchObject({ code: 'ERR_VALIDATOR_REPORT_NETWORK', retryable: true });

    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    await expect(fetchValidatorReport(`http://127.0.0.1:${port}`, HOTKEY)).rejects.toMatchObject({ code: 'ERR_VALIDATOR_REPORT_NETWORK' });
  });

  it('refuses a URL that is not http(s)', async () => {
    await expect(fetchValidatorReport('validator:8080', HOTKEY)).rejects.toThrow(new TypeError('validator URL must be an http(s) URL, got "validator:8080"'));
  });
});
