/**
 * Top self-time functions of a .cpuprofile (V8's format, as `node --cpu-prof` or the inspector
 * writes it): where the main thread spends its time, summed per function and location.
 */
export interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly hitCount?: number;
}

export interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples?: readonly number[];
  readonly timeDeltas?: readonly number[];
}

export interface SelfTime {
  readonly name: string;
  readonly location: string;
  readonly ms: number;
  readonly share: number;
}

function shortUrl(url: string): string {
  const at = url.search(/\/(src|workers|bench|node_modules)\//);
  return at >= 0 ? url.slice(at + 1) : url.replace(/^file:\/\//, '') || '(native)';
}

/** Self time (µs) charged to each profile node. */
function selfMicrosByNode(profile: CpuProfile): Map<number, number> {
  const byNode = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  if (samples.length > 0 && deltas.length === samples.length) {
    // Each delta is the time before its sample; charging it to that sample's node is V8's convention.
    // The first one runs from the start request to the first sample: start-up, not workload.
    for (let i = 1; i < samples.length; i++) byNode.set(samples[i]!, (byNode.get(samples[i]!) ?? 0) + Math.max(0, deltas[i]!));
  } else {
    const total = profile.endTime - profile.startTime;
    const hits = profile.nodes.reduce((s, n) => s + (n.hitCount ?? 0), 0);
    for (const n of profile.nodes) byNode.set(n.id, hits > 0 ? ((n.hitCount ?? 0) / hits) * total : 0);
  }
  return byNode;
}

export function topSelfTime(profile: CpuProfile, top = 15): SelfTime[] {
  const byNode = selfMicrosByNode(profile);
  const totals = new Map<string, { name: string; location: string; micros: number }>();
  let all = 0;
  for (const n of profile.nodes) {
    const micros = byNode.get(n.id) ?? 0;
    all += micros;
    const name = n.callFrame.functionName || '(anonymous)';
    // Line 0 is what transpiled TypeScript reports for every function: no line is better than a wrong one.
    const line = n.callFrame.lineNumber > 0 ? `:${n.callFrame.lineNumber + 1}` : '';
    const location = n.callFrame.url ? `${shortUrl(n.callFrame.url)}${line}` : '(native)';
    const key = `${name}@${location}`;
    const t = totals.get(key) ?? { name, location, micros: 0 };
    t.micros += micros;
    totals.set(key, t);
  }
  return [...totals.values()]
    .sort((a, b) => b.micros - a.micros)
    .slice(0, top)
    .map((t) => ({ name: t.name, location: t.location, ms: t.micros / 1000, share: all > 0 ? t.micros / all : 0 }));
}

export function formatSelfTimes(rows: readonly SelfTime[]): string {
  const lines = ['| self ms | share | function | where |', '|---:|---:|---|---|'];
  for (const r of rows) lines.push(`| ${r.ms.toFixed(0)} | ${(r.share * 100).toFixed(1)} % | \`${r.name}\` | ${r.location} |`);
  return lines.join('\n');
}

export interface AreaTime {
  readonly area: string;
  readonly ms: number;
  readonly share: number;
}

/**
 * Where a function lives, coarsely: its npm package, our folder (`src/store`), a Node.js internal
 * module (`node:streams`), or V8's own entries (`(garbage collector)`, `(idle)`). A flat profile
 * (no function above a few %) still shows here which library or layer the time goes to.
 */
export function areaOf(node: ProfileNode): string {
  const url = node.callFrame.url;
  if (!url) return node.callFrame.functionName || '(native)';
  // The innermost node_modules names the package (a nested copy is still that package).
  const pkg = /.*node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  // The file's folder from src/ (or workers/, bench/) down: compiled and source runs name it alike.
  const own = /\/((?:src|workers|bench)(?:\/.+)?)\/[^/]+$/.exec(url.replace(/\/dist(-bench)?\//, '/'));
  if (own) return own[1]!;
  const internal = /^node:(?:internal\/)?([^/]+)/.exec(url);
  if (internal) return `node:${internal[1]!}`;
  return shortUrl(url);
}

export function selfTimeByArea(profile: CpuProfile, top = 15): AreaTime[] {
  const byNode = selfMicrosByNode(profile);
  const totals = new Map<string, number>();
  let all = 0;
  for (const n of profile.nodes) {
    const micros = byNode.get(n.id) ?? 0;
    all += micros;
    totals.set(areaOf(n), (totals.get(areaOf(n)) ?? 0) + micros);
  }
  return [...totals]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([area, micros]) => ({ area, ms: micros / 1000, share: all > 0 ? micros / all : 0 }));
}

export function formatAreaTimes(rows: readonly AreaTime[]): string {
  const lines = ['| self ms | share | area |', '|---:|---:|---|'];
  for (const r of rows) lines.push(`| ${r.ms.toFixed(0)} | ${(r.share * 100).toFixed(1)} % | ${r.area} |`);
  return lines.join('\n');
}
