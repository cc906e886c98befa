/**
 * Approved tool calls: the request an AI node's gated tool call raises, and the decision journaled for the node's
 * tool loop when that request closes. The request is an ordinary HITL request (the node's `approval` settings give it
 * approvers, quorum, timeout, reminders and channels) whose context names the call; the proposed value is the call's
 * arguments, each of them editable, and edits are checked against the tool's input schema. A model call past the
 * run's AI budget (`onExceed: "ask"`) raises the same kind of request, its context naming the budget.
 */
import { humanNodeSpec, type HumanNodeSpec, type NodeDefinition } from '../definition/index.js';
import type { ApprovalAsk, ToolApprovalAsk } from '../engine/prompt-agents.js';
import type { NewHitlRequest } from '../store/repositories/hitl-requests.js';
import { toIso } from '../shared/clock.js';
import type { EditRecord } from './response.js';
import { initialTimers } from './timers.js';

/** How a gated call (or a budget request) was decided, as the tool loop reads it back from its journal. */
export interface ToolApprovalDecision {
  /** `aiBudget` for a budget request. */
  readonly toolName: string;
  /** `answered`: the person replied in words instead of letting the tool run. */
  readonly verdict: 'approved' | 'rejected' | 'answered' | 'expired';
  /** The arguments the model wrote. */
  readonly requested: unknown;
  /** The arguments to run with: the requested ones, or as the person edited them. */
  readonly input: unknown;
  readonly edits: readonly EditRecord[];
  readonly by: string;
  readonly reason: string | null;
  readonly answer?: string | null;
  readonly requestId: string | null;
  /** Set when the call repeated a rejected one and was rejected without asking: that request's id. */
  readonly repeatOf?: string | null;
}

/** What a tool-call request's context carries besides the run's input. */
export interface ToolCallContext {
  readonly toolName: string;
  readonly toolCallId: string;
  readonly input: unknown;
  readonly reasoning: string | null;
  readonly inputSchema: Readonly<Record<string, unknown>>;
  readonly loopKey: string;
  readonly stepKey: string;
}

/** What a budget request's context carries: the budget, what the run had spent, and where it is journaled. */
export interface BudgetContext {
  readonly budgetUsd: number;
  readonly spentUsd: number;
  readonly loopKey: string;
  readonly stepKey: string;
}

/** The journal key of a budget request before one model step. */
export function budgetKey(step: number): string {
  return `budget:${step}`;
}

/** The journal key of the decision on one call of one model step. */
export function approvalKey(step: number, toolCallId: string): string {
  return `approval:${step}:${toolCallId}`;
}

/** A call's identity for "already rejected": the tool and its arguments, key order ignored. */
export function callSignature(toolName: string, input: unknown): string {
  return `${toolName}:${canonicalJson(input ?? null)}`;
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export interface ToolApprovalRaise {
  readonly requestId: string;
  readonly workflowId: string;
  readonly dagId: string;
  readonly node: NodeDefinition;
  /** The node's attempt that asked. */
  readonly attempt: number;
  readonly ask: ApprovalAsk;
  /** The run's input, shown beside the call. */
  readonly runInput: unknown;
  readonly runStartedBy: string | null;
  readonly now: number;
}

/** The request a gated call (or a spent budget) raises, with the node's approval settings frozen into it. */
export function buildToolApprovalRequest(raise: ToolApprovalRaise): NewHitlRequest {
  const { node, ask } = raise;
  const approval = node.config.approval;
  const settings =
    approval !== null && typeof approval === 'object' && !Array.isArray(approval)
      ? (approval as Record<string, unknown>)
      : {};
  const base = humanNodeSpec({ ...node, config: settings });
  const name = node.name ?? node.id;
  const spec: HumanNodeSpec = {
    ...base,
    message:
      ask.kind === 'budget'
        ? `The run's AI budget of $${ask.budgetUsd} is spent ($${ask.spentUsd.toFixed(4)} so far). Let ${name} go on?`
        : typeof settings.message === 'string'
          ? settings.message
          : `Allow ${name} to run ${ask.toolName}?`,
    // A person decides: approve (a call as written or edited), reject, or answer in words.
    options: [],
    editable: ask.kind === 'tool' ? editableArguments(ask) : [],
    // A rejected call is told to the model, which goes on; it never routes the DAG.
    onReject: 'fail',
  };
  const subject =
    ask.kind === 'tool'
      ? {
          proposed: ask.input ?? null,
          toolCall: {
            toolName: ask.toolName,
            toolCallId: ask.toolCallId,
            input: ask.input,
            reasoning: ask.reasoning,
            inputSchema: ask.inputSchema,
            loopKey: ask.loopKey,
            stepKey: ask.stepKey,
          } satisfies ToolCallContext,
        }
      : {
          proposed: null,
          budget: {
            budgetUsd: ask.budgetUsd,
            spentUsd: ask.spentUsd,
            loopKey: ask.loopKey,
            stepKey: ask.stepKey,
          } satisfies BudgetContext,
        };
  const deadline = spec.timeout ? raise.now + spec.timeout.afterMs : undefined;
  const timers = initialTimers(spec, raise.now, deadline);
  return {
    requestId: raise.requestId,
    workflowId: raise.workflowId,
    nodeId: node.id,
    dagId: raise.dagId,
    attempt: raise.attempt,
    message: spec.message,
    spec: JSON.stringify(spec),
    context: JSON.stringify({ input: raise.runInput ?? null, outputs: {}, ...subject }),
    runStartedBy: raise.runStartedBy,
    expiresAt: deadline !== undefined ? toIso(deadline) : null,
    now: toIso(raise.now),
    ...(timers.nextReminderAt !== undefined
      ? { nextReminderAt: toIso(timers.nextReminderAt) }
      : {}),
    ...(timers.nextEscalationAt !== undefined
      ? { nextEscalationAt: toIso(timers.nextEscalationAt) }
      : {}),
  };
}

/** Every argument the schema names or the model wrote may be changed, each as a whole. */
function editableArguments(ask: ToolApprovalAsk): string[] {
  const properties = ask.inputSchema.properties;
  const names = new Set(
    properties !== null && typeof properties === 'object' ? Object.keys(properties) : [],
  );
  if (ask.input !== null && typeof ask.input === 'object' && !Array.isArray(ask.input)) {
    for (const name of Object.keys(ask.input)) names.add(name);
  }
  return [...names];
}
