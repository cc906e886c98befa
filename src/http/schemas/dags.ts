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
