/**
 * node --import tsx bench/loadtest/heap-summary.ts <file.heapsnapshot> [--top 30]
 *
 * Summarises a V8 heap snapshot too large for one JSON.parse (V8 strings stop at ~512 MiB):
 * the file is read as a stream, its node and edge tables go into typed arrays. Prints the
 * shallow size by constructor (DevTools' Summary view) and the biggest retainers: objects by
 * retained size (what would be freed with them), from the dominator tree, with the chain of
 * dominators above each so one can tell which Map or array it is.
 */
import { createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

interface Meta {
  readonly node_fields: string[];
  readonly node_types: [string[], ...unknown[]];
  readonly edge_fields: string[];
  readonly edge_types: [string[], ...unknown[]];
}

export interface ParsedSnapshot {
  readonly nodeFieldCount: number;
  readonly edgeFieldCount: number;
  readonly nodes: Float64Array;
  readonly edges: Uint32Array;
  readonly strings: string[];
  readonly nodeTypes: string[];
  readonly edgeTypes: string[];
  readonly meta: Meta;
}

/** Streams the snapshot: header JSON, then the two number tables, then the string table. */
export async function parseSnapshot(file: string): Promise<ParsedSnapshot> {
  const decoder = new StringDecoder('utf8');
  let buffer = '';
  let phase: 'header' | 'nodes' | 'between' | 'edges' | 'seek-strings' | 'strings' | 'done' = 'header';
  let header: { snapshot: { meta: Meta; node_count: number; edge_count: number } } | undefined;
  let nodes = new Float64Array(0);
  let edges = new Uint32Array(0);
  let at = 0;
  let current = -1; // number being read, -1 when none
  const strings: string[] = [];

  const readNumbers = (text: string, store: (n: number) => void): number => {
    // Returns the index of the closing ']' or -1 when the chunk ended inside the table.
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c >= 48 && c <= 57) current = (current < 0 ? 0 : current * 10) + (c - 48);
      else {
        if (current >= 0) store(current);
        current = -1;
        if (c === 93) return i;
      }
    }
    return -1;
  };

  const consume = (final: boolean): void => {
    for (;;) {
      if (phase === 'header') {
        const i = buffer.indexOf('"nodes":[');
        if (i < 0) return;
        const head = buffer.slice(0, i).replace(/,\s*$/, '') + '}';
        header = JSON.parse(head) as typeof header;
        nodes = new Float64Array(header!.snapshot.node_count * header!.snapshot.meta.node_fields.length);
        edges = new Uint32Array(header!.snapshot.edge_count * header!.snapshot.meta.edge_fields.length);
        buffer = buffer.slice(i + '"nodes":['.length);
        phase = 'nodes';
        at = 0;
      } else if (phase === 'nodes' || phase === 'edges') {
        const table = phase === 'nodes' ? nodes : edges;
        const end = readNumbers(buffer, (n) => void (table[at++] = n));
        if (end < 0) {
          buffer = '';
          return;
        }
        if (at !== table.length) throw new Error(`${phase}: read ${at} numbers, expected ${table.length}`);
        buffer = buffer.slice(end + 1);
        phase = phase === 'nodes' ? 'between' : 'seek-strings';
        at = 0;
      } else if (phase === 'between') {
        const i = buffer.indexOf('"edges":[');
        if (i < 0) return;
        buffer = buffer.slice(i + '"edges":['.length);
        phase = 'edges';
      } else if (phase === 'seek-strings') {
        const i = buffer.indexOf('"strings":[');
        if (i < 0) {
          buffer = buffer.slice(-16);
          return;
        }
        buffer = buffer.slice(i + '"strings":['.length);
        phase = 'strings';
      } else if (phase === 'strings') {
        let i = 0;
        for (;;) {
          while (i < buffer.length && buffer[i] !== '"' && buffer[i] !== ']') i++;
          if (i >= buffer.length) {
            buffer = '';
            return;
          }
          if (buffer[i] === ']') {
            phase = 'done';
            return;
          }
          let j = i + 1;
          while (j < buffer.length && buffer[j] !== '"') j += buffer[j] === '\\' ? 2 : 1;
          if (j >= buffer.length) {
            if (final) throw new Error('snapshot ends inside a string');
            buffer = buffer.slice(i);
            return;
          }
          strings.push(JSON.parse(buffer.slice(i, j + 1)) as string);
          i = j + 1;
        }
      } else return;
    }
  };

  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 22 })) {
    buffer += decoder.write(chunk as Buffer);
    consume(false);
  }
  buffer += decoder.end();
  consume(true);
  if (!header || String(phase) !== 'done') throw new Error(`${file}: not a complete heap snapshot (stopped in ${phase})`);
  const meta = header.snapshot.meta;
  return {
    nodeFieldCount: meta.node_fields.length,
    edgeFieldCount: meta.edge_fields.length,
    nodes,
    edges,
    strings,
    nodeTypes: meta.node_types[0],
    edgeTypes: meta.edge_types[0],
    meta,
  };
}

export interface Summary {
  readonly totalSelf: number;
  readonly byConstructor: Array<{ name: string; count: number; self: number }>;
  readonly retainedByConstructor: Array<{ name: string; count: number; retained: number }>;
  readonly retainers: Array<{ name: string; self: number; retained: number; chain: string[] }>;
}

export function summarize(s: ParsedSnapshot, top: number): Summary {
  const nf = s.nodeFieldCount;
  const ef = s.edgeFieldCount;
  const typeAt = s.meta.node_fields.indexOf('type');
  const nameAt = s.meta.node_fields.indexOf('name');
  const selfAt = s.meta.node_fields.indexOf('self_size');
  const countAt = s.meta.node_fields.indexOf('edge_count');
  const edgeTypeAt = s.meta.edge_fields.indexOf('type');
  const edgeNameAt = s.meta.edge_fields.indexOf('name_or_index');
  const toAt = s.meta.edge_fields.indexOf('to_node');
  const n = s.nodes.length / nf;
  const weak = s.edgeTypes.indexOf('weak');
  const stringTypes = new Set(['string', 'concatenated string', 'sliced string'].map((t) => s.nodeTypes.indexOf(t)));

  const label = (node: number): string => {
    const type = s.nodes[node * nf + typeAt]!;
    if (stringTypes.has(type)) return '(string)';
    const name = s.strings[s.nodes[node * nf + nameAt]!] ?? '?';
    const typeName = s.nodeTypes[type] ?? '?';
    if (typeName === 'object') return name;
    if (typeName === 'closure') return `(closure) ${name}`;
    if (typeName === 'number' || typeName === 'code' || typeName === 'bigint' || typeName === 'object shape') return `(${typeName})`;
    return `(${typeName}) ${name.slice(0, 60)}`;
  };

  const firstEdge = new Uint32Array(n + 1);
  for (let i = 0; i < n; i++) firstEdge[i + 1] = firstEdge[i]! + s.nodes[i * nf + countAt]! * ef;

  const byName = new Map<string, { count: number; self: number }>();
  let totalSelf = 0;
  for (let i = 0; i < n; i++) {
    const self = s.nodes[i * nf + selfAt]!;
    totalSelf += self;
    const key = label(i);
    const entry = byName.get(key) ?? { count: 0, self: 0 };
    entry.count++;
    entry.self += self;
    byName.set(key, entry);
  }

  // Post-order from the root (node 0) over strong edges.
  const post = new Uint32Array(n);
  const order = new Int32Array(n).fill(-1); // post-order number
  const visited = new Uint8Array(n);
  const stackNode = new Uint32Array(n);
  const stackEdge = new Uint32Array(n);
  let sp = 0;
  let count = 0;
  stackNode[0] = 0;
  stackEdge[0] = firstEdge[0]!;
  visited[0] = 1;
  sp = 1;
  while (sp > 0) {
    const node = stackNode[sp - 1]!;
    let e = stackEdge[sp - 1]!;
    let pushed = false;
    while (e < firstEdge[node + 1]!) {
      const to = s.edges[e + toAt]! / nf;
      const type = s.edges[e + edgeTypeAt]!;
      e += ef;
      if (type === weak || visited[to]) continue;
      stackEdge[sp - 1] = e;
      visited[to] = 1;
      stackNode[sp] = to;
      stackEdge[sp] = firstEdge[to]!;
      sp++;
      pushed = true;
      break;
    }
    if (!pushed) {
      order[node] = count;
      post[count++] = node;
      sp--;
    }
  }

  // Predecessors (strong edges, reachable nodes only).
  const predCount = new Uint32Array(n + 1);
  for (let from = 0; from < n; from++) {
    if (!visited[from]) continue;
    for (let e = firstEdge[from]!; e < firstEdge[from + 1]!; e += ef) {
      if (s.edges[e + edgeTypeAt] === weak) continue;
      predCount[s.edges[e + toAt]! / nf + 1]!++;
    }
  }
  for (let i = 0; i < n; i++) predCount[i + 1]! += predCount[i]!;
  const preds = new Uint32Array(predCount[n]!);
  const fill = predCount.slice();
  for (let from = 0; from < n; from++) {
    if (!visited[from]) continue;
    for (let e = firstEdge[from]!; e < firstEdge[from + 1]!; e += ef) {
      if (s.edges[e + edgeTypeAt] === weak) continue;
      const to = s.edges[e + toAt]! / nf;
      preds[fill[to]!++] = from;
    }
  }

  // Cooper, Harvey & Kennedy: iterate in reverse post-order until the dominators settle.
  const idom = new Int32Array(count).fill(-1); // by post-order number
  const root = count - 1;
  idom[root] = root;
  const intersect = (a: number, b: number): number => {
    while (a !== b) {
      while (a < b) a = idom[a]!;
      while (b < a) b = idom[b]!;
    }
    return a;
  };
  for (let changed = true; changed; ) {
    changed = false;
    for (let k = root - 1; k >= 0; k--) {
      const node = post[k]!;
      let next = -1;
      for (let p = predCount[node]!; p < predCount[node + 1]!; p++) {
        const q = order[preds[p]!]!;
        if (q < 0 || idom[q] === -1) continue;
        next = next === -1 ? q : intersect(q, next);
      }
      if (next !== -1 && idom[k] !== next) {
        idom[k] = next;
        changed = true;
      }
    }
  }

  const retained = new Float64Array(count);
  for (let k = 0; k < count; k++) {
    retained[k]! += s.nodes[post[k]! * nf + selfAt]!;
    if (k !== root && idom[k]! >= 0) retained[idom[k]!]! += retained[k]!;
  }

  // Biggest retainers. An object that only passes on what one child holds (>= 90 % of it) is
  // left out in favour of that child, so a chain of wrappers shows once, at its innermost link.
  const biggestChild = new Float64Array(count);
  for (let k = 0; k < root; k++) if (idom[k]! >= 0) biggestChild[idom[k]!] = Math.max(biggestChild[idom[k]!]!, retained[k]!);
  const candidates: number[] = [];
  for (let k = 0; k < root; k++) if (retained[k]! >= 1 << 20 && biggestChild[k]! < 0.9 * retained[k]!) candidates.push(k);
  candidates.sort((a, b) => retained[b]! - retained[a]!);
  const edgeName = (fromPost: number, toPost: number): string => {
    const from = post[fromPost]!;
    const to = post[toPost]!;
    for (let e = firstEdge[from]!; e < firstEdge[from + 1]!; e += ef) {
      if (s.edges[e + toAt]! / nf !== to) continue;
      const type = s.edgeTypes[s.edges[e + edgeTypeAt]!];
      const name = s.edges[e + edgeNameAt]!;
      return type === 'element' || type === 'hidden' ? ` [${name}]` : ` .${s.strings[name] ?? name}`;
    }
    return '';
  };
  const retainers: Summary['retainers'] = [];
  for (const k of candidates) {
    if (retainers.length >= top) break;
    const chain: string[] = [];
    for (let c = k, depth = 0; c !== root && depth < 8; c = idom[c]!, depth++) chain.push(`${label(post[c]!)}${edgeName(idom[c]!, c)}`);
    retainers.push({ name: label(post[k]!), self: s.nodes[post[k]! * nf + selfAt]!, retained: retained[k]!, chain });
  }
  // Retained by constructor: every instance not dominated by another of its kind (DevTools'
  // "retained size" of a class row), for objects and closures.
  const retainedByName = new Map<string, { count: number; retained: number }>();
  const objectType = s.nodeTypes.indexOf('object');
  const closureType = s.nodeTypes.indexOf('closure');
  for (let k = 0; k < root; k++) {
    const type = s.nodes[post[k]! * nf + typeAt]!;
    if (type !== objectType && type !== closureType) continue;
    const name = label(post[k]!);
    let nested = false;
    for (let c = idom[k]!, depth = 0; c !== root && c >= 0 && depth < 32; c = idom[c]!, depth++) {
      if (label(post[c]!) === name) {
        nested = true;
        break;
      }
    }
    if (nested) continue;
    const entry = retainedByName.get(name) ?? { count: 0, retained: 0 };
    entry.count++;
    entry.retained += retained[k]!;
    retainedByName.set(name, entry);
  }
  const retainedByConstructor = [...retainedByName.entries()]
    .map(([name, v]) => ({ name, ...v }))
    .sort((a, b) => b.retained - a.retained)
    .slice(0, top);
  const byConstructor = [...byName.entries()]
    .map(([name, v]) => ({ name, ...v }))
    .sort((a, b) => b.self - a.self)
    .slice(0, top);
  return { totalSelf, byConstructor, retainedByConstructor, retainers };
}

const mib = (b: number): string => (b / 2 ** 20).toFixed(1);

export function formatHeapSummary(summary: Summary): string {
  const out: string[] = [`heap: ${mib(summary.totalSelf)} MiB in objects`, '', 'shallow size by constructor (MiB, count):'];
  for (const c of summary.byConstructor) out.push(`  ${mib(c.self).padStart(8)}  ${String(c.count).padStart(9)}  ${c.name}`);
  out.push('', 'retained size by constructor, outermost instances (MiB, count):');
  for (const c of summary.retainedByConstructor) out.push(`  ${mib(c.retained).padStart(8)}  ${String(c.count).padStart(9)}  ${c.name}`);
  out.push('', 'biggest retainers (retained MiB; dominator chain, innermost first, each with the edge it hangs on):');
  for (const r of summary.retainers) out.push(`  ${mib(r.retained).padStart(8)}  ${r.chain.join(' <- ')}`);
  return out.join('\n');
}

if (process.argv[1]?.endsWith('heap-summary.ts')) {
  const file = process.argv[2];
  if (!file) throw new Error('usage: heap-summary.ts <file.heapsnapshot> [--top N]');
  const topAt = process.argv.indexOf('--top');
  const top = topAt > 0 ? Number(process.argv[topAt + 1]) : 30;
  process.stdout.write(formatHeapSummary(summarize(await parseSnapshot(file), top)) + '\n');
}
