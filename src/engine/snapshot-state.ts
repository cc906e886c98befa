/**
 * How a snapshot stores node statuses: one letter per node, in the order of the run's (pinned) definition, run-length
 * encoded. A run of a hundred nodes snapshots a hundred times; a few letters each is what keeps that cheap, where a
 * full state per snapshot would grow with the square of the run's size. Outputs are stored once, with the snapshot
 * of the completion that produced them. Pure.
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

/**
 * The letters as stored: run-length encoded (`cccccrrp` is `c5r2p`; a run of one has no count). A wide fan-out
 * snapshots once per branch, and its statuses are long runs of the same letter, so this keeps those rows short.
 */
export function encodeLetters(letters: readonly string[]): string {
  let text = '';
  for (let i = 0; i < letters.length;) {
    const letter = letters[i]!;
    let end = i + 1;
    while (end < letters.length && letters[end] === letter) end++;
    text += end - i > 1 ? `${letter}${end - i}` : letter;
    i = end;
  }
  return text;
}

/** The letters of stored text (plain letters, as written before encoding, read the same). */
export function decodeLetters(text: string): string {
  return text.replace(/([a-z])(\d+)/g, (_, letter: string, count: string) =>
    letter.repeat(Number(count)),
  );
}

/** Node id → status, from a snapshot's stored letters (a node the letters do not cover is pending). */
export function decodeStatuses(dag: DagDefinition, stored: string): Map<string, string> {
  const letters = decodeLetters(stored);
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
