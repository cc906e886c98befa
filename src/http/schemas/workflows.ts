/** Runs: starting them, reading them with their nodes and events, and steering them. */
import { z } from 'zod';

import { DagDocument } from './dags.js';

export const StartWorkflowBody = z
  .object({
    dagId: z.string().min(1).max(200).optional(),
    version: z.number().int().positive().optional(),
    dag: DagDocument.optional(),
    input: z.unknown().optional(),
  })
  .refine((body) => (body.dagId === undefined) !== (body.dag === undefined), {
    message: 'Give either dagId (a stored DAG) or dag (a document), not both',
  })
  .refine((body) => body.dag === undefined || body.version === undefined, {
    message: 'version goes with dagId',
  });

export const StartedWorkflow = z.object({ workflowId: z.string(), status: z.string() });

export const WorkflowQuery = z.object({
  status: z.string().max(50).optional(),
  dagId: z.string().max(200).optional(),
  version: z.coerce
    .number()
    .int()
    .min(1)
    .optional()
    .describe('The DAG version the runs used (with dagId)'),
  since: z.iso.datetime({ offset: true }).optional().describe('Runs started at or after this time'),
  until: z.iso.datetime({ offset: true }).optional().describe('Runs started before this time'),
  waiting: z
    .enum(['true', 'false'])
    .transform((value) => value === 'true')
    .optional()
    .describe('true: only runs paused on a request for a person; false: only the others'),
  limit: z.coerce.number().int().min(1).max(500).optional(),
  cursor: z.string().max(1000).optional(),
});

export const WorkflowNode = z.object({
  nodeId: z.string(),
  nodeType: z.string().nullable(),
  status: z.string(),
  attempt: z.number().int(),
  result: z.unknown(),
  error: z.string().nullable(),
  startedAt: z.string().nullable(),
  completedAt: z.string().nullable(),
  childWorkflowId: z.string().optional(),
});

export const Workflow = z
  .object({
    workflowId: z.string(),
    dagId: z.string(),
    version: z.number().int(),
    name: z.string().nullable(),
    status: z.string(),
    pauseReason: z.string().nullable(),
    input: z.unknown(),
    result: z.unknown(),
    error: z.string().nullable(),
    createdBy: z.string().nullable(),
    createdAt: z.string(),
    startedAt: z.string().nullable(),
    completedAt: z.string().nullable(),
    parentWorkflowId: z.string().nullable(),
    context: z.unknown().optional().describe("Seed 003's context variables, when the run has any"),
    nodes: z.array(WorkflowNode).readonly().optional(),
  })
  .describe('A run');

export const WorkflowList = z.object({
  items: z.array(Workflow),
  nextCursor: z.string().nullable(),
});

export const WorkflowEvent = z.object({
  id: z.number().int(),
  workflowId: z.string(),
  type: z.string(),
  data: z.unknown(),
  createdAt: z.string(),
});

export const EventList = z.object({ items: z.array(WorkflowEvent) });

export const CancelRunHitlBody = z.object({ reason: z.string().max(2000).optional() }).nullish();

export const CancelledCount = z.object({ cancelled: z.number().int() });
