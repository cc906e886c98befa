/**
 * The monitoring routes: HITL, agent and run figures over the DAGs the caller may see, and the Prometheus exposition
 * with the store's gauges and the HTTP histogram. Both dialects.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { AuthService } from '../../src/auth/auth-service.js';
import { buildServer, type FlowgateServer } from '../../src/http/build-server.js';
import { systemClock } from '../../src/shared/clock.js';
import { DIALECTS } from '../helpers/dialects.js';
import { plan, startTestFlowgate, type TestFlowgate } from '../helpers/flowgate.js';

const SECRET = 'a-test-secret-of-at-least-32-characters!';
const ADMIN_PASSWORD = 'admin-password-long-enough';
const PASSWORD = 'p4ssword-long-enough';
const USERS = { alice: 'user', olly: 'user', appr: 'user' } as const;

/** Private: alice owns it, appr decides its gate, olly may not see it. */
const secretDag = plan(
  'secret',
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

/** Public, without permissions. */
const openDag = plan('open', [
  { id: 'first', agent: 'echo_agent', config: { input: { ok: true } } },
  { id: 'gate', type: 'human_in_loop', deps: ['first'], config: { approvers: [{ user: 'appr' }] } },
]);

/** Public: a tool that always fails, without retries. */
const boomDag = plan('boom_dag', [{ id: 'explode', tool: 'boom', retries: 0 }]);

interface HitlBody {
  pending: number;
  avgApprovalSeconds: number | null;
  approvalRate: number | null;
  decided: Record<string, number>;
  perDag: { dagId: string; pending: number; approvalRate: number | null }[];
}
interface AgentsBody {
  items: {
    agentId: string;
    kind: string;
    total: number;
    successful: number;
    failed: number;
    avgDurationSeconds: number | null;
  }[];
}
interface ExecutionsBody {
  totalRuns: number;
  byStatus: Record<string, number>;
  avgDurationSeconds: number | null;
  nodeCount: number;
  attempts: number;
  humanInterventions: number;
  aiCalls: number;
}

for (const dialect of DIALECTS) {
  describe(`${dialect}: metrics routes`, () => {
    let t: TestFlowgate;
    let app: FlowgateServer;
    const tokens = new Map<string, string>();
    const runs: Record<'secret' | 'open' | 'boom', string[]> = { secret: [], open: [], boom: [] };

    const get = (who: string | undefined, url: string) =>
      app.inject({
        method: 'GET',
        url,
        headers: who ? { authorization: `Bearer ${tokens.get(who)!}` } : {},
      });

    /** Starts a run and waits for its gate; returns the run and its pending request. */
    const gated = async (dagId: string) => {
      const { workflowId } = await t.flowgate.start(dagId, { startedBy: 'alice' });
      await t.flowgate.waitFor(workflowId, { until: ['paused'], timeoutMs: 10_000 });
      const { items } = await t.flowgate.listHitl({ workflowId, status: 'pending' });
      expect(items).toHaveLength(1);
      return { workflowId, requestId: items[0]!.requestId };
    };

    /** What the runs of these DAGs hold, read through the facade. */
    const expected = async (kinds: readonly (keyof typeof runs)[]) => {
      const views = await Promise.all(
        kinds.flatMap((k) => runs[k]).map((id) => t.flowgate.getWorkflow(id)),
      );
      const byStatus: Record<string, number> = {};
      for (const view of views) byStatus[view.status] = (byStatus[view.status] ?? 0) + 1;
      const nodes = views.flatMap((view) => view.nodes ?? []);
      return {
        totalRuns: views.length,
        byStatus,
        nodeCount: nodes.length,
        echoRuns: nodes.filter((n) => n.nodeType === 'agent' && n.status === 'completed').length,
      };
    };

    beforeAll(async () => {
      t = await startTestFlowgate(dialect, {
        tools: {
          boom: () => {
            throw new Error('boom');
          },
        },
      });
      const auth = new AuthService({
        store: t.flowgate.store,
        clock: systemClock,
        jwtSecret: SECRET,
      });
      await auth.ensureAdmin({ password: ADMIN_PASSWORD });
      for (const [username, role] of Object.entries(USERS)) {
        await auth.createUser({ username, password: PASSWORD, role });
      }
      const deps = {
        flowgate: t.flowgate,
        auth,
        loginRateLimit: { max: 1000, timeWindowMs: 60_000 },
      };
      app = buildServer(deps);
      await app.ready();
      for (const [username, password] of [
        ['admin', ADMIN_PASSWORD],
        ...Object.keys(USERS).map((u) => [u, PASSWORD]),
      ] as const) {
        const response = await app.inject({
          method: 'POST',
          url: '/api/auth/login',
          payload: { username, password },
        });
        expect(response.statusCode, response.body).toBe(200);
        tokens.set(username, response.json<{ accessToken: string }>().accessToken);
      }

      await t.flowgate.putDag(secretDag, { createdBy: 'alice' });
      await t.flowgate.putDag(openDag, { createdBy: 'alice' });
      await t.flowgate.putDag(boomDag, { createdBy: 'alice' });

      // secret: one approved, one rejected, one left pending; open: one approved; boom: one failed.
      const approved = await gated('secret');
      await t.flowgate.approve(approved.requestId, 'appr');
      const rejected = await gated('secret');
      await t.flowgate.reject(rejected.requestId, 'appr', { comment: 'no' });
      const waiting = await gated('secret');
      const open = await gated('open');
      await t.flowgate.approve(open.requestId, 'appr');
      const { workflowId: boom } = await t.flowgate.start('boom_dag', { startedBy: 'alice' });
      for (const id of [approved.workflowId, rejected.workflowId, open.workflowId, boom]) {
        await t.flowgate.waitFor(id, { timeoutMs: 10_000 });
      }
      runs.secret.push(approved.workflowId, rejected.workflowId, waiting.workflowId);
      runs.open.push(open.workflowId);
      runs.boom.push(boom);
    });
    afterAll(async () => {
      await app?.close();
      await t?.close();
    });

    it('refuses anonymous callers on /api/metrics/*', async () => {
      for (const path of ['hitl', 'agents', 'executions']) {
        const response = await get(undefined, `/api/metrics/${path}`);
        expect(response.statusCode, path).toBe(401);
        expect(response.json<{ error: { code: string } }>().error.code).toBe('UNAUTHENTICATED');
      }
    });

    it('counts HITL requests, their outcomes and times', async () => {
      const response = await get('admin', '/api/metrics/hitl');
      expect(response.statusCode, response.body).toBe(200);
      const body = response.json<HitlBody>();
      expect(body.pending).toBe(1);
      expect(body.decided).toEqual({
        approved: 2,
        rejected: 1,
        completed: 0,
        expired: 0,
        cancelled: 0,
      });
      expect(body.approvalRate).toBeCloseTo(2 / 3, 10);
      expect(body.avgApprovalSeconds).not.toBeNull();
      expect(body.avgApprovalSeconds!).toBeGreaterThanOrEqual(0);
      expect(body.avgApprovalSeconds!).toBeLessThan(60);
      const perDag = Object.fromEntries(body.perDag.map((d) => [d.dagId, d]));
      expect(perDag.secret).toMatchObject({ pending: 1 });
      expect(perDag.secret!.approvalRate).toBeCloseTo(0.5, 10);
      expect(perDag.open).toMatchObject({ pending: 0, approvalRate: 1 });

      // The owner sees the private DAG too.
      expect((await get('alice', '/api/metrics/hitl')).json<HitlBody>()).toEqual(body);
    });

    it("hides a private DAG's figures from those who may not see it", async () => {
      const hitl = (await get('olly', '/api/metrics/hitl')).json<HitlBody>();
      expect(hitl.pending).toBe(0);
      expect(hitl.decided.approved).toBe(1);
      expect(hitl.decided.rejected).toBe(0);
      expect(hitl.approvalRate).toBe(1);
      expect(hitl.perDag.map((d) => d.dagId)).toEqual(['open']);

      const agents = (await get('olly', '/api/metrics/agents')).json<AgentsBody>();
      const echo = agents.items.find((i) => i.agentId === 'echo_agent');
      expect(echo?.total).toBe((await expected(['open', 'boom'])).echoRuns);

      const executions = (await get('olly', '/api/metrics/executions')).json<ExecutionsBody>();
      const visible = await expected(['open', 'boom']);
      expect(executions).toMatchObject({
        totalRuns: visible.totalRuns,
        byStatus: visible.byStatus,
        nodeCount: visible.nodeCount,
        humanInterventions: 1,
      });

      const oneRun = await get('olly', `/api/metrics/executions?workflowId=${runs.secret[0]!}`);
      expect(oneRun.statusCode, oneRun.body).toBe(404);
    });

    it('gives agent and tool statistics that match what ran', async () => {
      const response = await get('admin', '/api/metrics/agents');
      expect(response.statusCode, response.body).toBe(200);
      const { items } = response.json<AgentsBody>();
      const all = await expected(['secret', 'open', 'boom']);
      expect(all.echoRuns).toBeGreaterThanOrEqual(5);
      expect(items.find((i) => i.agentId === 'echo_agent')).toMatchObject({
        kind: 'agent',
        total: all.echoRuns,
        successful: all.echoRuns,
        failed: 0,
      });
      const boom = items.find((i) => i.agentId === 'boom');
      expect(boom).toMatchObject({ kind: 'tool', total: 1, successful: 0, failed: 1 });
      for (const item of items) expect(item.avgDurationSeconds).toBeGreaterThanOrEqual(0);
    });

    it('sums runs, nodes and human interventions', async () => {
      const response = await get('admin', '/api/metrics/executions');
      expect(response.statusCode, response.body).toBe(200);
      const body = response.json<ExecutionsBody>();
      const all = await expected(['secret', 'open', 'boom']);
      expect(body).toMatchObject({
        totalRuns: 5,
        byStatus: all.byStatus,
        nodeCount: all.nodeCount,
        humanInterventions: 3,
        aiCalls: all.echoRuns,
      });
      expect(body.byStatus.paused).toBe(1);
      expect(body.byStatus.failed).toBeGreaterThanOrEqual(1);
      expect(body.attempts).toBeGreaterThanOrEqual(body.byStatus.completed ?? 0);
      expect(body.avgDurationSeconds).toBeGreaterThanOrEqual(0);

      const one = await get('alice', `/api/metrics/executions?workflowId=${runs.secret[0]!}`);
      expect(one.statusCode, one.body).toBe(200);
      expect(one.json<ExecutionsBody>()).toMatchObject({
        totalRuns: 1,
        byStatus: { completed: 1 },
        nodeCount: 3,
        humanInterventions: 1,
        aiCalls: 2,
      });
    });

    it('serves Prometheus text with the store gauges and the HTTP histogram', async () => {
      await get('admin', '/api/metrics/hitl');
      const response = await app.inject({ method: 'GET', url: '/metrics' });
      expect(response.statusCode, response.body).toBe(200);
      expect(response.headers['content-type']).toMatch(/^text\/plain/);
      const text = response.body;
      const all = await expected(['secret', 'open', 'boom']);
      for (const [status, count] of Object.entries(all.byStatus)) {
        expect(text).toContain(`flowgate_runs{status="${status}"} ${count}`);
      }
      expect(text).toMatch(/^flowgate_hitl_pending 1$/m);
      expect(text).toMatch(
        /^flowgate_http_request_duration_seconds_count\{method="GET",route="\/api\/metrics\/hitl",status="200"\} \d+$/m,
      );
      expect(text).toContain('process_cpu_user_seconds_total');
      // Aggregates only: no DAG ids or run ids.
      expect(text).not.toContain('secret');
      expect(text).not.toContain(runs.secret[0]!);
    });
  });
}
