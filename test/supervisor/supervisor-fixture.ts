/** A supervisor over real miner actors, fed by a hand-driven chain and table-backed services. */
import { BehaviorSubject, Subject } from 'rxjs';
import { ChainDisconnectedError } from '../../src/errors.js';
import { MinerActor } from '../../src/actors/miner-actor.js';
import type { GistParser, GistSource } from '../../src/actors/types.js';
import type { ChainClient, CommitmentRecord, MetagraphDiff, MetagraphSnapshot, Neuron } from '../../src/chain/types.js';
import { scoreMiner } from '../../src/scoring/policies.js';
import { DEFAULT_GROWTH_PARAMS } from '../../src/scoring/growth-policy.js';
import { Supervisor, type CycleScores } from '../../src/supervisor/supervisor.js';
import type { ScoringOptions } from '../../src/scoring/types.js';
import { TableAi, TableMetrics, inlineGistParser, keypair, makeDeps, signedLine, tokenFor } from '../actors/helpers.js';
import { StoredLists, type StoredListsOptions } from '../../src/supervisor/stored-lists.js';
import { MinerReportStore } from '../../src/runtime/miner-report.js';

export const SCORING: ScoringOptions = {
  policy: 'engagement',
  alpha: 0.95,
  topMiners: 5,
  aiThreshold: 0.3,
  allowedPlatforms: ['youtube/video', 'instagram/reel', 'instagram/post'],
  growth: DEFAULT_GROWTH_PARAMS,
};

/** A ChainClient fed by hand: the contract, not the project's chain code, is what is stubbed. */
export class FedChain {
  readonly diffs = new Subject<MetagraphDiff>();
  neurons: Neuron[] = [];
  commitmentRecords: CommitmentRecord[] = [];
  block = 100;
  readonly connected = new BehaviorSubject(true);
  /** Commitment reads that fail as if the socket dropped, each followed by a reconnect. */
  commitmentDrops = 0;
  commitmentReads = 0;
  get connected$() {
    return this.connected.asObservable();
  }
  metagraphDiffs$() {
    return this.diffs.asObservable();
  }
  async metagraph(netuid: number): Promise<MetagraphSnapshot> {
    return { netuid, block: this.block, blockHash: '0x', neurons: this.neurons };
  }
  async commitments(): Promise<CommitmentRecord[]> {
    this.commitmentReads++;
    if (this.commitmentDrops > 0) {
      this.commitmentDrops--;
      this.connected.next(false);
      setTimeout(() => this.connected.next(true), 50);
      throw new ChainDisconnectedError('socket dropped during the commitments read');
    }
    return this.commitmentRecords;
  }
  join(neuron: Neuron) {
    this.neurons = [...this.neurons.filter((n) => n.uid !== neuron.uid), neuron];
    this.diffs.next({ kind: 'joined', uid: neuron.uid, neuron, block: this.block });
  }
  leave(uid: number) {
    const old = this.neurons.find((n) => n.uid === uid)!;
    this.neurons = this.neurons.filter((n) => n.uid !== uid);
    this.diffs.next({ kind: 'left', uid, hotkey: old.hotkey, block: this.block });
  }
  replace(neuron: Neuron) {
    const old = this.neurons.find((n) => n.uid === neuron.uid)!;
    this.neurons = [...this.neurons.filter((n) => n.uid !== neuron.uid), neuron];
    this.diffs.next({ kind: 'replaced', uid: neuron.uid, previousHotkey: old.hotkey, neuron, block: this.block });
  }
}

export const neuron = (uid: number, hotkey: string, extra: Partial<Neuron> = {}): Neuron => ({
  uid,
  hotkey,
  coldkey: hotkey,
  stake: 1_000_000_000n,
  active: true,
  validatorPermit: false,
  lastUpdate: 0,
  blockAtRegistration: 0,
  ...extra,
});

export async function setup(
  options: {
    gists?: (hotkey: string) => GistSource;
    gistParser?: GistParser;
    deadlineMs?: number;
    collectGrace?: false;
    original?: boolean;
    now?: Date;
    /** Stored submissions records: with them, the cycle processes the stored lists that are due. */
    storedRecords?: StoredListsOptions['store'];
    /** Each actor's reports observed, as --miner_report.enabled does. */
    reports?: MinerReportStore;
  } = {},
) {
  const chain = new FedChain();
  const metrics = new TableMetrics();
  const ai = new TableAi();
  const keys = await Promise.all([1, 2, 3, 4].map((i) => keypair(`//Sup/miner/${i}`)));
  const validator = await keypair('//Sup/validator');
  const bodies = new Map<string, string>();
  for (const [i, key] of keys.entries()) {
    const id = `vid${i + 1}`;
    bodies.set(key.address, signedLine(key, 'youtube/video', id, `https://cdn.example/${id}.mp4`));
    metrics.add({ platform: 'youtube/video', content_id: id, caption: `${tokenFor(key.address)}`, views: 100 * (i + 1), video_url: null });
    ai.scores.set(`https://cdn.example/${id}.mp4`, 0.9);
    chain.commitmentRecords.push({ hotkey: key.address, block: 10 + i, value: `miner-${i + 1}:abc${i + 1}` });
  }
  const deps = makeDeps({ gists: { fetch: async () => '' }, metricsProvider: metrics, aiDetector: ai, gistParser: options.gistParser ?? inlineGistParser });
  const scores: CycleScores[] = [];
  const created: MinerActor[] = [];
  const storedListsOf = (lists: StoredLists) => (options.reports ? options.reports.wrapStoredLists(lists) : lists);
  const supervisor = new Supervisor({
    chain: chain as unknown as Pick<ChainClient, 'metagraphDiffs$' | 'metagraph' | 'commitments' | 'connected$'>,
    netuid: 89,
    selfHotkey: validator.address,
    createActor: (n, parent) => {
      const gists: GistSource = options.gists?.(n.hotkey) ?? { fetch: async () => bodies.get(n.hotkey) ?? '' };
      const actor = new MinerActor({ uid: n.uid, hotkey: n.hotkey, deps: { ...deps, gists }, parent });
      created.push(actor);
      return options.reports ? options.reports.wrap(actor) : actor;
    },
    scorer: { score: async (miners) => miners.map((m) => scoreMiner(m, SCORING)) },
    history: {
      history: async (hotkey) => [...deps.sinks.snapshots.values()].filter((s) => s.hotkey === hotkey),
    },
    limiter: deps.limiter,
    policy: 'engagement',
    topMiners: 5,
    requireSignedSubmissions: false,
    cycleIntervalMs: 60_000,
    intervalSeconds: 7_200,
    cycleDeadlineMs: options.deadlineMs ?? 10_000,
    ...(options.collectGrace !== undefined ? { collectGrace: options.collectGrace } : {}),
    restartDelayMs: { min: 10, max: 50 },
    now: () => options.now ?? new Date(Date.UTC(2026, 0, 1, 2, 0, 0)),
    ...(options.original ? { resolveOwnership: false, alignIntervals: false } : {}),
    onScores: (s) => scores.push(s),
    ...(options.storedRecords ? { storedLists: storedListsOf(new StoredLists({ store: options.storedRecords, deps, logger: deps.logger })) } : {}),
    logger: deps.logger,
    metrics: deps.metrics,
  });
  return { chain, supervisor, keys, validator, deps, scores, created };
}
