import type { Tx } from '../port.js';

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

const INSERT_CHUNK = 400;

/** One row per attempt, written in the same commit as the attempt's result. */
export async function insertAgentExecutions(tx: Tx, rows: readonly NewAgentExecution[]): Promise<void> {
  for (let start = 0; start < rows.length; start += INSERT_CHUNK) {
    await tx
      .insertInto('agent_executions')
      .values(
        rows.slice(start, start + INSERT_CHUNK).map((row) => ({
          execution_id: row.executionId,
          agent_id: row.agentId,
          kind: row.kind,
          workflow_id: row.workflowId,
          node_id: row.nodeId,
          attempt: row.attempt,
          input: row.input,
          output: row.output,
          status: row.status,
          error: row.error,
          started_at: row.startedAt,
          completed_at: row.completedAt,
          duration_ms: row.durationMs,
        })),
      )
      .execute();
  }
}
