import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runnerModules } from '../../bench/loadtest/processes.js';

describe('the compiled validator run', () => {
  it('carries every bench module validator-run imports, directly or through another', () => {
    const modules = runnerModules();
    expect(modules[0]).toBe('validator-run');
    for (const name of ['cpu-sampler', 'machine-cpu', 'memory-probe', 'metric-deltas', 'result-line', 'run-types']) expect(modules).toContain(name);
    for (const name of modules) {
      const source = readFileSync(new URL(`../../bench/loadtest/${name}.ts`, import.meta.url), 'utf8');
      for (const m of source.matchAll(/from '\.\/([\w-]+)\.js'/g)) expect(modules).toContain(m[1]);
    }
    // The sweep's own modules stay out: the validator process does not load them.
    expect(modules).not.toContain('sweep');
  });
});
