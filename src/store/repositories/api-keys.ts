import type { Tx } from '../port.js';

/** An API key as listed: never its secret nor its hash. */
export interface ApiKeyRecord {
  readonly keyId: string;
  readonly userId: string;
  readonly name: string;
  readonly prefix: string;
  readonly createdAt: string;
  readonly lastUsedAt: string | null;
  readonly revokedAt: string | null;
}

export interface NewApiKey {
  readonly keyId: string;
  readonly userId: string;
  readonly name: string;
  readonly keyHash: string;
  readonly prefix: string;
  readonly now: string;
}

const listed = [
  'key_id',
  'user_id',
  'name',
  'prefix',
  'created_at',
  'last_used_at',
  'revoked_at',
] as const;

function toRecord(row: {
  key_id: string;
  user_id: string;
  name: string;
  prefix: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}): ApiKeyRecord {
  return {
    keyId: row.key_id,
    userId: row.user_id,
    name: row.name,
    prefix: row.prefix,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
  };
}

export async function insertApiKey(tx: Tx, key: NewApiKey): Promise<void> {
  await tx
    .insertInto('api_keys')
    .values({
      key_id: key.keyId,
      user_id: key.userId,
      name: key.name,
      key_hash: key.keyHash,
      prefix: key.prefix,
      created_at: key.now,
    })
    .execute();
}

/** A user's keys, oldest first, revoked ones included (with their revocation time). */
export async function listApiKeys(tx: Tx, userId: string): Promise<ApiKeyRecord[]> {
  const rows = await tx
    .selectFrom('api_keys')
    .select(listed)
    .where('user_id', '=', userId)
    .orderBy('created_at')
    .orderBy('key_id')
    .execute();
  return rows.map(toRecord);
}

export async function findApiKeyByHash(tx: Tx, keyHash: string): Promise<ApiKeyRecord | undefined> {
  const row = await tx
    .selectFrom('api_keys')
    .select(listed)
    .where('key_hash', '=', keyHash)
    .executeTakeFirst();
  return row && toRecord(row);
}

/** Revokes one of a user's keys; false when the user has no such key. Revoking twice keeps the first time. */
export async function revokeApiKey(
  tx: Tx,
  userId: string,
  keyId: string,
  now: string,
): Promise<boolean> {
  const key = await tx
    .selectFrom('api_keys')
    .select(['key_id'])
    .where('key_id', '=', keyId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  if (!key) return false;
  await tx
    .updateTable('api_keys')
    .set({ revoked_at: now })
    .where('key_id', '=', keyId)
    .where('revoked_at', 'is', null)
    .execute();
  return true;
}

export async function touchApiKey(tx: Tx, keyId: string, now: string): Promise<void> {
  await tx.updateTable('api_keys').set({ last_used_at: now }).where('key_id', '=', keyId).execute();
}
