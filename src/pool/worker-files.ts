import { fileURLToPath } from 'node:url';
import { runningFromSource } from '../util/paths.js';
import { POOL_TASK_KINDS, type PoolTaskKind } from './tasks.js';

const KINDS: ReadonlySet<string> = new Set(POOL_TASK_KINDS);

/** Where the worker modules live: beside the source tree (TypeScript) or the compiled dist/ tree. */
function defaultWorkerFile(kind: PoolTaskKind): string {
  const ext = runningFromSource() ? 'ts' : 'js';
  // src/pool/worker-files.{ts,js} → ../../workers/<kind>.{ts,js}, the same relative path under dist/.
  return fileURLToPath(new URL(`../../workers/${kind}.${ext}`, import.meta.url));
}

/** The module of every task kind: the substitutes given (checked), the shipped workers otherwise. */
export function resolveWorkerFiles(given: Partial<Record<PoolTaskKind, string>> = {}): Record<PoolTaskKind, string> {
  for (const [kind, file] of Object.entries(given)) {
    if (!KINDS.has(kind)) throw new RangeError(`options.workerFiles: unknown task kind ${kind}`);
    if (typeof file !== 'string' || file.length === 0) throw new TypeError(`options.workerFiles.${kind} must be a file path`);
  }
  return Object.fromEntries(POOL_TASK_KINDS.map((kind) => [kind, given[kind] ?? defaultWorkerFile(kind)])) as Record<PoolTaskKind, string>;
}
