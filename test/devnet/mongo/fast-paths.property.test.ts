import type { Document } from 'bson';
import fc from 'fast-check';
import { Query } from 'mingo';
import { update as mingoUpdate } from 'mingo/updater';
import { describe, expect, it } from 'vitest';
import { cloneDocument } from '../../../src/devnet/mongo/bson-values.js';
import { CommandExecutor } from '../../../src/devnet/mongo/command-executor.js';
import { MemoryCatalog } from '../../../src/devnet/mongo/memory-catalog.js';
import { applyUpdate } from '../../../src/devnet/mongo/update-engine.js';

// The embedded server decides top-level $set and plain equality filters itself instead of going
// through mingo (for bulk-upsert speed). These properties check it reaches mingo's answers.

const scalar = fc.oneof(fc.constantFrom('a', 'b', ''), fc.integer({ min: -2, max: 2 }), fc.boolean(), fc.constant(null), fc.constantFrom(new Date(0), new Date(1)));
const value = fc.oneof(scalar, fc.array(scalar, { maxLength: 3 }), fc.record({ x: scalar }, { requiredKeys: [] }));
const field = fc.constantFrom('f', 'g', 'h');
const doc = fc.dictionary(field, value, { maxKeys: 3 });
const conn = { connectionId: 1, remote: 'test' };

describe('embedded server fast paths agree with mingo', () => {
  it('top-level $set gives the same document, and reports a change whenever mingo does', () => {
    fc.assert(
      fc.property(doc, fc.dictionary(field, value, { minKeys: 1, maxKeys: 3 }), (d, set) => {
        const base: Document = { _id: 1, ...d };
        const ours = applyUpdate(base, { $set: set });
        const theirs = cloneDocument(base);
        const changed = mingoUpdate(theirs, { $set: cloneDocument(set) }, undefined, undefined, { cloneMode: 'copy' }).length > 0;
        expect(ours.doc).toEqual(theirs);
        if (changed) expect(ours.modified).toBe(true);
        expect(base).toEqual({ _id: 1, ...d }); // the stored document is never mutated
      }),
      { numRuns: 300 },
    );
  });

  it('equality filters (indexed or not) select the same documents as a mingo Query', () => {
    fc.assert(
      fc.property(
        fc.array(doc, { maxLength: 6 }),
        fc.dictionary(field, fc.oneof(scalar.filter((v) => v !== null), fc.record({ $eq: scalar.filter((v) => v !== null) })), { minKeys: 1, maxKeys: 2 }),
        fc.boolean(),
        (docs, filter, indexed) => {
          const catalog = MemoryCatalog.open();
          const executor = new CommandExecutor(catalog);
          const stored = docs.map((d, i) => ({ _id: i, ...d }));
          executor.execute('p', { insert: 'c', documents: stored }, conn);
          if (indexed) {
            // A unique index over 'f' gives the hash fast path when the filter pins 'f'.
            const reply = executor.execute('p', { createIndexes: 'c', indexes: [{ key: { f: 1 }, name: 'f_1', unique: true }] }, conn);
            if (reply.ok !== 1) return; // duplicates in generated data: not this property's concern
          }
          const reply = executor.execute('p', { find: 'c', filter }, conn);
          expect(reply.ok).toBe(1);
          const got = ((reply.cursor as Document).firstBatch as Document[]).map((d) => d._id as number);
          const query = new Query(filter);
          const want = stored.filter((d) => query.test(d)).map((d) => d._id);
          expect(got).toEqual(want);
        },
      ),
      { numRuns: 300 },
    );
  });
});
