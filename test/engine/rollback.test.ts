/**
 * Snapshots and rollback with compensation (seed 003): snapshots written with each completion and the last 50 kept,
 * rollback running compensations in reverse order then resuming the run, a failing compensation failing the run,
 * and context variables that templates read. Both dialects.
 */
import { afterEach, describe, expect, it } from 'vitest';

import { DIALECTS } from '../helpers/dialects.js';
import { plan, startTestFlowgate, type TestFlowgate } from '../helpers/flowgate.js';

/** a → b → c → d, each a `step` tool undone by the `undo` tool. */
const chain = (dagId: string, undo = 'undo') =>
  plan(
    dagId,
    ['a', 'b', 'c', 'd'].map((id, i, all) => ({
      id,
      tool: 'step',
      deps: i === 0 ? [] : [all[i - 1]!],
      config: { input: { node: id } },
      compensate: { tool_name: undo, config: { input: { undo: id, had: '{{ output }}' } } },
    })),
  );

async function waitFor(check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

for (const dialect of DIALECTS) {
  describe(`${dialect}: snapshots and rollback`, () => {
    let t: TestFlowgate | undefined;
    afterEach(async () => {
      await t?.close();
      t = undefined;
    });

    it('rolls back across three completed nodes: three compensations in reverse order, then the run completes again', async () => {
      const steps: string[] = [];
      const undone: { input: unknown; key: string }[] = [];
      t = await startTestFlowgate(dialect, {
        tools: {
          step: (input: { node: string }) => {
            steps.push(input.node);
            return { did: input.node, n: steps.length };
          },
          undo: (input: unknown, ctx: { idempotencyKey: string }) => {
            undone.push({ input, key: ctx.idempotencyKey });
            return { undone: true };
          },
        },
      });
      const { workflowId } = await t.flowgate.start(chain('saga'));
      expect((await t.flowgate.waitFor(workflowId, { timeoutMs: 10_000 })).status).toBe(
        'completed',
      );
      const snapshots = await t.flowgate.listSnapshots(workflowId);
      expect(snapshots.map((s) => s.nodeId)).toEqual(['d', 'c', 'b', 'a']);
      const first = snapshots.at(-1)!;
      expect(first.stepIndex).toBe(0);
      expect(first.state.nodes).toEqual({
        a: { status: 'completed', output: { did: 'a', n: 1 } },
        b: { status: 'pending' },
        c: { status: 'pending' },
        d: { status: 'pending' },
      });
      expect(snapshots[0]!.state.nodes.d).toEqual({
        status: 'completed',
        output: { did: 'd', n: 4 },
      });

      const started = await t.flowgate.rollback(
        workflowId,
        { snapshotId: first.snapshotId },
        'alice',
      );
      expect(started.compensations.map((c) => c.nodeId)).toEqual(['d', 'c', 'b']);
      const run = await t.flowgate.waitFor(workflowId, { timeoutMs: 10_000 });
      expect(run.status).toBe('completed');
      expect(undone.map((u) => u.input)).toEqual([
        { undo: 'd', had: { did: 'd', n: 4 } },
        { undo: 'c', had: { did: 'c', n: 3 } },
        { undo: 'b', had: { did: 'b', n: 2 } },
      ]);
      expect(undone.map((u) => u.key)).toEqual(
        ['d', 'c', 'b'].map((node) => `${started.rollbackId}:${node}`),
      );
      // The nodes after the snapshot ran again; the one before it did not.
      expect(steps).toEqual(['a', 'b', 'c', 'd', 'b', 'c', 'd']);
      const types = (await t.flowgate.listEvents(workflowId)).map((e) => e.type);
      const saga = types.filter(
        (type) => type.startsWith('rollback_') || type.startsWith('compensation_'),
      );
      expect(saga).toEqual([
        'rollback_started',
        ...['d', 'c', 'b'].flatMap(() => ['compensation_started', 'compensation_completed']),
        'rollback_completed',
      ]);
      // The history after the snapshot was undone, then written again.
      expect((await t.flowgate.listSnapshots(workflowId)).map((s) => s.nodeId)).toEqual([
        'd',
        'c',
        'b',
        'a',
      ]);
      expect(await t.flowgate.listCompensations(workflowId)).toHaveLength(3);
    });

    it('a failing compensation stops the rollback and fails the run with its error', async () => {
      const undone: string[] = [];
      t = await startTestFlowgate(dialect, {
        tools: {
          step: (input: { node: string }) => ({ did: input.node }),
          undo: (input: { undo: string }) => {
            undone.push(input.undo);
            if (input.undo === 'c') throw new Error('the refund was refused');
            return null;
          },
        },
      });
      const { workflowId } = await t.flowgate.start(chain('saga_fails'));
      await t.flowgate.waitFor(workflowId, { timeoutMs: 10_000 });
      const first = (await t.flowgate.listSnapshots(workflowId)).at(-1)!;
      await t.flowgate.rollback(workflowId, { snapshotId: first.snapshotId }, 'alice');
      const run = await t.flowgate.waitFor(workflowId, { timeoutMs: 10_000 });
      expect(run.status).toBe('failed');
      expect(run.error).toContain('Compensation of node c failed: the refund was refused');
      // Nothing after the failure ran: b was not compensated.
      expect(undone).toEqual(['d', 'c']);
      const types = (await t.flowgate.listEvents(workflowId)).map((e) => e.type);
      expect(types).toContain('compensation_failed');
      expect(types).toContain('rollback_failed');
    });

    it('a rollback after a failed one does not run again what the failed one compensated', async () => {
      const undone: string[] = [];
      let refuse = true;
      t = await startTestFlowgate(dialect, {
        tools: {
          step: (input: { node: string }) => ({ did: input.node }),
          undo: (input: { undo: string }) => {
            undone.push(input.undo);
            if (input.undo === 'c' && refuse) {
              refuse = false;
              throw new Error('not yet');
            }
            return null;
          },
        },
      });
      const { workflowId } = await t.flowgate.start(chain('saga_again'));
      await t.flowgate.waitFor(workflowId, { timeoutMs: 10_000 });
      await t.flowgate.rollback(workflowId, { stepIndex: 0 }, 'alice');
      expect((await t.flowgate.waitFor(workflowId, { timeoutMs: 10_000 })).status).toBe('failed');
      expect(
        (await t.flowgate.listCompensations(workflowId)).map((c) => [c.nodeId, c.status]),
      ).toEqual([
        ['d', 'completed'],
        ['c', 'pending'],
        ['b', 'pending'],
      ]);

      const again = await t.flowgate.rollback(workflowId, { stepIndex: 0 }, 'alice');
      expect(again.compensations.map((c) => [c.nodeId, c.status])).toEqual([
        ['d', 'completed'],
        ['c', 'pending'],
        ['b', 'pending'],
      ]);
      expect((await t.flowgate.waitFor(workflowId, { timeoutMs: 10_000 })).status).toBe(
        'completed',
      );
      expect(undone).toEqual(['d', 'c', 'c', 'b']);
      const skipped = (await t.flowgate.listEvents(workflowId)).filter(
        (e) => e.type === 'compensation_skipped',
      );
      expect(skipped.map((e) => (e.data as { node_id: string }).node_id)).toEqual(['d']);
    });

    it('refuses a snapshot of another run (404) and a run that is already rolling back (409)', async () => {
      let release: () => void = () => undefined;
      const blocked = new Promise<void>((resolve) => (release = resolve));
      t = await startTestFlowgate(dialect, {
        tools: {
          step: (input: { node: string }) => ({ did: input.node }),
          undo: () => blocked.then(() => null),
        },
      });
      await t.flowgate.putDag(chain('saga_twice'));
      const one = await t.flowgate.start('saga_twice');
      const other = await t.flowgate.start('saga_twice');
      await t.flowgate.waitFor(one.workflowId, { timeoutMs: 10_000 });
      await t.flowgate.waitFor(other.workflowId, { timeoutMs: 10_000 });
      const foreign = (await t.flowgate.listSnapshots(other.workflowId)).at(-1)!;
      await expect(
        t.flowgate.rollback(one.workflowId, { snapshotId: foreign.snapshotId }, 'alice'),
      ).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await t.flowgate.rollback(one.workflowId, { stepIndex: 0 }, 'alice');
      await expect(
        t.flowgate.rollback(one.workflowId, { stepIndex: 0 }, 'alice'),
      ).rejects.toMatchObject({ code: 'RUN_NOT_ACTIVE' });
      release();
      expect((await t.flowgate.waitFor(one.workflowId, { timeoutMs: 10_000 })).status).toBe(
        'completed',
      );
    });

    it('cancelling a run that is rolling back ends the rollback; a running run is not rolled back (409)', async () => {
      let releaseStep: () => void = () => undefined;
      const stepHeld = new Promise<void>((resolve) => (releaseStep = resolve));
      let releaseUndo: () => void = () => undefined;
      const undoHeld = new Promise<void>((resolve) => (releaseUndo = resolve));
      const undone: string[] = [];
      t = await startTestFlowgate(dialect, {
        tools: {
          step: (input: { node: string }) =>
            input.node === 'd' ? stepHeld.then(() => null) : null,
          undo: (input: { undo: string }) => {
            undone.push(input.undo);
            return undoHeld.then(() => null);
          },
        },
      });
      const { workflowId } = await t.flowgate.start(chain('saga_cancel'));
      await waitFor(async () => (await t!.flowgate.listSnapshots(workflowId)).length === 3);
      // d is in flight: the run is running.
      await expect(
        t.flowgate.rollback(workflowId, { stepIndex: 0 }, 'alice'),
      ).rejects.toMatchObject({ code: 'RUN_NOT_ACTIVE' });
      releaseStep();
      await t.flowgate.waitFor(workflowId, { timeoutMs: 10_000 });

      await t.flowgate.rollback(workflowId, { stepIndex: 0 }, 'alice');
      await waitFor(() => Promise.resolve(undone.length === 1));
      const cancelled = await t.flowgate.cancel(workflowId, 'alice');
      expect(cancelled.status).toBe('cancelled');
      releaseUndo();
      expect((await t.flowgate.listEvents(workflowId)).map((e) => e.type)).toContain(
        'rollback_cancelled',
      );
      // The compensation in flight finishes and is recorded; nothing after it runs.
      await waitFor(async () =>
        (await t!.flowgate.listEvents(workflowId)).some((e) => e.type === 'compensation_completed'),
      );
      expect(undone).toEqual(['d']);
      expect((await t.flowgate.getWorkflow(workflowId)).status).toBe('cancelled');
    });

    it('keeps the last 50 snapshots: the 51st evicts the first', async () => {
      t = await startTestFlowgate(dialect);
      const ids = Array.from({ length: 51 }, (_, i) => `n${i + 1}`);
      const { workflowId } = await t.flowgate.start(
        plan(
          'long',
          ids.map((id, i) => ({ id, deps: i === 0 ? [] : [ids[i - 1]!], config: { input: i } })),
        ),
      );
      expect((await t.flowgate.waitFor(workflowId, { timeoutMs: 20_000 })).status).toBe(
        'completed',
      );
      const snapshots = await t.flowgate.listSnapshots(workflowId);
      expect(snapshots).toHaveLength(50);
      expect(snapshots[0]!.nodeId).toBe('n51');
      expect(snapshots.at(-1)!.nodeId).toBe('n2');
      expect(snapshots.at(-1)!.stepIndex).toBe(1);
      // The evicted completion's output still shows, from the node itself.
      expect(snapshots.at(-1)!.state.nodes.n1).toEqual({ status: 'completed', output: 0 });
      expect(snapshots[0]!.state.nodes.n51).toEqual({ status: 'completed', output: 50 });
      await expect(
        t.flowgate.rollback(workflowId, { stepIndex: 0 }, 'alice'),
      ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    });

    it('keeps the last 50 when many nodes complete in one commit', async () => {
      t = await startTestFlowgate(dialect);
      const ids = Array.from({ length: 70 }, (_, i) => `p${i}`);
      const { workflowId } = await t.flowgate.start(
        plan('wide', [
          ...ids.map((id) => ({ id, config: { input: id } })),
          { id: 'join', deps: ids, config: { input: 'joined' } },
        ]),
      );
      expect((await t.flowgate.waitFor(workflowId, { timeoutMs: 20_000 })).status).toBe(
        'completed',
      );
      const snapshots = await t.flowgate.listSnapshots(workflowId);
      expect(snapshots).toHaveLength(50);
      expect(snapshots[0]!.nodeId).toBe('join');
      expect(snapshots.map((s) => s.stepIndex)).toEqual(
        Array.from({ length: 50 }, (_, i) => 70 - i),
      );
      expect(Object.values(snapshots[0]!.state.nodes).every((n) => n.status === 'completed')).toBe(
        true,
      );
    });

    it('context variables: updated atomically, read by later templates, kept in snapshots', async () => {
      t = await startTestFlowgate(dialect);
      const { workflowId } = await t.flowgate.start(
        plan('ctx', [
          { id: 'first', config: { input: { ok: true } } },
          { id: 'gate', type: 'human_in_loop', deps: ['first'], config: { message: 'Go?' } },
          {
            id: 'later',
            deps: ['gate'],
            config: { input: { limit: '{{ context.limit }}', who: '{{ $context.owner }}' } },
          },
        ]),
      );
      await t.flowgate.waitFor(workflowId, { until: ['paused'], timeoutMs: 10_000 });
      await t.flowgate.updateContext(workflowId, { limit: 5 }, 'alice');
      const updated = await t.flowgate.updateContext(workflowId, { owner: 'bob' }, 'alice');
      expect(updated.context).toEqual({ limit: 5, owner: 'bob' });
      const [request] = (await t.flowgate.listHitl({ workflowId })).items;
      await t.flowgate.approve(request!.requestId, 'approver');
      const run = await t.flowgate.waitFor(workflowId, { timeoutMs: 10_000 });
      expect(run.result).toEqual({ limit: 5, who: 'bob' });
      const [latest] = await t.flowgate.listSnapshots(workflowId);
      expect(latest!.state.context).toEqual({ limit: 5, owner: 'bob' });
      await expect(t.flowgate.updateContext(workflowId, { x: 1 }, 'alice')).rejects.toMatchObject({
        code: 'RUN_NOT_ACTIVE',
      });
    });
  });
}
