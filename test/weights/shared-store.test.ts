import { of } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KeyringPair } from '@polkadot/keyring/types';
import { SubtensorClient } from '../../src/chain/subtensor-client.js';
import { EmbeddedMongoServer } from '../../src/devnet/mongo/embedded-mongo-server.js';
import { SubtensorDevnet } from '../../src/devnet/subtensor/subtensor-devnet.js';
import { silentLogger } from '../../src/log.js';
import { ValidatorMetrics } from '../../src/metrics/validator-metrics.js';
import { healthProbe } from '../../src/runtime/health-report.js';
import { openStore } from '../../src/runtime/open-store.js';
import type { MongoStore } from '../../src/store/mongo-store.js';
import type { WeightCommitRecord } from '../../src/store/types.js';
import { WeightCommitter } from '../../src/weights/weight-committer.js';
import { neurons, validator } from '../chain/devnet-fixture.js';
import { devPair } from '../helpers/dev-keys.js';
import { cycleScores } from './cycle-scores.js';
import { NETUID, THREE_MINERS } from './devnet-chain.js';

/** A second validator (uid 4) writing the same `weight_commits` collection as the first (uid 0). */
const second = devPair('//InfiniteVibe/validator/2');
const A = { hotkey: validator.address, netuid: NETUID };
const B = { hotkey: second.address, netuid: NETUID };

/** The second validator's vector: nothing like the first's. */
const B_SCORES = cycleScores({ interval: '2026-01-01-02-00', neurons: [0, 1, 2, 3, 4], scores: [[1, 'a', 1], [2, 'b', 1], [3, 'c', 9]], top: [3] });
/** A cycle too thin to replace the weights: a due commit re-sends the last vector applied. */
const THIN = { ...THREE_MINERS, interval: '2026-01-01-03-00', coverage: { reported: 1, expected: 4, ratio: 0.25 } };

describe('two validators sharing one store', () => {
  let devnet: SubtensorDevnet;
  let client: SubtensorClient;
  let mongo: EmbeddedMongoServer;
  let stores: MongoStore[];
  let committers: WeightCommitter[];

  const start = async (commitReveal: boolean) => {
    devnet = await SubtensorDevnet.start({
      port: 0,
      blockTimeMs: 100,
      netuid: NETUID,
      neurons: [...neurons(3), { hotkey: second.address, coldkey: second.address, stake: 1_000_000_000_000n, validatorPermit: true }],
      hyperparameters: { commitRevealWeightsEnabled: commitReveal, tempo: 200, weightsSetRateLimit: 0 },
    });
    client = await SubtensorClient.connect({ endpoint: devnet.url, connectTimeoutMs: 10_000, inclusionTimeoutMs: 60_000 });
  };
  /** Each validator process has its own connection to the one database. */
  const storeOf = async () => {
    const store = await openStore({ uri: mongo.uri, db: 'shared', serverSelectionTimeoutMS: 2_000 });
    stores.push(store);
    return store;
  };
  const committer = (signer: KeyringPair, store: MongoStore) => {
    const c = new WeightCommitter({
      chain: client,
      netuid: NETUID,
      signer,
      audit: store.weightCommits,
      intervalMs: 3_600_000,
      versionKey: 0n,
      retryDelayMs: 100,
      waitTimeoutMs: 30_000,
      stopGraceMs: 0,
      logger: silentLogger(),
      metrics: new ValidatorMetrics({ defaultMetrics: false }),
    });
    committers.push(c);
    return c;
  };
  const legacy = (fields: Partial<WeightCommitRecord>): WeightCommitRecord => ({
    attempted_at: new Date(Date.UTC(2026, 0, 1)),
    netuid: NETUID,
    mode: 'set',
    result: 'success',
    uids: [1, 2],
    values: [65_535, 65_535],
    version_key: '0',
    block: 1,
    tx_hash: null,
    error_code: null,
    error_message: null,
    ...fields,
  });

  beforeEach(async () => {
    stores = [];
    committers = [];
    mongo = await EmbeddedMongoServer.start();
  });
  afterEach(async () => {
    for (const c of committers) await c.stop();
    for (const s of stores) await s.close();
    await client?.close();
    await devnet?.close();
    await mongo?.close();
  });

  it('set mode: every record names its hotkey, and a restarted validator re-sends its own last vector, not the other one', async () => {
    await start(false);
    const a = committer(validator, await storeOf());
    a.update(THREE_MINERS);
    expect(await a.commitNow()).toMatchObject({ ok: true, mode: 'set', uids: [1, 2, 3] });
    const own = devnet.state.weightsOf(0, NETUID);
    const storeB = await storeOf();
    const b = committer(second, storeB);
    b.update(B_SCORES);
    expect(await b.commitNow()).toMatchObject({ ok: true, mode: 'set' });
    const others = devnet.state.weightsOf(4, NETUID);
    expect(others).not.toEqual(own);

    const storeA = await storeOf();
    expect((await storeA.weightCommits.recent(A, 50)).map((r) => [r.hotkey, r.netuid, r.mode])).toEqual([[A.hotkey, NETUID, 'set']]);
    expect((await storeB.weightCommits.recent(B, 50)).map((r) => [r.hotkey, r.netuid, r.mode])).toEqual([[B.hotkey, NETUID, 'set']]);
    expect(await storeA.weightCommits.latestSuccess(A, ['set', 'commit'])).toMatchObject({ hotkey: A.hotkey, uids: [1, 2, 3] });

    // The first validator restarted, with a thin cycle: its fallback is the vector it applied last.
    devnet.state.setWeights(NETUID, 0, []);
    const restarted = committer(validator, storeA);
    restarted.update(THIN);
    expect(await restarted.commitNow()).toMatchObject({ ok: true, mode: 'set', uids: [1, 2, 3] });
    expect(devnet.state.weightsOf(0, NETUID)).toEqual(own);
  }, 60_000);

  it('commit-reveal: pending reveals, the start-up reconcile and the /health count see only their own commits', async () => {
    await start(true);
    const storeA = await storeOf();
    const a = committer(validator, storeA);
    a.update(THREE_MINERS);
    expect(await a.commitNow()).toMatchObject({ ok: true, mode: 'commit' });
    const b = committer(second, await storeOf());
    b.update(B_SCORES);
    expect(await b.commitNow()).toMatchObject({ ok: true, mode: 'commit' });

    expect((await storeA.weightCommits.pendingReveals(A)).map((r) => [r.hotkey, r.state])).toEqual([[A.hotkey, 'committed']]);
    const health = healthProbe({
      version: 'test',
      network: 'local',
      endpoint: devnet.url,
      netuid: NETUID,
      hotkey: A.hotkey,
      connected$: of(true),
      finalizedBlocks$: of(),
      supervisor: { actorUids: [], cycles: 0, lastSummary: undefined },
      progress: () => undefined,
      committer: { lastResult: undefined },
      pendingSnapshots: () => 0,
      store: storeA,
    });
    expect((await health.report()).pending_reveals).toBe(1);
    health.close();

    const restarted = committer(validator, await storeOf());
    expect(await restarted.reconcile()).toEqual({ tracked: 1, dropped: 0, undecided: 0 });
    expect((await storeA.weightCommits.pendingReveals(B)).map((r) => [r.hotkey, r.state])).toEqual([[B.hotkey, 'committed']]);
  }, 60_000);

  it('records from before hotkeys were kept are used while the store has served one hotkey only, and ignored once another writes', async () => {
    await start(false);
    const storeA = await storeOf();
    await storeA.weightCommits.record(legacy({}));
    await storeA.weightCommits.record(legacy({ mode: 'commit', attempted_at: new Date(Date.UTC(2026, 0, 2)), salt: [1], values: [65_535, 1] }));
    // Only the first validator ever wrote here: the records are its own.
    expect(await storeA.weightCommits.latestSuccess(A, ['set'])).toMatchObject({ uids: [1, 2], values: [65_535, 65_535] });
    expect((await storeA.weightCommits.pendingReveals(A)).map((r) => r.salt)).toEqual([[1]]);
    expect(await storeA.weightCommits.recent(A, 10)).toHaveLength(2);
    // Upgraded and restarted with a thin cycle, it re-sends the vector the old record holds.
    const a = committer(validator, storeA);
    a.update(THIN);
    expect(await a.commitNow()).toMatchObject({ ok: true, mode: 'set', uids: [1, 2] });
    const own = devnet.state.weightsOf(0, NETUID);

    const b = committer(second, await storeOf());
    b.update(B_SCORES);
    expect(await b.commitNow()).toMatchObject({ ok: true, mode: 'set' });
    // Another hotkey wrote: nobody can tell whose the old records were, so neither validator takes them.
    expect((await storeA.weightCommits.recent(A, 10)).map((r) => [r.hotkey, r.uids])).toEqual([[A.hotkey, [1, 2]]]);
    expect((await storeA.weightCommits.recent(B, 10)).map((r) => r.hotkey)).toEqual([B.hotkey]);
    expect(await storeA.weightCommits.pendingReveals(A)).toEqual([]);
    expect(await storeA.weightCommits.pendingReveals(B)).toEqual([]);

    // Restarted again with a thin cycle: its own vector, not the newer one of the other validator.
    devnet.state.setWeights(NETUID, 0, []);
    const restarted = committer(validator, storeA);
    restarted.update(THIN);
    expect(await restarted.commitNow()).toMatchObject({ ok: true, mode: 'set', uids: [1, 2] });
    expect(devnet.state.weightsOf(0, NETUID)).toEqual(own);
  }, 60_000);
});
