/** The memory breakdown of a run as text: where the validator process's resident memory sits. */
import type { HeapFigures, MemoryDetail } from './memory-probe.js';

const mib = (bytes: number | undefined): string => ((bytes ?? 0) / 2 ** 20).toFixed(1);

function heapLine(label: string, h: HeapFigures): string {
  const spaces = Object.entries(h.spacesPhysicalBytes)
    .filter(([, bytes]) => bytes >= 2 ** 19)
    .sort((a, b) => b[1] - a[1])
    .map(([name, bytes]) => `${name.replace(/_space$/, '')} ${mib(bytes)}`)
    .join(', ');
  return `${label}: heap used ${mib(h.usedBytes)} / total ${mib(h.totalBytes)} / resident ${mib(h.physicalBytes)} MiB (${spaces}); ArrayBuffers ${mib(h.arrayBuffersBytes)}, other external ${mib(h.externalBytes - h.arrayBuffersBytes)} MiB`;
}

/**
 * Heaps by thread, then what is left of the anonymous resident memory: native allocations (V8
 * isolates and code, malloc arenas, libuv, OpenSSL, WASM memories).
 */
export function formatMemoryDetail(rssBytes: number, d: MemoryDetail): string {
  const lines: string[] = [];
  const s = d.status;
  lines.push(`RSS ${mib(rssBytes)} MiB: anonymous ${mib(s['RssAnon'])}, file-backed ${mib(s['RssFile'])}, shared ${mib(s['RssShmem'])} MiB; ${s['Threads'] ?? '?'} OS threads`);
  lines.push(heapLine('main thread', d.main));
  for (const w of d.workers) lines.push(heapLine(`${w.title} ${w.url.replace(/^.*node_modules\//, '')}`, w));
  const heaps = [d.main, ...d.workers];
  const resident = heaps.reduce((sum, h) => sum + h.physicalBytes + h.arrayBuffersBytes, 0);
  if (s['RssAnon'] !== undefined) lines.push(`native and other (anonymous − heaps − ArrayBuffers): ${mib(s['RssAnon'] - resident)} MiB`);
  for (const p of d.phases ?? []) {
    lines.push(`${p.phase}: peak RSS ${mib(p.maxRssBytes)}, heap used ${mib(p.maxHeapUsedBytes)}, heap total ${mib(p.maxHeapTotalBytes)} MiB; main-thread GCs ${p.gc.minor} minor, ${p.gc.major} major, ${p.gc.pauseMs} ms paused`);
  }
  return lines.join('\n');
}
