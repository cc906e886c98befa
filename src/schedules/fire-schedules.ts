import type { Changes } from '../engine/changes.js';
import { startStoredRuns, type RunStartEnv } from '../engine/start-stored-runs.js';
import { isTerminalRun } from '../engine/statuses.js';
import type { Tx } from '../store/port.js';
import { getDag, type DagRecord } from '../store/repositories/dags.js';
import {
  claimBufferedSchedules,
  claimDueSchedules,
  findNextScheduleWork,
  findRunStatuses,
  insertScheduleFire,
  updateSchedule,
  updateScheduleFire,
  type ScheduleRecord,
} from '../store/repositories/schedules.js';
import { toIso } from '../shared/clock.js';
import { fromJson } from '../shared/json.js';
import { parseCronSpec } from './cron-spec.js';
import { planOccurrences } from './plan-occurrences.js';
import { FireOutcome, Overlap, type Catchup } from './schedule-policy.js';

/** What one pass of the scheduler did, occurrence by occurrence. */
export interface FiredOccurrence {
  readonly scheduleId: string;
  readonly scheduledFor: string;
  readonly outcome: FireOutcome;
  readonly workflowId?: string;
  readonly reason?: string;
}

/** Schedules handled per transaction: a transaction holds their row locks, so it stays short. */
const BATCH = 20;
/** Batches per pass; the loop comes back at once when there was more. */
const MAX_BATCHES = 10;

/**
 * Starts what is due: the occurrences of due schedules (by their catch-up and overlap policies), and buffered
 * occurrences whose blocking run has ended. Each batch of schedules is one transaction that records every occurrence
 * it handles under the key (schedule_id, scheduled_for), starts its runs, and moves the schedules on; so a crash
 * loses nothing (the batch rolls back and the next pass does it again) and two processes never start one scheduled
 * time twice (PostgreSQL: the second skips the locked rows; either way the key refuses a second record).
 */
export async function fireDueSchedules(env: RunStartEnv): Promise<FiredOccurrence[]> {
  const fired: FiredOccurrence[] = [];
  // A read first: an idle pass must not take SQLite's write lock (or PostgreSQL row locks) for nothing.
  const next = await env.engine.store.read((db) => findNextScheduleWork(db));
  const dueAt = next.nextFireAt === null ? Infinity : Date.parse(next.nextFireAt);
  if (!next.hasBuffered && dueAt > env.engine.clock.now()) return fired;
  for (let batch = 0; batch < MAX_BATCHES; batch++) {
    const { handled, results } = await env.transact(async (tx, changes) => {
      const skipLocked = env.engine.store.capabilities.skipLocked;
      const now = env.engine.clock.now();
      const due = await claimDueSchedules(tx, { now: toIso(now), limit: BATCH, skipLocked });
      const results: FiredOccurrence[] = [];
      for (const schedule of due) {
        results.push(...(await fireSchedule(tx, env, changes, schedule, now)));
      }
      const buffered = await claimBufferedSchedules(tx, { limit: BATCH, skipLocked });
      results.push(...(await releaseBuffered(tx, env, changes, buffered)));
      return { handled: due.length, results };
    });
    fired.push(...results);
    if (handled < BATCH) break;
  }
  return fired;
}

async function fireSchedule(
  tx: Tx,
  env: RunStartEnv,
  changes: Changes,
  schedule: ScheduleRecord,
  now: number,
): Promise<FiredOccurrence[]> {
  const results: FiredOccurrence[] = [];
  let spec;
  try {
    spec = parseCronSpec(schedule.cron, schedule.timezone);
  } catch {
    // Stored expressions were checked when saved; one the evaluator no longer accepts stops rather than spins.
    await updateSchedule(tx, schedule.scheduleId, { next_fire_at: null, updated_at: toIso(now) });
    return results;
  }
  const plan = planOccurrences({
    spec,
    firstDue: Date.parse(schedule.nextFireAt ?? toIso(now)),
    now,
    catchup: schedule.catchup as Catchup,
    catchupWindowMs: schedule.catchupWindowSeconds * 1000,
    maxCatchupRuns: schedule.maxCatchupRuns,
  });

  const record = async (fire: Omit<FiredOccurrence, 'scheduleId'>): Promise<boolean> => {
    const inserted = await insertScheduleFire(tx, {
      scheduleId: schedule.scheduleId,
      scheduledFor: fire.scheduledFor,
      outcome: fire.outcome,
      reason: fire.reason ?? null,
      workflowId: fire.workflowId ?? null,
      createdAt: changes.now,
      updatedAt: changes.now,
    });
    if (inserted) results.push({ scheduleId: schedule.scheduleId, ...fire });
    return inserted;
  };
  const dag = await getDag(tx, schedule.dagId);
  if (!dag || dag.archivedAt !== null) {
    // An archived DAG starts nothing more: the schedule pauses itself, saying why once rather than every time.
    const latest = plan.fire[plan.fire.length - 1];
    if (latest !== undefined) {
      await record({
        scheduledFor: toIso(latest),
        outcome: FireOutcome.skipped,
        reason: 'the DAG is archived; the schedule is paused',
      });
    }
    await updateSchedule(tx, schedule.scheduleId, { paused: 1, updated_at: changes.now });
    return results;
  }
  let lastWorkflowId = schedule.lastWorkflowId;
  let bufferedFor = schedule.bufferedFor;
  let active = lastWorkflowId !== null && (await isActive(tx, lastWorkflowId));

  if (bufferedFor !== null && !active) {
    // The run the buffered occurrence waited for has ended: it goes first, before anything newer.
    const started = await releaseOccurrence(tx, env, changes, schedule, bufferedFor, dag);
    results.push(started);
    bufferedFor = null;
    if (started.workflowId !== undefined) {
      lastWorkflowId = started.workflowId;
      active = true;
    }
  }
  for (const time of plan.fire) {
    const scheduledFor = toIso(time);
    if (active && schedule.overlap !== Overlap.allow) {
      const buffer = schedule.overlap === Overlap.bufferOne && bufferedFor === null;
      const reason = buffer
        ? `waiting for run ${lastWorkflowId} to end`
        : bufferedFor !== null
          ? `run ${lastWorkflowId} is still active and a start is already buffered`
          : `run ${lastWorkflowId} is still active`;
      const outcome = buffer ? FireOutcome.buffered : FireOutcome.skipped;
      if ((await record({ scheduledFor, outcome, reason })) && buffer) bufferedFor = scheduledFor;
      continue;
    }
    const workflowId = env.engine.newId();
    if (!(await record({ scheduledFor, outcome: FireOutcome.started, workflowId }))) continue;
    await startScheduledRun(tx, env, changes, schedule, scheduledFor, workflowId);
    lastWorkflowId = workflowId;
    active = true;
  }

  const last = plan.fire[plan.fire.length - 1];
  await updateSchedule(tx, schedule.scheduleId, {
    next_fire_at: plan.nextDue === null ? null : toIso(plan.nextDue),
    last_workflow_id: lastWorkflowId,
    buffered_for: bufferedFor,
    ...(last !== undefined ? { last_scheduled_for: toIso(last) } : {}),
    updated_at: changes.now,
  });
  return results;
}

/** Starts the occurrence each buffered schedule holds, once the run it waited for has ended. */
async function releaseBuffered(
  tx: Tx,
  env: RunStartEnv,
  changes: Changes,
  schedules: readonly ScheduleRecord[],
): Promise<FiredOccurrence[]> {
  const waitedFor = schedules.flatMap((s) => (s.lastWorkflowId === null ? [] : [s.lastWorkflowId]));
  const statuses = await findRunStatuses(tx, waitedFor);
  const results: FiredOccurrence[] = [];
  for (const schedule of schedules) {
    const status =
      schedule.lastWorkflowId === null ? undefined : statuses.get(schedule.lastWorkflowId);
    if (status !== undefined && !isTerminalRun(status)) continue;
    const dag = await getDag(tx, schedule.dagId);
    const released = await releaseOccurrence(
      tx,
      env,
      changes,
      schedule,
      schedule.bufferedFor!,
      dag,
    );
    await updateSchedule(tx, schedule.scheduleId, {
      buffered_for: null,
      ...(released.workflowId !== undefined ? { last_workflow_id: released.workflowId } : {}),
      updated_at: changes.now,
    });
    results.push(released);
  }
  return results;
}

/** Starts a buffered occurrence (its record becomes `started`), or drops it when its DAG is archived. */
async function releaseOccurrence(
  tx: Tx,
  env: RunStartEnv,
  changes: Changes,
  schedule: ScheduleRecord,
  scheduledFor: string,
  dag: DagRecord | undefined,
): Promise<FiredOccurrence> {
  const key = { scheduleId: schedule.scheduleId, scheduledFor };
  if (!dag || dag.archivedAt !== null) {
    const reason = 'the DAG is archived';
    await updateScheduleFire(tx, key, {
      outcome: FireOutcome.skipped,
      reason,
      workflowId: null,
      now: changes.now,
    });
    return { ...key, outcome: FireOutcome.skipped, reason };
  }
  const workflowId = env.engine.newId();
  await updateScheduleFire(tx, key, {
    outcome: FireOutcome.started,
    reason: null,
    workflowId,
    now: changes.now,
  });
  await startScheduledRun(tx, env, changes, schedule, scheduledFor, workflowId);
  return { ...key, outcome: FireOutcome.started, workflowId };
}

async function startScheduledRun(
  tx: Tx,
  env: RunStartEnv,
  changes: Changes,
  schedule: ScheduleRecord,
  scheduledFor: string,
  workflowId: string,
): Promise<void> {
  await startStoredRuns(tx, env.engine, changes, schedule.dagId, [
    {
      workflowId,
      input: fromJson(schedule.input) ?? null,
      createdBy: schedule.createdBy,
      trigger: { type: 'schedule', scheduleId: schedule.scheduleId, scheduledFor },
    },
  ]);
}

async function isActive(tx: Tx, workflowId: string): Promise<boolean> {
  const status = (await findRunStatuses(tx, [workflowId])).get(workflowId);
  return status !== undefined && !isTerminalRun(status);
}
