/**
 * Commits the results of node attempts that workers finished: each result is fenced by its lease (status running,
 * the same owner, the same attempt), so a worker whose lease expired cannot overwrite the attempt that replaced it.
 */
import type { DagDefinition, NodeDefinition } from '../definition/index.js';
import type { Tx } from '../store/port.js';
import {
  updateNodes,
  type ClaimedNode,
  type NodeUpdate,
} from '../store/repositories/workflow-nodes.js';
import { lockWorkflows, type RunHeader } from '../store/repositories/workflows.js';
import type { SerializedError } from '../shared/errors.js';
import { toIso } from '../shared/clock.js';
import { fromJson, toJson } from '../shared/json.js';
import { buildToolApprovalRequest } from '../hitl/tool-approval.js';
import type { Changes } from './changes.js';
import type { ApprovalAsk } from './prompt-agents.js';
import { backoffDelay, DEFAULT_BACKOFF } from './retry.js';
import { settleRuns, type EngineEnv } from './transitions.js';
import { EventType, NodeStatus } from './statuses.js';

export type AttemptOutcome =
  | { readonly ok: true; readonly output: unknown }
  | {
      readonly ok: false;
      readonly error: SerializedError;
      readonly retriable: boolean;
      readonly retryAfterMs?: number;
    }
  /** An AI node stopped at gated tool calls: it waits for people, as a human node does, and runs again after. */
  | { readonly ok: false; readonly waitingFor: readonly ApprovalAsk[] };

export interface FinishedAttempt {
  readonly record: ClaimedNode;
  readonly node: NodeDefinition;
  readonly dag: DagDefinition;
  readonly input: unknown;
  readonly startedAt: number;
  readonly finishedAt: number;
  readonly outcome: AttemptOutcome;
}

/** Further attempts allowed after failures, and their backoff (node settings over DAG settings). */
function retryPolicy(node: NodeDefinition, dag: DagDefinition) {
  return {
    maxRetries: node.retry?.maxRetries ?? dag.settings.maxRetries ?? 0,
    backoffMs: node.retry?.backoffMs ?? DEFAULT_BACKOFF.backoffMs,
    maxBackoffMs: node.retry?.maxBackoffMs ?? DEFAULT_BACKOFF.maxBackoffMs,
  };
}

export async function completeAttempts(
  tx: Tx,
  env: EngineEnv,
  changes: Changes,
  owner: string,
  attempts: readonly FinishedAttempt[],
): Promise<void> {
  const runs = await lockWorkflows(
    tx,
    attempts.map((a) => a.record.workflowId),
    env.store.capabilities.rowLocks,
  );
  const now = env.clock.now();
  const updates: NodeUpdate[] = [];
  const verdicts = new Map<number, 'completed' | 'retry' | 'failed' | 'waiting'>();
  const results = new Map<number, string | null>();
  for (const attempt of attempts) {
    const { record, outcome } = attempt;
    const fence = { statuses: [NodeStatus.running], leaseOwner: owner, attempt: record.attempt };
    const release = { lease_owner: null, lease_expires_at: null };
    if ('waitingFor' in outcome) {
      verdicts.set(record.id, 'waiting');
      updates.push({
        id: record.id,
        expect: fence,
        set: { status: NodeStatus.waitingHitl, error: null, ...release },
      });
      continue;
    }
    if (outcome.ok) {
      verdicts.set(record.id, 'completed');
      const result = toJson(outcome.output ?? null);
      results.set(record.id, result);
      updates.push({
        id: record.id,
        expect: fence,
        set: {
          status: NodeStatus.completed,
          result,
          error: null,
          completed_at: changes.now,
          ...release,
        },
      });
      continue;
    }
    const policy = retryPolicy(attempt.node, attempt.dag);
    if (outcome.retriable && record.failures < policy.maxRetries) {
      verdicts.set(record.id, 'retry');
      const delay = outcome.retryAfterMs ?? backoffDelay(policy, record.failures + 1, env.random());
      changes.dueAt = Math.min(changes.dueAt, now + delay);
      updates.push({
        id: record.id,
        expect: fence,
        set: {
          status: NodeStatus.pending,
          ready_at: toIso(now + delay),
          failures: record.failures + 1,
          error: outcome.error.message,
          ...release,
        },
      });
    } else {
      verdicts.set(record.id, 'failed');
      updates.push({
        id: record.id,
        expect: fence,
        set: {
          status: NodeStatus.failed,
          error: outcome.error.message,
          failures: record.failures + 1,
          completed_at: changes.now,
          ...release,
        },
      });
    }
  }

  const won = await updateNodes(tx, updates);
  const settle = new Map<string, RunHeader>();
  const runById = new Map(runs.map((run) => [run.workflowId, run]));
  for (const attempt of attempts) {
    const { record, node, outcome } = attempt;
    if (!won.has(record.id)) continue;
    const verdict = verdicts.get(record.id)!;
    if ('waitingFor' in outcome) {
      raiseToolApprovals(env, changes, attempt, runById.get(record.workflowId), outcome.waitingFor);
      const run = runById.get(record.workflowId);
      if (run) settle.set(run.workflowId, run);
      continue;
    }
    const durationMs = attempt.finishedAt - attempt.startedAt;
    const base = {
      node_id: record.nodeId,
      node_type: node.type,
      attempt: record.attempt,
      duration_ms: durationMs,
      ...(node.agentId ? { agent_id: node.agentId } : {}),
      ...(node.toolName ? { tool_name: node.toolName } : {}),
    };
    if (outcome.ok) {
      changes.event(record.workflowId, EventType.nodeCompleted, {
        ...base,
        result: outcome.output ?? null,
      });
      changes.completed(
        record.workflowId,
        record.nodeId,
        results.get(record.id) ?? null,
        NodeStatus.running,
      );
    } else if (verdict === 'retry') {
      changes.event(record.workflowId, EventType.nodeRetrying, { ...base, error: outcome.error });
    } else {
      changes.event(record.workflowId, EventType.nodeFailed, { ...base, error: outcome.error });
    }
    if (node.type === 'agent' || node.type === 'tool') {
      changes.executions.push({
        executionId: env.newId(),
        agentId: (node.type === 'agent' ? node.agentId : node.toolName) ?? node.id,
        kind: node.type,
        workflowId: record.workflowId,
        nodeId: record.nodeId,
        attempt: record.attempt,
        input: toJson(attempt.input ?? null),
        output: outcome.ok ? toJson(outcome.output ?? null) : null,
        status: outcome.ok ? 'completed' : 'failed',
        error: outcome.ok ? null : outcome.error.message,
        startedAt: toIso(attempt.startedAt),
        completedAt: toIso(attempt.finishedAt),
        durationMs,
      });
    }
    if (verdict === 'retry') {
      changes.wakeWorkers = true;
    } else {
      const run = runById.get(record.workflowId);
      if (run) settle.set(run.workflowId, run);
    }
  }
  if (settle.size > 0) await settleRuns(tx, env, changes, [...settle.values()]);
}

/** One request per gated call (or for the spent budget), raised with the node's parking in the same transaction. */
function raiseToolApprovals(
  env: EngineEnv,
  changes: Changes,
  attempt: FinishedAttempt,
  run: RunHeader | undefined,
  asks: readonly ApprovalAsk[],
): void {
  const { record, node } = attempt;
  for (const ask of asks) {
    const request = buildToolApprovalRequest({
      requestId: env.newId(),
      workflowId: record.workflowId,
      dagId: attempt.dag.dagId,
      node,
      attempt: record.attempt,
      ask,
      runInput: fromJson(run?.input ?? null) ?? null,
      runStartedBy: run?.createdBy ?? null,
      now: env.clock.now(),
    });
    changes.requests.push(request);
    changes.event(record.workflowId, EventType.hitlRequested, {
      request_id: request.requestId,
      node_id: node.id,
      message: request.message,
      expires_at: request.expiresAt,
      ...(ask.kind === 'tool'
        ? { tool_name: ask.toolName, tool_call_id: ask.toolCallId }
        : { budget_usd: ask.budgetUsd, spent_usd: ask.spentUsd }),
    });
  }
}
