/**
 * A person's decision on a HITL request, and the engine's own (timeouts, cancellation): a compare-and-set on the
 * pending request, the vote recorded, and, when the quorum closes it, the human node completed or failed and the run
 * settled, all in one transaction. Of two concurrent decisions exactly one closes the request; the other gets a
 * conflict and changes nothing.
 */
import type { HumanNodeSpec } from '../definition/index.js';
import {
  matchedApprovers,
  refusalFor,
  requiredApprovals,
  tally,
  type Vote,
  type VoteKind,
} from '../hitl/quorum.js';
import type { RequestContext } from '../hitl/raise.js';
import { applyEdits, checkAnswer, checkToolInput, type EditRecord } from '../hitl/response.js';
import type {
  BudgetContext,
  ToolApprovalDecision,
  ToolCallContext,
} from '../hitl/tool-approval.js';
import { insertAiCall } from '../store/repositories/ai-calls.js';
import type { Tx } from '../store/port.js';
import {
  closeHitlRequest,
  countPendingRequestsOfNode,
  getHitlRequest,
  insertHitlDecision,
  listHitlDecisions,
  type HitlRequestRecord,
} from '../store/repositories/hitl-requests.js';
import { updateNodeWhere } from '../store/repositories/workflow-nodes.js';
import { lockRunOfRequest, type RunHeader } from '../store/repositories/workflows.js';
import { describeActor, SYSTEM_ACTOR, type Actor } from '../shared/actor.js';
import { FlowgateError } from '../shared/errors.js';
import { fromJson, toJson } from '../shared/json.js';
import type { Changes } from './changes.js';
import { planOf } from './dag-plan.js';
import { settleRuns, type EngineEnv } from './transitions.js';
import { EventType, HitlStatus, NodeStatus } from './statuses.js';

export interface DecisionInput {
  readonly kind: VoteKind;
  /** A comment, or a rejection's reason. */
  readonly comment?: string;
  /** The answer to a question or form (respond). */
  readonly value?: unknown;
  /** Edits to the proposed values (approve), by path. */
  readonly edits?: Readonly<Record<string, unknown>>;
}

export interface DecisionResult {
  readonly requestId: string;
  readonly workflowId: string;
  /** The request's status after this decision: still `pending` while a quorum waits for more votes. */
  readonly status: string;
  readonly approvals?: number;
  readonly required?: number;
}

/** A human node's output (API.md). */
export interface HumanOutput {
  readonly approved: boolean;
  readonly response: string | null;
  readonly value: unknown;
  readonly edits: readonly EditRecord[];
  readonly decidedBy: string;
  readonly decidedAt: string;
  readonly expired?: boolean;
}

const refusalMessages = {
  viewer: 'Viewers cannot decide requests',
  not_an_approver: 'You are not an approver of this request',
  self_approval: 'You may not approve a run you started',
} as const;

/** Locks a request's run, then the request: the order every transition locks in. */
async function lockRequest(
  tx: Tx,
  env: EngineEnv,
  requestId: string,
): Promise<{ request: HitlRequestRecord; run: RunHeader }> {
  const lock = env.store.capabilities.rowLocks;
  const run = await lockRunOfRequest(tx, requestId, lock);
  const request = run && (await getHitlRequest(tx, requestId, { lock }));
  if (!run || !request)
    throw new FlowgateError('NOT_FOUND', `HITL request ${requestId} does not exist`);
  return { request, run };
}

function notPending(request: HitlRequestRecord): FlowgateError {
  return new FlowgateError('HITL_NOT_PENDING', `The request is already ${request.status}`, {
    details: {
      status: request.status,
      respondedBy: request.respondedBy,
      respondedAt: request.respondedAt,
    },
  });
}

export async function decideRequest(
  tx: Tx,
  env: EngineEnv,
  changes: Changes,
  requestId: string,
  actor: Actor,
  input: DecisionInput,
): Promise<DecisionResult> {
  const { request, run } = await lockRequest(tx, env, requestId);
  if (request.status !== HitlStatus.pending) throw notPending(request);
  const spec = fromJson<HumanNodeSpec>(request.spec)!;
  const refusal = refusalFor(actor, spec, request.runStartedBy);
  if (refusal)
    throw new FlowgateError('FORBIDDEN', refusalMessages[refusal], {
      details: { reason: refusal },
    });

  const context = fromJson<RequestContext & { toolCall?: ToolCallContext }>(request.context);
  let value: unknown = context?.proposed ?? null;
  let diff: EditRecord[] = [];
  if (input.kind === 'respond') {
    const problems = checkAnswer(spec, input.value);
    if (problems.length > 0) {
      throw new FlowgateError(
        'VALIDATION_FAILED',
        problems.map((p) => `${p.path}: ${p.message}`).join('; '),
        {
          details: problems,
        },
      );
    }
    value = input.value;
  } else if (input.kind === 'approve' && input.edits && Object.keys(input.edits).length > 0) {
    ({ value, diff } = applyEdits(spec, value, input.edits));
    // Edited arguments of a tool call must still be arguments the tool takes.
    const problems = context?.toolCall ? checkToolInput(context.toolCall.inputSchema, value) : [];
    if (problems.length > 0) {
      throw new FlowgateError(
        'VALIDATION_FAILED',
        `The edited arguments do not fit ${context!.toolCall!.toolName}: ${problems
          .map((p) => `${p.path}: ${p.message}`)
          .join('; ')}`,
        { details: problems },
      );
    }
  } else if (input.value !== undefined) {
    value = input.value;
  }

  // Where one vote closes a request (one approval needed: any vote approves, vetoes or answers), a pending request
  // has no earlier votes to read.
  const prior = requiredApprovals(spec) > 1 ? await listHitlDecisions(tx, requestId) : [];
  if (prior.some((vote) => vote.userId === actor.userId)) {
    throw new FlowgateError('CONFLICT', 'You have already decided on this request');
  }
  const matched = matchedApprovers(actor, spec);
  await insertHitlDecision(tx, {
    requestId,
    userId: actor.userId,
    decision: input.kind,
    comment: input.comment ?? null,
    value: toJson(input.value),
    edits: diff.length > 0 ? toJson(diff) : null,
    channel: actor.channel ?? null,
    metadata: toJson({ ...describeActor(actor), matched }),
    createdAt: changes.now,
  });
  const votes: Vote[] = [
    ...prior.map((vote) => ({
      userId: vote.userId,
      decision: vote.decision as VoteKind,
      matched: fromJson<{ matched?: string[] }>(vote.metadata)?.matched ?? [],
    })),
    { userId: actor.userId, decision: input.kind, matched },
  ];
  const outcome = tally(spec, votes);
  const who = describeActor(actor);
  if (outcome.status === 'open') {
    changes.event(request.workflowId, EventType.hitlVoted, {
      request_id: requestId,
      node_id: request.nodeId,
      decision: input.kind,
      comment: input.comment ?? null,
      approvals: outcome.approvals,
      required: outcome.required,
      by: who,
    });
    return {
      requestId,
      workflowId: request.workflowId,
      status: HitlStatus.pending,
      approvals: outcome.approvals,
      required: outcome.required,
    };
  }

  const output: HumanOutput = {
    approved: outcome.status !== 'rejected',
    response: input.comment ?? null,
    value,
    edits: diff,
    decidedBy: actor.username ?? actor.userId,
    decidedAt: changes.now,
  };
  await closeRequest(tx, env, changes, { request, run }, spec, outcome.status, output, actor);
  return { requestId, workflowId: request.workflowId, status: outcome.status };
}

/**
 * Closes a pending request with the given status, completes or fails its node, and settles the run. A rejection
 * (or expiry) continues the run down its branches when the DAG routes it (`onReject: continue`, or conditions on
 * the edges out of the node); otherwise it fails the node, and so the run (seed 000).
 */
async function closeRequest(
  tx: Tx,
  env: EngineEnv,
  changes: Changes,
  { request, run }: { request: HitlRequestRecord; run: RunHeader },
  spec: HumanNodeSpec,
  status: string,
  output: HumanOutput,
  actor: Actor,
  options: { alwaysFail?: boolean } = {},
): Promise<void> {
  const closed = await closeHitlRequest(tx, request.requestId, {
    status,
    respondedAt: changes.now,
    respondedBy: actor === SYSTEM_ACTOR ? null : (actor.username ?? actor.userId),
    response: output.response,
    decision: toJson(output),
  });
  if (!closed) throw notPending(request);

  const eventType =
    status === HitlStatus.approved
      ? EventType.hitlApproved
      : status === HitlStatus.rejected
        ? EventType.hitlRejected
        : status === HitlStatus.completed
          ? EventType.hitlCompleted
          : status === HitlStatus.cancelled
            ? EventType.hitlCancelled
            : EventType.hitlExpired;
  changes.event(request.workflowId, eventType, {
    request_id: request.requestId,
    node_id: request.nodeId,
    response: output.response,
    value: output.value,
    ...(output.edits.length > 0 ? { edits: output.edits } : {}),
    by: describeActor(actor),
  });

  const { toolCall, budget } =
    fromJson<{ toolCall?: ToolCallContext; budget?: BudgetContext }>(request.context) ?? {};
  const agentAsked = toolCall !== undefined || budget !== undefined;
  if (agentAsked && !options.alwaysFail) {
    await resumeToolLoop(tx, env, changes, { request, run }, { toolCall, budget }, status, output);
    return;
  }

  const dag = await env.dags.get(tx, run.dagId, run.dagVersion);
  const routed =
    !agentAsked &&
    !options.alwaysFail &&
    (spec.onReject === 'continue' ||
      (planOf(dag).successors.get(request.nodeId) ?? []).some(
        (next) => planOf(dag).byId.get(next)?.edgeConditions[request.nodeId] !== undefined,
      ));
  const finish = (set: Parameters<typeof updateNodeWhere>[4]) =>
    updateNodeWhere(tx, request.workflowId, request.nodeId, NodeStatus.waitingHitl, set);
  if (output.approved || routed) {
    const result = toJson(output);
    const done = await finish({
      status: NodeStatus.completed,
      result,
      completed_at: changes.now,
    });
    if (!done) return;
    changes.completed(request.workflowId, request.nodeId, result, NodeStatus.waitingHitl);
    changes.event(request.workflowId, EventType.nodeCompleted, {
      node_id: request.nodeId,
      node_type: 'human_in_loop',
      result: output,
    });
  } else {
    const reason = output.expired
      ? 'the request expired'
      : `rejected by ${output.decidedBy}${output.response ? `: ${output.response}` : ''}`;
    const done = await finish({
      status: NodeStatus.failed,
      result: toJson(output),
      error: reason,
      completed_at: changes.now,
    });
    if (!done) return;
    changes.event(request.workflowId, EventType.nodeFailed, {
      node_id: request.nodeId,
      node_type: 'human_in_loop',
      error: { code: output.expired ? 'HITL_EXPIRED' : 'HITL_REJECTED', message: reason },
    });
  }
  await settleRuns(tx, env, changes, [run]);
}

/**
 * A gated tool call (or a budget request) was decided: the decision is journaled for the AI node's loop, and when no
 * other request of the node waits any more, the node is made pending again, so settling hands it to a worker that
 * replays its journal.
 */
async function resumeToolLoop(
  tx: Tx,
  env: EngineEnv,
  changes: Changes,
  { request, run }: { request: HitlRequestRecord; run: RunHeader },
  { toolCall, budget }: { toolCall?: ToolCallContext; budget?: BudgetContext },
  status: string,
  output: HumanOutput,
): Promise<void> {
  const subject = (toolCall ?? budget)!;
  const answer =
    typeof output.value === 'string'
      ? output.value
      : output.value === null || output.value === undefined
        ? output.response
        : JSON.stringify(output.value);
  const decision: ToolApprovalDecision = {
    toolName: toolCall?.toolName ?? 'aiBudget',
    verdict:
      status === HitlStatus.approved
        ? 'approved'
        : status === HitlStatus.completed
          ? 'answered'
          : status === HitlStatus.expired
            ? 'expired'
            : 'rejected',
    requested: toolCall?.input ?? null,
    input: status === HitlStatus.approved ? (output.value ?? null) : (toolCall?.input ?? null),
    edits: output.edits,
    by: output.decidedBy,
    reason: output.response,
    ...(status === HitlStatus.completed ? { answer } : {}),
    requestId: request.requestId,
  };
  await insertAiCall(tx, {
    executionId: env.newId(),
    kind: 'tool_approval',
    agentId: decision.toolName,
    workflowId: request.workflowId,
    nodeId: request.nodeId,
    loopKey: subject.loopKey,
    stepKey: subject.stepKey,
    attempt: request.attempt,
    status: 'completed',
    input: toJson(toolCall?.input ?? budget ?? null),
    output: toJson(decision),
    error: null,
    startedAt: request.createdAt,
    completedAt: changes.now,
    durationMs: Math.max(0, Date.parse(changes.now) - Date.parse(request.createdAt)),
    toolCallId: toolCall?.toolCallId ?? null,
  });
  if ((await countPendingRequestsOfNode(tx, request.workflowId, request.nodeId)) > 0) return;
  const resumed = await updateNodeWhere(
    tx,
    request.workflowId,
    request.nodeId,
    NodeStatus.waitingHitl,
    { status: NodeStatus.pending, ready_at: null },
  );
  if (resumed) await settleRuns(tx, env, changes, [run]);
}

/** A request whose timeout passed: closed with the node's chosen outcome. */
export async function expireRequest(
  tx: Tx,
  env: EngineEnv,
  changes: Changes,
  requestId: string,
): Promise<void> {
  const { request, run } = await lockRequest(tx, env, requestId);
  if (request.status !== HitlStatus.pending) return;
  const spec = fromJson<HumanNodeSpec>(request.spec)!;
  const outcome = spec.timeout?.outcome ?? 'expire';
  const context = fromJson<RequestContext>(request.context);
  const output: HumanOutput = {
    approved: outcome === 'approve',
    response: `timed out (${outcome})`,
    value: context?.proposed ?? null,
    edits: [],
    decidedBy: SYSTEM_ACTOR.userId,
    decidedAt: changes.now,
    ...(outcome === 'expire' || outcome === 'fail' ? { expired: true } : {}),
  };
  const status =
    outcome === 'approve'
      ? HitlStatus.approved
      : outcome === 'reject'
        ? HitlStatus.rejected
        : HitlStatus.expired;
  await closeRequest(tx, env, changes, { request, run }, spec, status, output, SYSTEM_ACTOR, {
    alwaysFail: outcome === 'fail',
  });
}

/** Cancels a pending request: its node fails (nobody will answer), and the run with it unless the DAG tolerates it. */
export async function cancelRequest(
  tx: Tx,
  env: EngineEnv,
  changes: Changes,
  requestId: string,
  actor: Actor,
  reason?: string,
): Promise<void> {
  const { request, run } = await lockRequest(tx, env, requestId);
  if (request.status !== HitlStatus.pending) throw notPending(request);
  const spec = fromJson<HumanNodeSpec>(request.spec)!;
  const output: HumanOutput = {
    approved: false,
    response: reason ?? 'cancelled',
    value: null,
    edits: [],
    decidedBy: actor.username ?? actor.userId,
    decidedAt: changes.now,
  };
  await closeRequest(
    tx,
    env,
    changes,
    { request, run },
    spec,
    HitlStatus.cancelled,
    output,
    actor,
    {
      alwaysFail: true,
    },
  );
}
