/**
 * `GET /api/metrics/ai-usage` over the DAGs the caller may see, its filters, and the AI counters of `/metrics`, after
 * AI nodes ran against the fake model server. Both dialects.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { AuthService } from '../../src/auth/auth-service.js';
import { buildServer, type FlowgateServer } from '../../src/http/build-server.js';
import { systemClock } from '../../src/shared/clock.js';
import { DIALECTS } from '../helpers/dialects.js';
import { startFakeModelServer, type FakeModelServer } from '../helpers/fake-model-server.js';
import { startTestFlowgate, type TestFlowgate } from '../helpers/flowgate.js';

const SECRET = 'a-test-secret-of-at-least-32-characters!';
const PASSWORD = 'p4ssword-long-enough';

interface Figures {
  calls: number;
  failedCalls: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  unpricedCalls: number;
}
interface UsageBody {
  items: (Figures & {
    source: string;
    provider: string;
    model: string;
    dagId: string | null;
    workflowId: string | null;
    nodeId: string | null;
  })[];
  totals: Figures;
  byProvider: Record<string, Figures>;
  bySource: Record<'runs' | 'planner', Figures>;
}

function aiDag(dagId: string, data: Record<string, unknown>, permissions?: object) {
  return {
    dag_id: dagId,
    nodes: [{ id: 'ask', type: 'ai', data }],
    edges: [],
    ...(permissions ? { permissions } : {}),
  };
}

let server: FakeModelServer;
beforeAll(async () => {
  server = await startFakeModelServer();
});
afterAll(async () => {
  await server.close();
});

for (const dialect of DIALECTS) {
  describe(`${dialect}: AI usage over HTTP`, () => {
    let t: TestFlowgate;
    let app: FlowgateServer;
    const tokens = new Map<string, string>();
    let secretRun = '';
    let startedAt = '';

    const get = (who: string | undefined, url: string) =>
      app.inject({
        method: 'GET',
        url,
        headers: who ? { authorization: `Bearer ${tokens.get(who)!}` } : {},
      });

    beforeAll(async () => {
      t = await startTestFlowgate(dialect, {
        ai: {
          providers: {
            openai: { apiKey: 'k', baseURL: server.openaiBaseUrl },
            gemini: { apiKey: 'k', baseURL: server.geminiBaseUrl },
          },
          retry: { baseDelayMs: 10 },
        },
      });
      const auth = new AuthService({
        store: t.flowgate.store,
        clock: systemClock,
        jwtSecret: SECRET,
      });
      for (const username of ['alice', 'olly']) {
        await auth.createUser({ username, password: PASSWORD, role: 'user' });
      }
      app = buildServer({
        flowgate: t.flowgate,
        auth,
        loginRateLimit: { max: 1000, timeWindowMs: 60_000 },
      });
      await app.ready();
      for (const username of ['alice', 'olly']) {
        const response = await app.inject({
          method: 'POST',
          url: '/api/auth/login',
          payload: { username, password: PASSWORD },
        });
        tokens.set(username, response.json<{ accessToken: string }>().accessToken);
      }
      startedAt = new Date(Date.now() - 1000).toISOString();
      // Private to alice: one OpenAI call after a 500. Public: one Gemini call of a model nobody prices.
      server.enqueue(
        { status: 500 },
        { text: 'secret answer', usage: { input: 1000, output: 200 } },
        { text: 'public answer', usage: { input: 50, output: 5 } },
      );
      await t.flowgate.putDag(
        aiDag(
          'secret_ai',
          { prompt: 'Hi', provider: 'openai', model: 'gpt-4o-mini' },
          { owners: ['alice'], editors: [], viewers: [], isPublic: false },
        ),
        { createdBy: 'alice' },
      );
      secretRun = (await t.flowgate.start('secret_ai', { startedBy: 'alice' })).workflowId;
      await t.flowgate.waitFor(secretRun, { timeoutMs: 15_000 });
      const open = await t.flowgate.start(
        aiDag('open_ai', { prompt: 'Hi', provider: 'gemini', model: 'gemini-nobody-prices' }),
        { startedBy: 'alice' },
      );
      await t.flowgate.waitFor(open.workflowId, { timeoutMs: 15_000 });
    });
    afterAll(async () => {
      await app?.close();
      await t?.close();
    });

    it('refuses anonymous callers and bad filters', async () => {
      const anonymous = await get(undefined, '/api/metrics/ai-usage');
      expect(anonymous.statusCode).toBe(401);
      const bad = await get('alice', '/api/metrics/ai-usage?since=yesterday&by=week');
      expect(bad.statusCode).toBe(400);
      expect(bad.json<{ error: { code: string } }>().error.code).toBe('BAD_REQUEST');
    });

    it('sums calls, tokens and cost per provider and model, unpriced calls apart', async () => {
      const response = await get('alice', '/api/metrics/ai-usage');
      expect(response.statusCode, response.body).toBe(200);
      const body = response.json<UsageBody>();
      expect(body.items.map((i) => [i.provider, i.model, i.calls, i.failedCalls])).toEqual([
        ['gemini', 'gemini-nobody-prices', 1, 0],
        ['openai', 'gpt-4o-mini', 2, 1],
      ]);
      expect(body.byProvider.openai).toMatchObject({ inputTokens: 1000, outputTokens: 200 });
      expect(body.byProvider.openai!.costUsd).toBeGreaterThan(0);
      expect(body.byProvider.gemini).toMatchObject({ costUsd: 0, unpricedCalls: 1 });
      expect(body.totals).toMatchObject({ calls: 3, failedCalls: 1, unpricedCalls: 1 });
      // Nothing was planned: every call is a run's.
      expect(body.items.every((i) => i.source === 'runs')).toBe(true);
      expect(body.bySource.planner.calls).toBe(0);
    });

    it('shows only the DAGs the caller may see, and filters by DAG, run and time', async () => {
      const olly = (await get('olly', '/api/metrics/ai-usage')).json<UsageBody>();
      expect(olly.items.map((i) => i.provider)).toEqual(['gemini']);
      const hidden = (await get('olly', '/api/metrics/ai-usage?dagId=secret_ai')).json<UsageBody>();
      expect(hidden.items).toEqual([]);
      expect((await get('olly', `/api/metrics/ai-usage?workflowId=${secretRun}`)).statusCode).toBe(
        404,
      );

      const byRun = (
        await get('alice', `/api/metrics/ai-usage?workflowId=${secretRun}&by=node`)
      ).json<UsageBody>();
      expect(byRun.items).toEqual([
        expect.objectContaining({
          provider: 'openai',
          dagId: 'secret_ai',
          workflowId: secretRun,
          nodeId: 'ask',
          calls: 2,
        }),
      ]);
      const byDag = (
        await get('alice', '/api/metrics/ai-usage?dagId=open_ai&by=dag')
      ).json<UsageBody>();
      expect(byDag.items.map((i) => i.dagId)).toEqual(['open_ai']);
      const later = (
        await get(
          'alice',
          `/api/metrics/ai-usage?since=${encodeURIComponent('2099-01-01T00:00:00Z')}`,
        )
      ).json<UsageBody>();
      expect(later.totals.calls).toBe(0);
      const window = (
        await get(
          'alice',
          `/api/metrics/ai-usage?since=${encodeURIComponent(startedAt)}&until=${encodeURIComponent(new Date().toISOString())}`,
        )
      ).json<UsageBody>();
      expect(window.totals.calls).toBe(3);
    });

    it("adds the AI figures to a run's execution metrics (seed 004's cost), not to the agent statistics", async () => {
      const run = await get('alice', `/api/metrics/executions?workflowId=${secretRun}`);
      expect(run.statusCode, run.body).toBe(200);
      const body = run.json<{ modelCalls: number; costUsd: number; unpricedCalls: number }>();
      expect(body).toMatchObject({ modelCalls: 2, unpricedCalls: 0 });
      expect(body.costUsd).toBeGreaterThan(0);
      const mine = (await get('alice', '/api/metrics/executions')).json<{
        unpricedCalls: number;
      }>();
      expect(mine.unpricedCalls).toBe(1);
      const agents = (await get('alice', '/api/metrics/agents')).json<{
        items: { kind: string }[];
      }>();
      // Both AI nodes are called ask: one row of kind agent, and no model_call or tool_call rows.
      expect(agents.items.map((i) => i.kind)).toEqual(['agent']);
    });

    it('exposes Prometheus counters for calls, tokens and cost by provider and model', async () => {
      const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
      expect(text).toContain(
        'flowgate_ai_calls_total{source="runs",provider="openai",model="gpt-4o-mini",status="completed"} 1',
      );
      expect(text).toContain(
        'flowgate_ai_calls_total{source="runs",provider="openai",model="gpt-4o-mini",status="failed"} 1',
      );
      expect(text).toContain(
        'flowgate_ai_tokens_total{source="runs",provider="openai",model="gpt-4o-mini",type="input"} 1000',
      );
      expect(text).toMatch(
        /^flowgate_ai_cost_usd_total\{source="runs",provider="openai",model="gpt-4o-mini"\} 0\.\d+/m,
      );
      expect(text).toContain(
        'flowgate_ai_unpriced_calls_total{source="runs",provider="gemini",model="gemini-nobody-prices"} 1',
      );
      // Aggregates only: no DAG or run ids.
      expect(text).not.toContain('secret_ai');
    });
  });
}
