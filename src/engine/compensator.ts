/**
 * Runs the compensations of rollbacks, one at a time per rollback, in the order the rollback planned them. Like a
 * worker, it leases what it runs (a compensation of a process that died is taken again when the lease expires, with
 * the same idempotency key, rollback id + node id), and commits each result fenced by its lease, with what follows
 * in the same transaction: the rollback's end (the run resumes) or its failure (the run fails). A compensation
 * recorded as completed is therefore never run again.
 *
 * Rollbacks are rare, so it costs nearly nothing while there are none: a look for a running rollback every poll,
 * and a transaction only when there is one.
 */
import type { Store, Tx } from '../store/port.js';
import {
  findNextCompensations,
  finishCompensation,
  getRollback,
  hasRunningRollbacks,
  leaseCompensation,
  listCompensations,
  renewCompensationLeases,
  requeueExpiredCompensations,
  RollbackStatus,
  CompensationStatus,
  type CompensationRecord,
} from '../store/repositories/rollbacks.js';
import { loadNodeStates } from '../store/repositories/workflow-nodes.js';
import { lockWorkflows } from '../store/repositories/workflows.js';
import { toIso } from '../shared/clock.js';
import { FlowgateError, serializeError, type SerializedError } from '../shared/errors.js';
import { fromJson, toJson } from '../shared/json.js';
import { Changes } from './changes.js';
import type { Registry, StepContext } from './registry.js';
import { failRollback, finishRollback } from './rollback.js';
import { EventType, NodeStatus } from './statuses.js';
import type { EngineEnv } from './transitions.js';
import type { WorkerHooks } from './worker.js';
import { runStep } from './run-step.js';

export interface CompensatorOptions {
  readonly workerId: string;
  readonly leaseMs: number;
  readonly pollMs: number;
  /** Compensations run at once (of different rollbacks). */
  readonly concurrency?: number;
  /** How long `stop()` waits for running compensations; what has not finished by then is left to its lease. */
  readonly shutdownGraceMs?: number;
}

interface Leased {
  readonly record: CompensationRecord;
  readonly attempt: number;
  readonly dagId: string;
  readonly runInput: unknown;
  readonly outputs: Record<string, unknown>;
}

type Outcome = { ok: true; output: unknown } | { ok: false; error: SerializedError };

interface Finished {
  readonly leased: Leased;
  readonly outcome: Outcome;
}

const keyOf = (c: { rollbackId: string; nodeId: string }) => `${c.rollbackId}\u0000${c.nodeId}`;

export class Compensator {
  readonly #env: EngineEnv;
  readonly #registry: Registry;
  readonly #hooks: WorkerHooks & { onWorkReady(): void };
  readonly #options: Required<CompensatorOptions>;
  readonly #inflight = new Map<string, { leased: Leased; controller: AbortController }>();
  #finished: Finished[] = [];
  #wanted = true;
  #stopping = false;
  #abandoned = false;
  #nextLook = 0;
  #wake: (() => void) | undefined;
  #loop: Promise<void> | undefined;

  constructor(
    env: EngineEnv,
    registry: Registry,
    hooks: WorkerHooks & { onWorkReady(): void },
    options: CompensatorOptions,
  ) {
    this.#env = env;
    this.#registry = registry;
    this.#hooks = hooks;
    this.#options = { concurrency: 10, shutdownGraceMs: 10_000, ...options };
  }

  get store(): Store {
    return this.#env.store;
  }

  start(): void {
    this.#loop ??= this.#run();
  }

  /** A rollback started (or a compensation may be due): look now. */
  notify(): void {
    this.#wanted = true;
    this.#wake?.();
  }

  async stop(): Promise<void> {
    if (!this.#loop) return;
    this.#stopping = true;
    this.#wake?.();
    const grace = setTimeout(() => {
      this.#abandoned = true;
      for (const flight of this.#inflight.values()) {
        flight.controller.abort(new FlowgateError('LEASE_LOST', 'The worker is shutting down'));
      }
      this.#wake?.();
    }, this.#options.shutdownGraceMs);
    try {
      await this.#loop;
    } finally {
      clearTimeout(grace);
      this.#loop = undefined;
    }
  }

  async #run(): Promise<void> {
    for (;;) {
      if (this.#stopping && (this.#abandoned || this.#inflight.size === 0)) {
        if (this.#finished.length === 0 || this.#abandoned) break;
      }
      const now = this.#env.clock.now();
      const look = now >= this.#nextLook;
      if (this.#finished.length === 0 && !this.#wanted && !look) {
        await this.#sleep(this.#nextLook - now);
        continue;
      }
      this.#wanted = false;
      const finished = this.#finished;
      this.#finished = [];
      try {
        await this.#turn(now, finished);
      } catch (error) {
        this.#finished = finished.concat(this.#finished);
        this.#hooks.onError(error);
        await this.#sleep(this.#options.pollMs);
      }
      this.#nextLook = now + Math.min(this.#options.leaseMs / 3, this.#options.pollMs);
    }
  }

  async #turn(now: number, finished: readonly Finished[]): Promise<void> {
    const env = this.#env;
    if (
      finished.length === 0 &&
      this.#inflight.size === 0 &&
      !(await env.store.read((db) => hasRunningRollbacks(db)))
    ) {
      return;
    }
    const capacity = this.#stopping
      ? 0
      : this.#options.concurrency - this.#inflight.size - finished.length;
    const result = await env.store.transaction(async (tx) => {
      const changes = new Changes(toIso(now), env.notices);
      const leaseExpiresAt = toIso(now + this.#options.leaseMs);
      await renewCompensationLeases(
        tx,
        this.#options.workerId,
        [...this.#inflight.values()].map((f) => f.leased.record),
        leaseExpiresAt,
      );
      await requeueExpiredCompensations(tx, changes.now);
      for (const done of finished) await this.#commit(tx, changes, done);
      const leased = capacity > 0 ? await this.#lease(tx, changes, capacity, leaseExpiresAt) : [];
      await changes.flush(tx);
      if (changes.wakeWorkers) await env.store.notify(tx);
      return { leased, changed: [...changes.changedRuns], wake: changes.wakeWorkers };
    });
    if (result.wake) this.#hooks.onWorkReady();
    if (result.changed.length > 0) this.#hooks.onRunsChanged(result.changed);
    for (const leased of result.leased) this.#execute(leased);
    // A completion makes the next compensation of its rollback due at once.
    if (finished.length > 0) this.#wanted = true;
  }

  /** Records one finished compensation, and what follows from it, if its lease still holds. */
  async #commit(tx: Tx, changes: Changes, done: Finished): Promise<void> {
    const env = this.#env;
    const { record, attempt } = done.leased;
    const [run] = await lockWorkflows(tx, [record.workflowId], env.store.capabilities.rowLocks);
    const won = await finishCompensation(
      tx,
      {
        rollbackId: record.rollbackId,
        nodeId: record.nodeId,
        attempt,
        owner: this.#options.workerId,
      },
      done.outcome.ok
        ? {
            status: CompensationStatus.completed,
            result: toJson(done.outcome.output ?? null),
            error: null,
            completedAt: changes.now,
          }
        : {
            status: CompensationStatus.failed,
            result: null,
            error: done.outcome.error.message,
            completedAt: changes.now,
          },
    );
    if (!won || !run) return;
    const base = { rollback_id: record.rollbackId, node_id: record.nodeId, attempt };
    const rollback = await getRollback(tx, record.rollbackId);
    if (done.outcome.ok) {
      changes.event(record.workflowId, EventType.compensationCompleted, {
        ...base,
        result: done.outcome.output ?? null,
      });
      if (rollback?.status !== RollbackStatus.running) return;
      const open = (await listCompensations(tx, record.rollbackId)).some(
        (c) => c.status === CompensationStatus.pending || c.status === CompensationStatus.running,
      );
      if (!open) await finishRollback(tx, env, changes, rollback, run);
      return;
    }
    changes.event(record.workflowId, EventType.compensationFailed, {
      ...base,
      error: done.outcome.error,
    });
    if (rollback?.status !== RollbackStatus.running) return;
    await failRollback(
      tx,
      env,
      changes,
      rollback,
      run,
      `Compensation of node ${record.nodeId} failed: ${done.outcome.error.message}`,
    );
  }

  /** Leases the next compensation of running rollbacks that this process can run. */
  async #lease(
    tx: Tx,
    changes: Changes,
    capacity: number,
    leaseExpiresAt: string,
  ): Promise<Leased[]> {
    const leased: Leased[] = [];
    for (const record of await findNextCompensations(tx, capacity * 2)) {
      if (leased.length >= capacity || this.#inflight.has(keyOf(record))) continue;
      const runnable =
        record.name !== null &&
        (record.kind === 'agent'
          ? this.#registry.hasAgent(record.name)
          : this.#registry.hasTool(record.name));
      if (!runnable) continue;
      const attempt = await leaseCompensation(tx, record, {
        owner: this.#options.workerId,
        expiresAt: leaseExpiresAt,
        now: changes.now,
      });
      if (attempt === undefined) continue;
      const [run] = await lockWorkflows(tx, [record.workflowId], false);
      const outputs: Record<string, unknown> = {};
      for (const node of await loadNodeStates(tx, [record.workflowId])) {
        if (node.status === NodeStatus.completed) outputs[node.nodeId] = fromJson(node.result);
      }
      changes.event(record.workflowId, EventType.compensationStarted, {
        rollback_id: record.rollbackId,
        node_id: record.nodeId,
        attempt,
        [record.kind === 'agent' ? 'agent_id' : 'tool_name']: record.name,
        worker: this.#options.workerId,
      });
      leased.push({
        record,
        attempt,
        dagId: run?.dagId ?? '',
        runInput: fromJson(run?.input ?? null) ?? null,
        outputs,
      });
    }
    return leased;
  }

  #execute(leased: Leased): void {
    const controller = new AbortController();
    const key = keyOf(leased.record);
    this.#inflight.set(key, { leased, controller });
    void this.#attempt(leased, controller).then((outcome) => {
      this.#inflight.delete(key);
      // Abandoned at shutdown: nothing is recorded, and the lease lets another process run it again.
      if (this.#abandoned) return;
      this.#finished.push({ leased, outcome });
      this.#wake?.();
    });
  }

  async #attempt(leased: Leased, controller: AbortController): Promise<Outcome> {
    const { record } = leased;
    try {
      const step =
        record.kind === 'agent'
          ? this.#registry.agent(record.name ?? '')
          : this.#registry.tool(record.name ?? '');
      if (!step) {
        throw new FlowgateError(
          'NODE_FAILED',
          `No ${record.kind} named ${record.name} is registered`,
        );
      }
      const ctx: StepContext = {
        workflowId: record.workflowId,
        nodeId: record.nodeId,
        dagId: leased.dagId,
        attempt: leased.attempt,
        idempotencyKey: `${record.rollbackId}:${record.nodeId}`,
        signal: controller.signal,
        outputs: leased.outputs,
        runInput: leased.runInput,
      };
      return { ok: true, output: await runStep(step, fromJson(record.input) ?? null, ctx) };
    } catch (thrown) {
      return { ok: false, error: serializeError(thrown) };
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, Math.max(1, Math.min(ms, this.#options.pollMs)));
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
