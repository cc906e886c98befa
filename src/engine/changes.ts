import type { Tx } from '../store/port.js';
import {
  insertAgentExecutions,
  type NewAgentExecution,
} from '../store/repositories/agent-executions.js';
import { insertEvents, type NewEvent } from '../store/repositories/events.js';
import { insertHitlRequests, type NewHitlRequest } from '../store/repositories/hitl-requests.js';
import { insertSnapshots, type NewSnapshot } from '../store/repositories/snapshots.js';
import { updateNodes, type NodeUpdate } from '../store/repositories/workflow-nodes.js';
import { updateWorkflows, type WorkflowChanges } from '../store/repositories/workflows.js';
import { toJson } from '../shared/json.js';
import type { Notices } from './notices.js';
import type { EventType } from './statuses.js';

/** A run that reached an end state in this transaction: reported to in-process waiters after the commit. */
export interface FinishedRun {
  readonly workflowId: string;
  readonly status: string;
}

/** A run as settling left it in this transaction: what a claim in the same transaction needs, without a read. */
export interface SettledRun {
  readonly dagId: string;
  readonly dagVersion: number;
  readonly input: unknown;
  readonly context: unknown;
  readonly nodes: ReadonlyMap<string, { readonly status: string; readonly output: unknown }>;
}

/** A node that completed in this transaction: its run's settling turns it into a snapshot. */
export interface Completion {
  readonly nodeId: string;
  /** The result as written to the node (JSON text). */
  readonly result: string | null;
  /** The node's status before it completed, which the snapshots of earlier completions of the batch show. */
  readonly prior: string;
}

/** A worker node made ready in this transaction, which the worker committing it may lease on the spot. */
export interface ReadiedNode {
  readonly id: number;
  readonly workflowId: string;
  readonly nodeId: string;
  readonly type: 'agent' | 'tool';
  readonly name: string | undefined;
  readonly attempt: number;
  readonly failures: number;
  /** Where its `ready_at` update sits in `nodeUpdates`, to be turned into a lease instead. */
  readonly updateIndex: number;
}

/**
 * The writes of one transaction's transitions, collected while the engine decides and written together at the end,
 * so that a batch of many steps costs a few multi-row statements rather than a few statements per step.
 */
export class Changes {
  readonly nodeUpdates: NodeUpdate[] = [];
  readonly events: NewEvent[] = [];
  readonly requests: NewHitlRequest[] = [];
  readonly executions: NewAgentExecution[] = [];
  readonly runUpdates = new Map<string, WorkflowChanges>();
  readonly finished: FinishedRun[] = [];
  /** Worker nodes made ready in this transaction (not yet written). */
  readonly readied: ReadiedNode[] = [];
  /** Runs settled in this transaction, as they now stand. */
  readonly settledRuns = new Map<string, SettledRun>();
  /** Nodes completed in this transaction and not yet snapshotted, by run, in completion order. */
  readonly completions = new Map<string, Completion[]>();
  readonly snapshots: NewSnapshot[] = [];
  /** Work became ready that any worker (here or in another process) may take. */
  wakeWorkers = false;
  /** The earliest time a node made pending here falls due (a timer, a retry's backoff). */
  dueAt = Number.POSITIVE_INFINITY;

  constructor(
    readonly now: string,
    /** Writes the messages raised requests send, with them (absent: nothing is sent). */
    readonly notices?: Pick<Notices, 'requestsRaised' | 'eventsRecorded'>,
  ) {}

  event(workflowId: string, type: EventType, data: Record<string, unknown>): void {
    this.events.push({ workflowId, type, data: toJson(data), createdAt: this.now });
  }

  completed(workflowId: string, nodeId: string, result: string | null, prior: string): void {
    let list = this.completions.get(workflowId);
    if (!list) this.completions.set(workflowId, (list = []));
    list.push({ nodeId, result, prior });
  }

  /** Runs whose status this transaction changed, to wake whoever waits on them after the commit. */
  readonly changedRuns = new Set<string>();

  updateRun(workflowId: string, changes: WorkflowChanges): void {
    if (changes.status !== undefined) this.changedRuns.add(workflowId);
    this.runUpdates.set(workflowId, {
      ...this.runUpdates.get(workflowId),
      ...changes,
      updated_at: this.now,
    });
  }

  /**
   * Writes the node changes collected so far: before a step that reads nodes back (settling, claiming). Ready nodes
   * not yet leased are written as ready, for whichever worker wakes first.
   */
  async flushNodes(tx: Tx): Promise<void> {
    if (this.readied.length > 0) this.wakeWorkers = true;
    this.readied.length = 0;
    await updateNodes(tx, this.nodeUpdates.splice(0));
  }

  /** Writes everything collected and empties the buffers (what finished stays, for after the commit). */
  async flush(tx: Tx): Promise<void> {
    await this.flushNodes(tx);
    const requests = this.requests.splice(0);
    await insertHitlRequests(tx, requests);
    if (requests.length > 0) await this.notices?.requestsRaised(tx, requests, this.now);
    await insertAgentExecutions(tx, this.executions.splice(0));
    const runUpdates = new Map(this.runUpdates);
    this.runUpdates.clear();
    await updateWorkflows(tx, runUpdates);
    await insertSnapshots(tx, this.snapshots.splice(0));
    const events = this.events.splice(0);
    await insertEvents(tx, events);
    if (events.length > 0) await this.notices?.eventsRecorded(tx, events, this.now);
  }
}
