/**
 * How a snapshot stores node statuses: one letter per node, in the order of the run's (pinned) definition. A run of
 * a hundred nodes snapshots a hundred times; a hundred letters each is what keeps that cheap, where a full state per
 * snapshot would grow with the square of the run's size. Outputs are stored once, with the snapshot of the
 * completion that produced them. Pure.
 */
import type { DagDefinition } from '../definition/index.js';
import { NodeStatus } from './statuses.js';

const LETTER_OF: Readonly<Record<string, string>> = {
  [NodeStatus.pending]: 'p',
  [NodeStatus.running]: 'r',
  [NodeStatus.waitingHitl]: 'w',
  [NodeStatus.completed]: 'c',
  [NodeStatus.failed]: 'f',
  [NodeStatus.skipped]: 's',
  [NodeStatus.cancelled]: 'x',
};

const STATUS_OF: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(LETTER_OF).map(([status, letter]) => [letter, status]),
);

export function statusLetter(status: string): string {
  return LETTER_OF[status] ?? 'p';
}

/** Node id → status, from a snapshot's letters (a node the letters do not cover is pending). */
export function decodeStatuses(dag: DagDefinition, letters: string): Map<string, string> {
  return new Map(
    dag.nodes.map((node, i) => [node.id, STATUS_OF[letters[i] ?? 'p'] ?? NodeStatus.pending]),
  );
}

/** A node's state in a snapshot, as the API shows it. */
export interface SnapshotNodeState {
  readonly status: string;
  readonly output?: unknown;
}

/** The full state a snapshot stands for: every node's status, completed nodes' outputs, and the context. */
export interface SnapshotState {
  readonly nodes: Readonly<Record<string, SnapshotNodeState>>;
  readonly context: unknown;
}
