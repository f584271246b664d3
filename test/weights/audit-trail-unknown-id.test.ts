import { describe, expect, it } from 'vitest';
import { StoreError, StoreUnavailableError } from '../../src/errors.js';
import { AuditTrail, auditRecord, type WeightAudit } from '../../src/weights/audit-trail.js';
import { useWatchedStore } from '../store/backend.js';

/**
 * An update for a weight-commit record the store does not hold (a reveal spool replayed against
 * another or a restored database, a record deleted by hand) or whose id is not an ObjectId (a
 * spool edited by hand) can never be written. Before, it was queued like an update held by an
 * outage and blocked the backlog for good: every later write-ahead record then failed with
 * "audit backlog not yet written; the store is still down", so no commit was sent again until a
 * restart.
 */

const watched = useWatchedStore();

describe('audit updates that can never be written', () => {
  it('are dropped with a warning, not queued; the backlog stays empty and the next write-ahead record is stored', async () => {
    const logger = { warn: (fields: Record<string, unknown>, msg: string) => watched.warnings.push({ ...fields, msg }), info: () => undefined, debug: () => undefined, error: () => undefined };
    const audited = new AuditTrail(watched.store.weightCommits, logger as never, watched.metrics);
    await audited.update({ id: '0123456789abcdef01234567' }, { state: 'revealed', revealed: true });
    await audited.update({ id: 'not-an-object-id' }, { state: 'revealed', revealed: true });
    expect(audited.backlog).toBe(0);
    expect(await audited.flush()).toBe(true);
    const ref = await audited.writeAhead(auditRecord({ hotkey: '5Hk', netuid: 89, versionKey: 0n }, 'commit', 'pending', { uids: [1], values: [1], versionKey: 0n }, null));
    expect(ref.id).toMatch(/^[0-9a-f]{24}$/);
    const dropped = watched.warnings.filter((w) => w['msg'] === 'audit update for a record the store cannot hold dropped');
    expect(dropped.map((w) => w['code'])).toEqual(['ERR_STORE_NOT_FOUND', 'TypeError']);
  });

  it('one queued during an outage is dropped when the store, back, does not know it; the updates after it are written', async () => {
    const answers: unknown[] = [new StoreUnavailableError('down'), new StoreError('no weight commit with id 0123456789abcdef01234567', 'ERR_STORE_NOT_FOUND')];
    const written: string[] = [];
    const audit = {
      record: async () => '0123456789abcdef0123456a',
      update: async (id: string) => {
        const answer = answers.shift();
        if (answer) throw answer;
        written.push(id);
      },
      pendingReveals: async () => [],
    } as unknown as WeightAudit;
    const logger = { warn: () => undefined, info: () => undefined, debug: () => undefined, error: () => undefined };
    const trail = new AuditTrail(audit, logger as never, watched.metrics);
    await trail.update({ id: '0123456789abcdef01234567' }, { state: 'revealed' });
    await trail.update({ id: '0123456789abcdef01234568' }, { state: 'expired' });
    expect(await trail.flush()).toBe(true);
    expect(written).toEqual(['0123456789abcdef01234568']);
    expect(trail.backlog).toBe(0);
  });
});
