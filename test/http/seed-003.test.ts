/**
 * Seed 003's compatibility endpoints: `/api/workflows/{execute,approvals,state}` answer in that seed's shapes, with
 * the permissions of the native routes (the authorization matrix is in api.test.ts). Both dialects.
 */
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { AuthService } from '../../src/auth/auth-service.js';
import { buildServer, type FlowgateServer } from '../../src/http/build-server.js';
import { systemClock } from '../../src/shared/clock.js';
import { DIALECTS } from '../helpers/dialects.js';
import { plan, startTestFlowgate, type TestFlowgate } from '../helpers/flowgate.js';

const SECRET = 'a-test-secret-of-at-least-32-characters!';
const PASSWORD = 'p4ssword-long-enough';
const USERS = ['alice', 'appr', 'olly'] as const;
type User = (typeof USERS)[number];

/** A private DAG owned by alice: prepare → approval (by appr) → pay. */
const gatedDag = (dagId: string) =>
  plan(
    dagId,
    [
      { id: 'prepare', agent: 'echo_agent', config: { input: { amount: 120 } } },
      {
        id: 'approval',
        type: 'human_in_loop',
        deps: ['prepare'],
        config: { approvers: [{ user: 'appr' }] },
      },
      { id: 'pay', deps: ['approval'], config: { input: '{{ nodes.approval.output }}' } },
    ],
    { permissions: { owners: ['alice'], editors: [], viewers: ['appr'], isPublic: false } },
  );

let unique = 0;
const next = () => `${Date.now().toString(36)}${++unique}`;

function expectError(response: LightMyRequestResponse, status: number, code: string) {
  expect(response.statusCode, response.body).toBe(status);
  expect(response.json<{ error: { code: string } }>().error.code).toBe(code);
}

interface State {
  workflowId: string;
  dagId: string;
  status: string;
  currentNodes: string[];
  completedNodes: string[];
  context: { input: unknown; outputs: Record<string, unknown>; variables: Record<string, unknown> };
}

for (const dialect of DIALECTS) {
  describe(`${dialect}: seed 003's endpoints`, () => {
    let t: TestFlowgate;
    let app: FlowgateServer;
    const tokens = new Map<User, string>();

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

    /** A run of the gated DAG, started by alice, waiting on its gate. */
    const gatedRun = async () => {
      const { workflowId } = await t.flowgate.start('gated', {
        startedBy: 'alice',
        input: { order: 7 },
      });
      await t.flowgate.waitFor(workflowId, { until: ['paused'], timeoutMs: 10_000 });
      const { items } = await t.flowgate.listHitl({ workflowId });
      expect(items).toHaveLength(1);
      return { workflowId, requestId: items[0]!.requestId };
    };

    beforeAll(async () => {
      t = await startTestFlowgate(dialect);
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
      await t.flowgate.putDag(gatedDag('gated'), { createdBy: 'alice' });
    });
    afterAll(async () => {
      await app?.close();
      await t?.close();
    });

    it('executes a stored DAG by dagId and a document given as workflow', async () => {
      const byId = await call('alice', 'POST', '/api/workflows/execute', {
        dagId: 'gated',
        input: { order: 1 },
      });
      expect(byId.statusCode, byId.body).toBe(201);
      const { workflowId } = byId.json<{ workflowId: string; status: string }>();
      expect((await t.flowgate.getWorkflow(workflowId)).input).toEqual({ order: 1 });

      const dagId = `doc_${next()}`;
      const byDocument = await call('olly', 'POST', '/api/workflows/execute', {
        workflow: plan(dagId, [{ id: 'only', agent: 'echo_agent', config: { input: { ok: 1 } } }]),
      });
      expect(byDocument.statusCode, byDocument.body).toBe(201);
      const started = byDocument.json<{ workflowId: string }>();
      const done = await t.flowgate.waitFor(started.workflowId, { timeoutMs: 10_000 });
      expect(done.status).toBe('completed');
      expect(done.dagId).toBe(dagId);

      // Neither, or both: a validation error; an invisible DAG: 404.
      expectError(await call('alice', 'POST', '/api/workflows/execute', {}), 400, 'BAD_REQUEST');
      expectError(
        await call('alice', 'POST', '/api/workflows/execute', {
          dagId: 'gated',
          workflow: gatedDag('gated'),
        }),
        400,
        'BAD_REQUEST',
      );
      expectError(
        await call('olly', 'POST', '/api/workflows/execute', { dagId: 'gated' }),
        404,
        'NOT_FOUND',
      );
    });

    it('lists pending approvals the caller may see', async () => {
      const { requestId, workflowId } = await gatedRun();
      const listed = await call('appr', 'GET', '/api/workflows/approvals');
      expect(listed.statusCode, listed.body).toBe(200);
      const body = listed.json<{
        approvals: { requestId: string; workflowId: string; status: string }[];
        count: number;
      }>();
      expect(body.count).toBe(body.approvals.length);
      expect(body.approvals).toContainEqual(
        expect.objectContaining({ requestId, workflowId, status: 'pending' }),
      );
      const hidden = await call('olly', 'GET', '/api/workflows/approvals');
      expect(
        hidden.json<{ approvals: { requestId: string }[] }>().approvals.map((a) => a.requestId),
      ).not.toContain(requestId);
    });

    it('approves a gate (the run completes) and rejects one (the run fails)', async () => {
      const approved = await gatedRun();
      const yes = await call('appr', 'POST', '/api/workflows/approvals', {
        gateId: approved.requestId,
        decision: { approved: true, comment: 'go' },
      });
      expect(yes.statusCode, yes.body).toBe(200);
      expect(yes.json()).toMatchObject({
        requestId: approved.requestId,
        workflowId: approved.workflowId,
        status: 'approved',
      });
      const done = await t.flowgate.waitFor(approved.workflowId, { timeoutMs: 10_000 });
      expect(done.status).toBe('completed');
      // Decided already: 409.
      expectError(
        await call('appr', 'POST', '/api/workflows/approvals', {
          gateId: approved.requestId,
          decision: { approved: false },
        }),
        409,
        'HITL_NOT_PENDING',
      );

      const rejected = await gatedRun();
      // Not an approver: 403; cannot see the run: 404.
      expectError(
        await call('alice', 'POST', '/api/workflows/approvals', {
          gateId: rejected.requestId,
          decision: { approved: true },
        }),
        403,
        'FORBIDDEN',
      );
      expectError(
        await call('olly', 'POST', '/api/workflows/approvals', {
          gateId: rejected.requestId,
          decision: { approved: true },
        }),
        404,
        'NOT_FOUND',
      );
      const no = await call('appr', 'POST', '/api/workflows/approvals', {
        gateId: rejected.requestId,
        decision: { approved: false, comment: 'too much' },
      });
      expect(no.statusCode, no.body).toBe(200);
      expect(no.json()).toMatchObject({ status: 'rejected' });
      const failed = await t.flowgate.waitFor(rejected.workflowId, { timeoutMs: 10_000 });
      expect(failed.status).toBe('failed');
    });

    it('cancels one approval, or all of a run', async () => {
      const one = await gatedRun();
      const cancelled = await call(
        'alice',
        'DELETE',
        `/api/workflows/approvals?gateId=${one.requestId}`,
      );
      expect(cancelled.statusCode, cancelled.body).toBe(200);
      expect(cancelled.json()).toEqual({ cancelled: 1 });
      expect((await t.flowgate.getHitl(one.requestId)).status).toBe('cancelled');

      const all = await gatedRun();
      const byRun = await call(
        'alice',
        'DELETE',
        `/api/workflows/approvals?workflowId=${all.workflowId}`,
      );
      expect(byRun.statusCode, byRun.body).toBe(200);
      expect(byRun.json()).toEqual({ cancelled: 1 });
      expect((await t.flowgate.getHitl(all.requestId)).status).toBe('cancelled');

      expectError(await call('alice', 'DELETE', '/api/workflows/approvals'), 400, 'BAD_REQUEST');
      expectError(
        await call('appr', 'DELETE', `/api/workflows/approvals?workflowId=${all.workflowId}`),
        403,
        'FORBIDDEN',
      );
    });

    it('lists the states of active runs and reads one', async () => {
      const { workflowId } = await gatedRun();
      const listed = await call('alice', 'GET', '/api/workflows/state');
      expect(listed.statusCode, listed.body).toBe(200);
      const { states, count } = listed.json<{ states: State[]; count: number }>();
      expect(count).toBe(states.length);
      const state = states.find((s) => s.workflowId === workflowId);
      expect(state).toMatchObject({
        dagId: 'gated',
        status: 'paused',
        currentNodes: ['approval'],
        completedNodes: ['prepare'],
        context: { input: { order: 7 } },
      });
      expect(state!.context.outputs).toHaveProperty('prepare');
      expect(states.every((s) => s.status === 'running' || s.status === 'paused')).toBe(true);
      const hidden = await call('olly', 'GET', '/api/workflows/state');
      expect(hidden.json<{ states: State[] }>().states.map((s) => s.workflowId)).not.toContain(
        workflowId,
      );

      const one = await call('appr', 'GET', `/api/workflows/state?workflowId=${workflowId}`);
      expect(one.statusCode, one.body).toBe(200);
      const body = one.json<{ state: State; snapshots: { nodeId: string; stepIndex: number }[] }>();
      expect(body.state).toEqual(state);
      // One snapshot so far: after `prepare` completed.
      expect(body.snapshots).toMatchObject([{ nodeId: 'prepare', stepIndex: 0 }]);
      expectError(
        await call('olly', 'GET', `/api/workflows/state?workflowId=${workflowId}`),
        404,
        'NOT_FOUND',
      );
    });

    it('pauses and resumes a run, and updates its context variables', async () => {
      const { workflowId } = await gatedRun();
      const paused = await call('alice', 'PATCH', '/api/workflows/state', {
        workflowId,
        action: 'pause',
      });
      expect(paused.statusCode, paused.body).toBe(200);
      expect(paused.json()).toMatchObject({ workflowId, status: 'paused', pauseReason: 'user' });
      const resumed = await call('alice', 'PATCH', '/api/workflows/state', {
        workflowId,
        action: 'resume',
      });
      expect(resumed.statusCode, resumed.body).toBe(200);
      expect(resumed.json<{ pauseReason: string | null }>().pauseReason).not.toBe('user');

      expectError(
        await call('appr', 'PATCH', '/api/workflows/state', { workflowId, action: 'pause' }),
        403,
        'FORBIDDEN',
      );
      const updated = await call('alice', 'PATCH', '/api/workflows/state', {
        workflowId,
        action: 'updateContext',
        data: { x: 1 },
      });
      expect(updated.statusCode, updated.body).toBe(200);
      expect(updated.json()).toMatchObject({ workflowId, context: { x: 1 } });
      const state = await call('alice', 'GET', `/api/workflows/state?workflowId=${workflowId}`);
      expect(state.json<{ state: State }>().state.context.variables).toEqual({ x: 1 });
      // updateContext needs its data.
      expectError(
        await call('alice', 'PATCH', '/api/workflows/state', {
          workflowId,
          action: 'updateContext',
        }),
        400,
        'BAD_REQUEST',
      );
    });

    it('deleting a state cancels the run', async () => {
      const { workflowId } = await gatedRun();
      const deleted = await call(
        'alice',
        'DELETE',
        `/api/workflows/state?workflowId=${workflowId}`,
      );
      expect(deleted.statusCode, deleted.body).toBe(200);
      expect(deleted.json()).toEqual({ workflowId, status: 'cancelled' });
      expect((await t.flowgate.getWorkflow(workflowId)).status).toBe('cancelled');
      // A finished run cannot be cancelled again.
      expectError(
        await call('alice', 'DELETE', `/api/workflows/state?workflowId=${workflowId}`),
        409,
        'RUN_NOT_ACTIVE',
      );
      expectError(await call('alice', 'DELETE', '/api/workflows/state'), 400, 'BAD_REQUEST');
    });
  });
}
