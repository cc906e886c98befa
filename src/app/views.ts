/** The shapes the application hands to its callers (library users, HTTP, CLI): camelCase, JSON parsed. */
import type { EventRecord } from '../store/repositories/events.js';
import type { HitlDecisionRecord, HitlRequestRecord } from '../store/repositories/hitl-requests.js';
import type { NodeRecord } from '../store/repositories/workflow-nodes.js';
import type { WorkflowRecord } from '../store/repositories/workflows.js';
import { fromJson } from '../shared/json.js';

/** The statuses and decision shapes the views carry, for the shells (which do not import the engine). */
export { HitlStatus, NodeStatus, RunStatus, isTerminalRun } from '../engine/statuses.js';
export type { DecisionInput, DecisionResult } from '../engine/decisions.js';

export interface NodeView {
  readonly nodeId: string;
  readonly nodeType: string | null;
  readonly status: string;
  readonly attempt: number;
  readonly result: unknown;
  readonly error: string | null;
  readonly startedAt: string | null;
  readonly completedAt: string | null;
  readonly childWorkflowId?: string;
}

export interface WorkflowView {
  readonly workflowId: string;
  readonly dagId: string;
  readonly version: number;
  readonly name: string | null;
  readonly status: string;
  readonly pauseReason: string | null;
  readonly input: unknown;
  readonly result: unknown;
  readonly error: string | null;
  readonly createdBy: string | null;
  readonly createdAt: string;
  readonly startedAt: string | null;
  readonly completedAt: string | null;
  readonly parentWorkflowId: string | null;
  /** Seed 003's context variables, when the run has any. */
  readonly context?: unknown;
  readonly nodes?: readonly NodeView[];
}

export interface EventView {
  readonly id: number;
  readonly workflowId: string;
  readonly type: string;
  readonly data: unknown;
  readonly createdAt: string;
}

export interface VoteView {
  readonly userId: string;
  readonly decision: string;
  readonly comment: string | null;
  readonly channel: string | null;
  readonly createdAt: string;
}

export interface HitlRequestView {
  readonly requestId: string;
  readonly workflowId: string;
  readonly nodeId: string;
  readonly dagId: string | null;
  readonly message: string | null;
  readonly status: string;
  readonly createdAt: string;
  readonly expiresAt: string | null;
  readonly respondedAt: string | null;
  readonly respondedBy: string | null;
  readonly response: string | null;
  /** The rules that apply: approvers, quorum, options, form, editable paths, timeout. */
  readonly spec: unknown;
  /** What the approver sees: the run's input, earlier outputs, the proposed values. */
  readonly context?: unknown;
  /** The node's output once decided. */
  readonly decision: unknown;
  readonly votes?: readonly VoteView[];
  /** Set when an AI agent asks to run a tool (`context.toolCall`): lists show it without the whole context. */
  readonly toolCall?: { readonly toolName: string; readonly toolCallId: string };
}

export function nodeView(node: NodeRecord): NodeView {
  return {
    nodeId: node.nodeId,
    nodeType: node.nodeType,
    status: node.status,
    attempt: node.attempt,
    result: fromJson(node.result) ?? null,
    error: node.error,
    startedAt: node.startedAt,
    completedAt: node.completedAt,
    ...(node.childWorkflowId ? { childWorkflowId: node.childWorkflowId } : {}),
  };
}

export function workflowView(run: WorkflowRecord, nodes?: readonly NodeRecord[]): WorkflowView {
  return {
    workflowId: run.workflowId,
    dagId: run.dagId,
    version: run.dagVersion,
    name: run.name,
    status: run.status,
    pauseReason: run.pauseReason,
    input: fromJson(run.input) ?? null,
    result: fromJson(run.result) ?? null,
    error: run.error,
    createdBy: run.createdBy,
    createdAt: run.createdAt,
    startedAt: run.startedAt,
    completedAt: run.completedAt,
    parentWorkflowId: run.parentWorkflowId,
    ...(run.context !== null ? { context: fromJson(run.context) } : {}),
    ...(nodes ? { nodes: nodes.map(nodeView) } : {}),
  };
}

export function eventView(event: EventRecord): EventView {
  return {
    id: event.id,
    workflowId: event.workflowId,
    type: event.type,
    data: fromJson(event.data) ?? null,
    createdAt: event.createdAt,
  };
}

export function hitlView(
  request: HitlRequestRecord,
  extra: { withContext?: boolean; votes?: readonly HitlDecisionRecord[] } = {},
): HitlRequestView {
  return {
    requestId: request.requestId,
    workflowId: request.workflowId,
    nodeId: request.nodeId,
    dagId: request.dagId,
    message: request.message,
    status: request.status,
    createdAt: request.createdAt,
    expiresAt: request.expiresAt,
    respondedAt: request.respondedAt,
    respondedBy: request.respondedBy,
    response: request.response,
    spec: fromJson(request.spec) ?? null,
    decision: fromJson(request.decision) ?? null,
    ...(extra.withContext ? { context: fromJson(request.context) ?? null } : {}),
    ...toolCallSummary(request.context),
    ...(extra.votes
      ? {
          votes: extra.votes.map((vote) => ({
            userId: vote.userId,
            decision: vote.decision,
            comment: vote.comment,
            channel: vote.channel,
            createdAt: vote.createdAt,
          })),
        }
      : {}),
  };
}

/** Opaque keyset cursors: the sort key of the last item of a page. */
export function encodeCursor(parts: readonly string[]): string {
  return Buffer.from(JSON.stringify(parts)).toString('base64url');
}

export function decodeCursor(cursor: string): string[] | undefined {
  try {
    const parts = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as unknown;
    return Array.isArray(parts) && parts.every((p) => typeof p === 'string') ? parts : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The tool an AI agent asks to run, read from a request's context (src/hitl/tool-approval.ts writes it there). Most
 * requests are not tool calls: the text is searched before it is parsed.
 */
function toolCallSummary(
  context: string | null,
): { toolCall: { toolName: string; toolCallId: string } } | Record<string, never> {
  if (context === null || !context.includes('"toolCall"')) return {};
  const call = fromJson<{ toolCall?: { toolName?: unknown; toolCallId?: unknown } }>(
    context,
  )?.toolCall;
  return typeof call?.toolName === 'string'
    ? {
        toolCall: {
          toolName: call.toolName,
          toolCallId: typeof call.toolCallId === 'string' ? call.toolCallId : '',
        },
      }
    : {};
}
