import { spawn } from 'node:child_process';
import { describe, it } from 'vitest';
import { packageRoot } from '../../src/util/paths.js';
import { CLI_ENTRY } from '../helpers/cli.js';


/** The validator as its own process, stopped by a signal like an operator or systemd would. */
describe('validate: graceful shutdown', () => {
  // Each case runs its own validator process, so the two start up side by side. One pool thread:
  // the shutdown path is the same, and each process starts a thread less.
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it.concurrent(`on ${signal} finishes its work, closes everything and exits 0`, async ({ expect }) => {
      const child = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          CLI_ENTRY,
          'validate',
          '--subtensor.network',
          'embedded',
          '--miners',
          '8',
          '--metrics.host',
          '127.0.0.1',
          '--metrics.port',
          '0',
          '--pool.threads',
          '1',
        ],
        { cwd: packageRoot(), stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let log = '';
      // A cycle is under way once the first miner's gist has been asked for (or a cycle is done).
      const underWay = /validator ready[\s\S]*(gist|cycle )/;
      // Logs go to stdout by default (pino's and pm2's convention); checked on every chunk.
      const started = new Promise<void>((resolve) =>
        child.stdout.on('data', (chunk: Buffer) => {
          log += chunk.toString();
          if (underWay.test(log)) resolve();
        }),
      );
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      // Stop the first cycle once it is under way; an early exit ends the wait too, and the
      // assertions below say what is missing.
      await Promise.race([started, exited]);
      expect(log).toContain('validator ready');
      child.kill(signal);
      const code = await exited;
      expect(code).toBe(0);
      expect(log).toContain('shutting down: finishing in-flight writes');
      expect(log).toContain('validator stopped');
    }, 120_000);
  }
});
