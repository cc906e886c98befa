import type { Tx } from '../port.js';

export interface RefreshTokenRecord {
  readonly tokenHash: string;
  readonly familyId: string;
  readonly userId: string;
  readonly sessionId: string | null;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly usedAt: string | null;
  readonly revokedAt: string | null;
}

export interface NewRefreshToken {
  readonly tokenHash: string;
  readonly familyId: string;
  readonly userId: string;
  readonly sessionId: string | null;
  readonly expiresAt: string;
  readonly now: string;
}

export async function insertRefreshToken(tx: Tx, token: NewRefreshToken): Promise<void> {
  await tx
    .insertInto('refresh_tokens')
    .values({
      token_hash: token.tokenHash,
      family_id: token.familyId,
      user_id: token.userId,
      session_id: token.sessionId,
      created_at: token.now,
      expires_at: token.expiresAt,
    })
    .execute();
}

export async function findRefreshToken(
  tx: Tx,
  tokenHash: string,
  options: { lock?: boolean } = {},
): Promise<RefreshTokenRecord | undefined> {
  let query = tx
    .selectFrom('refresh_tokens')
    .select([
      'token_hash',
      'family_id',
      'user_id',
      'session_id',
      'created_at',
      'expires_at',
      'used_at',
      'revoked_at',
    ])
    .where('token_hash', '=', tokenHash);
  if (options.lock) query = query.forUpdate();
  const row = await query.executeTakeFirst();
  return (
    row && {
      tokenHash: row.token_hash,
      familyId: row.family_id,
      userId: row.user_id,
      sessionId: row.session_id,
      createdAt: row.created_at,
      expiresAt: row.expires_at,
      usedAt: row.used_at,
      revokedAt: row.revoked_at,
    }
  );
}

/**
 * Spends a token: true when this call spent it, false when it was already spent or revoked (by a concurrent
 * rotation, say), which the caller treats as reuse.
 */
export async function markRefreshTokenUsed(
  tx: Tx,
  tokenHash: string,
  now: string,
): Promise<boolean> {
  const result = await tx
    .updateTable('refresh_tokens')
    .set({ used_at: now })
    .where('token_hash', '=', tokenHash)
    .where('used_at', 'is', null)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function revokeRefreshFamily(tx: Tx, familyId: string, now: string): Promise<void> {
  await tx
    .updateTable('refresh_tokens')
    .set({ revoked_at: now })
    .where('family_id', '=', familyId)
    .where('revoked_at', 'is', null)
    .execute();
}

export async function revokeUserRefreshTokens(tx: Tx, userId: string, now: string): Promise<void> {
  await tx
    .updateTable('refresh_tokens')
    .set({ revoked_at: now })
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .execute();
}
