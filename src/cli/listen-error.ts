import { ConfigError } from '../errors.js';

const WHY: Readonly<Record<string, string>> = {
  EADDRINUSE: 'another process already listens there',
  EACCES: 'this user may not listen there',
  EADDRNOTAVAIL: 'no interface of this machine has that address',
};

/**
 * A server that cannot bind its port is the operator's to fix with the flag that set it (a second
 * validator on 9108, a port below 1024): say so in one line, not with Node's stack trace.
 */
export function listenError(error: unknown, flags: string): unknown {
  const e = error as (NodeJS.ErrnoException & { address?: string; port?: number }) | null;
  const why = e?.syscall === 'listen' && typeof e.code === 'string' ? WHY[e.code] : undefined;
  if (!why) return error;
  return new ConfigError(`cannot listen on ${e!.address ?? '?'}:${e!.port ?? '?'}: ${why} (${e!.code}); change ${flags}`, flags.split(' ')[0], { cause: error });
}
