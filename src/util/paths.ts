import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cachedRoot: string | undefined;

/**
 * The package root, found from this module whether it runs as TypeScript source (tests, tsx)
 * or compiled under dist/, so data files shipped beside the source resolve the same way.
 */
export function packageRoot(): string {
  if (cachedRoot !== undefined) return cachedRoot;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'src'))) {
      cachedRoot = dir;
      return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error('package root not found above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
}

/** True when this code runs from TypeScript source rather than the compiled dist/ tree. */
export function runningFromSource(): boolean {
  return import.meta.url.endsWith('.ts');
}
