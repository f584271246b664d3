import type { KeyringPair } from '@polkadot/keyring/types';
import { u8aToHex } from '@polkadot/util';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import type { Platform } from '../config/defaults.js';
import { signedLineMessage } from '../crypto/index.js';
import { captionToken } from '../formats/caption.js';
import { seededRandom } from './seeded-random.js';
import { devPair } from './dev-keys.js';
import type { DevnetNeuron } from './subtensor/index.js';

/**
 * The deterministic world the stand-ins serve: a validator, N miners of assorted honesty, their
 * gists and videos, and engagement that grows over simulated time. The Subtensor stand-in seeds
 * its subnet from it and the HTTP stand-ins answer from it, so a validator pointed at them sees
 * one consistent network. Same options → same keys, commitments, gists and numbers (sr25519
 * signatures excepted: they carry a random nonce, yet verify the same).
 */

export type MinerKind =
  | 'honest'
  | 'bad_caption'
  | 'copied_gist'
  | 'malformed_lines'
  | 'non_ai'
  | 'forged_signature'
  | 'bad_commitment'
  | 'dead_gist'
  | 'no_commitment';

export interface ScenarioContent {
  platform: Platform;
  content_id: string;
  caption: string;
  owner_username: string;
  published_at: string;
  base: { views: number; likes: number; comments: number; followers: number };
  perHour: { views: number; likes: number; comments: number; followers: number };
  /** What the AI detector should conclude for this video (0..1). */
  ai_score: number;
  /** Path on the stand-in video host. */
  video_path: string;
}

export interface ScenarioMiner {
  uid: number;
  /** Dev derivation URI of the hotkey. */
  uri: string;
  hotkey: string;
  coldkey: string;
  stake: bigint;
  kind: MinerKind;
  commitment: string | null;
  githubUser: string;
  gistId: string;
  /** Rendered against the scenario's videoBaseUrl; null means the gist host answers 404. */
  gistBody: string | null;
  /** Videos this miner really posted (a copied gist lists someone else's). */
  contents: ScenarioContent[];
}

export interface ScenarioValidator {
  uid: 0;
  uri: '//InfiniteVibe/validator';
  hotkey: string;
  coldkey: string;
  stake: bigint;
}

export interface Scenario {
  netuid: number;
  seed: number;
  /** Simulated time zero (ms since the Unix epoch). */
  epochMs: number;
  videoBaseUrl: string;
  validator: ScenarioValidator;
  miners: ScenarioMiner[];
  /** Every distinct video, for the platform stand-ins. */
  contents: ScenarioContent[];
}

export interface ScenarioOptions {
  miners: number;
  netuid?: number;
  seed?: number;
  /** Where direct_video_url lines point; the video host's base URL. */
  videoBaseUrl?: string;
  /** Submissions per honest miner (1..n); the original processes 5. */
  submissionsPerMiner?: number;
  epochMs?: number;
}

export const SCENARIO_DEFAULTS = Object.freeze({
  netuid: 89,
  seed: 89,
  videoBaseUrl: 'http://127.0.0.1:12003',
  submissionsPerMiner: 5,
  // A fixed instant keeps interval keys and published dates reproducible.
  epochMs: Date.UTC(2026, 0, 1, 0, 0, 0),
});

/** One of every 16 miners per kind; half of each block is honest. */
const KIND_CYCLE: readonly MinerKind[] = [
  'honest',
  'honest',
  'bad_caption',
  'honest',
  'copied_gist',
  'honest',
  'malformed_lines',
  'honest',
  'non_ai',
  'honest',
  'forged_signature',
  'honest',
  'bad_commitment',
  'honest',
  'dead_gist',
  'no_commitment',
];

const TAO = 1_000_000_000n;
const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-';

function pick<T>(rand: () => number, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)]!;
}

function randomId(rand: () => number, length: number, alphabet = ID_ALPHABET): string {
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[Math.floor(rand() * alphabet.length)];
  return out;
}

function between(rand: () => number, lo: number, hi: number): number {
  return lo + rand() * (hi - lo);
}

/** Engagement of a video at a simulated instant: linear growth from its base, whole numbers. */
export function metricsAt(
  content: ScenarioContent,
  atMs: number,
  epochMs: number,
): { views: number; likes: number; comments: number; followers: number } {
  const hours = Math.max(0, (atMs - epochMs) / 3_600_000);
  return {
    views: Math.floor(content.base.views + content.perHour.views * hours),
    likes: Math.floor(content.base.likes + content.perHour.likes * hours),
    comments: Math.floor(content.base.comments + content.perHour.comments * hours),
    followers: Math.floor(content.base.followers + content.perHour.followers * hours),
  };
}

interface Keys {
  hotkey: KeyringPair;
  coldkey: KeyringPair;
}

interface LinePlan {
  content: ScenarioContent;
  /** 'own': signed by the miner's hotkey; 'forged': by another key; 'none': unsigned. */
  signature: 'own' | 'forged' | 'none';
}

/**
 * Builds the scenario. Key derivation dominates the cost (two sr25519 derivations per miner,
 * ~1 ms each), so 4096 miners take a few seconds; coldkeys are shared by 8 miners as operators do.
 */
export async function buildScenario(options: ScenarioOptions): Promise<Scenario> {
  if (!Number.isInteger(options.miners) || options.miners < 0 || options.miners > 65_535) {
    throw new RangeError(`options.miners must be an integer from 0 to 65535, got ${String(options.miners)}`);
  }
  const netuid = options.netuid ?? SCENARIO_DEFAULTS.netuid;
  const seed = options.seed ?? SCENARIO_DEFAULTS.seed;
  const videoBaseUrl = (options.videoBaseUrl ?? SCENARIO_DEFAULTS.videoBaseUrl).replace(/\/+$/, '');
  const perMiner = options.submissionsPerMiner ?? SCENARIO_DEFAULTS.submissionsPerMiner;
  if (!Number.isInteger(perMiner) || perMiner < 1 || perMiner > 10_000) {
    throw new RangeError(`options.submissionsPerMiner must be an integer from 1 to 10000, got ${String(perMiner)}`);
  }
  const epochMs = options.epochMs ?? SCENARIO_DEFAULTS.epochMs;
  await cryptoWaitReady();
  const rand = seededRandom(seed);

  const validatorHot = devPair('//InfiniteVibe/validator');
  const validatorCold = devPair('//InfiniteVibe/validator-owner');
  const validator: ScenarioValidator = {
    uid: 0,
    uri: '//InfiniteVibe/validator',
    hotkey: validatorHot.address,
    coldkey: validatorCold.address,
    stake: 100_000n * TAO,
  };
  const forger = devPair('//InfiniteVibe/forger');

  const coldkeys = new Map<number, KeyringPair>();
  const keys: Keys[] = [];
  for (let i = 0; i < options.miners; i++) {
    const group = Math.floor(i / 8);
    let coldkey = coldkeys.get(group);
    if (!coldkey) {
      coldkey = devPair(`//InfiniteVibe/owner/${group}`);
      coldkeys.set(group, coldkey);
    }
    keys.push({ hotkey: devPair(`//InfiniteVibe/miner/${i + 1}`), coldkey });
  }

  const allContents: ScenarioContent[] = [];
  const miners: ScenarioMiner[] = [];
  const plans: LinePlan[][] = [];

  for (let i = 0; i < options.miners; i++) {
    const uid = i + 1;
    const kind = KIND_CYCLE[i % KIND_CYCLE.length]!;
    const { hotkey, coldkey } = keys[i]!;
    const githubUser = `vibe-miner-${uid}`;
    const gistId = randomId(rand, 32, '0123456789abcdef');
    const owner = `creator_${uid}`;
    const followers = Math.floor(between(rand, 800, 60_000));
    const contents: ScenarioContent[] = [];
    const ownCount = kind === 'copied_gist' ? 0 : 1 + Math.floor(rand() * perMiner);
    for (let c = 0; c < ownCount; c++) {
      const platform = pick(rand, ['youtube/video', 'instagram/reel', 'instagram/post'] as const);
      const contentId = randomId(rand, 11);
      const token =
        kind === 'bad_caption'
          ? captionToken(randomId(rand, 5, 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz123456789'))
          : captionToken(hotkey.address);
      const views = Math.floor(between(rand, 500, 50_000));
      const content: ScenarioContent = {
        platform,
        content_id: contentId,
        caption: `Dreamscape #${c + 1} by ${owner}. ${token}`,
        owner_username: owner,
        published_at: new Date(epochMs - Math.floor(between(rand, 1, 72)) * 3_600_000).toISOString(),
        base: {
          views,
          likes: Math.floor(views * between(rand, 0.02, 0.12)),
          comments: Math.floor(views * between(rand, 0.002, 0.02)),
          followers,
        },
        perHour: {
          views: Math.floor(between(rand, 50, 2_000)),
          likes: Math.floor(between(rand, 2, 150)),
          comments: Math.floor(between(rand, 0, 20)),
          followers: Math.floor(between(rand, 0, 40)),
        },
        ai_score:
          kind === 'non_ai' ? Math.round(between(rand, 0.02, 0.2) * 100) / 100 : Math.round(between(rand, 0.55, 0.95) * 100) / 100,
        video_path: `/videos/${contentId}.mp4`,
      };
      contents.push(content);
      allContents.push(content);
    }
    const signature: LinePlan['signature'] = kind === 'forged_signature' ? 'forged' : i % 2 === 0 ? 'own' : 'none';
    plans.push(contents.map((content) => ({ content, signature })));
    miners.push({
      uid,
      uri: `//InfiniteVibe/miner/${uid}`,
      hotkey: hotkey.address,
      coldkey: coldkey.address,
      stake: BigInt(Math.floor(between(rand, 10, 2_000))) * TAO,
      kind,
      commitment:
        kind === 'no_commitment'
          ? null
          : kind === 'bad_commitment'
            ? `https://gist.github.com/${githubUser}/${gistId}`
            : `${githubUser}:${gistId}`,
      githubUser,
      gistId,
      gistBody: null,
      contents,
    });
  }

  // A copied gist lists the lines of the nearest honest miner before it, captions and all.
  for (let i = 0; i < miners.length; i++) {
    if (miners[i]!.kind !== 'copied_gist') continue;
    for (let j = i - 1; j >= 0; j--) {
      if (miners[j]!.kind === 'honest') {
        plans[i] = plans[j]!.map((plan) => ({ content: plan.content, signature: 'none' as const }));
        break;
      }
    }
  }

  const scenario: Scenario = {
    netuid,
    seed,
    epochMs,
    videoBaseUrl,
    validator,
    miners,
    contents: allContents,
  };
  for (let i = 0; i < miners.length; i++) {
    const miner = miners[i]!;
    if (miner.kind === 'dead_gist') continue;
    miner.gistBody = renderLines(scenario, miner, plans[i]!, keys[i]!.hotkey, forger, videoBaseUrl);
  }
  return scenario;
}

function renderLines(
  scenario: Scenario,
  miner: ScenarioMiner,
  plans: readonly LinePlan[],
  hotkey: KeyringPair,
  forger: KeyringPair,
  videoBaseUrl: string,
): string {
  const lines: string[] = [];
  if (miner.kind === 'malformed_lines') {
    // The docs once told miners to start with `{}`; plus the usual hand-editing accidents.
    lines.push('{}', '{"content_id": "broken", "platform": "youtube/video"', 'not json at all');
    lines.push(JSON.stringify({ content_id: 'x', platform: 'tiktok/video', direct_video_url: `${videoBaseUrl}/videos/x.mp4` }));
  }
  for (const { content, signature } of plans) {
    const line: Record<string, unknown> = {
      content_id: content.content_id,
      platform: content.platform,
      direct_video_url: `${videoBaseUrl}${content.video_path}`,
    };
    if (signature !== 'none') {
      const signer = signature === 'own' ? hotkey : forger;
      line['signature'] = u8aToHex(signer.sign(signedLineMessage(scenario.netuid, line as never)));
    }
    lines.push(JSON.stringify(line));
  }
  return lines.join('\n') + '\n';
}

/** Re-renders a miner's gist for a video host found at another base URL (ports known late). */
export async function renderGistBody(scenario: Scenario, miner: ScenarioMiner, videoBaseUrl: string): Promise<string | null> {
  if (miner.gistBody === null) return null;
  const base = videoBaseUrl.replace(/\/+$/, '');
  if (base === scenario.videoBaseUrl) return miner.gistBody;
  await cryptoWaitReady();
  const hotkey = devPair(miner.uri);
  const forger = devPair('//InfiniteVibe/forger');
  const lines = miner.gistBody
    .split('\n')
    .filter((l) => l.length > 0)
    .map((raw) => {
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(raw) as Record<string, unknown>;
      } catch {
        return raw;
      }
      if (typeof parsed['direct_video_url'] !== 'string' || !parsed['direct_video_url'].startsWith(scenario.videoBaseUrl)) {
        return raw;
      }
      parsed['direct_video_url'] = base + parsed['direct_video_url'].slice(scenario.videoBaseUrl.length);
      if (typeof parsed['signature'] === 'string') {
        const signer = miner.kind === 'forged_signature' ? forger : hotkey;
        parsed['signature'] = u8aToHex(signer.sign(signedLineMessage(scenario.netuid, parsed as never)));
      }
      return JSON.stringify(parsed);
    });
  return lines.join('\n') + '\n';
}

/** The scenario's neurons as the stand-in node seeds them: validator first (uid 0), miners after. */
export function scenarioNeurons(scenario: Scenario): DevnetNeuron[] {
  return [
    { hotkey: scenario.validator.hotkey, coldkey: scenario.validator.coldkey, stake: scenario.validator.stake, validatorPermit: true },
    ...scenario.miners.map((m) => ({
      hotkey: m.hotkey,
      coldkey: m.coldkey,
      stake: m.stake,
      validatorPermit: false,
      ...(m.commitment !== null ? { commitment: m.commitment } : {}),
    })),
  ];
}
