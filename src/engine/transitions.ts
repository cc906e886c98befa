/**
 * Applies the engine's decisions inside the caller's transaction: after nodes complete or fail (a worker's batch, a
 * person's decision, a timeout), the runs they belong to are settled: waiting nodes made ready, skipped or failed by
 * their trigger rules, human nodes raise their requests, decision nodes choose, sub-DAGs start, and each run is
 * completed, failed, paused or resumed. Everything lands in the same commit as the change that caused it.
 */
import {
  evaluateCondition,
  evaluateExpression,
  parseDuration,
  renderTemplates,
  type DagDefinition,
  type ExpressionScope,
  type NodeDefinition,
} from '../definition/index.js';
import { buildHitlRequest } from '../hitl/raise.js';
import type { Store, Tx } from '../store/port.js';
import { closeRunningRollbacks } from '../store/repositories/rollbacks.js';
import type { NewSnapshot } from '../store/repositories/snapshots.js';
import { listPendingHitlRequests, closeHitlRequest } from '../store/repositories/hitl-requests.js';
import {
  insertNodes,
  loadNodeStates,
  type NodeState,
} from '../store/repositories/workflow-nodes.js';
import {
  insertWorkflows,
  lockWorkflows,
  listChildWorkflows,
  type RunHeader,
} from '../store/repositories/workflows.js';
import type { Clock } from '../shared/clock.js';
import { toIso } from '../shared/clock.js';
import { describeActor, type Actor } from '../shared/actor.js';
import { FlowgateError } from '../shared/errors.js';
import { fromJson, toJson } from '../shared/json.js';
import type { Changes } from './changes.js';
import type { DagCache } from './dag-cache.js';
import { EMAIL_TOOL, type Notices } from './notices.js';
import type { PromptAgents } from './prompt-agents.js';
import { planOf } from './dag-plan.js';
import { buildScope, scopeWithSource } from './scope.js';
import { assessRun, isWorkerNode, resolveNodes, type NodeSnapshot } from './settle.js';
import { encodeLetters, statusLetter } from './snapshot-state.js';
import {
  EventType,
  HitlStatus,
  NodeStatus,
  PauseReason,
  RunStatus,
  isTerminalNode,
} from './statuses.js';

export interface EngineEnv {
  readonly store: Store;
  readonly clock: Clock;
  readonly dags: DagCache;
  readonly random: () => number;
  readonly newId: () => string;
  /** Writes the messages changes cause into the outbox, in their transaction. */
  readonly notices?: Notices;
  /** Runs AI nodes (agent nodes defined by a prompt); absent, they fail saying so. */
  readonly promptAgents?: PromptAgents;
}

interface LiveNode extends NodeSnapshot {
  record: NodeState;
  status: string;
  ready: boolean;
  output: unknown;
}

interface RunState {
  run: RunHeader;
  dag: DagDefinition;
  input: unknown;
  context: unknown;
  nodes: Map<string, LiveNode>;
}

/** A node's output as stored, parsed once per transaction. */
function liveNode(record: NodeState): LiveNode {
  return {
    record,
    status: record.status,
    ready: record.status === NodeStatus.pending && record.readyAt !== null,
    output: record.status === NodeStatus.completed ? (fromJson(record.result) ?? null) : undefined,
  };
}

function scopeOf(state: RunState): ExpressionScope {
  const nodes = [...state.nodes.values()].map((n) => ({
    nodeId: n.record.nodeId,
    status: n.status,
    output: n.output,
  }));
  return buildScope(
    { workflowId: state.run.workflowId, dagId: state.run.dagId, version: state.run.dagVersion },
    state.input,
    nodes,
    state.context,
  );
}

/**
 * Settles the given runs (locked by the caller when the store has row locks). Children and parents of sub-DAG
 * nodes touched on the way are settled too.
 */
export async function settleRuns(
  tx: Tx,
  env: EngineEnv,
  changes: Changes,
  runs: readonly RunHeader[],
  /** The nodes of runs just created, which need no reading back. */
  known: readonly NodeState[] = [],
): Promise<void> {
  // Settling reads nodes back from the database: the node changes collected so far must be there.
  await changes.flushNodes(tx);
  const queue = [...runs];
  const settled = new Set<string>();
  const nodesByRun = groupByRun(known);
  const unknown = runs.map((r) => r.workflowId).filter((id) => !nodesByRun.has(id));
  for (const [id, nodes] of groupByRun(await loadNodeStates(tx, unknown)))
    nodesByRun.set(id, nodes);
  while (queue.length > 0) {
    const run = queue.shift()!;
    if (settled.has(run.workflowId)) continue;
    settled.add(run.workflowId);
    let nodes = nodesByRun.get(run.workflowId);
    if (!nodes) {
      nodes = await loadNodeStates(tx, [run.workflowId]);
      nodesByRun.set(run.workflowId, nodes);
    }
    const related = await settleRun(tx, env, changes, run, nodes);
    for (const other of related) {
      settled.delete(other.workflowId);
      nodesByRun.delete(other.workflowId);
      queue.push(other);
    }
  }
}

function groupByRun(records: readonly NodeState[]): Map<string, NodeState[]> {
  const byRun = new Map<string, NodeState[]>();
  for (const record of records) {
    let list = byRun.get(record.workflowId);
    if (!list) byRun.set(record.workflowId, (list = []));
    list.push(record);
  }
  return byRun;
}

/** Returns runs that must be settled after this one (a sub-DAG's child just started, or its parent). */
async function settleRun(
  tx: Tx,
  env: EngineEnv,
  changes: Changes,
  run: RunHeader,
  records: readonly NodeState[],
): Promise<RunHeader[]> {
  const status = changes.runUpdates.get(run.workflowId)?.status ?? run.status;
  if (status !== RunStatus.running && status !== RunStatus.paused) return [];
  const pauseReason =
    status === RunStatus.paused
      ? (changes.runUpdates.get(run.workflowId)?.pause_reason ?? run.pauseReason)
      : null;
  // A rollback owns the run until it resumes it: nothing is decided meanwhile.
  if (pauseReason === PauseReason.rollback) return [];
  const pausedByUser = pauseReason === PauseReason.user;

  const dag = await env.dags.get(tx, run.dagId, run.dagVersion);
  const state: RunState = {
    run,
    dag,
    input: fromJson(run.input) ?? null,
    context: fromJson(changes.runUpdates.get(run.workflowId)?.context ?? run.context) ?? null,
    nodes: new Map(records.map((record) => [record.nodeId, liveNode(record)])),
  };
  const related: RunHeader[] = [];

  // A user's pause holds back new work; what is in flight still finishes and is recorded.
  if (!pausedByUser) {
    for (;;) {
      const progressed = await resolveOnce(tx, env, changes, state, related);
      if (!progressed) break;
    }
  }

  snapshotCompletions(env, changes, state);
  changes.settledRuns.set(run.workflowId, {
    dagId: run.dagId,
    dagVersion: run.dagVersion,
    input: state.input,
    context: state.context,
    nodes: state.nodes,
  });
  const outlook = assessRun(dag, state.nodes);
  switch (outlook.kind) {
    case 'completed': {
      changes.updateRun(run.workflowId, {
        status: RunStatus.completed,
        result: toJson(outlook.result),
        completed_at: changes.now,
        pause_reason: null,
      });
      changes.event(run.workflowId, EventType.workflowCompleted, { result: outlook.result });
      changes.finished.push({ workflowId: run.workflowId, status: RunStatus.completed });
      related.push(...(await finishParentNode(tx, env, changes, run, { output: outlook.result })));
      break;
    }
    case 'failed': {
      const failed = state.nodes.get(outlook.nodeId);
      const message = `Node ${outlook.nodeId} failed: ${failed?.record.error ?? 'unknown error'}`;
      await failRun(tx, env, changes, state, message);
      related.push(...(await finishParentNode(tx, env, changes, run, { error: message })));
      break;
    }
    case 'waiting_for_people':
      if (status === RunStatus.running) {
        changes.updateRun(run.workflowId, {
          status: RunStatus.paused,
          pause_reason: PauseReason.hitl,
        });
        changes.event(run.workflowId, EventType.workflowPaused, { reason: PauseReason.hitl });
      }
      break;
    case 'active':
      if (status === RunStatus.paused && !pausedByUser) {
        changes.updateRun(run.workflowId, { status: RunStatus.running, pause_reason: null });
        changes.event(run.workflowId, EventType.workflowResumed, { reason: PauseReason.hitl });
      }
      break;
  }
  return related;
}

/**
 * A snapshot for each node of the run that completed in this transaction, in completion order: the statuses as
 * settling left them, except that a completion later in the batch still shows its earlier status in the snapshots
 * before its own. The context is stored only when the run has one.
 */
function snapshotCompletions(env: EngineEnv, changes: Changes, state: RunState): void {
  const workflowId = state.run.workflowId;
  const completions = changes.completions.get(workflowId);
  if (!completions) return;
  changes.completions.delete(workflowId);
  const { position } = planOf(state.dag);
  const letters = state.dag.nodes.map((node) =>
    statusLetter(state.nodes.get(node.id)?.status ?? NodeStatus.pending),
  );
  const context = state.context === null ? null : toJson(state.context);
  // A node completes at most once in a run's history (a rollback resets the nodes after its snapshot, and deletes
  // their snapshots), so the completed nodes count the completions: the last one here is number `completed`.
  let seq = 0;
  for (const node of state.nodes.values()) if (node.status === NodeStatus.completed) seq++;
  const snapshots: NewSnapshot[] = [];
  for (let i = completions.length - 1; i >= 0; i--, seq--) {
    const completion = completions[i]!;
    snapshots.push({
      workflowId,
      seq,
      snapshotId: env.newId(),
      nodeId: completion.nodeId,
      statuses: encodeLetters(letters),
      result: completion.result,
      context,
      createdAt: changes.now,
    });
    const at = position.get(completion.nodeId);
    if (at !== undefined) letters[at] = statusLetter(completion.prior);
  }
  changes.snapshots.push(...snapshots.reverse());
}

/** One pass of decisions; true when a decision node completed, which may unblock more. */
async function resolveOnce(
  tx: Tx,
  env: EngineEnv,
  changes: Changes,
  state: RunState,
  related: RunHeader[],
): Promise<boolean> {
  const { dag } = state;
  const plan = planOf(dag);
  // Built only when an expression needs it: most steps (agents and tools without conditions) never do.
  let built: ExpressionScope | undefined;
  const scope = () => (built ??= scopeOf(state));
  const limit = dag.settings.concurrency;
  let busy = 0;
  if (limit !== undefined) {
    for (const node of dag.nodes) {
      const live = state.nodes.get(node.id);
      if (live && isWorkerNode(node) && (live.status === NodeStatus.running || live.ready)) busy++;
    }
  }
  const resolutions = await resolveNodes({
    dag,
    nodes: state.nodes,
    capacity: limit === undefined ? Number.POSITIVE_INFINITY : limit - busy,
    condition: (expression, source) =>
      evaluateCondition(
        expression,
        source === undefined ? scope() : scopeWithSource(scope(), state.nodes.get(source)?.output),
      ),
  });

  let progressed = false;
  for (const resolution of resolutions) {
    const node = plan.byId.get(resolution.nodeId)!;
    const live = state.nodes.get(node.id)!;
    switch (resolution.action) {
      case 'skip':
        setNode(changes, live, { status: NodeStatus.skipped, completed_at: changes.now });
        changes.event(state.run.workflowId, EventType.nodeSkipped, {
          node_id: node.id,
          reason: resolution.reason,
        });
        break;
      case 'fail': {
        const error = `upstream node ${resolution.upstream} failed`;
        setNode(changes, live, { status: NodeStatus.failed, error, completed_at: changes.now });
        changes.event(state.run.workflowId, EventType.nodeFailed, {
          node_id: node.id,
          node_type: node.type,
          error: { code: 'UPSTREAM_FAILED', message: error },
        });
        break;
      }
      case 'error':
        failNode(changes, state.run.workflowId, node, live, 'CONDITION_FAILED', resolution.message);
        break;
      case 'ready':
        try {
          progressed =
            (await startNode(tx, env, changes, state, node, live, scope, related)) || progressed;
        } catch (error) {
          // An expression that cannot be evaluated (a message, a timer, a decision) or a sub-DAG that does not
          // exist fails its node, not the whole transaction, which would stop every run this batch settles.
          // Anything else (the database) is thrown, and the transaction is tried again.
          if (!(error instanceof FlowgateError)) throw error;
          failNode(changes, state.run.workflowId, node, live, error.code, error.message);
        }
        break;
    }
  }
  return progressed;
}

function failNode(
  changes: Changes,
  workflowId: string,
  node: NodeDefinition,
  live: LiveNode,
  code: string,
  message: string,
): void {
  setNode(changes, live, { status: NodeStatus.failed, error: message, completed_at: changes.now });
  changes.event(workflowId, EventType.nodeFailed, {
    node_id: node.id,
    node_type: node.type,
    error: { code, message },
  });
}

function setNode(
  changes: Changes,
  live: LiveNode,
  set: Parameters<Changes['nodeUpdates']['push']>[0]['set'],
) {
  changes.nodeUpdates.push({ id: live.record.id, set });
  if (set.status !== undefined) live.status = set.status;
  live.ready = false;
}

/** Makes a node ready, or runs it on the spot when it needs no worker. True when it completed here. */
async function startNode(
  tx: Tx,
  env: EngineEnv,
  changes: Changes,
  state: RunState,
  node: NodeDefinition,
  live: LiveNode,
  scope: () => ExpressionScope,
  related: RunHeader[],
): Promise<boolean> {
  const workflowId = state.run.workflowId;
  const now = env.clock.now();
  if (node.type === 'tool' && node.toolName === EMAIL_TOOL) {
    return enqueueEmail(tx, env, changes, state, node, live, scope());
  }
  switch (node.type) {
    case 'agent':
    case 'tool':
      changes.readied.push({
        id: live.record.id,
        workflowId,
        nodeId: node.id,
        type: node.type,
        name: node.type === 'agent' ? node.agentId : node.toolName,
        attempt: live.record.attempt,
        failures: live.record.failures,
        updateIndex: changes.nodeUpdates.length,
      });
      changes.nodeUpdates.push({ id: live.record.id, set: { ready_at: changes.now } });
      live.ready = true;
      return false;
    case 'timer': {
      const firesAt = await timerFiresAt(node, scope(), now);
      changes.nodeUpdates.push({ id: live.record.id, set: { ready_at: toIso(firesAt) } });
      live.ready = true;
      changes.dueAt = Math.min(changes.dueAt, firesAt);
      changes.wakeWorkers = true;
      return false;
    }
    case 'human_in_loop': {
      const request = await buildHitlRequest({
        requestId: env.newId(),
        node,
        attempt: live.record.attempt + 1,
        scope: scope(),
        runStartedBy: state.run.createdBy,
        now,
      });
      changes.requests.push(request);
      // The node's attempt counts the requests it raised, so a retried gate raises a fresh one.
      changes.nodeUpdates.push({
        id: live.record.id,
        set: { status: NodeStatus.waitingHitl, started_at: changes.now },
      });
      live.status = NodeStatus.waitingHitl;
      live.ready = false;
      changes.event(workflowId, EventType.hitlRequested, {
        request_id: request.requestId,
        node_id: node.id,
        message: request.message,
        expires_at: request.expiresAt,
      });
      return false;
    }
    case 'decision': {
      completeOnTheSpot(changes, workflowId, node, live, await decide(node, scope()));
      return true;
    }
    case 'sub_dag': {
      const child = await startChildRun(tx, env, changes, state, node, scope());
      setNode(changes, live, {
        status: NodeStatus.running,
        started_at: changes.now,
        child_workflow_id: child.workflowId,
      });
      changes.event(workflowId, EventType.nodeStarted, {
        node_id: node.id,
        node_type: node.type,
        child_workflow_id: child.workflowId,
      });
      related.push(child);
      return false;
    }
  }
}

/**
 * An email node (seed 002's args: to, cc, bcc, subject, bodyHTML, bodyText, attachments) completes on the spot: its
 * mail is an outbox row of this very transaction, so it is sent once the run's progress is committed, and never for
 * a step that rolled back. Its input is `config.input` (or `config.args`), templates rendered.
 */
async function enqueueEmail(
  tx: Tx,
  env: EngineEnv,
  changes: Changes,
  state: RunState,
  node: NodeDefinition,
  live: LiveNode,
  scope: ExpressionScope,
): Promise<boolean> {
  if (!env.notices) throw new FlowgateError('CONFIG_INVALID', 'Mail is not configured here');
  const template = node.config.input ?? node.config.args ?? {};
  const args = await renderTemplates(template, scope);
  const workflowId = state.run.workflowId;
  const output = await env.notices.emailNode(
    tx,
    { workflowId, nodeId: node.id, attempt: live.record.attempt + 1 },
    args,
    changes.now,
  );
  completeOnTheSpot(changes, workflowId, node, live, output);
  return true;
}

/** A node whose work is done within the transition that starts it (a decision, an email): completed at once. */
function completeOnTheSpot(
  changes: Changes,
  workflowId: string,
  node: NodeDefinition,
  live: LiveNode,
  output: unknown,
): void {
  const result = toJson(output);
  const prior = live.status;
  setNode(changes, live, {
    status: NodeStatus.completed,
    result,
    started_at: changes.now,
    completed_at: changes.now,
  });
  live.output = output;
  changes.completed(workflowId, node.id, result, prior);
  changes.event(workflowId, EventType.nodeCompleted, {
    node_id: node.id,
    node_type: node.type,
    result: output,
  });
}

async function timerFiresAt(
  node: NodeDefinition,
  scope: ExpressionScope,
  now: number,
): Promise<number> {
  const { duration, delayMs, until } = node.config as {
    duration?: string;
    delayMs?: number;
    until?: string;
  };
  if (until !== undefined) {
    const at = Date.parse(String(await renderTemplates(until, scope)));
    return Number.isNaN(at) ? now : at;
  }
  if (delayMs !== undefined) return now + delayMs;
  if (duration !== undefined) return now + parseDuration(duration);
  return now;
}

/**
 * A decision node's output: `value` is its expression's value (or the upstream outputs), and `targets` the nodes of
 * the first matching `conditions` entry (or of `default`), which the edges from it follow.
 */
async function decide(node: NodeDefinition, scope: ExpressionScope): Promise<unknown> {
  const config = node.config as {
    expression?: string;
    conditions?: { condition: string; target: string | string[] }[];
    default?: string | string[];
  };
  const upstream = Object.fromEntries(
    node.dependencies.map((id) => [id, scope.nodes[id]?.output ?? null]),
  );
  const value =
    config.expression !== undefined
      ? await evaluateExpression(config.expression, scope)
      : node.dependencies.length === 1
        ? upstream[node.dependencies[0]!]
        : upstream;
  if (!config.conditions) return { value: value ?? null };
  // Conditions read the decision's value as `value`, and its fields at the top when it is an object.
  const conditionScope = { ...scopeWithSource(scope, value), value: value ?? null };
  for (const entry of config.conditions) {
    if (await evaluateCondition(entry.condition, conditionScope)) {
      return { value: value ?? null, targets: [entry.target].flat() };
    }
  }
  return {
    value: value ?? null,
    targets: config.default === undefined ? [] : [config.default].flat(),
  };
}

async function startChildRun(
  tx: Tx,
  env: EngineEnv,
  changes: Changes,
  parent: RunState,
  node: NodeDefinition,
  scope: ExpressionScope,
): Promise<RunHeader> {
  const config = node.config as {
    dag_id?: string;
    dagId?: string;
    version?: number;
    input?: unknown;
  };
  const dagId = config.dag_id ?? config.dagId ?? '';
  const latest = config.version ?? (await env.dags.latestVersion(tx, dagId));
  const dag = await env.dags.get(tx, dagId, latest);
  const input =
    config.input !== undefined
      ? await renderTemplates(config.input, scope)
      : defaultInput(node, parent.input, scope);
  const {
    runs: [child],
  } = await createRuns(tx, env, changes, [
    {
      dag,
      version: latest,
      input,
      createdBy: parent.run.createdBy,
      parent: { workflowId: parent.run.workflowId, nodeId: node.id },
    },
  ]);
  return child!;
}

/** A node's input without `config.input`: the run's input for a start node, else its dependencies' outputs. */
export function defaultInput(
  node: NodeDefinition,
  runInput: unknown,
  scope: ExpressionScope,
): unknown {
  if (node.dependencies.length === 0) return runInput;
  return Object.fromEntries(node.dependencies.map((id) => [id, scope.nodes[id]?.output ?? null]));
}

export interface NewRun {
  readonly dag: DagDefinition;
  readonly version: number;
  readonly input: unknown;
  readonly createdBy: string | null;
  readonly workflowId?: string;
  readonly parent?: { readonly workflowId: string; readonly nodeId: string };
  /** What started the run when no person did (a schedule, an inbound trigger), recorded in its start event. */
  readonly trigger?: Readonly<Record<string, unknown>>;
}

/** Inserts runs with all their nodes pending; the caller settles them (which readies the start nodes). */
export async function createRuns(
  tx: Tx,
  env: EngineEnv,
  changes: Changes,
  runs: readonly NewRun[],
): Promise<{ runs: RunHeader[]; nodes: NodeState[] }> {
  const now = env.clock.now();
  const records: RunHeader[] = [];
  const rows = runs.map((run) => {
    const workflowId = run.workflowId ?? env.newId();
    const deadlineAt =
      run.dag.settings.timeoutMs !== undefined ? toIso(now + run.dag.settings.timeoutMs) : null;
    const record: RunHeader = {
      workflowId,
      dagId: run.dag.dagId,
      dagVersion: run.version,
      status: RunStatus.running,
      pauseReason: null,
      input: toJson(run.input ?? null),
      createdBy: run.createdBy,
      parentWorkflowId: run.parent?.workflowId ?? null,
      parentNodeId: run.parent?.nodeId ?? null,
      context: null,
    };
    records.push(record);
    changes.event(workflowId, EventType.workflowStarted, {
      dag_id: run.dag.dagId,
      version: run.version,
      started_by: run.createdBy,
      ...(run.parent ? { parent_workflow_id: run.parent.workflowId } : {}),
      ...(run.trigger ? { trigger: run.trigger } : {}),
    });
    return {
      workflowId,
      dagId: run.dag.dagId,
      dagVersion: run.version,
      name: run.dag.name ?? null,
      description: run.dag.description ?? null,
      status: RunStatus.running,
      input: record.input,
      graphJson: null,
      createdBy: run.createdBy,
      now: changes.now,
      deadlineAt,
      parentWorkflowId: record.parentWorkflowId,
      parentNodeId: record.parentNodeId,
    };
  });
  await insertWorkflows(tx, rows);
  const nodes = await insertNodes(
    tx,
    runs.flatMap((run, i) =>
      run.dag.nodes.map((node) => ({
        workflowId: rows[i]!.workflowId,
        nodeId: node.id,
        nodeType: node.type,
        agentId: node.agentId ?? null,
        toolName: node.toolName ?? null,
        config: Object.keys(node.config).length > 0 ? JSON.stringify(node.config) : null,
      })),
    ),
  );
  return { runs: records, nodes };
}

/**
 * Ends a run as failed: what is still open is cancelled (a worker still running a node is fenced out by the status),
 * and its pending requests are cancelled with it.
 */
export async function failRun(
  tx: Tx,
  env: EngineEnv,
  changes: Changes,
  state: { run: RunHeader; nodes: Map<string, LiveNode> } | { run: RunHeader },
  message: string,
  status: typeof RunStatus.failed | typeof RunStatus.cancelled = RunStatus.failed,
  /** Who ended it, when a person did. */
  by?: Actor,
): Promise<void> {
  const { run } = state;
  const nodes =
    'nodes' in state
      ? [...state.nodes.values()]
      : (await loadNodeStates(tx, [run.workflowId])).map(liveNode);
  for (const live of nodes) {
    if (isTerminalNode(live.status)) continue;
    setNode(changes, live, {
      status: NodeStatus.cancelled,
      completed_at: changes.now,
      lease_owner: null,
    });
    changes.event(run.workflowId, EventType.nodeCancelled, { node_id: live.record.nodeId });
  }
  // A request this very transaction raised for the run must be written before it can be cancelled with the rest.
  if (changes.requests.some((request) => request.workflowId === run.workflowId))
    await changes.flush(tx);
  for (const request of await listPendingHitlRequests(tx, run.workflowId)) {
    await closeHitlRequest(tx, request.requestId, {
      status: HitlStatus.cancelled,
      respondedAt: changes.now,
      respondedBy: null,
      response: null,
      decision: null,
    });
    changes.event(run.workflowId, EventType.hitlCancelled, {
      request_id: request.requestId,
      node_id: request.nodeId,
      reason: status === RunStatus.cancelled ? 'run cancelled' : 'run failed',
    });
  }
  // A run that ends while a rollback holds it ends the rollback too: its remaining compensations never run.
  if (run.pauseReason === PauseReason.rollback) {
    for (const rollbackId of await closeRunningRollbacks(
      tx,
      run.workflowId,
      status === RunStatus.cancelled ? 'cancelled' : 'failed',
      changes.now,
      message,
    )) {
      changes.event(
        run.workflowId,
        status === RunStatus.cancelled ? EventType.rollbackCancelled : EventType.rollbackFailed,
        { rollback_id: rollbackId, error: message },
      );
    }
  }
  changes.updateRun(run.workflowId, {
    status,
    ...(status === RunStatus.failed ? { error: message } : {}),
    completed_at: changes.now,
    pause_reason: null,
  });
  changes.event(
    run.workflowId,
    status === RunStatus.failed ? EventType.workflowFailed : EventType.workflowCancelled,
    { error: message, ...(by ? { by: describeActor(by) } : {}) },
  );
  changes.finished.push({ workflowId: run.workflowId, status });

  for (const child of await listChildWorkflows(tx, run.workflowId)) {
    if (child.status === RunStatus.running || child.status === RunStatus.paused) {
      await failRun(tx, env, changes, { run: child }, `parent run ${status}`, RunStatus.cancelled);
    }
  }
}

/** A sub-DAG run ended: its parent's node completes or fails with it, and the parent is settled. */
async function finishParentNode(
  tx: Tx,
  env: EngineEnv,
  changes: Changes,
  child: RunHeader,
  outcome: { output: unknown } | { error: string },
): Promise<RunHeader[]> {
  if (!child.parentWorkflowId || !child.parentNodeId) return [];
  const [parent] = await lockWorkflows(
    tx,
    [child.parentWorkflowId],
    env.store.capabilities.rowLocks,
  );
  if (!parent) return [];
  const nodes = await loadNodeStates(tx, [parent.workflowId]);
  const node = nodes.find((n) => n.nodeId === child.parentNodeId);
  if (!node || node.status !== NodeStatus.running || node.childWorkflowId !== child.workflowId)
    return [];
  if ('output' in outcome) {
    const result = toJson(outcome.output);
    changes.nodeUpdates.push({
      id: node.id,
      set: { status: NodeStatus.completed, result, completed_at: changes.now },
    });
    changes.completed(parent.workflowId, node.nodeId, result, NodeStatus.running);
    changes.event(parent.workflowId, EventType.nodeCompleted, {
      node_id: node.nodeId,
      node_type: 'sub_dag',
      result: outcome.output,
    });
  } else {
    changes.nodeUpdates.push({
      id: node.id,
      set: { status: NodeStatus.failed, error: outcome.error, completed_at: changes.now },
    });
    changes.event(parent.workflowId, EventType.nodeFailed, {
      node_id: node.nodeId,
      node_type: 'sub_dag',
      error: { message: outcome.error },
    });
  }
  // The parent is settled after these writes land: its nodes are re-read then.
  await changes.flushNodes(tx);
  return [parent];
}
