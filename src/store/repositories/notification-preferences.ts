/**
 * Users' stored preferences (seed 004's `notifications: {email, push, workflowUpdates, executionAlerts}`), read for
 * deciding which optional mails they get. The preferences stay JSON text here; the rule is the notifier's.
 */
import type { Tx } from '../port.js';

export interface StoredPreferences {
  readonly userId: string;
  /** Lower-cased. */
  readonly email: string | null;
  /** JSON text, or null when never set. */
  readonly preferences: string | null;
}

function toStored(row: { user_id: string; email: string | null; preferences: unknown }) {
  return {
    userId: row.user_id,
    email: row.email?.toLowerCase() ?? null,
    // PostgreSQL may hand JSON back parsed; the record keeps the text, as SQLite gives it.
    preferences:
      row.preferences === null || typeof row.preferences === 'string'
        ? row.preferences
        : JSON.stringify(row.preferences),
  };
}

/** The preferences of these users (by id). */
export async function preferencesOfUsers(
  tx: Tx,
  userIds: readonly string[],
): Promise<StoredPreferences[]> {
  if (userIds.length === 0) return [];
  const rows = await tx
    .selectFrom('users')
    .select(['user_id', 'email', 'preferences'])
    .where('user_id', 'in', [...userIds])
    .where('preferences', 'is not', null)
    .execute();
  return rows.map(toStored);
}

/** The preferences of the users whose email address is one of these (compared without case). */
export async function preferencesOfAddresses(
  tx: Tx,
  addresses: readonly string[],
): Promise<StoredPreferences[]> {
  if (addresses.length === 0) return [];
  const lowered = [...new Set(addresses.map((a) => a.trim().toLowerCase()))];
  const rows = await tx
    .selectFrom('users')
    .select(['user_id', 'email', 'preferences'])
    .where((eb) => eb(eb.fn('lower', ['email']), 'in', lowered))
    .where('preferences', 'is not', null)
    .execute();
  return rows.map(toStored);
}
