/**
 * Composes `miner ui`: the page server over the toolkit (check through the validator's own
 * services, the wallet signer, the gist client with GITHUB_TOKEN, R2 with the environment's keys).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../config/load-config.js';
import type { MessageSigner } from '../crypto/index.js';
import type { Logger } from '../log.js';
import { checkSubmissions } from '../miner/check-submissions.js';
import type { GistClient } from '../miner/gist-client.js';
import { uploadToR2, type R2UploadOptions } from '../miner/r2-upload.js';
import { gistLimitsFromConfig } from '../config/gist-limits.js';
import { MinerUiServer } from '../miner/ui-server.js';
import { packageRoot } from '../util/paths.js';
import type { EmbeddedNetwork } from './embedded-network.js';
import { openMinerToolkit } from './miner-toolkit.js';

export interface MinerUiAppOptions {
  readonly hotkey: string;
  readonly signer?: MessageSigner & { readonly address: string };
  readonly gists?: GistClient;
  readonly gistId?: string;
  /** Bucket, endpoint, credentials and public URL; without them the page cannot upload. */
  readonly r2?: Omit<R2UploadOptions, 'file' | 'key' | 'onProgress' | 'signal'>;
  readonly file?: string;
  readonly host?: string;
  readonly port?: number;
  readonly network?: EmbeddedNetwork;
  readonly logger?: Logger;
}

export interface MinerUiApp {
  readonly url: string;
  readonly server: MinerUiServer;
  close(): Promise<void>;
}

export async function startMinerUi(config: Config, options: MinerUiAppOptions): Promise<MinerUiApp> {
  const toolkit = await openMinerToolkit(config, { ...(options.network ? { network: options.network } : {}), ...(options.logger ? { logger: options.logger } : {}) });
  const staging = await mkdtemp(join(tmpdir(), 'infinitevibe-ui-'));
  try {
    const r2 = options.r2;
    const server = await MinerUiServer.start({
      hotkey: options.hotkey,
      netuid: config.netuid,
      limits: gistLimitsFromConfig(config),
      requireSigned: config.require_signed_submissions,
      assetsDir: join(packageRoot(), 'src', 'miner', 'ui'),
      check: (text) => checkSubmissions({ hotkey: options.hotkey, text }, toolkit.deps),
      ...(options.signer ? { signer: options.signer } : {}),
      ...(options.gists ? { gists: options.gists } : {}),
      ...(options.gistId ? { gistId: options.gistId } : {}),
      ...(r2 ? { upload: (file: string, key: string) => uploadToR2({ ...r2, file, key }), stagingDir: staging, maxUploadBytes: config.ai.max_video_bytes } : {}),
      ...(options.file ? { file: options.file } : {}),
      ...(options.host ? { host: options.host } : {}),
      port: options.port ?? 8090,
    });
    return {
      url: server.url,
      server,
      close: async () => {
        await server.close();
        await toolkit.close();
        await rm(staging, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await toolkit.close();
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
}
