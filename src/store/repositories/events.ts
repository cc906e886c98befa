import type { Tx } from '../port.js';
import { insertRows, type ColumnSpec } from './sql-dialect.js';

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

const eventColumns: ColumnSpec[] = [
  { name: 'workflow_id', kind: 'text' },
  { name: 'event_type', kind: 'text' },
  { name: 'event_data', kind: 'json' },
  { name: 'created_at', kind: 'text' },
];

export async function insertEvents(tx: Tx, events: readonly NewEvent[]): Promise<void> {
  await insertRows(
    tx,
    'workflow_events',
    eventColumns,
    events.map((e) => [e.workflowId, e.type, e.data, e.createdAt]),
  );
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
