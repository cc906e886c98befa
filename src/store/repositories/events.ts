import type { Tx } from '../port.js';

export interface NewEvent {
  readonly workflowId: string;
  readonly type: string;
  readonly data: string | null;
  readonly createdAt: string;
}

export interface EventRecord {
  readonly id: number;
  readonly workflowId: string;
  readonly type: string;
  readonly data: string | null;
  readonly createdAt: string;
}

const INSERT_CHUNK = 500;

export async function insertEvents(tx: Tx, events: readonly NewEvent[]): Promise<void> {
  for (let start = 0; start < events.length; start += INSERT_CHUNK) {
    await tx
      .insertInto('workflow_events')
      .values(
        events.slice(start, start + INSERT_CHUNK).map((event) => ({
          workflow_id: event.workflowId,
          event_type: event.type,
          event_data: event.data,
          created_at: event.createdAt,
        })),
      )
      .execute();
  }
}

/** A run's events, oldest first (ids grow with commit order within a run). */
export async function listEvents(
  tx: Tx,
  workflowId: string,
  options: { afterId?: number; limit?: number } = {},
): Promise<EventRecord[]> {
  let query = tx
    .selectFrom('workflow_events')
    .select(['id', 'workflow_id', 'event_type', 'event_data', 'created_at'])
    .where('workflow_id', '=', workflowId)
    .orderBy('id');
  if (options.afterId !== undefined) query = query.where('id', '>', options.afterId);
  if (options.limit !== undefined) query = query.limit(options.limit);
  const rows = await query.execute();
  return rows.map((row) => ({
    id: Number(row.id),
    workflowId: row.workflow_id,
    type: row.event_type,
    data: row.event_data,
    createdAt: row.created_at,
  }));
}
