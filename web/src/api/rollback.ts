/** A run's snapshots and rolling back to one (API.md, "Snapshots and rollback"): what "Retry from a step" uses. */
import { api } from './client';

export interface Snapshot {
  readonly snapshotId: string;
  /** The step whose completion this snapshot follows. */
  readonly nodeId: string;
  readonly createdAt: string;
  readonly stepIndex: number;
  readonly state: {
    readonly nodes: Readonly<Record<string, { readonly status: string }>>;
  };
}

export interface StartedRollback {
  readonly rollbackId: string;
  readonly workflowId: string;
  readonly snapshotId: string;
  /** `running` while compensations run; `completed` when there were none (the run resumed already). */
  readonly status: string;
  readonly compensations: readonly { readonly nodeId: string; readonly status: string }[];
}

const id = encodeURIComponent;

/** The run's snapshots (the last 50), newest first. */
export const listSnapshots = (workflowId: string) =>
  api<{ items: Snapshot[] }>(`/api/workflows/${id(workflowId)}/snapshots`);

export const rollbackRun = (workflowId: string, snapshotId: string) =>
  api<StartedRollback>(`/api/workflows/${id(workflowId)}/rollback`, {
    method: 'POST',
    body: JSON.stringify({ snapshotId }),
  });
