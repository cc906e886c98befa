import { afterEach, describe, expect, it } from 'vitest';

import { ManualClock, toIso } from '../../src/shared/clock.js';
import {
  claimReadyNodes,
  getNode,
  requeueExpiredLeases,
  updateNodes,
} from '../../src/store/repositories/workflow-nodes.js';
import { DIALECTS } from '../helpers/dialects.js';
import { plan, startTestFlowgate, type TestFlowgate } from '../helpers/flowgate.js';

const runnable = { agents: ['echo_agent'], tools: [] };

for (const dialect of DIALECTS) {
  describe(`${dialect}: leases`, () => {
    let t: TestFlowgate | undefined;
    afterEach(async () => {
      await t?.close();
      t = undefined;
    });

    it('fences out a worker whose lease expired: its late result is not committed', async () => {
      // A client only: this test plays the part of two workers by hand.
      t = await startTestFlowgate(dialect, { workers: false });
      const { workflowId } = await t.flowgate.start(plan('fenced', [{ id: 'a' }]));
      const store = t.flowgate.store;
      const skipLocked = store.capabilities.skipLocked;
      const clock = new ManualClock(Date.now());
      const now = () => toIso(clock.now());

      const [first] = await store.transaction((tx) =>
        claimReadyNodes(tx, {
          owner: 'w1',
          now: now(),
          leaseExpiresAt: toIso(clock.now() + 1000),
          limit: 10,
          skipLocked,
          runnable,
        }),
      );
      expect(first).toMatchObject({ nodeId: 'a', attempt: 1 });

      clock.advance(1500);
      const requeued = await store.transaction((tx) => requeueExpiredLeases(tx, now(), 10));
      expect(requeued.map((n) => n.nodeId)).toEqual(['a']);
      const [second] = await store.transaction((tx) =>
        claimReadyNodes(tx, {
          owner: 'w2',
          now: now(),
          leaseExpiresAt: toIso(clock.now() + 1000),
          limit: 10,
          skipLocked,
          runnable,
        }),
      );
      expect(second).toMatchObject({ nodeId: 'a', attempt: 2 });

      const late = await store.transaction((tx) =>
        updateNodes(tx, [
          {
            id: first!.id,
            set: { status: 'completed', result: '"late"' },
            expect: { statuses: ['running'], leaseOwner: 'w1', attempt: 1 },
          },
        ]),
      );
      expect(late.size).toBe(0);
      const current = await store.transaction((tx) =>
        updateNodes(tx, [
          {
            id: second!.id,
            set: { status: 'completed', result: '"fresh"' },
            expect: { statuses: ['running'], leaseOwner: 'w2', attempt: 2 },
          },
        ]),
      );
      expect(current.size).toBe(1);
      const node = await store.read((db) => getNode(db, workflowId, 'a'));
      expect(node?.result).toBe('"fresh"');
    });

    it('does not hand one ready node to two concurrent claims', async () => {
      t = await startTestFlowgate(dialect, { workers: false });
      await t.flowgate.startMany(
        plan('many', [{ id: 'a' }]),
        Array.from({ length: 40 }, () => null),
      );
      const store = t.flowgate.store;
      const claim = (owner: string) =>
        store.transaction((tx) =>
          claimReadyNodes(tx, {
            owner,
            now: toIso(Date.now()),
            leaseExpiresAt: toIso(Date.now() + 60_000),
            limit: 7,
            skipLocked: store.capabilities.skipLocked,
            runnable,
          }),
        );
      const claims = await Promise.all(Array.from({ length: 8 }, (_, i) => claim(`w${i}`)));
      const ids = claims.flat().map((n) => n.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids).toHaveLength(40);
    });
  });
}
