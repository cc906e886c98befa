import type { Tx } from '../port.js';
import { insertRows, type ColumnSpec } from './sql-dialect.js';

export interface NewAgentExecution {
  readonly executionId: string;
  /** The agent's id, or the tool's name for a tool (`kind` tells which). */
  readonly agentId: string;
  readonly kind: 'agent' | 'tool';
  readonly workflowId: string;
  readonly nodeId: string;
  readonly attempt: number;
  readonly input: string | null;
  readonly output: string | null;
  readonly status: 'completed' | 'failed';
  readonly error: string | null;
  readonly startedAt: string;
  readonly completedAt: string;
  readonly durationMs: number;
}

const executionColumns: ColumnSpec[] = [
  { name: 'execution_id', kind: 'text' },
  { name: 'agent_id', kind: 'text' },
  { name: 'kind', kind: 'text' },
  { name: 'workflow_id', kind: 'text' },
  { name: 'node_id', kind: 'text' },
  { name: 'attempt', kind: 'integer' },
  { name: 'input', kind: 'json' },
  { name: 'output', kind: 'json' },
  { name: 'status', kind: 'text' },
  { name: 'error', kind: 'text' },
  { name: 'started_at', kind: 'text' },
  { name: 'completed_at', kind: 'text' },
  { name: 'duration_ms', kind: 'integer' },
];

/** One row per attempt, written in the same commit as the attempt's result. */
export async function insertAgentExecutions(
  tx: Tx,
  rows: readonly NewAgentExecution[],
): Promise<void> {
  await insertRows(
    tx,
    'agent_executions',
    executionColumns,
    rows.map((r) => [
      r.executionId,
      r.agentId,
      r.kind,
      r.workflowId,
      r.nodeId,
      r.attempt,
      r.input,
      r.output,
      r.status,
      r.error,
      r.startedAt,
      r.completedAt,
      r.durationMs,
    ]),
  );
}
