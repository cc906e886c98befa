import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import type { AiOptions } from '../../src/app/ai-setup.js';
import { NonRetriableError } from '../../src/shared/errors.js';
import { DIALECTS } from '../helpers/dialects.js';
import {
  startFakeModelServer,
  type FakeModelServer,
  type FakeRequestBody,
} from '../helpers/fake-model-server.js';
import { startTestFlowgate, type TestFlowgate } from '../helpers/flowgate.js';

const priceSchema = {
  type: 'object',
  properties: { symbol: { type: 'string' } },
  required: ['symbol'],
};

let server: FakeModelServer;
beforeAll(async () => {
  server = await startFakeModelServer();
});
afterAll(async () => {
  await server.close();
});

function aiOptions(extra: Partial<AiOptions> = {}): AiOptions {
  return {
    providers: {
      openai: { apiKey: 'test-openai', baseURL: server.openaiBaseUrl },
      'openai-compatible': { apiKey: 'test-local', baseURL: server.openaiBaseUrl },
      gemini: { apiKey: 'test-gemini', baseURL: server.geminiBaseUrl },
      groq: { apiKey: 'test-groq', baseURL: server.openaiBaseUrl },
      perplexity: { apiKey: 'test-pplx', baseURL: server.openaiBaseUrl },
    },
    // Fast backoff: the policy is what is tested, not the wait.
    retry: { baseDelayMs: 20, maxDelayMs: 100 },
    ...extra,
  };
}

async function waitUntil(check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** A seed 004 graph with one AI node. */
function aiDag(dagId: string, data: Record<string, unknown>) {
  return { dag_id: dagId, nodes: [{ id: 'ask', type: 'ai', data }], edges: [] };
}

for (const dialect of DIALECTS) {
  describe(`${dialect}: AI nodes`, () => {
    let t: TestFlowgate | undefined;
    afterEach(async () => {
      await t?.close();
      t = undefined;
      expect(server.pending).toBe(0);
      server.received.length = 0;
    });

    it('runs a tool loop of several steps, recording usage and cost per call', async () => {
      const ran: { input: unknown; key: string }[] = [];
      t = await startTestFlowgate(dialect, {
        ai: aiOptions(),
        tools: {
          get_stock_price: {
            description: 'The last price of a stock',
            inputSchema: priceSchema,
            run: (input: { symbol: string }, ctx) => {
              ran.push({ input, key: ctx.idempotencyKey });
              return { symbol: input.symbol, price: input.symbol === 'ACME' ? 12.5 : 3 };
            },
          },
        },
      });
      server.enqueue(
        {
          toolCalls: [{ id: 'call_a', name: 'get_stock_price', args: { symbol: 'ACME' } }],
          usage: { input: 100, output: 20 },
        },
        {
          toolCalls: [
            { id: 'call_b', name: 'get_stock_price', args: { symbol: 'INIT' } },
            { id: 'call_c', name: 'get_stock_price', args: { symbol: 'ACME' } },
          ],
          usage: { input: 200, output: 30, cached: 50 },
        },
        { text: 'ACME is at 12.5', usage: { input: 300, output: 10, reasoning: 4 } },
      );
      const { workflowId } = await t.flowgate.start(
        aiDag('stocks', {
          prompt: 'What is {{ input.symbol }} worth?',
          system: 'You are terse.',
          provider: 'openai',
          model: 'gpt-4o-mini',
          tools: ['get_stock_price'],
        }),
        { input: { symbol: 'ACME' } },
      );
      const run = await t.flowgate.waitFor(workflowId, { timeoutMs: 15_000 });
      expect(run.status).toBe('completed');
      expect(run.result).toMatchObject({
        text: 'ACME is at 12.5',
        provider: 'openai',
        model: 'gpt-4o-mini',
        usage: {
          calls: 3,
          toolCalls: 3,
          inputTokens: 600,
          outputTokens: 60,
          cachedInputTokens: 50,
          reasoningTokens: 4,
          unpricedCalls: 0,
        },
      });
      expect((run.result as { usage: { costUsd: number } }).usage.costUsd).toBeGreaterThan(0);

      // What the model saw: the rendered prompt and system, the tool's schema, then each tool result in turn.
      const [first, second, third] = server.received.map((r) => r.body) as [
        FakeRequestBody,
        FakeRequestBody,
        FakeRequestBody,
      ];
      expect(first.model).toBe('gpt-4o-mini');
      expect(first.messages).toEqual([
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'What is ACME worth?' },
      ]);
      expect(first.tools![0]!.function).toMatchObject({
        name: 'get_stock_price',
        parameters: { properties: { symbol: { type: 'string' } } },
      });
      const result = second.messages!.at(-1)!;
      expect(result).toMatchObject({ role: 'tool', tool_call_id: 'call_a' });
      expect(JSON.parse(result.content)).toEqual({ symbol: 'ACME', price: 12.5 });
      expect(third.messages!.filter((m) => m.role === 'tool')).toHaveLength(3);

      expect(ran.map((r) => r.key).sort()).toEqual(
        ['call_a', 'call_b', 'call_c'].map((id) => `${workflowId}:ask:${id}`),
      );

      const calls = await t.flowgate.aiCalls(workflowId);
      const models = calls.filter((c) => c.kind === 'model_call');
      expect(models.map((c) => [c.stepKey, c.status, c.inputTokens, c.costSource])).toEqual([
        ['model:0', 'completed', 100, 'catalog'],
        ['model:1', 'completed', 200, 'catalog'],
        ['model:2', 'completed', 300, 'catalog'],
      ]);
      expect(models.every((c) => c.costUsd! > 0 && c.provider === 'openai')).toBe(true);
      expect(calls.filter((c) => c.kind === 'tool_call').map((c) => c.stepKey)).toEqual(
        expect.arrayContaining(['tool:0:call_a', 'tool:1:call_b', 'tool:1:call_c']),
      );

      // The run's event log follows the loop: each model call with its tokens and cost, each tool call.
      const events = (await t.flowgate.listEvents(workflowId)).filter((e) =>
        e.type.startsWith('ai_'),
      );
      expect(events.map((e) => [e.type, (e.data as { step: string }).step])).toEqual(
        expect.arrayContaining([
          ['ai_call', 'model:0'],
          ['ai_tool_call', 'tool:0:call_a'],
          ['ai_call', 'model:2'],
        ]),
      );
      expect(events).toHaveLength(6);
      expect(events.find((e) => e.type === 'ai_call')!.data).toMatchObject({
        node_id: 'ask',
        provider: 'openai',
        model: 'gpt-4o-mini',
        input_tokens: 100,
        unpriced: false,
      });

      const usage = await t.flowgate.aiUsage({ by: 'dag' });
      expect(usage.items).toHaveLength(1);
      expect(usage.items[0]).toMatchObject({
        provider: 'openai',
        model: 'gpt-4o-mini',
        dagId: 'stocks',
        calls: 3,
        inputTokens: 600,
        outputTokens: 60,
        unpricedCalls: 0,
      });
      expect(usage.byProvider.openai!.costUsd).toBeCloseTo(
        (run.result as { usage: { costUsd: number } }).usage.costUsd,
        12,
      );
    });

    it('answers with a structured object validated against the output schema (Gemini)', async () => {
      t = await startTestFlowgate(dialect, { ai: aiOptions() });
      server.enqueue({ json: { sentiment: 'positive', score: 0.9 }, model: 'gemini-2.5-flash' });
      const { workflowId } = await t.flowgate.start(
        aiDag('classify', {
          prompt: 'Classify: {{ input.text }}',
          provider: 'gemini',
          model: 'gemini-2.5-flash',
          output: {
            type: 'object',
            properties: {
              sentiment: { type: 'string', enum: ['positive', 'negative'] },
              score: { type: 'number' },
            },
            required: ['sentiment', 'score'],
          },
        }),
        { input: { text: 'great product' } },
      );
      const run = await t.flowgate.waitFor(workflowId, { timeoutMs: 15_000 });
      expect(run.status).toBe('completed');
      expect(run.result).toMatchObject({
        object: { sentiment: 'positive', score: 0.9 },
        provider: 'gemini',
      });
      const request = server.received[0]!;
      expect(request.protocol).toBe('gemini');
      expect(request.path).toContain('/models/gemini-2.5-flash:generateContent');
      expect(request.body.generationConfig?.responseMimeType).toBe('application/json');
      expect(request.body.contents![0]!.parts[0]!.text).toBe('Classify: great product');
    });

    it('fails the node when the answer misses the schema, recording the billed call', async () => {
      t = await startTestFlowgate(dialect, { ai: aiOptions() });
      server.enqueue({ json: { sentiment: 'meh' } });
      const { workflowId } = await t.flowgate.start(
        {
          ...aiDag('strict', {
            prompt: 'Classify',
            provider: 'openai',
            output: {
              type: 'object',
              properties: { sentiment: { type: 'string', enum: ['positive', 'negative'] } },
              required: ['sentiment'],
            },
          }),
          settings: { maxRetries: 0 },
        },
        {},
      );
      const run = await t.flowgate.waitFor(workflowId, { timeoutMs: 15_000 });
      expect(run.status).toBe('failed');
      const [call] = await t.flowgate.aiCalls(workflowId);
      expect(call).toMatchObject({ status: 'failed', inputTokens: 10, costSource: 'catalog' });
    });

    it('retries a 429 after its retry-after and a 500 with backoff, and does not retry a 400', async () => {
      t = await startTestFlowgate(dialect, { ai: aiOptions() });
      server.enqueue(
        { status: 429, headers: { 'retry-after': '1' } },
        { status: 500 },
        { text: 'finally' },
      );
      const { workflowId } = await t.flowgate.start(
        aiDag('flaky', { prompt: 'Hello', provider: 'groq', model: 'llama-3.3-70b-versatile' }),
        {},
      );
      const run = await t.flowgate.waitFor(workflowId, { timeoutMs: 15_000 });
      expect(run.status).toBe('completed');
      expect(run.result).toMatchObject({ text: 'finally' });
      const [a, b, c] = server.received;
      expect(b!.at - a!.at).toBeGreaterThanOrEqual(950);
      expect(c!.at).toBeGreaterThan(b!.at);
      const calls = await t.flowgate.aiCalls(workflowId);
      expect(calls.map((call) => [call.attempt, call.status, call.httpStatus])).toEqual([
        [1, 'failed', 429],
        [2, 'failed', 500],
        [3, 'completed', 200],
      ]);

      server.received.length = 0;
      server.enqueue({ status: 400, body: { error: { message: 'bad request: no such param' } } });
      const refused = await t.flowgate.start(
        {
          ...aiDag('refused', { prompt: 'Hello', provider: 'openai' }),
          settings: { maxRetries: 3 },
        },
        {},
      );
      const failed = await t.flowgate.waitFor(refused.workflowId, { timeoutMs: 15_000 });
      expect(failed.status).toBe('failed');
      expect(server.received).toHaveLength(1);
      expect(JSON.stringify(failed.error)).toContain('HTTP 400');
      const refusedCalls = await t.flowgate.aiCalls(refused.workflowId);
      expect(refusedCalls.map((call) => [call.status, call.httpStatus])).toEqual([['failed', 400]]);
    });

    it('leaves an unknown model unpriced (null, counted apart) and takes the operator override', async () => {
      t = await startTestFlowgate(dialect, {
        ai: aiOptions({ prices: { 'openai-compatible:house-model': { input: 2, output: 8 } } }),
      });
      server.enqueue(
        { text: 'a', usage: { input: 1000, output: 100 } },
        { text: 'b', usage: { input: 1000, output: 100 } },
        { text: 'c', usage: { input: 10, output: 1, cost: 0.0042 } },
      );
      const unknown = await t.flowgate.start(
        aiDag('unknown', { prompt: 'x', provider: 'openai', model: 'no-such-model-2099' }),
        {},
      );
      const unknownRun = await t.flowgate.waitFor(unknown.workflowId, { timeoutMs: 15_000 });
      expect(unknownRun.result).toMatchObject({ usage: { costUsd: null, unpricedCalls: 1 } });

      const house = await t.flowgate.start(
        aiDag('house', { prompt: 'x', provider: 'openai-compatible', model: 'house-model' }),
        {},
      );
      const houseRun = await t.flowgate.waitFor(house.workflowId, { timeoutMs: 15_000 });
      expect((houseRun.result as { usage: { costUsd: number } }).usage.costUsd).toBeCloseTo(
        (1000 * 2 + 100 * 8) / 1e6,
        12,
      );

      const reported = await t.flowgate.start(
        aiDag('reported', { prompt: 'x', provider: 'openai-compatible', model: 'gateway-model' }),
        {},
      );
      await t.flowgate.waitFor(reported.workflowId, { timeoutMs: 15_000 });
      const [call] = await t.flowgate.aiCalls(reported.workflowId);
      expect(call).toMatchObject({ costUsd: 0.0042, costSource: 'provider' });

      const usage = await t.flowgate.aiUsage();
      const byModel = Object.fromEntries(usage.items.map((i) => [i.model, i]));
      expect(byModel['no-such-model-2099']).toMatchObject({ unpricedCalls: 1, costUsd: 0 });
      expect(byModel['house-model']).toMatchObject({ unpricedCalls: 0 });
      expect(usage.totals.unpricedCalls).toBe(1);
      expect(usage.byProvider['openai-compatible']!.calls).toBe(2);
    });

    it('gives a non-retryable tool error to the model and lets it carry on', async () => {
      t = await startTestFlowgate(dialect, {
        ai: aiOptions(),
        tools: {
          lookup: {
            inputSchema: priceSchema,
            run: () => {
              throw new NonRetriableError('no such symbol');
            },
          },
        },
      });
      server.enqueue(
        { toolCalls: [{ id: 'bad', name: 'lookup', args: { wrong: 1 } }] },
        { toolCalls: [{ id: 'good', name: 'lookup', args: { symbol: 'ZZZ' } }] },
        { text: 'I could not find it' },
      );
      const { workflowId } = await t.flowgate.start(
        aiDag('errors', { prompt: 'Find ZZZ', provider: 'openai', tools: ['lookup'] }),
        {},
      );
      const run = await t.flowgate.waitFor(workflowId, { timeoutMs: 15_000 });
      expect(run.status).toBe('completed');
      const second = server.received[1]!.body.messages!.at(-1)!;
      expect(second.content).toMatch(/invalid input for lookup/);
      const third = server.received[2]!.body.messages!.at(-1)!;
      expect(third.content).toContain('no such symbol');
    });

    it('a retryable tool failure fails the attempt; the retry replays the journal and redoes only that call', async () => {
      let tries = 0;
      const keys: string[] = [];
      t = await startTestFlowgate(dialect, {
        ai: aiOptions(),
        tools: {
          flaky: (_input: unknown, ctx) => {
            keys.push(ctx.idempotencyKey);
            tries += 1;
            if (tries === 1) throw new Error('connection reset');
            return { ok: tries };
          },
          steady: () => ({ steady: true }),
        },
      });
      server.enqueue(
        {
          toolCalls: [
            { id: 'f', name: 'flaky', args: {} },
            { id: 's', name: 'steady', args: {} },
          ],
        },
        { text: 'done' },
      );
      const { workflowId } = await t.flowgate.start(
        {
          ...aiDag('resume', { prompt: 'Go', provider: 'openai', tools: ['flaky', 'steady'] }),
          settings: { maxRetries: 2 },
        },
        {},
      );
      const run = await t.flowgate.waitFor(workflowId, { timeoutMs: 15_000 });
      expect(run.status).toBe('completed');
      // The model was asked twice in all: its first answer came from the journal on the retry.
      expect(server.received).toHaveLength(2);
      expect(keys).toEqual([`${workflowId}:ask:f`, `${workflowId}:ask:f`]);
      const tools = (await t.flowgate.aiCalls(workflowId)).filter((c) => c.kind === 'tool_call');
      expect(tools.map((c) => [c.stepKey, c.status])).toEqual(
        expect.arrayContaining([
          ['tool:0:f', 'failed'],
          ['tool:0:s', 'completed'],
          ['tool:0:f', 'completed'],
        ]),
      );
      expect(tools).toHaveLength(3);
      const last = server.received[1]!.body.messages!.filter((m) => m.role === 'tool');
      expect(last.map((m) => JSON.parse(m.content) as unknown)).toEqual([
        { ok: 2 },
        { steady: true },
      ]);
    });

    it('a rollback that runs the node again starts a new conversation', async () => {
      t = await startTestFlowgate(dialect, {
        ai: aiOptions(),
        tools: { step: (input: unknown) => input },
      });
      server.enqueue({ text: 'first answer' }, { text: 'second answer' });
      const { workflowId } = await t.flowgate.start(
        {
          dag_id: 'again',
          nodes: [
            { node_id: 'before', node_type: 'tool', tool_name: 'step', config: { input: 1 } },
            {
              node_id: 'ask',
              node_type: 'agent',
              config: { prompt: 'Say something', provider: 'openai' },
              dependencies: ['before'],
            },
          ],
        },
        {},
      );
      const first = await t.flowgate.waitFor(workflowId, { timeoutMs: 15_000 });
      expect(first.result).toMatchObject({ text: 'first answer' });
      const snapshot = (await t.flowgate.listSnapshots(workflowId)).find(
        (s) => s.nodeId === 'before',
      )!;
      await t.flowgate.rollback(workflowId, { snapshotId: snapshot.snapshotId }, 'alice');
      await waitUntil(async () => {
        const run = await t!.flowgate.getWorkflow(workflowId);
        return run.status === 'completed' && server.received.length === 2;
      });
      const again = await t.flowgate.getWorkflow(workflowId);
      expect(again.result).toMatchObject({ text: 'second answer' });
    });

    it('stops the loop at maxSteps', async () => {
      t = await startTestFlowgate(dialect, {
        ai: aiOptions(),
        tools: { noop: () => ({ ok: true }) },
      });
      server.enqueue(
        { toolCalls: [{ name: 'noop', args: {} }] },
        { toolCalls: [{ name: 'noop', args: {} }] },
      );
      const { workflowId } = await t.flowgate.start(
        aiDag('loop', { prompt: 'Loop', provider: 'openai', tools: ['noop'], maxSteps: 2 }),
        {},
      );
      const run = await t.flowgate.waitFor(workflowId, { timeoutMs: 15_000 });
      expect(run.status).toBe('failed');
      expect(JSON.stringify(run.error)).toContain('maxSteps');
    });
  });
}
