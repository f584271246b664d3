import { Writable } from 'node:stream';
import { compactToU8a, u8aToHex } from '@polkadot/util';
import { xxhashAsHex } from '@polkadot/util-crypto';
import { filter, firstValueFrom, timeout } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SubtensorClient } from '../../src/chain/subtensor-client.js';
import { SubtensorDevnet } from '../../src/devnet/subtensor/index.js';
import { createLogger } from '../../src/log.js';
import { neurons } from './devnet-fixture.js';

const NETUID = 89;
const EVENTS_KEY = `${xxhashAsHex('System', 128)}${xxhashAsHex('Events', 128).slice(2)}`;

interface LogEntry {
  readonly msg: string;
  readonly err?: { readonly code?: string; readonly message?: string };
}

/**
 * The diff stream reads each finalized block's System.Events to see whether a neuron registered.
 * A node's events value is measured before it is decoded: three bytes claiming 65,536 records
 * used to make @polkadot/types build every one of them (seconds of event loop per block, the heap
 * at 2^19); now they are undecodable events, which the stream answers by re-reading the metagraph.
 */
describe('System.Events from a hostile node', () => {
  let devnet: SubtensorDevnet;
  let client: SubtensorClient;
  const entries: LogEntry[] = [];
  const waiters: Array<{ match: (e: LogEntry) => boolean; resolve: (e: LogEntry) => void }> = [];
  const logged = (match: (e: LogEntry) => boolean): Promise<LogEntry> =>
    new Promise((resolve) => {
      const seen = entries.find(match);
      if (seen) resolve(seen);
      else waiters.push({ match, resolve });
    });
  let unsubscribe: () => void = () => undefined;

  beforeAll(async () => {
    const stream = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) {
          const entry = JSON.parse(line) as LogEntry;
          entries.push(entry);
          for (const w of waiters.filter((w) => w.match(entry))) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve(entry);
          }
        }
        done();
      },
    });
    devnet = await SubtensorDevnet.start({ port: 0, autoBlocks: false, netuid: NETUID, neurons: neurons(2) });
    devnet.produceBlock();
    client = await SubtensorClient.connect({
      endpoint: devnet.url,
      connectTimeoutMs: 10_000,
      logger: createLogger({ level: 'debug' }, stream),
    });
    const sub = client.metagraphDiffs$(NETUID).subscribe();
    unsubscribe = () => sub.unsubscribe();
  }, 60_000);

  afterAll(async () => {
    unsubscribe();
    devnet?.rewriteAnswers(undefined);
    await client?.close();
    await devnet?.close();
  });

  it('three bytes claiming 65,536 event records are refused by their length, and the metagraph is read again', async () => {
    const lie = u8aToHex(compactToU8a(65_536));
    let reread: () => void = () => undefined;
    const metagraphRead = new Promise<void>((resolve) => (reread = resolve));
    devnet.rewriteAnswers((method, params, result) => {
      if (method === 'state_call' && params[0] === 'SubnetInfoRuntimeApi_get_subnet_state') reread();
      if (method !== 'state_queryStorageAt') return result;
      const sets = result as Array<{ block: string; changes: Array<[string, string | null]> }>;
      return sets.map((set) => ({ ...set, changes: set.changes.map(([k, v]) => [k, k.toLowerCase() === EVENTS_KEY ? lie : v]) }));
    });
    const { number } = devnet.produceBlock();
    await firstValueFrom(client.finalizedBlocks$.pipe(filter((b) => b.number >= number), timeout(10_000)));
    const entry = await logged((e) => e.msg.startsWith('undecodable System.Events'));
    expect(entry.err).toMatchObject({
      code: 'ERR_CHAIN_METADATA',
      message: expect.stringMatching(/^System\.Events: vector length 65536 exceeds the remaining bytes$/),
    });
    await metagraphRead;
  });
});
