import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { afterEach, describe, expect, it } from 'vitest';

import { createTestDatabase, type TestDatabase } from '../helpers/dialects.js';
import { startFakeModelServer, type FakeModelServer } from '../helpers/fake-model-server.js';

describe('examples/planner.ts', () => {
  let db: TestDatabase | undefined;
  let server: FakeModelServer | undefined;
  afterEach(async () => {
    await server?.close();
    await db?.drop();
    server = undefined;
    db = undefined;
  });

  it('drafts, approves and runs a plan as the README says, against a local OpenAI-compatible server', async () => {
    db = await createTestDatabase('sqlite');
    server = await startFakeModelServer();
    server.enqueue({
      json: {
        summary: 'Price, review, buy.',
        nodes: [
          {
            node_id: 'price',
            node_type: 'tool',
            tool_name: 'get_stock_price',
            config: { input: { symbol: '{{ input.symbol }}' } },
            dependencies: [],
          },
          {
            node_id: 'review',
            node_type: 'human_in_loop',
            config: { message: 'Buy 10 at {{ nodes.price.output.price }}?' },
            dependencies: ['price'],
          },
          {
            node_id: 'buy',
            node_type: 'tool',
            tool_name: 'place_order',
            config: { input: { symbol: '{{ input.symbol }}', quantity: 10 } },
            dependencies: ['review'],
          },
        ],
      },
    });
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, '../../examples/planner.ts'), db.url],
      {
        timeout: 60_000,
        env: { ...process.env, OPENAI_COMPATIBLE_BASE_URL: server.openaiBaseUrl },
      },
    );
    expect(stdout).toMatch(/Plan \S+: pending_approval after 1 model call/);
    expect(stdout).toContain('Waits for a person at: review');
    expect(stdout).toContain('Asked: Buy 10 at 231.4?');
    expect(stdout).toContain('Run completed: {"orderId":"order-AAPL-10"}');
  });
});
