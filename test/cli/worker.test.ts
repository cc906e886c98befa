import { readFile } from 'node:fs/promises';

import { afterEach, describe, expect, it } from 'vitest';

import { createFlowgate, type Flowgate } from '../../src/app/flowgate.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/dialects.js';
import { killAllCli, startCli } from './cli-process.js';

describe.skipIf(!DIALECTS.includes('postgres'))('flowgate worker (PostgreSQL)', () => {
  let db: TestDatabase | undefined;
  let client: Flowgate | undefined;
  afterEach(async () => {
    await killAllCli();
    await client?.close();
    await db?.drop();
    client = undefined;
    db = undefined;
  });

  it('two worker processes finish runs started by a client, and stop on SIGTERM', async () => {
    db = await createTestDatabase('postgres');
    client = await createFlowgate({ db: db.url, workers: false });
    const args = [
      'worker',
      '--db',
      db.url,
      '--plugin',
      'test/cli/fixtures/plugin.mjs',
      '--concurrency',
      '4',
    ];
    const workers = [startCli(args), startCli(args)];
    await Promise.all(workers.map((w) => w.waitForOutput(/worker running/, 20_000)));

    const dag = JSON.parse(await readFile('test/cli/fixtures/complete.json', 'utf8')) as object;
    const runs = await client.startMany(
      dag,
      Array.from({ length: 8 }, (_, i) => ({ i })),
    );
    for (const { workflowId } of runs) {
      expect((await client.waitFor(workflowId, { timeoutMs: 20_000 })).status).toBe('completed');
    }
    for (const worker of workers) worker.kill('SIGTERM');
    for (const worker of workers) {
      const { code } = await worker.exit();
      expect(code, worker.transcript()).toBe(0);
    }
  });
});
