import type { Selectable } from 'kysely';

import type { Tx } from '../port.js';
import type { OutboxMessagesTable } from '../schema.js';
import { insertRows, type ColumnSpec } from './sql-dialect.js';

export interface NewOutboxMessage {
  readonly messageId: string;
  readonly channel: string;
  readonly kind: string;
  readonly workflowId: string | null;
  readonly requestId: string | null;
  readonly nodeId: string | null;
  readonly userId: string | null;
  /** JSON text. */
  readonly payload: string;
  readonly maxAttempts: number;
  readonly now: string;
  /** A `webhook` message's subscription. */
  readonly subscriptionId?: string | null;
}

export interface OutboxMessageRecord {
  readonly messageId: string;
  readonly channel: string;
  readonly kind: string;
  readonly workflowId: string | null;
  readonly requestId: string | null;
  readonly nodeId: string | null;
  readonly userId: string | null;
  readonly payload: string;
  readonly status: string;
  readonly attempts: number;
  readonly maxAttempts: number;
  readonly nextAttemptAt: string;
  readonly leaseOwner: string | null;
  readonly lastError: string | null;
  readonly providerMessageId: string | null;
  readonly createdAt: string;
  readonly sentAt: string | null;
  readonly subscriptionId: string | null;
}

function toRecord(row: Selectable<OutboxMessagesTable>): OutboxMessageRecord {
  return {
    messageId: row.message_id,
    channel: row.channel,
    kind: row.kind,
    workflowId: row.workflow_id,
    requestId: row.request_id,
    nodeId: row.node_id,
    userId: row.user_id,
    // PostgreSQL hands jsonb back parsed; the record keeps the text, as SQLite gives it.
    payload: typeof row.payload === 'string' ? row.payload : JSON.stringify(row.payload),
    status: row.status,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    nextAttemptAt: row.next_attempt_at,
    leaseOwner: row.lease_owner,
    lastError: row.last_error,
    providerMessageId: row.provider_message_id,
    createdAt: row.created_at,
    sentAt: row.sent_at,
    subscriptionId: row.subscription_id,
  };
}

const newMessageColumns: ColumnSpec[] = [
  { name: 'message_id', kind: 'text' },
  { name: 'channel', kind: 'text' },
  { name: 'kind', kind: 'text' },
  { name: 'workflow_id', kind: 'text' },
  { name: 'request_id', kind: 'text' },
  { name: 'node_id', kind: 'text' },
  { name: 'user_id', kind: 'text' },
  { name: 'payload', kind: 'json' },
  { name: 'status', kind: 'text' },
  { name: 'max_attempts', kind: 'integer' },
  { name: 'next_attempt_at', kind: 'text' },
  { name: 'created_at', kind: 'text' },
  { name: 'updated_at', kind: 'text' },
  { name: 'subscription_id', kind: 'text' },
];

/** Enqueues messages in the caller's transaction: one statement on PostgreSQL, a cached insert per row on SQLite. */
export async function insertOutboxMessages(
  tx: Tx,
  messages: readonly NewOutboxMessage[],
): Promise<void> {
  await insertRows(
    tx,
    'outbox_messages',
    newMessageColumns,
    messages.map((m) => [
      m.messageId,
      m.channel,
      m.kind,
      m.workflowId,
      m.requestId,
      m.nodeId,
      m.userId,
      m.payload,
      'pending',
      m.maxAttempts,
      m.now,
      m.now,
      m.now,
      m.subscriptionId ?? null,
    ]),
  );
}

/**
 * Claims up to `limit` due messages for `sender`: each one's attempt is counted and it is not due again before
 * `leaseUntil`, which is the lease. A sender that dies holds its messages until then; another takes them after.
 * With `skipLocked` (PostgreSQL) concurrent senders pass over each other's rows instead of waiting.
 */
export async function claimOutboxMessages(
  tx: Tx,
  options: {
    sender: string;
    now: string;
    leaseUntil: string;
    limit: number;
    skipLocked: boolean;
  },
): Promise<OutboxMessageRecord[]> {
  const due = tx
    .selectFrom('outbox_messages')
    .select('message_id')
    .where('status', '=', 'pending')
    .where('next_attempt_at', '<=', options.now)
    .orderBy('next_attempt_at')
    .limit(options.limit)
    .$if(options.skipLocked, (q) => q.forUpdate().skipLocked());
  const rows = await tx
    .updateTable('outbox_messages')
    .set((eb) => ({
      attempts: eb('attempts', '+', 1),
      lease_owner: options.sender,
      next_attempt_at: options.leaseUntil,
      updated_at: options.now,
    }))
    .where('message_id', 'in', due)
    .where('status', '=', 'pending')
    .returningAll()
    .execute();
  return rows.map(toRecord);
}

export interface AttemptStart {
  readonly messageId: string;
  readonly attempt: number;
  readonly sender: string;
  readonly startedAt: string;
}

export async function insertOutboxAttempts(
  tx: Tx,
  attempts: readonly AttemptStart[],
): Promise<void> {
  if (attempts.length === 0) return;
  await tx
    .insertInto('outbox_attempts')
    .values(
      attempts.map((a) => ({
        message_id: a.messageId,
        attempt: a.attempt,
        sender: a.sender,
        started_at: a.startedAt,
      })),
    )
    .execute();
}

export interface AttemptOutcome {
  readonly messageId: string;
  readonly attempt: number;
  readonly sender: string;
  readonly now: string;
  /** sent, retry, failed, skipped. */
  readonly outcome: 'sent' | 'retry' | 'failed' | 'skipped';
  readonly error: string | null;
  readonly response: string | null;
  /** When the message is due again (retry). */
  readonly nextAttemptAt?: string;
  readonly providerMessageId?: string | null;
  /** The receiver's HTTP status (webhooks). */
  readonly statusCode?: number | null;
}

/**
 * Records an attempt's outcome and moves its message on: sent, due again later, or finally failed. Fenced by the
 * claim (sender and attempt): a sender whose lease ran out and whose message was claimed again changes nothing.
 * Returns false when fenced out.
 */
export async function finishOutboxAttempt(tx: Tx, outcome: AttemptOutcome): Promise<boolean> {
  const status =
    outcome.outcome === 'retry'
      ? 'pending'
      : outcome.outcome === 'sent'
        ? 'sent'
        : outcome.outcome === 'skipped'
          ? 'skipped'
          : 'failed';
  const result = await tx
    .updateTable('outbox_messages')
    .set({
      status,
      lease_owner: null,
      last_error: outcome.error,
      updated_at: outcome.now,
      ...(outcome.nextAttemptAt !== undefined ? { next_attempt_at: outcome.nextAttemptAt } : {}),
      ...(outcome.outcome === 'sent'
        ? { sent_at: outcome.now, provider_message_id: outcome.providerMessageId ?? null }
        : {}),
    })
    .where('message_id', '=', outcome.messageId)
    .where('status', '=', 'pending')
    .where('lease_owner', '=', outcome.sender)
    .where('attempts', '=', outcome.attempt)
    .executeTakeFirst();
  await tx
    .updateTable('outbox_attempts')
    .set({
      finished_at: outcome.now,
      outcome: outcome.outcome,
      error: outcome.error,
      response: outcome.response,
      status_code: outcome.statusCode ?? null,
    })
    .where('message_id', '=', outcome.messageId)
    .where('attempt', '=', outcome.attempt)
    .where('sender', '=', outcome.sender)
    .execute();
  return Number(result.numUpdatedRows) === 1;
}

/** The earliest time a pending message falls due, so a sender can sleep until then. */
export async function nextOutboxDue(tx: Tx): Promise<string | undefined> {
  const row = await tx
    .selectFrom('outbox_messages')
    .select('next_attempt_at')
    .where('status', '=', 'pending')
    .orderBy('next_attempt_at')
    .limit(1)
    .executeTakeFirst();
  return row?.next_attempt_at;
}

export async function listOutboxMessages(
  tx: Tx,
  filter: {
    requestId?: string;
    workflowId?: string;
    status?: string;
    subscriptionId?: string;
  } = {},
): Promise<OutboxMessageRecord[]> {
  const rows = await tx
    .selectFrom('outbox_messages')
    .selectAll()
    .$if(filter.requestId !== undefined, (q) => q.where('request_id', '=', filter.requestId!))
    .$if(filter.workflowId !== undefined, (q) => q.where('workflow_id', '=', filter.workflowId!))
    .$if(filter.status !== undefined, (q) => q.where('status', '=', filter.status!))
    .$if(filter.subscriptionId !== undefined, (q) =>
      q.where('subscription_id', '=', filter.subscriptionId!),
    )
    .orderBy('created_at')
    .orderBy('message_id')
    .execute();
  return rows.map(toRecord);
}

export interface OutboxAttemptRecord {
  readonly messageId: string;
  readonly attempt: number;
  readonly sender: string;
  readonly startedAt: string;
  readonly finishedAt: string | null;
  readonly outcome: string | null;
  readonly error: string | null;
  readonly response: string | null;
  readonly statusCode: number | null;
}

export async function listOutboxAttempts(
  tx: Tx,
  messageId: string,
): Promise<OutboxAttemptRecord[]> {
  const rows = await tx
    .selectFrom('outbox_attempts')
    .selectAll()
    .where('message_id', '=', messageId)
    .orderBy('id')
    .execute();
  return rows.map((row) => ({
    messageId: row.message_id,
    attempt: row.attempt,
    sender: row.sender,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    outcome: row.outcome,
    error: row.error,
    response: row.response,
    statusCode: row.status_code,
  }));
}
