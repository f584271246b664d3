/**
 * The CLI as a process: runs a command and exits with its code once stdout and stderr have
 * flushed. A command returns only after closing what it opened, but libraries can leave timers
 * behind (the chain API delays each unsubscribe by 1.75 s), and those must not keep a validator
 * that has logged "validator stopped" alive, nor hold up `docker stop`.
 */
import { main } from './main.js';

function flushed(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    if (stream.destroyed || !stream.writable) return resolve();
    // An empty write's callback runs after every earlier write has been handed to the OS.
    stream.write('', () => resolve());
  });
}

/**
 * A reader that went away (`infinitevibe devnet | head`) ends the output, as SIGPIPE ends a C
 * program; Node ignores SIGPIPE and reports EPIPE as a stream error, which, unheard, killed the
 * process with a stack trace, mid-commit for a validator. The process is asked to stop as on
 * SIGTERM instead: a long-running command shuts down gracefully, a short one ends there.
 */
function stopWhenReaderCloses(stream: NodeJS.WriteStream): void {
  let asked = false;
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') throw error;
    if (asked) return;
    asked = true;
    process.kill(process.pid, 'SIGTERM');
  });
}

export async function runProcess(argv: readonly string[]): Promise<never> {
  stopWhenReaderCloses(process.stdout);
  stopWhenReaderCloses(process.stderr);
  const code = await main(argv);
  process.exitCode = code;
  await flushed(process.stdout);
  await flushed(process.stderr);
  process.exit(code);
}
