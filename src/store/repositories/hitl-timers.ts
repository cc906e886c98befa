/**
 * Reminder and escalation timers on pending requests (migration 0008). Finding due timers is a read over the
 * partial indexes; firing one is a compare-and-set on the request row that requires it still pending and the due
 * time still the one that was read, so a closed request's timers are dead without a write, and of two processes
 * that fire the same timer exactly one updates the row.
 */
import type { Tx } from '../port.js';

export type HitlTimerKind = 'reminder' | 'escalation';

export interface DueHitlTimer {
  readonly requestId: string;
  readonly kind: HitlTimerKind;
}

export interface HitlTimerState {
  readonly requestId: string;
  readonly workflowId: string;
  readonly nodeId: string;
  readonly status: string;
  readonly spec: string | null;
  readonly runStartedBy: string | null;
  readonly createdAt: string;
  readonly expiresAt: string | null;
  readonly nextReminderAt: string | null;
  readonly remindersSent: number;
  readonly nextEscalationAt: string | null;
  readonly escalationLevel: number;
}

/** Pending requests with a timer due at `now`, earliest first: up to `limit` of each kind. */
export async function findDueHitlTimers(
  tx: Tx,
  now: string,
  limit: number,
): Promise<DueHitlTimer[]> {
  const reminders = await tx
    .selectFrom('hitl_requests')
    .select('request_id')
    .where('status', '=', 'pending')
    .where('next_reminder_at', 'is not', null)
    .where('next_reminder_at', '<=', now)
    .orderBy('next_reminder_at')
    .limit(limit)
    .execute();
  const escalations = await tx
    .selectFrom('hitl_requests')
    .select('request_id')
    .where('status', '=', 'pending')
    .where('next_escalation_at', 'is not', null)
    .where('next_escalation_at', '<=', now)
    .orderBy('next_escalation_at')
    .limit(limit)
    .execute();
  return [
    ...escalations.map((row) => ({ requestId: row.request_id, kind: 'escalation' as const })),
    ...reminders.map((row) => ({ requestId: row.request_id, kind: 'reminder' as const })),
  ];
}

/** The earliest timer of any pending request, so a worker can wake for it. */
export async function nextHitlTimerDue(tx: Tx): Promise<string | undefined> {
  const reminder = await tx
    .selectFrom('hitl_requests')
    .select('next_reminder_at as due')
    .where('status', '=', 'pending')
    .where('next_reminder_at', 'is not', null)
    .orderBy('next_reminder_at')
    .limit(1)
    .executeTakeFirst();
  const escalation = await tx
    .selectFrom('hitl_requests')
    .select('next_escalation_at as due')
    .where('status', '=', 'pending')
    .where('next_escalation_at', 'is not', null)
    .orderBy('next_escalation_at')
    .limit(1)
    .executeTakeFirst();
  const times = [reminder?.due, escalation?.due].filter((t): t is string => typeof t === 'string');
  return times.length > 0 ? times.sort()[0] : undefined;
}

/** A request's timer state; `lock` (PostgreSQL) holds its row until the transaction ends. */
export async function getHitlTimerState(
  tx: Tx,
  requestId: string,
  lock: boolean,
): Promise<HitlTimerState | undefined> {
  const row = await tx
    .selectFrom('hitl_requests')
    .select([
      'request_id',
      'workflow_id',
      'node_id',
      'status',
      'spec',
      'run_started_by',
      'created_at',
      'expires_at',
      'next_reminder_at',
      'reminders_sent',
      'next_escalation_at',
      'escalation_level',
    ])
    .where('request_id', '=', requestId)
    .$if(lock, (q) => q.forUpdate())
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    requestId: row.request_id,
    workflowId: row.workflow_id,
    nodeId: row.node_id,
    status: row.status,
    // PostgreSQL hands jsonb back parsed; the state keeps the text, as SQLite gives it.
    spec: row.spec === null || typeof row.spec === 'string' ? row.spec : JSON.stringify(row.spec),
    runStartedBy: row.run_started_by,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    nextReminderAt: row.next_reminder_at,
    remindersSent: row.reminders_sent,
    nextEscalationAt: row.next_escalation_at,
    escalationLevel: row.escalation_level,
  };
}

/** Fires the reminder due at `due`: true when this call did (the request was pending and nobody fired it first). */
export async function advanceReminder(
  tx: Tx,
  requestId: string,
  change: { due: string; next: string | null; sent: number; now: string },
): Promise<boolean> {
  const result = await tx
    .updateTable('hitl_requests')
    .set({ next_reminder_at: change.next, reminders_sent: change.sent, updated_at: change.now })
    .where('request_id', '=', requestId)
    .where('status', '=', 'pending')
    .where('next_reminder_at', '=', change.due)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Fires the escalation level due at `due`, with the request's new rules (its approvers changed): true when it did. */
export async function advanceEscalation(
  tx: Tx,
  requestId: string,
  change: { due: string; next: string | null; level: number; spec: string; now: string },
): Promise<boolean> {
  const result = await tx
    .updateTable('hitl_requests')
    .set({
      next_escalation_at: change.next,
      escalation_level: change.level,
      spec: change.spec,
      updated_at: change.now,
    })
    .where('request_id', '=', requestId)
    .where('status', '=', 'pending')
    .where('next_escalation_at', '=', change.due)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Revokes a request's outstanding links held by anyone but `keep` (user ids): escalation replaced them. */
export async function revokeTokensExcept(
  tx: Tx,
  requestId: string,
  keep: readonly string[],
  now: string,
  reason: string,
): Promise<number> {
  const result = await tx
    .updateTable('action_tokens')
    .set({ revoked_at: now, revoked_reason: reason })
    .where('request_id', '=', requestId)
    .where('used_at', 'is', null)
    .where('revoked_at', 'is', null)
    .$if(keep.length > 0, (q) => q.where('user_id', 'not in', [...keep]))
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}
