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

export async function runProcess(argv: readonly string[]): Promise<never> {
  const code = await main(argv);
  process.exitCode = code;
  await flushed(process.stdout);
  await flushed(process.stderr);
  process.exit(code);
}
