/**
 * The planner end to end, over a real HTTP server on 127.0.0.1: the model is the fake OpenAI server (the real
 * provider package talks to it), the plans and conversations are stored in the dialect's database. A valid answer
 * is pending_approval; an invalid one is sent back with its problems and repaired, or stored invalid after three
 * repairs; a plan naming a tool nobody registered never runs; approving runs it pinned to its DAG version; a
 * rejection keeps its reason; a follow-up in the conversation revises the plan; only the author (or an admin) sees it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';

import { AuthService } from '../../src/auth/auth-service.js';
import { buildServer, type FlowgateServer } from '../../src/http/build-server.js';
import { systemClock } from '../../src/shared/clock.js';
import { DIALECTS } from '../helpers/dialects.js';
import { startFakeModelServer, type FakeModelServer } from '../helpers/fake-model-server.js';
import { startReceiver, type TestReceiver } from '../helpers/http-receiver.js';
import { startTestFlowgate, type TestFlowgate } from '../helpers/flowgate.js';

const SECRET = 'a-test-secret-of-at-least-32-characters!';
const PASSWORD = 'p4ssword-long-enough';

const lookup = {
  node_id: 'lookup',
  node_type: 'tool',
  tool_name: 'get_stock_price',
  config: { input: { symbol: '{{ input.symbol }}' } },
  dependencies: [],
};
const review = {
  node_id: 'review',
  node_type: 'human_in_loop',
  config: { message: 'Buy at {{ nodes.lookup.output.price }}?' },
  dependencies: ['lookup'],
};
const buy = {
  node_id: 'buy',
  node_type: 'tool',
  tool_name: 'place_order',
  config: { input: { symbol: '{{ input.symbol }}' } },
  dependencies: ['review'],
};

interface PlanBody {
  planId: string;
  conversationId: string;
  status: string;
  version: number;
  plan: { dag_id: string; nodes: { node_id: string }[] };
  problems: { code: string; path: string; message: string }[];
  gates: string[];
  fixes?: string[];
  rounds?: number;
  summary?: string | null;
  workflowId: string | null;
  dagId: string | null;
  dagVersion: number | null;
  rejectionReason: string | null;
  decidedBy: string | null;
}

let model: FakeModelServer;
let receiver: TestReceiver;
beforeAll(async () => {
  model = await startFakeModelServer();
  receiver = await startReceiver();
});
afterAll(async () => {
  await model.close();
  await receiver.close();
});

for (const dialect of DIALECTS) {
  describe(`${dialect}: the planner over HTTP`, () => {
    let t: TestFlowgate;
    let app: FlowgateServer;
    let base = '';
    const tokens = new Map<string, string>();
    const orders: unknown[] = [];

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
    const plan = async (who: string, request: string, conversationId?: string) => {
      const answer = await call(who, 'POST', '/api/plans', {
        request,
        ...(conversationId ? { conversationId } : {}),
      });
      expect(answer.status, JSON.stringify(answer.body)).toBe(201);
      return answer.body as PlanBody;
    };

    beforeAll(async () => {
      t = await startTestFlowgate(dialect, {
        tools: {
          get_stock_price: {
            description: 'The last price of a stock.',
            inputSchema: {
              type: 'object',
              properties: { symbol: { type: 'string' } },
              required: ['symbol'],
            },
            run: () => ({ price: 101 }),
          },
          place_order: {
            description: 'Buys one share.',
            // A zod schema: the planner describes it as JSON Schema, as an AI node does.
            inputSchema: z.object({ symbol: z.string().describe('the ticker') }),
            run: (input: unknown) => {
              orders.push(input);
              return { ok: true };
            },
          },
        },
        ai: {
          providers: { openai: { apiKey: 'k', baseURL: model.openaiBaseUrl } },
          retry: { baseDelayMs: 10 },
        },
        planner: { model: 'openai:gpt-4o-mini' },
        outbound: { allowedCidrs: ['127.0.0.1/32'], allowHttp: true },
      });
      await t.flowgate.webhooks.create({ url: `${receiver.url}/${dialect}`, events: ['plan.*'] });
      const auth = new AuthService({
        store: t.flowgate.store,
        clock: systemClock,
        jwtSecret: SECRET,
      });
      await auth.createUser({ username: 'alice', password: PASSWORD, role: 'user' });
      await auth.createUser({ username: 'bob', password: PASSWORD, role: 'user' });
      await auth.createUser({ username: 'vera', password: PASSWORD, role: 'viewer' });
      await auth.createUser({ username: 'ada', password: PASSWORD, role: 'admin' });
      app = buildServer({
        flowgate: t.flowgate,
        auth,
        loginRateLimit: { max: 1000, timeWindowMs: 60_000 },
      });
      base = await app.listen({ host: '127.0.0.1', port: 0 });
      for (const username of ['alice', 'bob', 'vera', 'ada']) {
        const response = await fetch(`${base}/api/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username, password: PASSWORD }),
        });
        tokens.set(username, ((await response.json()) as { accessToken: string }).accessToken);
      }
    });

    afterAll(async () => {
      await app.close();
      await t.close();
    });

    it('drafts a valid plan from a request, tells the model what it may use, and runs it once approved', async () => {
      const before = model.received.length;
      model.enqueue({
        json: { summary: 'Look up, ask, buy.', name: 'Buy', nodes: [lookup, review, buy] },
      });
      const drafted = await plan('alice', 'Buy one share of ACME if a person agrees to the price');
      expect(drafted.status).toBe('pending_approval');
      expect(drafted.problems).toEqual([]);
      expect(drafted.rounds).toBe(1);
      expect(drafted.summary).toBe('Look up, ask, buy.');
      expect(drafted.gates).toEqual(['review']);
      expect(drafted.plan.dag_id).toMatch(/^generated_plan_[0-9a-f]{12}$/);
      // The model was told of the registered tools, with their descriptions and input schemas.
      const asked = model.received[before]!.body.messages!.map((m) => m.content).join('\n');
      expect(asked).toContain('get_stock_price: The last price of a stock.');
      expect(asked).toContain('"required":["symbol"]');
      expect(asked).toContain('"description":"the ticker"');
      expect(asked).toContain('Buy one share of ACME');

      // Nothing runs before a person approves.
      expect(orders).toEqual([]);
      const approved = await call('alice', 'POST', `/api/plans/${drafted.planId}/approve`, {
        input: { symbol: 'ACME' },
        version: 1,
      });
      expect(approved.status, JSON.stringify(approved.body)).toBe(200);
      const executed = approved.body as PlanBody;
      expect(executed.status).toBe('executed');
      expect(executed.dagId).toBe(drafted.plan.dag_id);
      expect(executed.dagVersion).toBe(1);
      expect(executed.workflowId).toEqual(expect.any(String));

      // Approving the plan did not approve its human node: the run waits there.
      await t.flowgate.waitFor(executed.workflowId!, { until: ['paused'], timeoutMs: 10_000 });
      expect(orders).toEqual([]);
      const [request] = (await t.flowgate.listHitl({ workflowId: executed.workflowId! })).items;
      expect(request!.message).toBe('Buy at 101?');
      await t.flowgate.approve(request!.requestId, 'alice');
      const run = await t.flowgate.waitFor(executed.workflowId!, { timeoutMs: 10_000 });
      expect(run.status).toBe('completed');
      expect(orders).toEqual([{ symbol: 'ACME' }]);

      const again = await call('alice', 'POST', `/api/plans/${drafted.planId}/approve`, {});
      expect(again.status).toBe(409);

      // Other systems heard of it: plan.created, then plan.approved with the run.
      const heard = () =>
        receiver.requests
          .filter((r) => r.url === `/${dialect}`)
          .map((r) => JSON.parse(r.body) as { type: string; data: Record<string, unknown> })
          .filter((event) => event.data.planId === drafted.planId);
      await expect.poll(() => heard().length, { timeout: 10_000 }).toBe(2);
      const events = heard();
      expect(events.map((e) => e.type).sort()).toEqual(['plan.approved', 'plan.created']);
      expect(events.find((e) => e.type === 'plan.approved')!.data.workflowId).toBe(
        executed.workflowId,
      );
    });

    it('repairs what is mechanical and sends the rest back to the model with every problem', async () => {
      const before = model.received.length;
      model.enqueue(
        // A dependency spelled in another case (repaired), a missing dependencies list (repaired), a cycle and an
        // unknown tool (sent back).
        {
          json: {
            nodes: [
              { ...lookup, dependencies: ['Buy'] },
              { node_id: 'review', node_type: 'human_in_loop', config: { message: 'ok?' } },
              { ...buy, tool_name: 'place_ordr', dependencies: ['lookup'] },
            ],
          },
        },
        { json: { summary: 'Fixed.', nodes: [lookup, review, buy] } },
      );
      const drafted = await plan('alice', 'Buy ACME after review');
      expect(drafted.status).toBe('pending_approval');
      expect(drafted.rounds).toBe(2);
      expect(drafted.fixes).toEqual(
        expect.arrayContaining([
          'nodes[1].dependencies: none given, set to []',
          'nodes[0].dependencies: "Buy" read as "buy"',
        ]),
      );
      const repairRequest = model.received[before + 1]!.body.messages!.at(-1)!.content;
      expect(repairRequest).toContain('Fix every problem');
      expect(repairRequest).toContain('nodes[2].tool_name');
      expect(repairRequest).toContain('[unknown_tool]');
      expect(repairRequest).toMatch(/cycle/);
    });

    it('stores a plan still invalid after three repairs as invalid, with its problems, and never runs it', async () => {
      const bad = { json: { nodes: [{ ...buy, tool_name: 'wire_money', dependencies: [] }] } };
      model.enqueue(bad, bad, bad, bad);
      const drafted = await plan('alice', 'Wire money');
      expect(drafted.rounds).toBe(4);
      expect(drafted.status).toBe('invalid');
      expect(drafted.problems.map((p) => `${p.code} @ ${p.path}`)).toEqual([
        'unknown_tool @ nodes[0].tool_name',
      ]);
      const refused = await call('alice', 'POST', `/api/plans/${drafted.planId}/approve`, {});
      expect(refused.status).toBe(409);

      // An edit that still names the unregistered tool stays invalid; one that fixes it can be approved.
      const edited = await call('alice', 'PUT', `/api/plans/${drafted.planId}`, {
        plan: { nodes: [{ ...buy, tool_name: 'wire_money', dependencies: [] }] },
        version: 1,
      });
      expect((edited.body as PlanBody).status).toBe('invalid');
      expect((edited.body as PlanBody).version).toBe(2);
      const stale = await call('alice', 'PUT', `/api/plans/${drafted.planId}`, {
        plan: { nodes: [lookup] },
        version: 1,
      });
      expect(stale.status).toBe(409);
      const fixed = await call('alice', 'PUT', `/api/plans/${drafted.planId}`, {
        plan: { dag_id: 'someone_elses', nodes: [lookup] },
        version: 2,
      });
      const fixedPlan = fixed.body as PlanBody;
      expect([fixedPlan.status, fixedPlan.version, fixedPlan.problems]).toEqual([
        'pending_approval',
        3,
        [],
      ]);
      // The DAG keeps the planner's id whatever the edit says.
      expect(fixedPlan.plan.dag_id).toBe(drafted.plan.dag_id);
      const history = await call('alice', 'GET', `/api/plans/${drafted.planId}`);
      expect((history.body as { versions: unknown[] }).versions).toHaveLength(3);
    });

    it('records a rejection with its reason, and keeps plans to their author and admins', async () => {
      model.enqueue({ json: { nodes: [lookup] } });
      const drafted = await plan('alice', 'Look up ACME');
      expect((await call('bob', 'GET', `/api/plans/${drafted.planId}`)).status).toBe(404);
      expect((await call('bob', 'POST', `/api/plans/${drafted.planId}/approve`, {})).status).toBe(
        404,
      );
      expect((await call('vera', 'POST', '/api/plans', { request: 'anything' })).status).toBe(403);
      const bobs = (await call('bob', 'GET', '/api/plans')).body as { items: PlanBody[] };
      expect(bobs.items).toEqual([]);

      const rejected = await call('alice', 'POST', `/api/plans/${drafted.planId}/reject`, {
        reason: 'We do not trade ACME',
      });
      expect(rejected.status).toBe(200);
      const body = rejected.body as PlanBody;
      expect([body.status, body.rejectionReason]).toEqual(['rejected', 'We do not trade ACME']);
      expect((await call('alice', 'POST', `/api/plans/${drafted.planId}/approve`, {})).status).toBe(
        409,
      );
      const mine = (await call('alice', 'GET', '/api/plans?status=rejected')).body as {
        items: PlanBody[];
      };
      expect(mine.items.map((p) => p.planId)).toContain(drafted.planId);
    });

    it('revises the plan in a follow-up of the conversation, which keeps every turn', async () => {
      model.enqueue({ json: { summary: 'Look up only.', nodes: [lookup] } });
      const first = await plan('alice', 'Look up ACME');
      const before = model.received.length;
      model.enqueue({ json: { summary: 'Now with a review.', nodes: [lookup, review] } });
      const second = await plan('alice', 'Add a review after the lookup', first.conversationId);
      expect(second.conversationId).toBe(first.conversationId);
      expect(second.plan.nodes.map((n) => n.node_id)).toEqual(['lookup', 'review']);
      // The model saw the earlier request and its plan before the follow-up.
      const messages = model.received[before]!.body.messages!;
      const texts = messages.map((m) => m.content);
      expect(texts.some((text) => text.includes('Look up ACME'))).toBe(true);
      expect(texts.some((text) => text.includes('Look up only.'))).toBe(true);
      expect(texts.at(-1)).toContain('Add a review after the lookup');

      const conversation = await call(
        'alice',
        'GET',
        `/api/planner/conversations/${first.conversationId}`,
      );
      const turns = (conversation.body as { turns: { turn: number; planId: string }[] }).turns;
      expect(turns.map((turn) => [turn.turn, turn.planId])).toEqual([
        [1, first.planId],
        [2, second.planId],
      ]);
      expect(
        (await call('bob', 'GET', `/api/planner/conversations/${first.conversationId}`)).status,
      ).toBe(404);
      expect(
        (
          await call('bob', 'POST', '/api/plans', {
            request: 'hijack',
            conversationId: first.conversationId,
          })
        ).status,
      ).toBe(404);
    });

    it('authorization: every planner route × anonymous, viewer, author, another user, admin', async () => {
      type Caller = 'anonymous' | 'vera' | 'alice' | 'bob' | 'ada';
      const callers: Caller[] = ['anonymous', 'vera', 'alice', 'bob', 'ada'];
      /** A fresh plan of alice's, pending approval. */
      const fresh = async () => {
        model.enqueue({ json: { nodes: [lookup] } });
        return plan('alice', 'Look up ACME');
      };
      const table: {
        route: string;
        method: string;
        url: (p: PlanBody) => string;
        body?: unknown;
        /** Needs a plan of its own for each caller that succeeds (it changes the plan). */
        changes?: boolean;
        expect: Record<Caller, number>;
      }[] = [
        {
          route: 'POST /api/plans',
          method: 'POST',
          url: () => '/api/plans',
          body: { request: 'Look up ACME' },
          expect: { anonymous: 401, vera: 403, alice: 201, bob: 201, ada: 201 },
        },
        {
          route: 'GET /api/plans',
          method: 'GET',
          url: () => '/api/plans',
          expect: { anonymous: 401, vera: 200, alice: 200, bob: 200, ada: 200 },
        },
        {
          route: 'GET /api/plans/{planId}',
          method: 'GET',
          url: (p) => `/api/plans/${p.planId}`,
          expect: { anonymous: 401, vera: 404, alice: 200, bob: 404, ada: 200 },
        },
        {
          route: 'PUT /api/plans/{planId}',
          method: 'PUT',
          url: (p) => `/api/plans/${p.planId}`,
          body: { plan: { nodes: [lookup] } },
          changes: true,
          expect: { anonymous: 401, vera: 403, alice: 200, bob: 404, ada: 200 },
        },
        {
          route: 'POST /api/plans/{planId}/approve',
          method: 'POST',
          url: (p) => `/api/plans/${p.planId}/approve`,
          body: { input: { symbol: 'ACME' } },
          changes: true,
          expect: { anonymous: 401, vera: 403, alice: 200, bob: 404, ada: 200 },
        },
        {
          route: 'POST /api/plans/{planId}/reject',
          method: 'POST',
          url: (p) => `/api/plans/${p.planId}/reject`,
          body: { reason: 'no' },
          changes: true,
          expect: { anonymous: 401, vera: 403, alice: 200, bob: 404, ada: 200 },
        },
        {
          route: 'GET /api/planner/conversations/{conversationId}',
          method: 'GET',
          url: (p) => `/api/planner/conversations/${p.conversationId}`,
          expect: { anonymous: 401, vera: 404, alice: 200, bob: 404, ada: 200 },
        },
      ];
      // The table names every planner route the server registers.
      const document = (await (await fetch(`${base}/api/openapi.json`)).json()) as {
        paths: Record<string, Record<string, unknown>>;
      };
      const registered = Object.entries(document.paths)
        .filter(([path]) => /^\/api\/(plans|planner)/.test(path))
        .flatMap(([path, methods]) =>
          Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`),
        );
      expect(table.map((row) => row.route).sort()).toEqual(registered.sort());

      const shared = await fresh();
      for (const row of table) {
        const got: Partial<Record<Caller, number>> = {};
        for (const caller of callers) {
          const target = row.changes && row.expect[caller] < 300 ? await fresh() : shared;
          if (row.route === 'POST /api/plans' && row.expect[caller] < 300) {
            model.enqueue({ json: { nodes: [lookup] } });
          }
          const response = await fetch(`${base}${row.url(target)}`, {
            method: row.method,
            headers: {
              ...(caller === 'anonymous' ? {} : { authorization: `Bearer ${tokens.get(caller)!}` }),
              ...(row.body === undefined ? {} : { 'content-type': 'application/json' }),
            },
            ...(row.body === undefined ? {} : { body: JSON.stringify(row.body) }),
          });
          got[caller] = response.status;
        }
        expect(got, row.route).toEqual(row.expect);
      }
    });

    it('answers 502 when the model provider fails, and stores nothing', async () => {
      model.enqueue({ status: 400, body: { error: { message: 'bad key' } } });
      const before = (
        (await call('alice', 'GET', '/api/plans?limit=500')).body as {
          items: unknown[];
        }
      ).items.length;
      const failed = await call('alice', 'POST', '/api/plans', { request: 'Look up ACME' });
      expect(failed.status).toBe(502);
      expect((failed.body as { error: { code: string } }).error.code).toBe('UPSTREAM_FAILED');
      const after = (
        (await call('alice', 'GET', '/api/plans?limit=500')).body as {
          items: unknown[];
        }
      ).items.length;
      expect(after).toBe(before);
    });
  });
}
