/**
 * A worker: one loop that owns every write this process makes for node execution. Each turn of the loop is one
 * transaction that commits the results of the attempts that finished since the last turn (group commit: under load,
 * many per fsync; when idle, one), settles their runs, and leases the next ready nodes in the same commit. Leases are
 * renewed while nodes run and expire when a worker dies, so another worker takes the node again.
 */
import { hostname } from 'node:os';

import {
  renderTemplates,
  hasTemplates,
  type DagDefinition,
  type ExpressionScope,
  type NodeDefinition,
} from '../definition/index.js';
import { isPromptAgent } from '../definition/ai-spec.js';
import type { Store, Tx } from '../store/port.js';
import { findExpiredHitlRequests, nextHitlExpiry } from '../store/repositories/hitl-requests.js';
import { nextHitlTimerDue } from '../store/repositories/hitl-timers.js';
import {
  claimReadyNodes,
  loadNodeStates,
  nextReadyAt,
  renewLeases,
  requeueExpiredLeases,
  updateNodes,
  type ClaimedNode,
} from '../store/repositories/workflow-nodes.js';
import { findOverdueWorkflows, lockWorkflows } from '../store/repositories/workflows.js';
import { toIso } from '../shared/clock.js';
import { FlowgateError, serializeError } from '../shared/errors.js';
import { fromJson } from '../shared/json.js';
import { Changes, type SettledRun } from './changes.js';
import { completeAttempts, type AttemptOutcome, type FinishedAttempt } from './complete-nodes.js';
import { planOf } from './dag-plan.js';
import { expireRequest } from './decisions.js';
import { fireHitlTimers } from './hitl-timers.js';
import { ApprovalsNeeded } from './prompt-agents.js';
import type { Registry, RegisteredStep, StepContext } from './registry.js';
import { buildScope } from './scope.js';
import { defaultInput, failRun, type EngineEnv } from './transitions.js';
import { EventType, NodeStatus, RunStatus } from './statuses.js';
import { runStep } from './run-step.js';

export interface WorkerOptions {
  /** Nodes this worker runs at once. */
  readonly concurrency?: number;
  /**
   * How long a lease lasts without renewal. A worker renews every third of it, so a dead worker's nodes are taken
   * again within this time (graphile-worker keeps a crashed job locked for hours).
   */
  readonly leaseMs?: number;
  /** The longest the worker sleeps without looking for work another process may have made. */
  readonly pollMs?: number;
  /** How long `stop()` waits for running nodes before releasing their leases. */
  readonly shutdownGraceMs?: number;
  readonly workerId?: string;
}

export interface WorkerHooks {
  /** Runs whose status changed (started, paused, resumed, ended), reported after their commit. */
  onRunsChanged(workflowIds: readonly string[]): void;
  onError(error: unknown): void;
}

export interface Claimed {
  readonly record: ClaimedNode;
  readonly node: NodeDefinition;
  readonly dag: DagDefinition;
  readonly input: unknown;
  readonly outputs: Record<string, unknown>;
  readonly runInput: unknown;
  /** What an AI node's prompt templates see (only AI nodes carry it). */
  readonly scope?: ExpressionScope;
  /** The node's input template could not be rendered: the attempt fails at once. */
  readonly inputError?: FlowgateError;
}

interface InFlight {
  readonly workflowId: string;
  readonly controller: AbortController;
}

export class Worker {
  readonly id: string;
  readonly #env: EngineEnv;
  readonly #registry: Registry;
  readonly #hooks: WorkerHooks;
  readonly #concurrency: number;
  readonly #leaseMs: number;
  readonly #pollMs: number;
  readonly #graceMs: number;
  readonly #inflight = new Map<number, InFlight>();
  #finished: FinishedAttempt[] = [];
  /** Whether ready work may be waiting: set by wake-ups, cleared when a claim comes back short. */
  #wanted = true;
  /** Counts wake-ups, so one that arrives during a turn is not lost when the turn clears `#wanted`. */
  #wakeups = 0;
  #stopping = false;
  #abandoned = false;
  /** Leased by `leaseReadied` in transactions not yet committed (or given back): they count against capacity. */
  #reserved = 0;
  #nextMaintenance = 0;
  /** When a pending node (a timer, a retry's backoff) or a request's timeout next falls due. */
  #nextDue = Number.POSITIVE_INFINITY;
  #wake: (() => void) | undefined;
  #loop: Promise<void> | undefined;
  #unsubscribe: (() => void) | undefined;

  constructor(env: EngineEnv, registry: Registry, hooks: WorkerHooks, options: WorkerOptions = {}) {
    this.#env = env;
    this.#registry = registry;
    this.#hooks = hooks;
    this.#concurrency = options.concurrency ?? 50;
    this.#leaseMs = options.leaseMs ?? 20_000;
    this.#pollMs = options.pollMs ?? 1_000;
    this.#graceMs = options.shutdownGraceMs ?? 10_000;
    this.id = options.workerId ?? `${hostname()}:${process.pid}:${env.newId().slice(0, 8)}`;
  }

  get store(): Store {
    return this.#env.store;
  }

  start(): void {
    if (this.#loop) return;
    this.#unsubscribe = this.#env.store.onWakeup(() => this.notify());
    this.#loop = this.#run();
  }

  /**
   * Inside another component's transaction (a decision, new runs): leases the worker nodes that transaction made
   * ready to this worker, so that the next step starts the moment it commits, with no wake-up and no claim.
   * Pass the result to `adopt` after the commit; if the transaction rolls back, drop it.
   */
  async leaseReadied(tx: Tx, changes: Changes): Promise<readonly Claimed[]> {
    if (this.#stopping || !this.#loop) return [];
    const capacity = this.#concurrency - this.#inflight.size - this.#reserved;
    if (capacity <= 0 || changes.readied.length === 0) return [];
    const claimed = await this.#prepare(
      tx,
      changes,
      this.#takeReadied(changes, capacity, this.#env.clock.now()),
    );
    this.#reserved += claimed.length;
    return claimed;
  }

  /** Gives back what `leaseReadied` leased in a transaction (or savepoint) that rolled back: the leases went with it. */
  release(claimed: readonly Claimed[]): void {
    this.#reserved -= claimed.length;
  }

  /** Runs what `leaseReadied` leased, once its transaction has committed. */
  adopt(claimed: readonly Claimed[]): void {
    this.#reserved -= claimed.length;
    // Once stopped, nothing would commit the results: the leases run out and another worker takes the nodes.
    if (!this.#loop) return;
    for (const node of claimed) this.#execute(node);
  }

  /** Another component's commit scheduled a node (a timer, say) for this time. */
  expectDue(at: number): void {
    if (at >= this.#nextDue) return;
    this.#nextDue = at;
    this.#wake?.();
  }

  /** Tells the worker that work may be ready (a decision, a new run, a clock moved in a test). */
  notify(): void {
    this.#wanted = true;
    this.#wakeups++;
    this.#wake?.();
  }

  /** Finishes what runs (up to the grace period), then releases the leases of what did not finish. */
  async stop(): Promise<void> {
    if (!this.#loop) return;
    this.#stopping = true;
    this.#unsubscribe?.();
    this.#wake?.();
    const grace = setTimeout(() => {
      this.#abandoned = true;
      for (const flight of this.#inflight.values()) {
        flight.controller.abort(new FlowgateError('LEASE_LOST', 'The worker is shutting down'));
      }
      this.#wake?.();
    }, this.#graceMs);
    try {
      await this.#loop;
    } finally {
      clearTimeout(grace);
      this.#loop = undefined;
    }
  }

  async #run(): Promise<void> {
    for (;;) {
      if (
        this.#stopping &&
        (this.#abandoned || (this.#inflight.size === 0 && this.#finished.length === 0))
      ) {
        break;
      }
      const now = this.#env.clock.now();
      if (now >= this.#nextDue) {
        this.#nextDue = Number.POSITIVE_INFINITY;
        this.#wanted = true;
        this.#nextMaintenance = now;
      }
      const capacity = this.#stopping
        ? 0
        : this.#concurrency - this.#inflight.size - this.#reserved;
      const maintain = now >= this.#nextMaintenance && !this.#stopping;
      const claim = this.#wanted && capacity > 0;
      if (this.#finished.length === 0 && !claim && !maintain) {
        await this.#sleep(Math.min(this.#nextMaintenance, this.#nextDue) - now);
        continue;
      }
      const finished = this.#finished;
      this.#finished = [];
      try {
        await this.#turn(now, finished, capacity, claim, maintain);
      } catch (error) {
        // Nothing of that turn was committed: its results are kept for the next turn.
        this.#finished = finished.concat(this.#finished);
        this.#hooks.onError(error);
        await this.#sleep(Math.min(this.#pollMs, 1_000));
      }
    }
    if (this.#abandoned) await this.#releaseLeases();
  }

  /**
   * One transaction: maintenance when due, the results that finished, the successors they made ready leased to
   * this worker on the spot, and (when woken) more ready nodes claimed from the database.
   */
  async #turn(
    now: number,
    finished: FinishedAttempt[],
    capacity: number,
    claimFromDatabase: boolean,
    maintain: boolean,
  ) {
    const env = this.#env;
    const wakeupsBefore = this.#wakeups;
    const result = await env.store.transaction(async (tx) => {
      const changes = new Changes(toIso(now), env.notices);
      if (maintain) await this.#maintain(tx, changes, now);
      if (finished.length > 0) await completeAttempts(tx, env, changes, this.id, finished);
      const handedOff = capacity > 0 ? this.#takeReadied(changes, capacity, now) : [];
      // The claim below must not find (and lease twice) what was just handed off, nor miss what was not.
      await changes.flushNodes(tx);
      const room = capacity - handedOff.length;
      const fromDatabase =
        claimFromDatabase && room > 0 ? await this.#claimReady(tx, changes, room, now) : [];
      const claimed = await this.#prepare(tx, changes, handedOff.concat(fromDatabase));
      await changes.flush(tx);
      // Timers and retries of other processes are found by the periodic look; this process's own are known.
      const dueAt = maintain ? await this.#findNextDue(tx, now) : undefined;
      if (changes.wakeWorkers && env.store.capabilities.listenNotify) await env.store.notify(tx);
      return {
        claimed,
        finished: changes.finished,
        changed: [...changes.changedRuns],
        wake: changes.wakeWorkers,
        drained: claimFromDatabase && fromDatabase.length < room,
        dueAt: Math.min(dueAt ?? Number.POSITIVE_INFINITY, changes.dueAt),
      };
    });
    if (maintain) this.#nextMaintenance = now + Math.min(this.#leaseMs / 3, this.#pollMs);
    this.#nextDue = Math.min(this.#nextDue, result.dueAt);
    if (result.wake) this.#wanted = true;
    else if (result.drained && this.#wakeups === wakeupsBefore) this.#wanted = false;
    for (const run of result.finished) {
      for (const flight of this.#inflight.values()) {
        if (flight.workflowId === run.workflowId) {
          flight.controller.abort(new FlowgateError('RUN_NOT_ACTIVE', `The run is ${run.status}`));
        }
      }
    }
    if (result.changed.length > 0) this.#hooks.onRunsChanged(result.changed);
    for (const claimed of result.claimed) this.#execute(claimed);
  }

  /** Lease renewal, expired leases, request timeouts and run deadlines: every few seconds, in a normal turn. */
  async #maintain(tx: Tx, changes: Changes, now: number): Promise<void> {
    const env = this.#env;
    await renewLeases(tx, this.id, [...this.#inflight.keys()], toIso(now + this.#leaseMs));
    const requeued = await requeueExpiredLeases(tx, changes.now, 100);
    for (const node of requeued) {
      changes.event(node.workflowId, EventType.nodeLeaseExpired, {
        node_id: node.nodeId,
        attempt: node.attempt,
        lease_owner: node.leaseOwner,
      });
    }
    if (requeued.length > 0) changes.wakeWorkers = true;
    for (const requestId of await findExpiredHitlRequests(tx, changes.now, 100)) {
      await expireRequest(tx, env, changes, requestId);
    }
    // After the timeouts: a request that just closed reminds and escalates no more.
    await fireHitlTimers(tx, env, changes, 100);
    const overdue = await findOverdueWorkflows(tx, changes.now, 100);
    for (const run of await lockWorkflows(tx, overdue, env.store.capabilities.rowLocks)) {
      if (run.status !== RunStatus.running && run.status !== RunStatus.paused) continue;
      await failRun(tx, env, changes, { run }, 'the run exceeded its timeout');
    }
  }

  async #findNextDue(tx: Tx, now: number): Promise<number | undefined> {
    const [ready, expiry, timer] = [
      await nextReadyAt(tx, toIso(now)),
      await nextHitlExpiry(tx),
      await nextHitlTimerDue(tx),
    ];
    const times = [ready, expiry, timer]
      .filter((t): t is string => t !== undefined)
      .map((t) => Date.parse(t));
    return times.length > 0 ? Math.min(...times) : undefined;
  }

  /**
   * Leases nodes this very transaction made ready (the successors of the results it commits) to this worker: their
   * pending update becomes the lease, which saves a write and the claim's scan, and a run's next step starts on the
   * worker that finished the one before.
   */
  #takeReadied(changes: Changes, capacity: number, now: number): ClaimedNode[] {
    const taken: ClaimedNode[] = [];
    const leaseExpiresAt = toIso(now + this.#leaseMs);
    const left: typeof changes.readied = [];
    for (const node of changes.readied) {
      const runnable =
        node.name !== undefined &&
        (node.type === 'agent'
          ? this.#registry.hasAgent(node.name)
          : this.#registry.hasTool(node.name));
      if (!runnable || taken.length >= capacity) {
        left.push(node);
        continue;
      }
      changes.nodeUpdates[node.updateIndex] = {
        id: node.id,
        set: {
          status: NodeStatus.running,
          ready_at: null,
          attempt: node.attempt + 1,
          lease_owner: this.id,
          lease_expires_at: leaseExpiresAt,
          started_at: changes.now,
        },
      };
      taken.push({
        id: node.id,
        workflowId: node.workflowId,
        nodeId: node.nodeId,
        attempt: node.attempt + 1,
        failures: node.failures,
      });
    }
    changes.readied.splice(0, changes.readied.length, ...left);
    return taken;
  }

  #claimReady(tx: Tx, changes: Changes, capacity: number, now: number): Promise<ClaimedNode[]> {
    return claimReadyNodes(tx, {
      owner: this.id,
      now: changes.now,
      leaseExpiresAt: toIso(now + this.#leaseMs),
      limit: capacity,
      skipLocked: this.#env.store.capabilities.skipLocked,
      runnable: { agents: this.#registry.agentNames(), tools: this.#registry.toolNames() },
    });
  }

  /** The input and context of each leased node, and its `node_started` event. */
  async #prepare(tx: Tx, changes: Changes, records: readonly ClaimedNode[]): Promise<Claimed[]> {
    const env = this.#env;
    if (records.length === 0) return [];
    const runs = await this.#runStates(tx, changes, records);
    const claimed: Claimed[] = [];
    for (const record of records) {
      const run = runs.get(record.workflowId)!;
      const dag = await env.dags.get(tx, run.dagId, run.dagVersion);
      const node = planOf(dag).byId.get(record.nodeId)!;
      const outputs: Record<string, unknown> = {};
      for (const [id, state] of run.nodes) {
        if (state.status === NodeStatus.completed) outputs[id] = state.output;
      }
      const configured = node.config.input;
      let input: unknown;
      let inputError: FlowgateError | undefined;
      const makeScope = () =>
        buildScope(
          { workflowId: record.workflowId, dagId: run.dagId, version: run.dagVersion },
          run.input,
          [...run.nodes].map(([nodeId, state]) => ({ nodeId, ...state })),
          run.context,
        );
      const promptScope = isPromptAgent(node) ? makeScope() : undefined;
      if (configured !== undefined && !hasTemplates(configured)) {
        input = configured;
      } else {
        const scope = promptScope ?? makeScope();
        try {
          input =
            configured === undefined
              ? defaultInput(node, run.input, scope)
              : await renderTemplates(configured, scope);
        } catch (error) {
          // The attempt fails (without retries: the same input would fail again), not the whole turn.
          if (!(error instanceof FlowgateError)) throw error;
          inputError = error;
        }
      }
      changes.event(record.workflowId, EventType.nodeStarted, {
        node_id: node.id,
        node_type: node.type,
        attempt: record.attempt,
        worker: this.id,
        ...(node.agentId ? { agent_id: node.agentId } : {}),
        ...(node.toolName ? { tool_name: node.toolName } : {}),
      });
      claimed.push({
        record,
        node,
        dag,
        input,
        outputs,
        runInput: run.input,
        ...(promptScope ? { scope: promptScope } : {}),
        ...(inputError ? { inputError } : {}),
      });
    }
    return claimed;
  }

  /** The runs of claimed nodes: as settled earlier in this transaction, else read. */
  async #runStates(
    tx: Tx,
    changes: Changes,
    records: readonly ClaimedNode[],
  ): Promise<Map<string, SettledRun>> {
    const states = new Map<string, SettledRun>();
    const missing = new Set<string>();
    for (const record of records) {
      const settled = changes.settledRuns.get(record.workflowId);
      if (settled) states.set(record.workflowId, settled);
      else missing.add(record.workflowId);
    }
    if (missing.size === 0) return states;
    const ids = [...missing];
    const nodes = new Map<string, Map<string, { status: string; output: unknown }>>();
    for (const node of await loadNodeStates(tx, ids)) {
      let byId = nodes.get(node.workflowId);
      if (!byId)
        nodes.set(node.workflowId, (byId = new Map<string, { status: string; output: unknown }>()));
      const output =
        node.status === NodeStatus.completed ? (fromJson(node.result) ?? null) : undefined;
      byId.set(node.nodeId, { status: node.status, output });
    }
    for (const run of await lockWorkflows(tx, ids, false)) {
      states.set(run.workflowId, {
        dagId: run.dagId,
        dagVersion: run.dagVersion,
        input: fromJson(run.input) ?? null,
        context: fromJson(run.context) ?? null,
        nodes: nodes.get(run.workflowId) ?? new Map<string, { status: string; output: unknown }>(),
      });
    }
    return states;
  }

  #execute(claimed: Claimed): void {
    const controller = new AbortController();
    const { record, node } = claimed;
    this.#inflight.set(record.id, { workflowId: record.workflowId, controller });
    const startedAt = this.#env.clock.now();
    void this.#attempt(claimed, controller).then((outcome) => {
      this.#inflight.delete(record.id);
      if (this.#abandoned) return;
      this.#finished.push({
        record,
        node,
        dag: claimed.dag,
        input: claimed.input,
        startedAt,
        finishedAt: this.#env.clock.now(),
        outcome,
      });
      this.#wake?.();
    });
  }

  async #attempt(claimed: Claimed, controller: AbortController): Promise<AttemptOutcome> {
    const { record, node } = claimed;
    let timer: NodeJS.Timeout | undefined;
    try {
      if (claimed.inputError) {
        return { ok: false, error: serializeError(claimed.inputError), retriable: false };
      }
      if (node.type === 'timer') {
        return { ok: true, output: { firedAt: toIso(this.#env.clock.now()) } };
      }
      const promptAgents = this.#env.promptAgents;
      const step =
        isPromptAgent(node) && promptAgents && claimed.scope ? undefined : this.#stepFor(node);
      const ctx: StepContext = {
        workflowId: record.workflowId,
        nodeId: record.nodeId,
        dagId: claimed.dag.dagId,
        attempt: record.attempt,
        idempotencyKey: `${record.workflowId}:${record.nodeId}`,
        signal: controller.signal,
        outputs: claimed.outputs,
        runInput: claimed.runInput,
      };
      if (node.timeoutMs !== undefined) {
        const ms = node.timeoutMs;
        timer = setTimeout(
          () =>
            controller.abort(
              new FlowgateError('NODE_TIMEOUT', `Node ${node.id} timed out after ${ms} ms`),
            ),
          ms,
        );
      }
      if (!step) {
        const output = await promptAgents!.run({
          node,
          input: claimed.input,
          scope: claimed.scope!,
          ctx,
        });
        return { ok: true, output: output === undefined ? null : output };
      }
      return { ok: true, output: await runStep(step, claimed.input, ctx) };
    } catch (thrown) {
      if (thrown instanceof ApprovalsNeeded) return { ok: false, waitingFor: thrown.asks };
      const error = serializeError(thrown);
      const retryAfterMs = (thrown as { retryAfterMs?: unknown }).retryAfterMs;
      return {
        ok: false,
        error,
        retriable: error.retriable !== false,
        ...(typeof retryAfterMs === 'number' ? { retryAfterMs } : {}),
      };
    } finally {
      clearTimeout(timer);
    }
  }

  #stepFor(node: NodeDefinition): RegisteredStep {
    const step =
      node.type === 'agent'
        ? node.agentId !== undefined
          ? this.#registry.agent(node.agentId)
          : undefined
        : node.toolName !== undefined
          ? this.#registry.tool(node.toolName)
          : undefined;
    if (step) return step;
    const name = node.type === 'agent' ? (node.agentId ?? '(none)') : (node.toolName ?? '(none)');
    const hint =
      node.type === 'agent' && node.agentId === undefined
        ? ': AI nodes defined by a prompt run only where createFlowgate wired the model gateway'
        : '';
    throw Object.assign(
      new FlowgateError('NODE_FAILED', `No ${node.type} named ${name} is registered${hint}`),
      {
        retriable: false,
      },
    );
  }

  /** Hands back the nodes still running when the grace period ended, for another worker to take at once. */
  async #releaseLeases(): Promise<void> {
    const ids = [...this.#inflight.keys()];
    if (ids.length === 0) return;
    const now = toIso(this.#env.clock.now());
    await this.#env.store.transaction((tx) =>
      updateNodes(
        tx,
        ids.map((id) => ({
          id,
          set: {
            status: NodeStatus.pending,
            ready_at: now,
            lease_owner: null,
            lease_expires_at: null,
          },
          expect: { statuses: [NodeStatus.running], leaseOwner: this.id },
        })),
      ),
    );
    this.#inflight.clear();
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, Math.max(1, Math.min(ms, this.#pollMs)));
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = () => {
        this.#wake = undefined;
        done();
      };
    });
  }
}
