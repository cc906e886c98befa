/**
 * What the editor reads from a DAG document as it is typed: its steps and their dependencies (seed 000's plan:
 * `nodes[].node_id` + `dependencies`; seed 004's graph: `nodes[].id` + `edges[].source/target`), for the preview;
 * and the server's problems (`nodes[2].dependencies[0]`, ...) placed on the steps they are about.
 */
import type { DagNode } from '../api/types';

type Doc = { nodes?: unknown; edges?: unknown };

function nodeList(document: unknown): Record<string, unknown>[] {
  const nodes = (document as Doc | null)?.nodes;
  return Array.isArray(nodes)
    ? nodes.filter((n): n is Record<string, unknown> => n !== null && typeof n === 'object')
    : [];
}

function idOf(node: Record<string, unknown>, index: number): string {
  const id = node.node_id ?? node.id;
  return typeof id === 'string' && id !== '' ? id : `#${index + 1}`;
}

export function previewNodes(document: unknown): DagNode[] {
  const nodes = nodeList(document);
  const deps = new Map<string, string[]>();
  nodes.forEach((node, index) => {
    const list = Array.isArray(node.dependencies)
      ? node.dependencies.filter((d): d is string => typeof d === 'string')
      : [];
    deps.set(idOf(node, index), [...list]);
  });
  const edges = (document as Doc | null)?.edges;
  if (Array.isArray(edges)) {
    for (const edge of edges as Record<string, unknown>[]) {
      const source = edge?.source ?? edge?.from;
      const target = edge?.target ?? edge?.to;
      if (typeof source === 'string' && typeof target === 'string') deps.get(target)?.push(source);
    }
  }
  const known = new Set(deps.keys());
  return nodes.map((node, index) => {
    const id = idOf(node, index);
    const type = node.node_type ?? node.type;
    return {
      id,
      type: typeof type === 'string' ? type : '?',
      // An unknown dependency has no box to draw an edge from; the problem list names it.
      dependencies: (deps.get(id) ?? []).filter((dep) => known.has(dep)),
    };
  });
}

export interface Problem {
  readonly path: string;
  readonly message: string;
}

/** Problems by step id (several joined), and those about no one step. */
export function placeProblems(
  document: unknown,
  problems: readonly Problem[],
): { byNode: Record<string, string>; general: string[] } {
  const nodes = nodeList(document);
  const byNode: Record<string, string> = {};
  const general: string[] = [];
  for (const problem of problems) {
    const match = /^nodes\[(\d+)\]/.exec(problem.path);
    const node = match ? nodes[Number(match[1])] : undefined;
    if (node && match) {
      const id = idOf(node, Number(match[1]));
      byNode[id] = byNode[id] ? `${byNode[id]}; ${problem.message}` : problem.message;
    } else {
      general.push(problem.path ? `${problem.path}: ${problem.message}` : problem.message);
    }
  }
  return { byNode, general };
}

export type StepKind = 'agent' | 'tool' | 'human';

/** The document with one more step (seed 000's plan keys; a graph document gets seed 004's), named uniquely. */
export function addStep(document: unknown, kind: StepKind): { document: unknown; id: string } {
  const doc = { ...(document as Record<string, unknown>) };
  const nodes = nodeList(doc);
  const taken = new Set(nodes.map((node, index) => idOf(node, index)));
  let n = 1;
  while (taken.has(`${kind}_${n}`)) n++;
  const id = `${kind}_${n}`;
  const graph = Array.isArray(doc.edges);
  const node: Record<string, unknown> = graph
    ? { id, type: kind === 'human' ? 'human' : kind === 'tool' ? 'action' : 'ai' }
    : {
        node_id: id,
        node_type: kind === 'human' ? 'human_in_loop' : kind,
        ...(kind === 'agent' ? { agent_id: 'echo_agent' } : {}),
        ...(kind === 'tool' ? { tool_name: 'TOOL_NAME' } : {}),
        ...(kind === 'human' ? { config: { message: 'Approve?' } } : {}),
        dependencies: [],
      };
  doc.nodes = [...nodes, node];
  return { document: doc, id };
}

/** The document with `target` after `source` (a dependency, or an edge in a graph document); unchanged if it was. */
export function connectSteps(document: unknown, source: string, target: string): unknown {
  const doc = { ...(document as Record<string, unknown>) };
  if (Array.isArray(doc.edges)) {
    const edges = doc.edges as Record<string, unknown>[];
    if (edges.some((e) => (e.source ?? e.from) === source && (e.target ?? e.to) === target))
      return doc;
    doc.edges = [...edges, { source, target }];
    return doc;
  }
  doc.nodes = nodeList(doc).map((node, index) => {
    if (idOf(node, index) !== target) return node;
    const deps = Array.isArray(node.dependencies) ? (node.dependencies as unknown[]) : [];
    return deps.includes(source) ? node : { ...node, dependencies: [...deps, source] };
  });
  return doc;
}
