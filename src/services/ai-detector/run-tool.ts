import { execFile, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * How a timed-out or aborted ffmpeg/ffprobe is ended. ffmpeg treats SIGTERM as a request to
 * finish cleanly and may keep decoding a hostile file long after it; the call would then wait for
 * it past its timeout while holding a limiter slot. SIGKILL cannot be deferred.
 */
export const HARD_KILL = 'SIGKILL';

export interface ToolRunOptions {
  readonly timeout: number;
  readonly maxBuffer: number;
  readonly signal?: AbortSignal | undefined;
}

/**
 * execFile for ffmpeg and ffprobe: past `timeout`, or when `signal` aborts, the process is
 * killed with SIGKILL, and the call settles only once it has exited. (execFile's own `signal`
 * option settles at once and may leave a process that ignored its signal running.)
 */
export function runTool(file: string, args: readonly string[], options: ToolRunOptions & { encoding: 'buffer' }): Promise<{ stdout: Buffer; stderr: Buffer }>;
export function runTool(file: string, args: readonly string[], options: ToolRunOptions): Promise<{ stdout: string; stderr: string }>;
export function runTool(
  file: string,
  args: readonly string[],
  options: ToolRunOptions & { encoding?: 'buffer' },
): Promise<{ stdout: string | Buffer; stderr: string | Buffer }> {
  const { signal, ...rest } = options;
  if (signal?.aborted) return Promise.reject(signal.reason);
  const pending = run(file, [...args], { ...rest, killSignal: HARD_KILL }) as Promise<{ stdout: string | Buffer; stderr: string | Buffer }> & {
    child: ChildProcess;
  };
  if (!signal) return pending;
  const onAbort = (): void => {
    pending.child.kill(HARD_KILL);
  };
  signal.addEventListener('abort', onAbort, { once: true });
  return pending.finally(() => signal.removeEventListener('abort', onAbort));
}
