import type { DagHeader } from './dag-header.js';
import type { PathSegment } from './document-path.js';
import type { DagDefinition, DagFormat, DagProblem, NodeDefinition } from './model.js';
import type { CommonFields } from './node-fields.js';

/** Where a normalized node came from in its document, so validation can point at the exact spot. */
export interface NodeSource {
  /** The node's own path: `nodes[2]`, `stages[1]`. */
  readonly path: string;
  readonly idPath: string;
  readonly typePath: string;
  /** False when the document's type was not recognized; type-specific checks are then skipped. */
  readonly typeKnown: boolean;
  /** One path per entry of the node's `dependencies`, in the same order. */
  readonly dependencyPaths: readonly string[];
  /** The path of each incoming edge's condition, by upstream node id. */
  readonly edgeConditionPaths: Readonly<Record<string, string>>;
  readonly conditionPath?: string;
  /** Where the agent id is, or would be. */
  readonly agentPath: string;
  readonly toolPath: string;
  readonly compensatePath?: string;
  /** Maps a path inside the node's normalized `config` to the document. */
  readonly configPath: (segments: readonly PathSegment[]) => string;
}

/** An importer's result: the normalized DAG, its source map, and what went wrong reading the fields. */
export interface ImportedDag {
  readonly dag: DagDefinition;
  /** Parallel to `dag.nodes`. */
  readonly sources: readonly NodeSource[];
  /** Paths of the document's `start_nodes` entries, parallel to `dag.startNodes`; absent when computed. */
  readonly startNodePaths?: readonly string[];
  readonly problems: readonly DagProblem[];
}

/** A node's parts as an importer gathers them; absent optional fields stay absent. */
export interface NodeParts {
  readonly id: string;
  readonly type: NodeDefinition['type'];
  readonly sourceType: string;
  readonly name?: string | undefined;
  readonly agentId?: string | undefined;
  readonly toolName?: string | undefined;
  readonly config: Readonly<Record<string, unknown>>;
  readonly dependencies: readonly string[];
  readonly edgeConditions?: Readonly<Record<string, string>>;
  readonly common: CommonFields;
  readonly position?: { readonly x: number; readonly y: number } | undefined;
}

/** Assembles a node without `undefined`-valued keys, so the definition stores and compares cleanly. */
export function buildNode(parts: NodeParts): NodeDefinition {
  const { common } = parts;
  return {
    id: parts.id,
    type: parts.type,
    sourceType: parts.sourceType,
    ...(parts.name !== undefined ? { name: parts.name } : {}),
    ...(parts.agentId !== undefined ? { agentId: parts.agentId } : {}),
    ...(parts.toolName !== undefined ? { toolName: parts.toolName } : {}),
    config: parts.config,
    dependencies: parts.dependencies,
    edgeConditions: parts.edgeConditions ?? {},
    ...(common.condition !== undefined ? { condition: common.condition } : {}),
    triggerRule: common.triggerRule,
    ...(common.retry !== undefined ? { retry: common.retry } : {}),
    ...(common.timeoutMs !== undefined ? { timeoutMs: common.timeoutMs } : {}),
    ...(common.compensate !== undefined ? { compensate: common.compensate } : {}),
    ...(parts.position !== undefined ? { position: parts.position } : {}),
  };
}

/** The DAG from its header and nodes: start nodes are the document's, else the nodes without dependencies. */
export function buildDag(
  header: DagHeader,
  format: DagFormat,
  nodes: readonly NodeDefinition[],
): DagDefinition {
  return {
    dagId: header.dagId,
    ...(header.name !== undefined ? { name: header.name } : {}),
    ...(header.description !== undefined ? { description: header.description } : {}),
    format,
    nodes,
    startNodes:
      header.startNodes?.ids ??
      nodes.filter((node) => node.dependencies.length === 0).map((node) => node.id),
    settings: header.settings,
    ...(header.permissions ? { permissions: header.permissions } : {}),
    ...(header.metadata ? { metadata: header.metadata } : {}),
  };
}
