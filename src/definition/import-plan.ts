import { readDagHeader } from './dag-header.js';
import { formatPath, isPlainObject } from './document-path.js';
import { buildDag, buildNode, type ImportedDag, type NodeSource } from './imported-dag.js';
import type { DagProblem, NodeDefinition } from './model.js';
import { pickString, readCommonFields, resolveNodeType } from './node-fields.js';

/**
 * Imports seed 000/001's plan JSON: `{dag_id, nodes: [{node_id, node_type, agent_id, tool_name, config,
 * dependencies}], start_nodes}`. Nodes without an id are left out (the schema reports them).
 */
export function importPlan(document: Record<string, unknown>): ImportedDag {
  const problems: DagProblem[] = [];
  const header = readDagHeader(document, false, problems);
  const nodes: NodeDefinition[] = [];
  const sources: NodeSource[] = [];
  const rawNodes: unknown[] = Array.isArray(document.nodes) ? document.nodes : [];

  rawNodes.forEach((raw, index) => {
    if (!isPlainObject(raw) || typeof raw.node_id !== 'string' || raw.node_id === '') return;
    const path = `nodes[${index}]`;
    const holder = { value: raw, path };
    const config = isPlainObject(raw.config) ? raw.config : {};
    const configBase = `${path}.config`;
    const written = typeof raw.node_type === 'string' ? raw.node_type : undefined;
    const type = written === undefined ? undefined : resolveNodeType(written);
    if (written !== undefined && type === undefined) {
      problems.push({
        code: 'unknown_node_type',
        path: `${path}.node_type`,
        message: `unknown node type "${written}"`,
      });
    }
    const dependencies: string[] = [];
    const dependencyPaths: string[] = [];
    if (Array.isArray(raw.dependencies)) {
      (raw.dependencies as unknown[]).forEach((dependency, position) => {
        if (typeof dependency !== 'string' || dependencies.includes(dependency)) return;
        dependencies.push(dependency);
        dependencyPaths.push(`${path}.dependencies[${position}]`);
      });
    }
    const common = readCommonFields(
      [holder],
      holder,
      { value: config, path: configBase },
      'all_success',
      problems,
    );
    const agent = pickString([holder], ['agent_id', 'agentId']);
    const tool = pickString([holder], ['tool_name', 'toolName']);
    nodes.push(
      buildNode({
        id: raw.node_id,
        type: type ?? 'agent',
        sourceType: written ?? '',
        name: typeof raw.name === 'string' ? raw.name : undefined,
        agentId: agent?.value,
        toolName: tool?.value,
        config,
        dependencies,
        common,
      }),
    );
    sources.push({
      path,
      idPath: `${path}.node_id`,
      typePath: `${path}.node_type`,
      typeKnown: type !== undefined,
      dependencyPaths,
      edgeConditionPaths: {},
      ...(common.conditionPath !== undefined ? { conditionPath: common.conditionPath } : {}),
      agentPath: agent?.path ?? `${path}.agent_id`,
      toolPath: tool?.path ?? `${path}.tool_name`,
      ...(common.compensatePath !== undefined ? { compensatePath: common.compensatePath } : {}),
      configPath: (segments) => formatPath(segments, configBase),
    });
  });

  return {
    dag: buildDag(header, 'plan', nodes),
    sources,
    ...(header.startNodes ? { startNodePaths: header.startNodes.paths } : {}),
    problems,
  };
}
