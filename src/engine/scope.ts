import type { ExpressionScope } from '../definition/index.js';

export interface RunIdentity {
  readonly workflowId: string;
  readonly dagId: string;
  readonly version: number;
}

/** What templates and conditions see (API.md, "Templates and conditions"). */
export function buildScope(
  run: RunIdentity,
  input: unknown,
  nodes: Iterable<{ nodeId: string; status: string; output: unknown }>,
  /** The run's context variables (null or absent: none). */
  context?: unknown,
): ExpressionScope {
  const byId: ExpressionScope['nodes'] = {};
  for (const node of nodes) byId[node.nodeId] = { output: node.output, status: node.status };
  return {
    input,
    nodes: byId,
    workflow: { workflowId: run.workflowId, dagId: run.dagId, version: run.version },
    context: context ?? {},
  };
}

/** An edge condition reads the source node's output at the top of the scope (seed 004's `approved`). */
export function scopeWithSource(scope: ExpressionScope, sourceOutput: unknown): object {
  if (sourceOutput === null || typeof sourceOutput !== 'object' || Array.isArray(sourceOutput))
    return scope;
  return { ...(sourceOutput as Record<string, unknown>), ...scope };
}
