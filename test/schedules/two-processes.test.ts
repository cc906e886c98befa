/**
 * Two `flowgate worker` processes on one PostgreSQL, each with its scheduler loop, and a schedule that falls due every
 * second: every scheduled time starts exactly one run. Real processes, the real clock; every wait is bounded.
 */
import { afterEach, describe, expect, it } from 'vitest';

import { createFlowgate, type Flowgate } from '../../src/app/flowgate.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/dialects.js';
import { plan } from '../helpers/flowgate.js';
import { killAllCli, startCli } from '../cli/cli-process.js';

describe.skipIf(!DIALECTS.includes('postgres'))(
  'two worker processes, one schedule (PostgreSQL)',
  () => {
    let db: TestDatabase | undefined;
    let client: Flowgate | undefined;
    afterEach(async () => {
      await killAllCli();
      await client?.close();
      await db?.drop();
      client = undefined;
      db = undefined;
    });

    it('never start one scheduled time twice', async () => {
      db = await createTestDatabase('postgres');
      client = await createFlowgate({ db: db.url, workers: false });
      await client.putDag(plan('every_second', [{ id: 'only', agent: 'echo_agent' }]));
      const workers = [0, 1].map(() => startCli(['worker', '--db', db!.url, '--concurrency', '4']));
      await Promise.all(workers.map((w) => w.waitForOutput(/worker running/, 20_000)));

      const schedule = await client.schedules.create('every_second', {
        cron: '* * * * * *',
        overlap: 'allow',
      });
      const deadline = Date.now() + 20_000;
      let started: string[] = [];
      while (started.length < 6 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        const history = await client.schedules.history(schedule.id, { limit: 500 });
        started = history.filter((h) => h.outcome === 'started').map((h) => h.workflowId!);
      }
      await client.schedules.pause(schedule.id);
      for (const worker of workers) worker.kill('SIGTERM');
      for (const worker of workers) expect((await worker.exit()).code, worker.transcript()).toBe(0);

      expect(started.length).toBeGreaterThanOrEqual(6);
      // One run per scheduled time, as the runs' own start events say.
      const runs = (await client.listWorkflows({ dagId: 'every_second', limit: 500 })).items;
      const times: string[] = [];
      for (const run of runs) {
        const [event] = await client.listEvents(run.workflowId, { limit: 1 });
        times.push((event?.data as { trigger: { scheduledFor: string } }).trigger.scheduledFor);
      }
      expect(runs.length).toBeGreaterThanOrEqual(6);
      expect(new Set(times).size).toBe(times.length);
    }, 60_000);
  },
);
