import { describe, expect, it } from 'vitest';
import { workerExecArgv } from '../../src/pool/worker-exec-argv.js';

const LOADER = 'file:///app/node_modules/tsx/dist/loader.mjs';
const loader = (): string => LOADER;

describe('workerExecArgv', () => {
  it('from source, keeps a tsx loader the process already has', () => {
    expect(workerExecArgv(['--import', 'tsx'], true, loader)).toEqual(['--import', 'tsx']);
    expect(workerExecArgv(['--import=tsx/esm', '--max-old-space-size=512'], true, loader)).toEqual(['--import=tsx/esm', '--max-old-space-size=512']);
    expect(workerExecArgv(['--require', '/repo/node_modules/tsx/dist/cjs/index.cjs'], true, loader)).toEqual(['--require', '/repo/node_modules/tsx/dist/cjs/index.cjs']);
  });

  it('from source, adds the tsx loader when the process has none', () => {
    expect(workerExecArgv([], true, loader)).toEqual(['--import', LOADER]);
    expect(workerExecArgv(['--enable-source-maps', '--import', './otel.mjs'], true, loader)).toEqual(['--enable-source-maps', '--import', './otel.mjs', '--import', LOADER]);
  });

  it('compiled, drops every tsx preload and keeps the other flags', () => {
    expect(workerExecArgv(['--import', 'tsx'], false, loader)).toEqual([]);
    expect(
      workerExecArgv(['--enable-source-maps', '--import=tsx', '--loader', 'tsx/esm', '-r', 'tsx/cjs', '--experimental-loader', LOADER, '--import', './otel.mjs'], false, loader),
    ).toEqual(['--enable-source-maps', '--import', './otel.mjs']);
    expect(workerExecArgv(['--require=C:\\app\\node_modules\\tsx\\dist\\cjs\\index.cjs', '--max-semi-space-size=8'], false, loader)).toEqual(['--max-semi-space-size=8']);
  });

  it('leaves a trailing preload flag without a value alone', () => {
    expect(workerExecArgv(['--enable-source-maps', '--import'], false, loader)).toEqual(['--enable-source-maps', '--import']);
  });
});
