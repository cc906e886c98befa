/**
 * The live event feed's reads: every run's events after an id cursor, oldest first, each with its run's DAG id (so
 * that who may see it is known without a query per event), and the newest event id (where a new stream starts).
 */
import type { Tx } from '../port.js';
import type { EventRecord } from './events.js';

export interface FeedEventRecord extends EventRecord {
  /** The DAG of the event's run; null when the run row is gone. */
  readonly dagId: string | null;
}

/** Ids `lo`..`hi`, both included. */
export interface IdRange {
  readonly lo: number;
  readonly hi: number;
}

/**
 * Events with `id > afterId`, and those with an id in one of `also` (ids the feed saw missing and asks for again), in
 * id order, at most `limit`. One statement, so that new and late rows come from the same snapshot. The ids are picked
 * by a union of index ranges: with the ranges OR-ed into one condition, SQLite scans the whole table in id order.
 */
export async function listEventsAfter(
  tx: Tx,
  afterId: number,
  limit: number,
  also: readonly IdRange[] = [],
): Promise<FeedEventRecord[]> {
  let query = tx
    .selectFrom('workflow_events as e')
    .leftJoin('workflows as w', 'w.workflow_id', 'e.workflow_id')
    .select([
      'e.id as id',
      'e.workflow_id as workflow_id',
      'e.event_type as event_type',
      'e.event_data as event_data',
      'e.created_at as created_at',
      'w.dag_id as dag_id',
    ]);
  if (also.length === 0) {
    query = query.where('e.id', '>', afterId);
  } else {
    const next = tx
      .selectFrom('workflow_events')
      .select('id')
      .where('id', '>', afterId)
      .orderBy('id')
      .limit(limit);
    const late = tx
      .selectFrom('workflow_events')
      .select('id')
      .where((eb) => eb.or(also.map((range) => eb.between('id', range.lo, range.hi))));
    query = query.where('e.id', 'in', tx.selectFrom(next.as('n')).select('n.id').unionAll(late));
  }
  const rows = await query.orderBy('e.id').limit(limit).execute();
  return rows.map((row) => ({
    id: Number(row.id),
    workflowId: row.workflow_id,
    type: row.event_type,
    data: row.event_data,
    createdAt: row.created_at,
    dagId: row.dag_id ?? null,
  }));
}

/** The newest event's id, or 0 when there are none. */
export async function latestEventId(tx: Tx): Promise<number> {
  const row = await tx
    .selectFrom('workflow_events')
    .select((eb) => eb.fn.max('id').as('max_id'))
    .executeTakeFirst();
  return row?.max_id == null ? 0 : Number(row.max_id);
}
