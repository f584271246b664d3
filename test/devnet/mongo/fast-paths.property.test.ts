import type { Document } from 'bson';
import fc from 'fast-check';
import { Query } from 'mingo';
import { update as mingoUpdate } from 'mingo/updater';
import { describe, expect, it } from 'vitest';
import { Long } from 'bson';
import { cloneDocument, sameValue, valueKey } from '../../../src/devnet/mongo/bson-values.js';
import { CommandExecutor } from '../../../src/devnet/mongo/command-executor.js';
import { MemoryCatalog } from '../../../src/devnet/mongo/memory-catalog.js';
import { applyUpdate, validateUpdate } from '../../../src/devnet/mongo/update-engine.js';

// The embedded server decides top-level $set and plain equality filters itself instead of going
// through mingo (for bulk-upsert speed). These properties check it reaches mingo's answers.

const scalar = fc.oneof(fc.constantFrom('a', 'b', ''), fc.integer({ min: -2, max: 2 }), fc.boolean(), fc.constant(null), fc.constantFrom(new Date(0), new Date(1)));
const value = fc.oneof(scalar, fc.array(scalar, { maxLength: 3 }), fc.record({ x: scalar }, { requiredKeys: [], noNullPrototype: true }));
const field = fc.constantFrom('f', 'g', 'h');
// Documents arrive from the wire with Object.prototype (bson decodes them so), never a null one.
const doc = fc.dictionary(field, value, { maxKeys: 3, noNullPrototype: true });
const conn = { connectionId: 1, remote: 'test' };

describe('embedded server fast paths agree with mingo', () => {
  it('value equality decides every pair as the value keys do, scalars without building keys', () => {
    const any = fc.oneof(
      fc.string({ maxLength: 3 }),
      fc.constantFrom('n1', 's', 'b1', 'z'),
      fc.oneof(fc.integer({ min: -3, max: 3 }), fc.double(), fc.constantFrom(0, -0, Number.NaN, 1.5)),
      fc.boolean(),
      fc.constantFrom(null, undefined),
      fc.constantFrom(new Date(0), new Date(1), new Date(Number.NaN)),
      fc.constantFrom(Long.fromNumber(1), Long.fromNumber(0), Long.fromString('9223372036854775807')),
      fc.array(fc.integer({ min: 0, max: 2 }), { maxLength: 2 }),
      fc.record({ x: fc.integer({ min: 0, max: 2 }) }),
    );
    const nested = fc.letrec<{ node: unknown }>((tie) => ({
      node: fc.oneof(
        { depthSize: 'small' },
        any,
        fc.array(tie('node'), { maxLength: 3 }),
        fc.dictionary(fc.constantFrom('a', 'b', 'c'), tie('node'), { maxKeys: 3 }),
        fc.record({ a: tie('node'), b: tie('node') }, { requiredKeys: [] }),
      ),
    })).node;
    // Found by the properties below: an undefined array element is stored and keyed as null.
    for (const [a, b] of [[[undefined], [null]], [{ a: [undefined, 1] }, { a: [null, 1] }], [[undefined], [0]]] as const) {
      expect(sameValue(a, b)).toBe(valueKey(a) === valueKey(b));
    }
    expect(sameValue([undefined], [null])).toBe(true);
    fc.assert(
      fc.property(any, any, (a, b) => {
        expect(sameValue(a, b)).toBe(valueKey(a) === valueKey(b));
        expect(sameValue(a, a)).toBe(true);
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(nested, nested, (a, b) => {
        expect(sameValue(a, b)).toBe(valueKey(a) === valueKey(b));
        expect(sameValue(a, cloneDocument(a))).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses an operator pair on one top-level field, and any path with an empty part', () => {
    expect(() => validateUpdate({ $set: { a: 1 }, $inc: { a: 1 } })).toThrow("Updating the path 'a' would create a conflict at 'a'");
    expect(() => validateUpdate({ $set: { a: 1 }, $setOnInsert: { b: 1 }, $unset: { c: '' } })).not.toThrow();
    expect(() => validateUpdate({ $set: { 'a..b': 1 } })).toThrow('An empty update path is not valid.');
    expect(() => validateUpdate({ $set: { a: 1 }, $inc: { 'a.b': 1 } })).toThrow("Updating the path 'a.b' would create a conflict at 'a'");
  });

  it('a matched upsert whose update is only $setOnInsert changes nothing and copies nothing', () => {
    const stored: Document = { _id: 1, a: 1, nested: { b: [1, 2] } };
    const outcome = applyUpdate(stored, { $setOnInsert: { a: 2, c: 3 } });
    expect(outcome).toEqual({ doc: stored, modified: false });
    expect(outcome.doc).toBe(stored);
    expect(applyUpdate({ _id: 1 }, { $setOnInsert: { a: 2 } }, { inserting: true })).toEqual({ doc: { _id: 1, a: 2 }, modified: true });
  });

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

  it('equality and $in filters (indexed or not) select the same documents as a mingo Query', () => {
    fc.assert(
      fc.property(
        fc.array(doc, { maxLength: 6 }),
        fc.dictionary(
          field,
          fc.oneof(
            scalar.filter((v) => v !== null),
            fc.record({ $eq: scalar.filter((v) => v !== null) }),
            fc.record({ $in: fc.array(scalar.filter((v) => v !== null), { maxLength: 4 }) }),
          ),
          { minKeys: 1, maxKeys: 2 },
        ),
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
