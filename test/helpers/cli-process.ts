import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterEach } from 'vitest';
import { CLI_ENTRY } from './cli.js';

export interface CliProcess {
  readonly child: ChildProcess;
  /** The first JSON line it printed: a long-running command's URLs and settings. */
  readonly info: Record<string, unknown>;
  readonly exited: Promise<number | null>;
}

/**
 * Long-running CLI commands (the stand-ins, the embedded MongoDB server) each in its own
 * process, killed after each test. `start` resolves once the command prints its JSON start line,
 * and fails with its stderr if it exits first.
 */
export function useCliProcesses(): { start: (args: string[]) => Promise<CliProcess> } {
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
  });
  const start = (args: string[]): Promise<CliProcess> => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI_ENTRY, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    let stderr = '';
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    return new Promise((resolve, reject) => {
      void exited.then((code) => reject(new Error(`exited with ${code} before printing its URLs: ${stderr}`)));
      createInterface({ input: child.stdout! }).on('line', (line) => {
        if (line.startsWith('{')) resolve({ child, info: JSON.parse(line) as Record<string, unknown>, exited });
      });
    });
  };
  return { start };
}
