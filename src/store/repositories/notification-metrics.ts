/**
 * Read-only figures on what Flowgate sends and on requests kept waiting: outbox deliveries by channel and status,
 * retried attempts by channel, the age of pending requests, and requests past their service level (escalated, or
 * timed out). Each takes the DAG ids the caller may see (undefined: all; an empty list matches nothing); messages
 * not tied to a run (a webhook's test event) count only in the unscoped figures. Figures cover the rows retention
 * has kept.
 */
import { sql, type RawBuilder } from 'kysely';

import type { Tx } from '../port.js';
import { isPostgres } from './sql-dialect.js';
import { num, numOrNull } from './numbers.js';

export interface NotificationFilter {
  readonly dagIds?: readonly string[];
}

export interface DeliveryRow {
  readonly channel: string;
  readonly status: string;
  readonly count: number;
}

export interface RetryRow {
  readonly channel: string;
  readonly retries: number;
}

export interface PendingAgeRow {
  readonly count: number;
  readonly oldestSeconds: number | null;
  readonly averageSeconds: number | null;
}

export interface SlaBreachRow {
  readonly escalated: number;
  readonly timedOut: number;
  /** Requests that were escalated, timed out, or both. */
  readonly total: number;
}

/** Seconds from a text timestamp column to the bound `now`. */
function secondsSince(tx: Tx, column: string, now: string): RawBuilder<number | null> {
  if (isPostgres(tx)) {
    return sql<
      number | null
    >`extract(epoch from (${now}::timestamptz - ${sql.ref(column)}::timestamptz))::float8`;
  }
  return sql<number | null>`((julianday(${now}) - julianday(${sql.ref(column)})) * 86400.0)`;
}

/** Outbox messages per channel and status (pending, sent, failed, skipped). */
export async function deliveryCounts(
  tx: Tx,
  filter: NotificationFilter = {},
): Promise<DeliveryRow[]> {
  if (filter.dagIds?.length === 0) return [];
  let query = tx
    .selectFrom('outbox_messages as m')
    .select((eb) => ['m.channel as channel', 'm.status as status', eb.fn.countAll().as('count')])
    .groupBy(['m.channel', 'm.status'])
    .orderBy('m.channel')
    .orderBy('m.status');
  if (filter.dagIds) {
    query = query
      .innerJoin('workflows as w', 'w.workflow_id', 'm.workflow_id')
      .where('w.dag_id', 'in', [...filter.dagIds]);
  }
  const rows = await query.execute();
  return rows.map((row) => ({ channel: row.channel, status: row.status, count: num(row.count) }));
}

/** Attempts that failed and were tried again, per channel. */
export async function retryCounts(tx: Tx, filter: NotificationFilter = {}): Promise<RetryRow[]> {
  if (filter.dagIds?.length === 0) return [];
  let query = tx
    .selectFrom('outbox_attempts as a')
    .innerJoin('outbox_messages as m', 'm.message_id', 'a.message_id')
    .select((eb) => ['m.channel as channel', eb.fn.countAll().as('retries')])
    .where('a.outcome', '=', 'retry')
    .groupBy('m.channel')
    .orderBy('m.channel');
  if (filter.dagIds) {
    query = query
      .innerJoin('workflows as w', 'w.workflow_id', 'm.workflow_id')
      .where('w.dag_id', 'in', [...filter.dagIds]);
  }
  const rows = await query.execute();
  return rows.map((row) => ({ channel: row.channel, retries: num(row.retries) }));
}

/** How many requests wait, and for how long at most and on average, at `now`. */
export async function pendingAge(
  tx: Tx,
  now: string,
  filter: NotificationFilter = {},
): Promise<PendingAgeRow> {
  if (filter.dagIds?.length === 0) return { count: 0, oldestSeconds: null, averageSeconds: null };
  const age = secondsSince(tx, 'h.created_at', now);
  let query = tx
    .selectFrom('hitl_requests as h')
    .select((eb) => [
      eb.fn.countAll().as('count'),
      sql<unknown>`max(${age})`.as('oldest'),
      sql<unknown>`avg(${age})`.as('average'),
    ])
    .where('h.status', '=', 'pending');
  if (filter.dagIds) {
    query = query
      .innerJoin('workflows as w', 'w.workflow_id', 'h.workflow_id')
      .where('w.dag_id', 'in', [...filter.dagIds]);
  }
  const row = await query.executeTakeFirst();
  // SQLite's julianday arithmetic is off by a few microseconds: the ages are kept to the millisecond.
  const seconds = (value: unknown) => {
    const n = numOrNull(value);
    return n === null ? null : Math.max(0, Math.round(n * 1000) / 1000);
  };
  return {
    count: num(row?.count),
    oldestSeconds: seconds(row?.oldest),
    averageSeconds: seconds(row?.average),
  };
}

/**
 * Requests past their service level: escalated at least once, or timed out — closed by their timeout (expired, or
 * approved or rejected by nobody: the timeout's outcome) or still pending past their deadline.
 */
export async function slaBreaches(
  tx: Tx,
  now: string,
  filter: NotificationFilter = {},
): Promise<SlaBreachRow> {
  if (filter.dagIds?.length === 0) return { escalated: 0, timedOut: 0, total: 0 };
  const escalated = sql<boolean>`${sql.ref('h.escalation_level')} > 0`;
  const timedOut = sql<boolean>`(${sql.ref('h.expires_at')} is not null and (
    ${sql.ref('h.status')} = 'expired'
    or (${sql.ref('h.status')} in ('approved', 'rejected') and ${sql.ref('h.responded_by')} is null)
    or (${sql.ref('h.status')} = 'pending' and ${sql.ref('h.expires_at')} <= ${now})))`;
  let query = tx
    .selectFrom('hitl_requests as h')
    .select([
      sql<unknown>`sum(case when ${escalated} then 1 else 0 end)`.as('escalated'),
      sql<unknown>`sum(case when ${timedOut} then 1 else 0 end)`.as('timedOut'),
      sql<unknown>`sum(case when ${escalated} or ${timedOut} then 1 else 0 end)`.as('total'),
    ]);
  if (filter.dagIds) {
    query = query
      .innerJoin('workflows as w', 'w.workflow_id', 'h.workflow_id')
      .where('w.dag_id', 'in', [...filter.dagIds]);
  }
  const row = await query.executeTakeFirst();
  return {
    escalated: num(row?.escalated),
    timedOut: num(row?.timedOut),
    total: num(row?.total),
  };
}
