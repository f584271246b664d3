import { spawn, type ChildProcess } from 'node:child_process';
import { packageRoot } from '../../src/util/paths.js';
import { CLI_ENTRY } from '../helpers/cli.js';

/** A `validate --once` in a process of its own, so a test can kill it the way a crash would. */
export interface ValidateChild {
  readonly child: ChildProcess;
  /** The signal that ended it (null for a normal exit). */
  readonly exited: Promise<NodeJS.Signals | null>;
  /** Its exit code (null when a signal ended it). */
  readonly code: Promise<number | null>;
  /** Its stderr so far, for the failure message. */
  log(): string;
}

/** The config flags of a validator on the devnet chain with the embedded services and the scenario's key. */
export function devnetValidateFlags(o: { chainEndpoint: string; db: string; spoolDir: string }): Record<string, string | number> {
  return {
    'subtensor.network': 'local',
    'subtensor.chain_endpoint': o.chainEndpoint,
    'mongodb.db': o.db,
    'mongodb.spool_dir': o.spoolDir,
    services: 'embedded',
    // The scenario's validator key: no wallet on disk is read.
    'wallet.path': '/nonexistent-wallets',
    'pool.threads': 1,
    submission_update_interval: 15,
    set_weights_interval: 30,
    'metrics.host': '127.0.0.1',
    'metrics.port': 0,
  };
}

export function spawnValidateOnce(o: { flags: Record<string, string | number>; miners: number; mongoUri: string }): ValidateChild {
  const flags = { ...o.flags, miners: o.miners, 'mongodb.uri': o.mongoUri, 'logging.level': 'warn' };
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', CLI_ENTRY, 'validate', '--once', ...Object.entries(flags).flatMap(([k, v]) => [`--${k}`, String(v)])],
    { cwd: packageRoot(), stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return { child, exited: ended.then((e) => e.signal), code: ended.then((e) => e.code), log: () => log };
}
