/** The planner's plans and conversations as the API shows them (API.md "AI nodes, usage and the planner"). */
import { z } from 'zod';

const DagProblem = z.object({ code: z.string(), path: z.string(), message: z.string() });

const CostEstimate = z
  .object({
    nodes: z
      .array(
        z.object({
          nodeId: z.string(),
          provider: z.string(),
          model: z.string(),
          calls: z.number().int().describe('1 without tools; maxSteps (an upper bound) with tools'),
          inputTokens: z.number(),
          outputTokens: z.number(),
          costUsd: z.number().nullable().describe('Null when the model has no known price'),
          basis: z.string().describe('The assumptions behind the figures'),
        }),
      )
      .readonly(),
    costUsd: z
      .number()
      .nullable()
      .describe('Sum over the priced AI nodes; null when no AI node is priced'),
    unpricedNodes: z.array(z.string()).readonly(),
    budgetUsd: z.number().nullable().describe("The DAG's settings.aiBudget.usd, if any"),
  })
  .describe("An estimate of the plan's AI cost when it runs, from its definition alone");

const PlannerUsage = z
  .object({
    calls: z.number().int().describe('Model calls tried, every round and retry'),
    failedCalls: z.number().int(),
    inputTokens: z.number().int(),
    outputTokens: z.number().int(),
    costUsd: z.number().nullable().describe('Over the priced calls; null when none was priced'),
    unpricedCalls: z.number().int(),
  })
  .describe("What drafting the plan cost: the planner's own model calls");

export const Plan = z
  .object({
    planId: z.string(),
    conversationId: z.string().nullable(),
    status: z
      .string()
      .describe(
        'pending_approval, invalid (see problems), approved (starting), executed, rejected',
      ),
    version: z.number().int().describe('Each edit is a new version'),
    request: z.string().nullable(),
    plan: z.unknown().describe("The DAG document (seed 001's plan format)"),
    problems: z.array(DagProblem).readonly().describe('Why the plan cannot run; empty when it can'),
    gates: z.array(z.string()).readonly().describe('Nodes that will wait for a person'),
    model: z.string().nullable(),
    createdBy: z.string(),
    createdAt: z.string(),
    updatedAt: z.string().nullable(),
    approvedAt: z.string().nullable(),
    rejectedAt: z.string().nullable(),
    rejectionReason: z.string().nullable(),
    executedAt: z.string().nullable(),
    decidedBy: z.string().nullable(),
    dagId: z.string().nullable(),
    dagVersion: z.number().int().nullable(),
    workflowId: z.string().nullable(),
    estimate: CostEstimate.nullable().describe('Null when the plan is not a DAG that parses'),
    plannerUsage: PlannerUsage.nullable(),
  })
  .describe('A plan: a DAG drafted from a request, run only once a person approves it');

export const DraftedPlan = Plan.extend({
  summary: z.string().nullable(),
  fixes: z.array(z.string()).readonly().describe('Mechanical repairs made to the model’s answer'),
  rounds: z.number().int().describe('Model calls the draft took (1 + repair rounds)'),
});

export const PlanWithVersions = Plan.extend({
  versions: z.array(
    z.object({
      version: z.number().int(),
      createdBy: z.string().nullable(),
      createdAt: z.string(),
      problemCount: z.number().int(),
    }),
  ),
});

export const PlanList = z.object({ items: z.array(Plan), nextCursor: z.string().nullable() });

export const CreatePlanBody = z.object({
  request: z.string().min(1).max(10_000),
  conversationId: z.string().min(1).max(200).optional(),
});

export const UpdatePlanBody = z.object({
  plan: z.record(z.string(), z.unknown()),
  version: z.number().int().min(1).optional().describe('The version edited (409 if it changed)'),
});

export const ApprovePlanBody = z
  .object({
    input: z.unknown().optional().describe("The run's input"),
    version: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe('The version approved (409 if it changed)'),
  })
  .optional();

export const RejectPlanBody = z.object({ reason: z.string().min(1).max(2000) });

export const PlanParams = z.object({ planId: z.string().min(1).max(200) });

export const PlanQuery = z.object({
  status: z.string().max(50).optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
  cursor: z.string().max(1000).optional(),
});

export const ConversationParams = z.object({ conversationId: z.string().min(1).max(200) });

export const Conversation = z.object({
  conversationId: z.string(),
  turns: z.array(
    z.object({
      turn: z.number().int(),
      message: z.string().nullable(),
      response: z.unknown(),
      planId: z.string().nullable(),
      createdAt: z.string(),
    }),
  ),
});
