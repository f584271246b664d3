/**
 * A node URL as it may be shown to anyone: scheme, host and port. RPC providers put API keys in
 * the userinfo, a path segment or the query, and `GET /health` answers on every interface by
 * default, so whatever follows the host is only marked, never shown.
 */
export function publicEndpoint(endpoint: string): string {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return '[invalid endpoint]';
  }
  const hidden = url.username !== '' || url.password !== '' || (url.pathname !== '' && url.pathname !== '/') || url.search !== '' || url.hash !== '';
  // URL drops a scheme's default port from `host`; keep it when it was written, as operators wrote it.
  const port = url.port !== '' ? `:${url.port}` : /^[a-z]+:\/\/[^/?#]*:\d+(?:[/?#]|$)/i.test(endpoint) ? `:${defaultPort(url.protocol)}` : '';
  return `${url.protocol}//${url.hostname}${port}${hidden ? '/…' : ''}`;
}

function defaultPort(protocol: string): string {
  return protocol === 'wss:' || protocol === 'https:' ? '443' : '80';
}
