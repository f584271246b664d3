import { defineConfig } from 'vitest/config';

/** Product code: everything the validator ships, the CLI included, except the stand-ins. */
export const PRODUCT_FILES = '{src/*.ts,src/!(devnet)/**/*.ts,workers/**/*.ts}';
/** The stand-ins (Subtensor, MongoDB, HTTP services): gated on their own so they neither lift nor sink the product's figure. */
export const DEVNET_FILES = 'src/devnet/**/*.ts';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    pool: 'forks',
    // Vitest's default is one worker fewer than the cores: one on a 2-core machine. Most slow
    // files wait on block times and timers, so two overlap well (suite 544 s → 358 s there).
    maxWorkers: 2,
    // Each file in a fresh module graph re-imported @polkadot, mongodb and the rest: 235–306 of
    // the suite's worker-seconds went to imports. The files share no module state (every store,
    // registry and server is built per test), so a worker keeps its module cache across files:
    // imports 36–58 s, and the suite with coverage 443–539 s → 222 s on a quiet 2-core machine.
    isolate: false,
    // So an environment variable a test sets (vi.stubEnv) cannot reach the next file in the worker.
    unstubEnvs: true,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts', 'workers/**/*.ts'],
      reporter: ['text-summary', 'json-summary'],
      // No global figure: it would mix the two areas. `node scripts/coverage-areas.mjs` prints both.
      thresholds: {
        [PRODUCT_FILES]: { lines: 90, branches: 85, functions: 85, statements: 85 },
        [DEVNET_FILES]: { lines: 85, branches: 75, functions: 80, statements: 80 },
      },
    },
  },
});
