import type { DagDefinition, NodeDefinition } from '../definition/index.js';

/** What the engine derives once from a DAG definition (immutable, so cached per definition object). */
export interface DagPlan {
  readonly byId: ReadonlyMap<string, NodeDefinition>;
  /** Nodes ordered so that every node comes after its dependencies. */
  readonly order: readonly NodeDefinition[];
  readonly successors: ReadonlyMap<string, readonly string[]>;
  /** Nodes nothing depends on: their outputs make the run's result. */
  readonly leaves: readonly string[];
  /** Each node's place in the definition (a snapshot's status letters follow it). */
  readonly position: ReadonlyMap<string, number>;
}

const plans = new WeakMap<DagDefinition, DagPlan>();

export function planOf(dag: DagDefinition): DagPlan {
  let plan = plans.get(dag);
  if (!plan) {
    plan = buildPlan(dag);
    plans.set(dag, plan);
  }
  return plan;
}

function buildPlan(dag: DagDefinition): DagPlan {
  const byId = new Map(dag.nodes.map((node) => [node.id, node]));
  const successors = new Map<string, string[]>(dag.nodes.map((node) => [node.id, []]));
  for (const node of dag.nodes) {
    for (const dep of node.dependencies) successors.get(dep)?.push(node.id);
  }
  // Kahn's algorithm; validation has already refused cycles, so every node is placed.
  const remaining = new Map(dag.nodes.map((node) => [node.id, node.dependencies.length]));
  const queue = dag.nodes.filter((node) => node.dependencies.length === 0);
  const order: NodeDefinition[] = [];
  while (queue.length > 0) {
    const node = queue.shift()!;
    order.push(node);
    for (const next of successors.get(node.id) ?? []) {
      const left = (remaining.get(next) ?? 0) - 1;
      remaining.set(next, left);
      if (left === 0) queue.push(byId.get(next)!);
    }
  }
  const leaves = dag.nodes.filter((node) => successors.get(node.id)?.length === 0).map((n) => n.id);
  const position = new Map(dag.nodes.map((node, i) => [node.id, i]));
  return { byId, order, successors, leaves, position };
}
