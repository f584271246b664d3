import { Writable } from 'node:stream';
import { logger as polkadotLogger } from '@polkadot/util';
import { afterEach, describe, expect, it } from 'vitest';
import { componentLogger, createLogger, failureFields } from '../../src/log.js';
import { routePolkadotConsole } from '../../src/polkadot-log-bridge.js';
import { GistFetchError } from '../../src/services/gist/gist-fetch-error.js';
import { openStore } from '../../src/runtime/open-store.js';

function captured(level = 'debug') {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  return { logger: createLogger({ level }, stream), lines };
}

describe('componentLogger', () => {
  it('never writes a key twice when components nest', () => {
    const { logger, lines } = captured();
    const store = componentLogger(logger, 'store');
    const mongo = componentLogger(store, 'embedded-mongo');
    const deeper = componentLogger(mongo, 'connection');
    deeper.info('listening');
    const line = lines[0]!;
    expect(line.match(/"component"/g)).toHaveLength(1);
    expect(line.match(/"subcomponent"/g)).toHaveLength(1);
    expect(JSON.parse(line)).toMatchObject({ component: 'store', subcomponent: 'embedded-mongo', subcomponent_2: 'connection' });
  });

  it("the store's embedded MongoDB server logs under store / embedded-mongo, each key once", async () => {
    const { logger, lines } = captured('info');
    const store = await openStore({ db: 'logtest', logger: componentLogger(logger, 'store') });
    await store.close();
    const line = lines.find((l) => l.includes('embedded MongoDB server listening'))!;
    expect(line.match(/"component"/g)).toHaveLength(1);
    expect(JSON.parse(line)).toMatchObject({ component: 'store', subcomponent: 'embedded-mongo' });
  });
});

describe('failureFields', () => {
  it('logs an expected failure (a dead gist) on one line, without a stack', () => {
    const { logger, lines } = captured();
    const error = new GistFetchError('not_found', 'gist someone/abc not found (404)', { status: 404 });
    logger.warn({ result: 'not_found', ...failureFields(error) }, 'gist fetch failed; no submissions this cycle');
    const entry = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(entry).toMatchObject({ code: 'ERR_GIST_NOT_FOUND', error: 'gist: gist someone/abc not found (404)', status: 404 });
    expect(lines[0]).not.toContain('stack');
    expect(lines[0]).not.toContain('\\n    at ');
  });

  it('keeps the stack of an unexpected error', () => {
    const { logger, lines } = captured();
    logger.warn(failureFields(new TypeError('undefined is not a function')), 'bug');
    expect(JSON.parse(lines[0]!).err.stack).toMatch(/TypeError: undefined is not a function\n\s+at /);
  });
});

describe('routePolkadotConsole', () => {
  let restore: (() => void) | undefined;
  afterEach(() => restore?.());

  it("sends @polkadot/util's console lines to pino as JSON, connection noise and repeats at debug", () => {
    const { logger, lines } = captured();
    const passedThrough: unknown[][] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => passedThrough.push(args);
    try {
      let clock = 0;
      restore = routePolkadotConsole(logger, { now: () => clock });
      const ws = polkadotLogger('api-ws');
      const rpc = polkadotLogger('rpc-core');
      ws.error('disconnected from ws://127.0.0.1:9: 1006:: Abnormal Closure');
      rpc.error(new Error('chain_getBlockHash(blockNumber?: BlockNumber): BlockHash:: -32000: boom'));
      rpc.error(new Error('chain_getBlockHash(blockNumber?: BlockNumber): BlockHash:: -32000: boom'));
      clock = 61_000;
      rpc.error(new Error('chain_getBlockHash(blockNumber?: BlockNumber): BlockHash:: -32000: boom'));
      polkadotLogger('api/init').warn('RPC methods not decorated: foo');
      console.error('an unrelated line');
      restore();
      restore = undefined;
      ws.error('after restore');
    } finally {
      console.error = original;
    }
    const entries = lines.map((l) => JSON.parse(l) as { level: number; origin: string; msg: string; component: string });
    expect(entries.map((e) => [e.origin, e.level])).toEqual([
      ['api-ws', 20],
      ['rpc-core', 40],
      ['rpc-core', 20],
      ['rpc-core', 40],
      ['api/init', 40],
    ]);
    expect(entries.every((e) => e.component === 'polkadot')).toBe(true);
    expect(entries[0]!.msg).toBe('disconnected from ws://127.0.0.1:9: 1006:: Abnormal Closure');
    expect(entries[1]!.msg).toContain('-32000: boom');
    // Everything else still reaches the real console, and restoring stops the routing.
    expect(passedThrough.map((a) => a.at(-1))).toEqual(['an unrelated line', 'after restore']);
  });
});
