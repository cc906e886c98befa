import type { Selectable } from 'kysely';

import type { Tx } from '../port.js';
import type { WebhookSubscriptionsTable } from '../schema.js';
import { prepareQuery } from './prepared-query.js';

export interface NewWebhookSubscription {
  readonly subscriptionId: string;
  readonly url: string;
  readonly description: string | null;
  readonly events: readonly string[];
  readonly secret: string;
  readonly createdBy: string | null;
  readonly now: string;
}

export interface WebhookSubscriptionRecord {
  readonly subscriptionId: string;
  readonly url: string;
  readonly description: string | null;
  readonly events: string[];
  readonly secret: string;
  readonly previousSecret: string | null;
  readonly previousSecretExpiresAt: string | null;
  readonly isActive: boolean;
  readonly disabledReason: string | null;
  readonly disabledAt: string | null;
  readonly createdBy: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

function toRecord(row: Selectable<WebhookSubscriptionsTable>): WebhookSubscriptionRecord {
  return {
    subscriptionId: row.subscription_id,
    url: row.url,
    description: row.description,
    events: readEvents(row.events),
    secret: row.secret,
    previousSecret: row.previous_secret,
    previousSecretExpiresAt: row.previous_secret_expires_at,
    isActive: Number(row.is_active) === 1,
    disabledReason: row.disabled_reason,
    disabledAt: row.disabled_at,
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

// A row written by hand with a broken filter matches nothing rather than failing every enqueue.
function readEvents(text: string): string[] {
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
  } catch {
    return [];
  }
}

export async function insertWebhookSubscription(
  tx: Tx,
  subscription: NewWebhookSubscription,
): Promise<void> {
  await tx
    .insertInto('webhook_subscriptions')
    .values({
      subscription_id: subscription.subscriptionId,
      url: subscription.url,
      description: subscription.description,
      events: JSON.stringify(subscription.events),
      secret: subscription.secret,
      previous_secret: null,
      previous_secret_expires_at: null,
      is_active: 1,
      disabled_reason: null,
      disabled_at: null,
      created_by: subscription.createdBy,
      created_at: subscription.now,
      updated_at: subscription.now,
    })
    .execute();
}

export async function getWebhookSubscription(
  tx: Tx,
  subscriptionId: string,
): Promise<WebhookSubscriptionRecord | undefined> {
  const row = await tx
    .selectFrom('webhook_subscriptions')
    .selectAll()
    .where('subscription_id', '=', subscriptionId)
    .executeTakeFirst();
  return row && toRecord(row);
}

const selectSubscriptions = (activeOnly: boolean) =>
  prepareQuery<object, Selectable<WebhookSubscriptionsTable>>((db) =>
    db
      .selectFrom('webhook_subscriptions')
      .selectAll()
      .$if(activeOnly, (q) => q.where('is_active', '=', 1))
      .orderBy('created_at')
      .orderBy('subscription_id'),
  );

// The active ones are read by every transaction that records an event other systems may hear of.
const selectActive = selectSubscriptions(true);
const selectAll = selectSubscriptions(false);

export async function listWebhookSubscriptions(
  tx: Tx,
  filter: { activeOnly?: boolean } = {},
): Promise<WebhookSubscriptionRecord[]> {
  const rows = await (filter.activeOnly ? selectActive : selectAll).all(tx, {});
  return rows.map(toRecord);
}

export interface WebhookSubscriptionChanges {
  readonly url?: string;
  readonly description?: string | null;
  readonly events?: readonly string[];
  /** Re-enabling clears the reason a subscription was disabled. */
  readonly isActive?: boolean;
  readonly disabledReason?: string | null;
}

export async function updateWebhookSubscription(
  tx: Tx,
  subscriptionId: string,
  changes: WebhookSubscriptionChanges,
  now: string,
): Promise<boolean> {
  const result = await tx
    .updateTable('webhook_subscriptions')
    .set({
      updated_at: now,
      ...(changes.url !== undefined ? { url: changes.url } : {}),
      ...(changes.description !== undefined ? { description: changes.description } : {}),
      ...(changes.events !== undefined ? { events: JSON.stringify(changes.events) } : {}),
      ...(changes.isActive === true
        ? { is_active: 1, disabled_reason: null, disabled_at: null }
        : changes.isActive === false
          ? { is_active: 0, disabled_reason: changes.disabledReason ?? null, disabled_at: now }
          : {}),
    })
    .where('subscription_id', '=', subscriptionId)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** A new secret; the current one keeps signing beside it until `previousExpiresAt`. */
export async function rotateWebhookSecret(
  tx: Tx,
  subscriptionId: string,
  secret: string,
  previousExpiresAt: string,
  now: string,
): Promise<boolean> {
  const result = await tx
    .updateTable('webhook_subscriptions')
    .set((eb) => ({
      previous_secret: eb.ref('secret'),
      previous_secret_expires_at: previousExpiresAt,
      secret,
      updated_at: now,
    }))
    .where('subscription_id', '=', subscriptionId)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function deleteWebhookSubscription(tx: Tx, subscriptionId: string): Promise<boolean> {
  const result = await tx
    .deleteFrom('webhook_subscriptions')
    .where('subscription_id', '=', subscriptionId)
    .executeTakeFirst();
  return Number(result.numDeletedRows) === 1;
}

/** The secrets that sign a delivery now: the current one, and a rotated-out one still in its overlap window. */
export function signingSecrets(subscription: WebhookSubscriptionRecord, now: string): string[] {
  const previous =
    subscription.previousSecret !== null &&
    subscription.previousSecretExpiresAt !== null &&
    subscription.previousSecretExpiresAt > now
      ? [subscription.previousSecret]
      : [];
  return [subscription.secret, ...previous];
}
