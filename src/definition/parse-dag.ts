import type { z } from 'zod';

import { detectFormat } from './detect-format.js';
import {
  planDocumentSchema,
  graphDocumentSchema,
  stagesDocumentSchema,
} from './document-schemas.js';
import { formatPath, isPlainObject } from './document-path.js';
import { importGraph } from './import-graph.js';
import { importPlan } from './import-plan.js';
import { importStages } from './import-stages.js';
import type { ImportedDag } from './imported-dag.js';
import type { DagDefinition, DagFormat, DagProblem, RegistryView } from './model.js';
import { orderProblems } from './problem-order.js';
import { validate } from './validate.js';
import { errorMessages, issuePath } from './zod-problems.js';

export type ParseResult = { ok: true; dag: DagDefinition } | { ok: false; problems: DagProblem[] };

export interface ParseDagOptions {
  /** When given, agent and tool names are checked against it. */
  registry?: RegistryView;
}

const FORMATS: Record<
  DagFormat,
  { schema: z.ZodType; importer: (document: Record<string, unknown>) => ImportedDag }
> = {
  plan: { schema: planDocumentSchema, importer: importPlan },
  graph: { schema: graphDocumentSchema, importer: importGraph },
  stages: { schema: stagesDocumentSchema, importer: importStages },
};

/**
 * Reads a DAG document in any accepted format (seed 000/001 plan, seed 004 graph, seed 003 stages) into the
 * normalized model and validates it, reporting every problem at once, each with its JSON path.
 *
 * @example
 * ```ts
 * const result = parseDag(await readDagFile('examples/approval.json'), { registry });
 * if (!result.ok) throw new FlowgateError('DAG_INVALID', undefined, { details: result.problems });
 * ```
 */
export function parseDag(document: unknown, options: ParseDagOptions = {}): ParseResult {
  if (!isPlainObject(document)) {
    return fail([
      { code: 'invalid_document', path: '', message: 'a DAG document must be an object' },
    ]);
  }
  const format = detectFormat(document);
  if (format === undefined) {
    return fail([
      {
        code: 'unknown_format',
        path: '',
        message:
          'not a known DAG format: expected a plan (nodes[].node_id), a graph (nodes[].id with type, ' +
          'and edges) or stages (stages[])',
      },
    ]);
  }
  const { schema, importer } = FORMATS[format];
  const problems: DagProblem[] = [];
  const parsed = schema.safeParse(document, { error: errorMessages });
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      problems.push({
        code: 'invalid_document',
        path: formatPath(issuePath(issue)),
        message: issue.message,
      });
    }
  }
  const imported = importer(document);
  problems.push(...imported.problems, ...validate(imported, options.registry));
  return problems.length === 0 ? { ok: true, dag: imported.dag } : fail(problems);
}

function fail(problems: DagProblem[]): ParseResult {
  return { ok: false, problems: orderProblems(problems) };
}
