/** The seeds' status values (seed 001), as constants with same-named types. */

export const RunStatus = {
  pending: 'pending',
  running: 'running',
  paused: 'paused',
  completed: 'completed',
  failed: 'failed',
  cancelled: 'cancelled',
} as const;
export type RunStatus = (typeof RunStatus)[keyof typeof RunStatus];

export const NodeStatus = {
  pending: 'pending',
  running: 'running',
  waitingHitl: 'waiting_hitl',
  completed: 'completed',
  failed: 'failed',
  skipped: 'skipped',
  cancelled: 'cancelled',
} as const;
export type NodeStatus = (typeof NodeStatus)[keyof typeof NodeStatus];

export const HitlStatus = {
  pending: 'pending',
  approved: 'approved',
  rejected: 'rejected',
  completed: 'completed',
  expired: 'expired',
  cancelled: 'cancelled',
} as const;
export type HitlStatus = (typeof HitlStatus)[keyof typeof HitlStatus];

/**
 * Why a paused run is paused: waiting for people resumes by itself; a user's pause waits for a resume; a rollback
 * holds the run while its compensations run, and resumes it when they are done.
 */
export const PauseReason = { hitl: 'hitl', user: 'user', rollback: 'rollback' } as const;
export type PauseReason = (typeof PauseReason)[keyof typeof PauseReason];

export function isTerminalRun(status: string): boolean {
  return status === 'completed' || status === 'failed' || status === 'cancelled';
}

export function isTerminalNode(status: string): boolean {
  return (
    status === 'completed' || status === 'failed' || status === 'skipped' || status === 'cancelled'
  );
}

/** Event types: seed 001's nine, and the transitions it does not name. */
export const EventType = {
  workflowStarted: 'workflow_started',
  workflowCompleted: 'workflow_completed',
  workflowFailed: 'workflow_failed',
  workflowPaused: 'workflow_paused',
  workflowResumed: 'workflow_resumed',
  workflowCancelled: 'workflow_cancelled',
  workflowRetried: 'workflow_retried',
  nodeStarted: 'node_started',
  nodeCompleted: 'node_completed',
  nodeFailed: 'node_failed',
  nodeSkipped: 'node_skipped',
  nodeRetrying: 'node_retrying',
  nodeCancelled: 'node_cancelled',
  nodeLeaseExpired: 'node_lease_expired',
  hitlRequested: 'hitl_requested',
  hitlVoted: 'hitl_voted',
  hitlApproved: 'hitl_approved',
  hitlRejected: 'hitl_rejected',
  hitlCompleted: 'hitl_completed',
  hitlExpired: 'hitl_expired',
  hitlCancelled: 'hitl_cancelled',
  hitlReminded: 'hitl_reminded',
  hitlEscalated: 'hitl_escalated',
  contextUpdated: 'context_updated',
  rollbackStarted: 'rollback_started',
  rollbackCompleted: 'rollback_completed',
  rollbackFailed: 'rollback_failed',
  rollbackCancelled: 'rollback_cancelled',
  compensationStarted: 'compensation_started',
  compensationCompleted: 'compensation_completed',
  compensationFailed: 'compensation_failed',
  compensationSkipped: 'compensation_skipped',
  retryCountersCleared: 'retry_counters_cleared',
} as const;
export type EventType = (typeof EventType)[keyof typeof EventType];
