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
    modelCalls: z.number().int().describe("AI nodes' model calls, every try counted."),
    costUsd: z.number().describe('USD over the priced model calls (seed 004 cost).'),
    unpricedCalls: z
      .number()
      .int()
      .describe('Model calls without a known price, left out of costUsd.'),
  })
  .describe('Run totals over the DAGs the caller may see, or of one run');

const isoTime = z.iso
  .datetime({ offset: true, error: 'must be an ISO 8601 timestamp, e.g. 2026-01-31T00:00:00Z' })
  .transform((text) => new Date(text).toISOString());

export const AiUsageQuery = z.object({
  since: isoTime.optional().describe('Only calls started at or after this time.'),
  until: isoTime.optional().describe('Only calls started before this time.'),
  dagId: z.string().min(1).max(200).optional().describe('Only calls of runs of this DAG.'),
  workflowId: z.string().min(1).max(200).optional().describe('Only calls of this run.'),
  by: z
    .enum(['model', 'dag', 'run', 'node'])
    .default('model')
    .describe('Rows per provider and model, and per DAG, run or node as well.'),
});

const AiUsageFigures = {
  calls: z.number().int().describe('Model calls tried, retries included.'),
  failedCalls: z.number().int(),
  inputTokens: z.number().int(),
  outputTokens: z.number().int(),
  cachedInputTokens: z.number().int(),
  reasoningTokens: z.number().int(),
  costUsd: z.number().describe('USD over the priced calls; unpriced calls are counted apart.'),
  unpricedCalls: z
    .number()
    .int()
    .describe('Completed calls no price was known for (never counted as free).'),
};

export const AiUsage = z
  .object({
    items: z.array(
      z.object({
        provider: z.string(),
        model: z.string(),
        dagId: z.string().nullable(),
        workflowId: z.string().nullable(),
        nodeId: z.string().nullable(),
        source: z
          .enum(['runs', 'planner'])
          .describe(
            "runs: AI nodes of runs; planner: the planner's calls drafting plans (no DAG or run)",
          ),
        ...AiUsageFigures,
      }),
    ),
    totals: z.object(AiUsageFigures),
    byProvider: z.record(z.string(), z.object(AiUsageFigures)),
    bySource: z.object({ runs: z.object(AiUsageFigures), planner: z.object(AiUsageFigures) }),
  })
  .describe('AI model calls, tokens and cost over the DAGs the caller may see');

export const RunTimelineQuery = z.object({
  days: z.coerce
    .number()
    .int()
    .min(1)
    .max(366)
    .default(14)
    .describe('How many days back, today included (UTC days); default 14'),
});

export const RunTimeline = z
  .object({
    days: z
      .array(
        z.object({
          day: z.string().describe('YYYY-MM-DD (UTC)'),
          total: z.number().int().describe('Runs started that day'),
          byStatus: z
            .record(z.string(), z.number().int())
            .describe('Those runs by their status now'),
        }),
      )
      .describe('Oldest first; a day without runs has zeros'),
  })
  .describe('Runs started per day');
