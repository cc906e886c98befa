/**
 * Seed 003's compatibility endpoints (API.md): `/api/workflows/{execute,approvals,state,rollback}`, answering in that
 * seed's shapes on top of the runs, HITL requests, snapshots and rollbacks of the native API.
 */
import { z } from 'zod';

import { DagDocument } from './dags.js';
import { HitlRequest } from './hitl.js';
import { Compensation, PlannedCompensation, Snapshot } from './rollback.js';

export const ExecuteBody = z
  .object({
    dagId: z.string().min(1).max(200).optional(),
    workflow: DagDocument.optional(),
    input: z.unknown().optional(),
  })
  .refine((body) => (body.dagId === undefined) !== (body.workflow === undefined), {
    message: 'Give either dagId (a stored DAG) or workflow (a document), not both',
  });

export const ApprovalList = z.object({
  approvals: z.array(HitlRequest),
  count: z.number().int(),
});

export const ApprovalDecisionBody = z.object({
  gateId: z.string().min(1).max(200).describe('The id of a HITL request'),
  decision: z.object({
    approved: z.boolean(),
    comment: z.string().max(10_000).optional(),
  }),
});

export const CancelApprovalsQuery = z.object({
  gateId: z.string().min(1).max(200).optional().describe('Cancel this request'),
  workflowId: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .describe('Cancel every pending request of this run'),
});

export const StateQuery = z.object({ workflowId: z.string().min(1).max(200).optional() });

export const WorkflowState = z
  .object({
    workflowId: z.string(),
    dagId: z.string(),
    status: z.string(),
    currentNodes: z.array(z.string()).describe('Nodes running or waiting for people'),
    completedNodes: z.array(z.string()),
    context: z.object({
      input: z.unknown(),
      outputs: z.record(z.string(), z.unknown()).describe('The results of completed nodes'),
      variables: z
        .record(z.string(), z.unknown())
        .describe(
          "The run's context variables (`updateContext`), which templates read as `context.*`",
        ),
    }),
  })
  .describe("A run's execution state");

export const StateList = z.object({ states: z.array(WorkflowState), count: z.number().int() });

export const StateWithSnapshots = z.object({
  state: WorkflowState,
  snapshots: z.array(Snapshot).describe('The last 50, newest first'),
});

export const StateAnswer = z.union([StateList, StateWithSnapshots]);

export const StateActionBody = z
  .object({
    workflowId: z.string().min(1).max(200),
    action: z.enum(['pause', 'resume', 'updateContext']),
    data: z
      .record(z.string(), z.unknown())
      .optional()
      .describe('updateContext: the variables to set (merged into the context)'),
  })
  .refine((body) => body.action !== 'updateContext' || body.data !== undefined, {
    message: 'updateContext needs data: an object of the variables to set',
    path: ['data'],
  });

export const StateQueryRequired = z.object({ workflowId: z.string().min(1).max(200) });

export const RunStatusAnswer = z.object({ workflowId: z.string(), status: z.string() });

export const RollbackQuery = z.object({ workflowId: z.string().min(1).max(200) });

export const CompensationActions = z.object({
  actions: z
    .array(Compensation)
    .describe(
      "The running rollback's compensations, or those a rollback to the oldest snapshot would run",
    ),
  count: z.number().int(),
});

export const RollbackActionBody = z
  .object({
    workflowId: z.string().min(1).max(200),
    action: z.enum([
      'rollbackToStep',
      'rollbackToLastSuccess',
      'recoverFromError',
      'clearRetryCounters',
    ]),
    snapshotId: z.string().min(1).max(200).optional(),
    targetStepIndex: z.number().int().min(0).optional(),
  })
  .refine(
    (body) =>
      body.action !== 'rollbackToStep' ||
      (body.snapshotId === undefined) !== (body.targetStepIndex === undefined),
    { message: 'rollbackToStep needs either snapshotId or targetStepIndex' },
  );

export const RollbackActionAnswer = z.object({
  success: z.literal(true),
  workflowId: z.string(),
  action: z.string(),
  status: z.string().describe("The run's status now"),
  rollbackId: z.string().optional(),
  snapshotId: z.string().optional(),
  compensations: z.array(PlannedCompensation).optional(),
});
