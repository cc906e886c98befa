/** DAGs: documents in, stored versions out. */
import { z } from 'zod';

export const DagDocument = z
  .record(z.string(), z.unknown())
  .describe('A DAG document in any accepted format (plan, graph or stages)');

export const DagParams = z.object({ dagId: z.string().min(1).max(200) });

export const DagQuery = z.object({ version: z.coerce.number().int().positive().optional() });

export const StoredDag = z.object({ dagId: z.string(), version: z.number().int() });

export const DagPermissions = z
  .object({
    owners: z.array(z.string()).readonly(),
    editors: z.array(z.string()).readonly(),
    viewers: z.array(z.string()).readonly(),
    isPublic: z.boolean(),
  })
  .describe(
    'Who may do what (a DAG stored without permissions is owned by its creator and public)',
  );

export const DagSummary = z.object({
  dagId: z.string(),
  name: z.string().nullable(),
  description: z.string().nullable(),
  latestVersion: z.number().int(),
  permissions: DagPermissions,
  createdBy: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const DagListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).optional(),
  cursor: z.string().max(1000).optional(),
});

export const DagList = z.object({ items: z.array(DagSummary), nextCursor: z.string().nullable() });

export const DagDetail = z.object({
  dagId: z.string(),
  name: z.string().nullable(),
  description: z.string().nullable(),
  version: z.number().int(),
  latestVersion: z.number().int(),
  permissions: DagPermissions,
  definition: z.unknown().describe('The normalized definition'),
  source: z.unknown().describe('The document as it was sent'),
  createdBy: z.string().nullable(),
  createdAt: z.string(),
});

export const DagImportBody = z.object({
  text: z
    .string()
    .min(1)
    .max(1_000_000)
    .describe('The document as JSON or YAML, in any accepted format'),
  format: z
    .enum(['json', 'yaml'])
    .optional()
    .describe('How to read the text; JSON, then YAML, when omitted'),
});

export const DagImportResult = z.object({
  format: z
    .enum(['plan', 'graph', 'stages'])
    .nullable()
    .describe('The format the document was read as'),
  dagId: z.string().nullable(),
  document: z
    .record(z.string(), z.unknown())
    .describe('The document as an object (what POST/PUT store)'),
  valid: z.boolean(),
  problems: z
    .array(z.object({ code: z.string(), path: z.string(), message: z.string() }))
    .readonly(),
  plan: z
    .object({
      document: z.record(z.string(), z.unknown()),
      lost: z.array(z.string()).readonly().describe('What the plan format cannot say'),
    })
    .nullable()
    .describe("When valid: the DAG written as a plan (seed 000/001's format, Flowgate's own)"),
  nodes: z
    .array(
      z.object({ id: z.string(), type: z.string(), dependencies: z.array(z.string()).readonly() }),
    )
    .readonly()
    .describe('The steps as read, when valid'),
});
