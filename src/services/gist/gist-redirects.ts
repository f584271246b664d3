import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { isForbiddenAddress } from '../safe-download/index.js';

/** How a redirect hop may be followed: on the configured gist origin, or to a checked public host. */
export type RedirectVerdict = 'same_origin' | 'public';

/** A redirect the gist fetcher will not follow; `why` is for people, the fetcher maps it to `redirect_refused`. */
export class RedirectRefusal extends Error {
  constructor(readonly why: string) {
    super(why);
    this.name = 'RedirectRefusal';
  }
}

/**
 * Where a gist redirect may lead. GitHub serves raw gists directly, so a hop off the configured
 * origin is followed only to an http(s) URL without credentials whose host (every address it
 * resolves to) passes the download address policy; anything else is a RedirectRefusal. The
 * connection itself must still use the guarded lookup, so a name that re-resolves to a private
 * address is refused at connect time too.
 */
export async function checkGistRedirect(target: URL, base: URL): Promise<RedirectVerdict> {
  if (target.protocol !== 'http:' && target.protocol !== 'https:')
    throw new RedirectRefusal(`redirect to a ${target.protocol} URL`);
  if (target.username !== '' || target.password !== '')
    throw new RedirectRefusal('redirect to a URL with credentials');
  if (target.origin === base.origin) return 'same_origin';
  const host = target.hostname.startsWith('[') ? target.hostname.slice(1, -1) : target.hostname;
  if (isIP(host) !== 0) {
    if (isForbiddenAddress(host)) throw new RedirectRefusal(`redirect to the private address ${host}`);
    return 'public';
  }
  let addresses: Array<{ address: string }>;
  try {
    addresses = await lookup(host, { all: true, verbatim: true });
  } catch (cause) {
    throw new RedirectRefusal(
      `redirect to ${host}, which does not resolve (${(cause as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  const forbidden = addresses.find((a) => isForbiddenAddress(a.address));
  if (forbidden)
    throw new RedirectRefusal(
      `redirect to ${host}, which resolves to the private address ${forbidden.address}`,
    );
  return 'public';
}
