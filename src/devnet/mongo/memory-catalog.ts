import { commandError } from './command-error.js';
import { MemoryCollection, type ChangeRecord } from './memory-collection.js';
import { WriteJournal, type JournalDamage } from './write-journal.js';

const DB_NAME = /^[^/\\. "$*<>:|?\0]{1,63}$/;

export function checkDbName(db: unknown): string {
  if (typeof db !== 'string' || !DB_NAME.test(db)) throw commandError('InvalidNamespace', `Invalid database name: '${String(db)}'`);
  return db;
}

export function checkCollectionName(db: string, name: unknown): string {
  if (typeof name !== 'string') throw commandError('InvalidNamespace', `collection name has invalid type ${typeof name}`);
  if (name === '' || name.includes('\0') || name.includes('$') || name.startsWith('.') || name.startsWith('system.')) {
    throw commandError('InvalidNamespace', `Invalid namespace specified '${db}.${name}'`);
  }
  return name;
}

/**
 * Every database and collection of the embedded server. Mutations are collected per command and
 * committed to the journal (when persistence is on) before the reply is sent.
 */
export class MemoryCatalog {
  #dbs = new Map<string, Map<string, MemoryCollection>>();
  #pending: ChangeRecord[] = [];
  #journal: WriteJournal | null = null;
  /** Set when the journal opened could not be read to its end (see WriteJournal.open). */
  damaged: JournalDamage | undefined;
  #record = (r: ChangeRecord): void => {
    if (this.#journal) this.#pending.push(r);
  };

  /** An empty catalog, or the state persisted in `dataDir`. */
  static open(dataDir?: string): MemoryCatalog {
    const catalog = new MemoryCatalog();
    if (dataDir === undefined) return catalog;
    const { journal, records, damaged } = WriteJournal.open(dataDir);
    catalog.damaged = damaged;
    try {
      for (const record of records) catalog.#replay(record);
      catalog.#journal = journal;
      journal.compact(catalog.#stateRecords());
    } catch (error) {
      journal.close();
      throw error;
    }
    return catalog;
  }

  #replay(r: ChangeRecord): void {
    switch (r.o) {
      case 'c':
        this.ensureCollection(r.d, r.c);
        break;
      case 'p':
        this.ensureCollection(r.d, r.c).collection.restore(r.doc);
        break;
      case 'r':
        this.collection(r.d, r.c)?.restoreRemove(r.id);
        break;
      case 'i':
        this.ensureCollection(r.d, r.c).collection.createIndex(r.spec);
        break;
      case 'x':
        this.collection(r.d, r.c)?.dropIndex(r.name);
        break;
      case 'D':
        this.dropCollection(r.d, r.c);
        break;
      case 'Z':
        this.dropDatabase(r.d);
        break;
    }
  }

  collection(db: string, name: string): MemoryCollection | undefined {
    return this.#dbs.get(db)?.get(name);
  }

  ensureCollection(db: string, name: string): { collection: MemoryCollection; created: boolean } {
    let collections = this.#dbs.get(db);
    if (!collections) {
      collections = new Map();
      this.#dbs.set(db, collections);
    }
    const existing = collections.get(name);
    if (existing) return { collection: existing, created: false };
    const collection = new MemoryCollection(db, name, this.#record);
    collections.set(name, collection);
    this.#record({ o: 'c', d: db, c: name });
    return { collection, created: true };
  }

  createCollection(db: string, name: string): MemoryCollection {
    const { collection, created } = this.ensureCollection(db, name);
    if (!created) throw commandError('NamespaceExists', `Collection ${db}.${name} already exists.`);
    return collection;
  }

  dropCollection(db: string, name: string): MemoryCollection | undefined {
    const collections = this.#dbs.get(db);
    const collection = collections?.get(name);
    if (!collections || !collection) return undefined;
    collections.delete(name);
    if (collections.size === 0) this.#dbs.delete(db);
    this.#record({ o: 'D', d: db, c: name });
    return collection;
  }

  dropDatabase(db: string): void {
    if (this.#dbs.delete(db)) this.#record({ o: 'Z', d: db });
  }

  databases(): string[] {
    return Array.from(this.#dbs.keys());
  }

  collections(db: string): MemoryCollection[] {
    return Array.from(this.#dbs.get(db)?.values() ?? []);
  }

  /** Makes the mutations of the current command durable. */
  commit(): void {
    if (!this.#journal || this.#pending.length === 0) return;
    const records = this.#pending;
    this.#pending = [];
    this.#journal.append(records);
    if (this.#journal.wantsCompaction) this.#journal.compact(this.#stateRecords());
  }

  close(): void {
    if (!this.#journal) return;
    this.commit();
    this.#journal.compact(this.#stateRecords());
    this.#journal.close();
    this.#journal = null;
  }

  *#stateRecords(): Generator<ChangeRecord> {
    for (const [db, collections] of this.#dbs) {
      for (const [name, collection] of collections) {
        yield { o: 'c', d: db, c: name };
        for (const spec of collection.indexes()) if (spec.name !== '_id_') yield { o: 'i', d: db, c: name, spec };
        for (const doc of collection.documents()) yield { o: 'p', d: db, c: name, doc };
      }
    }
  }
}
