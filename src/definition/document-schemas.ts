/**
 * The shapes of the accepted DAG documents, as zod schemas. They check types only: every field the engine
 * does not read passes through untouched, and values of the right type but wrong meaning (an unknown trigger
 * rule, a negative retry count) are the importers' and validation's to report, with sharper codes.
 */
import { z } from 'zod';

const id = z.string({ error: 'must be a non-empty string' }).min(1, 'must not be empty');
const text = z.string().nullish();
const names = z.array(z.string()).nullish();
const objectValue = z.record(z.string(), z.unknown(), { error: 'must be an object' });

const durationValue = z.union([z.number(), z.string()], {
  error: 'must be milliseconds or an ISO 8601 duration',
});

const retryValue = z.union(
  [
    z.number(),
    z.looseObject({
      maxRetries: z.number().nullish(),
      max_retries: z.number().nullish(),
      backoffMs: z.number().nullish(),
      backoff_ms: z.number().nullish(),
      maxBackoffMs: z.number().nullish(),
      max_backoff_ms: z.number().nullish(),
    }),
  ],
  { error: 'must be a number of retries or {maxRetries, backoffMs, maxBackoffMs} with numbers' },
);

const compensateValue = z.looseObject({
  agent_id: text,
  agentId: text,
  tool_name: text,
  toolName: text,
  config: objectValue.nullish(),
});

/** Fields any node may carry, whatever the format. */
const commonNodeFields = {
  name: text,
  condition: text,
  trigger_rule: text,
  triggerRule: text,
  retry: retryValue.nullish(),
  retries: z.number().nullish(),
  timeout: durationValue.nullish(),
  compensate: compensateValue.nullish(),
};

/** Seed 004 keeps everything in `data`, so the common fields may sit there too (except `timeout`). */
const commonDataFields = {
  condition: text,
  trigger_rule: text,
  triggerRule: text,
  retry: retryValue.nullish(),
  retries: z.number().nullish(),
  compensate: compensateValue.nullish(),
  timeoutMs: z.number().nullish(),
};

const settingsValue = z.looseObject({
  timeout: durationValue.nullish(),
  timeoutMs: z.number().nullish(),
  maxRetries: z.number().nullish(),
  concurrency: z.number().nullish(),
  retention: durationValue.nullish(),
  retentionMs: z.number().nullish(),
});

const permissionsValue = z.looseObject({
  owners: names,
  editors: names,
  viewers: names,
  isPublic: z.boolean().nullish(),
});

const documentFields = {
  dag_id: id.nullish(),
  id: id.nullish(),
  name: text,
  description: text,
  start_nodes: names,
  startNodes: names,
  settings: settingsValue.nullish(),
  permissions: permissionsValue.nullish(),
};

const atLeastOne = 'a DAG needs at least one node';

/** Seeds 000/001: `nodes[].node_id/node_type/agent_id/tool_name/config/dependencies`. */
export const planDocumentSchema = z.looseObject({
  ...documentFields,
  nodes: z
    .array(
      z.looseObject({
        ...commonNodeFields,
        node_id: id,
        node_type: z.string(),
        agent_id: text,
        agentId: text,
        tool_name: text,
        toolName: text,
        config: z.looseObject({ timeoutMs: z.number().nullish() }).nullish(),
        dependencies: names,
      }),
      { error: 'must be a list of nodes' },
    )
    .min(1, atLeastOne),
});

/** Seed 004: `nodes[].id/type/position/data` and `edges[].source/target/condition`. */
export const graphDocumentSchema = z.looseObject({
  ...documentFields,
  nodes: z
    .array(
      z.looseObject({
        ...commonNodeFields,
        id,
        type: z.string(),
        position: z.looseObject({ x: z.number(), y: z.number() }).nullish(),
        data: z.looseObject(commonDataFields).nullish(),
      }),
      { error: 'must be a list of nodes' },
    )
    .min(1, atLeastOne),
  edges: z
    .array(z.looseObject({ id: id.nullish(), source: id, target: id, condition: text }))
    .nullish(),
  status: text,
  metadata: objectValue.nullish(),
});

/** Seed 003: ordered `stages`, run in sequence, in parallel, or in sequence with conditions. */
export const stagesDocumentSchema = z.looseObject({
  ...documentFields,
  type: z.enum(['sequential', 'parallel', 'conditional']).nullish(),
  stages: z
    .array(
      z.looseObject({
        ...commonNodeFields,
        id,
        type: text,
        agent_id: text,
        agentId: text,
        tool_name: text,
        toolName: text,
        config: z.looseObject({ timeoutMs: z.number().nullish() }).nullish(),
        requiresApproval: z.boolean().nullish(),
        approval: objectValue.nullish(),
      }),
      { error: 'must be a list of stages' },
    )
    .min(1, 'a stage workflow needs at least one stage'),
});
