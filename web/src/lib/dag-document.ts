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

export type StepKind = 'agent' | 'tool' | 'human' | 'ai' | 'timer';

/** What a new step of each kind starts with: enough to be valid, and to show what to fill in. */
const STARTING_CONFIG: Partial<Record<StepKind, Record<string, unknown>>> = {
  human: { message: 'Approve?' },
  ai: { prompt: 'Summarise: {{ input }}', provider: 'openai', model: 'gpt-4o-mini' },
  timer: { duration: 'PT1H' },
};

/** The type a new step is written with: seed 004's spelling in a graph document, else the plan's. */
const GRAPH_TYPES: Record<StepKind, string> = {
  agent: 'ai',
  tool: 'action',
  human: 'human',
  ai: 'ai',
  timer: 'timer',
};
const PLAN_TYPES: Record<StepKind, string> = {
  agent: 'agent',
  tool: 'tool',
  human: 'human_in_loop',
  ai: 'agent',
  timer: 'timer',
};

/** The document with one more step (seed 000's plan keys; a graph document gets seed 004's), named uniquely. */
export function addStep(document: unknown, kind: StepKind): { document: unknown; id: string } {
  const doc = { ...(document as Record<string, unknown>) };
  const nodes = nodeList(doc);
  const taken = new Set(nodes.map((node, index) => idOf(node, index)));
  let n = 1;
  while (taken.has(`${kind}_${n}`)) n++;
  const id = `${kind}_${n}`;
  const graph = Array.isArray(doc.edges);
  const config = STARTING_CONFIG[kind];
  const node: Record<string, unknown> = graph
    ? { id, type: GRAPH_TYPES[kind], ...(config && kind !== 'human' ? { data: config } : {}) }
    : {
        node_id: id,
        node_type: PLAN_TYPES[kind],
        ...(kind === 'agent' ? { agent_id: 'echo_agent' } : {}),
        ...(kind === 'tool' ? { tool_name: 'TOOL_NAME' } : {}),
        ...(config ? { config } : {}),
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

/** A person step's rules as the configuration form edits them. */
export interface HumanSettings {
  readonly message: string;
  /** `alice, role:finance`: users by name, roles with `role:`. */
  readonly approvers: string;
  readonly quorum: 'any' | 'all' | 'count';
  readonly count: string;
  readonly allowSelfApproval: boolean;
  /** An ISO 8601 duration (`PT24H`), or '' for none. */
  readonly timeoutAfter: string;
  readonly timeoutOutcome: 'reject' | 'approve' | 'fail' | 'expire';
}

/** The config object of a step (seed 000's `config`, or seed 004's `data`). */
function configOf(node: Record<string, unknown>): Record<string, unknown> {
  const config = node.config ?? node.data;
  return config !== null && typeof config === 'object' ? (config as Record<string, unknown>) : {};
}

export function isHumanStep(document: unknown, id: string): boolean {
  const node = nodeList(document).find((n, index) => idOf(n, index) === id);
  const type = node?.node_type ?? node?.type;
  return type === 'human_in_loop' || type === 'human';
}

export function humanSettings(document: unknown, id: string): HumanSettings {
  const node = nodeList(document).find((n, index) => idOf(n, index) === id) ?? {};
  const config = configOf(node);
  const approvers = Array.isArray(config.approvers) ? (config.approvers as unknown[]) : [];
  const quorum = (config.quorum ?? {}) as { mode?: string; count?: number };
  const timeout = (config.timeout ?? {}) as { after?: string; outcome?: string };
  return {
    message: typeof config.message === 'string' ? config.message : '',
    approvers: approvers
      .map((a) =>
        typeof a === 'string'
          ? a
          : a && typeof a === 'object' && 'role' in a
            ? `role:${String(a.role)}`
            : a && typeof a === 'object' && 'user' in a
              ? String(a.user)
              : '',
      )
      .filter(Boolean)
      .join(', '),
    quorum: quorum.mode === 'all' || quorum.mode === 'count' ? quorum.mode : 'any',
    count: quorum.count !== undefined ? String(quorum.count) : '',
    allowSelfApproval: config.allowSelfApproval !== false,
    timeoutAfter: typeof timeout.after === 'string' ? timeout.after : '',
    timeoutOutcome:
      timeout.outcome === 'approve' || timeout.outcome === 'fail' || timeout.outcome === 'expire'
        ? timeout.outcome
        : 'reject',
  };
}

/** The document with a person step's rules set from the form (keys it does not cover are kept). */
export function setHumanSettings(document: unknown, id: string, settings: HumanSettings): unknown {
  const doc = { ...(document as Record<string, unknown>) };
  doc.nodes = nodeList(doc).map((node, index) => {
    if (idOf(node, index) !== id) return node;
    const key = node.config === undefined && node.data !== undefined ? 'data' : 'config';
    const config: Record<string, unknown> = { ...configOf(node) };
    config.message = settings.message;
    const approvers = settings.approvers
      .split(',')
      .map((a) => a.trim())
      .filter(Boolean)
      .map((a) => (a.startsWith('role:') ? { role: a.slice(5).trim() } : { user: a }));
    if (approvers.length > 0) config.approvers = approvers;
    else delete config.approvers;
    config.quorum =
      settings.quorum === 'count'
        ? { mode: 'count', count: Number(settings.count) || 1 }
        : { mode: settings.quorum };
    config.allowSelfApproval = settings.allowSelfApproval;
    if (settings.timeoutAfter.trim() !== '')
      config.timeout = { after: settings.timeoutAfter.trim(), outcome: settings.timeoutOutcome };
    else delete config.timeout;
    return { ...node, [key]: config };
  });
  return doc;
}
