/** The planner's plans and conversations as the API shows them (API.md "AI nodes, usage and the planner"). */
import { z } from 'zod';

const DagProblem = z.object({ code: z.string(), path: z.string(), message: z.string() });

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
