/**
 * A refused config value as shown in the error: bounded in size and depth (a config file can
 * nest arrays deeper than JSON.stringify's stack), with secrets masked.
 */

const MAX_SHOWN = 200;

/** Options whose whole value is a secret. */
export const SECRET_PATHS: readonly string[] = [
  'youtube.api_key',
  'apify.api_key',
  'sightengine.api_user',
  'sightengine.api_secret',
];

/** Query options whose value is a credential (`tlsCertificateKeyFilePassword`, `api_key`, an AWS session token). */
const SECRET_OPTION = /([?&](?:[^=&#]*(?:password|secret|token|key)|authMechanismProperties)=)[^&#]*/gi;

/**
 * `mongodb://user:pass@host` → `mongodb://[redacted]@host`, and credential options in the query
 * masked. The userinfo runs to the last `@`: a password typed without percent-encoding may hold
 * `@`, `/` or `?` itself, and no host holds `@`.
 */
export function redactUserinfo(url: string): string {
  const start = url.indexOf('//');
  const at = url.lastIndexOf('@');
  const masked = start >= 0 && at > start ? `${url.slice(0, start + 2)}[redacted]${url.slice(at)}` : url;
  return masked.replace(SECRET_OPTION, '$1[redacted]');
}

/** Options naming a chain node: RPC providers put API keys in the path, so only the origin is shown. */
const NODE_URL_PATHS: readonly string[] = ['subtensor.chain_endpoint', 'subtensor.network'];

/** `wss://rpc.example/KEY?x` → `wss://rpc.example/…`, kept as typed up to the end of the authority. */
function hidePath(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/?#]*)[/?#].*$/is, (_all, origin: string) => `${origin}/…`);
}

function primitive(v: unknown): boolean {
  return v === null || ['string', 'number', 'boolean'].includes(typeof v);
}

export function describeValue(path: string, value: unknown): string {
  if (SECRET_PATHS.includes(path)) return '[redacted]';
  let v = value;
  if (typeof v === 'string' && (path === 'mongodb.uri' || /:\/\//.test(v))) v = redactUserinfo(v);
  if (typeof v === 'string' && NODE_URL_PATHS.includes(path)) v = hidePath(v);
  let shown: string;
  if (primitive(v)) shown = JSON.stringify(v);
  else if (Array.isArray(v)) shown = v.every(primitive) ? JSON.stringify(v) : '[…]';
  else if (v === undefined) shown = 'undefined';
  else shown = '{…}';
  return shown.length > MAX_SHOWN ? `${shown.slice(0, MAX_SHOWN)}…` : shown;
}
