/**
 * The normalized DAG model every importer produces and the engine runs.
 *
 * Documents arrive in several shapes (seed 000/001 plan JSON, seed 004 graph, seed 003 stages); each importer
 * maps its shape onto this one, so the engine, the HITL core and validation know a single model.
 */

import type { AiBudget } from './read-ai-budget.js';

export const NODE_TYPES = [
  'agent',
  'tool',
  'human_in_loop',
  'decision',
  'timer',
  'sub_dag',
] as const;
export type NodeType = (typeof NODE_TYPES)[number];

/**
 * When a node may run, given how its upstream nodes ended (Airflow's trigger rules).
 * An upstream edge whose condition is false counts as a skipped upstream.
 */
export const TRIGGER_RULES = ['all_success', 'all_done', 'one_success', 'none_failed'] as const;
export type TriggerRule = (typeof TRIGGER_RULES)[number];

export interface RetryPolicy {
  /** Further attempts after the first failure. */
  readonly maxRetries: number;
  /** Delay before the first retry, in milliseconds; doubled each time up to `maxBackoffMs`. */
  readonly backoffMs: number;
  readonly maxBackoffMs: number;
}

export interface Compensation {
  readonly agentId?: string;
  readonly toolName?: string;
  readonly config?: Readonly<Record<string, unknown>>;
}

export interface NodeDefinition {
  readonly id: string;
  readonly type: NodeType;
  /** The type as written in the document (`ai`, `human`, `action`, ...), kept for display and round trips. */
  readonly sourceType: string;
  readonly name?: string;
  readonly agentId?: string;
  readonly toolName?: string;
  /** Node configuration: seed 000's `config` or seed 004's `data`. Strings may hold `{{ }}` templates. */
  readonly config: Readonly<Record<string, unknown>>;
  /** Upstream node ids, in document order. */
  readonly dependencies: readonly string[];
  /** Conditions on incoming edges, by upstream node id (seed 004's `edges[].condition`). */
  readonly edgeConditions: Readonly<Record<string, string>>;
  /** A JSONata expression; when false the node is skipped. */
  readonly condition?: string;
  readonly triggerRule: TriggerRule;
  /** Overrides the DAG's retry policy. */
  readonly retry?: Partial<RetryPolicy>;
  /** Per-attempt timeout, in milliseconds. */
  readonly timeoutMs?: number;
  readonly compensate?: Compensation;
  readonly position?: { readonly x: number; readonly y: number };
}

export interface DagSettings {
  /** Whole-run timeout, in milliseconds. */
  readonly timeoutMs?: number;
  readonly maxRetries?: number;
  /** Most nodes of one run that may run at once. */
  readonly concurrency?: number;
  /** How long this DAG's finished runs are kept, in milliseconds; replaces FLOWGATE_RETENTION for them. */
  readonly retentionMs?: number;
  /** The run's budget for its AI nodes' model calls. */
  readonly aiBudget?: AiBudget;
  readonly [key: string]: unknown;
}

export interface DagPermissions {
  readonly owners: readonly string[];
  readonly editors: readonly string[];
  readonly viewers: readonly string[];
  readonly isPublic: boolean;
}

export type DagFormat = 'plan' | 'graph' | 'stages';

export interface DagDefinition {
  readonly dagId: string;
  readonly name?: string;
  readonly description?: string;
  readonly format: DagFormat;
  readonly nodes: readonly NodeDefinition[];
  /** Nodes with no dependencies (seed 000's `start_nodes`, or computed). */
  readonly startNodes: readonly string[];
  readonly settings: DagSettings;
  readonly permissions?: DagPermissions;
  /** Seed 004's free-form `metadata` (tags, category, ...), kept for display; the engine ignores it. */
  readonly metadata?: Readonly<Record<string, unknown>>;
}

/** One thing wrong with a DAG document, with where it is (a JSON path such as `nodes[2].dependencies[0]`). */
export interface DagProblem {
  readonly code: DagProblemCode;
  readonly path: string;
  readonly message: string;
}

export type DagProblemCode =
  | 'invalid_document'
  | 'unknown_format'
  | 'duplicate_id'
  | 'unknown_dependency'
  | 'missing_dependency'
  | 'cycle'
  | 'unknown_node_type'
  | 'unknown_agent'
  | 'unknown_tool'
  | 'unreachable'
  | 'bad_expression'
  | 'bad_start_node'
  | 'invalid_config';

/** What the registry knows, for validating agent and tool names. */
export interface RegistryView {
  hasAgent(name: string): boolean;
  hasTool(name: string): boolean;
}
