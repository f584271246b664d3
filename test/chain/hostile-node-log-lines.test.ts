import { Writable } from 'node:stream';
import { ApiPromise, WsProvider } from '@polkadot/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SubtensorDevnet } from '../../src/devnet/subtensor/index.js';
import { RpcError } from '../../src/devnet/subtensor/rpc-error.js';
import { createLogger } from '../../src/log.js';
import { MAX_POLKADOT_LINE, routePolkadotConsole } from '../../src/polkadot-log-bridge.js';

/**
 * @polkadot/api logs a failed RPC call with the node's own error text. A node the operator points
 * at is not necessarily honest: what it says reaches the validator's log escaped and bounded.
 */
describe("a node's error text in the validator's log", () => {
  let devnet: SubtensorDevnet;
  let api: ApiPromise;
  const lines: string[] = [];
  let restore: () => void;

  beforeAll(async () => {
    const stream = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(...chunk.toString().split('\n').filter(Boolean));
        done();
      },
    });
    restore = routePolkadotConsole(createLogger({ level: 'debug' }, stream));
    devnet = await SubtensorDevnet.start({ port: 0, autoBlocks: false, netuid: 89 });
    devnet.produceBlock();
    api = await ApiPromise.create({ provider: new WsProvider(devnet.url), noInitWarn: true });
  }, 60_000);

  afterAll(async () => {
    restore?.();
    await api?.disconnect();
    await devnet?.close();
  });

  it('an RPC error of megabytes with line breaks and bidi controls is logged escaped and cut, each time it differs', async () => {
    let calls = 0;
    devnet.rewriteAnswers((method, _params, result) => {
      if (method !== 'system_name') return result;
      calls++;
      // Distinct each time, so none is held back as a repeat.
      throw new RpcError(-32000, `boom ${calls}\n{"level":60,"msg":"forged"}\u202e`, 'x'.repeat(2 * 1024 * 1024));
    });
    for (let i = 0; i < 3; i++) await expect(api.rpc.system.name()).rejects.toThrow(/boom/);
    devnet.rewriteAnswers(undefined);
    const logged = lines.map((l) => JSON.parse(l) as { origin?: string; msg: string; level: number }).filter((e) => e.origin === 'rpc-core' && e.msg.includes('boom'));
    expect(logged).toHaveLength(3);
    for (const [i, entry] of logged.entries()) {
      expect(entry.level).toBe(40);
      expect(entry.msg.length).toBeLessThanOrEqual(MAX_POLKADOT_LINE);
      expect(entry.msg).toContain(`boom ${i + 1}\\n{"level":60,"msg":"forged"}\\u202e`);
      expect(entry.msg.endsWith('…')).toBe(true);
    }
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThan(MAX_POLKADOT_LINE + 1_000);
  });
});
