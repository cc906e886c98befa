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

/** Events with `id > afterId`, in id order, at most `limit`. */
export async function listEventsAfter(
  tx: Tx,
  afterId: number,
  limit: number,
): Promise<FeedEventRecord[]> {
  const rows = await tx
    .selectFrom('workflow_events as e')
    .leftJoin('workflows as w', 'w.workflow_id', 'e.workflow_id')
    .select([
      'e.id as id',
      'e.workflow_id as workflow_id',
      'e.event_type as event_type',
      'e.event_data as event_data',
      'e.created_at as created_at',
      'w.dag_id as dag_id',
    ])
    .where('e.id', '>', afterId)
    .orderBy('e.id')
    .limit(limit)
    .execute();
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
