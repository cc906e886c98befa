/**
 * What planning costs, and what a plan may cost: the planner's own model calls (every round and every try, a failed
 * draft's too) are recorded with tokens, cost, latency and status, shown on the plan (`plannerUsage`), in
 * `GET /api/metrics/ai-usage` as source `planner` (to admins all, to a person their own plans') and in the Prometheus
 * counters; a plan carries an estimate of its AI nodes' cost, priced by the same price book, unpriced models apart.
 * Real HTTP server on 127.0.0.1, the fake OpenAI server, both dialects.
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
/** USD per million tokens: the override the planner's and the nodes' calls are priced by. */
const PRICE = { input: 2, output: 8 };

const lookup = {
  node_id: 'lookup',
  node_type: 'tool',
  tool_name: 'get_stock_price',
  config: { input: { symbol: '{{ input.symbol }}' } },
  dependencies: [],
};

interface Figures {
  calls: number;
  failedCalls: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  unpricedCalls: number;
}
interface UsageBody {
  items: (Figures & { source: string; provider: string; model: string; dagId: string | null })[];
  totals: Figures;
  bySource: { runs: Figures; planner: Figures };
}
interface PlanBody {
  planId: string;
  conversationId: string;
  status: string;
  rounds?: number;
  plannerUsage: (Omit<Figures, 'costUsd'> & { costUsd: number | null }) | null;
  estimate: {
    nodes: {
      nodeId: string;
      provider: string;
      model: string;
      calls: number;
      inputTokens: number;
      outputTokens: number;
      costUsd: number | null;
      basis: string;
    }[];
    costUsd: number | null;
    unpricedNodes: string[];
    budgetUsd: number | null;
  } | null;
}

let model: FakeModelServer;
beforeAll(async () => {
  model = await startFakeModelServer();
});
afterAll(async () => {
  await model.close();
});

const cost = (input: number, output: number) =>
  (input * PRICE.input + output * PRICE.output) / 1_000_000;

for (const dialect of DIALECTS) {
  describe(`${dialect}: the planner's usage and a plan's cost estimate`, () => {
    let t: TestFlowgate;
    let app: FlowgateServer;
    let base = '';
    const tokens = new Map<string, string>();

    const call = async (who: string, method: string, path: string, body?: unknown) => {
      const response = await fetch(`${base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${tokens.get(who)!}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: response.status, body: await response.json() };
    };
    const usage = async (who: string, query = '') => {
      const answer = await call(who, 'GET', `/api/metrics/ai-usage${query}`);
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      return answer.body as UsageBody;
    };

    beforeAll(async () => {
      t = await startTestFlowgate(dialect, {
        tools: {
          get_stock_price: {
            description: 'The last price of a stock.',
            run: () => ({ price: 101 }),
          },
        },
        ai: {
          providers: {
            openai: { apiKey: 'k', baseURL: model.openaiBaseUrl },
            'openai-compatible': { baseURL: model.openaiBaseUrl },
          },
          prices: { 'openai:gpt-4o-mini': PRICE },
          retry: { baseDelayMs: 10 },
        },
        planner: { model: 'openai:gpt-4o-mini' },
      });
      const auth = new AuthService({
        store: t.flowgate.store,
        clock: systemClock,
        jwtSecret: SECRET,
      });
      await auth.createUser({ username: 'alice', password: PASSWORD, role: 'user' });
      await auth.createUser({ username: 'bob', password: PASSWORD, role: 'user' });
      await auth.createUser({ username: 'ada', password: PASSWORD, role: 'admin' });
      app = buildServer({
        flowgate: t.flowgate,
        auth,
        loginRateLimit: { max: 1000, timeWindowMs: 60_000 },
      });
      base = await app.listen({ host: '127.0.0.1', port: 0 });
      for (const username of ['alice', 'bob', 'ada']) {
        const response = await fetch(`${base}/api/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username, password: PASSWORD }),
        });
        tokens.set(username, ((await response.json()) as { accessToken: string }).accessToken);
      }
    });
    afterAll(async () => {
      await app?.close();
      await t?.close();
    });

    it('records every try of every round of a draft, and shows the total on the plan', async () => {
      model.enqueue(
        // Round 1: a 500 (retried), then a plan naming a tool nobody registered (sent back); round 2: a valid plan.
        { status: 500 },
        {
          json: { nodes: [{ ...lookup, tool_name: 'get_stok_price' }] },
          usage: { input: 400, output: 100 },
        },
        { json: { summary: 'Look it up.', nodes: [lookup] }, usage: { input: 600, output: 150 } },
      );
      const created = await call('alice', 'POST', '/api/plans', { request: 'Look up ACME' });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      const drafted = created.body as PlanBody;
      expect([drafted.status, drafted.rounds]).toEqual(['pending_approval', 2]);
      expect(drafted.plannerUsage).toEqual({
        calls: 3,
        failedCalls: 1,
        inputTokens: 1000,
        outputTokens: 250,
        costUsd: expect.closeTo(cost(1000, 250), 12) as number,
        unpricedCalls: 0,
      });
      // The same figures when the plan is read again.
      const read = (await call('alice', 'GET', `/api/plans/${drafted.planId}`)).body as PlanBody;
      expect(read.plannerUsage).toEqual(drafted.plannerUsage);

      // One row per try, keyed by the plan, its conversation and the round; no run.
      const rows = await t.flowgate.store.read((db) =>
        db
          .selectFrom('agent_executions')
          .select([
            'workflow_id',
            'plan_id',
            'loop_key',
            'step_key',
            'attempt',
            'status',
            'http_status',
            'provider',
            'model',
            'agent_id',
            'input_tokens',
            'duration_ms',
            'cost_source',
          ])
          .where('kind', '=', 'planner_call')
          .where('plan_id', '=', drafted.planId)
          .orderBy('id')
          .execute(),
      );
      expect(
        rows.map((r) => [
          r.step_key,
          r.attempt,
          r.status,
          r.http_status,
          r.input_tokens,
          r.cost_source,
        ]),
      ).toEqual([
        ['round:1', 1, 'failed', 500, null, null],
        ['round:1', 2, 'completed', 200, 400, 'override'],
        ['round:2', 1, 'completed', 200, 600, 'override'],
      ]);
      for (const row of rows) {
        expect(row).toMatchObject({
          workflow_id: null,
          loop_key: drafted.conversationId,
          provider: 'openai',
          model: 'gpt-4o-mini',
          agent_id: 'openai:gpt-4o-mini',
        });
        expect(Number(row.duration_ms)).toBeGreaterThanOrEqual(0);
      }
    });

    it('records a failed draft too, which only an admin sees, since it left no plan', async () => {
      model.enqueue({ status: 400, body: { error: { message: 'bad request' } } });
      const failed = await call('bob', 'POST', '/api/plans', { request: 'Anything' });
      expect(failed.status).toBeGreaterThanOrEqual(500);
      expect((failed.body as { error: { code: string } }).error.code).toBe('UPSTREAM_FAILED');

      const admin = await usage('ada');
      expect(admin.bySource.planner).toMatchObject({ calls: 4, failedCalls: 2 });
      const bob = await usage('bob');
      expect(bob.bySource.planner.calls).toBe(0);
    });

    it('shows the planner as its own source in AI usage: to each person their plans, none when narrowed to a DAG', async () => {
      const alice = await usage('alice');
      const planner = alice.items.filter((i) => i.source === 'planner');
      expect(planner).toEqual([
        expect.objectContaining({
          provider: 'openai',
          model: 'gpt-4o-mini',
          dagId: null,
          calls: 3,
          failedCalls: 1,
          inputTokens: 1000,
          outputTokens: 250,
          unpricedCalls: 0,
        }),
      ]);
      expect(planner[0]!.costUsd).toBeCloseTo(cost(1000, 250), 12);
      expect(alice.bySource.planner.calls).toBe(3);
      expect(alice.bySource.runs.calls).toBe(0);
      expect(alice.totals.calls).toBe(3);

      const narrowed = await usage('ada', '?dagId=anything');
      expect(narrowed.bySource.planner.calls).toBe(0);
      const later = await usage('ada', `?since=${encodeURIComponent('2099-01-01T00:00:00Z')}`);
      expect(later.totals.calls).toBe(0);
    });

    it('counts the planner in the Prometheus AI counters under source="planner"', async () => {
      const text = await (await fetch(`${base}/metrics`)).text();
      expect(text).toContain(
        'flowgate_ai_calls_total{source="planner",provider="openai",model="gpt-4o-mini",status="completed"} 2',
      );
      expect(text).toContain(
        'flowgate_ai_calls_total{source="planner",provider="openai",model="gpt-4o-mini",status="failed"} 2',
      );
      expect(text).toContain(
        'flowgate_ai_tokens_total{source="planner",provider="openai",model="gpt-4o-mini",type="input"} 1000',
      );
      const costLine =
        /^flowgate_ai_cost_usd_total\{source="planner",provider="openai",model="gpt-4o-mini"\} (\S+)$/m.exec(
          text,
        );
      expect(Number(costLine?.[1])).toBeCloseTo(cost(1000, 250), 12);
    });

    it("estimates a plan's AI cost per node from the same prices, an unpriced model apart", async () => {
      const summarise = {
        node_id: 'summarise',
        node_type: 'agent',
        config: {
          prompt: 'Summarise the price of ACME in one line.',
          system: 'Be brief.',
          provider: 'openai',
          model: 'gpt-4o-mini',
          maxOutputTokens: 200,
        },
        dependencies: ['lookup'],
      };
      const research = {
        node_id: 'research',
        node_type: 'agent',
        config: {
          prompt: 'Research ACME',
          provider: 'openai-compatible',
          model: 'llama3.2',
          tools: ['get_stock_price'],
          maxSteps: 3,
        },
        dependencies: [],
      };
      model.enqueue({ json: { nodes: [lookup, summarise, research] } });
      const created = await call('alice', 'POST', '/api/plans', { request: 'Research ACME' });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      const drafted = created.body as PlanBody;
      expect(drafted.status).toBe('pending_approval');
      const promptTokens = Math.ceil(
        ('Summarise the price of ACME in one line.'.length + 'Be brief.'.length) / 4,
      );
      expect(drafted.estimate).toEqual({
        nodes: [
          {
            nodeId: 'summarise',
            provider: 'openai',
            model: 'gpt-4o-mini',
            calls: 1,
            inputTokens: promptTokens,
            outputTokens: 200,
            costUsd: expect.closeTo(cost(promptTokens, 200), 12) as number,
            basis: expect.stringContaining('maxOutputTokens') as string,
          },
          {
            nodeId: 'research',
            provider: 'openai-compatible',
            model: 'llama3.2',
            // maxSteps calls, each resending the earlier answers (1,000 output tokens assumed a call).
            calls: 3,
            // The prompt and the tool's definition (name and description) each call, and the earlier answers.
            inputTokens:
              3 *
                Math.ceil(
                  ('Research ACME' + 'get_stock_price' + 'The last price of a stock.').length / 4,
                ) +
              (0 + 1000 + 2000),
            outputTokens: 3000,
            costUsd: null,
            basis: expect.stringContaining('upper bound') as string,
          },
        ],
        costUsd: expect.closeTo(cost(promptTokens, 200), 12) as number,
        unpricedNodes: ['research'],
        budgetUsd: null,
      });
      // Listed plans carry it too.
      const listed = (await call('alice', 'GET', '/api/plans')).body as { items: PlanBody[] };
      expect(listed.items.find((p) => p.planId === drafted.planId)!.estimate).toEqual(
        drafted.estimate,
      );

      // A plan without AI nodes costs nothing to run; one that does not parse has no estimate.
      model.enqueue({ json: { nodes: [lookup] } });
      const plain = (await call('alice', 'POST', '/api/plans', { request: 'Look up' }))
        .body as PlanBody;
      expect(plain.estimate).toEqual({ nodes: [], costUsd: 0, unpricedNodes: [], budgetUsd: null });
      // An edit that sets the run's AI budget shows it beside the estimate.
      const budgeted = await call('alice', 'PUT', `/api/plans/${plain.planId}`, {
        plan: { nodes: [lookup], settings: { aiBudget: { usd: 0.5 } } },
      });
      expect((budgeted.body as PlanBody).estimate!.budgetUsd).toBe(0.5);
      const broken = await call('alice', 'PUT', `/api/plans/${plain.planId}`, {
        plan: {
          nodes: [
            { node_id: 'x', node_type: 'tool', tool_name: 'get_stock_price', dependencies: ['x'] },
          ],
        },
      });
      expect((broken.body as PlanBody).status).toBe('invalid');
      expect((broken.body as PlanBody).estimate).toBeNull();
    });
  });
}
