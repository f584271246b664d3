/**
 * Everything a miner's walk-through needs on the embedded network, in one process: the chain and
 * platform stand-ins, the GitHub gist API and R2 stand-ins, platform-tracker and AI-detector
 * services over HTTP, a validator with `--miner_report.enabled`, and the wallet of a scenario
 * miner that has not committed yet (its videos are already "posted" with its caption token).
 * `miner playground` prints the flags and variables docs/MINING.md uses; tests use them as well.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Keyring } from '@polkadot/keyring';
import { u8aToHex } from '@polkadot/util';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { request } from 'undici';
import { loadConfig } from '../config/load-config.js';
import { createGistApiStandin, type GistApiStandin } from '../devnet/http/github-gist-api-standin.js';
import { createR2Standin, type R2Standin } from '../devnet/http/r2-standin.js';
import type { ScenarioMiner } from '../devnet/scenario.js';
import { silentLogger, type Logger } from '../log.js';
import { startAiDetectorService, type RunningAiDetectorService } from './serve-ai-detector.js';
import { ApifyClient, PlatformTracker, YouTubeClient, createPlatformTrackerServer } from '../services/platform-tracker/index.js';
import { expandedToCanonicalSecret } from '../wallet/index.js';
import { startEmbeddedNetwork, type EmbeddedNetwork } from './embedded-network.js';
import { startValidator, type ValidatorApp } from './validator-app.js';

export interface MinerPlaygroundOptions {
  /** Scenario size; at least 32 so a not-yet-committed miner with several videos exists. */
  readonly miners?: number;
  readonly blockTimeMs?: number;
  /** Run validator cycles on their own (the command); tests drive `validator.runOnce()`. */
  readonly runValidator?: boolean;
  readonly cycleDeadlineMs?: number;
  readonly logger?: Logger;
}

export interface MinerPlayground {
  readonly network: EmbeddedNetwork;
  readonly validator: ValidatorApp;
  readonly gistApi: GistApiStandin;
  readonly r2: R2Standin;
  readonly miner: ScenarioMiner;
  /** Work folder: `wallets/`, and `video.mp4` (the miner's first video). */
  readonly dir: string;
  /** Secrets the toolkit reads from the environment. */
  readonly env: Readonly<Record<string, string>>;
  /** Flags that point the toolkit at the stand-ins (append to every command). */
  readonly flags: readonly string[];
  /** Extra flags for `miner upload`: the stand-in's public bucket URL. */
  readonly uploadFlags: readonly string[];
  /** Values for docs/MINING.md's `$VARIABLES`. */
  readonly vars: Readonly<Record<string, string>>;
  close(): Promise<void>;
}

const TOKEN = 'ghp_playground_token';
const R2_KEY = 'playground-key';
const R2_SECRET = 'playground-secret';

export async function startMinerPlayground(options: MinerPlaygroundOptions = {}): Promise<MinerPlayground> {
  const logger = options.logger ?? silentLogger();
  const closers: Array<() => Promise<unknown>> = [];
  const close = async () => {
    for (const c of closers.reverse()) await c().catch(() => undefined);
  };
  try {
    await cryptoWaitReady();
    const network = await startEmbeddedNetwork({ miners: options.miners ?? 32, blockTimeMs: options.blockTimeMs ?? 500, logger });
    closers.push(() => network.close());
    const miner = network.scenario.miners.find((m) => m.kind === 'no_commitment' && m.contents.length >= 2);
    if (!miner) throw new RangeError('the scenario has no uncommitted miner with two videos; use at least 32 miners');
    const { standins } = network;

    const gistApi = createGistApiStandin({ host: standins.gistHost, rawBaseUrl: standins.gistBaseUrl, tokens: { [TOKEN]: miner.githubUser } });
    await gistApi.listen();
    closers.push(() => gistApi.close());
    const r2 = createR2Standin({ buckets: ['videos'], credentials: { [R2_KEY]: R2_SECRET } });
    await r2.listen();
    closers.push(() => r2.close());

    // The services a validator runs with `--services http`, backed by the stand-ins.
    const tracker = new PlatformTracker({
      youtube: new YouTubeClient({ apiKey: 'playground', baseUrl: standins.youtubeBaseUrl }),
      apify: new ApifyClient({ token: 'playground', baseUrl: standins.apifyBaseUrl }),
    });
    closers.push(() => tracker.close());
    const trackerServer: Server = createPlatformTrackerServer(tracker);
    await new Promise<void>((resolve) => trackerServer.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise((resolve) => trackerServer.close(resolve)));
    const detector: RunningAiDetectorService = await startAiDetectorService(loadConfig({ env: {}, flags: { services: 'embedded' } }), {
      port: 0,
      sightengineBaseUrl: standins.sightengineBaseUrl!,
      allowPrivate: true,
    });
    closers.push(() => detector.close());

    const validator = await startValidator(
      loadConfig({
        env: {},
        flags: {
          'subtensor.network': 'embedded',
          'subtensor.block_time_ms': options.blockTimeMs ?? 500,
          submission_update_interval: 15,
          set_weights_interval: 30,
          'metrics.host': '127.0.0.1',
          'metrics.port': 0,
          'miner_report.enabled': true,
          'logging.level': 'silent',
        },
      }),
      { network, jitterMs: 0, logger, ...(options.cycleDeadlineMs !== undefined ? { cycleDeadlineMs: options.cycleDeadlineMs } : {}) },
    );
    closers.push(() => validator.stop());
    if (options.runValidator) validator.run();

    // The miner's hotkey as a btwallet file (its dev key), and its first video as a local file.
    const dir = await mkdtemp(join(tmpdir(), 'infinitevibe-playground-'));
    closers.push(() => rm(dir, { recursive: true, force: true }));
    const pair = new Keyring({ type: 'sr25519', ss58Format: 42 }).addFromUri(miner.uri);
    // PKCS#8 of an unencrypted sr25519 pair: 16-byte header, then the 64-byte expanded secret.
    const secret = pair.encodePkcs8().subarray(16, 80);
    await mkdir(join(dir, 'wallets', 'miner', 'hotkeys'), { recursive: true });
    await writeFile(
      join(dir, 'wallets', 'miner', 'hotkeys', 'default'),
      JSON.stringify({ accountId: u8aToHex(pair.publicKey), publicKey: u8aToHex(pair.publicKey), privateKey: u8aToHex(expandedToCanonicalSecret(secret)), ss58Address: pair.address }),
      { mode: 0o600 },
    );
    const content = miner.contents[0]!;
    const video = await request(`${standins.videoBaseUrl}${content.video_path}`);
    await writeFile(join(dir, 'video.mp4'), Buffer.from(await video.body.arrayBuffer()));

    const flags = [
      '--netuid', String(network.scenario.netuid),
      '--subtensor.chain_endpoint', network.chainUrl!,
      '--wallet.path', join(dir, 'wallets'), '--wallet.name', 'miner',
      '--github.api_url', gistApi.url,
      '--r2.endpoint', r2.url,
      '--services', 'http',
      '--platform_tracker.url', `http://127.0.0.1:${(trackerServer.address() as AddressInfo).port}`,
      '--ai_detector.url', detector.url,
      '--gist.base_url', standins.gistBaseUrl,
    ];
    return {
      network,
      validator,
      gistApi,
      r2,
      miner,
      dir,
      env: { GITHUB_TOKEN: TOKEN, R2_ACCESS_KEY_ID: R2_KEY, R2_SECRET_ACCESS_KEY: R2_SECRET, R2_ACCOUNT_ID: 'f'.repeat(32) },
      flags,
      uploadFlags: ['--public-base-url', `${r2.url}/videos`],
      vars: {
        R2_PUBLIC_ID: '0'.repeat(32),
        CONTENT_ID: content.content_id,
        PLATFORM: content.platform,
        GITHUB_USER: miner.githubUser,
        VALIDATOR_URL: validator.metricsUrl!,
        HOTKEY: miner.hotkey,
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
