/** Snapshots and rollback (API.md, "Snapshots and rollback"), shared by the native routes and seed 003's. */
import { z } from 'zod';

export const Snapshot = z
  .object({
    snapshotId: z.string(),
    nodeId: z.string().describe('The node whose completion this snapshot follows'),
    createdAt: z.string(),
    stepIndex: z
      .number()
      .int()
      .describe("0 for the run's first completed node: seed 003's targetStepIndex"),
    state: z.object({
      nodes: z.record(z.string(), z.object({ status: z.string(), output: z.unknown().optional() })),
      context: z.unknown().describe("The run's context variables then"),
    }),
  })
  .describe("The run's state after a node completed");

export const SnapshotList = z.object({ items: z.array(Snapshot) });

export const RollbackBody = z.object({ snapshotId: z.string().min(1).max(200) });

export const PlannedCompensation = z.object({
  nodeId: z.string(),
  agentId: z.string().optional(),
  toolName: z.string().optional(),
  status: z.string(),
});

export const StartedRollback = z.object({
  rollbackId: z.string(),
  workflowId: z.string(),
  snapshotId: z.string(),
  status: z
    .string()
    .describe('running while compensations run; completed when there were none (the run resumed)'),
  compensations: z.array(PlannedCompensation).describe('In the order they run'),
});

export const Compensation = z.object({
  nodeId: z.string(),
  snapshotId: z.string(),
  agentId: z.string().optional(),
  toolName: z.string().optional(),
  status: z.string(),
  rollbackId: z.string().nullable(),
  attempt: z.number().int().optional(),
  result: z.unknown().optional(),
  error: z.string().nullable().optional(),
});
