/**
 * `GET /api/hitl?status=decided`: the inbox's Decided tab. Closed requests of runs the caller may see, newest decision
 * first, paged by the cursor; `respondedBy` narrows to one person's decisions. Both dialects.
 */
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startApiApp, type ApiApp } from '../helpers/api-app.js';
import { DIALECTS } from '../helpers/dialects.js';
import { plan, startTestFlowgate, type TestFlowgate } from '../helpers/flowgate.js';

const USERS = { alice: 'user', olly: 'user', appr: 'user' } as const;

const gate = (approvers: { user: string }[]) => ({
  id: 'gate',
  type: 'human_in_loop',
  deps: ['first'],
  config: { approvers },
});
const first = { id: 'first', agent: 'echo_agent', config: { input: { ok: true } } };

/** Private: alice owns it, appr decides; olly may not see it. */
const secretDag = plan('secret', [first, gate([{ user: 'appr' }])], {
  permissions: { owners: ['alice'], editors: [], viewers: ['appr'], isPublic: false },
});
/** Public: appr or alice decides. */
const openDag = plan('open', [first, gate([{ user: 'appr' }, { user: 'alice' }])]);

interface Item {
  requestId: string;
  dagId: string;
  status: string;
  respondedAt: string | null;
  respondedBy: string | null;
}
interface List {
  items: Item[];
  nextCursor: string | null;
}

for (const dialect of DIALECTS) {
  describe(`${dialect}: the Decided listing of HITL requests`, () => {
    let t: TestFlowgate;
    let api: ApiApp;
    /** Decided request ids in the order they were decided. */
    const decidedInOrder: { requestId: string; dagId: string; by: string }[] = [];
    let pendingId = '';

    const call = (
      who: string,
      method: 'GET' | 'POST',
      url: string,
      payload?: Record<string, unknown>,
    ): Promise<LightMyRequestResponse> => api.call(who, method, url, payload);

    const gated = async (dagId: string) => {
      const { workflowId } = await t.flowgate.start(dagId, { startedBy: 'alice' });
      await t.flowgate.waitFor(workflowId, { until: ['paused'], timeoutMs: 10_000 });
      const { items } = await t.flowgate.listHitl({ workflowId });
      expect(items).toHaveLength(1);
      return items[0]!.requestId;
    };

    /** Every page of a listing as `who`, two at a time. */
    const walk = async (who: string, query: string) => {
      const items: Item[] = [];
      let cursor: string | null = null;
      for (let pages = 0; pages < 20; pages++) {
        const url = `/api/hitl?status=decided&limit=2&${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
        const response = await call(who, 'GET', url);
        expect(response.statusCode, response.body).toBe(200);
        const page = response.json<List>();
        expect(page.items.length).toBeLessThanOrEqual(2);
        items.push(...page.items);
        cursor = page.nextCursor;
        if (cursor === null) return items;
      }
      throw new Error('the listing did not end');
    };

    beforeAll(async () => {
      t = await startTestFlowgate(dialect);
      api = await startApiApp(t.flowgate, USERS);
      await t.flowgate.putDag(secretDag, { createdBy: 'alice' });
      await t.flowgate.putDag(openDag, { createdBy: 'alice' });

      const plan: [string, string, 'approve' | 'reject'][] = [
        ['secret', 'appr', 'approve'],
        ['open', 'alice', 'approve'],
        ['secret', 'appr', 'reject'],
        ['open', 'appr', 'reject'],
        ['open', 'alice', 'reject'],
        ['secret', 'appr', 'approve'],
      ];
      for (const [dagId, by, action] of plan) {
        const requestId = await gated(dagId);
        const response = await call(by, 'POST', `/api/hitl/${requestId}/${action}`, {
          response: 'done',
        });
        expect(response.statusCode, response.body).toBe(200);
        decidedInOrder.push({ requestId, dagId, by });
        // Distinct decision times, so that "newest first" has one right answer to compare with.
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      pendingId = await gated('open');
    }, 60_000);

    afterAll(async () => {
      await api?.close();
      await t?.close();
    });

    it('lists every closed request the caller may see, newest decision first, paged', async () => {
      const all = await walk('admin', '');
      expect(all.map((r) => r.requestId)).toEqual(
        [...decidedInOrder].reverse().map((r) => r.requestId),
      );
      expect(all.some((r) => r.requestId === pendingId)).toBe(false);
      expect(all.every((r) => r.status !== 'pending' && r.respondedAt !== null)).toBe(true);
      expect(new Set(all.map((r) => r.status))).toEqual(new Set(['approved', 'rejected']));
    });

    it('leaves out the runs the caller may not see', async () => {
      const olly = await walk('olly', '');
      expect(olly.map((r) => r.requestId)).toEqual(
        decidedInOrder
          .filter((r) => r.dagId === 'open')
          .reverse()
          .map((r) => r.requestId),
      );
    });

    it('narrows to one person’s decisions with respondedBy', async () => {
      const alice = await walk('appr', 'respondedBy=alice');
      expect(alice.map((r) => r.requestId)).toEqual(
        decidedInOrder
          .filter((r) => r.by === 'alice')
          .reverse()
          .map((r) => r.requestId),
      );
      expect(alice.every((r) => r.respondedBy === 'alice')).toBe(true);
      expect(await walk('appr', 'respondedBy=nobody')).toEqual([]);
    });

    it('refuses respondedBy without status=decided, and a cursor that is not one', async () => {
      const mixed = await call('admin', 'GET', '/api/hitl?status=all&respondedBy=alice');
      expect(mixed.statusCode, mixed.body).toBe(400);
      expect(mixed.json<{ error: { message: string } }>().error.message).toMatch(/respondedBy/);
      const cursor = await call('admin', 'GET', '/api/hitl?status=decided&cursor=garbage');
      expect(cursor.statusCode, cursor.body).toBe(400);
    });
  });
}
