import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { afterEach, describe, expect, it } from 'vitest';

import { readDagFile } from '../../src/definition/index.js';
import plugin from '../../examples/plugin.mjs';
import { createTestDatabase, type TestDatabase } from '../helpers/dialects.js';
import { startTestFlowgate, type TestFlowgate } from '../helpers/flowgate.js';

const examples = join(import.meta.dirname, '../../examples');

describe('examples', () => {
  let t: TestFlowgate | undefined;
  let db: TestDatabase | undefined;
  afterEach(async () => {
    await t?.close();
    await db?.drop();
    t = undefined;
    db = undefined;
  });

  it('the library example runs as the README says', async () => {
    db = await createTestDatabase('sqlite');
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', join(examples, 'library.ts'), db.url],
      { timeout: 30_000 },
    );
    expect(stdout).toContain('Waiting for a person: step1 collected 2 records');
    expect(stdout).toContain('Run completed: {"processed":2,"total":195}');
  });

  it.each(['approval.json', 'stock-plan.json', 'review-graph.json', 'stages.yaml'])(
    '%s runs to its end, approving every gate',
    async (file) => {
      t ??= await startTestFlowgate('sqlite', { plugins: [plugin] });
      const { workflowId } = await t.flowgate.start(
        (await readDagFile(join(examples, file))) as object,
        {
          input: { topic: 'flowgate', symbol: 'AAPL' },
        },
      );
      for (let i = 0; i < 10; i++) {
        const run = await t.flowgate.waitFor(workflowId, {
          until: ['paused', 'completed', 'failed'],
          timeoutMs: 10_000,
        });
        if (run.status !== 'paused') break;
        for (const request of (await t.flowgate.listHitl({ workflowId })).items) {
          const approver = { userId: 'example-admin', roles: ['admin'] };
          const options = (request.spec as { options: { value: string }[] }).options;
          if (options.length > 0)
            await t.flowgate.respond(request.requestId, approver, options[0]!.value);
          else await t.flowgate.approve(request.requestId, approver);
        }
      }
      const run = await t.flowgate.getWorkflow(workflowId);
      expect(run.status, JSON.stringify(run.nodes)).toBe('completed');
    },
  );
});
