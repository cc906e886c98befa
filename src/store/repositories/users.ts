import type { Selectable } from 'kysely';

import type { Tx } from '../port.js';
import type { UsersTable } from '../schema.js';
import { prepareQuery } from './prepared-query.js';

export interface UserRecord {
  readonly userId: string;
  readonly username: string;
  readonly fullName: string | null;
  readonly email: string | null;
  readonly role: string | null;
}

/** A user with what sign-in needs: the password hash (never to leave the server), the active flag, preferences. */
export interface UserAccountRecord extends UserRecord {
  readonly passwordHash: string | null;
  readonly isActive: boolean;
  /** JSON text, as stored. */
  readonly preferences: string | null;
  readonly createdAt: string;
  readonly lastLogin: string | null;
  readonly updatedAt: string | null;
  /** The Slack member whose button clicks act as this user (admins set it). */
  readonly slackUserId: string | null;
}

/** A user by id or by username. */
export async function findUser(tx: Tx, idOrUsername: string): Promise<UserRecord | undefined> {
  const row = await tx
    .selectFrom('users')
    .select(['user_id', 'username', 'full_name', 'email', 'role'])
    .where((eb) => eb.or([eb('user_id', '=', idOrUsername), eb('username', '=', idOrUsername)]))
    .executeTakeFirst();
  return (
    row && {
      userId: row.user_id,
      username: row.username,
      fullName: row.full_name,
      email: row.email,
      role: row.role,
    }
  );
}

export async function insertUser(
  tx: Tx,
  user: {
    userId: string;
    username: string;
    role: string;
    email?: string;
    fullName?: string;
    passwordHash?: string;
    preferences?: string;
    now: string;
  },
): Promise<void> {
  await tx
    .insertInto('users')
    .values({
      user_id: user.userId,
      username: user.username,
      role: user.role,
      email: user.email ?? null,
      full_name: user.fullName ?? null,
      password_hash: user.passwordHash ?? null,
      preferences: user.preferences ?? null,
      created_at: user.now,
      updated_at: user.now,
    })
    .execute();
}

const accountColumns = [
  'user_id',
  'username',
  'full_name',
  'email',
  'role',
  'password_hash',
  'is_active',
  'preferences',
  'created_at',
  'last_login',
  'updated_at',
  'slack_user_id',
] as const;

type AccountRow = Pick<Selectable<UsersTable>, (typeof accountColumns)[number]>;

function toAccount(row: AccountRow): UserAccountRecord {
  return {
    userId: row.user_id,
    username: row.username,
    fullName: row.full_name,
    email: row.email,
    role: row.role,
    passwordHash: row.password_hash,
    isActive: Number(row.is_active) === 1,
    preferences: row.preferences,
    createdAt: row.created_at,
    lastLogin: row.last_login,
    updatedAt: row.updated_at,
    slackUserId: row.slack_user_id,
  };
}

/** A user by exact username (the login name), with sign-in fields. */
export async function findAccountByUsername(
  tx: Tx,
  username: string,
): Promise<UserAccountRecord | undefined> {
  const row = await tx
    .selectFrom('users')
    .select(accountColumns)
    .where('username', '=', username)
    .executeTakeFirst();
  return row && toAccount(row);
}

/** A user by id, with sign-in fields. */
// Every authenticated request reads its user.
const selectAccountById = prepareQuery<{ userId: string }, AccountRow>((db, slot) =>
  db.selectFrom('users').select(accountColumns).where('user_id', '=', slot('userId')),
);

export async function findAccountById(
  tx: Tx,
  userId: string,
): Promise<UserAccountRecord | undefined> {
  const row = await selectAccountById.first(tx, { userId });
  return row && toAccount(row);
}

/** All users, by username. */
export async function listAccounts(tx: Tx): Promise<UserAccountRecord[]> {
  const rows = await tx.selectFrom('users').select(accountColumns).orderBy('username').execute();
  return rows.map(toAccount);
}

export async function countUsers(tx: Tx): Promise<number> {
  const row = await tx
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number | string | bigint>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The fields of a user that may change; absent fields stay as they are. */
export interface UserChanges {
  readonly role?: string;
  readonly isActive?: boolean;
  readonly passwordHash?: string;
  readonly email?: string | null;
  readonly fullName?: string | null;
  /** JSON text. */
  readonly preferences?: string | null;
  readonly slackUserId?: string | null;
}

/** Returns false when there is no such user. */
export async function updateAccount(
  tx: Tx,
  userId: string,
  changes: UserChanges,
  now: string,
): Promise<boolean> {
  const result = await tx
    .updateTable('users')
    .set({
      updated_at: now,
      ...(changes.role !== undefined ? { role: changes.role } : {}),
      ...(changes.isActive !== undefined ? { is_active: changes.isActive ? 1 : 0 } : {}),
      ...(changes.passwordHash !== undefined ? { password_hash: changes.passwordHash } : {}),
      ...(changes.email !== undefined ? { email: changes.email } : {}),
      ...(changes.fullName !== undefined ? { full_name: changes.fullName } : {}),
      ...(changes.preferences !== undefined ? { preferences: changes.preferences } : {}),
      ...(changes.slackUserId !== undefined ? { slack_user_id: changes.slackUserId } : {}),
    })
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function recordLogin(tx: Tx, userId: string, now: string): Promise<void> {
  await tx.updateTable('users').set({ last_login: now }).where('user_id', '=', userId).execute();
}

/** A unique constraint was violated (a second user with the same username, say), in either dialect. */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return (
    code === '23505' ||
    code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    code === 'SQLITE_CONSTRAINT_PRIMARYKEY'
  );
}
