/** Monitoring figures: HITL response times and outcomes, agent and tool statistics, run totals. */
import { z } from 'zod';

const HitlFigures = {
  pending: z.number().int().describe('Requests waiting for a decision.'),
  avgApprovalSeconds: z
    .number()
    .nullable()
    .describe(
      'Mean seconds from creation to answer (approved, rejected, completed); null when none.',
    ),
  approvalRate: z
    .number()
    .nullable()
    .describe('approved / (approved + rejected); null when neither happened.'),
};

export const HitlMetrics = z
  .object({
    ...HitlFigures,
    decided: z.object({
      approved: z.number().int(),
      rejected: z.number().int(),
      completed: z.number().int(),
      expired: z.number().int(),
      cancelled: z.number().int(),
    }),
    perDag: z.array(z.object({ dagId: z.string(), ...HitlFigures })).readonly(),
  })
  .describe('HITL figures over the DAGs the caller may see');

export const AgentMetricsList = z
  .object({
    items: z.array(
      z.object({
        agentId: z.string(),
        kind: z.string().describe('`agent` or `tool`'),
        total: z.number().int().describe('Executions, one per attempt.'),
        successful: z.number().int(),
        failed: z.number().int(),
        avgDurationSeconds: z.number().nullable(),
      }),
    ),
  })
  .describe('Agent and tool statistics over the DAGs the caller may see');

export const ExecutionMetricsQuery = z.object({
  workflowId: z.string().min(1).max(200).optional().describe('Figures of this run only.'),
});

export const ExecutionMetrics = z
  .object({
    totalRuns: z.number().int(),
    byStatus: z.record(z.string(), z.number().int()),
    avgDurationSeconds: z.number().nullable(),
    totalDurationSeconds: z.number(),
    nodeCount: z.number().int(),
    attempts: z.number().int(),
    humanInterventions: z.number().int().describe('Decided HITL requests.'),
    aiCalls: z.number().int().describe('Agent executions (tools not counted).'),
  })
  .describe('Run totals over the DAGs the caller may see, or of one run');
