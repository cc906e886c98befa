import type { Selectable } from 'kysely';

import type { Tx } from '../port.js';
import type { ChatDestinationsTable } from '../schema.js';

export type ChatKind = 'slack' | 'teams';

export interface NewChatDestination {
  readonly destinationId: string;
  readonly kind: ChatKind;
  readonly name: string;
  readonly url: string;
  readonly createdBy: string | null;
  readonly now: string;
}

export interface ChatDestinationRecord {
  readonly destinationId: string;
  readonly kind: ChatKind;
  readonly name: string;
  readonly url: string;
  readonly isActive: boolean;
  readonly createdBy: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

function toRecord(row: Selectable<ChatDestinationsTable>): ChatDestinationRecord {
  return {
    destinationId: row.destination_id,
    kind: row.kind === 'teams' ? 'teams' : 'slack',
    name: row.name,
    url: row.url,
    isActive: Number(row.is_active) === 1,
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export async function insertChatDestination(
  tx: Tx,
  destination: NewChatDestination,
): Promise<void> {
  await tx
    .insertInto('chat_destinations')
    .values({
      destination_id: destination.destinationId,
      kind: destination.kind,
      name: destination.name,
      url: destination.url,
      is_active: 1,
      created_by: destination.createdBy,
      created_at: destination.now,
      updated_at: destination.now,
    })
    .execute();
}

export async function getChatDestination(
  tx: Tx,
  destinationId: string,
): Promise<ChatDestinationRecord | undefined> {
  const row = await tx
    .selectFrom('chat_destinations')
    .selectAll()
    .where('destination_id', '=', destinationId)
    .executeTakeFirst();
  return row && toRecord(row);
}

export async function listChatDestinations(
  tx: Tx,
  filter: { activeOnly?: boolean } = {},
): Promise<ChatDestinationRecord[]> {
  const rows = await tx
    .selectFrom('chat_destinations')
    .selectAll()
    .$if(filter.activeOnly === true, (q) => q.where('is_active', '=', 1))
    .orderBy('name')
    .execute();
  return rows.map(toRecord);
}

export interface ChatDestinationChanges {
  readonly name?: string;
  readonly url?: string;
  readonly isActive?: boolean;
}

/** Returns false when there is no such destination. */
export async function updateChatDestination(
  tx: Tx,
  destinationId: string,
  changes: ChatDestinationChanges,
  now: string,
): Promise<boolean> {
  const result = await tx
    .updateTable('chat_destinations')
    .set({
      updated_at: now,
      ...(changes.name !== undefined ? { name: changes.name } : {}),
      ...(changes.url !== undefined ? { url: changes.url } : {}),
      ...(changes.isActive !== undefined ? { is_active: changes.isActive ? 1 : 0 } : {}),
    })
    .where('destination_id', '=', destinationId)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Every destination's stored URL (sealed, or plain in rows older than sealing), for sealing them at start. */
export async function listChatDestinationUrls(
  tx: Tx,
): Promise<{ destinationId: string; url: string }[]> {
  const rows = await tx
    .selectFrom('chat_destinations')
    .select(['destination_id', 'url'])
    .orderBy('destination_id')
    .execute();
  return rows.map((row) => ({ destinationId: row.destination_id, url: row.url }));
}

/** Replaces a stored URL only if it still is `expected`; false when another writer changed it first. */
export async function replaceChatDestinationUrl(
  tx: Tx,
  destinationId: string,
  expected: string,
  url: string,
): Promise<boolean> {
  const result = await tx
    .updateTable('chat_destinations')
    .set({ url })
    .where('destination_id', '=', destinationId)
    .where('url', '=', expected)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Returns false when there is no such destination. Its outbox messages stay, and are skipped when their turn comes. */
export async function deleteChatDestination(tx: Tx, destinationId: string): Promise<boolean> {
  const result = await tx
    .deleteFrom('chat_destinations')
    .where('destination_id', '=', destinationId)
    .executeTakeFirst();
  return Number(result.numDeletedRows) === 1;
}

/** The active user a Slack member id is mapped to, with what an actor needs. */
export async function findUserBySlackId(
  tx: Tx,
  slackUserId: string,
): Promise<{ userId: string; username: string; role: string | null } | undefined> {
  const row = await tx
    .selectFrom('users')
    .select(['user_id', 'username', 'role'])
    .where('slack_user_id', '=', slackUserId)
    .where('is_active', '=', 1)
    .executeTakeFirst();
  return row && { userId: row.user_id, username: row.username, role: row.role };
}
