/**
 * Retention (`flowgate cleanup`): finished runs go with every row that belongs to them; pending, running and paused
 * runs stay, and so does a finished run that has a live child.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { Tx } from '../../src/store/port.js';
import { deleteFinishedRuns } from '../../src/store/repositories/retention.js';
import { DIALECTS } from '../helpers/dialects.js';
import { startTestFlowgate, type TestFlowgate } from '../helpers/flowgate.js';

const NOW = '2026-03-01T12:00:00.000Z';
const OLD = '2026-01-01T00:00:00.000Z';
const RECENT = '2026-02-28T12:00:00.000Z';
const TABLES = [
  'workflows',
  'workflow_nodes',
  'workflow_events',
  'hitl_requests',
  'hitl_decisions',
  'agent_executions',
] as const;

interface RunSpec {
  readonly id: string;
  readonly status: string;
  readonly completedAt?: string;
  readonly parent?: string;
  /** Adds a node, two events, a request with one decision, and an agent execution. */
  readonly rows?: boolean;
}

async function addRun(tx: Tx, run: RunSpec): Promise<void> {
  await tx
    .insertInto('workflows')
    .values({
      workflow_id: run.id,
      dag_id: 'retention',
      dag_version: 1,
      status: run.status,
      created_at: OLD,
      completed_at: run.completedAt ?? null,
      parent_workflow_id: run.parent ?? null,
    })
    .execute();
  if (!run.rows) return;
  await tx
    .insertInto('workflow_nodes')
    .values([
      { workflow_id: run.id, node_id: 'a', status: 'completed' },
      { workflow_id: run.id, node_id: 'gate', status: 'completed' },
    ])
    .execute();
  await tx
    .insertInto('workflow_events')
    .values([
      { workflow_id: run.id, event_type: 'workflow_started', created_at: OLD },
      { workflow_id: run.id, event_type: 'node_completed', created_at: OLD },
    ])
    .execute();
  await tx
    .insertInto('hitl_requests')
    .values({ request_id: `${run.id}-req`, workflow_id: run.id, node_id: 'gate' })
    .execute();
  await tx
    .insertInto('hitl_decisions')
    .values({
      request_id: `${run.id}-req`,
      user_id: 'u1',
      decision: 'approve',
      created_at: OLD,
    })
    .execute();
  await tx
    .insertInto('agent_executions')
    .values({ execution_id: `${run.id}-x`, agent_id: 'echo_agent', workflow_id: run.id })
    .execute();
  await tx
    .insertInto('action_tokens')
    .values({
      token_id: `${run.id}-link`,
      secret_hash: 'hash',
      request_id: `${run.id}-req`,
      workflow_id: run.id,
      user_id: 'u1',
      channel: 'email',
      created_at: OLD,
      expires_at: OLD,
    })
    .execute();
}

async function linkRuns(tx: Tx): Promise<string[]> {
  const rows = await tx
    .selectFrom('action_tokens')
    .select('workflow_id')
    .orderBy('workflow_id')
    .execute();
  return rows.map((row) => row.workflow_id);
}

async function countAll(tx: Tx): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of TABLES) {
    const row = await tx
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .executeTakeFirstOrThrow();
    counts[table] = Number(row.n);
  }
  return counts;
}

async function runIds(tx: Tx): Promise<string[]> {
  const rows = await tx
    .selectFrom('workflows')
    .select('workflow_id')
    .orderBy('workflow_id')
    .execute();
  return rows.map((row) => row.workflow_id);
}

describe.each(DIALECTS)('retention (%s)', (dialect) => {
  let app: TestFlowgate;

  beforeEach(async () => {
    app = await startTestFlowgate(dialect, { workers: false });
    await app.flowgate.store.transaction(async (tx) => {
      await addRun(tx, { id: 'done-old', status: 'completed', completedAt: OLD, rows: true });
      await addRun(tx, { id: 'failed-old', status: 'failed', completedAt: OLD, rows: true });
      await addRun(tx, { id: 'cancelled-old', status: 'cancelled', completedAt: OLD });
      await addRun(tx, { id: 'done-recent', status: 'completed', completedAt: RECENT, rows: true });
      // A finished child of a deleted run goes with it, whatever its own age.
      await addRun(tx, {
        id: 'done-old-child',
        status: 'completed',
        completedAt: RECENT,
        parent: 'done-old',
        rows: true,
      });
      // A finished parent whose child still runs stays, with the child.
      await addRun(tx, { id: 'parent-of-live', status: 'completed', completedAt: OLD });
      await addRun(tx, { id: 'live-child', status: 'running', parent: 'parent-of-live' });
      await addRun(tx, { id: 'running', status: 'running', rows: true });
      await addRun(tx, { id: 'paused', status: 'paused', rows: true });
      await addRun(tx, { id: 'pending', status: 'pending' });
      // An active status with a stale completed_at is still never touched.
      await addRun(tx, { id: 'running-stale', status: 'running', completedAt: OLD });
    });
  });
  afterEach(async () => {
    await app.close();
  });

  it('0d deletes every finished run with all its rows and keeps the others', async () => {
    const store = app.flowgate.store;
    const counts = await store.transaction((tx) => deleteFinishedRuns(tx, { cutoff: NOW }));
    expect(counts).toEqual({
      workflows: 5,
      workflow_nodes: 8,
      workflow_events: 8,
      hitl_requests: 4,
      hitl_decisions: 4,
      agent_executions: 4,
    });
    expect(await store.read(runIds)).toEqual([
      'live-child',
      'parent-of-live',
      'paused',
      'pending',
      'running',
      'running-stale',
    ]);
    expect(await store.read(countAll)).toEqual({
      workflows: 6,
      workflow_nodes: 4,
      workflow_events: 4,
      hitl_requests: 2,
      hitl_decisions: 2,
      agent_executions: 2,
    });
    // The decision links of deleted requests go too.
    expect(await store.read(linkRuns)).toEqual(['paused', 'running']);
    const orphans = await store.read((db) =>
      db
        .selectFrom('workflow_nodes')
        .select('workflow_id')
        .where('workflow_id', 'not in', ['running', 'paused'])
        .execute(),
    );
    expect(orphans).toEqual([]);
  });

  it('an older-than cutoff keeps the runs that finished after it', async () => {
    const store = app.flowgate.store;
    const counts = await store.transaction((tx) =>
      deleteFinishedRuns(tx, { cutoff: '2026-02-01T00:00:00.000Z' }),
    );
    expect(counts.workflows).toBe(4);
    expect(await store.read(runIds)).toEqual([
      'done-recent',
      'live-child',
      'parent-of-live',
      'paused',
      'pending',
      'running',
      'running-stale',
    ]);
  });

  it('a dry run counts and deletes nothing', async () => {
    const store = app.flowgate.store;
    const before = await store.read(countAll);
    const counts = await store.transaction((tx) =>
      deleteFinishedRuns(tx, { cutoff: NOW, dryRun: true }),
    );
    expect(counts).toEqual({
      workflows: 5,
      workflow_nodes: 8,
      workflow_events: 8,
      hitl_requests: 4,
      hitl_decisions: 4,
      agent_executions: 4,
    });
    expect(await store.read(countAll)).toEqual(before);
  });
});
