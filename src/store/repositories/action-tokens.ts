import type { Tx } from '../port.js';
import { prepareQuery } from './prepared-query.js';

export interface NewActionToken {
  readonly tokenId: string;
  readonly secretHash: string;
  readonly requestId: string;
  readonly workflowId: string;
  readonly userId: string;
  readonly messageId: string | null;
  readonly channel: string;
  readonly createdAt: string;
  readonly expiresAt: string;
}

export interface ActionTokenRecord extends NewActionToken {
  readonly usedAt: string | null;
  readonly usedDecision: string | null;
  readonly revokedAt: string | null;
  readonly revokedReason: string | null;
}

export async function insertActionTokens(tx: Tx, tokens: readonly NewActionToken[]): Promise<void> {
  if (tokens.length === 0) return;
  await tx
    .insertInto('action_tokens')
    .values(
      tokens.map((t) => ({
        token_id: t.tokenId,
        secret_hash: t.secretHash,
        request_id: t.requestId,
        workflow_id: t.workflowId,
        user_id: t.userId,
        message_id: t.messageId,
        channel: t.channel,
        created_at: t.createdAt,
        expires_at: t.expiresAt,
      })),
    )
    .execute();
}

export async function getActionToken(
  tx: Tx,
  tokenId: string,
): Promise<ActionTokenRecord | undefined> {
  const row = await tx
    .selectFrom('action_tokens')
    .selectAll()
    .where('token_id', '=', tokenId)
    .executeTakeFirst();
  return (
    row && {
      tokenId: row.token_id,
      secretHash: row.secret_hash,
      requestId: row.request_id,
      workflowId: row.workflow_id,
      userId: row.user_id,
      messageId: row.message_id,
      channel: row.channel,
      createdAt: row.created_at,
      expiresAt: row.expires_at,
      usedAt: row.used_at,
      usedDecision: row.used_decision,
      revokedAt: row.revoked_at,
      revokedReason: row.revoked_reason,
    }
  );
}

/**
 * Compare-and-set: spends the token only if it is unused, unrevoked and unexpired. Of two concurrent uses exactly one
 * gets true (SQLite's write transactions are serial; PostgreSQL's row lock makes the second re-check and miss).
 */
export async function useActionToken(
  tx: Tx,
  tokenId: string,
  now: string,
  decision: string,
): Promise<boolean> {
  const result = await tx
    .updateTable('action_tokens')
    .set({ used_at: now, used_decision: decision })
    .where('token_id', '=', tokenId)
    .where('used_at', 'is', null)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Revokes a request's outstanding tokens (it closed). */
// Run by every decision (a request's links die with it).
const revokeOutstanding = prepareQuery<{ requestId: string; now: string; reason: string }, never>(
  (db, slot) =>
    db
      .updateTable('action_tokens')
      .set({ revoked_at: slot('now'), revoked_reason: slot('reason') })
      .where('request_id', '=', slot('requestId'))
      .where('used_at', 'is', null)
      .where('revoked_at', 'is', null),
);

export async function revokeRequestTokens(
  tx: Tx,
  requestId: string,
  now: string,
  reason: string,
): Promise<void> {
  await revokeOutstanding.run(tx, { requestId, now, reason });
}

/** Revokes the outstanding tokens an earlier attempt at a message minted: only the newest mail's link works. */
export async function revokeMessageTokens(
  tx: Tx,
  messageIds: readonly string[],
  now: string,
  reason: string,
): Promise<void> {
  if (messageIds.length === 0) return;
  await tx
    .updateTable('action_tokens')
    .set({ revoked_at: now, revoked_reason: reason })
    .where('message_id', 'in', [...messageIds])
    .where('used_at', 'is', null)
    .where('revoked_at', 'is', null)
    .execute();
}

export async function listRequestTokens(tx: Tx, requestId: string): Promise<ActionTokenRecord[]> {
  const ids = await tx
    .selectFrom('action_tokens')
    .select('token_id')
    .where('request_id', '=', requestId)
    .orderBy('created_at')
    .execute();
  const tokens: ActionTokenRecord[] = [];
  for (const { token_id } of ids) {
    const token = await getActionToken(tx, token_id);
    if (token) tokens.push(token);
  }
  return tokens;
}

/**
 * The server key of this name: made by the first process that asks (`candidate`), read by every other. Two first
 * callers race harmlessly: the insert of the second does nothing, and both read the winner's.
 */
export async function ensureServerKey(
  tx: Tx,
  name: string,
  candidate: string,
  now: string,
): Promise<string> {
  await tx
    .insertInto('flowgate_keys')
    .values({ name, value: candidate, created_at: now })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  const row = await tx
    .selectFrom('flowgate_keys')
    .select('value')
    .where('name', '=', name)
    .executeTakeFirstOrThrow();
  return row.value;
}
