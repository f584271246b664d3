import { hexToU8a } from '@polkadot/util';
import { Observable, concatMap, filter, from } from 'rxjs';
import { diffMetagraph } from './metagraph-diff.js';
import type { MetagraphReader } from './metagraph-reader.js';
import { storageValuesAnswer } from './rpc-answers.js';
import { decodeExact, storageValueType } from './scale-primitives.js';
import type { SubtensorConnection } from './subtensor-connection.js';
import type { FinalizedBlock, MetagraphDiff, Neuron } from './types.js';

/**
 * Metagraph changes of `netuid`, one finalized head at a time. A full metagraph read is costly,
 * so each head is first checked with a cheap storage fingerprint and only re-read when it can
 * have changed (or after a reconnect or a failed read).
 */
export function metagraphDiffStream(
  connection: SubtensorConnection,
  reader: MetagraphReader,
  netuid: number,
): Observable<MetagraphDiff> {
  return new Observable<MetagraphDiff>((subscriber) => {
    let previous: readonly Neuron[] = [];
    let lastBlock: FinalizedBlock | undefined;
    let lastCheap: string | undefined;
    let readAfterReconnect = false;
    const reconnectSub = connection.connected$.pipe(filter((up) => up)).subscribe(() => {
      if (lastBlock) readAfterReconnect = true;
    });
    const sub = connection.finalizedBlocks$
      .pipe(
        // One read at a time; heads that arrive meanwhile queue and are mostly cheap checks.
        concatMap((block) =>
          from(
            (async () => {
              if (lastBlock && block.number <= lastBlock.number) {
                if (block.hash === lastBlock.hash) return;
                // Finality never goes back on one chain: a lower or replaced finalized head means
                // the node now follows another chain (restarted from an earlier state, or a
                // failover to a node behind), or the last head was a lie. Either way the last read
                // no longer describes this chain, and waiting for it to pass that height could stall
                // the stream for good.
                connection.logger.warn(
                  { netuid, block: block.number, last: lastBlock.number },
                  'finalized head went back; re-reading the metagraph',
                );
                lastBlock = undefined;
              }
              const cheap = await cheapFingerprint(connection, netuid, block, lastBlock);
              const mustRead =
                !lastBlock || readAfterReconnect || cheap.changed || cheap.fingerprint !== lastCheap;
              lastCheap = cheap.fingerprint;
              if (!mustRead) {
                lastBlock = block;
                return;
              }
              readAfterReconnect = false;
              const snapshot = await reader.metagraphAt(netuid, block);
              lastBlock = block;
              const diffs = diffMetagraph(previous, snapshot.neurons, block.number);
              previous = snapshot.neurons;
              for (const diff of diffs) {
                subscriber.next(diff);
              }
            })().catch((error: unknown) => {
              // A failed read (e.g. a drop mid-call) is retried at the next block, not fatal.
              connection.logger.warn(
                { err: error, netuid, block: block.number },
                'metagraph diff read failed; retrying next block',
              );
              readAfterReconnect = true;
            }),
          ),
        ),
      )
      .subscribe({
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
    return () => {
      sub.unsubscribe();
      reconnectSub.unsubscribe();
    };
  });
}

/**
 * Whether a block can have changed the metagraph, from one `state_queryStorageAt` of
 * `SubnetworkN`, `ValidatorPermit` and `System.Events` at that block: joins and permits change
 * the first two, a replaced uid (full subnet) shows as a `NeuronRegistered` event. A gap in
 * finalized heads (several finalized at once, or a reconnect) checks the events of each skipped
 * block, up to 8, and re-reads beyond that.
 */
async function cheapFingerprint(
  connection: SubtensorConnection,
  netuid: number,
  block: FinalizedBlock,
  lastBlock: FinalizedBlock | undefined,
): Promise<{ fingerprint: string; changed: boolean }> {
  const api = connection.api;
  const sm = api.query['subtensorModule']!;
  const n = sm['subnetworkN']!.key(netuid);
  const permits = sm['validatorPermit']!.key(netuid);
  const eventsKey = api.query['system']!['events']!.key();
  const read = async (hash: string) => {
    const changes = storageValuesAnswer(
      await connection.send<unknown>('state_queryStorageAt', [[n, permits, eventsKey], hash]),
      [n, permits, eventsKey],
      `metagraph fingerprint at ${hash}`,
    );
    return {
      fingerprint: `${changes.get(n) ?? ''}|${changes.get(permits) ?? ''}`,
      events: changes.get(eventsKey) ?? null,
    };
  };
  const here = await read(block.hash);
  if (!lastBlock) return { fingerprint: here.fingerprint, changed: true };
  let changed = hasRegistration(connection, here.events, netuid);
  const gap = block.number - lastBlock.number - 1;
  if (gap > 8) changed = true;
  else {
    for (let b = lastBlock.number + 1; b < block.number && !changed; b++) {
      const hash = (await api.rpc.chain.getBlockHash(b)).toHex();
      changed = hasRegistration(connection, (await read(hash)).events, netuid);
    }
  }
  return { fingerprint: here.fingerprint, changed };
}

function hasRegistration(connection: SubtensorConnection, eventsHex: string | null, netuid: number): boolean {
  if (!eventsHex) return false;
  const registry = connection.api.registry;
  try {
    const type = storageValueType(registry, 'System', 'Events');
    // decodeExact measures the bytes first: a few bytes claiming 2^19 records built each of them.
    const records = decodeExact<{ encodedLength: number } & Array<{
      event: { section: string; method: string; data: Array<{ toString(): string }> };
    }>>(registry, type, hexToU8a(eventsHex), 'System.Events');
    return records.some(
      ({ event }) =>
        event.section === 'subtensorModule' &&
        event.method === 'NeuronRegistered' &&
        Number(event.data[0]?.toString()) === netuid,
    );
  } catch (error) {
    // Events this registry cannot decode: assume the worst and re-read.
    connection.logger.debug({ err: error }, 'undecodable System.Events; re-reading metagraph');
    return true;
  }
}
