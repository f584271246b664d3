import type { IncomingMessage } from 'node:http';

const ORIGIN = 'http://request.invalid';

/**
 * A request's target as a URL, or undefined when it cannot be read as one. Node hands a server
 * the target as sent, and `new URL(target, base)` reads one that starts with `//` as another host
 * (`//` alone, `//[`, `//a b` throw): a single such request line threw out of a request handler
 * and ended the process. An origin-form target is always read as a path here, whatever it starts
 * with; the absolute form (`http://host/path`) keeps its own path.
 */
export function requestTarget(req: Pick<IncomingMessage, 'url'>): URL | undefined {
  const target = req.url ?? '/';
  try {
    return new URL(target.startsWith('/') ? `${ORIGIN}${target}` : target);
  } catch {
    return undefined;
  }
}
