import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { renderCheck } from '../../src/cli/commands/miner-check.js';
import type { CheckReport } from '../../src/miner/check-submissions.js';
import { MinerToolError } from '../../src/miner/miner-error.js';
import { fetchValidatorReport, MAX_REPORT_BYTES, type ValidatorReport } from '../../src/miner/validator-report-client.js';
import { json, replayServer, type ReplayServer } from '../helpers/replay-server.js';

const HOTKEY = '5F3sa2TJAWMqDhXG6jhV4N8ko9SxwGy8TpaNS1repo5EYjQX';
const GOOD = { hotkey: HOTKEY, uid: 3, interval: 'i', status: 'ok', commitment: null, lines: [], score: 0.5, weight: 0.1 };
let replay: ReplayServer | undefined;
let raw: Server | undefined;
afterEach(async () => {
  await replay?.close();
  replay = undefined;
  if (raw) {
    raw.closeAllConnections();
    await new Promise<void>((resolve) => raw!.close(() => resolve()));
    raw = undefined;
  }
});

/** A validator that writes the head and `first` bytes, then whatever `rest` does with the response. */
async function streaming(first: string, rest: (res: import('node:http').ServerResponse) => void): Promise<string> {
  raw = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write(first);
    rest(res);
  });
  await new Promise<void>((resolve) => raw!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(raw.address() as AddressInfo).port}`;
}

describe('fetchValidatorReport against a hostile or broken validator', () => {
  it('an answer that stalls after the head is ERR_VALIDATOR_REPORT_NETWORK at the timeout', async () => {
    const url = await streaming('{"lines": [', () => undefined);
    const error = await fetchValidatorReport(url, HOTKEY, { timeoutMs: 200 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MinerToolError);
    expect(error).toMatchObject({ code: 'ERR_VALIDATOR_REPORT_NETWORK', retryable: true });
  });

  it('a connection cut mid-answer is ERR_VALIDATOR_REPORT_NETWORK', async () => {
    // The head and a partial chunked body reach the client, then the connection ends.
    const url = await streaming('{"lines": [', (res) => res.write(' ', () => res.socket?.end()));
    await expect(fetchValidatorReport(url, HOTKEY)).rejects.toMatchObject({ code: 'ERR_VALIDATOR_REPORT_NETWORK' });
  });

  it('an endless answer is cut at the size cap, not read into memory', async () => {
    let sent = 0;
    const url = await streaming('{"pad":"', (res) => {
      const chunk = 'x'.repeat(64 * 1024);
      const pump = () => {
        while (sent <= MAX_REPORT_BYTES * 2 && res.write(chunk)) sent += chunk.length;
        if (sent <= MAX_REPORT_BYTES * 2) res.once('drain', pump);
        else res.end('"}');
      };
      pump();
    });
    await expect(fetchValidatorReport(url, HOTKEY)).rejects.toMatchObject({ code: 'ERR_VALIDATOR_REPORT_TOO_LARGE' });
    expect(sent).toBeLessThan(MAX_REPORT_BYTES * 2);
  });

  it.each([
    ['an array', []],
    ['a string', 'report'],
    ['lines that are not a list', { ...GOOD, lines: 5 }],
    ['a null line', { ...GOOD, lines: [null] }],
    ['a line without a reason', { ...GOOD, lines: [{ platform: 'youtube/video', content_id: 'x', verdict: 'accepted' }] }],
    ['rejected lines of the wrong shape', { ...GOOD, rejected_lines: [{ line: '1', reason: 'x' }] }],
    ['an interval that is an object', { ...GOOD, interval: { toString: 1 } }],
    ['a score that is a string', { ...GOOD, score: '1' }],
  ])('a JSON answer that is %s is ERR_VALIDATOR_REPORT_INVALID', async (_what, body) => {
    replay = await replayServer([json(200, body)]);
    await expect(fetchValidatorReport(replay.url, HOTKEY)).rejects.toMatchObject({ code: 'ERR_VALIDATOR_REPORT_INVALID' });
  });
});

const ESC = '\u001b';
const check: CheckReport = {
  hotkey: HOTKEY,
  netuid: 89,
  source: 'gist',
  commitment: { value: 'miner:abc', ok: false, reason: 'gist_failed', detail: `bad ${ESC}]0;owned${ESC}\\`, on_chain: 'miner:abc', block: 7 },
  rows: [
    {
      line: 1,
      platform: 'youtube/video',
      content_id: 'dQw4w9WgXcQ',
      verdict: 'ignored',
      reason: 'ai_unavailable',
      detail: `ERR_X: upstream said ${ESC}[2J${ESC}[1;1Hall good\u202e`,
      caption_ok: null,
      signature: null,
      ai_score: null,
      metrics: null,
      ownership: null,
    },
  ],
  summary: { lines: 1, accepted: 0, rejected: 0, ignored: 1, by_reason: { ai_unavailable: 1 } },
  ok: false,
};

describe('miner check output with text from others', () => {
  it('control and bidi characters from details and the validator report are escaped, not sent to the terminal', () => {
    const validator: ValidatorReport = {
      hotkey: HOTKEY,
      uid: 3,
      interval: `2026-12-03${ESC}[31m`,
      status: `ok\r\nvalidator: weight 1`,
      commitment: null,
      lines: [{ line: 1, platform: 'youtube/video', content_id: 'dQw4w9WgXcQ', verdict: 'accepted', reason: `ok${ESC}[8m`, ai_score: null }],
      score: null,
      weight: null,
    };
    const out = renderCheck(check, validator);
    expect(out).not.toContain(ESC);
    expect(out).not.toContain('\r');
    expect(out).not.toContain('\u202e');
    expect(out).toContain('\\u001b[2J');
    expect(out).toContain('status ok\\r\\nvalidator: weight 1');
    // Every line of output is one of ours: a header, a row or a summary.
    expect(out.trimEnd().split('\n')).toHaveLength(8);
  });
});
