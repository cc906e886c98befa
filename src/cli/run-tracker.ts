/**
 * Follows a run and the runs its sub-DAG nodes started: new events since the last look, and the
 * runs' current state. The CLI polls (every ~100 ms) rather than subscribing, so the same code
 * follows runs that workers in other processes execute.
 */
import type { Flowgate } from '../app/flowgate.js';
import type { EventView, WorkflowView } from '../app/views.js';

export interface TrackedEvent {
  readonly event: EventView;
  /** The sub-DAG node path of a child run's event (`review/`), empty for the followed run. */
  readonly prefix: string;
}

export interface RunSnapshot {
  readonly root: WorkflowView;
  /** Every followed run, the root first. */
  readonly runs: readonly WorkflowView[];
}

interface Followed {
  afterId: number;
  readonly prefix: string;
}

export class RunTracker {
  readonly #flowgate: Flowgate;
  readonly #rootId: string;
  readonly #runs = new Map<string, Followed>();

  constructor(flowgate: Flowgate, workflowId: string) {
    this.#flowgate = flowgate;
    this.#rootId = workflowId;
    this.#runs.set(workflowId, { afterId: 0, prefix: '' });
  }

  /** Events that happened since the last call, run by run. */
  async newEvents(): Promise<TrackedEvent[]> {
    const found: TrackedEvent[] = [];
    for (const [workflowId, followed] of this.#runs) {
      const events = await this.#flowgate.listEvents(workflowId, { afterId: followed.afterId });
      for (const event of events) {
        followed.afterId = event.id;
        found.push({ event, prefix: followed.prefix });
      }
    }
    return found;
  }

  /** The runs as they are now; sub-runs seen for the first time are followed from here on. */
  async snapshot(): Promise<RunSnapshot> {
    const runs: WorkflowView[] = [];
    // The map grows while it is iterated: a child found here is read in this same pass.
    for (const [workflowId, followed] of this.#runs) {
      const run = await this.#flowgate.getWorkflow(workflowId);
      runs.push(run);
      for (const node of run.nodes ?? []) {
        if (node.childWorkflowId !== undefined && !this.#runs.has(node.childWorkflowId)) {
          this.#runs.set(node.childWorkflowId, {
            afterId: 0,
            prefix: `${followed.prefix}${node.nodeId}/`,
          });
        }
      }
    }
    return { root: runs.find((run) => run.workflowId === this.#rootId)!, runs };
  }
}

/**
 * Whether the run can go no further without people: paused (for a decision, or by a user), or
 * running only sub-DAG nodes whose runs are themselves stuck so (a parent stays `running` while its
 * child waits).
 */
export function isWaitingForPeople(run: WorkflowView, runs: readonly WorkflowView[]): boolean {
  if (run.status === 'paused') return true;
  if (run.status !== 'running') return false;
  const running = (run.nodes ?? []).filter((node) => node.status === 'running');
  return (
    running.length > 0 &&
    running.every((node) => {
      const child = runs.find((candidate) => candidate.workflowId === node.childWorkflowId);
      return child !== undefined && isWaitingForPeople(child, runs);
    })
  );
}
