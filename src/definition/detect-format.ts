import { isPlainObject } from './document-path.js';
import type { DagFormat } from './model.js';

/**
 * Tells which format a document is written in: `stages` when it has a `stages` list; `plan` when its nodes
 * have `node_id` or `node_type`; `graph` when they have `id`, `type`, `data` or `position`, or when it has
 * `edges`. A document with none of the marks but a `nodes` or `dag_id` field is taken as a plan, so that
 * its problems can be reported field by field. Undefined when nothing matches.
 */
export function detectFormat(document: Record<string, unknown>): DagFormat | undefined {
  if (Array.isArray(document.stages)) return 'stages';
  const nodes: unknown[] = Array.isArray(document.nodes) ? document.nodes : [];
  const objects = nodes.filter(isPlainObject);
  if (objects.some((node) => 'node_id' in node || 'node_type' in node)) return 'plan';
  if (
    objects.some((node) => 'id' in node || 'type' in node || 'data' in node || 'position' in node)
  ) {
    return 'graph';
  }
  if ('edges' in document) return 'graph';
  if ('stages' in document) return 'stages';
  if ('nodes' in document || 'dag_id' in document) return 'plan';
  return undefined;
}
