/**
 * Webhook subscriptions as admins manage them (API.md "Webhooks"): every URL passes the outbound guard when saved,
 * the secret is shown once, and deliveries go through the outbox like every other message.
 */
import { randomUUID } from 'node:crypto';

import { OutboundError, type OutboundGuard } from '../notify/outbound-guard.js';
import { MessageKind, type WebhookPayload } from '../notify/outbox-notices.js';
import {
  eventFilterProblem,
  WEBHOOK_RETRY_SCHEDULE_MS,
  webhookBody,
} from '../notify/webhook-policy.js';
import { newWebhookSecret } from '../notify/webhook-signature.js';
import type { Store, Tx } from '../store/port.js';
import {
  insertOutboxMessages,
  listOutboxAttempts,
  listOutboxMessages,
  type OutboxMessageRecord,
} from '../store/repositories/outbox.js';
import {
  deleteWebhookSubscription,
  getWebhookSubscription,
  insertWebhookSubscription,
  listWebhookSubscriptions,
  rotateWebhookSecret,
  updateWebhookSubscription,
  type WebhookSubscriptionRecord,
} from '../store/repositories/webhook-subscriptions.js';
import { toIso, type Clock } from '../shared/clock.js';
import { FlowgateError } from '../shared/errors.js';
import { fromJson } from '../shared/json.js';

export interface WebhookView {
  readonly id: string;
  readonly url: string;
  readonly description: string | null;
  readonly events: string[];
  readonly active: boolean;
  readonly disabledReason: string | null;
  readonly disabledAt: string | null;
  /** Until when the rotated-out secret still signs, or null. */
  readonly previousSecretExpiresAt: string | null;
  readonly createdBy: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface WebhookAttemptView {
  readonly attempt: number;
  readonly startedAt: string;
  readonly finishedAt: string | null;
  readonly outcome: string | null;
  readonly statusCode: number | null;
  readonly error: string | null;
  readonly response: string | null;
}

export interface WebhookDeliveryView {
  readonly id: string;
  readonly type: string;
  readonly status: string;
  readonly attempts: WebhookAttemptView[];
  readonly nextAttemptAt: string | null;
  readonly lastError: string | null;
  readonly createdAt: string;
  readonly sentAt: string | null;
}

export interface WebhookInput {
  readonly url: string;
  readonly events: readonly string[];
  readonly description?: string | undefined;
}

export interface WebhookChanges {
  readonly url?: string | undefined;
  readonly events?: readonly string[] | undefined;
  readonly description?: string | null | undefined;
  readonly active?: boolean | undefined;
}

export interface WebhooksDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly guard: OutboundGuard;
  /** Something was enqueued: the sender looks soon. */
  readonly enqueued: () => void;
}

// A day: long enough for a receiver's operator to deploy the new secret, short enough that a leaked one dies soon.
const ROTATION_OVERLAP_MS = 24 * 3_600_000;

export class Webhooks {
  readonly #deps: WebhooksDeps;

  constructor(deps: WebhooksDeps) {
    this.#deps = deps;
  }

  async create(
    input: WebhookInput,
    options: { createdBy?: string | null } = {},
  ): Promise<WebhookView & { secret: string }> {
    await this.#checkUrl(input.url);
    checkEvents(input.events);
    const secret = newWebhookSecret();
    const id = `wh_${randomUUID().replaceAll('-', '')}`;
    const now = this.#now();
    const record = await this.#deps.store.transaction(async (tx) => {
      await insertWebhookSubscription(tx, {
        subscriptionId: id,
        url: input.url,
        description: input.description ?? null,
        events: [...input.events],
        secret,
        createdBy: options.createdBy ?? null,
        now,
      });
      return (await getWebhookSubscription(tx, id))!;
    });
    return { ...view(record), secret };
  }

  async list(): Promise<WebhookView[]> {
    return (await this.#deps.store.read((db) => listWebhookSubscriptions(db))).map(view);
  }

  async get(id: string): Promise<WebhookView> {
    return view(await this.#deps.store.read((db) => found(db, id)));
  }

  async update(id: string, changes: WebhookChanges): Promise<WebhookView> {
    if (changes.url !== undefined) await this.#checkUrl(changes.url);
    if (changes.events !== undefined) checkEvents(changes.events);
    return this.#deps.store.transaction(async (tx) => {
      await found(tx, id);
      await updateWebhookSubscription(
        tx,
        id,
        {
          ...(changes.url !== undefined ? { url: changes.url } : {}),
          ...(changes.events !== undefined ? { events: changes.events } : {}),
          ...(changes.description !== undefined ? { description: changes.description } : {}),
          ...(changes.active !== undefined
            ? {
                isActive: changes.active,
                ...(changes.active ? {} : { disabledReason: 'Disabled by an admin' }),
              }
            : {}),
        },
        this.#now(),
      );
      return view(await found(tx, id));
    });
  }

  async delete(id: string): Promise<void> {
    const deleted = await this.#deps.store.transaction((tx) => deleteWebhookSubscription(tx, id));
    if (!deleted) throw notFound();
  }

  /** A new secret, shown once; the old one keeps signing beside it for a day. */
  async rotateSecret(id: string): Promise<{ secret: string; previousSecretExpiresAt: string }> {
    const secret = newWebhookSecret();
    const now = this.#deps.clock.now();
    const previousSecretExpiresAt = toIso(now + ROTATION_OVERLAP_MS);
    const rotated = await this.#deps.store.transaction((tx) =>
      rotateWebhookSecret(tx, id, secret, previousSecretExpiresAt, toIso(now)),
    );
    if (!rotated) throw notFound();
    return { secret, previousSecretExpiresAt };
  }

  /** Enqueues a `webhook.test` event for this subscription alone, whatever its filter. */
  async test(id: string): Promise<{ deliveryId: string }> {
    const now = this.#now();
    const deliveryId = newMessageId();
    await this.#deps.store.transaction(async (tx) => {
      await found(tx, id);
      await enqueue(tx, id, deliveryId, 'webhook.test', webhookBody('webhook.test', now, {}), now);
    });
    this.#deps.enqueued();
    return { deliveryId };
  }

  async deliveries(id: string): Promise<WebhookDeliveryView[]> {
    return this.#deps.store.read(async (db) => {
      await found(db, id);
      const messages = await listOutboxMessages(db, { subscriptionId: id });
      const views: WebhookDeliveryView[] = [];
      for (const message of messages.reverse()) {
        views.push(deliveryView(message, await listOutboxAttempts(db, message.messageId)));
      }
      return views;
    });
  }

  /** Sends a delivery's very body again as a new delivery, signed anew when it goes. */
  async redeliver(id: string, deliveryId: string): Promise<{ deliveryId: string }> {
    const now = this.#now();
    const newId = newMessageId();
    await this.#deps.store.transaction(async (tx) => {
      await found(tx, id);
      const [message] = (await listOutboxMessages(tx, { subscriptionId: id })).filter(
        (m) => m.messageId === deliveryId,
      );
      const payload = message && fromJson<WebhookPayload>(message.payload);
      if (!payload) throw new FlowgateError('NOT_FOUND', 'No such delivery');
      await enqueue(tx, id, newId, payload.type, payload.body, now, message);
    });
    this.#deps.enqueued();
    return { deliveryId: newId };
  }

  async #checkUrl(url: string): Promise<void> {
    try {
      await this.#deps.guard.check(url);
    } catch (error) {
      if (error instanceof OutboundError) {
        throw new FlowgateError('BAD_REQUEST', `The URL is refused: ${error.message}`);
      }
      throw error;
    }
  }

  #now(): string {
    return toIso(this.#deps.clock.now());
  }
}

function newMessageId(): string {
  return `msg_${randomUUID().replaceAll('-', '')}`;
}

async function enqueue(
  tx: Tx,
  subscriptionId: string,
  messageId: string,
  type: string,
  body: string,
  now: string,
  from?: OutboxMessageRecord,
): Promise<void> {
  const payload: WebhookPayload = { type, body };
  await insertOutboxMessages(tx, [
    {
      messageId,
      channel: 'webhook',
      kind: MessageKind.webhook,
      workflowId: from?.workflowId ?? null,
      requestId: from?.requestId ?? null,
      nodeId: from?.nodeId ?? null,
      userId: null,
      payload: JSON.stringify(payload),
      maxAttempts: WEBHOOK_RETRY_SCHEDULE_MS.length,
      now,
      subscriptionId,
    },
  ]);
}

function checkEvents(events: readonly string[]): void {
  if (events.length === 0) {
    throw new FlowgateError('BAD_REQUEST', 'A subscription needs at least one event type');
  }
  const problems = events.map(eventFilterProblem).filter((p): p is string => p !== undefined);
  if (problems.length > 0) {
    throw new FlowgateError('BAD_REQUEST', problems.join('; '), { details: problems });
  }
}

function notFound(): FlowgateError {
  return new FlowgateError('NOT_FOUND', 'No such webhook');
}

async function found(tx: Tx, id: string): Promise<WebhookSubscriptionRecord> {
  const record = await getWebhookSubscription(tx, id);
  if (!record) throw notFound();
  return record;
}

function view(record: WebhookSubscriptionRecord): WebhookView {
  return {
    id: record.subscriptionId,
    url: record.url,
    description: record.description,
    events: record.events,
    active: record.isActive,
    disabledReason: record.disabledReason,
    disabledAt: record.disabledAt,
    previousSecretExpiresAt: record.previousSecretExpiresAt,
    createdBy: record.createdBy,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}

function deliveryView(
  message: OutboxMessageRecord,
  attempts: Awaited<ReturnType<typeof listOutboxAttempts>>,
): WebhookDeliveryView {
  const payload = fromJson<WebhookPayload>(message.payload);
  return {
    id: message.messageId,
    type: payload?.type ?? 'unknown',
    status: message.status,
    attempts: attempts.map((a) => ({
      attempt: a.attempt,
      startedAt: a.startedAt,
      finishedAt: a.finishedAt,
      outcome: a.outcome,
      statusCode: a.statusCode,
      error: a.error,
      response: a.response,
    })),
    nextAttemptAt: message.status === 'pending' ? message.nextAttemptAt : null,
    lastError: message.lastError,
    createdAt: message.createdAt,
    sentAt: message.sentAt,
  };
}
