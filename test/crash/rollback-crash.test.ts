/**
 * A worker killed (SIGKILL) while a rollback's compensation runs: after a restart the rollback finishes, the
 * compensation that was cut off runs again under the same idempotency key, and none recorded as completed runs
 * again. Real child processes, both dialects.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { createFlowgate, type Flowgate } from '../../src/app/flowgate.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/dialects.js';
import { plan } from '../helpers/flowgate.js';
import { killAll, killProcess, startScript } from '../helpers/processes.js';

const WORKER = join(import.meta.dirname, 'rollback-process.ts');

interface LogEntry {
  kind: 'step' | 'undo';
  nodeId: string;
  attempt: number;
  key: string;
  pid: number;
  at: 'start' | 'end';
}

function readLog(file: string): LogEntry[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as LogEntry);
}

async function waitUntil(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const saga = plan(
  'saga',
  ['a', 'b', 'c', 'd'].map((id, i, all) => ({
    id,
    tool: 'step',
    deps: i === 0 ? [] : [all[i - 1]!],
    compensate: { tool_name: 'undo' },
  })),
);

for (const dialect of DIALECTS) {
  describe(`${dialect}: a crash mid-rollback`, () => {
    let db: TestDatabase;
    let client: Flowgate | undefined;
    afterEach(async () => {
      await killAll();
      await client?.close();
      client = undefined;
      await db.drop();
    });

    it('resumes the rollback after a restart; no compensation recorded as completed runs again', async () => {
      db = await createTestDatabase(dialect);
      // A client that runs nothing itself (its tools only let it validate the DAG).
      client = await createFlowgate({
        db: db.url,
        workers: false,
        tools: { step: () => null, undo: () => null },
      });
      const log = join(db.dir, 'steps.log');
      writeFileSync(log, '');
      await client.putDag(saga);
      const first = await startScript(WORKER, [db.url, log, '1000', 'block']);
      const { workflowId } = await client.start('saga');
      expect((await client.waitFor(workflowId, { timeoutMs: 20_000 })).status).toBe('completed');

      const target = (await client.listSnapshots(workflowId)).find((s) => s.nodeId === 'a')!;
      const started = await client.rollback(workflowId, { snapshotId: target.snapshotId }, 'alice');
      expect(started.compensations.map((c) => c.nodeId)).toEqual(['d', 'c', 'b']);
      await waitUntil(
        () => readLog(log).some((e) => e.kind === 'undo' && e.nodeId === 'b' && e.at === 'start'),
        'the compensation of b to start',
      );
      await killProcess(first, 'SIGKILL');
      const cut = await client.listCompensations(workflowId);
      expect(cut.map((c) => [c.nodeId, c.status])).toEqual([
        ['d', 'completed'],
        ['c', 'completed'],
        ['b', 'running'],
      ]);

      const second = await startScript(WORKER, [db.url, log, '1000', 'normal']);
      const run = await client.waitFor(workflowId, { timeoutMs: 30_000 });
      expect(run.status).toBe('completed');

      const undo = readLog(log).filter((e) => e.kind === 'undo');
      const ends = (node: string) => undo.filter((e) => e.nodeId === node && e.at === 'end');
      // d and c were recorded as completed before the crash: never run again.
      expect(undo.filter((e) => e.nodeId === 'd')).toHaveLength(2);
      expect(undo.filter((e) => e.nodeId === 'c')).toHaveLength(2);
      expect(ends('d').map((e) => e.pid)).toEqual([first.pid]);
      expect(ends('c').map((e) => e.pid)).toEqual([first.pid]);
      // b was cut off: it ran again in the new process, with a new attempt and the same idempotency key.
      const b = undo.filter((e) => e.nodeId === 'b');
      expect(b.map((e) => [e.pid, e.at, e.attempt])).toEqual([
        [first.pid, 'start', 1],
        [second.pid, 'start', 2],
        [second.pid, 'end', 2],
      ]);
      expect(new Set(b.map((e) => e.key))).toEqual(new Set([`${started.rollbackId}:b`]));
      expect(undo.some((e) => e.nodeId === 'a')).toBe(false);

      const events = await client.listEvents(workflowId);
      const completedCompensations = events
        .filter((e) => e.type === 'compensation_completed')
        .map((e) => (e.data as { node_id: string }).node_id);
      expect(completedCompensations).toEqual(['d', 'c', 'b']);
      expect(events.filter((e) => e.type === 'rollback_completed')).toHaveLength(1);
      // The run resumed from the snapshot: b, c and d ran a second time.
      const steps = readLog(log).filter((e) => e.kind === 'step' && e.at === 'end');
      expect(steps.map((e) => e.nodeId)).toEqual(['a', 'b', 'c', 'd', 'b', 'c', 'd']);
    });
  });
}
