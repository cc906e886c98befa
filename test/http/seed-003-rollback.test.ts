/**
 * Seed 003's stage workflows end to end through its endpoints: sequential stages with an approval gate per stage,
 * context variables that later stages read (`PATCH /api/workflows/state` `updateContext`), snapshots
 * (`GET /api/workflows/state`), compensation actions (`GET /api/workflows/rollback`) and a rollback across stages
 * (`POST /api/workflows/rollback`); parallel and conditional stages, and recovery of a failed run. Both dialects.
 */
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { AuthService } from '../../src/app/accounts.js';
import { buildServer, type FlowgateServer } from '../../src/http/build-server.js';
import { systemClock } from '../../src/shared/clock.js';
import { DIALECTS } from '../helpers/dialects.js';
import { startTestFlowgate, type TestFlowgate } from '../helpers/flowgate.js';

const SECRET = 'a-test-secret-of-at-least-32-characters!';
const PASSWORD = 'p4ssword-long-enough';
const USERS = ['alice', 'appr', 'olly'] as const;
type User = (typeof USERS)[number];

const PERMISSIONS = { owners: ['alice'], editors: [], viewers: ['appr'], isPublic: false };
const GATE = { approvers: [{ user: 'appr' }] };

/** Three sequential stages; the last two wait for an approval and read context variables. */
const launch = (id: string) => ({
  id,
  name: 'Launch',
  type: 'sequential',
  permissions: PERMISSIONS,
  stages: [
    {
      id: 'collect',
      tool_name: 'work',
      input: { stage: 'collect' },
      compensate: { tool_name: 'undo' },
    },
    {
      id: 'prepare',
      tool_name: 'work',
      input: { stage: 'prepare', limit: '{{ context.limit }}' },
      approval: GATE,
      compensate: { tool_name: 'undo', config: { input: { stage: 'prepare' } } },
    },
    {
      id: 'publish',
      tool_name: 'work',
      input: { stage: 'publish', channel: '{{ context.channel }}' },
      approval: GATE,
      compensate: { tool_name: 'undo', config: { input: { stage: 'publish' } } },
    },
  ],
});

interface Snapshot {
  snapshotId: string;
  nodeId: string;
  stepIndex: number;
  state: { nodes: Record<string, { status: string }>; context: unknown };
}

function expectError(response: LightMyRequestResponse, status: number, code: string) {
  expect(response.statusCode, response.body).toBe(status);
  expect(response.json<{ error: { code: string } }>().error.code).toBe(code);
}

async function waitUntil(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

let unique = 0;
const next = () => `${Date.now().toString(36)}${++unique}`;

for (const dialect of DIALECTS) {
  describe(`${dialect}: seed 003's stages, snapshots and rollback`, () => {
    let t: TestFlowgate;
    let app: FlowgateServer;
    const tokens = new Map<User, string>();
    const work: { stage: string; [key: string]: unknown }[] = [];
    const undone: unknown[] = [];
    const failOnce = new Set<string>();

    const call = (
      who: User,
      method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
      url: string,
      payload?: object,
    ) =>
      app.inject({
        method,
        url,
        headers: { authorization: `Bearer ${tokens.get(who)!}` },
        ...(payload !== undefined ? { payload } : {}),
      });

    const execute = async (workflow: object): Promise<string> => {
      const started = await call('alice', 'POST', '/api/workflows/execute', { workflow });
      expect(started.statusCode, started.body).toBe(201);
      return started.json<{ workflowId: string }>().workflowId;
    };

    /** Approves the run's one pending gate (as appr, through seed 003's endpoint) once it is raised. */
    const approveGate = async (workflowId: string): Promise<string> => {
      let gate: { requestId: string; nodeId: string } | undefined;
      await waitUntil(async () => {
        gate = (await t.flowgate.listHitl({ workflowId })).items[0];
        return gate !== undefined;
      }, 'a gate');
      const decided = await call('appr', 'POST', '/api/workflows/approvals', {
        gateId: gate!.requestId,
        decision: { approved: true },
      });
      expect(decided.statusCode, decided.body).toBe(200);
      return gate!.nodeId;
    };

    beforeAll(async () => {
      t = await startTestFlowgate(dialect, {
        tools: {
          work: (input: { stage: string }) => {
            work.push(input);
            if (failOnce.delete(input.stage)) throw new Error(`${input.stage} broke`);
            return { done: input.stage };
          },
          undo: (input: unknown) => {
            undone.push(input);
            return { undone: true };
          },
        },
      });
      const auth = new AuthService({
        store: t.flowgate.store,
        clock: systemClock,
        jwtSecret: SECRET,
      });
      app = buildServer({ flowgate: t.flowgate, auth });
      await app.ready();
      for (const username of USERS) {
        await auth.createUser({ username, password: PASSWORD, role: 'user' });
        const login = await app.inject({
          method: 'POST',
          url: '/api/auth/login',
          payload: { username, password: PASSWORD },
        });
        expect(login.statusCode, login.body).toBe(200);
        tokens.set(username, login.json<{ accessToken: string }>().accessToken);
      }
    });
    afterAll(async () => {
      await app?.close();
      await t?.close();
    });

    it('runs sequential stages with gates and context, then rolls back across stages and runs them again', async () => {
      work.length = 0;
      undone.length = 0;
      const workflowId = await execute(launch(`launch_${next()}`));
      // Stage 2's gate: set the variables stages 2 and 3 read, then approve.
      await waitUntil(
        async () => (await t.flowgate.listHitl({ workflowId })).items.length === 1,
        'the first gate',
      );
      const context = await call('alice', 'PATCH', '/api/workflows/state', {
        workflowId,
        action: 'updateContext',
        data: { limit: 5, channel: 'web' },
      });
      expect(context.statusCode, context.body).toBe(200);
      expect(await approveGate(workflowId)).toBe('prepare_approval');
      expect(await approveGate(workflowId)).toBe('publish_approval');
      expect((await t.flowgate.waitFor(workflowId, { timeoutMs: 10_000 })).status).toBe(
        'completed',
      );
      expect(work).toEqual([
        { stage: 'collect' },
        { stage: 'prepare', limit: 5 },
        { stage: 'publish', channel: 'web' },
      ]);

      // Five snapshots: one per completed stage and gate; the state of each is whole.
      const state = await call('appr', 'GET', `/api/workflows/state?workflowId=${workflowId}`);
      expect(state.statusCode, state.body).toBe(200);
      const snapshots = state.json<{ snapshots: Snapshot[] }>().snapshots;
      expect(snapshots.map((s) => s.nodeId)).toEqual([
        'publish',
        'publish_approval',
        'prepare',
        'prepare_approval',
        'collect',
      ]);
      expect(snapshots.at(-1)!.state.nodes).toMatchObject({
        collect: { status: 'completed' },
        prepare_approval: { status: 'waiting_hitl' },
        prepare: { status: 'pending' },
      });
      expect(snapshots[2]!.state.context).toEqual({ limit: 5, channel: 'web' });

      // What a full rollback would run: the stages' compensations, newest first; the gates only go back.
      const actions = await call('appr', 'GET', `/api/workflows/rollback?workflowId=${workflowId}`);
      expect(actions.statusCode, actions.body).toBe(200);
      expect(
        actions.json<{
          actions: { nodeId: string; status: string; toolName?: string }[];
          count: number;
        }>(),
      ).toEqual({
        actions: [
          expect.objectContaining({ nodeId: 'publish', toolName: 'undo', status: 'pending' }),
          expect.objectContaining({ nodeId: 'publish_approval', status: 'none' }),
          expect.objectContaining({ nodeId: 'prepare', toolName: 'undo', status: 'pending' }),
          expect.objectContaining({ nodeId: 'prepare_approval', status: 'none' }),
        ],
        count: 4,
      });

      // Only those who may control the run roll it back; a step must be named.
      expectError(
        await call('appr', 'POST', '/api/workflows/rollback', {
          workflowId,
          action: 'rollbackToStep',
          targetStepIndex: 0,
        }),
        403,
        'FORBIDDEN',
      );
      expectError(
        await call('alice', 'POST', '/api/workflows/rollback', {
          workflowId,
          action: 'rollbackToStep',
        }),
        400,
        'BAD_REQUEST',
      );
      expectError(
        await call('alice', 'POST', '/api/workflows/rollback', {
          workflowId,
          action: 'rollbackToStep',
          snapshotId: 'not-a-snapshot',
        }),
        404,
        'NOT_FOUND',
      );

      // Back to the state after the first stage: stages 3 and 2 are compensated, in that order.
      const rolled = await call('alice', 'POST', '/api/workflows/rollback', {
        workflowId,
        action: 'rollbackToStep',
        targetStepIndex: 0,
      });
      expect(rolled.statusCode, rolled.body).toBe(200);
      expect(rolled.json()).toMatchObject({
        success: true,
        workflowId,
        action: 'rollbackToStep',
        snapshotId: snapshots.at(-1)!.snapshotId,
      });
      await waitUntil(
        async () => (await t.flowgate.listHitl({ workflowId })).items.length === 1,
        'the run to resume at the first gate',
      );
      expect(undone).toEqual([{ stage: 'publish' }, { stage: 'prepare' }]);
      const resumed = await call('alice', 'GET', `/api/workflows/state?workflowId=${workflowId}`);
      const after = resumed.json<{
        state: { completedNodes: string[]; context: { variables: unknown } };
        snapshots: Snapshot[];
      }>();
      expect(after.state.completedNodes).toEqual(['collect']);
      // The context is the snapshot's: set after the first stage, so empty again.
      expect(after.state.context.variables).toEqual({});
      expect(after.snapshots.map((s) => s.nodeId)).toEqual(['collect']);

      // The stages run again, reading the new context.
      await call('alice', 'PATCH', '/api/workflows/state', {
        workflowId,
        action: 'updateContext',
        data: { limit: 7, channel: 'mail' },
      });
      await approveGate(workflowId);
      await approveGate(workflowId);
      expect((await t.flowgate.waitFor(workflowId, { timeoutMs: 10_000 })).status).toBe(
        'completed',
      );
      expect(work.slice(3)).toEqual([
        { stage: 'prepare', limit: 7 },
        { stage: 'publish', channel: 'mail' },
      ]);
      const types = (await t.flowgate.listEvents(workflowId)).map((e) => e.type);
      expect(types.filter((type) => type.startsWith('rollback_'))).toEqual([
        'rollback_started',
        'rollback_completed',
      ]);
    });

    it('runs parallel stages, and recovers a failed conditional stage workflow', async () => {
      work.length = 0;
      const parallel = await execute({
        id: `parallel_${next()}`,
        type: 'parallel',
        permissions: PERMISSIONS,
        stages: [
          { id: 'east', tool_name: 'work', input: { stage: 'east' } },
          { id: 'west', tool_name: 'work', input: { stage: 'west' } },
          { id: 'report', tool_name: 'work', input: { stage: 'report' }, approval: GATE },
        ],
      });
      await approveGate(parallel);
      expect((await t.flowgate.waitFor(parallel, { timeoutMs: 10_000 })).status).toBe('completed');
      expect(work.map((w) => w.stage).sort()).toEqual(['east', 'report', 'west']);

      // Conditional: a stage whose condition is false is skipped, the later ones still run.
      failOnce.add('ship');
      const conditional = await execute({
        id: `conditional_${next()}`,
        type: 'conditional',
        permissions: PERMISSIONS,
        stages: [
          { id: 'check', tool_name: 'work', input: { stage: 'check' } },
          { id: 'refund', tool_name: 'work', input: { stage: 'refund' }, condition: 'false' },
          { id: 'ship', tool_name: 'work', input: { stage: 'ship' }, approval: GATE },
        ],
      });
      await approveGate(conditional);
      const failed = await t.flowgate.waitFor(conditional, { timeoutMs: 10_000 });
      expect(failed.status).toBe('failed');
      expect(failed.nodes!.find((n) => n.nodeId === 'refund')!.status).toBe('skipped');

      const cleared = await call('alice', 'POST', '/api/workflows/rollback', {
        workflowId: conditional,
        action: 'clearRetryCounters',
      });
      expect(cleared.statusCode, cleared.body).toBe(200);
      expect(cleared.json()).toMatchObject({ success: true, status: 'failed' });
      // The last success is the snapshot after the gate: nothing to undo, the failed stage runs again.
      const recovered = await call('alice', 'POST', '/api/workflows/rollback', {
        workflowId: conditional,
        action: 'rollbackToLastSuccess',
      });
      expect(recovered.statusCode, recovered.body).toBe(200);
      expect(recovered.json()).toMatchObject({ success: true, compensations: [] });
      const done = await t.flowgate.waitFor(conditional, { timeoutMs: 10_000 });
      expect(done.status).toBe('completed');
      expect(done.nodes!.find((n) => n.nodeId === 'refund')!.status).toBe('skipped');

      // recoverFromError retries a failed run.
      failOnce.add('check');
      const again = await execute({
        id: `again_${next()}`,
        type: 'sequential',
        permissions: PERMISSIONS,
        stages: [{ id: 'check', tool_name: 'work', input: { stage: 'check' } }],
      });
      expect((await t.flowgate.waitFor(again, { timeoutMs: 10_000 })).status).toBe('failed');
      const retried = await call('alice', 'POST', '/api/workflows/rollback', {
        workflowId: again,
        action: 'recoverFromError',
      });
      expect(retried.statusCode, retried.body).toBe(200);
      expect((await t.flowgate.waitFor(again, { timeoutMs: 10_000 })).status).toBe('completed');
      expectError(
        await call('olly', 'POST', '/api/workflows/rollback', {
          workflowId: again,
          action: 'recoverFromError',
        }),
        404,
        'NOT_FOUND',
      );
    });

    it('the native routes: snapshots of a run, and a rollback to one (202)', async () => {
      undone.length = 0;
      const workflowId = await execute(launch(`native_${next()}`));
      await approveGate(workflowId);
      await approveGate(workflowId);
      await t.flowgate.waitFor(workflowId, { timeoutMs: 10_000 });
      const listed = await call('appr', 'GET', `/api/workflows/${workflowId}/snapshots`);
      expect(listed.statusCode, listed.body).toBe(200);
      const items = listed.json<{ items: Snapshot[] }>().items;
      expect(items).toHaveLength(5);
      const target = items.find((s) => s.nodeId === 'prepare')!;
      const rolled = await call('alice', 'POST', `/api/workflows/${workflowId}/rollback`, {
        snapshotId: target.snapshotId,
      });
      expect(rolled.statusCode, rolled.body).toBe(202);
      expect(rolled.json()).toMatchObject({
        workflowId,
        snapshotId: target.snapshotId,
        status: 'running',
        compensations: [
          { nodeId: 'publish', toolName: 'undo', status: 'pending' },
          { nodeId: 'publish_approval', status: 'none' },
        ],
      });
      await waitUntil(
        async () => (await t.flowgate.listHitl({ workflowId })).items.length === 1,
        'the run to resume at the second gate',
      );
      expect(undone).toEqual([{ stage: 'publish' }]);
      expectError(
        await call('alice', 'POST', `/api/workflows/${workflowId}/rollback`, {
          snapshotId: items.find((s) => s.nodeId === 'publish')!.snapshotId,
        }),
        404,
        'NOT_FOUND',
      );
    });
  });
}
