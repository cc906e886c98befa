/**
 * Mechanical repairs of a generated plan: fixes whose meaning is not in doubt, made before the plan is judged so that
 * the model is asked again only about what needs its judgement. Each fix is reported, and shown to the reviewer.
 */
import type { RegistryView } from '../definition/index.js';

export interface Repaired {
  readonly document: Record<string, unknown>;
  readonly fixes: readonly string[];
}

export function repairPlan(
  input: Record<string, unknown>,
  registry: RegistryView,
  dagId: string,
): Repaired {
  const fixes: string[] = [];
  const document: Record<string, unknown> = { ...input };
  // The planner names the DAG: a model's name could collide with, and so version, someone else's DAG.
  if (document.dag_id !== dagId) {
    if (document.dag_id !== undefined) fixes.push(`dag_id set to ${dagId}`);
    document.dag_id = dagId;
  }
  if (!Array.isArray(document.nodes)) return { document, fixes };

  const nodes = document.nodes.map((raw, i): unknown => {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return raw;
    const node: Record<string, unknown> = { ...(raw as Record<string, unknown>) };
    const where = `nodes[${i}]`;
    if (node.dependencies === undefined || node.dependencies === null) {
      node.dependencies = [];
      fixes.push(`${where}.dependencies: none given, set to []`);
    } else if (typeof node.dependencies === 'string') {
      node.dependencies = [node.dependencies];
      fixes.push(`${where}.dependencies: a single id made a list`);
    }
    // A step named under the other kind's key (an agent given as tool_name, or the reverse).
    const tool = typeof node.tool_name === 'string' ? node.tool_name : undefined;
    const agent = typeof node.agent_id === 'string' ? node.agent_id : undefined;
    if (node.node_type === 'tool' && tool && !registry.hasTool(tool) && registry.hasAgent(tool)) {
      node.node_type = 'agent';
      node.agent_id = tool;
      delete node.tool_name;
      fixes.push(`${where}: "${tool}" is an agent, not a tool`);
    } else if (
      node.node_type === 'agent' &&
      agent &&
      !registry.hasAgent(agent) &&
      registry.hasTool(agent)
    ) {
      node.node_type = 'tool';
      node.tool_name = agent;
      delete node.agent_id;
      fixes.push(`${where}: "${agent}" is a tool, not an agent`);
    } else if (node.node_type === undefined && (tool || agent)) {
      const type = tool ? 'tool' : 'agent';
      node.node_type = type;
      fixes.push(`${where}.node_type: set to ${type}`);
    }
    return node;
  });

  // Dependencies that name a node but for letter case.
  const ids = new Map<string, string>();
  for (const node of nodes) {
    const id = (node as { node_id?: unknown } | null)?.node_id;
    if (typeof id === 'string') ids.set(id.toLowerCase(), id);
  }
  nodes.forEach((node, i) => {
    const deps = (node as { dependencies?: unknown } | null)?.dependencies;
    if (!Array.isArray(deps)) return;
    (node as { dependencies: unknown[] }).dependencies = deps.map((dep): unknown => {
      if (typeof dep !== 'string' || [...ids.values()].includes(dep)) return dep;
      const exact = ids.get(dep.toLowerCase());
      if (exact === undefined) return dep;
      fixes.push(`nodes[${i}].dependencies: "${dep}" read as "${exact}"`);
      return exact;
    });
  });
  document.nodes = nodes;

  // seed 001's start_nodes follow from the dependencies; a stale list is recomputed rather than judged.
  if (document.start_nodes !== undefined) {
    const starts = nodes
      .filter((node) => {
        const deps = (node as { dependencies?: unknown } | null)?.dependencies;
        return Array.isArray(deps) && deps.length === 0;
      })
      .map((node) => (node as { node_id?: unknown }).node_id);
    if (JSON.stringify(starts) !== JSON.stringify(document.start_nodes)) {
      document.start_nodes = starts;
      fixes.push('start_nodes: recomputed from the dependencies');
    }
  }
  return { document, fixes };
}
