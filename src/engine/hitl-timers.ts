/**
 * Fires pending requests' reminders and escalation levels, in the worker's maintenance turn (after timeouts, so a
 * request that just expired sends nothing). Each firing locks the run, then the request (invariant 3), and moves
 * the timer on by a compare-and-set that requires the request pending and the due time unchanged: a closed request
 * needs no write to cancel its timers, and of two processes that found the same due timer one fires it. The event,
 * the mails (through `env.notices`, as outbox rows) and the new approvers commit together with the timer's move.
 */
import type { HumanNodeSpec } from '../definition/index.js';
import { escalate, escalationAfter, reminderAfter } from '../hitl/timers.js';
import type { Tx } from '../store/port.js';
import {
  advanceEscalation,
  advanceReminder,
  findDueHitlTimers,
  getHitlTimerState,
  revokeTokensExcept,
  type HitlTimerState,
} from '../store/repositories/hitl-timers.js';
import { listHitlDecisions } from '../store/repositories/hitl-requests.js';
import { findMailRecipients } from '../store/repositories/mail-recipients.js';
import { lockRunOfRequest } from '../store/repositories/workflows.js';
import { toIso } from '../shared/clock.js';
import { fromJson } from '../shared/json.js';
import type { Changes } from './changes.js';
import type { TimerNotice } from './notices.js';
import { EventType, HitlStatus, RunStatus } from './statuses.js';
import type { EngineEnv } from './transitions.js';

/** Fires up to `limit` due reminders and as many escalation levels. */
export async function fireHitlTimers(
  tx: Tx,
  env: EngineEnv,
  changes: Changes,
  limit: number,
): Promise<void> {
  const due = await findDueHitlTimers(tx, changes.now, limit);
  if (due.length === 0) return;
  const notices: TimerNotice[] = [];
  const lock = env.store.capabilities.rowLocks;
  const now = Date.parse(changes.now);
  for (const { requestId, kind } of due) {
    const run = await lockRunOfRequest(tx, requestId, lock);
    const state = run && (await getHitlTimerState(tx, requestId, lock));
    if (!run || !state || state.status !== HitlStatus.pending) continue;
    // An ended run's requests are closed with it; this only guards a run caught mid-change.
    if (run.status !== RunStatus.paused && run.status !== RunStatus.running) continue;
    const spec = fromJson<HumanNodeSpec>(state.spec);
    if (!spec) continue;
    const notice =
      kind === 'reminder'
        ? await fireReminder(tx, changes, state, spec, now)
        : await fireEscalation(tx, changes, state, spec, now);
    if (notice) notices.push(notice);
  }
  if (notices.length > 0) await env.notices?.timersFired?.(tx, notices, changes.now);
}

function deadlineOf(state: HitlTimerState): number | undefined {
  return state.expiresAt ? Date.parse(state.expiresAt) : undefined;
}

async function votersOf(tx: Tx, requestId: string): Promise<string[]> {
  return (await listHitlDecisions(tx, requestId)).map((vote) => vote.userId);
}

async function fireReminder(
  tx: Tx,
  changes: Changes,
  state: HitlTimerState,
  spec: HumanNodeSpec,
  now: number,
): Promise<TimerNotice | undefined> {
  const due = state.nextReminderAt;
  if (!due || Date.parse(due) > now) return undefined;
  const reminders = spec.reminders;
  const sent = state.remindersSent + 1;
  const next = reminders
    ? reminderAfter(reminders, Date.parse(state.createdAt), sent, now, deadlineOf(state))
    : undefined;
  const fired = await advanceReminder(tx, state.requestId, {
    due,
    next: next !== undefined ? toIso(next) : null,
    sent,
    now: changes.now,
  });
  if (!fired || !reminders) return undefined;
  changes.event(state.workflowId, EventType.hitlReminded, {
    request_id: state.requestId,
    node_id: state.nodeId,
    reminder: sent,
    max: reminders.max,
    next_reminder_at: next !== undefined ? toIso(next) : null,
  });
  return {
    kind: 'reminder',
    requestId: state.requestId,
    workflowId: state.workflowId,
    nodeId: state.nodeId,
    spec,
    runStartedBy: state.runStartedBy,
    approvers: spec.approvers,
    votedUserIds: await votersOf(tx, state.requestId),
  };
}

async function fireEscalation(
  tx: Tx,
  changes: Changes,
  state: HitlTimerState,
  spec: HumanNodeSpec,
  now: number,
): Promise<TimerNotice | undefined> {
  const due = state.nextEscalationAt;
  if (!due || Date.parse(due) > now) return undefined;
  const levels = spec.escalation ?? [];
  const level = levels[state.escalationLevel];
  const fired = state.escalationLevel + 1;
  const next = escalationAfter(levels, Date.parse(state.createdAt), fired, deadlineOf(state));
  const result = level && escalate(spec.approvers, level);
  const escalated: HumanNodeSpec = result ? { ...spec, approvers: result.approvers } : spec;
  const moved = await advanceEscalation(tx, state.requestId, {
    due,
    next: next !== undefined ? toIso(next) : null,
    level: fired,
    spec: JSON.stringify(escalated),
    now: changes.now,
  });
  if (!moved || !level || !result) return undefined;
  if (level.mode === 'replace') {
    // The replaced approvers' links die now; the ones who stay keep theirs.
    const names = result.approvers.flatMap((a) => ('user' in a ? [a.user] : []));
    const roles = result.approvers.flatMap((a) => ('role' in a ? [a.role] : []));
    const kept = await findMailRecipients(tx, names, roles);
    await revokeTokensExcept(
      tx,
      state.requestId,
      kept.map((person) => person.userId),
      changes.now,
      'escalated',
    );
  }
  changes.event(state.workflowId, EventType.hitlEscalated, {
    request_id: state.requestId,
    node_id: state.nodeId,
    level: fired,
    mode: level.mode,
    added: result.added,
    removed: result.removed,
    approvers: result.approvers,
    next_escalation_at: next !== undefined ? toIso(next) : null,
  });
  return {
    kind: 'escalation',
    requestId: state.requestId,
    workflowId: state.workflowId,
    nodeId: state.nodeId,
    spec: escalated,
    runStartedBy: state.runStartedBy,
    approvers: result.added,
    votedUserIds: await votersOf(tx, state.requestId),
  };
}
