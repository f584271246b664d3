/**
 * What the validator process's RSS is made of, read after the warm cycle: the main thread's V8
 * heap by space, every worker thread's heap (read through the inspector's NodeWorker domain,
 * since Node 20 has no Worker#getHeapStatistics), Buffers and ArrayBuffers outside the heaps,
 * and the kernel's split of resident memory (anonymous vs file-backed). What is left once the
 * heaps are subtracted is native: V8's code space and isolates, glibc malloc arenas, libuv,
 * OpenSSL, WASM memories.
 */
import { readFile } from 'node:fs/promises';
import type { Session } from 'node:inspector/promises';
import { PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics, getHeapStatistics } from 'node:v8';

export interface HeapFigures {
  readonly usedBytes: number;
  readonly totalBytes: number;
  /** Pages the heap actually holds in memory (committed and touched). */
  readonly physicalBytes: number;
  readonly externalBytes: number;
  readonly arrayBuffersBytes: number;
  /** physical_space_size by space (new_space, old_space, code_space, large_object_space…). */
  readonly spacesPhysicalBytes: Record<string, number>;
  readonly spacesUsedBytes: Record<string, number>;
}

export interface WorkerHeapFigures extends HeapFigures {
  readonly title: string;
  readonly url: string;
}

export interface MemoryDetail {
  readonly main: HeapFigures;
  readonly workers: readonly WorkerHeapFigures[];
  /** /proc/self/status: RssAnon, RssFile, RssShmem, VmHWM, Threads (Linux only, else empty). */
  readonly status: Record<string, number>;
  /** Peaks and GCs by phase of the run (start-up, cold cycle, warm cycle). */
  readonly phases?: readonly PhaseMemory[];
}

/** Runs in the thread it describes; the same source is evaluated inside every worker. */
function heapFiguresSource(): string {
  return `(() => {
    const v8 = require('node:v8');
    const mu = process.memoryUsage();
    const heap = v8.getHeapStatistics();
    const spacesPhysicalBytes = {}, spacesUsedBytes = {};
    for (const s of v8.getHeapSpaceStatistics()) { spacesPhysicalBytes[s.space_name] = s.physical_space_size; spacesUsedBytes[s.space_name] = s.space_used_size; }
    return JSON.stringify({ usedBytes: heap.used_heap_size, totalBytes: heap.total_heap_size, physicalBytes: heap.total_physical_size,
      externalBytes: mu.external, arrayBuffersBytes: mu.arrayBuffers, spacesPhysicalBytes, spacesUsedBytes });
  })()`;
}

function mainHeapFigures(): HeapFigures {
  const mu = process.memoryUsage();
  const heap = getHeapStatistics();
  const spacesPhysicalBytes: Record<string, number> = {};
  const spacesUsedBytes: Record<string, number> = {};
  for (const s of getHeapSpaceStatistics()) {
    spacesPhysicalBytes[s.space_name] = s.physical_space_size;
    spacesUsedBytes[s.space_name] = s.space_used_size;
  }
  return {
    usedBytes: heap.used_heap_size,
    totalBytes: heap.total_heap_size,
    physicalBytes: heap.total_physical_size,
    externalBytes: mu.external,
    arrayBuffersBytes: mu.arrayBuffers,
    spacesPhysicalBytes,
    spacesUsedBytes,
  };
}

async function procStatus(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const text = await readFile('/proc/self/status', 'utf8').catch(() => '');
  for (const line of text.split('\n')) {
    const m = /^(VmRSS|VmHWM|RssAnon|RssFile|RssShmem|Threads):\s+(\d+)(?:\s+kB)?/.exec(line);
    if (m) out[m[1]!] = m[1] === 'Threads' ? Number(m[2]) : Number(m[2]) * 1024;
  }
  return out;
}

/** Every worker thread's heap figures, through the inspector attached to the main thread. */
async function workerHeapFigures(session: Session): Promise<WorkerHeapFigures[]> {
  const attached: Array<{ sessionId: string; workerInfo: { title: string; url: string } }> = [];
  const onAttached = (m: { params: (typeof attached)[number] }): void => void attached.push(m.params);
  session.on('NodeWorker.attachedToWorker', onAttached as never);
  // Existing workers are announced before enable resolves.
  await session.post('NodeWorker.enable', { waitForDebuggerOnStart: false });
  session.off('NodeWorker.attachedToWorker', onAttached as never);
  let nextId = 0;
  const waiting = new Map<number, (message: { result?: { result?: { value?: string } }; error?: unknown }) => void>();
  const onMessage = (m: { params: { message: string } }): void => {
    const message = JSON.parse(m.params.message) as { id?: number };
    if (message.id !== undefined) waiting.get(message.id)?.(message as never);
  };
  session.on('NodeWorker.receivedMessageFromWorker', onMessage as never);
  try {
    const figures: WorkerHeapFigures[] = [];
    for (const worker of attached) {
      const id = ++nextId;
      const answer = new Promise<{ result?: { result?: { value?: string } }; error?: unknown }>((resolve) => waiting.set(id, resolve));
      const message = { id, method: 'Runtime.evaluate', params: { expression: heapFiguresSource(), includeCommandLineAPI: true, returnByValue: true } };
      await session.post('NodeWorker.sendMessageToWorker', { sessionId: worker.sessionId, message: JSON.stringify(message) });
      const reply = await answer;
      const value = reply.result?.result?.value;
      if (typeof value !== 'string') throw new Error(`worker ${worker.workerInfo.title}: no heap figures (${JSON.stringify(reply).slice(0, 300)})`);
      figures.push({ title: worker.workerInfo.title, url: worker.workerInfo.url, ...(JSON.parse(value) as HeapFigures) });
    }
    return figures;
  } finally {
    session.off('NodeWorker.receivedMessageFromWorker', onMessage as never);
    await session.post('NodeWorker.disable');
  }
}

export async function memoryDetail(session: Session): Promise<MemoryDetail> {
  const main = mainHeapFigures();
  const status = await procStatus();
  const workers = await workerHeapFigures(session);
  return { main, workers, status };
}

/** Streams a main-thread heap snapshot to `file` (open it in Chrome DevTools, or summarise it with heap-summary.ts). */
export async function writeHeapSnapshot(session: Session, file: string): Promise<void> {
  const { createWriteStream } = await import('node:fs');
  const out = createWriteStream(file);
  const onChunk = (m: { params: { chunk: string } }): void => void out.write(m.params.chunk);
  session.on('HeapProfiler.addHeapSnapshotChunk', onChunk as never);
  try {
    await session.post('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
  } finally {
    session.off('HeapProfiler.addHeapSnapshotChunk', onChunk as never);
    await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  }
}

export interface PhaseMemory {
  readonly phase: string;
  readonly maxRssBytes: number;
  readonly maxHeapUsedBytes: number;
  readonly maxHeapTotalBytes: number;
  /** Main-thread garbage collections in the phase, by kind, and their total pause. */
  readonly gc: { readonly minor: number; readonly major: number; readonly pauseMs: number };
}

/**
 * RSS and main-thread heap sampled on a timer and main-thread GCs counted, per phase of the run
 * (start-up, cold cycle, warm cycle): where the old space grows, and what a GC setting costs.
 */
export class MemoryTimeline {
  readonly #phases: Array<{ phase: string; maxRssBytes: number; maxHeapUsedBytes: number; maxHeapTotalBytes: number; gc: { minor: number; major: number; pauseMs: number } }> = [];
  #timer: NodeJS.Timeout | undefined;
  #observer: PerformanceObserver | undefined;

  start(phase: string, everyMs = 100): void {
    this.mark(phase);
    this.#timer = setInterval(() => this.sample(), everyMs);
    this.#timer.unref();
    this.#observer = new PerformanceObserver((list) => {
      const gc = this.#phases.at(-1)!.gc;
      for (const entry of list.getEntries()) {
        const kind = (entry as unknown as { detail?: { kind?: number } }).detail?.kind;
        // perf_hooks constants: NODE_PERFORMANCE_GC_MINOR = 1, MAJOR = 4, INCREMENTAL = 8, WEAKCB = 16.
        if (kind === 1) gc.minor++;
        else if (kind === 4) gc.major++;
        gc.pauseMs += entry.duration;
      }
    });
    this.#observer.observe({ entryTypes: ['gc'] });
  }

  /** Starts a new phase (the current one ends with a last sample). */
  mark(phase: string): void {
    if (this.#phases.length > 0) this.sample();
    this.#phases.push({ phase, maxRssBytes: 0, maxHeapUsedBytes: 0, maxHeapTotalBytes: 0, gc: { minor: 0, major: 0, pauseMs: 0 } });
    this.sample();
  }

  sample(): void {
    const current = this.#phases.at(-1);
    if (!current) return;
    const m = process.memoryUsage();
    current.maxRssBytes = Math.max(current.maxRssBytes, m.rss);
    current.maxHeapUsedBytes = Math.max(current.maxHeapUsedBytes, m.heapUsed);
    current.maxHeapTotalBytes = Math.max(current.maxHeapTotalBytes, m.heapTotal);
  }

  stop(): PhaseMemory[] {
    this.sample();
    if (this.#timer) clearInterval(this.#timer);
    this.#observer?.disconnect();
    return this.#phases.map((p) => ({ ...p, gc: { ...p.gc, pauseMs: Math.round(p.gc.pauseMs) } }));
  }
}
