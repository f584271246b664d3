/**
 * Where the old generation's churn comes from: a sampling heap profile of the warm cycle taken
 * with `includeObjectsCollectedByMajorGC`, so it counts every sampled allocation that lived long
 * enough to be promoted (survived the young generation), whether it is still live or was freed
 * later by a mark-compact. Those are what grow the old space, and so the RSS, during a cycle.
 */
export interface SamplingNode {
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly selfSize: number;
  readonly children: readonly SamplingNode[];
}

export interface SamplingProfile {
  readonly head: SamplingNode;
}

export interface AllocationSite {
  readonly name: string;
  readonly bytes: number;
  readonly share: number;
}

function shortUrl(url: string): string {
  const at = url.search(/\/(src|workers|bench|node_modules)\//);
  return at >= 0 ? url.slice(at + 1) : url.replace(/^file:\/\//, '') || '(native)';
}

const frameName = (n: SamplingNode): string =>
  `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url ? `${shortUrl(n.callFrame.url)}${n.callFrame.lineNumber > 0 ? `:${n.callFrame.lineNumber + 1}` : ''}` : '(native)'}`;

const isProduct = (url: string): boolean => /\/(src|workers)\/[^]*\.(ts|js)$/.test(url) && !url.includes('/node_modules/');

/**
 * Bytes by allocating function (`self`) and by the innermost product frame on the stack
 * (`product`: which of our functions caused the allocation, through whatever library).
 */
export function allocationSites(profile: SamplingProfile, top = 20): { total: number; self: AllocationSite[]; product: AllocationSite[] } {
  const self = new Map<string, number>();
  const product = new Map<string, number>();
  let total = 0;
  const walk = (node: SamplingNode, owner: string): void => {
    const here = isProduct(node.callFrame.url) ? frameName(node) : owner;
    if (node.selfSize > 0) {
      total += node.selfSize;
      const name = frameName(node);
      self.set(name, (self.get(name) ?? 0) + node.selfSize);
      product.set(here, (product.get(here) ?? 0) + node.selfSize);
    }
    for (const child of node.children) walk(child, here);
  };
  walk(profile.head, '(no product frame)');
  const rank = (m: Map<string, number>): AllocationSite[] =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, bytes]) => ({ name, bytes, share: total > 0 ? bytes / total : 0 }));
  return { total, self: rank(self), product: rank(product) };
}

export function formatAllocationSites(sites: ReturnType<typeof allocationSites>): string {
  const mib = (b: number): string => (b / 2 ** 20).toFixed(1);
  const lines = [`promoted allocations sampled in the warm cycle: ${mib(sites.total)} MiB`, 'by allocating function (MiB, share):'];
  for (const s of sites.self) lines.push(`  ${mib(s.bytes).padStart(7)}  ${(s.share * 100).toFixed(1).padStart(5)} %  ${s.name}`);
  lines.push('by innermost product frame (MiB, share):');
  for (const s of sites.product) lines.push(`  ${mib(s.bytes).padStart(7)}  ${(s.share * 100).toFixed(1).padStart(5)} %  ${s.name}`);
  return lines.join('\n');
}
