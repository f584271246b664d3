import type { MetricSnapshot } from '../store/types.js';

/**
 * One hotkey's snapshot history in columns: the validator keeps every miner's whole history in
 * memory for scoring, and as objects (17 fields, a Date, a string per field) a snapshot costs
 * about 900 bytes of heap; here it costs about 80, with each distinct string held once. A row
 * the columns cannot hold exactly (a field missing or extra, a value of another type) is kept
 * verbatim, so materialising always gives back values equal to, and of the same types as, the
 * snapshots put in. The data form is plain (structured-clone safe): the supervisor hands it to
 * the score worker, which materialises one miner at a time.
 */
export interface CompactHistoryData {
  readonly kind: 'compact-history';
  readonly hotkey: string;
  readonly strings: readonly string[];
  /** REFS per row: string indexes of platform, content_id, interval, caption, owner_username, published_at, owner_id (when the flags say so); then flags. */
  readonly refs: Uint32Array;
  /** NUMBERS per row: view_count, like_count, comment_count, owner_follower_count, ai_score, fetched_at (epoch ms). */
  readonly numbers: Float64Array;
  /** Rows in history order. */
  readonly order: Uint32Array;
  /** Counts held as bigint, by row × 4 + count index. */
  readonly bigints: ReadonlyMap<number, bigint>;
  /** Rows kept as given, by row. */
  readonly verbatim: ReadonlyMap<number, MetricSnapshot>;
}

const REFS = 8;
const NUMBERS = 6;
const OWNER_ID = 6;
const FLAGS = 7;
const KEYS = ['hotkey', 'platform', 'content_id', 'interval', 'caption', 'view_count', 'like_count', 'comment_count', 'owner_username', 'owner_follower_count', 'published_at', 'ai_score', 'ai_source', 'caption_ok', 'signature_ok', 'owner_ok', 'fetched_at'] as const;
const STRING_FIELDS = ['platform', 'content_id', 'interval', 'caption', 'owner_username', 'published_at'] as const;
const COUNT_FIELDS = ['view_count', 'like_count', 'comment_count', 'owner_follower_count'] as const;

const VERBATIM = 1;
const BIGINT_SHIFT = 1; // bits 1-4: count i is a bigint
const AI_NULL = 1 << 5;
const SOURCE_SHIFT = 6; // bits 6-7: ai_source null, 'platform', 'miner'
const CAPTION_OK = 1 << 8;
const OWNER_OK = 1 << 9;
const SIGNATURE_SHIFT = 10; // bits 10-11: signature_ok null, true, false
const HAS_OWNER_ID = 1 << 12; // owner_id is set (snapshots written before it existed have none)
const SOURCES = [null, 'platform', 'miner'] as const;
const SIGNATURES = [null, true, false] as const;

/** Whether a snapshot fits the columns exactly; otherwise it is kept verbatim. */
function fitsColumns(s: MetricSnapshot, hotkey: string): boolean {
  const keys = Object.keys(s);
  const hasOwnerId = Object.hasOwn(s, 'owner_id');
  if (hasOwnerId && typeof s.owner_id !== 'string') return false;
  if (keys.length !== KEYS.length + (hasOwnerId ? 1 : 0) || !KEYS.every((k) => Object.hasOwn(s, k))) return false;
  if (s.hotkey !== hotkey) return false;
  for (const f of STRING_FIELDS) if (typeof s[f] !== 'string') return false;
  for (const f of COUNT_FIELDS) if (typeof s[f] !== 'number' && typeof s[f] !== 'bigint') return false;
  return (
    (s.ai_score === null || typeof s.ai_score === 'number') &&
    SOURCES.includes(s.ai_source) &&
    typeof s.caption_ok === 'boolean' &&
    typeof s.owner_ok === 'boolean' &&
    SIGNATURES.includes(s.signature_ok) &&
    s.fetched_at instanceof Date &&
    Object.getPrototypeOf(s.fetched_at) === Date.prototype
  );
}

export function isCompactHistory(value: unknown): value is CompactHistoryData {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'compact-history';
}

/** The snapshot of one row, as it was put in (values and their types). */
export function snapshotAt(d: CompactHistoryData, row: number): MetricSnapshot {
  const kept = d.verbatim.get(row);
  if (kept) return kept;
  const r = row * REFS;
  const n = row * NUMBERS;
  const flags = d.refs[r + FLAGS]!;
  const count = (i: number): number | bigint => ((flags >> (BIGINT_SHIFT + i)) & 1 ? d.bigints.get(row * 4 + i)! : d.numbers[n + i]!);
  return {
    hotkey: d.hotkey,
    platform: d.strings[d.refs[r]!] as MetricSnapshot['platform'],
    content_id: d.strings[d.refs[r + 1]!]!,
    interval: d.strings[d.refs[r + 2]!]!,
    caption: d.strings[d.refs[r + 3]!]!,
    view_count: count(0),
    like_count: count(1) as number,
    comment_count: count(2) as number,
    owner_username: d.strings[d.refs[r + 4]!]!,
    ...(flags & HAS_OWNER_ID ? { owner_id: d.strings[d.refs[r + OWNER_ID]!]! } : {}),
    owner_follower_count: count(3) as number,
    published_at: d.strings[d.refs[r + 5]!]!,
    ai_score: flags & AI_NULL ? null : d.numbers[n + 4]!,
    ai_source: SOURCES[(flags >> SOURCE_SHIFT) & 3]!,
    caption_ok: (flags & CAPTION_OK) !== 0,
    signature_ok: SIGNATURES[(flags >> SIGNATURE_SHIFT) & 3]!,
    owner_ok: (flags & OWNER_OK) !== 0,
    fetched_at: new Date(d.numbers[n + 5]!),
  };
}

/** Every snapshot, in history order. */
export function snapshotsOf(d: CompactHistoryData): MetricSnapshot[] {
  const out = new Array<MetricSnapshot>(d.order.length);
  for (let i = 0; i < d.order.length; i++) out[i] = snapshotAt(d, d.order[i]!);
  return out;
}

/** A growable store of rows; order and de-duplication are the caller's (HistoryCache). */
export class CompactRows {
  readonly hotkey: string;
  readonly #strings: string[] = [];
  readonly #ids = new Map<string, number>();
  readonly #bigints = new Map<number, bigint>();
  readonly #verbatim = new Map<number, MetricSnapshot>();
  #refs: Uint32Array;
  #numbers: Float64Array;
  #rows = 0;

  constructor(hotkey: string, capacity = 8) {
    this.hotkey = hotkey;
    const rows = Math.max(8, capacity);
    this.#refs = new Uint32Array(rows * REFS);
    this.#numbers = new Float64Array(rows * NUMBERS);
  }

  get rows(): number {
    return this.#rows;
  }

  /** Appends a snapshot; returns its row. */
  add(s: MetricSnapshot): number {
    const row = this.#rows;
    if ((row + 1) * REFS > this.#refs.length) this.#grow();
    this.#rows++;
    if (!fitsColumns(s, this.hotkey)) {
      this.#verbatim.set(row, s);
      this.#refs[row * REFS + FLAGS] = VERBATIM;
      return row;
    }
    const r = row * REFS;
    const n = row * NUMBERS;
    for (let i = 0; i < STRING_FIELDS.length; i++) this.#refs[r + i] = this.#intern(s[STRING_FIELDS[i]!]);
    let flags = 0;
    if (s.owner_id !== undefined) {
      flags |= HAS_OWNER_ID;
      this.#refs[r + OWNER_ID] = this.#intern(s.owner_id);
    }
    for (let i = 0; i < COUNT_FIELDS.length; i++) {
      const v = s[COUNT_FIELDS[i]!];
      if (typeof v === 'bigint') {
        flags |= 1 << (BIGINT_SHIFT + i);
        this.#bigints.set(row * 4 + i, v);
      } else this.#numbers[n + i] = v;
    }
    if (s.ai_score === null) flags |= AI_NULL;
    else this.#numbers[n + 4] = s.ai_score;
    this.#numbers[n + 5] = s.fetched_at.getTime();
    flags |= SOURCES.indexOf(s.ai_source) << SOURCE_SHIFT;
    flags |= SIGNATURES.indexOf(s.signature_ok) << SIGNATURE_SHIFT;
    if (s.caption_ok) flags |= CAPTION_OK;
    if (s.owner_ok) flags |= OWNER_OK;
    this.#refs[r + FLAGS] = flags;
    return row;
  }

  /** The sort and de-duplication key fields of a row (platform, content_id, interval), without materialising it. */
  platform(row: number): string {
    return this.#refs[row * REFS + FLAGS]! & VERBATIM ? this.#verbatim.get(row)!.platform : this.#strings[this.#refs[row * REFS]!]!;
  }

  contentId(row: number): string {
    return this.#refs[row * REFS + FLAGS]! & VERBATIM ? this.#verbatim.get(row)!.content_id : this.#strings[this.#refs[row * REFS + 1]!]!;
  }

  interval(row: number): string {
    return this.#refs[row * REFS + FLAGS]! & VERBATIM ? this.#verbatim.get(row)!.interval : this.#strings[this.#refs[row * REFS + 2]!]!;
  }

  /** A copy of the rows in `order`, safe to hand out while more rows are added. */
  data(order: Uint32Array): CompactHistoryData {
    return {
      kind: 'compact-history',
      hotkey: this.hotkey,
      strings: this.#strings.slice(),
      refs: this.#refs.slice(0, this.#rows * REFS),
      numbers: this.#numbers.slice(0, this.#rows * NUMBERS),
      order: order.slice(),
      bigints: new Map(this.#bigints),
      verbatim: new Map(this.#verbatim),
    };
  }

  #intern(value: string): number {
    let id = this.#ids.get(value);
    if (id === undefined) {
      id = this.#strings.length;
      this.#strings.push(value);
      this.#ids.set(value, id);
    }
    return id;
  }

  #grow(): void {
    const rows = Math.max(8, this.#rows * 2);
    const refs = new Uint32Array(rows * REFS);
    refs.set(this.#refs);
    const numbers = new Float64Array(rows * NUMBERS);
    numbers.set(this.#numbers);
    this.#refs = refs;
    this.#numbers = numbers;
  }
}
