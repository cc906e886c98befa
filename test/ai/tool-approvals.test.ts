import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import type { AiOptions } from '../../src/app/ai-setup.js';
import type { Flowgate } from '../../src/app/flowgate.js';
import { DIALECTS } from '../helpers/dialects.js';
import { startFakeModelServer, type FakeModelServer } from '../helpers/fake-model-server.js';
import { startTestFlowgate, type TestFlowgate } from '../helpers/flowgate.js';

const transferSchema = {
  type: 'object',
  properties: { to: { type: 'string' }, amount: { type: 'number', minimum: 0 } },
  required: ['to', 'amount'],
};
const lookupSchema = {
  type: 'object',
  properties: { account: { type: 'string' } },
  required: ['account'],
};

let server: FakeModelServer;
beforeAll(async () => {
  server = await startFakeModelServer();
});
afterAll(async () => {
  await server.close();
});

function aiOptions(): AiOptions {
  return {
    providers: { openai: { apiKey: 'test-openai', baseURL: server.openaiBaseUrl } },
    retry: { baseDelayMs: 20, maxDelayMs: 100 },
  };
}

function agentDag(dagId: string, data: Record<string, unknown>) {
  return {
    dag_id: dagId,
    nodes: [
      {
        id: 'agent',
        type: 'ai',
        data: {
          prompt: 'Pay the invoice of {{ input.vendor }}',
          provider: 'openai',
          model: 'gpt-4o-mini',
          tools: ['transfer', 'lookup'],
          ...data,
        },
      },
    ],
    edges: [],
  };
}

/** The pending requests of a run, once there are `count` of them. */
async function pendingRequests(flowgate: Flowgate, workflowId: string, count: number) {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const { items } = await flowgate.listHitl({ workflowId });
    if (items.length >= count) return items;
    if (Date.now() > deadline) throw new Error(`expected ${count} pending request(s)`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The tool results the model read in its nth call. */
function toolResults(n: number) {
  const body = server.received[n]!.body;
  return body.messages!.filter((m) => m.role === 'tool');
}

for (const dialect of DIALECTS) {
  describe(`${dialect}: approved tool calls`, () => {
    let t: TestFlowgate | undefined;
    afterEach(async () => {
      await t?.close();
      t = undefined;
      expect(server.pending).toBe(0);
      server.received.length = 0;
    });

    function start(ran: { tool: string; input: unknown }[]) {
      return startTestFlowgate(dialect, {
        ai: aiOptions(),
        tools: {
          transfer: {
            description: 'Sends money',
            inputSchema: transferSchema,
            run: (input: unknown) => {
              ran.push({ tool: 'transfer', input });
              return { ok: true, reference: `T-${ran.length}` };
            },
          },
          lookup: {
            description: 'An account balance',
            inputSchema: lookupSchema,
            run: (input: unknown) => {
              ran.push({ tool: 'lookup', input });
              return { balance: 120 };
            },
          },
        },
      });
    }

    it('asks a person before a gated call; approved with edits, rejected, repeated and answered calls reach the model as decided', async () => {
      const ran: { tool: string; input: unknown }[] = [];
      t = await start(ran);
      const { flowgate } = t;
      server.enqueue(
        {
          text: 'The invoice is 50; I will check the balance and pay Bob.',
          toolCalls: [
            { id: 'call_pay', name: 'transfer', args: { to: 'bob', amount: 50 } },
            { id: 'call_bal', name: 'lookup', args: { account: 'ops' } },
          ],
        },
        { toolCalls: [{ id: 'call_eve', name: 'transfer', args: { to: 'eve', amount: 1000 } }] },
        // The same call again, its keys in another order: rejected without asking.
        { toolCalls: [{ id: 'call_eve2', name: 'transfer', args: { amount: 1000, to: 'eve' } }] },
        { toolCalls: [{ id: 'call_carol', name: 'transfer', args: { to: 'carol', amount: 5 } }] },
        { text: 'Paid Bob 40.' },
      );
      const { workflowId } = await flowgate.start(
        agentDag('pay-invoice', {
          approveTools: ['transfer'],
          approval: { approvers: ['dave'] },
        }),
        { input: { vendor: 'Bob' } },
      );

      // The ungated lookup ran while the transfer waits; the run is paused on the person, holding no worker.
      const [first] = await pendingRequests(flowgate, workflowId, 1);
      expect(ran).toEqual([{ tool: 'lookup', input: { account: 'ops' } }]);
      expect((await flowgate.getWorkflow(workflowId)).status).toBe('paused');
      const request = await flowgate.getHitl(first!.requestId);
      expect(request.message).toBe('Allow agent to run transfer?');
      expect(request.context).toMatchObject({
        proposed: { to: 'bob', amount: 50 },
        toolCall: {
          toolName: 'transfer',
          toolCallId: 'call_pay',
          input: { to: 'bob', amount: 50 },
          reasoning: 'The invoice is 50; I will check the balance and pay Bob.',
        },
      });
      expect(request.spec).toMatchObject({ editable: ['to', 'amount'] });

      // Only the named approver decides, and edits must still fit the tool's schema.
      await expect(flowgate.approve(first!.requestId, 'erin')).rejects.toMatchObject({
        code: 'FORBIDDEN',
      });
      await expect(
        flowgate.approve(first!.requestId, 'dave', { edits: { amount: 'lots' } }),
      ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
      await flowgate.approve(first!.requestId, 'dave', { edits: { amount: 40 } });

      // The model is told the arguments changed, and the tool ran with the edited ones.
      const [second] = (await pendingRequests(flowgate, workflowId, 1)).filter(
        (r) => r.requestId !== first!.requestId,
      );
      expect(ran).toContainEqual({ tool: 'transfer', input: { to: 'bob', amount: 40 } });
      const afterApproval = toolResults(1);
      expect(afterApproval).toHaveLength(2);
      const paid = JSON.parse(afterApproval.find((m) => m.tool_call_id === 'call_pay')!.content);
      expect(paid).toMatchObject({
        result: { ok: true },
        note: expect.stringContaining('dave changed the arguments'),
        arguments: { to: 'bob', amount: 40 },
        changes: [{ path: 'amount', before: 50, after: 40 }],
      });

      await flowgate.reject(second!.requestId, 'dave', { comment: 'eve is not a vendor' });
      // The repeat is rejected without a request; then carol's call waits, and dave answers in words.
      const third = (await pendingRequests(flowgate, workflowId, 1))[0]!;
      expect((await flowgate.getHitl(third.requestId)).context).toMatchObject({
        toolCall: { toolCallId: 'call_carol' },
      });
      await flowgate.respond(third.requestId, 'dave', 'Use the ledger instead');

      const run = await flowgate.waitFor(workflowId, { timeoutMs: 15_000 });
      expect(run.status).toBe('completed');
      expect(run.result).toMatchObject({ text: 'Paid Bob 40.' });
      expect(ran.filter((r) => r.tool === 'transfer')).toEqual([
        { tool: 'transfer', input: { to: 'bob', amount: 40 } },
      ]);
      expect(toolResults(2).at(-1)).toMatchObject({
        tool_call_id: 'call_eve',
        content: 'Not run: rejected by dave: eve is not a vendor',
      });
      expect(toolResults(3).at(-1)!.content).toContain(
        'Not run: the same call was already rejected by dave: eve is not a vendor',
      );
      expect(toolResults(4).at(-1)).toMatchObject({
        tool_call_id: 'call_carol',
        content: 'Not run: dave answered instead: Use the ledger instead',
      });

      // Audited: who decided each call, the edit's diff, and the repeat rejected without asking.
      const events = await flowgate.listEvents(workflowId);
      const of = (type: string) => events.filter((e) => e.type === type).map((e) => e.data);
      expect(of('hitl_requested')).toHaveLength(3);
      expect(of('hitl_approved')).toEqual([
        expect.objectContaining({
          node_id: 'agent',
          edits: [{ path: 'amount', before: 50, after: 40 }],
          by: expect.objectContaining({ username: 'dave' }),
        }),
      ]);
      expect(of('hitl_rejected')).toEqual([
        expect.objectContaining({ response: 'eve is not a vendor' }),
      ]);
      expect(of('hitl_completed')).toHaveLength(1);
      expect(of('ai_tool_call')).toContainEqual(
        expect.objectContaining({ tool_call_id: 'call_eve2', status: 'rejected' }),
      );
    });

    it('gates by a condition over the input, and fails the node past its approval cap', async () => {
      const ran: { tool: string; input: unknown }[] = [];
      t = await start(ran);
      const { flowgate } = t;
      server.enqueue(
        // Small: runs without asking.
        { toolCalls: [{ id: 'small', name: 'transfer', args: { to: 'bob', amount: 20 } }] },
        { toolCalls: [{ id: 'big', name: 'transfer', args: { to: 'bob', amount: 500 } }] },
        { toolCalls: [{ id: 'big2', name: 'transfer', args: { to: 'ann', amount: 700 } }] },
      );
      const { workflowId } = await flowgate.start(
        agentDag('pay-gated', {
          approveTools: { transfer: 'amount > 100' },
          maxToolApprovals: 1,
        }),
        { input: { vendor: 'Bob' } },
      );
      const [request] = await pendingRequests(flowgate, workflowId, 1);
      expect(ran).toEqual([{ tool: 'transfer', input: { to: 'bob', amount: 20 } }]);
      expect((await flowgate.getHitl(request!.requestId)).context).toMatchObject({
        toolCall: { toolCallId: 'big', input: { amount: 500 } },
      });
      await flowgate.approve(request!.requestId, 'dave');
      const run = await flowgate.waitFor(workflowId, { timeoutMs: 15_000 });
      expect(run.status).toBe('failed');
      expect(run.error).toContain('more than 1 tool-call approvals');
      expect(ran.map((r) => (r.input as { amount: number }).amount)).toEqual([20, 500]);
    });

    it('asks about two gated calls of one step at once and resumes when both are decided; a cancel ends the wait', async () => {
      const ran: { tool: string; input: unknown }[] = [];
      t = await start(ran);
      const { flowgate } = t;
      server.enqueue(
        {
          toolCalls: [
            { id: 'pay_a', name: 'transfer', args: { to: 'ann', amount: 1 } },
            { id: 'pay_b', name: 'transfer', args: { to: 'ben', amount: 2 } },
          ],
        },
        { text: 'Paid Ben.' },
        { toolCalls: [{ id: 'pay_c', name: 'transfer', args: { to: 'cy', amount: 3 } }] },
      );
      const { workflowId } = await flowgate.start(
        agentDag('pay-two', { approveTools: ['transfer'] }),
        { input: { vendor: 'Ann and Ben' } },
      );
      // Raised in one commit: told apart by their calls, not by their order.
      const byCall = new Map<string, string>();
      for (const request of await pendingRequests(flowgate, workflowId, 2)) {
        const { context } = await flowgate.getHitl(request.requestId);
        byCall.set(
          (context as { toolCall: { toolCallId: string } }).toolCall.toolCallId,
          request.requestId,
        );
      }
      const a = { requestId: byCall.get('pay_a')! };
      const b = { requestId: byCall.get('pay_b')! };
      await flowgate.reject(a.requestId, 'dave', { comment: 'no' });
      // One decided, one open: the node still waits, nothing ran, no model call was made.
      expect((await flowgate.getWorkflow(workflowId)).status).toBe('paused');
      expect(server.received).toHaveLength(1);
      await flowgate.approve(b.requestId, 'dave');
      const run = await flowgate.waitFor(workflowId, { timeoutMs: 15_000 });
      expect(run.status).toBe('completed');
      expect(ran).toEqual([{ tool: 'transfer', input: { to: 'ben', amount: 2 } }]);
      expect(toolResults(1).map((m) => m.tool_call_id)).toEqual(['pay_a', 'pay_b']);

      // A run cancelled while a call waits: the request is closed and the tool never runs.
      const second = await flowgate.start(agentDag('pay-cancel', { approveTools: ['transfer'] }), {
        input: { vendor: 'Cy' },
      });
      const [c] = await pendingRequests(flowgate, second.workflowId, 1);
      await flowgate.cancel(second.workflowId, 'admin');
      expect((await flowgate.getHitl(c!.requestId)).status).toBe('cancelled');
      expect((await flowgate.getWorkflow(second.workflowId)).status).toBe('cancelled');
      expect(ran).toHaveLength(1);
    });

    it('tells the model when nobody approved in time', async () => {
      const ran: { tool: string; input: unknown }[] = [];
      t = await start(ran);
      const { flowgate } = t;
      server.enqueue(
        { toolCalls: [{ id: 'late', name: 'transfer', args: { to: 'bob', amount: 5 } }] },
        { text: 'Nobody approved; I stopped.' },
      );
      const { workflowId } = await flowgate.start(
        agentDag('pay-timeout', {
          approveTools: true,
          approval: { timeout: { after: 'PT0.2S', outcome: 'expire' } },
        }),
        { input: { vendor: 'Bob' } },
      );
      const run = await flowgate.waitFor(workflowId, { timeoutMs: 15_000 });
      expect(run.status).toBe('completed');
      expect(ran).toEqual([]);
      expect(toolResults(1).at(-1)).toMatchObject({
        tool_call_id: 'late',
        content: 'Not run: nobody approved this call in time.',
      });
    });
  });
}
