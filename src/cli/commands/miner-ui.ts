import { splitFlags } from '../../chain/inspect.js';
import { ConfigError, WalletError } from '../../errors.js';
import { GistClient } from '../../miner/gist-client.js';
import { parseGistId } from '../../miner/gist-ref.js';
import { isLoopbackHost } from '../../miner/ui-server.js';
import { startMinerUi } from '../../runtime/miner-ui-app.js';
import { loadHotkey } from '../../wallet/index.js';
import { hotkeyFlag, intFlag, pickText } from '../flag-values.js';
import type { CommandContext } from '../main.js';
import { minerLogger } from './miner-logger.js';

export const description = 'miner ui [--port 8090]: a local page to edit, sign, check and save the gist';

const OWN = ['port', 'host', 'gist-id', 'gist_id', 'file', 'hotkey', 'bucket', 'account-id', 'account_id', 'public-id', 'public_id', 'public-base-url', 'public_base_url'];

export async function run({ flags, stdout }: CommandContext): Promise<number> {
  const { own, config } = splitFlags(flags, OWN);
  const port = intFlag(own['port'], 'port', 0, 65535) ?? 8090;
  const host = pickText(own, 'host') ?? '127.0.0.1';
  if (!isLoopbackHost(host)) {
    // The page signs with the hotkey and has no login: anyone reaching the port could use it.
    throw new ConfigError(`--host must be a loopback address (127.0.0.1, ::1 or localhost), got ${JSON.stringify(host)}; from another machine, use an SSH tunnel: ssh -L ${port}:127.0.0.1:${port} <this machine>`, 'host');
  }
  const hotkeyArg = hotkeyFlag(own);
  let signer;
  try {
    signer = await loadHotkey(config.wallet);
  } catch (error) {
    // Without a wallet the page can still check a hotkey's lines; it cannot sign them.
    if (!(error instanceof WalletError) || hotkeyArg === undefined) throw error;
  }
  const hotkey = signer?.address ?? hotkeyArg!;
  const token = process.env['GITHUB_TOKEN'] || undefined;
  const rawId = pickText(own, 'gist-id', 'gist_id');
  const env = process.env;
  const bucket = pickText(own, 'bucket');
  const accessKeyId = env['R2_ACCESS_KEY_ID'] ?? env['AWS_ACCESS_KEY_ID'];
  const secretAccessKey = env['R2_SECRET_ACCESS_KEY'] ?? env['AWS_SECRET_ACCESS_KEY'];
  const accountId = pickText(own, 'account-id', 'account_id') ?? env['R2_ACCOUNT_ID'] ?? '';
  const publicId = pickText(own, 'public-id', 'public_id');
  const publicBaseUrl = pickText(own, 'public-base-url', 'public_base_url');
  const logger = minerLogger(config.logging);
  const app = await startMinerUi(config, {
    hotkey,
    ...(signer ? { signer } : {}),
    gists: new GistClient({ token, baseUrl: config.github.api_url, logger: logger.child({ component: 'gist-api' }) }),
    ...(rawId !== undefined ? { gistId: parseGistId(String(rawId)) } : {}),
    ...(bucket && accessKeyId && secretAccessKey
      ? {
          r2: {
            bucket,
            accessKeyId,
            secretAccessKey,
            ...(accountId ? { accountId } : {}),
            ...(config.r2.endpoint ? { endpoint: config.r2.endpoint } : {}),
            ...(publicId !== undefined ? { publicId: String(publicId) } : {}),
            ...(publicBaseUrl !== undefined ? { publicBaseUrl: String(publicBaseUrl) } : {}),
          },
        }
      : {}),
    ...(typeof own['file'] === 'string' ? { file: own['file'] } : {}),
    host,
    port,
    logger,
  });
  stdout.write(`miner page on ${app.url} (hotkey ${hotkey}); Ctrl-C to stop\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await app.close();
  return 0;
}
