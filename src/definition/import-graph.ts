import { readDagHeader } from './dag-header.js';
import { formatPath, isPlainObject } from './document-path.js';
import { buildDag, buildNode, type ImportedDag, type NodeSource } from './imported-dag.js';
import type { DagProblem, NodeDefinition } from './model.js';
import { pickString, readCommonFields, resolveNodeType, type CommonFields } from './node-fields.js';
import { unwrapTemplate } from './templates.js';

interface DraftNode {
  readonly index: number;
  readonly raw: Record<string, unknown>;
  readonly id: string;
  readonly data: Record<string, unknown>;
  readonly common: CommonFields;
  readonly dependencies: string[];
  readonly dependencyPaths: string[];
  readonly edgeConditions: Record<string, string>;
  readonly edgeConditionPaths: Record<string, string>;
}

/**
 * Imports seed 004's graph: `nodes: [{id, type, position, data}]` with `edges: [{source, target,
 * condition}]`. `data` becomes the config; dependencies come from the edges, in document order.
 */
export function importGraph(document: Record<string, unknown>): ImportedDag {
  const problems: DagProblem[] = [];
  const header = readDagHeader(document, true, problems);
  const drafts: DraftNode[] = [];
  const byId = new Map<string, DraftNode>();
  const rawNodes: unknown[] = Array.isArray(document.nodes) ? document.nodes : [];

  rawNodes.forEach((raw, index) => {
    if (!isPlainObject(raw) || typeof raw.id !== 'string' || raw.id === '') return;
    const path = `nodes[${index}]`;
    const data = isPlainObject(raw.data) ? raw.data : {};
    const nodeHolder = { value: raw, path };
    const dataHolder = { value: data, path: `${path}.data` };
    const common = readCommonFields(
      [nodeHolder, dataHolder],
      nodeHolder,
      dataHolder,
      'all_success',
      problems,
    );
    const draft: DraftNode = {
      index,
      raw,
      id: raw.id,
      data,
      common,
      dependencies: [],
      dependencyPaths: [],
      edgeConditions: {},
      edgeConditionPaths: {},
    };
    drafts.push(draft);
    if (!byId.has(draft.id)) byId.set(draft.id, draft);
  });

  const edgeIds = new Map<string, number>();
  const rawEdges: unknown[] = Array.isArray(document.edges) ? document.edges : [];
  rawEdges.forEach((edge, index) => {
    if (!isPlainObject(edge)) return;
    const path = `edges[${index}]`;
    if (typeof edge.id === 'string' && edge.id !== '') {
      const first = edgeIds.get(edge.id);
      if (first === undefined) edgeIds.set(edge.id, index);
      else {
        problems.push({
          code: 'duplicate_id',
          path: `${path}.id`,
          message: `edge id "${edge.id}" is already used by edges[${first}]`,
        });
      }
    }
    const { source, target } = edge;
    if (typeof source !== 'string' || typeof target !== 'string') return;
    const targetNode = byId.get(target);
    if (!targetNode) {
      problems.push({
        code: 'unknown_dependency',
        path: `${path}.target`,
        message: `edge target "${target}" names no node`,
      });
      return;
    }
    if (targetNode.dependencies.includes(source)) {
      problems.push({
        code: 'invalid_document',
        path,
        message: `the edge ${source} → ${target} is given twice`,
      });
      return;
    }
    targetNode.dependencies.push(source);
    targetNode.dependencyPaths.push(`${path}.source`);
    if (typeof edge.condition === 'string') {
      targetNode.edgeConditions[source] = unwrapTemplate(edge.condition);
      targetNode.edgeConditionPaths[source] = `${path}.condition`;
    }
  });

  const nodes: NodeDefinition[] = [];
  const sources: NodeSource[] = [];
  for (const draft of drafts) {
    const { raw, data, index } = draft;
    const path = `nodes[${index}]`;
    const holders = [
      { value: data, path: `${path}.data` },
      { value: raw, path },
    ];
    const written = typeof raw.type === 'string' ? raw.type : undefined;
    const type = written === undefined ? undefined : resolveNodeType(written);
    if (written !== undefined && type === undefined) {
      problems.push({
        code: 'unknown_node_type',
        path: `${path}.type`,
        message: `unknown node type "${written}"`,
      });
    }
    const agent = pickString(holders, ['agent_id', 'agentId']);
    const tool = pickString(holders, ['tool_name', 'toolName', 'tool']);
    const name = pickString(holders, ['title', 'label', 'name']);
    const position = readPosition(raw.position);
    nodes.push(
      buildNode({
        id: draft.id,
        type: type ?? 'agent',
        sourceType: written ?? '',
        name: name?.value,
        agentId: agent?.value,
        toolName: tool?.value,
        config: data,
        dependencies: draft.dependencies,
        edgeConditions: draft.edgeConditions,
        common: draft.common,
        position,
      }),
    );
    sources.push({
      path,
      idPath: `${path}.id`,
      typePath: `${path}.type`,
      typeKnown: type !== undefined,
      dependencyPaths: draft.dependencyPaths,
      edgeConditionPaths: draft.edgeConditionPaths,
      ...(draft.common.conditionPath !== undefined
        ? { conditionPath: draft.common.conditionPath }
        : {}),
      agentPath: agent?.path ?? `${path}.data.agent_id`,
      toolPath: tool?.path ?? `${path}.data.tool_name`,
      ...(draft.common.compensatePath !== undefined
        ? { compensatePath: draft.common.compensatePath }
        : {}),
      configPath: (segments) => formatPath(segments, `${path}.data`),
    });
  }

  return {
    dag: buildDag(header, 'graph', nodes),
    sources,
    ...(header.startNodes ? { startNodePaths: header.startNodes.paths } : {}),
    problems,
  };
}

function readPosition(value: unknown): { x: number; y: number } | undefined {
  if (!isPlainObject(value) || typeof value.x !== 'number' || typeof value.y !== 'number')
    return undefined;
  return { x: value.x, y: value.y };
}
