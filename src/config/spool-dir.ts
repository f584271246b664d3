import { join } from 'node:path';
import { expandHome } from './config-file.js';

/** The value of `--mongodb.spool_dir` that turns the spool off. */
export const SPOOL_OFF = 'off';

/**
 * Where writes still held for the store at shutdown are kept (`--mongodb.spool_dir`), or
 * undefined when the spool is off.
 *
 * Unset, it is `~/.infinitevibe/<network>-<netuid>/spool`: on by default, since an operator
 * expects a restart during a store outage to lose nothing; under the user's home, so it is
 * creatable without root (the directory is made at start-up, mode 0700); one per network
 * and subnet, so a testnet validator on the same account never replays a mainnet one's records
 * (the wallet convention, `~/.bittensor/wallets`, is per user too). The embedded network is off
 * unless a directory is given: its chain and store live only as long as the process, so nothing
 * held there means anything to the next run, and `npm start` writes nothing into the home.
 */
export function spoolDir(value: string | undefined, network: string, netuid: number): string | undefined {
  if (value === SPOOL_OFF) return undefined;
  if (value !== undefined) return expandHome(value);
  if (network === 'embedded') return undefined;
  return expandHome(join('~', '.infinitevibe', `${network}-${netuid}`, 'spool'));
}
