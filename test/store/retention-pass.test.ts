/**
 * The retention pass that runs by itself where workers run: global and per-DAG limits, batches, the outbox, and the
 * loop's start and stop. Time is the injected clock's; the loop test waits for rows to go, bounded, and asserts no
 * timing.
 */
import { afterEach, describe, expect, it } from 'vitest';

import type { FlowgateOptions } from '../../src/app/flowgate.js';
import { ManualClock } from '../../src/shared/clock.js';
import type { Tx } from '../../src/store/port.js';
import { DIALECTS, type DialectName } from '../helpers/dialects.js';
import { plan, startTestFlowgate, type TestFlowgate } from '../helpers/flowgate.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 2, 1, 12);
const daysAgo = (days: number) => new Date(NOW - days * DAY).toISOString();

interface RunSpec {
  readonly id: string;
  readonly dag?: string;
  readonly status: string;
  /** Days before NOW the run finished (or, for a live run, was created). */
  readonly age: number;
  readonly parent?: string;
}

async function addRuns(tx: Tx, runs: readonly RunSpec[]): Promise<void> {
  for (const run of runs) {
    const finished = ['completed', 'failed', 'cancelled'].includes(run.status);
    await tx
      .insertInto('workflows')
      .values({
        workflow_id: run.id,
        dag_id: run.dag ?? 'reports',
        dag_version: 1,
        status: run.status,
        created_at: daysAgo(run.age + 1),
        completed_at: finished ? daysAgo(run.age) : null,
        parent_workflow_id: run.parent ?? null,
      })
      .execute();
    await tx
      .insertInto('workflow_events')
      .values({ workflow_id: run.id, event_type: 'workflow_started', created_at: daysAgo(run.age) })
      .execute();
    if (run.status === 'paused') {
      await tx
        .insertInto('workflow_nodes')
        .values({ workflow_id: run.id, node_id: 'gate', status: 'waiting_hitl' })
        .execute();
      await tx
        .insertInto('hitl_requests')
        .values({ request_id: `${run.id}-req`, workflow_id: run.id, node_id: 'gate' })
        .execute();
    }
  }
}

async function runIds(tx: Tx): Promise<string[]> {
  const rows = await tx
    .selectFrom('workflows')
    .select('workflow_id')
    .orderBy('workflow_id')
    .execute();
  return rows.map((row) => row.workflow_id);
}

describe.each(DIALECTS)('retention pass (%s)', (dialect: DialectName) => {
  let app: TestFlowgate | undefined;

  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  /** A Flowgate with workers whose own pass waits an hour: the tests run passes by hand. */
  async function start(retention: FlowgateOptions['retention']): Promise<TestFlowgate> {
    app = await startTestFlowgate(dialect, {
      clock: new ManualClock(NOW),
      scheduler: false,
      retention: retention === false ? false : { firstDelayMs: 3_600_000, ...(retention ?? {}) },
    });
    return app;
  }

  it('deletes finished runs older than the limit and leaves their paused and younger siblings', async () => {
    const { flowgate } = await start({ defaultMs: 30 * DAY });
    await flowgate.store.transaction((tx) =>
      addRuns(tx, [
        { id: 'done-old', status: 'completed', age: 40 },
        { id: 'failed-old', status: 'failed', age: 31 },
        { id: 'done-young', status: 'completed', age: 10 },
        // Older than every finished run, and still waiting at a gate.
        { id: 'paused-older', status: 'paused', age: 90 },
        { id: 'running-older', status: 'running', age: 90 },
        { id: 'pending-older', status: 'pending', age: 90 },
      ]),
    );
    const pass = await flowgate.runRetentionPass();
    expect(pass.workflows).toBe(2);
    expect(pass.workflow_events).toBe(2);
    expect(await flowgate.store.read(runIds)).toEqual([
      'done-young',
      'paused-older',
      'pending-older',
      'running-older',
    ]);
    const gate = await flowgate.store.read((db) =>
      db.selectFrom('hitl_requests').select('request_id').execute(),
    );
    expect(gate).toEqual([{ request_id: 'paused-older-req' }]);
    expect(flowgate.lastRetentionPass()).toEqual(pass);
  });

  it("a DAG's shorter retention deletes its runs earlier and leaves other DAGs' runs", async () => {
    const { flowgate } = await start({ defaultMs: 30 * DAY });
    await flowgate.putDag(plan('short_lived', [{ id: 'a' }], { settings: { retention: '2d' } }));
    await flowgate.putDag(plan('reports', [{ id: 'a' }]));
    await flowgate.store.transaction((tx) =>
      addRuns(tx, [
        { id: 'short-5d', dag: 'short_lived', status: 'completed', age: 5 },
        { id: 'short-1d', dag: 'short_lived', status: 'completed', age: 1 },
        { id: 'short-paused', dag: 'short_lived', status: 'paused', age: 5 },
        { id: 'reports-5d', dag: 'reports', status: 'completed', age: 5 },
        { id: 'unstored-5d', dag: 'inline', status: 'failed', age: 5 },
      ]),
    );
    const pass = await flowgate.runRetentionPass();
    expect(pass.workflows).toBe(1);
    expect(Object.keys(pass.dagCutoffs)).toEqual(['short_lived']);
    expect(await flowgate.store.read(runIds)).toEqual([
      'reports-5d',
      'short-1d',
      'short-paused',
      'unstored-5d',
    ]);
  });

  it('without a global limit only DAGs with their own retention lose runs; the outbox stays', async () => {
    const { flowgate } = await start({});
    await flowgate.putDag(plan('short_lived', [{ id: 'a' }], { settings: { retention: 'P1D' } }));
    await flowgate.store.transaction(async (tx) => {
      await addRuns(tx, [
        { id: 'short-old', dag: 'short_lived', status: 'completed', age: 400 },
        { id: 'other-old', dag: 'reports', status: 'completed', age: 400 },
      ]);
      await addMessage(tx, 'sent-old', 'sent', 400);
    });
    const pass = await flowgate.runRetentionPass();
    expect(pass.cutoff).toBeNull();
    expect(pass.outbox_messages).toBe(0);
    expect(await flowgate.store.read(runIds)).toEqual(['other-old']);
  });

  it('keeps a finished parent whose sub-DAG child still runs, and the child', async () => {
    const { flowgate } = await start({ defaultMs: 30 * DAY });
    await flowgate.store.transaction((tx) =>
      addRuns(tx, [
        { id: 'parent', status: 'completed', age: 60 },
        { id: 'child', status: 'running', age: 60, parent: 'parent' },
        { id: 'alone', status: 'completed', age: 60 },
      ]),
    );
    const pass = await flowgate.runRetentionPass();
    expect(pass.workflows).toBe(1);
    expect(await flowgate.store.read(runIds)).toEqual(['child', 'parent']);
  });

  it('deletes more finished runs than one batch holds, past runs kept for a live child', async () => {
    const { flowgate } = await start({ defaultMs: 30 * DAY, batchSize: 3 });
    const runs: RunSpec[] = [
      // The oldest, so every batch would start with them if batches did not move on.
      { id: 'blocked-1', status: 'completed', age: 99 },
      { id: 'blocked-2', status: 'completed', age: 98 },
      { id: 'blocked-3', status: 'completed', age: 97 },
      { id: 'live-1', status: 'running', age: 1, parent: 'blocked-1' },
      { id: 'live-2', status: 'paused', age: 1, parent: 'blocked-2' },
      { id: 'live-3', status: 'pending', age: 1, parent: 'blocked-3' },
    ];
    for (let i = 0; i < 10; i += 1) {
      runs.push({ id: `old-${String(i).padStart(2, '0')}`, status: 'completed', age: 40 + i });
    }
    await flowgate.store.transaction((tx) => addRuns(tx, runs));
    const pass = await flowgate.runRetentionPass();
    expect(pass.workflows).toBe(10);
    expect(pass.batches).toBeGreaterThanOrEqual(5);
    expect(await flowgate.store.read(runIds)).toEqual([
      'blocked-1',
      'blocked-2',
      'blocked-3',
      'live-1',
      'live-2',
      'live-3',
    ]);
    // Idempotent: a second pass (or another process's) finds nothing left.
    expect((await flowgate.runRetentionPass()).workflows).toBe(0);
  });

  it('deletes delivered and failed outbox messages older than the limit, with their attempts', async () => {
    const { flowgate } = await start({ defaultMs: 30 * DAY, batchSize: 2 });
    await flowgate.store.transaction(async (tx) => {
      await addMessage(tx, 'sent-old', 'sent', 40);
      await addMessage(tx, 'failed-old', 'failed', 35);
      await addMessage(tx, 'skipped-old', 'skipped', 35);
      await addMessage(tx, 'sent-young', 'sent', 5);
      await addMessage(tx, 'pending-old', 'pending', 40);
    });
    const pass = await flowgate.runRetentionPass();
    expect(pass.outbox_messages).toBe(3);
    expect(pass.outbox_attempts).toBe(3);
    const left = await flowgate.store.read((db) =>
      db.selectFrom('outbox_messages').select('message_id').orderBy('message_id').execute(),
    );
    expect(left.map((row) => row.message_id)).toEqual(['pending-old', 'sent-young']);
    const attempts = await flowgate.store.read((db) =>
      db.selectFrom('outbox_attempts').select('message_id').orderBy('message_id').execute(),
    );
    expect(attempts.map((row) => row.message_id)).toEqual(['pending-old', 'sent-young']);
  });

  it('cleanup with per-DAG cutoffs honours a DAG retention', async () => {
    const { flowgate } = await start(false);
    await flowgate.putDag(plan('short_lived', [{ id: 'a' }], { settings: { retention: '2d' } }));
    await flowgate.store.transaction((tx) =>
      addRuns(tx, [
        { id: 'short-5d', dag: 'short_lived', status: 'completed', age: 5 },
        { id: 'reports-5d', status: 'completed', age: 5 },
      ]),
    );
    const cutoff = daysAgo(30);
    expect((await flowgate.deleteFinishedRuns({ cutoff, dryRun: true })).workflows).toBe(0);
    const counts = await flowgate.deleteFinishedRuns({ cutoff, perDag: true });
    expect(counts.workflows).toBe(1);
    expect(await flowgate.store.read(runIds)).toEqual(['reports-5d']);
  });

  it('runs by itself on its timer and stops on close', async () => {
    const passes: unknown[] = [];
    app = await startTestFlowgate(dialect, {
      clock: new ManualClock(NOW),
      scheduler: false,
      retention: {
        defaultMs: 30 * DAY,
        firstDelayMs: 0,
        intervalMs: 20,
        onPass: (pass) => passes.push(pass),
      },
    });
    const { flowgate } = app;
    await flowgate.store.transaction((tx) =>
      addRuns(tx, [
        { id: 'done-old', status: 'completed', age: 40 },
        { id: 'paused-old', status: 'paused', age: 40 },
      ]),
    );
    const deadline = Date.now() + 10_000;
    while ((await flowgate.store.read(runIds)).includes('done-old')) {
      if (Date.now() > deadline) throw new Error('the retention loop never deleted the old run');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(await flowgate.store.read(runIds)).toEqual(['paused-old']);
    await app.close();
    app = undefined;
    const after = passes.length;
    expect(after).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(passes.length).toBe(after);
  });
});

async function addMessage(tx: Tx, id: string, status: string, age: number): Promise<void> {
  const at = daysAgo(age);
  await tx
    .insertInto('outbox_messages')
    .values({
      message_id: id,
      channel: 'email',
      kind: 'hitl.approver',
      workflow_id: null,
      request_id: null,
      node_id: null,
      user_id: null,
      payload: '{}',
      status,
      max_attempts: 8,
      next_attempt_at: at,
      lease_owner: null,
      last_error: null,
      provider_message_id: null,
      created_at: at,
      updated_at: at,
      sent_at: status === 'sent' ? at : null,
    })
    .execute();
  await tx
    .insertInto('outbox_attempts')
    .values({
      message_id: id,
      attempt: 1,
      sender: 'test',
      started_at: at,
      finished_at: at,
      outcome: status === 'pending' ? 'retry' : status,
      error: null,
      response: null,
    })
    .execute();
}
