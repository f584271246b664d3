import type { Config } from '../../config/load-config.js';
import { createLogger, type Logger } from '../../log.js';
import { logDestinations } from '../../log-file.js';

/**
 * The file `--logging.record_log` fills for the miner toolkit: not the SDK's `bittensor.log`, which
 * a miner or validator of the SDK (or `validate`) on the same host writes and rotates.
 */
export const MINER_LOG_FILE = 'miner.log';

/** Subcommands that write log lines; the others print only their result. */
export const LOGGING_SUBCOMMANDS: ReadonlySet<string> = new Set(['check', 'ui', 'playground']);

/**
 * A miner subcommand's logger: on stderr, since stdout carries the command's result, and with
 * `record_log` also in `<logging_dir>/miner.log`, rotated as the validator's file is.
 */
export function minerLogger(logging: Config['logging'], level: string = logging.level): Logger {
  return createLogger({ level }, logDestinations({ ...logging, stream: 'stderr' }, MINER_LOG_FILE));
}
