import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildScenario, type Scenario } from '../../src/devnet/scenario.js';
import { SubtensorDevnet } from '../../src/devnet/subtensor/index.js';
import { createLogger } from '../../src/log.js';
import { openStore } from '../../src/runtime/open-store.js';
import type { ValidatorApp } from '../../src/runtime/validator-app.js';
import type { MongoStore } from '../../src/store/mongo-store.js';
import type { WeightCommitter } from '../../src/weights/weight-committer.js';
import { blocksUntil as produceBlocksUntil, startManualCommitRevealDevnet, TWO_MINERS, startValidatorOnDevnet, appCommitter } from './manual-blocks.js';

const MINERS = 4;

const SCORES = TWO_MINERS;

/**
 * The Subtensor node unreachable while a commit's reveal window is open (every connection is
 * dropped at its first request), with blocks made by the test. Back inside the window, the reveal
 * lands before the window closes; back only after it, the commit is reported as a missed window
 * (logged at error level, its record `expired` with ERR_WEIGHTS_REVEAL_WINDOW_MISSED), never
 * revealed late, and the next commit is not held up by it.
 */
describe('the chain down inside a reveal window (stand-in node)', () => {
  let scenario: Scenario;
  let devnet: SubtensorDevnet;
  let store: MongoStore;
  let app: ValidatorApp;
  let committer: WeightCommitter | undefined;
  let down = false;
  const errors: string[] = [];
  beforeAll(async () => {
    scenario = await buildScenario({ miners: MINERS });
    devnet = await startManualCommitRevealDevnet(scenario, () => {
      if (down) devnet.dropConnections();
    });
    store = await openStore({ db: 'reveal-chain-down' });
    app = await startValidatorOnDevnet(devnet, store, MINERS);
  }, 60_000);
  afterAll(async () => {
    down = false;
    const stopping = committer?.stop();
    // A commit of its own may wait for inclusion: blocks go on until it has stopped.
    let stopped = false;
    void stopping?.finally(() => (stopped = true));
    const timer = setInterval(() => !stopped && devnet.produceBlock(), 50);
    await stopping;
    clearInterval(timer);
    await app?.stop();
    await store?.close();
    await devnet?.close();
  });

  const blocks = (n: number) => {
    for (let i = 0; i < n; i++) devnet.produceBlock();
  };
  /** Produces a block every 50 ms until `until()` holds or `lastBlock` is passed. */
  const blocksUntil = (until: () => boolean | Promise<boolean>, lastBlock: number, what?: string): Promise<void> =>
    produceBlocksUntil(devnet, until, { lastBlock }, what, 50);
  const ofCommit = async (hash: string) =>
    (await store.weightCommits.recent({ hotkey: app.signer.address, netuid: scenario.netuid }, 50)).filter((r) => r.commit_hash === hash);
  /** The node answers this client again. */
  const reconnected = () => vi.waitFor(async () => expect(await app.chain.bestBlockNumber()).toBe(devnet.bestNumber), { timeout: 60_000, interval: 100 });
  /** One commit sent by commitNow, landed: its on-chain entry. */
  const commitOne = async () => {
    const hotkey = app.signer.address;
    const before = new Set(devnet.state.weightCommitsOf(hotkey, scenario.netuid).map((c) => c.hash));
    let settled = false;
    const committing = committer!.commitNow().finally(() => (settled = true));
    await blocksUntil(() => settled, devnet.bestNumber + 200, 'commitNow settled');
    expect(await committing).toMatchObject({ ok: true, mode: 'commit' });
    const landed = devnet.state.weightCommitsOf(hotkey, scenario.netuid).find((c) => !before.has(c.hash));
    expect(landed).toBeDefined();
    return landed!;
  };

  it('back inside the window: the reveal lands before it closes, once; back after it: reported as missed, never sent', async () => {
    const netuid = scenario.netuid;
    const logger = createLogger({ level: 'error' }, { write: (line: string) => void errors.push((JSON.parse(line) as { msg: string }).msg) });
    committer = appCommitter(app, store, logger);
    committer.update(SCORES);
    // Its first commit goes out at once; the next would wait out the interval.
    committer.start();
    await blocksUntil(() => devnet.state.weightCommitsOf(app.signer.address, netuid).length > 0, devnet.bestNumber + 200, 'first commit landed');
    const [first] = devnet.state.weightCommitsOf(app.signer.address, netuid);
    await vi.waitFor(async () => expect((await ofCommit(first!.hash)).find((r) => r.mode === 'commit')?.state).toBe('committed'));
    const reveals = () => devnet.state.weightsOf(0, netuid);

    // 1. Down from just before the window opens until a few blocks into it.
    blocks(first!.firstRevealBlock - 1 - devnet.bestNumber);
    down = true;
    devnet.dropConnections();
    blocks(3);
    expect(reveals()).toEqual([]);
    down = false;
    await reconnected();
    await blocksUntil(async () => (await ofCommit(first!.hash)).some((r) => r.state === 'revealed'), first!.lastRevealBlock, 'first commit revealed');
    expect(devnet.bestNumber).toBeLessThanOrEqual(first!.lastRevealBlock);
    const record = (await ofCommit(first!.hash)).find((r) => r.mode === 'commit')!;
    expect(reveals()).toEqual(record.uids.map((uid, i) => [uid, record.values[i]]));
    expect((await ofCommit(first!.hash)).filter((r) => r.mode === 'reveal').map((r) => r.result)).toEqual(['success']);

    // 2. The next commit, then down through its whole window.
    const second = await commitOne();
    blocks(second.firstRevealBlock - 1 - devnet.bestNumber);
    down = true;
    devnet.dropConnections();
    blocks(second.lastRevealBlock + 1 - devnet.bestNumber);
    down = false;
    await reconnected();
    await blocksUntil(async () => (await ofCommit(second.hash)).some((r) => r.state === 'expired'), devnet.bestNumber + 20, 'second commit expired');
    expect((await ofCommit(second.hash)).find((r) => r.mode === 'commit')).toMatchObject({ state: 'expired', error_code: 'ERR_WEIGHTS_REVEAL_WINDOW_MISSED' });
    expect(errors).toContain('weight reveal window missed');
    expect((await ofCommit(second.hash)).filter((r) => r.mode === 'reveal')).toEqual([]);

    // The missed reveal holds nothing up: a third commit goes out and is revealed.
    const third = await commitOne();
    await blocksUntil(async () => (await ofCommit(third.hash)).some((r) => r.state === 'revealed'), third.lastRevealBlock, 'third commit revealed');
  }, 180_000);
});
