import { basename } from 'node:path';
import { commitHashOf } from '../chain/weight-commits-reader.js';
import type { Logger } from '../log.js';
import { readSpoolFiles, removeSpool, replaceSpoolFile } from '../store/spool-files.js';
import type { JournalEntry, RevealJournal } from '../weights/reveal-journal.js';

const u16s = (v: unknown): v is number[] => Array.isArray(v) && v.every((n) => Number.isInteger(n) && n >= 0 && n <= 65_535);
const block = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const u64 = (v: unknown): v is bigint => typeof v === 'bigint' && v >= 0n && v < 2n ** 64n;

/**
 * More commits to reveal than this at once cannot be ours (one commit per WeightsSetRateLimit,
 * each gone within a tempo or two): past it the oldest are left out, so the file stays small.
 */
export const MAX_JOURNAL_ENTRIES = 64;
const MAX_JOURNAL_BYTES = 1024 * 1024;
const JOURNAL_PREFIX = 'reveals-journal-';

/** A spooled commit of the shape written, its hash recomputed from its fields; null otherwise. */
function entryFrom(doc: unknown, hotkey: string, netuid: number): JournalEntry | null {
  if (typeof doc !== 'object' || doc === null) return null;
  const d = doc as Record<string, unknown>;
  const vector = d['vector'] as Record<string, unknown> | undefined;
  const ref = d['ref'] as Record<string, unknown> | undefined;
  if (typeof d['hash'] !== 'string' || !u16s(d['salt'])) return null;
  if (!vector || !u16s(vector['uids']) || !u16s(vector['values']) || !u64(vector['versionKey'])) return null;
  if (vector['uids'].length !== vector['values'].length || (ref?.['id'] !== undefined && typeof ref['id'] !== 'string')) return null;
  const commit = { uids: vector['uids'], values: vector['values'], versionKey: vector['versionKey'] };
  if (commitHashOf({ hotkey, netuid, ...commit, salt: d['salt'] }) !== d['hash']) return null;
  const base = { ref: ref?.['id'] === undefined ? {} : { id: ref['id'] as string }, hash: d['hash'], vector: commit, salt: d['salt'] };
  if (block(d['firstRevealBlock']) && block(d['lastRevealBlock']) && d['firstRevealBlock'] <= d['lastRevealBlock']) {
    return { ...base, firstRevealBlock: d['firstRevealBlock'], lastRevealBlock: d['lastRevealBlock'] };
  }
  if (d['firstRevealBlock'] === undefined && d['lastRevealBlock'] === undefined && block(d['intendedBlock'])) return { ...base, intendedBlock: d['intendedBlock'] };
  return null;
}

/** Newest first by the block it is known by: its reveal window, or when it was about to be sent. */
const blockOf = (e: JournalEntry): number => ('intendedBlock' in e ? e.intendedBlock : e.firstRevealBlock);

/**
 * The reveal journal in `--mongodb.spool_dir`: the commits this validator is to reveal, written
 * ahead (a commit is in it before commit_weights is sent) and rewritten whole on every change, to
 * `reveals-journal-<hotkey>-<netuid>.jsonl` (synced, renamed), so it only ever holds the commits
 * still open. Their salts are in the store too, but a start after a crash while the store is down
 * could not read them and would let their reveal windows pass. The reveal scheduler reveals a
 * commit only while the chain lists its hash, so a stale entry is never revealed twice, and one
 * whose commit never landed is dropped once the chain shows it did not.
 *
 * One file per hotkey and subnet: validators sharing a spool directory never read or remove each
 * other's. Files of earlier releases (`reveals-<time>-<random>.jsonl`, written at shutdown) are
 * read too and removed once what they held is in the journal.
 */
export class RevealSpool implements RevealJournal {
  readonly #dir: string;
  readonly #logger: Logger;
  readonly #who: { hotkey: string; netuid: number };
  readonly #name: string;
  #older: string[] = [];

  constructor(dir: string, who: { hotkey: string; netuid: number }, logger: Logger) {
    this.#dir = dir;
    this.#who = who;
    this.#logger = logger;
    this.#name = `${JOURNAL_PREFIX}${who.hotkey}-${who.netuid}.jsonl`;
  }

  /** The journal's path (for operators and tests). */
  get file(): string {
    return `${this.#dir}/${this.#name}`;
  }

  async load(): Promise<JournalEntry[]> {
    const files = await readSpoolFiles(this.#dir, 'reveals');
    const entries: JournalEntry[] = [];
    for (const file of files) {
      const name = basename(file.path);
      const own = name === this.#name;
      if (!own && name.startsWith(JOURNAL_PREFIX)) continue; // another validator's
      // A line cut short (a hand edit, a bad restore) counts as left out, as a commit of the wrong shape does.
      let skipped = file.unreadable;
      for (const doc of file.docs) {
        const entry = entryFrom(doc, this.#who.hotkey, this.#who.netuid);
        if (entry) entries.push(entry);
        else skipped++;
      }
      if (skipped > 0) this.#logger.warn({ file: file.path, skipped }, 'spooled weight commits of the wrong shape (or another hotkey or subnet) left out');
      if (!own) this.#older.push(file.path);
    }
    return entries;
  }

  async save(entries: readonly JournalEntry[]): Promise<void> {
    let kept = entries;
    if (entries.length > MAX_JOURNAL_ENTRIES) {
      kept = [...entries].sort((a, b) => blockOf(b) - blockOf(a)).slice(0, MAX_JOURNAL_ENTRIES);
      this.#logger.warn({ commits: entries.length, kept: MAX_JOURNAL_ENTRIES }, 'more weight commits to reveal than the journal keeps; the oldest left out');
    }
    await replaceSpoolFile(this.#dir, this.#name, kept, MAX_JOURNAL_BYTES);
    await removeSpool(this.#older);
    this.#older = [];
  }
}
