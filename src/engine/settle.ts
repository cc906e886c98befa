/**
 * The engine's decisions about a run, as pure functions of its definition and its nodes' states: which waiting nodes
 * may run now, which are skipped or fail because of what happened upstream (trigger rules), and how the run stands.
 * No I/O: the caller passes condition evaluation in and applies the result in one transaction.
 */
import type { DagDefinition, NodeDefinition } from '../definition/index.js';
import { planOf } from './dag-plan.js';
import { NodeStatus } from './statuses.js';

export interface NodeSnapshot {
  readonly status: string;
  /** Pending and already made ready (claimable now or at a later time). */
  readonly ready: boolean;
  readonly output: unknown;
}

export type Resolution =
  | { readonly nodeId: string; readonly action: 'ready' }
  | { readonly nodeId: string; readonly action: 'skip'; readonly reason: 'condition' | 'upstream' }
  | { readonly nodeId: string; readonly action: 'fail'; readonly upstream: string }
  /** A condition on the node or one of its edges could not be evaluated. */
  | { readonly nodeId: string; readonly action: 'error'; readonly message: string };

export interface ResolveInput {
  readonly dag: DagDefinition;
  readonly nodes: ReadonlyMap<string, NodeSnapshot>;
  /** Evaluates a condition; `source` names the upstream node whose output is merged at the scope's top. */
  readonly condition: (expression: string, source: string | undefined) => Promise<boolean>;
  /** How many more agent or tool nodes may be made ready (the run's concurrency limit). */
  readonly capacity: number;
}

type Upstream = 'success' | 'skipped' | 'failed' | 'open';

/** Node types the worker pool runs and the per-run concurrency limit counts. */
export function isWorkerNode(node: NodeDefinition): boolean {
  return node.type === 'agent' || node.type === 'tool';
}

/**
 * Decides every pending node whose inputs allow a decision, in dependency order, so that a skip or an upstream
 * failure propagates through the whole graph in one pass.
 */
export async function resolveNodes(input: ResolveInput): Promise<Resolution[]> {
  const { dag } = input;
  const states = new Map(input.nodes);
  const resolutions: Resolution[] = [];
  let capacity = input.capacity;

  for (const node of planOf(dag).order) {
    const state = states.get(node.id);
    if (!state || state.status !== NodeStatus.pending || state.ready) continue;

    let resolution: Resolution;
    try {
      const upstream: { id: string; outcome: Upstream }[] = [];
      for (const dep of node.dependencies) {
        upstream.push({
          id: dep,
          outcome: await upstreamOutcome(dep, node, states, input.condition),
        });
      }
      const verdict = applyTriggerRule(node, upstream);
      if (verdict === 'wait') continue;
      if (verdict === 'ready') {
        if (node.condition !== undefined && !(await input.condition(node.condition, undefined))) {
          resolution = { nodeId: node.id, action: 'skip', reason: 'condition' };
        } else if (isWorkerNode(node) && capacity <= 0) {
          continue;
        } else {
          if (isWorkerNode(node)) capacity--;
          resolution = { nodeId: node.id, action: 'ready' };
        }
      } else if (verdict === 'skip') {
        resolution = { nodeId: node.id, action: 'skip', reason: 'upstream' };
      } else {
        resolution = { nodeId: node.id, action: 'fail', upstream: verdict.failed };
      }
    } catch (error) {
      // A condition that cannot be evaluated fails its node, not the transaction that settles the run.
      resolution = { nodeId: node.id, action: 'error', message: errorMessage(error) };
    }
    resolutions.push(resolution);
    states.set(node.id, {
      status:
        resolution.action === 'ready'
          ? NodeStatus.pending
          : resolution.action === 'skip'
            ? NodeStatus.skipped
            : NodeStatus.failed,
      ready: resolution.action === 'ready',
      output: undefined,
    });
  }
  return resolutions;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function upstreamOutcome(
  depId: string,
  node: NodeDefinition,
  states: ReadonlyMap<string, NodeSnapshot>,
  condition: ResolveInput['condition'],
): Promise<Upstream> {
  const dep = states.get(depId);
  if (!dep) return 'open';
  switch (dep.status) {
    case NodeStatus.completed: {
      const targets = (dep.output as { targets?: unknown } | null | undefined)?.targets;
      // A decision node names the branches it chose; an edge to any other branch is not taken.
      if (Array.isArray(targets) && !targets.includes(node.id)) return 'skipped';
      const edgeCondition = node.edgeConditions[depId];
      if (edgeCondition !== undefined && !(await condition(edgeCondition, depId))) return 'skipped';
      return 'success';
    }
    case NodeStatus.skipped:
      return 'skipped';
    case NodeStatus.failed:
    case NodeStatus.cancelled:
      return 'failed';
    default:
      return 'open';
  }
}

type Verdict = 'ready' | 'skip' | 'wait' | { failed: string };

/** Airflow's trigger rules, decided as early as the upstream states allow. */
function applyTriggerRule(
  node: NodeDefinition,
  upstream: { id: string; outcome: Upstream }[],
): Verdict {
  if (upstream.length === 0) return 'ready';
  const failed = upstream.find((u) => u.outcome === 'failed');
  const allDone = upstream.every((u) => u.outcome !== 'open');
  switch (node.triggerRule) {
    case 'all_success':
      if (failed) return { failed: failed.id };
      if (upstream.some((u) => u.outcome === 'skipped')) return 'skip';
      return allDone ? 'ready' : 'wait';
    case 'none_failed':
      if (failed) return { failed: failed.id };
      return allDone ? 'ready' : 'wait';
    case 'all_done':
      return allDone ? 'ready' : 'wait';
    case 'one_success':
      if (upstream.some((u) => u.outcome === 'success')) return 'ready';
      if (!allDone) return 'wait';
      return failed ? { failed: failed.id } : 'skip';
  }
}

export type RunOutlook =
  | { readonly kind: 'completed'; readonly result: unknown }
  | { readonly kind: 'failed'; readonly nodeId: string }
  | { readonly kind: 'waiting_for_people' }
  | { readonly kind: 'active' };

/**
 * How the run stands once its nodes are settled. A failed leaf dooms the run at once (what is still in flight is
 * cancelled); a run whose only open nodes wait for people is paused; otherwise it ends when every node has.
 */
export function assessRun(
  dag: DagDefinition,
  nodes: ReadonlyMap<string, NodeSnapshot>,
): RunOutlook {
  const plan = planOf(dag);
  const failedLeaf = plan.leaves.find((id) => nodes.get(id)?.status === NodeStatus.failed);
  if (failedLeaf !== undefined)
    return { kind: 'failed', nodeId: firstFailure(dag, nodes) ?? failedLeaf };

  let waiting = false;
  for (const node of dag.nodes) {
    const state = nodes.get(node.id);
    if (!state) continue;
    if (
      state.status === NodeStatus.running ||
      (state.status === NodeStatus.pending && state.ready)
    ) {
      return { kind: 'active' };
    }
    if (state.status === NodeStatus.waitingHitl) waiting = true;
  }
  if (waiting) return { kind: 'waiting_for_people' };
  if (dag.nodes.some((node) => nodes.get(node.id)?.status === NodeStatus.pending))
    return { kind: 'active' };

  const failed = firstFailure(dag, nodes);
  if (failed !== undefined) return { kind: 'failed', nodeId: failed };
  return { kind: 'completed', result: runResult(dag, nodes) };
}

function firstFailure(
  dag: DagDefinition,
  nodes: ReadonlyMap<string, NodeSnapshot>,
): string | undefined {
  return planOf(dag).order.find((node) => nodes.get(node.id)?.status === NodeStatus.failed)?.id;
}

/** The output of the single completed leaf, or `{leafId: output}` when several leaves completed. */
function runResult(dag: DagDefinition, nodes: ReadonlyMap<string, NodeSnapshot>): unknown {
  const completed = planOf(dag).leaves.filter(
    (id) => nodes.get(id)?.status === NodeStatus.completed,
  );
  if (completed.length === 1) return nodes.get(completed[0]!)?.output ?? null;
  return Object.fromEntries(completed.map((id) => [id, nodes.get(id)?.output ?? null]));
}
