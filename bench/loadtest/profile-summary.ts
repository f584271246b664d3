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

export function topSelfTime(profile: CpuProfile, top = 15): SelfTime[] {
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
