import { Keyring } from '@polkadot/keyring';
import type { KeyringPair } from '@polkadot/keyring/types';
import { expect, vi } from 'vitest';
import { SimulatedClock } from '../../src/devnet/http/standin-server.js';
import { startServiceStandins } from '../../src/devnet/http/service-standins.js';
import type { Scenario, ScenarioContent } from '../../src/devnet/scenario.js';
import { SubtensorDevnet } from '../../src/devnet/subtensor/subtensor-devnet.js';
import { captionToken } from '../../src/formats/caption.js';
import { EMBEDDED_HYPERPARAMETERS, type EmbeddedNetwork } from '../../src/runtime/embedded-network.js';
import type { ValidatorApp } from '../../src/runtime/validator-app.js';

/*
 * The network of a world replayed from the original's reference (the collection and the
 * weight-tick replays): a Subtensor stand-in, the HTTP stand-ins, and the per-cycle changes a
 * world's generator writes (registrations, commitments, permits, gists, platform answers, videos).
 */

export const NETUID = 89;
const EPOCH = Date.UTC(2026, 0, 1, 0, 0, 0);
const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });

export interface PlatformState {
  views: number;
  likes: number;
  comments: number;
  followers: number;
  /** The label whose token the caption carries, several labels' tokens, or none. */
  caption_token_of: string | string[] | null;
}

/** One cycle of a world, as the generators write it. */
export interface WorldCycle {
  commitments: Record<string, string>;
  /** Body, null (404: no such gist) or an HTTP error status the gist host answers. */
  gists: Record<string, string | number | null>;
  platform: Record<string, PlatformState | null>;
  videos_down: string[];
  permits: string[];
  registered: string[];
}

export interface WorldShape {
  name: string;
  /** `original`: run with --compat original; `default`: the default mode. */
  mode: 'original' | 'default';
  /** Simulated hours from one cycle to the next. */
  cycle_hours: number;
  labels: string[];
  contents: string[];
  ai_level: Record<string, number>;
  /** The platform each video is posted on; YouTube when not named. */
  platforms?: Record<string, 'youtube/video' | 'instagram/reel' | 'instagram/post'>;
  cycles: WorldCycle[];
}

export interface WorldNetwork {
  readonly validator: KeyringPair;
  readonly hotkeyOf: (label: string) => string;
  readonly devnet: SubtensorDevnet;
  readonly network: EmbeddedNetwork;
  /** Sets the chain to the cycle's registrations (a leaving uid moves the ones above it down), commitments and permits. */
  applyChain(cycle: WorldCycle): void;
  /** Waits until `app`'s own reads show the cycle's chain. */
  chainSeen(app: ValidatorApp, cycle: WorldCycle): Promise<void>;
  /** Sets the cycle's gists, platform answers and videos. */
  applyServices(cycle: WorldCycle): void;
}

/** Starts the stand-ins of a world, its first cycle's neurons on chain; `seed` names its keys. */
export async function startWorldNetwork(world: WorldShape, seed: string, blockTimeMs: number): Promise<WorldNetwork> {
  const validator = keyring.addFromUri(`${seed}/validator`);
  const keys = new Map<string, KeyringPair>(world.labels.map((l) => [l, keyring.addFromUri(`${seed}/${l}`)]));
  const hotkeyOf = (label: string) => keys.get(label)!.address;
  // One owner account per video, so a channel's subscribers are that video's followers.
  const contents: ScenarioContent[] = world.contents.map((id) => ({
    platform: world.platforms?.[id] ?? 'youtube/video',
    content_id: id,
    caption: '',
    owner_username: `owner-${id}`,
    published_at: '2025-12-01T00:00:00Z',
    base: { views: 0, likes: 0, comments: 0, followers: 0 },
    perHour: { views: 0, likes: 0, comments: 0, followers: 0 },
    ai_score: world.ai_level[id]! / 255,
    video_path: `/videos/${id}.mp4`,
  }));
  const byId = new Map(contents.map((c) => [c.content_id, c]));
  const clock = new SimulatedClock(EPOCH);
  // The worlds' follower counts are what the original's tracker read (Apify's scraper, not
  // rounded): served as they are, not rounded again the way channels.list would.
  const standins = await startServiceStandins({ contents, clock, youtube: { subscriberCounts: 'exact' } });
  const first = world.cycles[0]!;
  const devnet = await SubtensorDevnet.start({
    port: 0,
    host: '127.0.0.1',
    blockTimeMs,
    netuid: NETUID,
    hyperparameters: EMBEDDED_HYPERPARAMETERS,
    neurons: [
      { hotkey: validator.address, coldkey: validator.address, stake: 10n ** 15n, validatorPermit: true },
      ...first.registered.map((l) => ({
        hotkey: hotkeyOf(l),
        coldkey: hotkeyOf(l),
        stake: 10n ** 12n,
        validatorPermit: first.permits.includes(l),
        ...(first.commitments[l] !== undefined ? { commitment: first.commitments[l] } : {}),
      })),
    ],
  });
  const network: EmbeddedNetwork = {
    scenario: { netuid: NETUID } as Scenario,
    chainUrl: devnet.url,
    devnet,
    standins,
    now: () => clock.now(),
    advance: (ms) => void clock.advance(ms),
    close: async () => {
      await Promise.allSettled([devnet.close(), standins.close()]);
    },
  };
  const videoBase = standins.videoBaseUrl!;
  return {
    validator,
    hotkeyOf,
    devnet,
    network,
    applyChain(cycle) {
      const state = devnet.state;
      for (const label of world.labels) {
        const uid = state.uidOf(hotkeyOf(label));
        const registered = cycle.registered.includes(label);
        if (uid !== null && !registered) state.deregisterNeuron(uid);
        if (uid === null && registered) {
          state.registerNeuron({ hotkey: hotkeyOf(label), coldkey: hotkeyOf(label), stake: 10n ** 12n, validatorPermit: false });
        }
        state.setCommitment(hotkeyOf(label), cycle.commitments[label] ?? null);
        if (registered) state.setValidatorPermit(state.uidOf(hotkeyOf(label))!, cycle.permits.includes(label));
      }
    },
    async chainSeen(app, cycle) {
      await vi.waitFor(
        async () => {
          const seen = new Map((await app.chain.commitments(NETUID)).map((r) => [r.hotkey, r.value]));
          const { neurons } = await app.chain.metagraph(NETUID);
          for (const label of world.labels) {
            expect(seen.get(hotkeyOf(label)) ?? null).toBe(cycle.commitments[label] ?? null);
            const neuron = neurons.find((n) => n.hotkey === hotkeyOf(label));
            expect(neuron !== undefined).toBe(cycle.registered.includes(label));
            if (neuron) expect(neuron.validatorPermit).toBe(cycle.permits.includes(label));
          }
        },
        { timeout: 20_000 },
      );
    },
    applyServices(cycle) {
      for (const [key, body] of Object.entries(cycle.gists)) {
        const [user, gistId] = key.split('/') as [string, string];
        standins.gistHost.failWith(user, gistId, typeof body === 'number' ? body : null);
        if (typeof body !== 'number') standins.gistHost.set(user, gistId, body === null ? null : body.replaceAll('{video}', videoBase));
      }
      for (const id of world.contents) {
        const content = byId.get(id)!;
        const state = cycle.platform[id];
        // Taken down this cycle: the API answers without it.
        content.content_id = state ? id : `${id}-gone`;
        if (state) {
          content.base = { views: state.views, likes: state.likes, comments: state.comments, followers: state.followers };
          const tokens = state.caption_token_of === null ? [] : [state.caption_token_of].flat();
          content.caption = tokens.length > 0 ? `a video\n${tokens.map((l) => captionToken(hotkeyOf(l))).join('\n')}` : 'a video, no token';
        }
        if (cycle.videos_down.includes(id)) standins.videoHost!.remove(id);
        else standins.videoHost!.setVideo(`/videos/${id}.mp4`, world.ai_level[id]! / 255);
      }
    },
  };
}
