import type { Selectable } from 'kysely';

import type { Tx } from '../port.js';
import type { TriggersTable } from '../schema.js';
import { afterKeyset } from './keyset.js';

/** A trigger as listed: never its secret's hash nor its signing key. */
export interface TriggerRecord {
  readonly triggerId: string;
  readonly dagId: string;
  readonly name: string | null;
  readonly auth: string;
  readonly createdBy: string | null;
  readonly createdAt: string;
  readonly lastUsedAt: string | null;
}

/** What checking a request needs. */
export interface TriggerCredentials extends TriggerRecord {
  readonly secretHash: string;
  readonly signingKey: string | null;
}

function toCredentials(row: Selectable<TriggersTable>): TriggerCredentials {
  return {
    triggerId: row.trigger_id,
    dagId: row.dag_id,
    name: row.name,
    auth: row.auth,
    createdBy: row.created_by,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    secretHash: row.secret_hash,
    signingKey: row.signing_key,
  };
}

function toRecord(row: Selectable<TriggersTable>): TriggerRecord {
  const { secretHash: _hash, signingKey: _key, ...record } = toCredentials(row);
  return record;
}

export async function insertTrigger(tx: Tx, row: Selectable<TriggersTable>): Promise<void> {
  await tx.insertInto('triggers').values(row).execute();
}

export async function getTrigger(tx: Tx, triggerId: string): Promise<TriggerRecord | undefined> {
  const row = await tx
    .selectFrom('triggers')
    .selectAll()
    .where('trigger_id', '=', triggerId)
    .executeTakeFirst();
  return row && toRecord(row);
}

export async function getTriggerCredentials(
  tx: Tx,
  triggerId: string,
): Promise<TriggerCredentials | undefined> {
  const row = await tx
    .selectFrom('triggers')
    .selectAll()
    .where('trigger_id', '=', triggerId)
    .executeTakeFirst();
  return row && toCredentials(row);
}

/** Triggers, oldest first; keyset paging as for schedules. */
export async function listTriggers(
  tx: Tx,
  filter: {
    readonly limit: number;
    readonly dagId?: string;
    readonly dagIds?: readonly string[];
    readonly after?: { readonly createdAt: string; readonly triggerId: string };
  },
): Promise<TriggerRecord[]> {
  if (filter.dagIds?.length === 0) return [];
  let query = tx.selectFrom('triggers').selectAll();
  if (filter.dagId !== undefined) query = query.where('dag_id', '=', filter.dagId);
  if (filter.dagIds !== undefined) query = query.where('dag_id', 'in', filter.dagIds);
  if (filter.after) {
    const { createdAt: time, triggerId: id } = filter.after;
    query = query.where(afterKeyset({ time: 'created_at', id: 'trigger_id' }, { time, id }));
  }
  const rows = await query
    .orderBy('created_at')
    .orderBy('trigger_id')
    .limit(filter.limit)
    .execute();
  return rows.map(toRecord);
}

/** Deletes a trigger and its idempotency keys (its runs stay); false when there is no such trigger. */
export async function deleteTrigger(tx: Tx, triggerId: string): Promise<boolean> {
  await tx.deleteFrom('trigger_requests').where('trigger_id', '=', triggerId).execute();
  const result = await tx
    .deleteFrom('triggers')
    .where('trigger_id', '=', triggerId)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

export async function touchTrigger(tx: Tx, triggerId: string, now: string): Promise<void> {
  await tx
    .updateTable('triggers')
    .set({ last_used_at: now })
    .where('trigger_id', '=', triggerId)
    .execute();
}

/**
 * Claims an idempotency key for a run about to start. False when the key is taken: the caller reads the run it
 * started instead. On PostgreSQL a concurrent claim of the same key waits here until the first commits or rolls
 * back, so two requests racing with one key still start one run.
 */
export async function claimIdempotencyKey(
  tx: Tx,
  claim: { triggerId: string; key: string; workflowId: string; now: string },
): Promise<boolean> {
  const inserted = await tx
    .insertInto('trigger_requests')
    .values({
      trigger_id: claim.triggerId,
      idempotency_key: claim.key,
      workflow_id: claim.workflowId,
      created_at: claim.now,
    })
    .onConflict((oc) => oc.columns(['trigger_id', 'idempotency_key']).doNothing())
    .returning('workflow_id')
    .executeTakeFirst();
  return inserted !== undefined;
}

export async function findIdempotencyKey(
  tx: Tx,
  triggerId: string,
  key: string,
): Promise<{ workflowId: string; createdAt: string } | undefined> {
  const row = await tx
    .selectFrom('trigger_requests')
    .select(['workflow_id', 'created_at'])
    .where('trigger_id', '=', triggerId)
    .where('idempotency_key', '=', key)
    .executeTakeFirst();
  return row && { workflowId: row.workflow_id, createdAt: row.created_at };
}

/** Forgets idempotency keys recorded before `before`; returns how many. */
export async function deleteIdempotencyKeys(
  tx: Tx,
  options: { before: string; triggerId?: string; key?: string },
): Promise<number> {
  let query = tx.deleteFrom('trigger_requests').where('created_at', '<', options.before);
  if (options.triggerId !== undefined) query = query.where('trigger_id', '=', options.triggerId);
  if (options.key !== undefined) query = query.where('idempotency_key', '=', options.key);
  const result = await query.executeTakeFirst();
  return Number(result.numDeletedRows);
}
