import type { Tx } from '../port.js';

export interface MailRecipient {
  readonly userId: string;
  readonly username: string;
  readonly fullName: string | null;
  readonly email: string;
  readonly role: string | null;
}

/**
 * The active users with an email address among those named (by username or id) or holding one of the roles: the
 * people a raised request mails. One query for a whole batch of requests.
 */
export async function findMailRecipients(
  tx: Tx,
  names: readonly string[],
  roles: readonly string[],
): Promise<MailRecipient[]> {
  if (names.length === 0 && roles.length === 0) return [];
  const rows = await tx
    .selectFrom('users')
    .select(['user_id', 'username', 'full_name', 'email', 'role'])
    .where('email', 'is not', null)
    .where('is_active', '=', 1)
    .where((eb) =>
      eb.or([
        ...(names.length > 0
          ? [eb('username', 'in', [...names]), eb('user_id', 'in', [...names])]
          : []),
        ...(roles.length > 0 ? [eb('role', 'in', [...roles])] : []),
      ]),
    )
    .execute();
  return rows
    .filter((row) => row.email !== null && row.email.trim() !== '')
    .map((row) => ({
      userId: row.user_id,
      username: row.username,
      fullName: row.full_name,
      email: row.email!,
      role: row.role,
    }));
}

/** One user, for rendering a link's page ("you are deciding as …") and deciding as them. */
export async function getMailRecipient(
  tx: Tx,
  userId: string,
): Promise<(MailRecipient & { readonly isActive: boolean }) | undefined> {
  const row = await tx
    .selectFrom('users')
    .select(['user_id', 'username', 'full_name', 'email', 'role', 'is_active'])
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return (
    row && {
      userId: row.user_id,
      username: row.username,
      fullName: row.full_name,
      email: row.email ?? '',
      role: row.role,
      isActive: Boolean(row.is_active),
    }
  );
}
