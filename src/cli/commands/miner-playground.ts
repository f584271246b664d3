import { splitFlags } from '../../chain/inspect.js';
import { startMinerPlayground } from '../../runtime/miner-playground.js';
import type { CommandContext } from '../main.js';
import { minerLogger } from './miner-logger.js';

export const description = 'miner playground: stand-ins, services and a validator to try docs/MINING.md without any account';

const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

export async function run({ flags, stdout }: CommandContext): Promise<number> {
  const { config } = splitFlags(flags, []);
  const logger = minerLogger(config.logging);
  const playground = await startMinerPlayground({ runValidator: true, logger });
  const lines = [
    '# the miner toolkit against the local stand-ins; paste into another shell, then follow docs/MINING.md',
    `cd ${quote(playground.dir)}`,
    ...Object.entries(playground.env).map(([k, v]) => `export ${k}=${quote(v)}`),
    ...Object.entries(playground.vars).map(([k, v]) => `export ${k}=${quote(v)}`),
    `export PLAYGROUND_FLAGS=${quote(playground.flags.join(' '))}`,
    `export PLAYGROUND_UPLOAD_FLAGS=${quote(playground.uploadFlags.join(' '))}`,
    '# append $PLAYGROUND_FLAGS to every command (and $PLAYGROUND_UPLOAD_FLAGS to miner upload), e.g.',
    'infinitevibe miner sign --file submissions.jsonl $PLAYGROUND_FLAGS',
    '# a validator with --miner_report.enabled runs a cycle every 15 s; Ctrl-C stops everything',
  ];
  stdout.write(lines.join('\n') + '\n');
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await playground.close();
  return 0;
}
