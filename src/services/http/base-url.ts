/** Parses a service base URL option, refusing anything but an absolute http(s) URL. */
export function parseBaseUrl(value: unknown, name = 'options.baseUrl'): URL {
  let base: URL;
  try {
    base = new URL(value as string);
  } catch (cause) {
    throw new TypeError(`${name} must be an absolute URL, got ${JSON.stringify(value)}`, { cause });
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') {
    throw new TypeError(`${name} must be http(s), got ${base.protocol}`);
  }
  return base;
}
