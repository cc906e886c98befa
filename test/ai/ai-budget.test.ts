/**
 * A run's AI budget (`settings.aiBudget`): before each model call the run's spend so far is checked; once the priced
 * calls have cost the budget, no further call reaches the model and the node fails without retries, saying what was
 * spent. The budget is the run's, across its AI nodes; unpriced calls do not count. With `onExceed: "ask"` a person
 * lets the node go on past the budget, or stops it. Both dialects, the fake OpenAI server, prices by the operator's
 * override (known per call).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { DIALECTS } from '../helpers/dialects.js';
import { startFakeModelServer, type FakeModelServer } from '../helpers/fake-model-server.js';
import { startTestFlowgate, type TestFlowgate } from '../helpers/flowgate.js';

/** USD per million tokens: a call of 1,000 input and 100 output tokens costs $0.001 + $0.001 = $0.002. */
const PRICES = { 'openai:gpt-4o-mini': { input: 1, output: 10 } };
const USAGE = { input: 1000, output: 100 };
const CALL_USD = 0.002;

let server: FakeModelServer;
beforeAll(async () => {
  server = await startFakeModelServer();
});
afterAll(async () => {
  await server.close();
});

function budgetDag(
  dagId: string,
  nodes: { id: string; data: Record<string, unknown> }[],
  aiBudget: unknown,
) {
  return {
    dag_id: dagId,
    nodes: nodes.map((n) => ({ id: n.id, type: 'ai', data: n.data })),
    edges: nodes.slice(1).map((n, i) => ({ source: nodes[i]!.id, target: n.id })),
    // Retries would be allowed: a spent budget must not be retried.
    settings: { maxRetries: 3, aiBudget },
  };
}

for (const dialect of DIALECTS) {
  describe(`${dialect}: a run's AI budget`, () => {
    let t: TestFlowgate | undefined;
    const start = async () => {
      t = await startTestFlowgate(dialect, {
        ai: {
          providers: {
            openai: { apiKey: 'k', baseURL: server.openaiBaseUrl },
            'openai-compatible': { baseURL: server.openaiBaseUrl },
          },
          prices: PRICES,
          retry: { baseDelayMs: 10 },
        },
        tools: { lookup: { description: 'Looks something up', run: () => ({ found: true }) } },
      });
      return t;
    };
    const nodeRows = (workflowId: string) =>
      t!.flowgate.store.read((db) =>
        db
          .selectFrom('workflow_nodes')
          .select(['node_id', 'status', 'attempt'])
          .where('workflow_id', '=', workflowId)
          .orderBy('node_id')
          .execute(),
      );
    afterEach(async () => {
      await t?.close();
      t = undefined;
      expect(server.pending).toBe(0);
      server.received.length = 0;
    });

    it('stops a tool loop once the run has spent its budget, without retrying the node', async () => {
      const flowgate = (await start()).flowgate;
      server.enqueue(
        { toolCalls: [{ id: 'c1', name: 'lookup', args: {} }], usage: USAGE },
        { toolCalls: [{ id: 'c2', name: 'lookup', args: {} }], usage: USAGE },
        // Never asked: after two calls ($0.004) the budget ($0.003) is spent.
      );
      const { workflowId } = await flowgate.start(
        budgetDag(
          'looping',
          [{ id: 'ask', data: { prompt: 'Go', model: 'gpt-4o-mini', tools: ['lookup'] } }],
          { usd: 1.5 * CALL_USD, onExceed: 'fail' },
        ),
        {},
      );
      const run = await flowgate.waitFor(workflowId, { timeoutMs: 15_000 });
      expect(run.status).toBe('failed');
      expect(server.received).toHaveLength(2);
      const error = JSON.stringify(run.error);
      expect(error).toContain("The run's AI budget of $0.003 (settings.aiBudget) is spent: $0.004");
      expect(error).toContain('2 priced model calls');
      expect(await nodeRows(workflowId)).toEqual([
        { node_id: 'ask', status: 'failed', attempt: 1 },
      ]);
      const calls = await flowgate.aiCalls(workflowId);
      expect(calls.filter((c) => c.kind === 'model_call')).toHaveLength(2);
    });

    it('counts every AI node of the run against one budget, and lets a run under it finish', async () => {
      const flowgate = (await start()).flowgate;
      const nodes = [
        { id: 'first', data: { prompt: 'One', model: 'gpt-4o-mini' } },
        { id: 'second', data: { prompt: 'Two', model: 'gpt-4o-mini' } },
      ];
      server.enqueue({ text: 'one', usage: USAGE });
      const over = await flowgate.start(budgetDag('two_nodes', nodes, { usd: CALL_USD }), {});
      const failed = await flowgate.waitFor(over.workflowId, { timeoutMs: 15_000 });
      expect(failed.status).toBe('failed');
      expect(server.received).toHaveLength(1);
      expect(await nodeRows(over.workflowId)).toEqual([
        { node_id: 'first', status: 'completed', attempt: 1 },
        { node_id: 'second', status: 'failed', attempt: 1 },
      ]);

      // A budget is per run: another run of the same DAG starts from nothing, and one with room completes.
      server.received.length = 0;
      server.enqueue({ text: 'one', usage: USAGE }, { text: 'two', usage: USAGE });
      const under = await flowgate.start(budgetDag('roomy', nodes, { usd: 3 * CALL_USD }), {});
      const done = await flowgate.waitFor(under.workflowId, { timeoutMs: 15_000 });
      expect(done.status).toBe('completed');
      expect(server.received).toHaveLength(2);
    });

    it('does not count unpriced calls toward the budget', async () => {
      const flowgate = (await start()).flowgate;
      server.enqueue(
        { toolCalls: [{ id: 'c1', name: 'lookup', args: {} }], usage: USAGE },
        { toolCalls: [{ id: 'c2', name: 'lookup', args: {} }], usage: USAGE },
        { text: 'done', usage: USAGE },
      );
      const { workflowId } = await flowgate.start(
        budgetDag(
          'local_model',
          [
            {
              id: 'ask',
              data: {
                prompt: 'Go',
                provider: 'openai-compatible',
                model: 'house-model',
                tools: ['lookup'],
              },
            },
          ],
          { usd: 0.000001 },
        ),
        {},
      );
      const run = await flowgate.waitFor(workflowId, { timeoutMs: 15_000 });
      expect(run.status).toBe('completed');
      expect(run.result).toMatchObject({ text: 'done', usage: { calls: 3, unpricedCalls: 3 } });
    });

    it('asks a person once the budget is spent (onExceed "ask"): allowed, the node goes on to its end; stopped, it fails', async () => {
      const flowgate = (await start()).flowgate;
      const node = [
        {
          id: 'ask',
          data: {
            prompt: 'Go',
            model: 'gpt-4o-mini',
            tools: ['lookup'],
            approval: { approvers: ['dave'] },
          },
        },
      ];
      const dag = budgetDag('asking', node, { usd: 1.5 * CALL_USD, onExceed: 'ask' });
      const pending = async (workflowId: string) => {
        await flowgate.waitFor(workflowId, { until: ['paused'], timeoutMs: 15_000 });
        const { items } = await flowgate.listHitl({ workflowId });
        expect(items).toHaveLength(1);
        return flowgate.getHitl(items[0]!.requestId);
      };

      server.enqueue(
        { toolCalls: [{ id: 'c1', name: 'lookup', args: {} }], usage: USAGE },
        { toolCalls: [{ id: 'c2', name: 'lookup', args: {} }], usage: USAGE },
        // Past the budget: asked once, allowed, then the node goes on without asking again.
        { toolCalls: [{ id: 'c3', name: 'lookup', args: {} }], usage: USAGE },
        { text: 'done', usage: USAGE },
      );
      const allowed = await flowgate.start(dag, {});
      const request = await pending(allowed.workflowId);
      expect(server.received).toHaveLength(2);
      expect(request.message).toBe(
        "The run's AI budget of $0.003 is spent ($0.0040 so far). Let ask go on?",
      );
      expect(request.context).toMatchObject({ budget: { budgetUsd: 0.003, spentUsd: 0.004 } });
      await expect(flowgate.approve(request.requestId, 'erin')).rejects.toMatchObject({
        code: 'FORBIDDEN',
      });
      await flowgate.approve(request.requestId, 'dave');
      const done = await flowgate.waitFor(allowed.workflowId, { timeoutMs: 15_000 });
      expect(done.status).toBe('completed');
      expect(done.result).toMatchObject({ text: 'done', usage: { calls: 4 } });

      server.received.length = 0;
      server.enqueue(
        { toolCalls: [{ id: 'c1', name: 'lookup', args: {} }], usage: USAGE },
        { toolCalls: [{ id: 'c2', name: 'lookup', args: {} }], usage: USAGE },
      );
      const stopped = await flowgate.start(dag, {});
      const second = await pending(stopped.workflowId);
      await flowgate.reject(second.requestId, 'dave', { comment: 'enough' });
      const failed = await flowgate.waitFor(stopped.workflowId, { timeoutMs: 15_000 });
      expect(failed.status).toBe('failed');
      expect(server.received).toHaveLength(2);
      expect(JSON.stringify(failed.error)).toContain('(dave did not let ask go on: enough)');
    });

    it('refuses a budget it cannot keep: an unknown onExceed, no amount, unknown keys', async () => {
      const flowgate = (await start()).flowgate;
      const node = [{ id: 'ask', data: { prompt: 'Hi', model: 'gpt-4o-mini' } }];
      const problems = async (aiBudget: unknown) => {
        try {
          await flowgate.putDag(budgetDag('judged', node, aiBudget));
        } catch (error) {
          const details = (error as { code: string; details: { path: string; message: string }[] })
            .details;
          return details.map((p) => `${p.path}: ${p.message}`);
        }
        return [];
      };
      expect(await problems({ usd: 1, onExceed: 'warn' })).toEqual([
        'settings.aiBudget.onExceed: must be "fail" (the node fails) or "ask" (a person may let it go on)',
      ]);
      expect(await problems({ usd: 0, per: 'day' })).toEqual([
        'settings.aiBudget.usd: must be an amount in US dollars, more than 0',
        'settings.aiBudget.per: unknown key (aiBudget takes usd and onExceed)',
      ]);
      expect(await problems(5)).toEqual([
        'settings.aiBudget: must be an object: {"usd": 5, "onExceed": "fail"}',
      ]);
      // A valid one is stored normalized, onExceed defaulting to "fail".
      expect(await problems({ usd: 2 })).toEqual([]);
      const stored = await flowgate.getDag('judged');
      expect(stored.definition.settings.aiBudget).toEqual({ usd: 2, onExceed: 'fail' });
    });
  });
}
