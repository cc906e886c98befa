import { findCycles } from './find-cycles.js';
import type { ImportedDag, NodeSource } from './imported-dag.js';
import type { DagProblem, NodeDefinition, RegistryView } from './model.js';
import { nodeConfigProblems } from './node-config-problems.js';
import { expressionProblem } from './expressions.js';
import { findTemplateProblems } from './templates.js';

/**
 * Checks an imported DAG as a whole and reports every problem, each at its place in the document:
 * duplicate ids, unknown and missing dependencies, unknown agents and tools (with a registry), node
 * configs, expressions and templates, start nodes, cycles and unreachable nodes.
 */
export function validate(imported: ImportedDag, registry?: RegistryView): DagProblem[] {
  const { dag, sources } = imported;
  const problems: DagProblem[] = [];
  const report = (code: DagProblem['code'], path: string, message: string) =>
    problems.push({ code, path, message });

  // Later duplicates are reported and left out of the graph checks, which would only echo the problem.
  const indexById = new Map<string, number>();
  dag.nodes.forEach((node, index) => {
    const first = indexById.get(node.id);
    if (first === undefined) indexById.set(node.id, index);
    else {
      report(
        'duplicate_id',
        sources[index]!.idPath,
        `node id "${node.id}" is already used by ${sources[first]!.path}`,
      );
    }
  });
  const nodeIds = new Set(indexById.keys());
  const isCanonical = (index: number) => indexById.get(dag.nodes[index]!.id) === index;

  dag.nodes.forEach((node, index) => {
    const source = sources[index]!;
    node.dependencies.forEach((dependency, position) => {
      if (!nodeIds.has(dependency)) {
        report(
          'unknown_dependency',
          source.dependencyPaths[position] ?? source.path,
          `"${node.id}" depends on "${dependency}", which names no node`,
        );
      }
    });
    if (source.typeKnown) checkNodeType(node, source, nodeIds, registry, report);
    if (node.compensate && registry) checkCompensation(node, source, registry, report);
    checkExpressions(node, source, report);
  });

  checkStartNodes(imported, indexById, report);
  const inCycle = checkCycles(imported, indexById, isCanonical, report);
  checkReachability(imported, indexById, inCycle, isCanonical, report);
  return problems;
}

type Report = (code: DagProblem['code'], path: string, message: string) => void;

function checkNodeType(
  node: NodeDefinition,
  source: NodeSource,
  nodeIds: ReadonlySet<string>,
  registry: RegistryView | undefined,
  report: Report,
): void {
  if (node.type === 'agent') {
    const prompt = node.config.prompt;
    if (node.agentId === undefined && !(typeof prompt === 'string' && prompt.trim() !== '')) {
      report(
        'missing_dependency',
        source.agentPath,
        `agent node "${node.id}" needs an agent_id or a config.prompt`,
      );
    } else if (node.agentId !== undefined && registry && !registry.hasAgent(node.agentId)) {
      report('unknown_agent', source.agentPath, `no agent "${node.agentId}" is registered`);
    } else if (node.agentId === undefined && registry && Array.isArray(node.config.tools)) {
      (node.config.tools as unknown[]).forEach((name, index) => {
        if (typeof name === 'string' && name !== '' && !registry.hasTool(name)) {
          report(
            'unknown_tool',
            source.configPath(['tools', index]),
            `no tool "${name}" is registered (tools of AI node "${node.id}")`,
          );
        }
      });
    }
  } else if (node.type === 'tool') {
    if (node.toolName === undefined) {
      report('missing_dependency', source.toolPath, `tool node "${node.id}" needs a tool_name`);
    } else if (registry && !registry.hasTool(node.toolName)) {
      report('unknown_tool', source.toolPath, `no tool "${node.toolName}" is registered`);
    }
  } else if (node.type === 'sub_dag') {
    const dagId = node.config.dag_id ?? node.config.dagId;
    if (typeof dagId !== 'string' || dagId === '') {
      report(
        'missing_dependency',
        source.configPath(['dag_id']),
        `sub-DAG node "${node.id}" needs a config.dag_id`,
      );
    }
  }
  for (const problem of nodeConfigProblems(node, nodeIds)) {
    report(problem.code, source.configPath(problem.path), problem.message);
  }
}

function checkCompensation(
  node: NodeDefinition,
  source: NodeSource,
  registry: RegistryView,
  report: Report,
): void {
  const { agentId, toolName } = node.compensate ?? {};
  const path = source.compensatePath ?? source.path;
  if (agentId !== undefined && !registry.hasAgent(agentId)) {
    report(
      'unknown_agent',
      `${path}.agent_id`,
      `no agent "${agentId}" is registered (compensation of "${node.id}")`,
    );
  }
  if (toolName !== undefined && !registry.hasTool(toolName)) {
    report(
      'unknown_tool',
      `${path}.tool_name`,
      `no tool "${toolName}" is registered (compensation of "${node.id}")`,
    );
  }
}

function checkExpressions(node: NodeDefinition, source: NodeSource, report: Report): void {
  if (node.condition !== undefined) {
    const problem = expressionProblem(node.condition);
    if (problem !== undefined) {
      report('bad_expression', source.conditionPath ?? source.path, `bad condition: ${problem}`);
    }
  }
  for (const [upstream, condition] of Object.entries(node.edgeConditions)) {
    const problem = expressionProblem(condition);
    if (problem !== undefined) {
      report(
        'bad_expression',
        source.edgeConditionPaths[upstream] ?? source.path,
        `bad edge condition: ${problem}`,
      );
    }
  }
  for (const problem of findTemplateProblems(node.config)) {
    report('bad_expression', source.configPath(problem.path), problem.message);
  }
}

function checkStartNodes(
  imported: ImportedDag,
  indexById: ReadonlyMap<string, number>,
  report: Report,
): void {
  const paths = imported.startNodePaths;
  if (!paths) return;
  imported.dag.startNodes.forEach((id, position) => {
    const path = paths[position] ?? 'start_nodes';
    const index = indexById.get(id);
    if (index === undefined) report('bad_start_node', path, `start node "${id}" names no node`);
    else if (imported.dag.nodes[index]!.dependencies.length > 0) {
      report(
        'bad_start_node',
        path,
        `start node "${id}" has dependencies, so it cannot start the run`,
      );
    }
  });
}

/** Reports one cycle per strongly connected component; returns the nodes inside those components. */
function checkCycles(
  imported: ImportedDag,
  indexById: ReadonlyMap<string, number>,
  isCanonical: (index: number) => boolean,
  report: Report,
): Set<number> {
  const { nodes } = imported.dag;
  const dependencies = nodes.map((node, index) =>
    isCanonical(index) ? knownDependencies(node, indexById) : [],
  );
  const inCycle = new Set<number>();
  for (const { members, cycle } of findCycles(dependencies)) {
    members.forEach((index) => inCycle.add(index));
    const start = cycle[0]!;
    const closing = nodes[cycle[cycle.length - 2]!]!.id;
    const startNode = nodes[start]!;
    const source = imported.sources[start]!;
    const path = source.dependencyPaths[startNode.dependencies.indexOf(closing)] ?? source.path;
    report('cycle', path, `cycle: ${cycle.map((index) => nodes[index]!.id).join(' → ')}`);
  }
  return inCycle;
}

function knownDependencies(node: NodeDefinition, indexById: ReadonlyMap<string, number>): number[] {
  const indexes: number[] = [];
  for (const dependency of node.dependencies) {
    const index = indexById.get(dependency);
    if (index !== undefined && !indexes.includes(index)) indexes.push(index);
  }
  return indexes;
}

/**
 * A node is reachable when the start nodes lead to it: all its dependencies are reachable, or one of them
 * for `one_success`. Dependencies naming no node are already reported, so they do not count against it;
 * nodes on a cycle are reported as the cycle.
 */
function checkReachability(
  imported: ImportedDag,
  indexById: ReadonlyMap<string, number>,
  inCycle: ReadonlySet<number>,
  isCanonical: (index: number) => boolean,
  report: Report,
): void {
  const { nodes, startNodes } = imported.dag;
  const needed = new Array<number>(nodes.length).fill(0);
  const dependents: number[][] = nodes.map(() => []);
  const reached = new Set<number>();
  const queue: number[] = [];
  const reach = (index: number) => {
    if (reached.has(index)) return;
    reached.add(index);
    queue.push(index);
  };

  nodes.forEach((node, index) => {
    if (!isCanonical(index)) return;
    const known = knownDependencies(node, indexById);
    known.forEach((dependency) => dependents[dependency]!.push(index));
    needed[index] = node.triggerRule === 'one_success' ? Math.min(1, known.length) : known.length;
    if (node.dependencies.length > 0 && known.length === 0) reach(index);
  });
  for (const id of startNodes) {
    const index = indexById.get(id);
    if (index !== undefined && nodes[index]!.dependencies.length === 0) reach(index);
  }

  const satisfied = new Array<number>(nodes.length).fill(0);
  for (let head = 0; head < queue.length; head++) {
    for (const dependent of dependents[queue[head]!]!) {
      satisfied[dependent]!++;
      if (satisfied[dependent]! >= needed[dependent]!) reach(dependent);
    }
  }

  nodes.forEach((node, index) => {
    if (reached.has(index) || inCycle.has(index) || !isCanonical(index)) return;
    const why =
      node.dependencies.length === 0
        ? 'it has no dependencies but is not listed in start_nodes'
        : 'it depends on nodes that never run';
    report(
      'unreachable',
      imported.sources[index]!.path,
      `node "${node.id}" cannot be reached from the start nodes: ${why}`,
    );
  });
}
