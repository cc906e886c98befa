import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { createFlowgate, type Flowgate } from '../../src/app/flowgate.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/dialects.js';
import { startFakeModelServer, type FakeModelServer } from '../helpers/fake-model-server.js';
import { killAll, killProcess, startScript } from '../helpers/processes.js';

const WORKER = join(import.meta.dirname, 'ai-worker-process.ts');

async function waitUntil(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

let server: FakeModelServer;
beforeAll(async () => {
  server = await startFakeModelServer();
});
afterAll(async () => {
  await server.close();
});

for (const dialect of DIALECTS) {
  describe(`${dialect}: an AI node survives SIGKILL`, () => {
    let db: TestDatabase;
    let client: Flowgate | undefined;
    afterEach(async () => {
      await killAll();
      await client?.close();
      client = undefined;
      await db.drop();
      server.received.length = 0;
    });

    it('after the tool call is committed: the tool is not run again and the loop goes on', async () => {
      db = await createTestDatabase(dialect);
      client = await createFlowgate({ db: db.url, workers: false, tools: { charge: () => null } });
      const log = join(db.dir, 'charges.log');
      const charges = () =>
        existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : [];

      server.enqueue(
        { toolCalls: [{ id: 'call_pay', name: 'charge', args: { amount: 42 } }] },
        // The worker's next model call never returns: it is in flight when the worker dies.
        { hang: true },
        { text: 'Charged 42.' },
      );
      const first = await startScript(WORKER, [db.url, log, server.openaiBaseUrl]);
      const { workflowId } = await client.start(
        {
          dag_id: 'pay',
          nodes: [
            {
              id: 'agent',
              type: 'ai',
              data: { prompt: 'Charge 42', provider: 'openai', tools: ['charge'] },
            },
          ],
          edges: [],
        },
        {},
      );
      // The tool ran and its result is committed, and the next model call has been sent.
      await waitUntil(async () => {
        const calls = await client!.aiCalls(workflowId);
        return calls.some((c) => c.stepKey === 'tool:0:call_pay' && c.status === 'completed');
      }, 'the tool result to be committed');
      await waitUntil(() => server.received.length === 2, 'the second model call');
      await killProcess(first, 'SIGKILL');
      expect(charges()).toHaveLength(1);

      await startScript(WORKER, [db.url, log, server.openaiBaseUrl]);
      const run = await client.waitFor(workflowId, { timeoutMs: 20_000 });
      expect(run.status).toBe('completed');
      expect(run.result).toMatchObject({ text: 'Charged 42.', usage: { toolCalls: 1 } });

      // Run once, with the key of this call; the first model answer was not asked for again.
      const ran = charges().map((line) => JSON.parse(line) as { key: string; pid: number });
      expect(ran).toEqual([{ key: `${workflowId}:agent:call_pay`, pid: first.pid }]);
      expect(server.received).toHaveLength(3);
      const resumed = server.received[2]!.body.messages!;
      expect(resumed.map((m) => m.role)).toEqual(['user', 'assistant', 'tool']);
      expect(resumed[2]).toMatchObject({ tool_call_id: 'call_pay' });
      expect(JSON.parse(resumed[2]!.content)).toEqual({ charged: 42 });
      expect(server.received[2]!.body.messages).toEqual(server.received[1]!.body.messages);

      const calls = await client.aiCalls(workflowId);
      expect(calls.filter((c) => c.kind === 'tool_call')).toHaveLength(1);
      expect(
        calls.filter((c) => c.kind === 'model_call').map((c) => [c.stepKey, c.status]),
      ).toEqual([
        ['model:0', 'completed'],
        ['model:1', 'completed'],
      ]);
    });

    it('after an approved tool call is committed: the tool is not run again and the loop goes on', async () => {
      db = await createTestDatabase(dialect);
      client = await createFlowgate({ db: db.url, workers: false, tools: { charge: () => null } });
      const log = join(db.dir, 'charges.log');
      const charges = () =>
        existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : [];

      server.enqueue(
        { toolCalls: [{ id: 'call_pay', name: 'charge', args: { amount: 42 } }] },
        { hang: true },
        { text: 'Charged 40.' },
      );
      const first = await startScript(WORKER, [db.url, log, server.openaiBaseUrl]);
      const { workflowId } = await client.start(
        {
          dag_id: 'pay-approved',
          nodes: [
            {
              id: 'agent',
              type: 'ai',
              data: {
                prompt: 'Charge 42',
                provider: 'openai',
                tools: ['charge'],
                approveTools: ['charge'],
              },
            },
          ],
          edges: [],
        },
        {},
      );
      let requestId: string | undefined;
      await waitUntil(async () => {
        requestId = (await client!.listHitl({ workflowId })).items[0]?.requestId;
        return requestId !== undefined;
      }, 'the tool call to wait for a person');
      expect(charges()).toEqual([]);
      // Decided from another process (this one runs no workers): the worker process takes the node up again.
      await client.approve(requestId!, 'dave', { edits: { amount: 40 } });
      await waitUntil(async () => {
        const calls = await client!.aiCalls(workflowId);
        return calls.some((c) => c.stepKey === 'tool:0:call_pay' && c.status === 'completed');
      }, 'the approved tool result to be committed');
      await waitUntil(() => server.received.length === 2, 'the model call after the tool');
      await killProcess(first, 'SIGKILL');
      expect(charges()).toHaveLength(1);

      await startScript(WORKER, [db.url, log, server.openaiBaseUrl]);
      const run = await client.waitFor(workflowId, { timeoutMs: 20_000 });
      expect(run.status).toBe('completed');
      expect(run.result).toMatchObject({ text: 'Charged 40.', usage: { toolCalls: 1 } });
      const ran = charges().map((line) => JSON.parse(line) as { key: string; pid: number });
      expect(ran).toEqual([{ key: `${workflowId}:agent:call_pay`, pid: first.pid }]);
      const told = server.received[2]!.body.messages!.at(-1)!;
      expect(JSON.parse(told.content)).toMatchObject({
        result: { charged: 40 },
        arguments: { amount: 40 },
      });
      expect((await client.getHitl(requestId!)).status).toBe('approved');
    });
  });
}
