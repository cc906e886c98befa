import type { DagDefinition, NodeDefinition } from './model.js';

/** A DAG written as a plan document, and what the plan format could not say. */
export interface PlanDocument {
  readonly document: Record<string, unknown>;
  /** Parts of the definition the plan leaves out, in words (empty when it says everything). */
  readonly lost: readonly string[];
}

/**
 * Writes a normalized definition (read from any format) as seed 000/001's plan, Flowgate's own format: `{dag_id,
 * nodes: [{node_id, node_type, agent_id, tool_name, config, dependencies, ...}]}`. Reading the plan back gives the
 * same definition, apart from the format, each node's written type and what `lost` lists: edge conditions (seed
 * 004's `edges[].condition`, which a plan has no place for) and drawing positions.
 */
export function writePlan(dag: DagDefinition): PlanDocument {
  const lost: string[] = [];
  const nodes = dag.nodes.map((node) => {
    const conditions = Object.entries(node.edgeConditions);
    if (conditions.length > 0) {
      lost.push(
        `the conditions on the edges into ${node.id} (${conditions
          .map(([from, condition]) => `from ${from}: ${condition}`)
          .join('; ')})`,
      );
    }
    return planNode(node);
  });
  if (dag.nodes.some((node) => node.position !== undefined)) {
    lost.push('the positions of the steps in the drawing');
  }
  const roots = dag.nodes.filter((node) => node.dependencies.length === 0).map((node) => node.id);
  const sameStart =
    roots.length === dag.startNodes.length && roots.every((id, i) => dag.startNodes[i] === id);
  const document: Record<string, unknown> = {
    dag_id: dag.dagId,
    ...(dag.name !== undefined ? { name: dag.name } : {}),
    ...(dag.description !== undefined ? { description: dag.description } : {}),
    nodes,
    ...(sameStart ? {} : { start_nodes: [...dag.startNodes] }),
    ...(Object.keys(dag.settings).length > 0 ? { settings: { ...dag.settings } } : {}),
    ...(dag.permissions ? { permissions: dag.permissions } : {}),
    ...(dag.metadata ? { metadata: dag.metadata } : {}),
  };
  return { document, lost };
}

function planNode(node: NodeDefinition): Record<string, unknown> {
  return {
    node_id: node.id,
    node_type: node.type,
    ...(node.name !== undefined ? { name: node.name } : {}),
    ...(node.agentId !== undefined ? { agent_id: node.agentId } : {}),
    ...(node.toolName !== undefined ? { tool_name: node.toolName } : {}),
    config: node.config,
    dependencies: [...node.dependencies],
    ...(node.condition !== undefined ? { condition: node.condition } : {}),
    ...(node.triggerRule !== 'all_success' ? { trigger_rule: node.triggerRule } : {}),
    ...(node.retry !== undefined ? { retry: node.retry } : {}),
    // Milliseconds: a plan reads a number as such.
    ...(node.timeoutMs !== undefined ? { timeout: node.timeoutMs } : {}),
    ...(node.compensate !== undefined ? { compensate: compensation(node.compensate) } : {}),
  };
}

function compensation(value: NonNullable<NodeDefinition['compensate']>): Record<string, unknown> {
  return {
    ...(value.agentId !== undefined ? { agent_id: value.agentId } : {}),
    ...(value.toolName !== undefined ? { tool_name: value.toolName } : {}),
    ...(value.config !== undefined ? { config: value.config } : {}),
  };
}
