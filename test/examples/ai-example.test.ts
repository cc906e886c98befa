import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { afterEach, describe, expect, it } from 'vitest';

import { createTestDatabase, type TestDatabase } from '../helpers/dialects.js';
import { startFakeModelServer, type FakeModelServer } from '../helpers/fake-model-server.js';

describe('examples/ai-agent.ts', () => {
  let db: TestDatabase | undefined;
  let server: FakeModelServer | undefined;
  afterEach(async () => {
    await server?.close();
    await db?.drop();
    server = undefined;
    db = undefined;
  });

  it('runs as the README says, against a local OpenAI-compatible server', async () => {
    db = await createTestDatabase('sqlite');
    server = await startFakeModelServer();
    server.enqueue(
      { toolCalls: [{ id: 'c1', name: 'get_stock_price', args: { symbol: 'AAPL' } }] },
      { json: { symbol: 'AAPL', price: 231.4 } },
    );
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, '../../examples/ai-agent.ts'), db.url],
      {
        timeout: 30_000,
        env: { ...process.env, OPENAI_COMPATIBLE_BASE_URL: server.openaiBaseUrl },
      },
    );
    expect(stdout).toContain('Answer: {"symbol":"AAPL","price":231.4}');
    expect(stdout).toMatch(/model_call model:0 completed openai-compatible:llama3\.2 unpriced/);
    expect(stdout).toMatch(/tool_call tool:0:c1 completed get_stock_price/);
    expect(server.received[1]!.body.messages!.at(-1)!.content).toContain('231.4');
  });
});
