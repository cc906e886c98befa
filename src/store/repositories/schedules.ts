import type { Selectable } from 'kysely';

import type { Tx } from '../port.js';
import type { ScheduleFiresTable, SchedulesTable } from '../schema.js';
import { afterKeyset } from './keyset.js';

export interface ScheduleRecord {
  readonly scheduleId: string;
  readonly dagId: string;
  readonly cron: string;
  readonly timezone: string;
  /** JSON text of the runs' input, or null. */
  readonly input: string | null;
  readonly catchup: string;
  readonly catchupWindowSeconds: number;
  readonly maxCatchupRuns: number;
  readonly overlap: string;
  readonly paused: boolean;
  readonly nextFireAt: string | null;
  readonly lastScheduledFor: string | null;
  readonly lastWorkflowId: string | null;
  readonly bufferedFor: string | null;
  readonly createdBy: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface ScheduleFireRecord {
  readonly scheduleId: string;
  readonly scheduledFor: string;
  readonly outcome: string;
  readonly reason: string | null;
  readonly workflowId: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** The columns a schedule's owner may change (and the scheduler's own bookkeeping). */
export type ScheduleChanges = Partial<
  Pick<
    Selectable<SchedulesTable>,
    | 'cron'
    | 'timezone'
    | 'input'
    | 'catchup'
    | 'catchup_window_seconds'
    | 'max_catchup_runs'
    | 'overlap'
    | 'paused'
    | 'next_fire_at'
    | 'last_scheduled_for'
    | 'last_workflow_id'
    | 'buffered_for'
  >
> & { updated_at: string };

type ScheduleRow = Selectable<SchedulesTable>;

function toRecord(row: ScheduleRow): ScheduleRecord {
  return {
    scheduleId: row.schedule_id,
    dagId: row.dag_id,
    cron: row.cron,
    timezone: row.timezone,
    input: row.input,
    catchup: row.catchup,
    catchupWindowSeconds: row.catchup_window_seconds,
    maxCatchupRuns: row.max_catchup_runs,
    overlap: row.overlap,
    paused: row.paused === 1,
    nextFireAt: row.next_fire_at,
    lastScheduledFor: row.last_scheduled_for,
    lastWorkflowId: row.last_workflow_id,
    bufferedFor: row.buffered_for,
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toFireRecord(row: Selectable<ScheduleFiresTable>): ScheduleFireRecord {
  return {
    scheduleId: row.schedule_id,
    scheduledFor: row.scheduled_for,
    outcome: row.outcome,
    reason: row.reason,
    workflowId: row.workflow_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export async function insertSchedule(tx: Tx, row: ScheduleRow): Promise<void> {
  await tx.insertInto('schedules').values(row).execute();
}

export async function getSchedule(tx: Tx, scheduleId: string): Promise<ScheduleRecord | undefined> {
  const row = await tx
    .selectFrom('schedules')
    .selectAll()
    .where('schedule_id', '=', scheduleId)
    .executeTakeFirst();
  return row && toRecord(row);
}

export interface ScheduleListFilter {
  readonly limit: number;
  readonly dagId?: string;
  /** Only schedules of these DAGs (the ones a caller may see). */
  readonly dagIds?: readonly string[];
  /** Keyset: the (created_at, schedule_id) of the last item of the previous page. */
  readonly after?: { readonly createdAt: string; readonly scheduleId: string };
}

/** Schedules, oldest first. */
export async function listSchedules(tx: Tx, filter: ScheduleListFilter): Promise<ScheduleRecord[]> {
  if (filter.dagIds?.length === 0) return [];
  let query = tx.selectFrom('schedules').selectAll();
  if (filter.dagId !== undefined) query = query.where('dag_id', '=', filter.dagId);
  if (filter.dagIds !== undefined) query = query.where('dag_id', 'in', filter.dagIds);
  if (filter.after) {
    const { createdAt: time, scheduleId: id } = filter.after;
    query = query.where(afterKeyset({ time: 'created_at', id: 'schedule_id' }, { time, id }));
  }
  const rows = await query
    .orderBy('created_at')
    .orderBy('schedule_id')
    .limit(filter.limit)
    .execute();
  return rows.map(toRecord);
}

/** Changes a schedule; false when there is no such schedule. */
export async function updateSchedule(
  tx: Tx,
  scheduleId: string,
  changes: ScheduleChanges,
): Promise<boolean> {
  const result = await tx
    .updateTable('schedules')
    .set(changes)
    .where('schedule_id', '=', scheduleId)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Deletes a schedule and its history (its runs stay); false when there is no such schedule. */
export async function deleteSchedule(tx: Tx, scheduleId: string): Promise<boolean> {
  await tx.deleteFrom('schedule_fires').where('schedule_id', '=', scheduleId).execute();
  const result = await tx
    .deleteFrom('schedules')
    .where('schedule_id', '=', scheduleId)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/**
 * Locks up to `limit` unpaused schedules whose next occurrence is due. With `skipLocked` (PostgreSQL) a schedule
 * another process is firing is passed over, not waited for; SQLite's write transactions are serial, so there the
 * transaction itself is the lock.
 */
export async function claimDueSchedules(
  tx: Tx,
  options: { now: string; limit: number; skipLocked: boolean },
): Promise<ScheduleRecord[]> {
  const rows = await tx
    .selectFrom('schedules')
    .selectAll()
    .where('paused', '=', 0)
    .where('next_fire_at', '<=', options.now)
    .orderBy('next_fire_at')
    .limit(options.limit)
    .$if(options.skipLocked, (q) => q.forUpdate().skipLocked())
    .execute();
  return rows.map(toRecord);
}

/** Locks up to `limit` unpaused schedules holding a buffered occurrence (see `claimDueSchedules`). */
export async function claimBufferedSchedules(
  tx: Tx,
  options: { limit: number; skipLocked: boolean },
): Promise<ScheduleRecord[]> {
  const rows = await tx
    .selectFrom('schedules')
    .selectAll()
    .where('paused', '=', 0)
    .where('buffered_for', 'is not', null)
    .orderBy('buffered_for')
    .limit(options.limit)
    .$if(options.skipLocked, (q) => q.forUpdate().skipLocked())
    .execute();
  return rows.map(toRecord);
}

/** When the scheduler has work next: the earliest due time, and whether buffered starts wait on running runs. */
export async function findNextScheduleWork(
  tx: Tx,
): Promise<{ nextFireAt: string | null; hasBuffered: boolean }> {
  const due = await tx
    .selectFrom('schedules')
    .select((eb) => eb.fn.min<string | null>('next_fire_at').as('next'))
    .where('paused', '=', 0)
    .executeTakeFirst();
  const buffered = await tx
    .selectFrom('schedules')
    .select('schedule_id')
    .where('paused', '=', 0)
    .where('buffered_for', 'is not', null)
    .limit(1)
    .executeTakeFirst();
  return { nextFireAt: due?.next ?? null, hasBuffered: buffered !== undefined };
}

/**
 * Records an occurrence. False when it is already recorded: another process (or an earlier turn) handled this
 * scheduled time, and nothing may start for it again.
 */
export async function insertScheduleFire(tx: Tx, fire: ScheduleFireRecord): Promise<boolean> {
  const inserted = await tx
    .insertInto('schedule_fires')
    .values({
      schedule_id: fire.scheduleId,
      scheduled_for: fire.scheduledFor,
      outcome: fire.outcome,
      reason: fire.reason,
      workflow_id: fire.workflowId,
      created_at: fire.createdAt,
      updated_at: fire.updatedAt,
    })
    .onConflict((oc) => oc.columns(['schedule_id', 'scheduled_for']).doNothing())
    .returning('schedule_id')
    .executeTakeFirst();
  return inserted !== undefined;
}

/** A buffered occurrence that started (or was dropped) later. */
export async function updateScheduleFire(
  tx: Tx,
  key: { scheduleId: string; scheduledFor: string },
  changes: { outcome: string; reason: string | null; workflowId: string | null; now: string },
): Promise<void> {
  await tx
    .updateTable('schedule_fires')
    .set({
      outcome: changes.outcome,
      reason: changes.reason,
      workflow_id: changes.workflowId,
      updated_at: changes.now,
    })
    .where('schedule_id', '=', key.scheduleId)
    .where('scheduled_for', '=', key.scheduledFor)
    .execute();
}

/** A schedule's handled occurrences, newest first. */
export async function listScheduleFires(
  tx: Tx,
  scheduleId: string,
  limit: number,
): Promise<ScheduleFireRecord[]> {
  const rows = await tx
    .selectFrom('schedule_fires')
    .selectAll()
    .where('schedule_id', '=', scheduleId)
    .orderBy('scheduled_for', 'desc')
    .limit(limit)
    .execute();
  return rows.map(toFireRecord);
}

/** The status of each run that still exists, by id (a run removed by retention is simply absent). */
export async function findRunStatuses(
  tx: Tx,
  workflowIds: readonly string[],
): Promise<Map<string, string>> {
  if (workflowIds.length === 0) return new Map();
  const rows = await tx
    .selectFrom('workflows')
    .select(['workflow_id', 'status'])
    .where('workflow_id', 'in', [...workflowIds])
    .execute();
  return new Map(rows.map((row) => [row.workflow_id, row.status]));
}
