/** Config objects addressed by dotted paths (`pool.threads`), as flags and variables name them. */

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Deeper than any option; past it an object is kept whole (and refused as unknown) rather than walked. */
const MAX_DEPTH = 8;

/** Nested keys as dotted paths: `{pool: {threads: 2}}` → `{'pool.threads': 2}`. */
export function flatten(obj: Record<string, unknown>, prefix = '', out: Record<string, unknown> = {}, depth = 0) {
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (isPlainObject(v) && depth < MAX_DEPTH) flatten(v, key, out, depth + 1);
    else out[key] = v;
  }
  return out;
}

export function setPath(target: Record<string, unknown>, path: string, value: unknown) {
  const parts = path.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    if (!isPlainObject(node[part])) node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts[parts.length - 1]!] = value;
}

export function getPath(source: Record<string, unknown>, path: string): unknown {
  let node: unknown = source;
  for (const part of path.split('.')) {
    if (!isPlainObject(node)) return undefined;
    node = node[part];
  }
  return node;
}
