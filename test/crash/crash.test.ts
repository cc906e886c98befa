import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { createFlowgate, type Flowgate } from '../../src/app/flowgate.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/dialects.js';
import { killAll, killProcess, startScript } from '../helpers/processes.js';

const WORKER = join(import.meta.dirname, 'worker-process.ts');

interface LogEntry {
  workflowId: string;
  nodeId: string;
  attempt: number;
  pid: number;
  at: 'start' | 'end';
  t: number;
}

function readLog(file: string): LogEntry[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as LogEntry);
}

const chain = {
  dag_id: 'chain',
  nodes: ['one', 'two', 'three'].map((id, i, all) => ({
    node_id: id,
    node_type: 'tool',
    tool_name: 'step',
    dependencies: i === 0 ? [] : [all[i - 1]],
  })),
};

const gated = {
  dag_id: 'gated',
  nodes: [
    { node_id: 'before', node_type: 'tool', tool_name: 'step', dependencies: [] },
    {
      node_id: 'gate',
      node_type: 'human_in_loop',
      config: { message: 'Go on?' },
      dependencies: ['before'],
    },
    { node_id: 'after', node_type: 'tool', tool_name: 'step', dependencies: ['gate'] },
  ],
};

async function waitUntil(
  check: () => Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

for (const dialect of DIALECTS) {
  describe(`${dialect}: crashes`, () => {
    let db: TestDatabase;
    let client: Flowgate | undefined;

    afterEach(async () => {
      await killAll();
      await client?.close();
      client = undefined;
      await db.drop();
    });

    async function setUp() {
      db = await createTestDatabase(dialect);
      // A client that runs nothing itself: the work happens in the worker processes.
      client = await createFlowgate({ db: db.url, workers: false, tools: { step: () => null } });
      const log = join(db.dir, 'steps.log');
      writeFileSync(log, '');
      return { client, log };
    }

    async function countCompleted(status: string): Promise<number> {
      return (await client!.listWorkflows({ status, limit: 500 })).items.length;
    }

    it('a worker killed mid-step: the runs complete after restart, and no step is completed twice', async () => {
      const { client, log } = await setUp();
      await client.putDag(chain);
      const runs = await client.startMany(
        'chain',
        Array.from({ length: 30 }, (_, i) => ({ i })),
      );
      const first = await startScript(WORKER, [db.url, log, '1000', '150']);
      // Kill while steps are in flight: some have started and not finished.
      await waitUntil(() => Promise.resolve(readLog(log).length >= 20), 20_000, 'steps to start');
      await killProcess(first, 'SIGKILL');
      const started = readLog(log);
      const unfinished = started.filter(
        (s) =>
          s.at === 'start' &&
          !started.some(
            (e) =>
              e.at === 'end' &&
              e.workflowId === s.workflowId &&
              e.nodeId === s.nodeId &&
              e.attempt === s.attempt,
          ),
      );
      expect(unfinished.length).toBeGreaterThan(0);

      await startScript(WORKER, [db.url, log, '1000', '5']);
      await waitUntil(
        async () => (await countCompleted('completed')) === runs.length,
        30_000,
        'all runs to complete',
      );

      for (const { workflowId } of runs) {
        const events = await client.listEvents(workflowId);
        const completions = events
          .filter((e) => e.type === 'node_completed')
          .map((e) => (e.data as { node_id: string }).node_id);
        expect(completions.sort()).toEqual(['one', 'three', 'two']);
        const run = await client.getWorkflow(workflowId);
        expect(run.nodes!.every((n) => n.status === 'completed')).toBe(true);
      }
      // The steps the dead worker left unfinished ran again, with a new attempt number.
      const rerun = readLog(log).filter((e) => e.pid !== first.pid && e.at === 'end');
      for (const lost of unfinished) {
        expect(
          rerun.some(
            (e) =>
              e.workflowId === lost.workflowId &&
              e.nodeId === lost.nodeId &&
              e.attempt > lost.attempt,
          ),
        ).toBe(true);
      }
    });

    it('a worker killed while runs wait at gates: no request is lost, and decisions finish the runs', async () => {
      const { client, log } = await setUp();
      await client.putDag(gated);
      const runs = await client.startMany(
        'gated',
        Array.from({ length: 10 }, () => null),
      );
      const first = await startScript(WORKER, [db.url, log, '1000', '5']);
      await waitUntil(
        async () => (await countCompleted('paused')) === runs.length,
        20_000,
        'runs to pause',
      );
      await killProcess(first, 'SIGKILL');

      const pending = (await client.listHitl({ limit: 100 })).items;
      expect(pending).toHaveLength(runs.length);
      for (const request of pending) await client.approve(request.requestId, 'approver');

      await startScript(WORKER, [db.url, log, '1000', '5']);
      await waitUntil(
        async () => (await countCompleted('completed')) === runs.length,
        30_000,
        'all runs to complete',
      );
      const ends = readLog(log).filter((e) => e.at === 'end');
      expect(ends.filter((e) => e.nodeId === 'after')).toHaveLength(runs.length);
      expect(ends.filter((e) => e.nodeId === 'before')).toHaveLength(runs.length);
    });
  });
}

for (const dialect of DIALECTS) {
  describe(`${dialect}: a decision made by another process`, () => {
    let db: TestDatabase;
    let client: Flowgate | undefined;
    afterEach(async () => {
      await killAll();
      await client?.close();
      client = undefined;
      await db.drop();
    });

    it('is noticed by a running worker process, which finishes the run', async () => {
      db = await createTestDatabase(dialect);
      // This process decides, as the CLI or the server would; the worker runs in a process of its own.
      client = await createFlowgate({ db: db.url, workers: false });
      const log = join(db.dir, 'steps.log');
      writeFileSync(log, '');
      await client.putDag(gated);
      await startScript(WORKER, [db.url, log, '5000', '5']);
      const { workflowId } = await client.start('gated');
      await client.waitFor(workflowId, { until: ['paused'], timeoutMs: 20_000 });
      const [request] = (await client.listHitl({ workflowId })).items;
      await client.approve(request!.requestId, 'approver');
      // SQLite: the worker polls the file's data_version; PostgreSQL: LISTEN/NOTIFY wakes it.
      const run = await client.waitFor(workflowId, { timeoutMs: 20_000 });
      expect(run.status).toBe('completed');
    });
  });
}

describe.skipIf(!DIALECTS.includes('postgres'))(
  'postgres: two worker processes on one database',
  () => {
    let db: TestDatabase;
    let client: Flowgate | undefined;
    afterEach(async () => {
      await killAll();
      await client?.close();
      client = undefined;
      await db.drop();
    });

    it('never run the same node attempt at once, and share the work', async () => {
      db = await createTestDatabase('postgres');
      client = await createFlowgate({ db: db.url, workers: false, tools: { step: () => null } });
      const log = join(db.dir, 'steps.log');
      writeFileSync(log, '');
      await client.putDag(chain);
      await Promise.all([
        startScript(WORKER, [db.url, log, '5000', '10']),
        startScript(WORKER, [db.url, log, '5000', '10']),
      ]);
      const runs = await client.startMany(
        'chain',
        Array.from({ length: 60 }, (_, i) => ({ i })),
      );
      await waitUntil(
        async () =>
          (await client!.listWorkflows({ status: 'completed', limit: 500 })).items.length ===
          runs.length,
        30_000,
        'all runs to complete',
      );
      const starts = readLog(log).filter((e) => e.at === 'start');
      const keys = starts.map((e) => `${e.workflowId}/${e.nodeId}`);
      expect(new Set(keys).size).toBe(keys.length);
      expect(keys).toHaveLength(runs.length * 3);
      expect(new Set(starts.map((e) => e.pid)).size).toBe(2);
    });
  },
);
