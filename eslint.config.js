import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import js from '@eslint/js';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import importX from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

/*
 * The architecture on one page: imports point down this list, never up.
 *
 *   runtime, cli          composition root: config → stand-ins or real services → the app
 *   supervisor | weights  the cycle | committing weights (siblings: neither imports the other)
 *   actors                one miner's collect → verify → score inputs → persist
 *   store, chain, services, scoring, pool   ports to the outside world, and the pure scoring
 *   config, metrics, wallet                 the validated config, the metric registry, the hotkey
 *   errors, log, util, formats, crypto, config/defaults.ts   shared vocabulary (platform names
 *                                           and defaults too): no product imports
 *
 * src/devnet (stand-ins for Subtensor, MongoDB and the HTTP services) is importable only from
 * runtime, cli, bench and test. workers/ (worker-thread entry points) import only pool, scoring,
 * crypto, formats and the bottom layer.
 */
const LAYERS = [
  ['src/errors.ts', 'src/log.ts', 'src/util', 'src/formats', 'src/crypto', 'src/config/defaults.ts'],
  ['src/config', 'src/metrics', 'src/wallet'],
  ['src/store', 'src/chain', 'src/services', 'src/scoring', 'src/pool'],
  ['src/actors'],
  ['src/supervisor', 'src/weights'],
  ['src/runtime', 'src/cli'],
];
/** Layers whose members must not import one another. */
const ISOLATED_SIBLINGS = new Set([4]);
const DEVNET = 'src/devnet';
const WORKER_IMPORTS = new Set(['src/pool', 'src/scoring', 'src/crypto', 'src/formats', 'src/errors.ts', 'src/log.ts', 'src/util', 'src/config/defaults.ts']);

const glob = (path) => (path.endsWith('.ts') ? path : `${path}/**`);

/** One zone per (importer, forbidden folder); a folder that holds a lower-layer file exempts it. */
function zone(target, from, message) {
  const inside = LAYERS.flat().filter((p) => p !== from && p.startsWith(`${from}/`));
  return { target: glob(target), from, ...(inside.length ? { except: inside.map((p) => `./${p.slice(from.length + 1)}`) } : {}), message };
}

function boundaryZones() {
  const zones = [];
  LAYERS.forEach((layer, i) => {
    const above = LAYERS.slice(i + 1).flat();
    for (const target of layer) {
      const siblings = ISOLATED_SIBLINGS.has(i) ? layer.filter((s) => s !== target) : [];
      const from = [...above, ...siblings, ...(i < LAYERS.length - 1 ? [DEVNET] : [])];
      for (const f of from) {
        if (!target.startsWith(`${f}/`)) zones.push(zone(target, f, `${target} sits below ${f}: imports point down (see the map in eslint.config.js).`));
      }
    }
  });
  for (const f of LAYERS.at(-1)) zones.push(zone(DEVNET, f, 'the stand-ins must not depend on the composition root.'));
  for (const f of LAYERS.flat().filter((p) => !WORKER_IMPORTS.has(p)).concat(DEVNET)) {
    zones.push(zone('workers', f, 'worker threads import only pool, scoring, crypto, formats and the bottom layer.'));
  }
  return zones;
}

export default tseslint.config(
  { ignores: ['dist/**', 'dist-bench/**', 'coverage/**', 'node_modules/**', 'grafana/**', 'prometheus/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', setImmediate: 'readonly', AbortController: 'readonly', AbortSignal: 'readonly', TextEncoder: 'readonly', TextDecoder: 'readonly', performance: 'readonly', structuredClone: 'readonly', queueMicrotask: 'readonly', fetch: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'warn',
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    files: ['src/**/*.ts', 'workers/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: { 'import-x/resolver-next': [createTypeScriptImportResolver({ project: 'tsconfig.json' })] },
    rules: {
      'import-x/no-restricted-paths': ['error', { basePath: dirname(fileURLToPath(import.meta.url)), zones: boundaryZones() }],
    },
  },
);
