/**
 * Reads a DAG document's text (JSON or YAML, in any accepted format: seed 000/001 plans, seed 004 graphs, seed 003
 * stages) without storing it, for the editor's Import and Export: the document as an object, the format it was read
 * as, its DAG id, every problem validation finds, and (when valid) the DAG written as a plan. A text that does not parse, or is not an object, is a 400.
 */
import { detectFormat } from '../definition/detect-format.js';
import { writePlan, type PlanDocument } from '../definition/write-plan.js';
import {
  parseDagText,
  type DagDefinition,
  type DagFormat,
  type DagProblem,
} from '../definition/index.js';
import { FlowgateError } from '../shared/errors.js';

export interface DagImport {
  readonly format: DagFormat | null;
  readonly dagId: string | null;
  readonly document: Record<string, unknown>;
  readonly valid: boolean;
  readonly problems: readonly DagProblem[];
  /** The DAG written as a plan (Flowgate's own format), when the document is valid. */
  readonly plan: PlanDocument | null;
  /** The steps as read (id, type, dependencies), when the document is valid. */
  readonly nodes: readonly { id: string; type: string; dependencies: readonly string[] }[];
}

export function importDagText(
  text: string,
  hint: 'json' | 'yaml' | undefined,
  validate: (document: unknown) => DagDefinition,
): DagImport {
  const document = parseDagText(text, hint);
  if (document === null || typeof document !== 'object' || Array.isArray(document)) {
    throw new FlowgateError(
      'BAD_REQUEST',
      'A DAG document is an object (a mapping), not a list or a value.',
    );
  }
  const record = document as Record<string, unknown>;
  const named = [record.dag_id, record.id].find(
    (v): v is string => typeof v === 'string' && v !== '',
  );
  try {
    const dag = validate(record);
    return {
      format: dag.format,
      dagId: dag.dagId,
      document: record,
      valid: true,
      problems: [],
      plan: writePlan(dag),
      nodes: dag.nodes.map((node) => ({
        id: node.id,
        type: node.sourceType,
        dependencies: node.dependencies,
      })),
    };
  } catch (error) {
    if (!(error instanceof FlowgateError) || error.code !== 'DAG_INVALID') throw error;
    return {
      format: detectFormat(record) ?? null,
      dagId: named ?? null,
      document: record,
      valid: false,
      problems: (error.details ?? []) as DagProblem[],
      plan: null,
      nodes: [],
    };
  }
}
