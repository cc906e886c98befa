import type { Tx } from '../port.js';

/** Seed 001's session statuses: a login opens one, a logout completes it, an expired refresh token expires it. */
export type SessionStatus = 'active' | 'completed' | 'expired';

export interface NewSession {
  readonly sessionId: string;
  readonly userId: string;
  readonly refreshFamily: string;
  readonly ip: string | null;
  readonly userAgent: string | null;
  readonly expiresAt: string;
  readonly now: string;
}

export interface SessionRecord {
  readonly sessionId: string;
  readonly userId: string;
  readonly status: string;
  readonly refreshFamily: string | null;
  readonly ip: string | null;
  readonly userAgent: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly completedAt: string | null;
  readonly expiresAt: string | null;
}

export async function insertSession(tx: Tx, session: NewSession): Promise<void> {
  await tx
    .insertInto('sessions')
    .values({
      session_id: session.sessionId,
      user_id: session.userId,
      status: 'active',
      refresh_family: session.refreshFamily,
      ip: session.ip,
      user_agent: session.userAgent,
      expires_at: session.expiresAt,
      created_at: session.now,
      updated_at: session.now,
    })
    .execute();
}

export async function getSession(tx: Tx, sessionId: string): Promise<SessionRecord | undefined> {
  const row = await tx
    .selectFrom('sessions')
    .select([
      'session_id',
      'user_id',
      'status',
      'refresh_family',
      'ip',
      'user_agent',
      'created_at',
      'updated_at',
      'completed_at',
      'expires_at',
    ])
    .where('session_id', '=', sessionId)
    .executeTakeFirst();
  return (
    row && {
      sessionId: row.session_id,
      userId: row.user_id,
      status: row.status,
      refreshFamily: row.refresh_family,
      ip: row.ip,
      userAgent: row.user_agent,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      completedAt: row.completed_at,
      expiresAt: row.expires_at,
    }
  );
}

/** A refresh extends an active session. */
export async function touchSession(
  tx: Tx,
  sessionId: string,
  expiresAt: string,
  now: string,
): Promise<void> {
  await tx
    .updateTable('sessions')
    .set({ updated_at: now, expires_at: expiresAt })
    .where('session_id', '=', sessionId)
    .where('status', '=', 'active')
    .execute();
}

/** Ends an active session (a session already ended keeps its status). */
export async function endSession(
  tx: Tx,
  sessionId: string,
  status: Exclude<SessionStatus, 'active'>,
  now: string,
): Promise<void> {
  await tx
    .updateTable('sessions')
    .set({ status, updated_at: now, completed_at: now })
    .where('session_id', '=', sessionId)
    .where('status', '=', 'active')
    .execute();
}

/** Ends every active login session of a user (deactivation). Sessions without a refresh family are not logins. */
export async function endUserSessions(
  tx: Tx,
  userId: string,
  status: Exclude<SessionStatus, 'active'>,
  now: string,
): Promise<void> {
  await tx
    .updateTable('sessions')
    .set({ status, updated_at: now, completed_at: now })
    .where('user_id', '=', userId)
    .where('status', '=', 'active')
    .where('refresh_family', 'is not', null)
    .execute();
}
