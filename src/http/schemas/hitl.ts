/** Human-in-the-loop requests and the answers people give them. `response` is the decider's comment. */
import { z } from 'zod';

export const HitlQuery = z.object({
  status: z
    .string()
    .max(50)
    .optional()
    .describe(
      'pending (the default), approved, rejected, ..., all, or decided (every closed request, newest decision first)',
    ),
  workflowId: z.string().max(200).optional(),
  respondedBy: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .describe('With status=decided: only the requests this username closed'),
  limit: z.coerce.number().int().min(1).max(500).optional(),
  cursor: z.string().max(1000).optional(),
});

export const RequestParams = z.object({ requestId: z.string().min(1).max(200) });

export const Vote = z.object({
  userId: z.string(),
  decision: z.string(),
  comment: z.string().nullable(),
  channel: z.string().nullable(),
  createdAt: z.string(),
});

export const HitlRequest = z
  .object({
    requestId: z.string(),
    workflowId: z.string(),
    nodeId: z.string(),
    dagId: z.string().nullable(),
    message: z.string().nullable(),
    status: z.string(),
    createdAt: z.string(),
    expiresAt: z.string().nullable(),
    respondedAt: z.string().nullable(),
    respondedBy: z.string().nullable(),
    response: z.string().nullable(),
    spec: z.unknown(),
    context: z.unknown().optional(),
    decision: z.unknown(),
    votes: z.array(Vote).readonly().optional(),
    toolCall: z
      .object({ toolName: z.string(), toolCallId: z.string() })
      .optional()
      .describe(
        'Set when an AI agent asks to run a tool (approveTools); the request context carries its input and reasoning',
      ),
  })
  .describe('A HITL request');

export const HitlList = z.object({
  items: z.array(HitlRequest),
  nextCursor: z.string().nullable(),
});

const Comment = z.string().max(10_000);

export const ApproveBody = z
  .object({
    response: Comment.optional(),
    edits: z.record(z.string(), z.unknown()).optional(),
  })
  .nullish();

export const RejectBody = z.object({ response: Comment.optional() }).nullish();

export const RespondBody = z.object({ value: z.unknown(), response: Comment.optional() });

export const CancelRequestBody = z.object({ reason: z.string().max(2000).optional() }).nullish();

export const Decision = z.object({
  requestId: z.string(),
  workflowId: z.string(),
  status: z.string().describe('Still pending while a quorum waits for more votes'),
  approvals: z.number().int().optional(),
  required: z.number().int().optional(),
});
