import type { Kysely } from 'kysely';

import type { Dialect } from '../port.js';

/**
 * Indexes for the inbox's Decided tab: closed requests, newest decision first, paged on (responded_at, request_id),
 * optionally only those one person closed. `responded_at` is written exactly when a request closes, so the partial
 * indexes hold closed requests only, and the pending ones (which the inbox reads through `status`) stay out of them.
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema
    .createIndex('idx_hitl_requests_decided')
    .on('hitl_requests')
    .columns(['responded_at', 'request_id'])
    .where('responded_at', 'is not', null)
    .execute();
  await db.schema
    .createIndex('idx_hitl_requests_decided_by')
    .on('hitl_requests')
    .columns(['responded_by', 'responded_at', 'request_id'])
    .where('responded_at', 'is not', null)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('idx_hitl_requests_decided_by').ifExists().execute();
  await db.schema.dropIndex('idx_hitl_requests_decided').ifExists().execute();
}
