/**
 * A tool-call approval request names its tool in the HITL listing (`toolCall: {toolName, toolCallId}`), so that an
 * inbox can say what an agent wants without loading each request's context; other requests carry no such field.
 * Both dialects, with the AI node talking to the fake model server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startApiApp, type ApiApp } from '../helpers/api-app.js';
import { DIALECTS } from '../helpers/dialects.js';
import { startFakeModelServer, type FakeModelServer } from '../helpers/fake-model-server.js';
import { plan, startTestFlowgate, type TestFlowgate } from '../helpers/flowgate.js';

interface Item {
  requestId: string;
  workflowId: string;
  toolCall?: { toolName: string; toolCallId: string };
  context?: unknown;
}

let models: FakeModelServer;
beforeAll(async () => {
  models = await startFakeModelServer();
});
afterAll(async () => {
  await models.close();
});

for (const dialect of DIALECTS) {
  describe(`${dialect}: the tool a tool-call request is about, in the listing`, () => {
    let t: TestFlowgate;
    let api: ApiApp;

    beforeAll(async () => {
      t = await startTestFlowgate(dialect, {
        ai: {
          providers: { openai: { apiKey: 'test-openai', baseURL: models.openaiBaseUrl } },
          retry: { baseDelayMs: 20, maxDelayMs: 100 },
        },
        tools: {
          lookup: {
            description: 'An account balance',
            inputSchema: {
              type: 'object',
              properties: { account: { type: 'string' } },
              required: ['account'],
            },
            run: () => ({ balance: 120 }),
          },
        },
      });
      api = await startApiApp(t.flowgate);
    });

    afterAll(async () => {
      await api?.close();
      await t?.close();
    });

    const get = async <T>(url: string): Promise<T> => {
      const response = await api.call('admin', 'GET', url);
      expect(response.statusCode, response.body).toBe(200);
      return response.json<T>();
    };

    it('lists a tool-call request with its tool and call id, and a plain request without', async () => {
      models.enqueue(
        { toolCalls: [{ id: 'call_bal', name: 'lookup', args: { account: 'ops' } }] },
        { text: 'Done.' },
      );
      const agent = await t.flowgate.start({
        dag_id: 'agent',
        nodes: [
          {
            id: 'ask',
            type: 'ai',
            data: {
              prompt: 'Check the balance',
              provider: 'openai',
              model: 'gpt-4o-mini',
              tools: ['lookup'],
              approveTools: true,
            },
          },
        ],
        edges: [],
      });
      const plain = await t.flowgate.start(
        plan('plain', [{ id: 'gate', type: 'human_in_loop', config: { message: 'Go on?' } }]),
      );
      for (const { workflowId } of [agent, plain])
        await t.flowgate.waitFor(workflowId, { until: ['paused'], timeoutMs: 15_000 });

      const { items } = await get<{ items: Item[] }>('/api/hitl?status=pending');
      const byRun = new Map(items.map((item) => [item.workflowId, item]));
      expect(byRun.get(agent.workflowId)?.toolCall).toEqual({
        toolName: 'lookup',
        toolCallId: 'call_bal',
      });
      expect(byRun.get(agent.workflowId)?.context).toBeUndefined();
      expect(byRun.get(plain.workflowId)).toBeDefined();
      expect(byRun.get(plain.workflowId)).not.toHaveProperty('toolCall');

      const one = await get<Item & { context: { toolCall: { input: unknown } } }>(
        `/api/hitl/${byRun.get(agent.workflowId)!.requestId}`,
      );
      expect(one.toolCall).toEqual({ toolName: 'lookup', toolCallId: 'call_bal' });
      expect(one.context.toolCall.input).toEqual({ account: 'ops' });

      // Decided, it keeps naming its tool (the Decided tab lists it too).
      await t.flowgate.approve(one.requestId, 'admin');
      await t.flowgate.waitFor(agent.workflowId, { timeoutMs: 15_000 });
      const decided = await get<{ items: Item[] }>(
        `/api/hitl?status=all&workflowId=${agent.workflowId}`,
      );
      expect(decided.items[0]?.toolCall?.toolName).toBe('lookup');
    });
  });
}
