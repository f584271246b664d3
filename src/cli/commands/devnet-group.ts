import type { CommandContext } from '../main.js';

export const description = 'run the local Subtensor stand-in node; `devnet standins` / `devnet mongo`: the HTTP stand-ins / the embedded MongoDB server';

/**
 * `infinitevibe devnet [standins|mongo]`: each stand-in as its own process, so a load test can
 * measure a validator process that holds nothing but the validator. Without a sub-command it is
 * the Subtensor stand-in node, as before.
 */
export async function run(context: CommandContext): Promise<number> {
  const sub = context.args[0];
  const rest = { ...context, args: context.args.slice(1) };
  if (sub === 'standins') return (await import('./devnet-standins.js')).run(rest);
  if (sub === 'mongo') return (await import('./devnet-mongo.js')).run(rest);
  if (sub !== undefined) {
    context.stderr.write(`infinitevibe devnet: unknown sub-command "${sub}" (expected standins, mongo or none)\n`);
    return 2;
  }
  return (await import('./devnet.js')).run(context);
}
