import {
  humanNodeSpec,
  renderTemplates,
  type ExpressionScope,
  type HumanNodeSpec,
  type NodeDefinition,
} from '../definition/index.js';
import type { NewHitlRequest } from '../store/repositories/hitl-requests.js';
import { toIso } from '../shared/clock.js';
import { initialTimers } from './timers.js';

export interface RaiseInput {
  readonly requestId: string;
  readonly node: NodeDefinition;
  readonly attempt: number;
  readonly scope: ExpressionScope;
  readonly runStartedBy: string | null;
  readonly now: number;
}

/** What a person sees and decides on: the run's input, what earlier nodes produced, and the values proposed. */
export interface RequestContext {
  readonly input: unknown;
  readonly outputs: Record<string, unknown>;
  readonly proposed: unknown;
}

/**
 * The request a human node raises when it is reached: its message rendered over the run so far, the context the
 * approver needs, and the node's rules, frozen into the request so that a later DAG version cannot change them.
 */
export async function buildHitlRequest(input: RaiseInput): Promise<NewHitlRequest> {
  const { node, scope } = input;
  let spec: HumanNodeSpec = humanNodeSpec(node);
  // Seed 002's args say whom to copy and what to attach; rendered now, so the request records what was sent.
  if (spec.args) {
    const args = await renderTemplates(spec.args, scope);
    if (args && typeof args === 'object') spec = { ...spec, args: args as Record<string, unknown> };
  }
  const message = await renderTemplates(spec.message ?? `Approve ${node.name ?? node.id}?`, scope);
  const outputs: Record<string, unknown> = {};
  for (const [id, state] of Object.entries(scope.nodes)) {
    if (state.status === 'completed') outputs[id] = state.output;
  }
  const context: RequestContext = {
    input: scope.input,
    outputs,
    proposed: await proposedValue(node, scope, outputs),
  };
  const deadline = spec.timeout ? input.now + spec.timeout.afterMs : undefined;
  const timers = initialTimers(spec, input.now, deadline);
  return {
    requestId: input.requestId,
    workflowId: scope.workflow.workflowId,
    nodeId: node.id,
    dagId: scope.workflow.dagId,
    attempt: input.attempt,
    message: typeof message === 'string' ? message : JSON.stringify(message),
    spec: JSON.stringify(spec),
    context: JSON.stringify(context),
    runStartedBy: input.runStartedBy,
    expiresAt: deadline !== undefined ? toIso(deadline) : null,
    now: toIso(input.now),
    ...(timers.nextReminderAt !== undefined
      ? { nextReminderAt: toIso(timers.nextReminderAt) }
      : {}),
    ...(timers.nextEscalationAt !== undefined
      ? { nextEscalationAt: toIso(timers.nextEscalationAt) }
      : {}),
  };
}

/** `config.proposed` when given; else the single upstream output, or the upstream outputs by node. */
async function proposedValue(
  node: NodeDefinition,
  scope: ExpressionScope,
  outputs: Record<string, unknown>,
): Promise<unknown> {
  if (node.config.proposed !== undefined) return renderTemplates(node.config.proposed, scope);
  if (node.dependencies.length === 1) return outputs[node.dependencies[0]!] ?? null;
  if (node.dependencies.length === 0) return scope.input ?? null;
  return Object.fromEntries(node.dependencies.map((id) => [id, outputs[id] ?? null]));
}
