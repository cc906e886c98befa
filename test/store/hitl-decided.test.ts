/**
 * The Decided listing of HITL requests: every closed request, newest decision first, paged by a keyset cursor on
 * (responded_at, request_id), optionally only those one person closed; and the planners of both dialects read it
 * through the partial indexes of migration 0011 in index order (no sort of all closed requests). Both dialects.
 */
import { CompiledQuery } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/port.js';
import {
  closeHitlRequest,
  decidedHitlQuery,
  insertHitlRequests,
  listDecidedHitlRequests,
  type DecidedHitlFilter,
  type HitlRequestRecord,
} from '../../src/store/repositories/hitl-requests.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/dialects.js';

const TOTAL = 3000;
const BASE = Date.parse('2026-01-01T00:00:00.000Z');
const iso = (ms: number) => new Date(BASE + ms).toISOString();
const DECIDERS = ['ann', 'bob', 'cy'] as const; // ann closes none (i % 3 === 0 stays pending)

/** Request i: pending when i % 3 === 0; else closed by DECIDERS[i % 3] at a time that repeats in pairs (ties). */
function shape(i: number) {
  const requestId = `req-${String(i).padStart(5, '0')}`;
  if (i % 3 === 0) return { requestId, closed: null };
  return {
    requestId,
    closed: {
      status: i % 2 === 0 ? 'approved' : 'rejected',
      respondedAt: iso(60_000 + Math.floor(i / 2) * 1000),
      respondedBy: DECIDERS[i % 3]!,
    },
  };
}

const byDecisionDesc = (a: HitlRequestRecord, b: HitlRequestRecord) =>
  (b.respondedAt ?? '').localeCompare(a.respondedAt ?? '') ||
  b.requestId.localeCompare(a.requestId);

for (const dialect of DIALECTS) {
  describe(`${dialect}: decided HITL requests`, () => {
    let db: TestDatabase;
    let store: Store;

    beforeAll(async () => {
      db = await createTestDatabase(dialect);
      store = await openStore(db.url);
      await store.migrateToLatest();
      const shapes = Array.from({ length: TOTAL }, (_, i) => shape(i));
      await store.transaction(async (tx) => {
        for (let start = 0; start < TOTAL; start += 500) {
          await insertHitlRequests(
            tx,
            shapes.slice(start, start + 500).map(({ requestId }, k) => ({
              requestId,
              workflowId: `wf-${(start + k) % 40}`,
              nodeId: 'gate',
              dagId: 'dag',
              attempt: 1,
              message: `request ${requestId}`,
              spec: '{}',
              context: '{}',
              runStartedBy: null,
              expiresAt: null,
              now: iso(start + k),
            })),
          );
        }
        for (const { requestId, closed } of shapes) {
          if (!closed) continue;
          const done = await closeHitlRequest(tx, requestId, {
            ...closed,
            response: null,
            decision: null,
          });
          expect(done).toBe(true);
        }
      });
      if (dialect === 'postgres')
        await store.read((tx) => tx.executeQuery(CompiledQuery.raw('analyze')));
    });

    afterAll(async () => {
      await store?.close();
      await db?.drop();
    });

    /** Every page of a listing, following the cursor of the last row. */
    async function walk(filter: Omit<DecidedHitlFilter, 'limit' | 'after'>, pageSize: number) {
      const seen: HitlRequestRecord[] = [];
      let after: DecidedHitlFilter['after'];
      for (let pages = 0; pages < TOTAL; pages++) {
        const page = await store.read((tx) =>
          listDecidedHitlRequests(tx, { ...filter, limit: pageSize, ...(after ? { after } : {}) }),
        );
        seen.push(...page);
        if (page.length < pageSize) return seen;
        const last = page[page.length - 1]!;
        after = { respondedAt: last.respondedAt!, requestId: last.requestId };
      }
      throw new Error('the listing did not end');
    }

    it('lists every closed request once, newest decision first, across pages with tied times', async () => {
      const all = await walk({}, 97);
      const expected = Array.from({ length: TOTAL }, (_, i) => shape(i)).filter((s) => s.closed);
      expect(all).toHaveLength(expected.length);
      expect(new Set(all.map((r) => r.requestId)).size).toBe(expected.length);
      expect(all.every((r) => r.status !== 'pending' && r.respondedAt !== null)).toBe(true);
      expect(all.map((r) => r.requestId)).toEqual(
        [...all].sort(byDecisionDesc).map((r) => r.requestId),
      );
      // The newest decision is the highest closed index (2999 is closed: 2999 % 3 = 2).
      expect(all[0]!.requestId).toBe('req-02999');
    });

    it('narrows to the requests one person closed, and to one run', async () => {
      const bob = await walk({ respondedBy: 'bob' }, 50);
      expect(bob.length).toBe(
        Array.from({ length: TOTAL }, (_, i) => i).filter((i) => i % 3 === 1).length,
      );
      expect(bob.every((r) => r.respondedBy === 'bob')).toBe(true);
      expect(bob.map((r) => r.requestId)).toEqual(
        [...bob].sort(byDecisionDesc).map((r) => r.requestId),
      );
      expect(await walk({ respondedBy: 'ann' }, 50)).toEqual([]);
      const run = await walk({ workflowId: 'wf-7' }, 10);
      expect(run.length).toBeGreaterThan(0);
      expect(run.every((r) => r.workflowId === 'wf-7' && r.status !== 'pending')).toBe(true);
      expect(await walk({ dagIds: [] }, 10)).toEqual([]);
    });

    /** How the dialect's planner runs the listing's query, as text. */
    async function plan(filter: DecidedHitlFilter): Promise<string> {
      return store.read(async (tx) => {
        const compiled = decidedHitlQuery(tx, filter).compile();
        const prefix = dialect === 'sqlite' ? 'explain query plan ' : 'explain ';
        const result = await tx.executeQuery<Record<string, unknown>>(
          CompiledQuery.raw(prefix + compiled.sql, [...compiled.parameters]),
        );
        return result.rows.map((row) => String(row.detail ?? row['QUERY PLAN'])).join('\n');
      });
    }

    it('is read through the partial indexes in their order, with no sort', async () => {
      const after = { respondedAt: iso(60_000 + 700 * 1000), requestId: 'req-01400' };
      const cases: [DecidedHitlFilter, string][] = [
        [{ limit: 51 }, 'idx_hitl_requests_decided'],
        [{ limit: 51, after }, 'idx_hitl_requests_decided'],
        [{ limit: 51, respondedBy: 'bob' }, 'idx_hitl_requests_decided_by'],
        [{ limit: 51, respondedBy: 'bob', after }, 'idx_hitl_requests_decided_by'],
      ];
      for (const [filter, index] of cases) {
        const text = await plan(filter);
        // PostgreSQL may also serve one decider's page from the broader index, filtering as it goes: still in order.
        expect(text, text).toContain(dialect === 'sqlite' ? index : 'idx_hitl_requests_decided');
        if (dialect === 'sqlite' && index === 'idx_hitl_requests_decided') {
          expect(text).not.toContain('_decided_by');
        }
        // SQLite sorts with a temporary B-tree, PostgreSQL with a Sort node. SQLite never may; PostgreSQL weighs the
        // rows left past a cursor, and when few are (a few hundred here) it may fetch them by bitmap and sort them,
        // so for it the first page, the one the inbox opens on, is what must come in index order.
        if (dialect === 'sqlite' || !filter.after)
          expect(text, text).not.toMatch(/TEMP B-TREE|Sort/i);
      }
    });
  });
}
