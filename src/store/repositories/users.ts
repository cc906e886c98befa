import type { Tx } from '../port.js';

export interface UserRecord {
  readonly userId: string;
  readonly username: string;
  readonly fullName: string | null;
  readonly email: string | null;
  readonly role: string | null;
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
      created_at: user.now,
    })
    .execute();
}
